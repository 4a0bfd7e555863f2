"""A charge point that ignores a configuration key is caught by the wire tests derived with
that key set away from its default (compiler/derive/wire_config.py).

The broken charge point is the spec set with one deliberate bug: ConnectorStatus arms its
ConnectionTimeOut timer (errata E3.20/E3.21, OCPP 1.6 §9.1.6) with a hard-coded 60 s, the
key's default, instead of the configured value. Its machine is compiled from that copy of
the spec and played by the in-process charge point in place of the real one. A derived test
that leaves the key at its default (as the derivation did before) passes it; the tests
derived now, which set ConnectionTimeOut to 30 and to 90 and check the timer fires neither
earlier nor later, fail it — and pass the real machine.
"""

from __future__ import annotations

import re
import shutil
import sys
import tempfile
import types
from collections.abc import Iterator
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from compiler.derive.wire import derive_wire
from compiler.frontend.load import load_spec_set
from compiler.frontend.setup_steps import resolve_scenario
from compiler.ir import SpecSet
from compiler.render.python_modules import python_files
from compiler.render.scenario_data import scenario_data
from generated.ocpp16.registry import SPEC
from runtime.conformance.play import play_case
from runtime.conformance.runner import ScenarioFailed
from runtime.spec.registry import SpecRegistry

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "ocpp16"
# The bug: the timer's duration is the default, whatever the Central System configured.
RIGHT, WRONG = "after: config.ConnectionTimeOut", "after: 60"
MODULE = "broken_connector_status"


def _load(folder: Path) -> SpecSet:
    spec, diagnostics = load_spec_set(folder)
    assert spec is not None, diagnostics
    return spec


def _timeout_cases() -> list[dict[str, Any]]:
    """The wire tests of B1 (Preparing gives up after ConnectionTimeOut) as the build writes
    them into generated/tests/ocpp16/test_wire_connector_status.py (the pipeline's resolve)."""
    spec = _load(SPEC_DIR)
    machine = next(m for m in spec.machines if m.name == "ConnectorStatus")
    suite = derive_wire(spec, machine, partial(resolve_scenario, spec.test_states))
    return [
        scenario_data(spec, c.scenario)
        for c in suite.cases
        if c.transition.id == "B1" and c.transition.event == "timer.connection_timeout"
    ]


CASES = _timeout_cases()


def _as_before(case: dict[str, Any]) -> dict[str, Any]:
    """The B1 test as the derivation wrote it before: ConnectionTimeOut left at what the
    test configuration holds (the default), and only the upper bound of the wait checked."""
    setup = tuple(s for s in case["setup_steps"] if s.get("state") != "Configured")
    *steps, advance, expect = case["steps"]
    assert advance["kind"] == "advance"
    late = {**expect, "seconds": 60 + 5.0}
    return {**case, "id": case["id"] + " (before)", "setup_steps": setup, "steps": (*steps, late)}


@pytest.fixture(scope="module")
def broken() -> Iterator[SpecRegistry]:
    """SPEC with ConnectorStatus compiled from a copy of the spec that carries the bug."""
    with pytest.MonkeyPatch.context() as patch, tempfile.TemporaryDirectory() as tmp:
        copy = Path(tmp) / "ocpp16"
        shutil.copytree(SPEC_DIR, copy)
        machine_file = copy / "machines" / "connector_status.yaml"
        text = machine_file.read_text(encoding="utf-8")
        assert text.count(RIGHT) == 1
        machine_file.write_text(text.replace(RIGHT, WRONG), encoding="utf-8")
        code = python_files(_load(copy), "ocpp16")["machines/connector_status.py"]
        assert re.search(r"emit_start_timer\(.connection_timeout., 60\)", code)
        module = types.ModuleType(MODULE)
        patch.setitem(sys.modules, MODULE, module)
        exec(compile(code, f"<{MODULE}>", "exec"), module.__dict__)
        machines = tuple(
            replace(
                b,
                machine_class=module.ConnectorStatusMachine,
                make_context=module.make_context,
            )
            if b.name == "ConnectorStatus"
            else b
            for b in SPEC.machines
        )
        yield replace(SPEC, machines=machines)


def test_the_timer_is_derived_under_two_configured_durations() -> None:
    assert sorted(c["setup"]["config"]["ConnectionTimeOut"] for c in CASES) == [30, 90]


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
async def test_the_real_machine_passes(case: dict[str, Any]) -> None:
    await play_case(SPEC, case)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c["id"])
async def test_a_hard_coded_connection_timeout_is_caught(
    case: dict[str, Any], broken: SpecRegistry
) -> None:
    with pytest.raises(ScenarioFailed) as failed:
        await play_case(broken, case)
    # 30 s: nothing within 35 s; 90 s: the status comes at 60 s, before 85 s have passed.
    assert "StatusNotification" in str(failed.value)


async def test_the_test_derived_before_passed_the_broken_machine(broken: SpecRegistry) -> None:
    # What made the bug survive: with the key at its default the constant looks right.
    await play_case(broken, _as_before(CASES[0]))
