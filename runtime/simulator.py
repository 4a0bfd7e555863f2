"""A simulated charge point: our sans-IO :class:`Station` on a real WebSocket and a real clock.

:class:`SimulatedHardware` stands in for the physical side of the station: it listens to the
state changes of every machine (the station's ``on_state_change`` hook) and keeps the current
state of each one, plus the history. :class:`SimulatedStation` joins a :class:`Station` to a
:class:`ChargePointConnection`; :func:`run_simulated_station` runs one until told to stop.

Two things the plain adapter does not do are added here:

* After a power cycle (``station.reconnect_requested``) the socket is dropped, so the station
  reconnects and boots again, as a real charge point losing power would.
* The adapter only wakes for frames and the station's own deadlines. Tester actions change the
  station from outside, so the wait is capped (``max_wait``) to flush their frames promptly.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass

from runtime.adapters.ws_client import ChargePointConnection
from runtime.registry import SpecRegistry
from runtime.station import Station, StationIdentity

__all__ = [
    "FrameListener",
    "SimulatedHardware",
    "SimulatedStation",
    "StateChange",
    "run_simulated_station",
]

logger = logging.getLogger(__name__)

#: Called as ``on_frame(">", text)`` for a frame sent and ``on_frame("<", text)`` for one received.
FrameListener = Callable[[str, str], None]

_DEFAULT_MAX_WAIT = 0.1


@dataclass(frozen=True, slots=True)
class StateChange:
    """One machine instance entered a new state."""

    at: float
    machine: str
    connector: int
    state: str


class SimulatedHardware:
    """The station's physical side: follows every machine's state.

    Pass an instance as ``on_state_change=`` to :class:`Station`.

    Args:
        clock: Source of the timestamps recorded with each change.
    """

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self.states: dict[tuple[str, int], str] = {}
        self.changes: list[StateChange] = []

    def __call__(self, machine: str, connector: int, state: str) -> None:
        """Record that ``machine`` on ``connector`` (0 = station level) entered ``state``."""
        self.states[(machine, connector)] = state
        self.changes.append(StateChange(self._clock(), machine, connector, state))
        logger.debug("%s[%d] -> %s", machine, connector, state)

    def state(self, machine: str, connector: int = 0) -> str | None:
        """The last state seen for one machine instance, or ``None`` if it never changed."""
        return self.states.get((machine, connector))


class _Driver:
    """The :class:`Station` as the adapter sees it, with a capped wait and power-cycle hook."""

    def __init__(self, owner: SimulatedStation, max_wait: float) -> None:
        self._owner = owner
        self._station = owner.station
        self._max_wait = max_wait

    def connected(self, now: float) -> None:
        self._station.connected(now)

    def disconnected(self, now: float) -> None:
        self._station.disconnected(now)

    def receive(self, text: str, now: float) -> None:
        self._station.receive(text, now)

    def poll(self, now: float) -> None:
        self._station.poll(now)
        self._owner.check_power_cycle()

    def data_to_send(self) -> list[str]:
        return self._station.data_to_send()

    def next_deadline(self) -> float | None:
        cap = time.time() + self._max_wait
        deadline = self._station.next_deadline()
        return cap if deadline is None else min(deadline, cap)


class SimulatedStation:
    """A :class:`Station` with simulated hardware, driven over a real WebSocket.

    Args:
        registry: The compiled spec set (e.g. ``generated.ocpp16.registry.SPEC``).
        csms_url: The Central System's endpoint URL; the identity is appended to it.
        charge_point_id: The charge point identity.
        connectors: Number of connectors.
        on_frame: Transcript hook, see :data:`FrameListener`.
        reconnect_min: First reconnect delay in seconds (also used after a power cycle).
        max_wait: Longest time between two polls of the station, in seconds.

    Raises:
        ValueError: If ``csms_url`` is not a ``ws://`` or ``wss://`` URL.
    """

    def __init__(
        self,
        registry: SpecRegistry,
        csms_url: str,
        charge_point_id: str,
        connectors: int,
        *,
        on_frame: FrameListener | None = None,
        reconnect_min: float = 0.5,
        max_wait: float = _DEFAULT_MAX_WAIT,
    ) -> None:
        self.hardware = SimulatedHardware()
        self.station = Station(
            registry,
            StationIdentity(charge_point_id),
            connectors=connectors,
            now=time.time(),
            on_state_change=self.hardware,
        )
        self.connection = ChargePointConnection(
            _Driver(self, max_wait),
            csms_url,
            charge_point_id,
            on_frame=on_frame,
            reconnect_min=reconnect_min,
            reconnect_max=max(reconnect_min, 30.0),
        )
        self._drop: asyncio.Task[None] | None = None

    def check_power_cycle(self) -> None:
        """Drop the socket if the station was power cycled while connected."""
        if not (self.station.reconnect_requested and self.connection.connected):
            return
        if self._drop is not None and not self._drop.done():
            return
        logger.info("%s: power cycled; dropping the connection", self.connection.charge_point_id)
        self._drop = asyncio.get_running_loop().create_task(self.connection.drop_connection())

    async def drop_connection(self) -> None:
        """Lose the network link, as the tester action ``connection_lost`` describes."""
        await self.connection.drop_connection()

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, serve and reconnect until ``stop`` is set."""
        try:
            await self.connection.run(stop)
        finally:
            if self._drop is not None and not self._drop.done():
                self._drop.cancel()


async def run_simulated_station(
    registry: SpecRegistry,
    csms_url: str,
    charge_point_id: str,
    connectors: int,
    stop: asyncio.Event,
    on_frame: FrameListener | None = None,
    *,
    on_ready: Callable[[SimulatedStation], None] | None = None,
    reconnect_min: float = 0.5,
) -> Station:
    """Run a simulated charge point against ``csms_url`` until ``stop`` is set.

    Args:
        registry: The compiled spec set.
        csms_url: The Central System's endpoint URL.
        charge_point_id: The charge point identity.
        connectors: Number of connectors.
        stop: Set it to close the connection and return.
        on_frame: Transcript hook, see :data:`FrameListener`.
        on_ready: Called with the :class:`SimulatedStation` before connecting, e.g. to keep
            a handle for tester actions.
        reconnect_min: First reconnect delay in seconds.

    Returns:
        The station, in the state it was in when stopped.

    Raises:
        ValueError: If ``csms_url`` is not a ``ws://`` or ``wss://`` URL.
    """
    sim = SimulatedStation(
        registry,
        csms_url,
        charge_point_id,
        connectors,
        on_frame=on_frame,
        reconnect_min=reconnect_min,
    )
    if on_ready is not None:
        on_ready(sim)
    await sim.run(stop)
    return sim.station
