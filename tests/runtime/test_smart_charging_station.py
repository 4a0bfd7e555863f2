"""A station under Smart Charging, in process (regression tests of the runtime, not
conformance): the EV draws at most the composite limit, a limit of 0 suspends the EVSE,
TxProfiles go with their transaction and profiles survive a reboot (OCPP 1.6 §3.13, §4.9)."""

from __future__ import annotations

from typing import Any

from generated.ocpp16.registry import SPEC
from runtime.conformance import InProcessDut, run_scenario
from runtime.spec.applicability import full_pics
from tests.runtime.setup_states import setup_steps_for

TX_ID = 4711
CHARGING: dict[str, Any] = {
    "connector": 1,
    "idTag": "TAG-0001",
    "parentIdTag": "P-1",
    "transactionId": TX_ID,
}


def _step(kind: str, name: str = "", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name, "at": "test", **fields}


def _profile(
    profile_id: int, purpose: str, periods: list[tuple[int, float]], **extra: Any
) -> dict[str, Any]:
    return {
        "chargingProfileId": profile_id,
        "stackLevel": extra.pop("stackLevel", 0),
        "chargingProfilePurpose": purpose,
        "chargingProfileKind": extra.pop("kind", "Relative"),
        "chargingSchedule": {
            "chargingRateUnit": extra.pop("unit", "A"),
            "chargingSchedulePeriod": [{"startPeriod": s, "limit": v} for s, v in periods],
        },
        **extra,
    }


def _set(connector: int, profile: dict[str, Any], status: str = "Accepted") -> dict[str, Any]:
    payload = {"connectorId": connector, "csChargingProfiles": profile}
    return _step("send", "SetChargingProfile", payload=payload, reply={"status": status})


async def _play(dut: InProcessDut, *steps: dict[str, Any]) -> None:
    await run_scenario({"id": "S", "requires": [], "setup": {}, "steps": list(steps)}, dut)


async def _dut(charging: bool) -> InProcessDut:
    dut = InProcessDut(SPEC, connectors=2, pics=full_pics(SPEC))
    await dut.start()
    setup_steps = setup_steps_for(charging=CHARGING) if charging else setup_steps_for()
    scenario = {"id": "S", "requires": [], "setup": {}, "setup_steps": setup_steps, "steps": []}
    await run_scenario(scenario, dut)
    return dut


def _register(dut: InProcessDut) -> int:
    return dut.station.hardware.read_meter(1, dut.now()).energy_wh


async def test_a_tx_profile_of_zero_suspends_the_evse_and_a_higher_one_resumes() -> None:
    dut = await _dut(charging=True)
    zero = _profile(1, "TxProfile", [(0, 0)], transactionId=TX_ID)
    await _play(
        dut,
        _set(1, zero),
        _step("expect", "StatusNotification", payload={"status": "SuspendedEVSE"}),
    )
    before = _register(dut)
    await _play(dut, _step("advance", seconds=360.0))
    assert _register(dut) == before
    # Same stackLevel and purpose: replaces the zero profile (§3.13.2).
    ten = _profile(2, "TxProfile", [(0, 10)], transactionId=TX_ID)
    await _play(
        dut,
        _set(1, ten),
        _step("expect", "StatusNotification", payload={"status": "Charging"}),
    )
    before = _register(dut)
    await _play(dut, _step("advance", seconds=360.0))
    # 10 A on three phases at 230 V for a tenth of an hour.
    assert _register(dut) - before == 690


async def test_the_draw_follows_the_periods_of_a_default_profile() -> None:
    dut = await _dut(charging=True)
    # Relative: anchored at the start of the transaction (§7.13); 6 A now, unlimited after.
    default = _profile(3, "TxDefaultProfile", [(0, 6), (1200, 32)])
    await _play(dut, _set(0, default))
    start = _register(dut)
    await _play(dut, _step("advance", seconds=2400.0))
    # 6 A × 690 V for ~1/3 h (the setup took a few seconds of it), then 11 kW for 1/3 h.
    delivered = _register(dut) - start
    assert 1_370 + 3_660 <= delivered <= 1_380 + 3_670


async def test_the_tx_profile_goes_with_its_transaction() -> None:
    dut = await _dut(charging=True)
    await _play(dut, _set(1, _profile(4, "TxProfile", [(0, 8)], transactionId=TX_ID)))
    assert [c for c, _ in dut.station.store.charging_profiles()] == [1]
    await _play(
        dut,
        _step(
            "send",
            "RemoteStopTransaction",
            payload={"transactionId": TX_ID},
            reply={"status": "Accepted"},
        ),
        _step("expect", "StopTransaction", payload={"transactionId": TX_ID}),
    )
    assert dut.station.store.charging_profiles() == []


