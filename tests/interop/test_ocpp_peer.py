"""Interoperability: our simulated station against a Central System built with PyPI ``ocpp``.

The peer is written with the independent ``ocpp`` library (mobilityhouse), which validates every
incoming CALL against its own copy of the OCPP 1.6 JSON schemas and would answer an invalid one
with a CALLERROR. Every wait is bounded (≤ 10 s, polled every 0.1 s).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
import websockets
from ocpp.routing import on
from ocpp.v16 import ChargePoint as CP
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, RegistrationStatus
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from generated.ocpp16.registry import SPEC
from runtime.sim.simulator import SimulatedStation, run_simulated_station

pytestmark = pytest.mark.timeout(30)

POLL = 0.1
MAX_WAIT = 10.0


def _now() -> str:
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Seen:
    """What the ``ocpp`` Central System received, across connections."""

    ids: list[str] = field(default_factory=list)
    boots: list[dict[str, Any]] = field(default_factory=list)
    statuses: list[dict[str, Any]] = field(default_factory=list)
    heartbeats: int = 0


class RecordingCsms(CP):  # type: ignore[misc]
    """A Central System from the ``ocpp`` library that accepts and records everything."""

    def __init__(self, cp_id: str, connection: ServerConnection, seen: Seen) -> None:
        super().__init__(cp_id, connection)
        self.seen = seen

    @on(Action.boot_notification)
    def on_boot(self, charge_point_vendor: str, charge_point_model: str, **kw: Any) -> Any:
        self.seen.boots.append({"vendor": charge_point_vendor, "model": charge_point_model, **kw})
        return call_result.BootNotification(
            current_time=_now(), interval=1, status=RegistrationStatus.accepted
        )

    @on(Action.status_notification)
    def on_status(self, connector_id: int, error_code: str, status: str, **kw: Any) -> Any:
        self.seen.statuses.append(
            {"connector": connector_id, "status": status, "error": error_code}
        )
        return call_result.StatusNotification()

    @on(Action.heartbeat)
    def on_heartbeat(self) -> Any:
        self.seen.heartbeats += 1
        return call_result.Heartbeat(current_time=_now())


async def wait_until(condition: Callable[[], bool], what: str) -> None:
    """Poll ``condition`` every 0.1 s for at most 10 s."""
    for _ in range(int(MAX_WAIT / POLL)):
        if condition():
            return
        await asyncio.sleep(POLL)
    raise AssertionError(f"timed out after {MAX_WAIT:g} s waiting for {what}")


@contextlib.asynccontextmanager
async def ocpp_csms(seen: Seen) -> AsyncIterator[str]:
    """Serve :class:`RecordingCsms` on 127.0.0.1; yields the endpoint URL."""

    async def handler(connection: ServerConnection) -> None:
        assert connection.request is not None
        cp_id = connection.request.path.rstrip("/").rsplit("/", 1)[-1]
        seen.ids.append(cp_id)
        with contextlib.suppress(ConnectionClosed):
            await RecordingCsms(cp_id, connection, seen).start()

    async with websockets.serve(handler, "127.0.0.1", 0, subprotocols=["ocpp1.6"]) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ocpp"


async def test_station_talks_to_the_ocpp_library(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING)
    seen = Seen()
    frames: list[tuple[str, str]] = []
    handle: list[SimulatedStation] = []
    stop = asyncio.Event()
    async with ocpp_csms(seen) as url:
        task = asyncio.create_task(
            run_simulated_station(
                SPEC,
                url,
                "CP-INTEROP",
                2,
                stop,
                on_frame=lambda d, text: frames.append((d, text)),
                on_ready=handle.append,
            )
        )
        try:
            await wait_until(lambda: len(seen.statuses) >= 3, "three StatusNotifications")
            await wait_until(lambda: seen.heartbeats >= 2, "two Heartbeats")
            handle[0].station.tester("plug_in", connector=1)
            await wait_until(
                lambda: (
                    {"connector": 1, "status": "Preparing", "error": "NoError"} in seen.statuses
                ),
                "StatusNotification Preparing",
            )
        finally:
            stop.set()
            station = await asyncio.wait_for(task, 5.0)

    assert seen.ids == ["CP-INTEROP"]
    assert len(seen.boots) == 1
    assert seen.boots[0]["vendor"] == "chargespec"
    assert station.state("Registration") == "Accepted"
    assert station.state("ConnectorStatus", 1) == "Preparing"
    first_three = seen.statuses[:3]
    assert [s["connector"] for s in first_three] == [0, 1, 2]
    assert all(s["status"] == "Available" for s in first_three)
    # The library validated every CALL; an invalid one would have come back as a CALLERROR.
    received = [text for direction, text in frames if direction == "<"]
    assert received, "the station received nothing"
    assert not [text for text in received if text.startswith("[4")], received
    assert not [r for r in caplog.records if r.name.startswith("runtime")], caplog.text


async def test_power_cycle_reconnects_and_boots_again() -> None:
    seen = Seen()
    handle: list[SimulatedStation] = []
    stop = asyncio.Event()
    async with ocpp_csms(seen) as url:
        task = asyncio.create_task(
            run_simulated_station(SPEC, url, "CP-CYCLE", 1, stop, on_ready=handle.append)
        )
        try:
            await wait_until(lambda: len(seen.statuses) >= 2, "two StatusNotifications")
            handle[0].station.tester("power_cycle")
            await wait_until(lambda: len(seen.boots) >= 2, "a second BootNotification")
            await wait_until(lambda: len(seen.statuses) >= 4, "statuses after the reboot")
        finally:
            stop.set()
            await asyncio.wait_for(task, 5.0)
    assert seen.ids == ["CP-CYCLE", "CP-CYCLE"]
    assert [s["connector"] for s in seen.statuses[2:4]] == [0, 1]
