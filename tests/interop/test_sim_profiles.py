"""``chargespec sim --pics`` answers the Reservation, Local Auth List, Remote Trigger and Smart
Charging profiles.

The station runs as a separate process, started as a user starts it, with a PICS file; the
Central System is built with the independent PyPI ``ocpp`` package, which checks every answer
the station gives against its own copy of the OCPP 1.6 schemas. With a PICS declaring the
profiles every request of them gets the answer its clause gives; with a Core-only PICS the same
requests get the answers of a Charge Point without them (OCPP 1.6 §3.3, errata E3.39), and
SupportedFeatureProfiles (§9.1.29) names exactly the profiles declared and implemented. Under a
charging profile the simulated EV draws no more than the limit, as its MeterValues show; the
test performs the physical steps (plug in, present an idTag) through the tester API.
Every wait is bounded (≤ 10 s, polled every 0.05 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from ocpp.exceptions import NotSupportedError
from ocpp.v16 import call

from generated.ocpp16.registry import SPEC
from runtime.conformance.tester_api_client import TesterApiClient
from tests.interop.csms_recorder import Received, Recorder, RecordingCsms, serve_csms
from tests.interop.external_run import free_port

pytestmark = pytest.mark.timeout(90)

CHARGESPEC = (sys.executable, "-c", "from compiler.cli import main; main()")
ROOT = Path(__file__).resolve().parents[2]
PICS = ROOT / "specs" / "ocpp16" / "pics"
IDENTITY = "CP-PROFILES"
POLL = 0.05
MAX_WAIT = 10.0


async def wait_for(what: str, found: Callable[[], Any]) -> Any:
    """Poll ``found`` until it returns something truthy, for at most 10 s."""
    for _ in range(int(MAX_WAIT / POLL)):
        value = found()
        if value:
            return value
        await asyncio.sleep(POLL)
    raise AssertionError(f"timed out after {MAX_WAIT:g} s waiting for {what}")


@contextlib.asynccontextmanager
async def running_sim(
    recorder: Recorder, pics: Path, connectors: int, log: Path, *extra: str
) -> AsyncIterator[RecordingCsms]:
    """``chargespec sim --pics`` (and ``extra`` options) against the recording Central System,
    booted and with connector 0 and its ``connectors`` reported (§4.2, errata E3.22)."""
    async with serve_csms(recorder) as url:
        with log.open("w") as out:
            process = await asyncio.create_subprocess_exec(
                *CHARGESPEC,
                *("sim", "--csms", url, "--id", IDENTITY, "--pics", str(pics)),
                *("--duration", "60"),
                *extra,
                cwd=ROOT,
                stdout=out,
                stderr=out,
            )
            try:
                await wait_for("the boot", lambda: IDENTITY in recorder.centrals)
                await wait_for(
                    "every connector reported", lambda: _reported(recorder) == connectors + 1
                )
                yield recorder.centrals[IDENTITY]
            finally:
                process.terminate()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(process.wait(), 5.0)
                if process.returncode is None:
                    process.kill()
                    await process.wait()


def _reported(recorder: Recorder) -> int:
    return len({c.payload["connectorId"] for c in recorder.of("StatusNotification")})


def _status_since(recorder: Recorder, mark: int, connector: int, status: str) -> Received | None:
    return recorder.first_since(
        mark,
        lambda c: (
            c.action == "StatusNotification"
            and c.payload["connectorId"] == connector
            and c.payload["status"] == status
        ),
    )


def _in(seconds: int) -> str:
    moment = datetime.now(UTC) + timedelta(seconds=seconds)
    return moment.isoformat(timespec="seconds").replace("+00:00", "Z")


async def _profiles(csms: RecordingCsms) -> set[str]:
    answer = await csms.call(call.GetConfiguration(key=["SupportedFeatureProfiles"]))
    (entry,) = answer.configuration_key
    return set(entry["value"].split(","))


async def _known_keys(csms: RecordingCsms, keys: list[str]) -> dict[str, str]:
    answer = await csms.call(call.GetConfiguration(key=keys))
    return {e["key"]: e.get("value", "") for e in answer.configuration_key or []}


PROFILE_KEYS = [
    "LocalAuthListEnabled",
    "LocalAuthListMaxLength",
    "SendLocalListMaxLength",
    "ReserveConnectorZeroSupported",
]


async def test_declared_profiles_are_answered_as_their_clauses_say(tmp_path: Path) -> None:
    recorder = Recorder()
    async with running_sim(recorder, PICS / "full.yaml", 2, tmp_path / "sim.log") as csms:
        # §9.1.29: the profiles the PICS declares that the spec set implements (full.yaml
        # also declares FirmwareManagement, which has no machines yet).
        assert await _profiles(csms) == {
            "Core",
            "LocalAuthListManagement",
            "Reservation",
            "RemoteTrigger",
            "SmartCharging",
        }
        # §9.3, §9.4: the profiles' keys exist, limits from the PICS.
        keys = await _known_keys(csms, PROFILE_KEYS)
        assert keys["LocalAuthListMaxLength"] == "1000"
        assert keys["SendLocalListMaxLength"] == "100"
        assert keys["ReserveConnectorZeroSupported"] == "true"
        assert "LocalAuthListEnabled" in keys

        # Local Authorization List (§5.10, §5.15): empty list is version 0; a Full update
        # sets the version it carries.
        assert (await csms.call(call.GetLocalListVersion())).list_version == 0
        sent = await csms.call(
            call.SendLocalList(
                list_version=5,
                update_type="Full",
                local_authorization_list=[
                    {"idTag": "LIST-TAG-1", "idTagInfo": {"status": "Accepted"}}
                ],
            )
        )
        assert sent.status == "Accepted"
        assert (await csms.call(call.GetLocalListVersion())).list_version == 5

        # Reservation (§5.13, §5.1, §4.9 A7/G1).
        mark = len(recorder.calls)
        reserved = await csms.call(
            call.ReserveNow(
                connector_id=1, expiry_date=_in(300), id_tag="RES-TAG-1", reservation_id=11
            )
        )
        assert reserved.status == "Accepted"
        await wait_for("Reserved", lambda: _status_since(recorder, mark, 1, "Reserved"))
        mark = len(recorder.calls)
        cancelled = await csms.call(call.CancelReservation(reservation_id=11))
        assert cancelled.status == "Accepted"
        await wait_for("Available", lambda: _status_since(recorder, mark, 1, "Available"))
        unknown = await csms.call(call.CancelReservation(reservation_id=9999))
        assert unknown.status == "Rejected"

        # Remote Trigger (§5.17): Accepted, then the message itself.
        mark = len(recorder.calls)
        triggered = await csms.call(call.TriggerMessage(requested_message="Heartbeat"))
        assert triggered.status == "Accepted"
        await wait_for(
            "the triggered Heartbeat",
            lambda: recorder.first_since(mark, lambda c: c.action == "Heartbeat"),
        )
        mark = len(recorder.calls)
        triggered = await csms.call(
            call.TriggerMessage(requested_message="StatusNotification", connector_id=2)
        )
        assert triggered.status == "Accepted"
        await wait_for(
            "the triggered StatusNotification",
            lambda: recorder.first_since(
                mark,
                lambda c: c.action == "StatusNotification" and c.payload["connectorId"] == 2,
            ),
        )
        # A connector the Charge Point does not have (§5.17: Rejected).
        missing = await csms.call(
            call.TriggerMessage(requested_message="MeterValues", connector_id=9)
        )
        assert missing.status == "Rejected"
    assert "Traceback" not in (tmp_path / "sim.log").read_text()
    # The ocpp library validated every CALL the station sent; all reached a handler.
    assert sum(recorder.handled.values()) == len(recorder.calls), recorder.handled


async def test_undeclared_profiles_get_the_answers_of_a_charge_point_without_them(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    async with running_sim(recorder, PICS / "core-only.yaml", 1, tmp_path / "sim.log") as csms:
        assert await _profiles(csms) == {"Core"}
        assert await _known_keys(csms, PROFILE_KEYS) == {}
        # §5.10: -1 = no Local Authorization List; §7.47 NotSupported; §5.13/§7.40 not
        # configured to accept reservations; §5.1 no such reservation; §7.44 NotImplemented.
        assert (await csms.call(call.GetLocalListVersion())).list_version == -1
        sent = await csms.call(call.SendLocalList(list_version=1, update_type="Full"))
        assert sent.status == "NotSupported"
        reserved = await csms.call(
            call.ReserveNow(connector_id=1, expiry_date=_in(300), id_tag="R", reservation_id=1)
        )
        assert reserved.status == "Rejected"
        assert (await csms.call(call.CancelReservation(reservation_id=1))).status == "Rejected"
        triggered = await csms.call(call.TriggerMessage(requested_message="Heartbeat"))
        assert triggered.status == "NotImplemented"
    assert "Traceback" not in (tmp_path / "sim.log").read_text()


# --- Smart Charging (§3.13, §5.5, §5.7, §5.16) ----------------------------------------------

SMART_CHARGING_KEYS = [
    "ChargeProfileMaxStackLevel",
    "ChargingScheduleAllowedChargingRateUnit",
    "ChargingScheduleMaxPeriods",
    "MaxChargingProfilesInstalled",
]
#: 6 A a phase on three phases at 230 V (§7.12: numberPhases absent means 3).
SIX_AMPS_W = 6 * 230 * 3
SC_TAG = "SC-TAG-1"


def _default_profile(profile_id: int, limit: float) -> dict[str, Any]:
    """A TxDefaultProfile of ``limit`` A from the start of charging (§7.8, §7.9 Relative)."""
    return {
        "charging_profile_id": profile_id,
        "stack_level": 0,
        "charging_profile_purpose": "TxDefaultProfile",
        "charging_profile_kind": "Relative",
        "charging_schedule": {
            "charging_rate_unit": "A",
            "charging_schedule_period": [{"start_period": 0, "limit": limit}],
        },
    }


def _powers_since(recorder: Recorder, mark: int) -> list[float]:
    """Power.Active.Import (W) of each transaction MeterValues received since ``mark``."""
    powers = []
    for received in recorder.calls[mark:]:
        if received.action != "MeterValues" or "transactionId" not in received.payload:
            continue
        for value in received.payload["meterValue"]:
            for sampled in value["sampledValue"]:
                if sampled.get("measurand") == "Power.Active.Import":
                    assert sampled.get("unit", "W") == "W", sampled
                    powers.append(float(sampled["value"]))
    return powers


async def _composite_limits(csms: RecordingCsms, connector: int) -> list[float]:
    """The limits (A) of the connector's composite schedule over 300 s (§5.7)."""
    answer = await csms.call(
        call.GetCompositeSchedule(connector_id=connector, duration=300, charging_rate_unit="A")
    )
    assert answer.status == "Accepted"
    schedule = answer.charging_schedule
    assert schedule["duration"] == 300 and schedule["charging_rate_unit"] == "A"
    assert "start_schedule" not in schedule  # errata E3.57
    return [float(p["limit"]) for p in schedule["charging_schedule_period"]]


