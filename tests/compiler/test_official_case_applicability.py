"""Every device an official test case applies to finds one of our scenarios for it.

The PICS conditions of a scenario are its ``requires`` and what its ``setup.pics`` and
``setup.config`` imply (compiler/render/scenario_data.py ``setup_pics``): a key that only an
optional feature has makes the scenario need that feature. The official prerequisites say
which devices a case is for; a case written one way (e.g. only through the Authorization
Cache) would silently skip the others, so each official case is checked here against the
devices its prerequisite admits.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from compiler.frontend.load import load_spec_set
from compiler.ir import SpecSet
from compiler.render.scenario_data import setup_pics
from runtime.spec.applicability import inapplicable_reason, scenario_conditions

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "ocpp16"


def _spec() -> SpecSet:
    spec, diagnostics = load_spec_set(SPEC_DIR)
    assert spec is not None, diagnostics
    return spec


SPEC = _spec()
# A device with every boolean PICS item supported, as the suite's own PICS.
FULL = {p.name: (True if p.spec.kind == "boolean" else p.spec.default) for p in SPEC.pics}
OFFLINE_WAYS = ("AuthorizationCache", "UnknownOfflineAuthorization")

# (official case, a device its prerequisite admits: PICS items that differ from FULL)
DEVICES: list[tuple[str, dict[str, Any]]] = [
    # TC_023_CS: no prerequisite; MinimumStatusDuration is an optional key (§9.1.20).
    ("TC_023_CS", {}),
    ("TC_023_CS", {"MinimumStatusDuration": False}),
    # TC_037_1_CS, TC_039_CS: offline start through the Local Authorization List, the
    # Authorization Cache or Unknown Offline Authorization — any one of them (TC_039_CS has no
    # variant for the list's way yet).
    *[
        (case, {way: True for way in OFFLINE_WAYS} | {other: False})
        for case in ("TC_037_1_CS", "TC_039_CS")
        for other in OFFLINE_WAYS
    ],
    ("TC_037_1_CS", dict.fromkeys(OFFLINE_WAYS, False)),  # the list's way only
    ("TC_037_1_CS", {}),
    ("TC_039_CS", {}),
    # The remote-start cases: every device, whatever AuthorizeRemoteTxRequests holds.
    ("TC_010_CS", {}),
    ("TC_011_1_CS", {}),
    ("TC_011_2_CS", {}),
    ("TC_024_CS", {"FixedCable": False}),
]


def _applicable(case: str, device: dict[str, Any]) -> list[str]:
    pics = FULL | device
    return [
        sc.id
        for sc in SPEC.scenarios
        if sc.id == case or sc.id.startswith(f"{case}_")
        if inapplicable_reason(scenario_conditions(sc.requires, setup_pics(SPEC, sc)), pics) is None
    ]


@pytest.mark.parametrize(("case", "device"), DEVICES, ids=lambda v: str(v))
def test_a_scenario_of_the_official_case_applies(case: str, device: dict[str, Any]) -> None:
    assert _applicable(case, device), f"{case}: nothing applies to a device with {device}"


@pytest.mark.parametrize("case", ["TC_010_CS", "TC_011_1_CS", "TC_011_2_CS", "TC_024_CS"])
def test_a_remote_start_case_runs_with_each_value_of_authorize_remote_tx_requests(
    case: str,
) -> None:
    values = {
        sc.setup.get("config", {}).get("AuthorizeRemoteTxRequests")
        for sc in SPEC.scenarios
        if sc.id == case or sc.id.startswith(f"{case}_AUTHORIZE_REMOTE_")
    }
    assert values == {True, False}
