"""The tester API server, its client and the simulator's link controls, in one process over
loopback: a :class:`CsmsServer`, a :class:`SimulatedStation` and a :class:`TesterApiServer`
for it, driven by a :class:`TesterApiClient`. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed
from websockets.typing import Subprotocol

from generated.ocpp16.registry import SPEC
from runtime.adapters.tester_api import SUBPROTOCOL
from runtime.adapters.ws_server import CsmsConnection, CsmsServer
from runtime.conformance import tester_backend  # not its Tester* class: pytest would collect it
from runtime.conformance.tester_api_client import TesterApiClient
from runtime.sim.simulator import SimulatedStation
from runtime.sim.tester_api_server import TesterApiServer

pytestmark = pytest.mark.timeout(20)

_TICK = 0.02
_WAIT = 3.0


@dataclass
class Setup:
    sim: SimulatedStation
    api: TesterApiClient
    server: TesterApiServer
    csms: CsmsServer
    received: list[tuple[int, str]]
    connections: list[CsmsConnection]


async def _until(condition: Callable[[], bool], limit: float = _WAIT) -> bool:
    for _ in range(int(limit / _TICK)):
        if condition():
            return True
        await asyncio.sleep(_TICK)
    return condition()


@asynccontextmanager
async def _running() -> AsyncIterator[Setup]:
    received: list[tuple[int, str]] = []
    connections: list[CsmsConnection] = []

    async def handle(conn: CsmsConnection) -> None:
        connections.append(conn)
        while (text := await conn.recv()) is not None:
            _, unique_id, action, _payload = json.loads(text)
            received.append((len(connections), action))
            answer = {"status": "Accepted", "currentTime": "2024-01-01T00:00:00Z", "interval": 300}
            await conn.send(
                json.dumps([3, unique_id, answer if action == "BootNotification" else {}])
            )

    async with CsmsServer(handle) as csms:
        sim = SimulatedStation(SPEC, csms.url, "CP-LOOP", 1, reconnect_min=0.1)
        stop = asyncio.Event()
        task = asyncio.create_task(sim.run(stop))
        try:
            async with TesterApiServer(sim, SPEC, "127.0.0.1", 0) as server:
                api = TesterApiClient(server.url, SPEC, timeout=_WAIT)
                assert await _until(lambda: (1, "StatusNotification") in received)
                yield Setup(sim, api, server, csms, received, connections)
                await api.close()
        finally:
            stop.set()
            await asyncio.wait_for(task, _WAIT)


async def test_an_action_answers_after_its_frames_were_written() -> None:
    async with _running() as setup:
        assert setup.server.url.startswith("ws://127.0.0.1:")
        before = len(setup.received)
        await setup.api.act("plug_in", {"connector": 1})
        # Written before the answer came; the CSMS has it within a moment.
        assert await _until(lambda: len(setup.received) > before, 1.0)
        assert setup.received[before] == (1, "StatusNotification")
        assert await setup.api.observe("cable_locked", {"connector": 1}) is False


async def test_the_network_stays_down_until_restored() -> None:
    async with _running() as setup:
        sim = setup.sim
        await setup.api.act("connection_lost", {})
        assert not sim.connection.network
        assert await _until(lambda: not sim.connection.connected, 1.0)
        # Frames caused meanwhile stay queued; flushing offline returns at once.
        await setup.api.act("plug_in", {"connector": 1})
        await asyncio.sleep(0.5)  # five back-off delays of the station
        assert len(setup.connections) == 1
        await setup.api.act("connection_restored", {})
        assert await _until(lambda: sim.connection.connected)
        assert len(setup.connections) == 2
        assert await _until(lambda: (2, "StatusNotification") in setup.received)


async def test_power_cycle_reboots_on_a_new_connection() -> None:
    async with _running() as setup:
        await setup.api.act("power_cycle", {})
        assert await _until(lambda: (2, "BootNotification") in setup.received)


async def test_unknown_steps_fail_before_anything_is_sent() -> None:
    async with _running() as setup:
        with pytest.raises(tester_backend.TesterFailed, match="unknown tester action 'fly'"):
            await setup.api.act("fly", {})
        with pytest.raises(tester_backend.TesterFailed, match="unknown observation 'smell'"):
            await setup.api.observe("smell", {"connector": 1})


async def test_a_client_without_the_subprotocol_is_closed() -> None:
    async with _running() as setup:
        async with connect(setup.server.url, proxy=None) as ws:
            assert ws.subprotocol is None
            with pytest.raises(ConnectionClosed) as closed:
                await asyncio.wait_for(ws.recv(), _WAIT)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1002
        offered = [Subprotocol(SUBPROTOCOL)]
        async with connect(setup.server.url, subprotocols=offered, proxy=None) as ws:
            await ws.send('{"jsonrpc": "2.0", "method": "describe", "id": "d"}')
            answer = json.loads(await asyncio.wait_for(ws.recv(), _WAIT))
            assert answer["result"]["subprotocol"] == SUBPROTOCOL


async def test_an_unreachable_rig_fails_the_step() -> None:
    async with CsmsServer(lambda conn: conn.close()) as free:
        url = free.url  # a port that will be free once this server stops
    api = TesterApiClient(url, SPEC, timeout=1.0)
    with pytest.raises(tester_backend.TesterFailed, match="unreachable"):
        await api.act("plug_in", {"connector": 1})
    await api.close()
