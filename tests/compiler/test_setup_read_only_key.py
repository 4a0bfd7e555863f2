"""A scenario's setup.config on a device that keeps the key read-only
(compiler/frontend/setup_steps.py ``config_steps``).

AuthorizeRemoteTxRequests may be R or RW, the Charge Point's choice (OCPP 1.6 §9.1.3), and the
official remote-start cases run with the device's value. Each of ours is written once per
value; on a device whose key is read-only the ChangeConfiguration is Rejected (§5.3), and the
read-back decides: the variant of the value the device holds runs, the other one's
precondition is not reached (inconclusive, never failed nor passed).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from compiler.frontend.load import load_spec_set
from compiler.render.scenario_data import scenario_data
from generated.ocpp16.registry import SPEC
from runtime.conformance.play import INCONCLUSIVE, play_case
from runtime.spec.registry import SpecRegistry

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "ocpp16"
KEY = "AuthorizeRemoteTxRequests"


def _cases() -> dict[str, dict[str, Any]]:
    spec, diagnostics = load_spec_set(SPEC_DIR)
    assert spec is not None, diagnostics
    wanted = ("TC_010_CS", "TC_010_CS_AUTHORIZE_REMOTE_TRUE")
    return {sc.id: scenario_data(spec, sc) for sc in spec.scenarios if sc.id in wanted}


CASES = _cases()


def _read_only(value: bool) -> SpecRegistry:
    """SPEC with the key read-only, holding ``value``."""
    keys = tuple(
        replace(k, access="R", default=value) if k.name == KEY else k for k in SPEC.config_keys
    )
    return replace(SPEC, config_keys=keys)


@pytest.mark.parametrize("value", [True, False])
async def test_the_variant_of_the_devices_value_runs(value: bool) -> None:
    case = CASES["TC_010_CS_AUTHORIZE_REMOTE_TRUE" if value else "TC_010_CS"]
    assert case["setup"]["config"] == {KEY: value}
    try:
        await play_case(_read_only(value), case)
    except pytest.skip.Exception as skipped:  # inconclusive would hide the case: a failure
        pytest.fail(f"the case did not run: {skipped}")


@pytest.mark.parametrize("value", [True, False])
async def test_the_other_variant_is_inconclusive(value: bool) -> None:
    case = CASES["TC_010_CS" if value else "TC_010_CS_AUTHORIZE_REMOTE_TRUE"]
    with pytest.raises(pytest.skip.Exception) as skipped:
        await play_case(_read_only(value), case)
    reason = str(skipped.value)
    assert reason.startswith(INCONCLUSIVE), reason
    # The read-back decides: the device answered with the value it keeps.
    assert "configurationKey" in reason and KEY in reason, reason
