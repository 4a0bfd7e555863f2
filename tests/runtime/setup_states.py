"""Setup steps for hand-written runtime tests, expanded by the compiler from the real test
states (specs/ocpp16/test_states.yaml), exactly as a generated scenario carries them: the
runner itself knows no test state."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from compiler.diagnostics import Pos
from compiler.frontend.load import load_spec_set
from compiler.frontend.setup_steps import setup_steps
from compiler.ir import StateSelection, TestState
from compiler.render.scenario_data import step_data

__all__ = ["setup_steps_for"]

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "ocpp16"


@cache
def _test_states() -> tuple[TestState, ...]:
    spec, found = load_spec_set(SPEC_DIR)
    assert spec is not None and not found, found
    return spec.test_states


def setup_steps_for(**setup: Any) -> list[dict[str, Any]]:
    """The ``setup_steps`` a scenario with this setup carries, e.g.
    ``setup_steps_for(boot="accepted")`` or ``setup_steps_for(charging={"idTag": "T"})``;
    the Started state every scenario plays comes first, connector loops stay loops."""
    here = Pos("test")
    selections = [StateSelection(key, value, here, here) for key, value in setup.items()]
    return [step_data(st) for st in setup_steps(_test_states(), selections)]
