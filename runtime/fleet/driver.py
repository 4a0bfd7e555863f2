"""One station of a fleet on its WebSocket: a lean driver, one asyncio task per station.

The simulator's :class:`~runtime.adapters.ws_client.ChargePointConnection` wakes at least once a
second and waits on several futures at a time; fine for one station, not for 10,000. Here a
station's task waits on exactly one thing: ``ws.recv()`` (or, offline, a bare future) under an
:func:`asyncio.timeout_at` set to the next moment anything is due: the station's own deadline
(timers, CALL timeouts, queue retries), the transaction generator's next step, or the end of a
graceful stop. Anything from outside (a tester API action, the fleet stopping) *nudges* the
driver by moving that timeout to now. An idle station therefore wakes only for its heartbeat.

Connection rules are the simulator's (OCPP-J 1.6 §3.1: identity appended to the URL, the
``ocpp1.6`` subprotocol; §6.2.2 Basic auth; errata JE 3.4 back-off with jitter), with small
per-connection buffers, no permessage-deflate and no WebSocket pings (OCPP Heartbeats keep the
link alive; WebSocketPingInterval is not applied by the fleet).

Graceful stop: no new session starts, an attempt not yet running is abandoned, and every open
transaction is asked to stop exactly once (its own idTag presented again: StopTransaction,
reason Local, OCPP 1.6 §4.10); the driver then waits until the station owes the Central System
nothing (no open transaction, the transaction message queue empty, §3.7), or the stop timeout,
and closes with 1000.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from dataclasses import dataclass
from ssl import SSLContext

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.typing import Subprotocol

from runtime.adapters.connecting import Backoff, basic_auth_header, connection_url
from runtime.fleet.atg import TransactionGenerator
from runtime.fleet.ledger import StationLedger
from runtime.fleet.meter import CurveHardware
from runtime.fleet.stats import FleetStats
from runtime.fleet.template import IdTagPicker, StationTemplate, TransactionPlan
from runtime.spec.registry import SpecRegistry
from runtime.station.station import Station, StationIdentity
from runtime.station.store_memory import MemoryStore

__all__ = ["FleetShared", "Link", "StationDriver"]

logger = logging.getLogger(__name__)

_SUBPROTOCOLS = [Subprotocol("ocpp1.6")]  # OCPP-J §3.1.2
_MAX_FRAME = 1 << 20  # a SendLocalList or GetConfiguration answer fits easily
_MAX_QUEUE = 4  # frames buffered before reading stops (back-pressure on the Central System)
_WRITE_LIMIT = 1 << 14
_EARLY = 0.001  # a timer is due when this close: the loop may wake a hair early


@dataclass(frozen=True, slots=True)
class Link:
    """How every station reaches the Central System.

    Attributes:
        url: The Central System's OCPP-J endpoint URL; the identity is appended (§3.1.1).
        ssl: TLS context for ``wss://`` (with the ``--ca`` trust anchor), else ``None``.
        open_timeout: Seconds allowed for TCP, TLS and the opening handshake.
        reconnect_min: First reconnect delay (errata JE 3.4), seconds.
        reconnect_max: Largest reconnect delay before jitter, seconds.
    """

    url: str
    ssl: SSLContext | None = None
    open_timeout: float = 10.0
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0


@dataclass(slots=True)
class FleetShared:
    """What every driver of one fleet shares."""

    registry: SpecRegistry
    templates: tuple[StationTemplate, ...]
    plan: TransactionPlan
    picker: IdTagPicker
    stats: FleetStats
    link: Link
    connect_slots: asyncio.Semaphore
    stop_timeout: float = 30.0


class StationDriver:
    """Runs station number ``index`` of a fleet until :meth:`stop` (see the module docstring).

    Args:
        shared: The fleet's templates, plan, statistics and link.
        index: The station's 0-based number. Its identity comes from the first template's
            pattern (so that identities never collide); the station itself from template
            ``index % len(templates)`` (a fleet of several kinds of device, one after another).
        rng: Source of its EVs, sessions and back-off jitter.
    """

    def __init__(self, shared: FleetShared, index: int, rng: random.Random) -> None:
        self._shared = shared
        self._stats = shared.stats
        self.index = index
        self.identity = shared.templates[0].identity_of(index)
        self.template = shared.templates[index % len(shared.templates)]
        self._rng = rng
        self.station: Station | None = None
        self._atg: TransactionGenerator | None = None
        self._ws: ClientConnection | None = None
        self._timer: asyncio.Timeout | None = None
        self._nudged = False
        self.stopping = False
        self._stop_deadline = 0.0
        self.network = True
        self.ledger: StationLedger | None = None
        self._asked: set[int] = set()
        self.finished = asyncio.Event()

    # -- building ------------------------------------------------------------------------

    def build(self, now: float | None = None) -> Station:
        """Make this driver's station (and its transaction generator) as of ``now``."""
        now = time.time() if now is None else now
        template = self.template
        station = Station(
            self._shared.registry,
            StationIdentity(self.identity, vendor=template.vendor, model=template.model),
            connectors=template.connectors,
            now=now,
            config=template.config,
            pics=template.pics,
            store=MemoryStore(),
            hardware=CurveHardware(template.meter, self._rng),
        )
        if self._shared.plan.enabled:
            self._atg = TransactionGenerator(
                self._shared.plan,
                self._shared.picker,
                self.index,
                template.connectors,
                self._rng,
                now,
                self.stop_transaction,
            )
        return station

    # -- outside controls ------------------------------------------------------------------

    def nudge(self) -> None:
        """Something changed from outside: step the station now."""
        self._nudged = True
        timer = self._timer
        if timer is not None and not timer.expired():  # an expiring one wakes the task anyway
            timer.reschedule(asyncio.get_running_loop().time())

    def stop(self) -> None:
        """Begin the graceful stop (see the module docstring)."""
        if not self.stopping:
            self.stopping = True
            self._stop_deadline = time.time() + self._shared.stop_timeout
            if self._atg is not None and self.station is not None:
                self._atg.halt(self.station)
        self.nudge()

    def network_down(self) -> None:
        """Cut the link (tester action ``connection_lost``); no reconnect until
        :meth:`network_up`."""
        self.network = False
        if self._ws is not None:
            self._ws.transport.abort()
        self.nudge()

    def network_up(self) -> None:
        """The link is back (``connection_restored``); reconnect after the back-off."""
        self.network = True
        self.nudge()

    def drop(self) -> None:
        """Lose the link once, like a network glitch; reconnects by itself."""
        if self._ws is not None:
            self._ws.transport.abort()

    async def flush(self) -> None:
        """Write now what a change from outside (a tester action) queued; offline the frames
        stay queued in the station until the next connection."""
        ws = self._ws
        if ws is None:
            return
        try:
            await self._flush(ws)
        except ConnectionClosed:
            self.nudge()  # the driver's own loop sees the loss and reconnects

    def stop_transaction(self, connector: int) -> None:
        """Ask the running transaction on ``connector`` to stop: present its own idTag once.

        At most once per transaction, whoever asks (the generator, the graceful stop):
        a second card at a connector that has gone Idle would start a new transaction.
        """
        station = self.station
        if station is None or station.state("Transaction", connector) != "Running":
            return
        for record in station.store.open_transactions():
            if record.connector == connector and record.ref not in self._asked:
                self._asked.add(record.ref)
                station.tester("present_id_tag", connector=connector, idTag=record.id_tag)

    # -- running ----------------------------------------------------------------------------

    async def run(self) -> None:
        """Build the station, connect, serve and reconnect until stopped."""
        started_at = time.time()
        self.station = self.build(started_at)
        self.ledger = StationLedger(self._stats, self.station, started_at)
        self._stats.started += 1
        link = self._shared.link
        backoff = Backoff(
            link.reconnect_min, max(link.reconnect_max, link.reconnect_min), self._rng
        )
        try:
            while not self.stopping:
                ws = await self._open() if self.network else None
                if ws is not None:
                    backoff.reset()
                    await self._online(ws)
                if self.stopping:
                    break
                await self._offline(time.time() + backoff.next())
        finally:
            self._finish_offline()
            self.finished.set()

    async def _open(self) -> ClientConnection | None:
        link = self._shared.link
        headers = {}
        password = self.template.password_of(self.index)
        if password is not None:
            headers["Authorization"] = basic_auth_header(self.identity, password)
        try:
            async with self._shared.connect_slots:
                ws = await connect(
                    connection_url(link.url, self.identity),
                    subprotocols=_SUBPROTOCOLS,
                    additional_headers=headers,
                    proxy=None,
                    open_timeout=link.open_timeout,
                    ssl=link.ssl,
                    ping_interval=None,
                    close_timeout=2.0,
                    max_size=_MAX_FRAME,
                    max_queue=_MAX_QUEUE,
                    write_limit=_WRITE_LIMIT,
                    compression=None,
                )
        except (OSError, TimeoutError, WebSocketException) as error:
            self._stats.connect_failures += 1
            self._stats.error(f"connect: {type(error).__name__}: {error}"[:120])
            return None
        if ws.subprotocol != _SUBPROTOCOLS[0]:
            # OCPP-J §3.2: no agreed subprotocol means the server will close; so do we.
            self._stats.connect_failures += 1
            self._stats.error("connect: no ocpp1.6 subprotocol")
            await ws.close(1002, "ocpp1.6 subprotocol required")
            return None
        return ws

    async def _online(self, ws: ClientConnection) -> None:
        assert self.station is not None
        station = self.station
        self._ws = ws
        self._stats.connected += 1
        station.connected(time.time())
        clean = False
        try:
            await self._flush(ws)
            while not self._leaving():
                text = await self._wait(ws)
                now = time.time()
                if text is not None:
                    self._received(station, text, now)
                self._step(now)
                await self._flush(ws)
            # A power cycle or a cut cable loses the link without a closing handshake.
            clean = self.network and not station.reconnect_requested
        except ConnectionClosed:
            if not self.stopping and self.network:
                self._stats.drops += 1
        finally:
            self._ws = None
            self._stats.connected -= 1
            station.disconnected(time.time())
            if self.ledger is not None:
                self.ledger.went_offline()
            if clean:
                await ws.close(1000)
            else:
                ws.transport.abort()

    def _leaving(self) -> bool:
        """Whether the online loop ends: stop done, power cycle, or the network cut."""
        station = self.station
        assert station is not None
        if not self.network or station.reconnect_requested:
            return True
        if not self.stopping:
            return False
        return self._settled() or time.time() >= self._stop_deadline

    def _settled(self) -> bool:
        """Owes the Central System nothing: no open transaction, nothing queued (§3.7)."""
        station = self.station
        assert station is not None
        return (
            not station.store.open_transactions()
            and station.queue.pending() == 0
            and not (self.ledger is not None and self.ledger.pending)
        )

    async def _wait(self, ws: ClientConnection) -> str | None:
        """The next frame, or ``None`` when something is due or a nudge came first."""
        loop = asyncio.get_running_loop()
        due = self._next_due()
        when = None if due is None else loop.time() + (due - time.time())
        if self._nudged:
            self._nudged = False
            return None
        try:
            async with asyncio.timeout_at(when) as timer:
                self._timer = timer
                data = await ws.recv()
        except TimeoutError:
            return None
        finally:
            self._timer = None
        if isinstance(data, bytes):
            # OCPP-J §4.1.2: messages are UTF-8 JSON text; a binary frame carries nothing.
            self._stats.error("binary frame received")
            return None
        return data

    def _next_due(self) -> float | None:
        station = self.station
        assert station is not None
        times = [t for t in (station.next_deadline(), self._atg_due()) if t is not None]
        if self.stopping:
            times.append(self._stop_deadline)
        return min(times, default=None)

    def _atg_due(self) -> float | None:
        return None if self._atg is None else self._atg.next_due()

    def _step(self, now: float) -> None:
        """Let time pass on the station, then let its users act."""
        station = self.station
        assert station is not None
        deadline = station.next_deadline()
        users = self._atg_due()
        acting = self.stopping or (users is not None and users <= now)
        if acting or (deadline is not None and deadline <= now + _EARLY):
            # Time passes first, so what the users do is stamped with the real time (the
            # station knows the time only from these calls; it may not have had one for a
            # heartbeat interval).
            station.poll(now)
        if self._atg is not None:
            self._atg.step(station, now)
        if self.stopping:
            for connector in range(1, station.connectors + 1):
                if station.state("Transaction", connector) in ("Authorizing", "Authorized"):
                    station.tester("unplug", connector=connector)
                self.stop_transaction(connector)

    async def _offline(self, until: float) -> None:
        """Wait for the reconnect time (or the network), still running the station's timers."""
        station = self.station
        assert station is not None
        loop = asyncio.get_running_loop()
        while not self.stopping:
            now = time.time()
            self._step(now)
            if now >= until and self.network:
                return
            due = min(t for t in (station.next_deadline(), until) if t is not None)
            if self._nudged:
                self._nudged = False
                continue
            try:
                async with asyncio.timeout_at(loop.time() + (due - now)) as timer:
                    self._timer = timer
                    await loop.create_future()
            except TimeoutError:
                pass
            finally:
                self._timer = None

    # -- frames and what they tell ------------------------------------------------------------

    async def _flush(self, ws: ClientConnection) -> None:
        station = self.station
        assert station is not None
        ledger = self.ledger
        for text in station.data_to_send():
            if ledger is not None:
                ledger.sent(text, time.time())
            await ws.send(text)

    def _received(self, station: Station, text: str, now: float) -> None:
        ledger = self.ledger
        call = ledger.answer_to(text) if ledger is not None else None
        station.receive(text, now)
        if ledger is not None and call is not None:
            ledger.answered(text, call, now)

    def _finish_offline(self) -> None:
        """Stopped: what the station still owes the Central System is reported."""
        station = self.station
        if station is None:
            return
        left = len(station.store.open_transactions())
        if left:
            self._stats.error("stopped with transactions still open")
        if station.queue.pending():
            self._stats.error("stopped with transaction messages undelivered")
        if self.ledger is not None:
            self.ledger.finished()
