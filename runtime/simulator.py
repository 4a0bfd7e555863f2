"""A simulated charge point: our sans-IO :class:`Station` on a real WebSocket and a real clock.

:class:`StateRecorder` follows every machine's state changes (the station's
``on_state_change`` hook) and keeps the current state of each one, plus the history.
:class:`NonVolatileMeter` is the simulated hardware (meters and locks) with energy registers
that survive a restart, as a real meter's do. :class:`SimulatedStation` joins a
:class:`Station` to a :class:`ChargePointConnection`; :func:`run_simulated_station` runs one
until told to stop, and :func:`run_sessions` plays charging sessions on it as a user would.

Two things the plain adapter does not do are added here:

* After a power cycle (``station.reconnect_requested``) the socket is dropped, so the station
  reconnects and boots again, as a real charge point losing power would.
* The adapter only wakes for frames and the station's own deadlines. Tester actions change the
  station from outside, so the wait is capped (``max_wait``) to flush their frames promptly.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.adapters.ws_client import ChargePointConnection
from runtime.hardware import Hardware, MeterReading, SimulatedHardware
from runtime.registry import SpecRegistry
from runtime.station import Station, StationIdentity
from runtime.store import Store

__all__ = [
    "FrameListener",
    "NonVolatileMeter",
    "SessionPlan",
    "SessionsFailed",
    "SimulatedStation",
    "StateChange",
    "StateRecorder",
    "run_sessions",
    "run_simulated_station",
    "settled",
]

logger = logging.getLogger(__name__)

#: Called as ``on_frame(">", text)`` for a frame sent and ``on_frame("<", text)`` for one received.
FrameListener = Callable[[str, str], None]

_DEFAULT_MAX_WAIT = 0.1
# How often the session driver looks at the station, and how long one step may take before the
# attempt is abandoned (e.g. the link dropped while Authorize was out) and started again.
_TICK = 0.05
_STEP_TIMEOUT = 30.0
_ATTEMPTS_PER_SESSION = 100
_METER_STATE = "sim.meter.{}"


@dataclass(frozen=True, slots=True)
class StateChange:
    """One machine instance entered a new state."""

    at: float
    machine: str
    connector: int
    state: str


class StateRecorder:
    """Follows every machine's state, for tests and transcripts.

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


