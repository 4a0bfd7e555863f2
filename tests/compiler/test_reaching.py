"""Which generated tests reach a transition (compiler/derive/reaching.py), checked against
what pytest collects, and the event path to a transition found by search."""

from __future__ import annotations

import subprocess
import sys
import time
from functools import partial
from pathlib import Path

import pytest

from compiler.derive.paths import Variant
from compiler.derive.reaching import (
    _replay,
    event_path,
    event_paths,
    reaching_tests,
    regression_paths,
)
from compiler.frontend.load import load_spec_set
from compiler.frontend.setup_steps import resolve_scenario
from compiler.ir import Machine, SpecSet

ROOT = Path(__file__).resolve().parents[2]
GENERATED = ROOT / "generated"
RST1 = ("Reset", "RST1:Idle:ocpp.Reset")
R1 = ("Registration", "R1:Offline:internal.connected")


def _spec() -> SpecSet:
    spec, _ = load_spec_set(ROOT / "specs" / "ocpp16")
    assert spec is not None
    return spec


SPEC = _spec()
RESOLVE = partial(resolve_scenario, SPEC.test_states)


def _machine(name: str) -> Machine:
    return next(m for m in SPEC.machines if m.name == name)


@pytest.fixture(scope="module")
def reaching() -> dict[tuple[str, str], tuple[str, ...]]:
    return reaching_tests(SPEC, RESOLVE, GENERATED)


def test_every_transition_is_reached_by_a_test_and_the_wire_test_comes_first(
    reaching: dict[tuple[str, str], tuple[str, ...]],
) -> None:
    every = {(m.name, t.key) for m in SPEC.machines for t in m.transitions}
    assert set(reaching) == every
    first, *rest = reaching[RST1]
    assert first == "generated/tests/ocpp16/test_wire_reset.py::test_wire_reset_rst1"
    fires = (
        "generated/regression/ocpp16/test_model_reset.py::test_transition_fires["
        "RST1 Idle --ocpp.Reset--> Resetting (specs/ocpp16/machines/reset.yaml:20)]"
    )
    assert fires in rest
    # RST3 is fired from Resetting, which RST1 leads to: its test passes through RST1.
    assert any("test_transition_fires[RST3 " in test for test in rest)


def test_the_node_ids_are_the_ones_pytest_collects(
    reaching: dict[tuple[str, str], tuple[str, ...]],
) -> None:
    files = [
        "generated/tests/ocpp16/test_wire_reset.py",
        "generated/regression/ocpp16/test_model_reset.py",
    ]
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:randomly", *files],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    collected = {line for line in done.stdout.splitlines() if "::" in line}
    named = {test for key, tests in reaching.items() if key[0] == "Reset" for test in tests}
    assert named and named <= collected, sorted(named - collected)


def test_without_the_generated_folder_only_wire_tests_are_named() -> None:
    wire = reaching_tests(SPEC, RESOLVE)
    assert RST1 in wire and R1 not in wire  # R1 is on every path, never a wire test's own
    assert all(t.startswith("generated/tests/") for tests in wire.values() for t in tests)


def test_a_regression_test_replays_to_the_transition_it_names() -> None:
    machine = _machine("Reset")
    text = (GENERATED / "regression/ocpp16/test_model_reset.py").read_text(encoding="utf-8")
    played = {test: _replay(machine, v, steps) for test, v, steps in regression_paths(text)}
    (fires,) = [keys for test, keys in played.items() if "test_transition_fires[RST1 " in test]
    assert fires == ["RST1:Idle:ocpp.Reset"]
    assert len(played) >= 10


def test_event_path_ends_by_firing_the_transition() -> None:
    started = time.monotonic()
    paths = event_paths(SPEC, GENERATED)
    took = time.monotonic() - started
    print(f"{len(paths)} event paths from the regression tests in {took:.2f} s")
    assert len(paths) == sum(len(m.transitions) for m in SPEC.machines)
    machine = _machine("Transaction")
    for t in machine.transitions:
        found = paths[(machine.name, t.key)]
        keys = _replay(machine, Variant(found.config, found.pics, found.queries), [*found.steps])
        assert keys and keys[-1] == t.key
    assert event_path(SPEC, "Reset", RST1[1], GENERATED) == paths[RST1]
    # Searched, without the build's tests.
    for t in _machine("ConnectorStatus").transitions[:3]:
        found = event_path(SPEC, "ConnectorStatus", t.key)
        assert found is not None
        assert (
            _replay(
                _machine("ConnectorStatus"),
                Variant(found.config, found.pics, found.queries),
                [*found.steps],
            )[-1]
            == t.key
        )
    assert event_path(SPEC, "Reset", "no such transition") is None
