"""``chargespec sim --pics`` answers the Reservation, Local Auth List and Remote Trigger profiles.

The station runs as a separate process, started as a user starts it, with a PICS file; the
Central System is built with the independent PyPI ``ocpp`` package, which checks every answer
the station gives against its own copy of the OCPP 1.6 schemas. With a PICS declaring the three
profiles every request of them gets the answer its clause gives; with a Core-only PICS the same
requests get the answers of a Charge Point without them (OCPP 1.6 §3.3), and
SupportedFeatureProfiles (§9.1.29) names exactly the profiles declared and implemented.
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
from ocpp.v16 import call

from tests.interop.csms_recorder import Received, Recorder, RecordingCsms, serve_csms

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
    recorder: Recorder, pics: Path, connectors: int, log: Path
) -> AsyncIterator[RecordingCsms]:
    """``chargespec sim --pics`` against the recording Central System, booted and with
    connector 0 and its ``connectors`` reported (§4.2, errata E3.22)."""
    async with serve_csms(recorder) as url:
        with log.open("w") as out:
            process = await asyncio.create_subprocess_exec(
                *CHARGESPEC,
                *("sim", "--csms", url, "--id", IDENTITY, "--pics", str(pics)),
                *("--duration", "60"),
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
        # also declares FirmwareManagement and SmartCharging, which have no machines yet).
        assert await _profiles(csms) == {
            "Core",
            "LocalAuthListManagement",
            "Reservation",
            "RemoteTrigger",
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