async def test_a_profile_for_a_connector_the_station_lacks_is_a_callerror() -> None:
    dut = await _dut(charging=False)
    step = _set(7, _profile(5, "TxDefaultProfile", [(0, 6)]))
    step["reply"] = {"$error": "PropertyConstraintViolation"}
    await _play(dut, step)


async def test_profiles_survive_a_reboot_and_tx_profiles_do_not() -> None:
    dut = await _dut(charging=True)
    cap = _profile(6, "ChargePointMaxProfile", [(0, 20)], kind="Absolute")
    cap["chargingSchedule"]["startSchedule"] = "2020-01-01T00:00:00Z"
    await _play(
        dut,
        _set(0, cap),
        _set(1, _profile(7, "TxProfile", [(0, 8)], transactionId=TX_ID)),
        _step("send", "Reset", payload={"type": "Hard"}, reply={"status": "Accepted"}),
        _step(
            "expect",
            "BootNotification",
            reply={"status": "Accepted", "currentTime": "$now", "interval": 300},
        ),
        # The interrupted transaction is reported once registered (§4.10, §5.14).
        _step("expect", "StopTransaction", payload={"transactionId": TX_ID}, others="answer"),
        _step("settle", seconds=5.0),
    )
    kept = dut.station.store.charging_profiles()
    assert [(c, p["chargingProfileId"]) for c, p in kept] == [(0, 6)]


async def test_the_composite_schedule_takes_the_lowest_limit_across_purposes() -> None:
    dut = await _dut(charging=True)
    cap = _profile(8, "ChargePointMaxProfile", [(0, 20), (600, 8)], kind="Absolute")
    cap["chargingSchedule"]["startSchedule"] = "$now"
    await _play(
        dut,
        _set(0, cap),
        _set(1, _profile(9, "TxProfile", [(0, 12)], transactionId=TX_ID)),
        _step(
            "send",
            "GetCompositeSchedule",
            payload={"connectorId": 1, "duration": 1200, "chargingRateUnit": "A"},
            reply={
                "status": "Accepted",
                "connectorId": 1,
                "scheduleStart": "$any",
                "chargingSchedule": {
                    "duration": 1200,
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": [
                        {"startPeriod": 0, "limit": 12},
                        {"startPeriod": 600, "limit": 8},
                    ],
                },
            },
        ),
    )


async def test_a_remote_start_takes_only_a_tx_profile() -> None:
    dut = await _dut(charging=False)
    default = _profile(10, "TxDefaultProfile", [(0, 6)])
    refused = {"connectorId": 1, "idTag": "TAG-0001", "chargingProfile": default}
    await _play(
        dut,
        _step("send", "RemoteStartTransaction", payload=refused, reply={"status": "Rejected"}),
    )
    tx = _profile(11, "TxProfile", [(0, 6)])
    started = {"connectorId": 1, "idTag": "TAG-0001", "chargingProfile": tx}
    await _play(
        dut,
        _step("send", "RemoteStartTransaction", payload=started, reply={"status": "Accepted"}),
    )
    assert [p["chargingProfileId"] for _, p in dut.station.store.charging_profiles()] == [11]


async def test_a_composite_longer_than_the_period_limit_is_cut_and_says_how_far_it_reaches() -> (
    None
):
    dut = await _dut(charging=False)
    # A Daily profile with two periods asked for over 30 days: 60 periods, more than
    # ChargingScheduleMaxPeriods (24 by default, §9.4.3).
    daily = _profile(12, "TxDefaultProfile", [(0, 6), (3600, 10)], kind="Recurring")
    daily["recurrencyKind"] = "Daily"
    daily["chargingSchedule"]["startSchedule"] = "$now"
    ask = {"connectorId": 1, "duration": 30 * 86_400, "chargingRateUnit": "A"}
    periods = [
        {"startPeriod": d * 86_400 + h, "limit": v}
        for d in range(12)
        for h, v in ((0, 6), (3600, 10))
    ]
    await _play(
        dut,
        _set(0, daily),
        _step(
            "send",
            "GetCompositeSchedule",
            payload=ask,
            reply={
                "status": "Accepted",
                "connectorId": 1,
                "scheduleStart": "$any",
                "chargingSchedule": {
                    "duration": 12 * 86_400,
                    "chargingRateUnit": "A",
                    "chargingSchedulePeriod": periods,
                },
            },
        ),
    )