class NonVolatileMeter:
    """:class:`~runtime.hardware.SimulatedHardware` whose energy registers survive a restart.

    A real meter keeps counting across a power loss of the charge point's controller, and its
    register never decreases (OCPP 1.6 §7.31, errata E3.9). The simulated one lives in the
    process, so every reading is written to the store (``sim.meter.<connector>``) before the
    station can put it into a message; after a restart the register resumes from there. A
    StopTransaction sent after a power loss therefore never reports less than was sent before.

    Args:
        store: The station's store (the same file the station uses).
        inner: The simulated hardware to wrap; a fresh one by default.
    """

    def __init__(self, store: Store, inner: SimulatedHardware | None = None) -> None:
        self._store = store
        self._inner = inner if inner is not None else SimulatedHardware()
        self._offset: dict[int, int] = {}
        self._saved: dict[int, int] = {}

    def _offset_of(self, connector: int, now: float) -> int:
        if connector not in self._offset:
            stored = self._store.get_state(_METER_STATE.format(connector))
            fresh = self._inner.read_meter(connector, now).energy_wh
            self._offset[connector] = max(int(stored) - fresh, 0) if stored else 0
            if stored:
                self._saved[connector] = int(stored)
        return self._offset[connector]

    def read_meter(self, connector: int, now: float) -> MeterReading:
        """The inner reading, shifted to continue the stored register, saved before returned."""
        offset = self._offset_of(connector, now)
        reading = self._inner.read_meter(connector, now)
        energy = reading.energy_wh + offset
        if self._saved.get(connector, -1) < energy:
            self._store.set_state(_METER_STATE.format(connector), str(energy))
            self._saved[connector] = energy
        return dataclasses.replace(reading, energy_wh=energy)

    def set_energy_flow(self, connector: int, flowing: bool, now: float) -> None:
        self._inner.set_energy_flow(connector, flowing, now)

    def unlock(self, connector: int) -> bool:
        return self._inner.unlock(connector)

    def lock(self, connector: int) -> bool:
        return self._inner.lock(connector)

    def lock_works(self, connector: int) -> bool:
        return self._inner.lock_works(connector)

    def jam_lock(self, connector: int) -> None:
        self._inner.jam_lock(connector)

    def set_plugged(self, connector: int, plugged: bool) -> None:
        self._inner.set_plugged(connector, plugged)

    def plugged(self, connector: int) -> bool:
        return self._inner.plugged(connector)


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
        store: Persistent memory (e.g. ``Store("station.db")``); in memory by default. The
            station's meters keep their registers in it too (:class:`NonVolatileMeter`).
        config: Configuration values to start from; values the Central System set earlier
            and saved in ``store`` win over them.
        rng: Source of reconnect jitter; seed it for reproducible runs.

    Raises:
        ValueError: If ``csms_url`` is not a ``ws://`` or ``wss://`` URL.
        runtime.config.ConfigError: If ``config`` has an unknown key or a value it cannot take.
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
        store: Store | None = None,
        config: Mapping[str, Any] | None = None,
        rng: random.Random | None = None,
    ) -> None:
        self.recorder = StateRecorder()
        self.store = store if store is not None else Store(":memory:")
        self.hardware: Hardware = NonVolatileMeter(self.store)
        self.station = Station(
            registry,
            StationIdentity(charge_point_id),
            connectors=connectors,
            now=time.time(),
            config=config,
            on_state_change=self.recorder,
            store=self.store,
            hardware=self.hardware,
        )
        self.connection = ChargePointConnection(
            _Driver(self, max_wait),
            csms_url,
            charge_point_id,
            on_frame=on_frame,
            rng=rng,
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


# --- charging sessions -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SessionPlan:
    """Charging sessions to play one after another, as a user at the station would.

    Attributes:
        sessions: How many sessions.
        id_tag: The idTag presented to start and again to stop each session.
        charge_seconds: How long each transaction runs before the idTag is shown again.
        connectors: The connectors to use, in turn (session ``i`` uses ``connectors[i % n]``).
    """

    sessions: int
    id_tag: str = "SIM-TAG-1"
    charge_seconds: float = 10.0
    connectors: tuple[int, ...] = (1,)


class SessionsFailed(RuntimeError):
    """A session could not be completed within its attempts."""


def settled(station: Station) -> bool:
    """Whether the station owes the Central System nothing about transactions.

    Registered (an Accepted BootNotification, so a transaction a power loss left open has been
    stopped), no transaction open, and the transaction message queue empty (OCPP 1.6 §3.7).
    """
    return (
        station.may_send("Authorize")
        and not station.store.open_transactions()
        and station.queue.pending() == 0
    )


async def _until(condition: Callable[[], bool], timeout: float) -> bool:
    """Poll ``condition`` every tick for at most ``timeout`` seconds; return its last value."""
    for _ in range(max(int(timeout / _TICK), 1)):
        if condition():
            return True
        await asyncio.sleep(_TICK)
    return condition()


def _ready(station: Station, connector: int) -> bool:
    """Online and accepted, nothing happening on the connector: a user may walk up."""
    return (
        station.may_send("Authorize")
        and station.endpoint is not None
        and station.state("Transaction", connector) == "Idle"
        and station.state("ConnectorStatus", connector) == "Available"
    )


async def _play_one(station: Station, connector: int, plan: SessionPlan) -> bool:
    """One attempt at a session; ``True`` once a transaction ran and was stopped by the user."""
    if not await _until(lambda: _ready(station, connector), _STEP_TIMEOUT):
        return False
    station.tester("plug_in", connector=connector)
    station.tester("present_id_tag", connector=connector, idTag=plan.id_tag)
    if not await _until(lambda: station.state("Transaction", connector) == "Running", 10.0):
        # No transaction (Authorize lost with the link, or refused): walk away, try again.
        station.tester("unplug", connector=connector)
        return False
    await asyncio.sleep(plan.charge_seconds)
    if station.state("Transaction", connector) == "Running":
        station.tester("present_id_tag", connector=connector, idTag=plan.id_tag)
    station.tester("unplug", connector=connector)
    return True


async def run_sessions(
    sim: SimulatedStation,
    plan: SessionPlan,
    on_session: Callable[[int, int], None] | None = None,
) -> None:
    """Play ``plan`` on ``sim``, then wait until the station has :func:`settled`.

    Each session: plug in, present the idTag (Authorize.req), charge for
    ``plan.charge_seconds`` (StartTransaction.req, MeterValues.req), present the idTag again
    (StopTransaction.req, reason Local), unplug. An attempt that does not reach a running
    transaction (say the link dropped while Authorize was out) is abandoned and started again.
    Each step's wait is bounded, the last wait (for the queue to drain) is not: run this under
    a timeout to bound the whole.

    Args:
        sim: The running simulated station (its :meth:`SimulatedStation.run` task is running).
        plan: What to play.
        on_session: Called as ``on_session(number, connector)`` after each session (1-based).

    Raises:
        SessionsFailed: A session failed ``_ATTEMPTS_PER_SESSION`` times in a row.
    """
    station = sim.station
    for number in range(plan.sessions):
        connector = plan.connectors[number % len(plan.connectors)]
        for _ in range(_ATTEMPTS_PER_SESSION):
            if await _play_one(station, connector, plan):
                break
        else:
            raise SessionsFailed(f"session {number + 1} on connector {connector} never ran")
        if on_session is not None:
            on_session(number + 1, connector)
    while not settled(station):
        await asyncio.sleep(_TICK)
