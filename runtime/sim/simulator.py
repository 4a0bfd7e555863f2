"""A simulated charge point: our sans-IO :class:`Station` on a real WebSocket and a real clock.

:class:`StateRecorder` follows every machine's state changes (the station's
``on_state_change`` hook) and keeps the current state of each one, plus the history.
:class:`~runtime.sim.meter.NonVolatileMeter` (re-exported here) is the simulated hardware
(meters and locks) with energy registers that survive a restart, as a real meter's do.
:class:`SimulatedStation` joins a
:class:`Station` to a :class:`ChargePointConnection`; :func:`run_simulated_station` runs one
until told to stop. :func:`~runtime.sim.sessions.run_sessions` plays charging sessions on it as
a user would.

Three things the plain adapter does not do are added here:

* After a power cycle (``station.reconnect_requested``) the socket is dropped, so the station
  reconnects and boots again, as a real charge point losing power would.
* The adapter only wakes for frames, the station's own deadlines and nudges; an idle station
  sleeps until its next timer. A tester action changes the station from outside: any spec
  transition or state change that happens outside the driver's own calls into the station
  nudges the adapter (so does :meth:`SimulatedStation.flush`, which also waits until the
  frames are written), whoever called ``station.tester``.
* A :class:`~runtime.sim.call_log.CallLedger` follows the station's CALLs and logs, as they
  happen, timeouts, retries and the Central System's CALLERRORs, and our own CALLERROR
  answers as what they are.
* Time may run faster than the wall clock (``time_scale``, a
  :class:`~runtime.adapters.clock.ScaledClock`), so long OCPP intervals pass quickly in CI.
  The station lives in scaled time; the adapter sleeps in wall time, so the driver hands it
  deadlines whose distance from now is divided by the factor.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from ssl import SSLContext
from typing import Any

from runtime.adapters.clock import ScaledClock
from runtime.adapters.ws_client import ChargePointConnection
from runtime.sim.call_log import CallLedger
from runtime.sim.meter import NonVolatileMeter
from runtime.spec.machine import TransitionHook
from runtime.spec.registry import SpecRegistry
from runtime.station.hardware import Hardware
from runtime.station.station import Station, StationIdentity
from runtime.station.store import StationStore
from runtime.station.store_memory import MemoryStore

__all__ = [
    "FrameListener",
    "NonVolatileMeter",
    "SimulatedStation",
    "StateChange",
    "StateRecorder",
    "run_simulated_station",
]

logger = logging.getLogger(__name__)

#: Called as ``on_frame(">", text)`` for a frame sent and ``on_frame("<", text)`` for one received.
FrameListener = Callable[[str, str], None]


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


class _ClockedStation(Station):
    """A :class:`Station` whose tester actions and observations happen at the clock's time.

    The station knows the time only from the driver's calls (``receive``, ``poll``); since the
    adapter no longer polls on a timer, that time may be minutes old when a tester action
    comes from outside. Letting the time pass first (``poll``: due timers fire, as on a real
    station) stamps the action's messages and meter readings with the real time.
    """

    def __init__(self, clock: Callable[[], float], *args: Any, **kwargs: Any) -> None:
        self._clock_now = clock
        super().__init__(*args, **kwargs)

    def tester(self, name: str, /, **payload: Any) -> bool:
        self.poll(self._clock_now())
        return super().tester(name, **payload)

    def observe(self, name: str, /, **payload: Any) -> Any:
        self.poll(self._clock_now())
        return super().observe(name, **payload)


class _Driver:
    """The :class:`Station` as the adapter sees it, with the power-cycle hook and the call
    ledger; knows whether a change to the station comes from its own calls (``inside``)."""

    def __init__(self, owner: SimulatedStation, ledger: CallLedger | None) -> None:
        self._owner = owner
        self._station = owner.station
        self._clock = owner.clock
        self._ledger = ledger
        self.inside = False

    def connected(self, now: float) -> None:
        self.inside = True
        try:
            self._station.connected(now)
        finally:
            self.inside = False

    def disconnected(self, now: float) -> None:
        self.inside = True
        try:
            self._station.disconnected(now)
        finally:
            self.inside = False
        if self._ledger is not None:
            self._ledger.disconnected()

    def receive(self, text: str, now: float) -> None:
        if self._ledger is not None:
            self._ledger.received(text, self._clock.now())
        self.inside = True
        try:
            self._station.receive(text, now)
        finally:
            self.inside = False

    def poll(self, now: float) -> None:
        self.inside = True
        try:
            self._station.poll(now)
        finally:
            self.inside = False
        if self._ledger is not None:
            self._ledger.check(self._clock.now())
        self._owner.check_power_cycle()

    def data_to_send(self) -> list[str]:
        frames = self._station.data_to_send()
        if self._ledger is not None:
            now = self._clock.now()
            for text in frames:
                self._ledger.sent(text, now)
        return frames

    def next_deadline(self) -> float | None:
        # The adapter waits (deadline - now) wall seconds; the station's deadline is in
        # scaled time, so its distance is divided by the factor.
        deadline = self._station.next_deadline()
        if self._ledger is not None and (overdue := self._ledger.next_deadline()) is not None:
            deadline = overdue if deadline is None else min(deadline, overdue)
        if deadline is None:
            return None
        now = self._clock.now()
        return now + self._clock.wall_seconds(deadline - now)


class SimulatedStation:
    """A :class:`Station` with simulated hardware, driven over a real WebSocket.

    Args:
        registry: The compiled spec set (e.g. ``generated.ocpp16.registry.SPEC``).
        csms_url: The Central System's endpoint URL; the identity is appended to it.
        charge_point_id: The charge point identity.
        connectors: Number of connectors.
        on_frame: Transcript hook, see :data:`FrameListener`.
        reconnect_min: First reconnect delay in seconds (also used after a power cycle).
        max_wait: Longest time between two polls of the station, in wall seconds; ``None``
            (the default): none, the station is polled at its deadlines and when changed.
        store: Persistent memory (e.g. ``Store("station.db")``); in memory by default. The
            station's meters keep their registers in it too (:class:`NonVolatileMeter`).
        config: Configuration values to start from; values the Central System set earlier
            and saved in ``store`` win over them.
        pics: The station's PICS values (profiles, optional features, limits) over the
            spec's defaults; they decide which configuration keys it has.
        rng: Source of reconnect jitter; seed it for reproducible runs.
        time_scale: How many times faster than the wall clock the station's clock runs
            (1: real time); its timers, intervals and timestamps all follow it.
        basic_auth_password: The authorization key for HTTP Basic authentication (security
            profile 1, OCPP-J §6.2.2), or ``None`` for none.
        ssl: TLS context for a ``wss://`` URL (e.g. trusting the Central System's CA, OCPP-J
            §6.3); ``None``: the system's trust store.
        on_transition: Told (machine, transition key) of every spec transition the
            station's machines take, across reboots (transition coverage).
        give_up_after: Failed connection attempts after which :meth:`run` raises
            :class:`~runtime.adapters.ws_client.NeverConnected`, while it never connected;
            ``None``: it tries for ever.
        call_log: Follow the CALLs and log timeouts, retries and CALLERRORs as they happen
            (:class:`~runtime.sim.call_log.CallLedger`, then in :attr:`calls`).

    Raises:
        ValueError: If ``csms_url`` is not a ``ws://`` or ``wss://`` URL, or ``time_scale``
            is not above 0.
        ConfigError: If ``config`` has an unknown key or a value it cannot take
            (:class:`runtime.spec.config_keys.ConfigError`).
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
        max_wait: float | None = None,
        store: StationStore | None = None,
        config: Mapping[str, Any] | None = None,
        pics: Mapping[str, Any] | None = None,
        rng: random.Random | None = None,
        time_scale: float = 1.0,
        basic_auth_password: str | None = None,
        ssl: SSLContext | None = None,
        on_transition: TransitionHook | None = None,
        give_up_after: int | None = None,
        call_log: bool = True,
    ) -> None:
        self.clock = ScaledClock(time_scale)
        self._on_transition = on_transition
        # None until the connection exists: the station reports its first states before.
        self._driver: _Driver | None = None
        self.recorder = StateRecorder(self.clock.now)
        self.store = store if store is not None else MemoryStore()
        self.hardware: Hardware = NonVolatileMeter(self.store)
        self.station: Station = _ClockedStation(
            self.clock.now,
            registry,
            StationIdentity(charge_point_id),
            connectors=connectors,
            now=self.clock.now(),
            config=config,
            pics=pics,
            on_state_change=self._state_changed,
            store=self.store,
            hardware=self.hardware,
            on_transition=self._transition,
        )
        self.calls: CallLedger | None = None
        if call_log:
            self.calls = CallLedger(charge_point_id, self.station.message_timeout)
        driver = _Driver(self, self.calls)
        self.connection = ChargePointConnection(
            driver,
            csms_url,
            charge_point_id,
            basic_auth_password=basic_auth_password,
            ssl=ssl,
            clock=self.clock,
            on_frame=on_frame,
            rng=rng,
            reconnect_min=reconnect_min,
            reconnect_max=max(reconnect_min, 30.0),
            ping_interval=self.ping_interval,
            max_wait=max_wait,
            give_up_after=give_up_after,
        )
        self._driver = driver
        self._drop: asyncio.Task[None] | None = None

    def _state_changed(self, machine: str, connector: int, state: str) -> None:
        self.recorder(machine, connector, state)
        self._changed()

    def _transition(self, machine: str, key: str) -> None:
        if self._on_transition is not None:
            self._on_transition(machine, key)
        self._changed()

    def _changed(self) -> None:
        """The station changed; from outside the driver (a tester action), the adapter must
        poll it and write its frames now, since it no longer wakes on a timer."""
        if self._driver is not None and not self._driver.inside:
            self.connection.nudge()

    def ping_interval(self) -> float | None:
        """Seconds between the WebSocket pings the station sends; ``None`` for none.

        WebSocketPingInterval (OCPP 1.6 §9.1.34, OCPP-J 1.6 §7), 0 meaning no pings. Read at
        each connection attempt: a change (ChangeConfiguration) applies from the next
        connection, the open one keeps its interval. The interval is in station time, the
        pings go out in wall time.
        """
        config = self.station.config
        known = config.is_known("WebSocketPingInterval")
        seconds = config.get_int("WebSocketPingInterval") if known else 0
        return self.clock.wall_seconds(float(seconds)) if seconds > 0 else None

    def check_power_cycle(self) -> None:
        """Drop the socket if the station was power cycled while connected."""
        if not (self.station.reconnect_requested and self.connection.connected):
            return
        if self._drop is not None and not self._drop.done():
            return
        logger.info("%s: power cycled; dropping the connection", self.connection.charge_point_id)
        self._drop = asyncio.get_running_loop().create_task(self.connection.drop_connection())

    async def drop_connection(self) -> None:
        """Lose the link once; the station reconnects by itself after its back-off delay."""
        await self.connection.drop_connection()

    async def connection_lost(self) -> None:
        """The tester action ``connection_lost``: the network is cut and stays cut (no
        reconnect attempt) until :meth:`connection_restored`."""
        await self.connection.network_down()

    def connection_restored(self) -> None:
        """The tester action ``connection_restored``: the network is back; the station
        reconnects (OCPP-J errata JE 3.4 back-off) on its own."""
        self.connection.network_up()

    async def flush(self) -> None:
        """Write the frames a change made from outside (a tester action) queued, now.

        Offline it only wakes the adapter, which polls the station (its timers may have
        changed); the frames stay queued until the next connection."""
        await self.connection.flush()

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
