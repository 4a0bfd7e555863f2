"""The model-derived tests of the real spec set cover every transition and both guard sides.

Variants above a few PICS/query combinations are pairwise (compiler/derive/paths.py);
this guards against a guard that needs three inputs at once falling through the gaps.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.derive.paths import derive_cases
from compiler.frontend.load import load_spec_set
from compiler.ir import (
    Machine,
    SpecSet,
)

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "ocpp16"


def _spec() -> SpecSet:
    spec, _ = load_spec_set(SPEC_DIR)
    assert spec is not None
    return spec


SPEC = _spec()


@pytest.mark.parametrize("machine", SPEC.machines, ids=lambda m: m.name)
def test_every_transition_fires_and_every_guard_is_seen_false(machine: Machine) -> None:
    cases = derive_cases(SPEC, machine)
    unfired = [t.key for t in machine.transitions if t.key not in cases.transitions]
    guarded = [t for t in machine.transitions if t.guard is not None]
    never_false = [t.key for t in guarded if t.key not in cases.guard_false]
    unreached = [s.name for s in machine.states if s.name not in cases.states]
    assert (unfired, never_false, unreached) == ([], [], [])
