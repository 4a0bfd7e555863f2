"""A running fleet's stations driven through the tester API, addressed by identity
(ws://host:port/<identity>), as a CSMS team's end-to-end tests would."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from benchmarks.fleet_csms import FleetCsms
from generated.ocpp16.registry import SPEC
from runtime.adapters.tester_api import SUBPROTOCOL
from runtime.conformance.tester_api_client import TesterApiClient
from runtime.fleet.driver import Link
from runtime.fleet.fleet import Fleet, FleetOptions
from runtime.fleet.template import StationTemplate, TransactionPlan
from runtime.sim.tester_api_server import TesterApiServer

pytestmark = pytest.mark.timeout(30)

_TICK = 0.02
_WAIT = 5.0


async def _until(condition: Callable[[], bool], limit: float = _WAIT) -> bool:
    for _ in range(int(limit / _TICK)):
        if condition():
            return True
        await asyncio.sleep(_TICK)
    return condition()


def _statuses(csms: FleetCsms) -> set[tuple[str, int, str]]:
    return {(identity, connector, status) for identity, connector, status, _ in csms.statuses}


async def test_a_station_is_plugged_carded_cut_off_and_restored_by_identity() -> None:
    csms = FleetCsms(heartbeat_interval=30)
    await csms.start()
    options = FleetOptions(stations=3, duration=None, stop_timeout=5.0, seed=1)
    link = Link(csms.url, reconnect_min=0.1, reconnect_max=0.2)
    fleet = Fleet(SPEC, StationTemplate(), TransactionPlan(enabled=False), link, options)
    stop = asyncio.Event()
    running = asyncio.create_task(fleet.run(stop))
    try:
        async with TesterApiServer(None, SPEC, "127.0.0.1", 0, rigs=fleet.rig) as server:
            assert await _until(lambda: len(csms.accepted) == 3)
            api = TesterApiClient(server.url + "CP00002", SPEC, timeout=_WAIT)
            # Quiet for 2 s (no frame, no timer due): the plug-in still happens *now*, not at
            # the station's last frame (its messages and meter readings carry that time).
            await asyncio.sleep(2.0)
            before = time.time()
            await api.act("plug_in", {"connector": 1})
            station = fleet.drivers["CP00002"].station
            assert station is not None and station.now >= before
            assert await _until(lambda: ("CP00002", 1, "Preparing") in _statuses(csms))
            await api.act("present_id_tag", {"connector": 1, "idTag": "E2E-CARD"})
            assert await _until(lambda: len(csms.started) == 1)
            assert list(csms.started.values()) == [("CP00002", 1, "E2E-CARD")]
            assert await api.observe("cable_locked", {"connector": 1}) in (True, False)

            await api.act("connection_lost", {})
            assert await _until(lambda: "CP00002" not in csms.online)
            await asyncio.sleep(0.5)  # several back-off delays: it stays away
            assert "CP00002" not in csms.online and {"CP00001", "CP00003"} <= csms.online
            await api.act("connection_restored", {})
            assert await _until(lambda: "CP00002" in csms.online)
            # A power cycle: the station boots again on a new connection, and the transaction
            # the power loss interrupted is stopped (once) after the new boot.
            boots = csms.actions["BootNotification"]
            await api.act("power_cycle", {})
            assert await _until(lambda: csms.actions["BootNotification"] == boots + 1)
            assert await _until(lambda: dict(csms.stops) == {1: 1})
            await api.close()

            with pytest.raises(InvalidStatus) as refused:
                async with connect(server.url + "CP99999", subprotocols=[SUBPROTOCOL]):  # type: ignore[list-item]
                    pass
            assert refused.value.response.status_code == 404
    finally:
        stop.set()
        result = await asyncio.wait_for(running, 15)
        await csms.stop()
    # The card's transaction was ended by the power cycle; the graceful stop did not end it
    # again.
    assert dict(csms.stops) == {1: 1}
    assert result.summary["transactions"] == {
        "started": 1,
        "stopped": 1,
        "running_at_end": 0,
        "start_failures": 0,
        "duplicate_stops": 0,
    }
    # A cut link the tester asked for is not the Central System dropping the station.
    assert result.ok, result.problems
