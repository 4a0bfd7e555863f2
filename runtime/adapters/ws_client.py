"""Charge Point side WebSocket adapter: runs a sans-IO charge point over a real socket.

The adapter owns everything the protocol core must not touch (STYLE.md §2): the socket, the
event loop and the wall clock. It only moves text frames and tells the core about time passing
and about the transport coming and going.

Connection rules followed here (OCPP-J 1.6):

* §3.1.1: the connection URL is the Central System's endpoint URL, a ``/`` and the charge
  point identity, percent-encoded where needed (``RDAM 123`` becomes ``RDAM%20123``).
* §3.1.2: the client offers the ``ocpp1.6`` WebSocket subprotocol.
* §3.2: a server that does not agree to a subprotocol finishes the handshake without one and
  closes; the client treats that, like an HTTP 404 for an unknown identity, as a failed attempt.
* Errata JE 3.4: after a failed attempt the charge point retries with a back-off so it does not
  overload the Central System. Here: exponential, doubling from ``reconnect_min`` up to
  ``reconnect_max``, with ±20% jitter so a fleet that lost its link at the same moment does not
  come back in lockstep.
* §6.2.2: optional HTTP Basic authentication, user name = charge point identity, password =
  the authorization key stored on the charge point.
* §7 / OCPP 1.6 §9.1.34 WebSocketPingInterval: the Charge Point sends a WebSocket ping every so
  many seconds, none for 0. The interval is read when a connection opens and holds for that
  connection (websockets fixes it per connection; the spec does not ask for re-applying it).

Two controls stand in for the world outside the charge point, for simulations and test rigs:
:meth:`ChargePointConnection.network_down` cuts the link and keeps it cut (no reconnect
attempt) until :meth:`ChargePointConnection.network_up`; :meth:`ChargePointConnection.flush`
makes the online loop poll the core at once and returns when what it queued is written, so a
change made to the core from outside (a tester action) reaches the Central System promptly;
:meth:`ChargePointConnection.nudge` wakes whichever wait runs (online, back-off or network
down) so the core is polled again, without waiting for its write.

Waking: the adapter wakes for a frame, the core's next deadline, stop, a nudge, and, unless
``max_wait`` is ``None``, at least every ``max_wait`` seconds. A caller that nudges on every
change it makes from outside can pass ``None``: an idle charge point then sleeps until its
next timer.

Giving up: with ``give_up_after=N``, :meth:`ChargePointConnection.run` raises
:class:`NeverConnected` after N failed attempts in a row if no connection was ever made (a
wrong URL, a refused TLS certificate); once connected, it reconnects for ever, as a charge
point does. Each failed attempt is logged (WARNING) with its number, the reason
(:func:`~runtime.adapters.connecting.describe_failure`) and the delay before the next one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Callable
from ssl import SSLContext
from typing import Any, Protocol

from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import (
    ConnectionClosed,
    ConnectionClosedOK,
    InvalidURI,
    WebSocketException,
)
from websockets.typing import Subprotocol
from websockets.uri import parse_uri

from runtime.adapters.clock import Clock, SystemClock
from runtime.adapters.connecting import (
    Backoff,
    basic_auth_header,
    connection_url,
    describe_failure,
)
from runtime.errors import ChargespecError

__all__ = [
    "OCPP16_SUBPROTOCOL",
    "ChargePointConnection",
    "NeverConnected",
    "PingInterval",
    "SansIOChargePoint",
]

logger = logging.getLogger(__name__)

#: WebSocket subprotocol name for OCPP 1.6-J (OCPP-J §3.1.2, table 1).
OCPP16_SUBPROTOCOL = "ocpp1.6"

# Default longest single wait in the run loop: poll() is called at least this often even when
# the core has no deadline, for callers that change the core from outside without a nudge.
_MAX_WAIT = 1.0
# Floor for waits: a core whose deadline stays in the past after poll() must not spin a CPU.
_MIN_WAIT = 0.001
# How long drop_connection() waits for the aborted transport to report the loss.
_DROP_WAIT = 1.0
# websockets' own default keepalive, kept for callers that do not choose an interval.
_DEFAULT_PING_INTERVAL = 20.0

#: Seconds between the pings the client sends, ``None`` for none; or a function giving that
#: value, read again at each connection attempt.
PingInterval = float | None | Callable[[], float | None]


class NeverConnected(ChargespecError, ConnectionError):
    """No connection attempt succeeded, ``give_up_after`` of them in a row, and none ever had.

    Attributes:
        url: The connection URL.
        attempts: How many attempts failed.
        reason: Why the last one failed (:func:`~runtime.adapters.connecting.describe_failure`).
    """

    def __init__(self, url: str, attempts: int, reason: str) -> None:
        super().__init__(f"never connected to {url} after {attempts} attempt(s) (last: {reason})")
        self.url = url
        self.attempts = attempts
        self.reason = reason


class SansIOChargePoint(Protocol):
    """The sans-IO charge point the adapter drives.

    All methods are synchronous and do no I/O. ``now`` is UNIX seconds from the adapter's clock.
    """

    def connected(self, now: float) -> None:
        """The transport is open and ``ocpp1.6`` was agreed."""
        ...

    def disconnected(self, now: float) -> None:
        """The transport closed or was lost."""
        ...

    def receive(self, text: str, now: float) -> None:
        """One text frame arrived."""
        ...

    def poll(self, now: float) -> None:
        """Time passed; fire the timers that are due."""
        ...

    def data_to_send(self) -> list[str]:
        """Return (and forget) the frames to write now."""
        ...

    def next_deadline(self) -> float | None:
        """Return when :meth:`poll` must next be called, or ``None`` if no timer runs."""
        ...


class ChargePointConnection:
    """Run a :class:`SansIOChargePoint` over a WebSocket to a Central System, reconnecting.

    Args:
        charge_point: The sans-IO core to drive.
        csms_url: The Central System's OCPP-J endpoint URL.
        charge_point_id: Charge point identity, appended to the URL (OCPP-J §3.1.1).
        basic_auth_password: Authorization key for HTTP Basic auth (OCPP-J §6.2.2), or ``None``.
        ssl: TLS context for ``wss://`` URLs; ``None`` uses websockets' default for ``wss``.
        clock: Source of ``now`` for the core; defaults to the wall clock (``SystemClock``).
        rng: Source of back-off jitter; defaults to a fresh :class:`random.Random`.
        reconnect_min: First reconnect delay in seconds.
        reconnect_max: Largest reconnect delay in seconds (before jitter).
        on_frame: Called as ``on_frame(">", text)`` after each frame is sent and
            ``on_frame("<", text)`` for each frame received, e.g. to print a transcript.
        open_timeout: Seconds allowed for TCP, TLS and the opening handshake.
        ping_interval: Seconds between WebSocket pings to the Central System, ``None`` for
            none (OCPP-J §7), or a function read at each connection attempt, so that a
            changed WebSocketPingInterval applies from the next connection.
        max_wait: Longest sleep between two polls of the core in seconds; ``None`` sleeps
            until a frame, the core's deadline, stop or :meth:`nudge`.
        give_up_after: Failed attempts in a row after which :meth:`run` raises
            :class:`NeverConnected`, as long as no attempt ever succeeded; ``None``: never.

    Raises:
        ValueError: If the URL is not a ``ws``/``wss`` URL or Basic auth cannot be built.
    """

    def __init__(
        self,
        charge_point: SansIOChargePoint,
        csms_url: str,
        charge_point_id: str,
        *,
        basic_auth_password: str | bytes | None = None,
        ssl: SSLContext | None = None,
        clock: Clock | None = None,
        rng: random.Random | None = None,
        reconnect_min: float = 1.0,
        reconnect_max: float = 60.0,
        on_frame: Callable[[str, str], None] | None = None,
        open_timeout: float = 10.0,
        ping_interval: PingInterval = _DEFAULT_PING_INTERVAL,
        max_wait: float | None = _MAX_WAIT,
        give_up_after: int | None = None,
    ) -> None:
        if not charge_point_id:
            raise ValueError("charge_point_id must not be empty")
        self._cp = charge_point
        self.url = connection_url(csms_url, charge_point_id)
        try:
            # Fail fast on a configuration error instead of retrying it forever.
            secure = parse_uri(self.url).secure
        except InvalidURI as exc:
            raise ValueError(f"not a ws:// or wss:// URL: {csms_url!r}") from exc
        if ssl is not None and not secure:
            raise ValueError("an ssl context needs a wss:// URL")
        self.charge_point_id = charge_point_id
        self._headers: dict[str, str] = {}
        if basic_auth_password is not None:
            self._headers["Authorization"] = basic_auth_header(charge_point_id, basic_auth_password)
        # websockets rejects an explicit ssl=None for wss:// and only builds its default context
        # when the argument is absent or True; so wss without a context means True.
        self._ssl: SSLContext | bool | None = ssl if ssl is not None else (secure or None)
        self._clock: Clock = clock if clock is not None else SystemClock()
        self._backoff = Backoff(reconnect_min, reconnect_max, rng or random.Random())
        self._on_frame = on_frame
        self._open_timeout = open_timeout
        self._ping_interval = ping_interval
        self._max_wait = max_wait
        self._give_up_after = give_up_after
        #: Failed connection attempts since the last success (or the start).
        self.failed_attempts = 0
        #: Why the last attempt failed, ``None`` before any failed.
        self.last_failure: str | None = None
        #: Whether a connection was ever made (then :class:`NeverConnected` is off).
        self.ever_connected = False
        self._ws: ClientConnection | None = None
        self._online = False
        self._stop_waiter: asyncio.Future[Any] | None = None
        # Set while the network is up; cleared by network_down() (a cut cable).
        self._network = asyncio.Event()
        self._network.set()
        # Completed by flush() or nudge() to wake the run loop; replaced once it has woken.
        self._wake: asyncio.Future[None] | None = None
        self._flush_waiters: list[asyncio.Future[None]] = []

    @property
    def connected(self) -> bool:
        """Whether the core has been told ``connected()`` and not yet ``disconnected()``."""
        return self._online

    async def drop_connection(self) -> None:
        """Abort the current socket without a closing handshake, like a network loss.

        :meth:`run` notices, calls ``disconnected()`` and reconnects after the back-off delay.
        Does nothing when not connected.
        """
        ws = self._ws
        if ws is None:
            return
        logger.info("%s: dropping the connection on request", self.charge_point_id)
        ws.transport.abort()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(ws.wait_closed(), _DROP_WAIT)

    async def network_down(self) -> None:
        """Cut the network: drop the socket like :meth:`drop_connection`, and make no new
        connection attempt until :meth:`network_up`. The core's timers keep running."""
        self._network.clear()
        await self.drop_connection()

    def network_up(self) -> None:
        """The network is back: connection attempts resume (after the back-off delay that
        may still be running)."""
        self._network.set()

    @property
    def network(self) -> bool:
        """Whether the network is up (not cut by :meth:`network_down`)."""
        return self._network.is_set()

    async def flush(self, timeout: float = _DROP_WAIT) -> None:
        """Make the online loop poll the core now and write the frames it queued.

        Returns once they are written, or after ``timeout`` seconds. Offline it returns at
        once: the frames stay queued in the core until the next connection.
        """
        if not self._online:
            self.nudge()
            return
        written = asyncio.get_running_loop().create_future()
        self._flush_waiters.append(written)
        self.nudge()
        await asyncio.wait({written}, timeout=timeout)

    def nudge(self) -> None:
        """Wake the run loop (online or offline) to poll the core now and write what it
        queued: the core was changed from outside and may have new frames or deadlines."""
        if self._wake is not None and not self._wake.done():
            self._wake.set_result(None)

    async def run(self, stop: asyncio.Event) -> None:
        """Connect, serve and reconnect until ``stop`` is set.

        Args:
            stop: Set it to make ``run`` close the socket (code 1000) and return.

        Raises:
            RuntimeError: If this connection is already running.
            NeverConnected: ``give_up_after`` attempts failed and none ever succeeded.
        """
        if self._stop_waiter is not None:
            raise RuntimeError("run() is already active for this connection")
        self._stop_waiter = asyncio.ensure_future(stop.wait())
        self._wake = asyncio.get_running_loop().create_future()
        try:
            while not stop.is_set():
                await self._wait_for_network()
                if stop.is_set():
                    break
                ws = await self._open()
                failed = ws is None and not self._stopping()
                if ws is not None and not self.network:
                    # The network was cut while the handshake ran: that socket is gone too.
                    ws.transport.abort()
                    ws = None
                if ws is not None:
                    self._backoff.reset()
                    self.failed_attempts = 0
                    self.ever_connected = True
                    await self._serve(ws, stop)
                if stop.is_set():
                    break
                delay = self._backoff.next()
                if failed:
                    self._attempt_failed(delay)
                else:
                    logger.info("%s: reconnecting in %.3f s", self.charge_point_id, delay)
                await self._wait_offline(delay, stop)
        finally:
            self._stop_waiter.cancel()
            self._stop_waiter = None
            self._wake = None

    def _attempt_failed(self, delay: float) -> None:
        """Count and log one failed attempt; give up if that was the last one allowed."""
        self.failed_attempts += 1
        reason = self.last_failure or "unknown reason"
        limit = self._give_up_after
        if not self.ever_connected and limit is not None and self.failed_attempts >= limit:
            raise NeverConnected(self.url, self.failed_attempts, reason)
        # One line per retry (errata JE 3.4 back-off), as it happens.
        logger.warning(
            "%s: connection attempt failed: %s (attempt %d to %s; next in %.1f s)",
            self.charge_point_id,
            reason,
            self.failed_attempts,
            self.url,
            delay,
        )

    # -- connecting -----------------------------------------------------------------------

    async def _open(self) -> ClientConnection | None:
        """Make one connection attempt; return the socket, or ``None`` on failure or stop."""
        logger.debug("%s: connecting to %s", self.charge_point_id, self.url)
        attempt = asyncio.ensure_future(self._handshake())
        try:
            # A handshake may stall for up to open_timeout; the core's timers keep running.
            while not await self._first(attempt, self._wait_time()) and not self._stopping():
                self._rearm()
                self._cp.poll(self._clock.now())
        except asyncio.CancelledError:
            # run() itself was cancelled: do not orphan the handshake task.
            attempt.cancel()
            raise
        if not attempt.done():
            # Stop was set mid-handshake; do not leave a half-open socket behind.
            attempt.cancel()
            await asyncio.wait({attempt})
            if not attempt.cancelled() and (ws := attempt.result()) is not None:
                await ws.close(1000)
            return None
        return attempt.result()

    async def _handshake(self) -> ClientConnection | None:
        """Open the WebSocket and check the subprotocol; ``None`` if the attempt failed."""
        try:
            ws = await connect(
                self.url,
                subprotocols=[Subprotocol(OCPP16_SUBPROTOCOL)],
                additional_headers=self._headers,
                # websockets >= 15 picks up HTTP(S)_PROXY from the environment by default; a
                # charge point talks to its Central System directly.
                proxy=None,
                open_timeout=self._open_timeout,
                ssl=self._ssl,
                ping_interval=self._current_ping_interval(),
            )
        except (OSError, TimeoutError, EOFError, WebSocketException) as exc:
            # Covers refused TCP, TLS errors and HTTP 404/401 (InvalidStatus); all are
            # retried with back-off (errata JE 3.4), logged by run() with the delay.
            self.last_failure = describe_failure(exc, secure=bool(self._ssl))
            return None
        if ws.subprotocol != OCPP16_SUBPROTOCOL:
            # OCPP-J §3.2: no agreed subprotocol means the server will close; so do we.
            self.last_failure = (
                f"the server did not agree to the {OCPP16_SUBPROTOCOL} subprotocol "
                f"(got {ws.subprotocol!r})"
            )
            await ws.close(1002, "ocpp1.6 subprotocol required")
            return None
        logger.info("%s: connected to %s", self.charge_point_id, self.url)
        return ws

    # -- online -----------------------------------------------------------------------------

    async def _serve(self, ws: ClientConnection, stop: asyncio.Event) -> None:
        """Move frames between ``ws`` and the core until the link is lost or stop is set."""
        self._ws = ws
        self._online = True
        # 1011 (internal error) unless the loop ends normally: an exception from the core
        # propagates out of run(), but the peer should still see a closing handshake.
        code = 1011
        try:
            self._cp.connected(self._clock.now())
            await self._pump(ws)
            code = 1000
        except ConnectionClosedOK as exc:
            logger.info("%s: connection closed by the peer: %s", self.charge_point_id, exc)
            code = 1000
        except ConnectionClosed as exc:
            logger.warning("%s: connection lost: %s", self.charge_point_id, exc)
            code = 1000
        finally:
            self._ws = None
            self._online = False
            self._cp.disconnected(self._clock.now())
            # No-op when the link is already gone; a clean 1000 close on stop.
            await ws.close(code)
        if stop.is_set():
            logger.info("%s: closed on stop", self.charge_point_id)

    async def _pump(self, ws: ClientConnection) -> None:
        """The online loop: flush, wait for a frame / deadline / stop / wake-up, feed the
        core, repeat."""
        await self._flush(ws)
        incoming = asyncio.ensure_future(ws.recv())
        try:
            while not self._stopping():
                if await self._first(incoming, self._wait_time()):
                    # result() raises ConnectionClosed when the link is gone.
                    self._deliver(incoming.result())
                    incoming = asyncio.ensure_future(ws.recv())
                self._rearm()
                # Whoever asked for a flush before this poll gets it with this write.
                waiting, self._flush_waiters = self._flush_waiters, []
                self._cp.poll(self._clock.now())
                await self._flush(ws)
                _resolve(waiting)
        finally:
            # Cancelling recv() is safe in websockets' asyncio API: no frame is lost.
            incoming.cancel()
            waiting, self._flush_waiters = self._flush_waiters, []
            _resolve(waiting)

    def _deliver(self, data: str | bytes) -> None:
        """Hand one received frame to the core; binary frames are not OCPP-J."""
        if isinstance(data, bytes):
            # OCPP-J §4.1.2: messages are UTF-8 JSON text, so a binary frame carries nothing.
            logger.warning(
                "%s: ignoring a binary frame of %d bytes", self.charge_point_id, len(data)
            )
            return
        if self._on_frame is not None:
            self._on_frame("<", data)
        self._cp.receive(data, self._clock.now())

    async def _flush(self, ws: ClientConnection) -> None:
        """Write every frame the core has queued."""
        for text in self._cp.data_to_send():
            await ws.send(text)
            if self._on_frame is not None:
                self._on_frame(">", text)

    # -- offline ----------------------------------------------------------------------------

    async def _wait_offline(self, delay: float, stop: asyncio.Event) -> None:
        """Wait ``delay`` seconds before the next attempt, still running the core's timers."""
        loop = asyncio.get_running_loop()
        until = loop.time() + delay
        while not stop.is_set():
            # Timers keep running while offline (e.g. CALL timeouts, retry counters); frames
            # are left queued in the core and flushed after the next connected().
            self._cp.poll(self._clock.now())
            remaining = until - loop.time()
            if remaining <= 0:
                return
            wait = self._wait_time()
            await self._first(None, remaining if wait is None else min(remaining, wait))
            self._rearm()

    async def _wait_for_network(self) -> None:
        """While the network is cut, wait for it, still running the core's timers."""
        if self.network:
            return
        logger.info("%s: network down; no attempt until it is back", self.charge_point_id)
        up = asyncio.ensure_future(self._network.wait())
        try:
            while not await self._first(up, self._wait_time()) and not self._stopping():
                self._rearm()
                self._cp.poll(self._clock.now())
        finally:
            up.cancel()

    # -- helpers ----------------------------------------------------------------------------

    def _current_ping_interval(self) -> float | None:
        interval = self._ping_interval
        return interval() if callable(interval) else interval

    def _wait_time(self) -> float | None:
        """Seconds until the core's next deadline, at least ``_MIN_WAIT`` and at most
        ``max_wait``; ``None`` (no limit) without a deadline or ``max_wait``."""
        deadline = self._cp.next_deadline()
        cap = self._max_wait
        if deadline is None:
            return cap
        wait = max(deadline - self._clock.now(), _MIN_WAIT)
        return wait if cap is None else min(wait, cap)

    def _rearm(self) -> None:
        """After a wake-up by :meth:`nudge`, get ready for the next one."""
        if self._wake is not None and self._wake.done():
            self._wake = asyncio.get_running_loop().create_future()

    def _stopping(self) -> bool:
        return self._stop_waiter is not None and self._stop_waiter.done()

    async def _first(self, task: asyncio.Future[Any] | None, timeout: float | None) -> bool:
        """Wait for ``task``, the stop event, a nudge or ``timeout`` (``None``: no limit);
        return whether ``task`` is done."""
        waiters: set[asyncio.Future[Any]] = set()
        if task is not None:
            waiters.add(task)
        if self._wake is not None:
            waiters.add(self._wake)
        if self._stop_waiter is not None:
            waiters.add(self._stop_waiter)
        if not waiters:
            await asyncio.sleep(timeout or 0)
            return False
        await asyncio.wait(waiters, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        return task is not None and task.done()


def _resolve(waiters: list[asyncio.Future[None]]) -> None:
    for waiter in waiters:
        if not waiter.done():
            waiter.set_result(None)
