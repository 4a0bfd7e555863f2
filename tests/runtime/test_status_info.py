"""StatusNotification.info of the simulated station (OCPP 1.6 §4.9, §7.6): the text a fault
comes with, and "EV side disconnected" on an EV-side disconnect.

Regression tests of our station, not conformance: what a real device writes in `info` is its
own choice (the field is optional and §4.9 only says SHOULD)."""

from __future__ import annotations

from typing import Any

from generated.ocpp16.registry import SPEC
from runtime.conformance import InProcessDut, run_scenario
from runtime.spec.applicability import full_pics
from tests.runtime.setup_states import setup_steps_for


def _tester(name: str, **payload: Any) -> dict[str, Any]:
    return {"kind": "tester", "name": name, "payload": payload, "at": "t"}


def _status(status: str, **fields: Any) -> dict[str, Any]:
    payload = {"connectorId": 1, "status": status, **fields}
    return {
        "kind": "expect",
        "name": "StatusNotification",
        "payload": payload,
        "reply": {},
        "at": "t",
    }


async def _play(config: dict[str, Any], steps: list[dict[str, Any]], **setup: Any) -> None:
    dut = InProcessDut(SPEC, connectors=1, pics=full_pics(SPEC), config=config)
    await dut.start()
    case = {"id": "T", "requires": [], "setup": {}, "steps": steps}
    await run_scenario({**case, "setup_steps": setup_steps_for(**setup)}, dut)


async def test_a_fault_reports_its_text_while_it_lasts_and_not_after() -> None:
    await _play(
        {},
        [
            _tester("fault", connector=1, errorCode="GroundFailure", info="RCD tripped"),
            _status("Faulted", errorCode="GroundFailure", info="RCD tripped"),
            _tester("fault_cleared", connector=1),
            _status("Available", errorCode="NoError", info="$absent"),
        ],
        boot="accepted",
    )


async def test_an_ev_side_disconnect_says_so_whether_the_transaction_goes_on_or_stops() -> None:
    kept = _status("SuspendedEV", errorCode="NoError", info="EV side disconnected")
    await _play(
        {"StopTransactionOnEVSideDisconnect": False},
        [_tester("ev_unplug", connector=1), kept],
        charging={"idTag": "TAG-0001"},
    )
    stopped = _status("Finishing", errorCode="NoError", info="EV side disconnected")
    stop = {"kind": "expect", "name": "StopTransaction", "payload": {"reason": "EVDisconnected"}}
    await _play(
        {"StopTransactionOnEVSideDisconnect": True},
        [
            _tester("ev_unplug", connector=1),
            {"kind": "any_order", "items": [stopped, {**stop, "reply": {}}], "at": "t"},
        ],
        charging={"idTag": "TAG-0001"},
    )
