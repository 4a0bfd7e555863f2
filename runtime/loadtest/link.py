"""One sans-IO :class:`~runtime.station.station.Station` on a blocking WebSocket.

Load generators run each simulated charge point in a thread of its own, or in a greenlet:
Locust's users are greenlets, and Locust monkey-patches sockets, locks and sleeps so that
blocking code yields to the other greenlets while it waits. :class:`StationLink` is written for
that world: plain blocking calls (``websockets.sync``), ``threading`` primitives and no event
loop. Under real threads it works as well (the tests run it so).

Theory of operation: :meth:`StationLink.run` connects, then loops: read one frame or time out
at the station's next deadline (capped at ``max_wait``), hand the frame to the station, poll
it, write what it queued. A tester action (:meth:`StationLink.act`) comes from the caller's
thread or greenlet; it takes the same lock, so the station sees one step at a time and frames
leave in the order the station queued them, and writes its frames at once instead of waiting
for the loop. The station's clock is the wall clock (``time.time``); response times are taken
on a monotonic one.

Connection rules, as in :mod:`runtime.adapters.ws_client`: the URL is the endpoint URL, ``/``
and the identity (OCPP-J 1.6 §3.1.1); the ``ocpp1.6`` subprotocol is offered and required
(§3.1.2, §3.2); HTTP Basic authentication when a password is given (§6.2.2); after a failed
attempt, a reset or a lost link the next attempt waits an exponential back-off with jitter
(errata JE 3.4), so a fleet does not come back in lockstep; WebSocket pings every
WebSocketPingInterval seconds, read at each connection (OCPP 1.6 §9.1.34, OCPP-J §7).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from websockets.exceptions import ConnectionClosed, WebSocketException
from websockets.sync.client import ClientConnection, connect
from websockets.typing import Subprotocol

from runtime.adapters.connecting import Backoff, basic_auth_header, connection_url
from runtime.adapters.ws_client import OCPP16_SUBPROTOCOL
from runtime.errors import ChargespecError
from runtime.loadtest.calls import CallOutcome, CallTimer
from runtime.station.station import Station

__all__ = ["CallListener", "ConnectListener", "StationLink", "SubprotocolRefused"]

log = logging.getLogger(__name__)

#: Told the outcome of every CALL the station sent.
CallListener = Callable[[CallOutcome], None]
#: Told of every connection attempt: milliseconds it took, and the error or ``None``.
ConnectListener = Callable[[float, Exception | None], None]


class SubprotocolRefused(ChargespecError):
    """The Central System opened the WebSocket without agreeing to ``ocpp1.6`` (OCPP-J §3.2)."""


# A station whose deadline stays in the past after poll() must not spin a CPU.
_MIN_WAIT = 0.001
# A closing handshake the Central System does not finish must not hold a stopping user.
_CLOSE_TIMEOUT = 2.0


class StationLink:
    """Drive ``station`` over a WebSocket to ``csms_url`` until :meth:`close`.

    Args:
        station: The charge point; its identity names the connection.
        csms_url: The Central System's endpoint URL (``ws://`` or ``wss://``).
        on_call: Told the outcome of every CALL the station sent (answered, refused with a
            CALLERROR, timed out or lost with the connection).
        on_connect: Told how long each connection attempt took and how it failed, if it did.
        basic_auth_password: The authorization key (OCPP-J §6.2.2), or ``None``.
        reconnect_min: First back-off delay in seconds; also the pause after a reset.
        reconnect_max: Largest back-off delay in seconds, before jitter.
        max_wait: Longest time between two polls of the station, in seconds.
        open_timeout: Seconds allowed for TCP, TLS and the opening handshake.
        rng: Source of back-off jitter.

    Raises:
        ValueError: If ``csms_url`` is not a ``ws://`` or ``wss://`` URL, or Basic
            authentication cannot carry the identity.
    """

    def __init__(
        self,
        station: Station,
        csms_url: str,
        *,
        on_call: CallListener | None = None,
        on_connect: ConnectListener | None = None,
        basic_auth_password: str | None = None,
        reconnect_min: float = 1.0,
        reconnect_max: float = 30.0,
        max_wait: float = 1.0,
        open_timeout: float = 10.0,
        rng: random.Random | None = None,
    ) -> None:
        if not csms_url.startswith(("ws://", "wss://")):
            raise ValueError(f"the Central System URL must be ws:// or wss://, not {csms_url!r}")
        self.station = station
        identity = station.identity.charge_point_id
        self.url = connection_url(csms_url, identity)
        # Built once, so that an identity Basic authentication cannot carry fails here.
        self._headers: dict[str, str] = {}
        if basic_auth_password is not None:
            self._headers["Authorization"] = basic_auth_header(identity, basic_auth_password)
        self._on_call = on_call
        self._on_connect = on_connect
        self._backoff = Backoff(
            reconnect_min, max(reconnect_min, reconnect_max), rng or random.Random()
        )
        self._max_wait = max_wait
        self._open_timeout = open_timeout
        self._calls = CallTimer()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._ws: ClientConnection | None = None

    @property
    def online(self) -> bool:
        """Whether a WebSocket to the Central System is open."""
        return self._ws is not None

    @property
    def open_calls(self) -> int:
        """How many CALLs the station sent that wait for their answer."""
        return self._calls.open_calls

    # --- what the caller does -------------------------------------------------------------
    def run(self) -> None:
        """Connect, serve and reconnect until :meth:`close` is called."""
        while not self._stop.is_set():
            if self._attempt():
                self._backoff.reset()
            self._stop.wait(self._backoff.next())

    def act(self, name: str, /, **payload: Any) -> bool:
        """Apply a tester action (``plug_in``, ``present_id_tag``, …) and write its frames.

        Returns:
            Whether any machine accepted it (see :meth:`Station.tester`).

        Raises:
            TesterError: An unknown action, a missing field or a connector that is not there.
        """
        with self._lock:
            # Bring the station's time up to now first: its messages carry timestamps.
            self.station.poll(time.time())
            accepted = self.station.tester(name, **payload)
            try:
                self._flush()
            except ConnectionClosed:
                log.info("%s: link lost while writing", self.url)  # the loop sees it too
        return accepted

    def close(self) -> None:
        """Stop :meth:`run`: close the connection, make no further attempt."""
        self._stop.set()
        ws = self._ws
        if ws is not None:
            ws.close()

    # --- the loop -------------------------------------------------------------------------
    def _attempt(self) -> bool:
        """One connection, served until it ends; whether it was opened and agreed."""
        started = time.perf_counter()
        opened = False
        try:
            with connect(
                self.url,
                subprotocols=[Subprotocol(OCPP16_SUBPROTOCOL)],
                additional_headers=self._headers,
                # websockets picks up HTTP(S)_PROXY from the environment by default; a charge
                # point talks to its Central System directly.
                proxy=None,
                open_timeout=self._open_timeout,
                close_timeout=_CLOSE_TIMEOUT,
                ping_interval=self._ping_interval(),
            ) as ws:
                opened = True
                if ws.subprotocol != OCPP16_SUBPROTOCOL:
                    # OCPP-J §3.2: no agreed subprotocol means the server will close; so do we.
                    refused = SubprotocolRefused(f"no ocpp1.6 subprotocol (got {ws.subprotocol!r})")
                    self._connect_outcome(started, refused)
                    log.warning("%s: %s", self.url, refused)
                    ws.close(1002, "ocpp1.6 subprotocol required")
                    return False
                self._connect_outcome(started, None)
                self._serve(ws)
                return True
        except (OSError, TimeoutError, WebSocketException) as error:
            # Refused TCP, TLS errors, HTTP 404/401: retried after the back-off (errata JE 3.4).
            if not opened:
                self._connect_outcome(started, error)
            log.warning("%s: connection failed: %s", self.url, error)
            return False

    def _serve(self, ws: ClientConnection) -> None:
        """Move frames between ``ws`` and the station until the link ends."""
        with self._lock:
            self._ws = ws
            self.station.connected(time.time())
        try:
            with self._lock:
                self._flush()
            while not self._stop.is_set() and not self._step(ws):
                pass
        except ConnectionClosed as closed:
            log.info("%s: connection closed: %s", self.url, closed)
        finally:
            with self._lock:
                self._ws = None
                self.station.disconnected(time.time())
                lost = self._calls.lost(time.perf_counter())
                # A CALL left open because this side dropped the link (the caller closed it,
                # or the station lost power) is no fault of the Central System's.
                if not (self._stop.is_set() or self.station.reconnect_requested):
                    self._report(lost)

    def _step(self, ws: ClientConnection) -> bool:
        """Read one frame or time out, then let the station act; whether to drop the link."""
        try:
            text: str | bytes | None = ws.recv(timeout=self._wait())
        except TimeoutError:
            text = None
        with self._lock:
            if isinstance(text, str):
                outcome = self._calls.received(text, time.perf_counter())
                self.station.receive(text, time.time())
                if outcome is not None:
                    self._report((outcome,))
            elif text is not None:
                log.warning("%s: binary frame ignored (OCPP-J §4.1: text only)", self.url)
            self.station.poll(time.time())
            self._report(self._calls.expired(time.perf_counter()))
            self._flush()
            # After a power cycle or reset the socket goes, as a real charge point's would.
            return self.station.reconnect_requested

    def _wait(self) -> float:
        now = time.time()
        deadline = self.station.next_deadline()
        wait = self._max_wait if deadline is None else min(deadline - now, self._max_wait)
        return max(wait, _MIN_WAIT)

    def _flush(self) -> None:
        """Write every frame the station queued (called with the lock held)."""
        ws = self._ws
        if ws is None:
            return
        for text in self.station.data_to_send():
            self._calls.sent(text, time.perf_counter(), self.station.message_timeout())
            ws.send(text)

    def _report(self, outcomes: Iterable[CallOutcome]) -> None:
        if self._on_call is None:
            return
        for outcome in outcomes:
            self._on_call(outcome)

    def _connect_outcome(self, started: float, error: Exception | None) -> None:
        if self._on_connect is not None:
            self._on_connect((time.perf_counter() - started) * 1000.0, error)

    def _ping_interval(self) -> float | None:
        """WebSocketPingInterval (OCPP 1.6 §9.1.34), 0 or absent meaning no pings."""
        config = self.station.config
        known = config.is_known("WebSocketPingInterval")
        seconds = config.get_int("WebSocketPingInterval") if known else 0
        return float(seconds) if seconds > 0 else None