async def test_smart_charging_profiles_are_kept_and_the_energy_follows_the_limit(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    api_port = free_port()
    options = (
        *("--tester-api", f"127.0.0.1:{api_port}"),
        *("--config", "MeterValueSampleInterval=1"),
        *("--config", "MeterValuesSampledData=Power.Active.Import"),
    )
    log = tmp_path / "sim.log"
    async with running_sim(recorder, PICS / "full.yaml", 2, log, *options) as csms:
        # §3.13.5, §9.4: the profile is advertised and its keys state the PICS limits.
        assert "SmartCharging" in await _profiles(csms)
        assert await _known_keys(csms, SMART_CHARGING_KEYS) == {
            "ChargeProfileMaxStackLevel": "10",
            "ChargingScheduleAllowedChargingRateUnit": "Current,Power",
            "ChargingScheduleMaxPeriods": "24",
            "MaxChargingProfilesInstalled": "20",
        }
        # §5.16.4: a default profile for connector 1; the composite schedule shows it (§5.7).
        profile = call.SetChargingProfile(
            connector_id=1, cs_charging_profiles=_default_profile(31, 6)
        )
        assert (await csms.call(profile)).status == "Accepted"
        assert await _composite_limits(csms, 1) == [6.0]

        # A transaction under it: the EV draws at most 6 A, sample after sample.
        api = TesterApiClient(f"ws://127.0.0.1:{api_port}/", SPEC, timeout=MAX_WAIT)
        try:
            mark = len(recorder.calls)
            await api.act("plug_in", {"connector": 1})
            await api.act("present_id_tag", {"connector": 1, "idTag": SC_TAG})
            await wait_for(
                "the StartTransaction",
                lambda: recorder.first_since(mark, lambda c: c.action == "StartTransaction"),
            )
            await wait_for("three samples", lambda: len(_powers_since(recorder, mark)) >= 3)
            powers = _powers_since(recorder, mark)
            assert all(0 <= w <= SIX_AMPS_W for w in powers), powers
            assert await _composite_limits(csms, 1) == [6.0]

            # §5.5: cleared by its id (Accepted), then nothing is left to clear (Unknown).
            assert (await csms.call(call.ClearChargingProfile(id=31))).status == "Accepted"
            assert (await csms.call(call.ClearChargingProfile(id=31))).status == "Unknown"
            # Without the limit the EV draws more again (errata E3.8: a running transaction
            # continues without the removed TxDefaultProfile).
            mark = len(recorder.calls)
            await wait_for(
                "a sample above 6 A",
                lambda: any(w > SIX_AMPS_W for w in _powers_since(recorder, mark)),
            )
        finally:
            await api.close()
    assert "Traceback" not in log.read_text()
    assert sum(recorder.handled.values()) == len(recorder.calls), recorder.handled


async def test_smart_charging_requests_without_the_profile_are_not_supported(
    tmp_path: Path,
) -> None:
    recorder = Recorder()
    async with running_sim(recorder, PICS / "core-only.yaml", 1, tmp_path / "sim.log") as csms:
        assert await _known_keys(csms, SMART_CHARGING_KEYS) == {}
        # errata E3.39 for SetChargingProfile; ClearChargingProfile and GetCompositeSchedule
        # have no status for it (§7.21, §7.26).
        requests = (
            call.SetChargingProfile(connector_id=1, cs_charging_profiles=_default_profile(1, 6)),
            call.ClearChargingProfile(),
            call.GetCompositeSchedule(connector_id=1, duration=300),
        )
        for request in requests:
            with pytest.raises(NotSupportedError):
                await csms.call(request, suppress=False)
    assert "Traceback" not in (tmp_path / "sim.log").read_text()
