"""The contactor follows the connector status (ConnectorStatus drives it through the
set_energy_flow operation): energy flows exactly while the connector is Charging, whatever
the other machines of the connector do meanwhile."""

from __future__ import annotations

from typing import Any

from generated.ocpp16.registry import SPEC
from runtime.conformance import InProcessDut, run_scenario
from runtime.spec.applicability import full_pics
from tests.runtime.setup_states import setup_steps_for

CHARGING: dict[str, Any] = {"connector": 1, "idTag": "TAG-0001", "parentIdTag": "P-1"}


def _step(kind: str, name: str = "", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name, "at": "test", **fields}


async def _charging_dut() -> InProcessDut:
    dut = InProcessDut(SPEC, connectors=1, pics=full_pics(SPEC))
    await dut.start()
    setup_steps = setup_steps_for(charging=CHARGING)
    scenario = {"id": "E", "requires": [], "setup": {}, "setup_steps": setup_steps, "steps": []}
    await run_scenario(scenario, dut)
    return dut


def _register(dut: InProcessDut) -> int:
    return dut.station.hardware.read_meter(1, dut.now()).energy_wh


async def test_energy_keeps_flowing_while_another_id_tag_is_checked() -> None:
    dut = await _charging_dut()
    # Another idTag is shown: the Transaction machine goes to StopAuthorizing and back to
    # Running when the answer has a different parent; the connector stays Charging.
    steps = [
        _step("tester", "present_id_tag", payload={"connector": 1, "idTag": "TAG-0002"}),
        _step(
            "expect",
            "Authorize",
            payload={"idTag": "TAG-0002"},
            reply={"idTagInfo": {"status": "Accepted", "parentIdTag": "P-2"}},
        ),
    ]
    await run_scenario({"id": "E", "requires": [], "setup": {}, "steps": steps}, dut)
    assert dut.station.state("Transaction", 1) == "Running"
    before = _register(dut)
    await run_scenario(
        {"id": "E", "requires": [], "setup": {}, "steps": [_step("advance", seconds=360.0)]}, dut
    )
    # 11 kW for a tenth of an hour
    assert _register(dut) - before == 1_100


async def test_energy_stops_when_the_ev_suspends() -> None:
    dut = await _charging_dut()
    steps = [
        _step("tester", "ev_suspend", payload={"connector": 1}),
        _step("expect", "StatusNotification", payload={"status": "SuspendedEV"}),
    ]
    await run_scenario({"id": "E", "requires": [], "setup": {}, "steps": steps}, dut)
    before = _register(dut)
    await run_scenario(
        {"id": "E", "requires": [], "setup": {}, "steps": [_step("advance", seconds=360.0)]}, dut
    )
    assert _register(dut) == before
