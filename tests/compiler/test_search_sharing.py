"""What makes a cold build fast must not change what it derives.

The model-path search shares outcomes between PICS variants that read the same values
(compiler/derive/search.py), the machines' modules are derived in forked workers
(compiler/render/parallel.py), and parsed spec files come from the build cache
(compiler/frontend/yaml.py). Each is compared here with the plain way on the real spec set.
"""

from __future__ import annotations

import dataclasses
import hashlib
from pathlib import Path

import pytest

import compiler.derive.paths
import compiler.derive.search
from compiler.derive.paths import derive_cases
from compiler.emit.cache import Store
from compiler.frontend.load import load_spec_set
from compiler.frontend.yaml import ParsedCache
from compiler.ir import Machine, SpecSet
from compiler.render.parallel import JOBS_VARIABLE, run_all
from runtime.spec.located_yaml import load_yaml_file

ROOT = Path(__file__).resolve().parents[2]
SPEC_DIR = ROOT / "specs" / "ocpp16"
# The two largest state spaces take seconds without sharing; the others still cover variants
# that share everything, some things and nothing.
_SLOW = ("ConnectorStatus", "Transaction")


def _spec() -> SpecSet:
    spec, _ = load_spec_set(SPEC_DIR)
    assert spec is not None
    return spec


SPEC = _spec()
MACHINES = [m for m in SPEC.machines if m.name not in _SLOW]


@pytest.mark.parametrize("machine", MACHINES, ids=lambda m: m.name)
def test_shared_outcomes_derive_the_same_cases(
    machine: Machine, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = derive_cases(SPEC, machine)
    monkeypatch.setattr(compiler.derive.paths, "memoisable", lambda machine: False)
    alone = derive_cases(SPEC, machine)
    assert dataclasses.asdict(shared) == dataclasses.asdict(alone)
    assert shared.states  # the search found something to compare


def test_variants_do_share_work(monkeypatch: pytest.MonkeyPatch) -> None:
    # ChargePointStatus has 16 variants, which read the same values at most nodes: with
    # sharing, far fewer firings are computed than without.
    machine = next(m for m in SPEC.machines if m.name == "ChargePointStatus")
    computed = []
    plain = compiler.derive.search._Outcomes._compute

    def counting(self: object, *args: object) -> object:
        computed.append(1)
        return plain(self, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(compiler.derive.search._Outcomes, "_compute", counting)
    derive_cases(SPEC, machine)
    shared = len(computed)
    computed.clear()
    monkeypatch.setattr(compiler.derive.paths, "memoisable", lambda machine: False)
    derive_cases(SPEC, machine)
    assert 0 < shared * 2 < len(computed)


def test_parallel_pieces_come_back_in_order(monkeypatch: pytest.MonkeyPatch) -> None:
    names = [m.name for m in SPEC.machines]
    monkeypatch.setenv(JOBS_VARIABLE, "2")
    forked = run_all(lambda index: f"{index}:{names[index]}", len(names))
    monkeypatch.setenv(JOBS_VARIABLE, "1")
    alone = run_all(lambda index: f"{index}:{names[index]}", len(names))
    assert forked == alone == [f"{i}:{n}" for i, n in enumerate(names)]


def test_a_parsed_file_from_the_cache_equals_a_fresh_parse(tmp_path: Path) -> None:
    path = SPEC_DIR / "machines" / "connector_status.yaml"
    shown = "specs/ocpp16/machines/connector_status.yaml"
    fresh = load_yaml_file(path, shown)
    parsed = ParsedCache(Store(tmp_path))
    key = parsed.key(path, shown)
    assert key is not None
    assert parsed.get(key, shown) is None
    parsed.put(key, fresh)
    cached = parsed.get(key, shown)
    assert cached == fresh
    assert cached is not None
    # same order too: the IR keeps states and transitions in the order the spec writes them
    assert list(cached.positions) == list(fresh.positions)
    assert list(cached.data["states"]) == list(fresh.data["states"])
    # another shown path is another entry (positions name the file)
    assert parsed.key(path, "elsewhere.yaml") != key


def test_a_damaged_parsed_entry_is_parsed_again(tmp_path: Path) -> None:
    path = SPEC_DIR / "spec.yaml"
    store = Store(tmp_path)
    parsed = ParsedCache(store)
    key = parsed.key(path, "spec.yaml")
    assert key is not None
    parsed.put(key, load_yaml_file(path, "spec.yaml"))
    (entry,) = tmp_path.glob("*.yaml")
    body = b'[{"spec": 1}, [[["spec"], "one", 1]], []]'

    entry.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    assert parsed.get(key, "spec.yaml") is None  # well-formed JSON, not a parsed file
