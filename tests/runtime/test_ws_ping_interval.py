"""WebSocketPingInterval (OCPP 1.6 §9.1.34, OCPP-J 1.6 §7): the simulated station's pings,
counted by a real websockets server on 127.0.0.1.

Every wait is bounded by a timeout and every loop by a count.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Callable

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.frames import Frame, Opcode
from websockets.protocol import Event
from websockets.typing import Subprotocol

from generated.ocpp16.registry import SPEC
from runtime.sim.simulator import SimulatedStation

pytestmark = pytest.mark.timeout(20)

# The key exists only on a Charge Point whose PICS declares the WebSocketPingInterval feature.
_PINGS = {"WebSocketPingInterval": True}


class _Pings:
    """Pings received by the server, per connection in the order connections opened."""

    def __init__(self) -> None:
        self.per_connection: list[int] = []

    def connection_class(self) -> type[ServerConnection]:
        pings = self

        class Counting(ServerConnection):
            # websockets answers a ping by itself; a subclass sees every frame first.
            def process_event(self, event: Event) -> None:
                if isinstance(event, Frame) and event.opcode is Opcode.PING:
                    pings.per_connection[self.number] += 1
                super().process_event(event)

            def connection_made(self, transport: asyncio.BaseTransport) -> None:
                self.number = len(pings.per_connection)
                pings.per_connection.append(0)
                super().connection_made(transport)

        return Counting


async def _idle(connection: ServerConnection) -> None:
    """A Central System that never answers; the connection stays open until dropped."""
    async for _ in connection:
        pass


@contextlib.asynccontextmanager
async def _csms(pings: _Pings) -> AsyncIterator[str]:
    async with serve(
        _idle,
        "127.0.0.1",
        0,
        subprotocols=[Subprotocol("ocpp1.6")],
        create_connection=pings.connection_class(),
    ) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ocpp"


async def _eventually(predicate: Callable[[], bool], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for _ in range(int(timeout / 0.02) + 1):
        if predicate():
            return
        if time.monotonic() > deadline:
            break
        await asyncio.sleep(0.02)
    raise AssertionError("condition not reached in time")


def test_ping_interval_follows_the_configuration() -> None:
    for configured, interval in ((0, None), (1, 1.0), (300, 300.0)):
        sim = SimulatedStation(
            SPEC,
            "ws://127.0.0.1:9/ocpp",
            "CP",
            1,
            config={"WebSocketPingInterval": configured},
            pics=_PINGS,
        )
        assert sim.ping_interval() == interval


async def test_pings_sent_every_interval_and_a_change_waits_for_the_next_connection() -> None:
    pings = _Pings()
    async with _csms(pings) as url:
        sim = SimulatedStation(
            SPEC,
            url,
            "CP-PING",
            1,
            reconnect_min=0.05,
            config={"WebSocketPingInterval": 0},
            pics=_PINGS,
        )
        stop = asyncio.Event()
        task = asyncio.create_task(sim.run(stop))
        try:
            await _eventually(lambda: sim.connection.connected, 5.0)
            # Changed while connected: the open connection keeps sending none.
            sim.station.set_config("WebSocketPingInterval", 1)
            await asyncio.sleep(2.5)  # two intervals of the new value
            assert pings.per_connection == [0]
            await sim.drop_connection()
            await _eventually(lambda: len(pings.per_connection) == 2, 5.0)
            await _eventually(lambda: pings.per_connection[1] >= 2, 5.0)
            assert pings.per_connection[0] == 0
        finally:
            stop.set()
            await asyncio.wait_for(task, 5.0)
