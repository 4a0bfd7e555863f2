"""A device under test on the far side of a real WebSocket, in real time.

We are its Central System: a :class:`CsmsServer` hands each connection of the charge point to
:meth:`WebSocketDut.handle`; frames go through the shared :class:`CsmsSide`. Tester actions
(the physical stimuli) reach the device through a hook given to the constructor.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

from runtime.adapters.ws_server import CsmsConnection, PeerGone
from runtime.conformance.csms_side import CsmsSide
from runtime.conformance.dut import CallOutcome, ReceivedCall
from runtime.ocppj.endpoint import Endpoint
from runtime.ocppj.errors import ErrorCode, LocalProtocolError
from runtime.spec.registry import SpecRegistry

__all__ = ["ObserveHook", "TesterHook", "WebSocketDut"]

log = logging.getLogger(__name__)

#: Applies a tester action (name, payload) to the device under test.
TesterHook = Callable[[str, dict[str, Any]], Awaitable[None]]
#: Reads an observation (name, payload) of the device under test's hardware.
ObserveHook = Callable[[str, dict[str, Any]], Awaitable[Any]]

_STEP = 0.25
# Device seconds between an answer the test system sent and the next physical step (a tester
# action or an observation). The answer travels over OCPP, the step over another channel (an
# operator, the tester API), so without a pause the step can reach the device before the
# answer it depends on; and no lab operator acts within a second of a prompt anyway.
HANDLING_PAUSE = 1.0
_LOOP_LIMIT = 100_000


class WebSocketDut:
    """A device under test on the far side of a real WebSocket; we are its Central System.

    Pass :meth:`handle` as the handler of a :class:`CsmsServer`. Every connection of the
    charge point gets a fresh sans-IO :class:`Endpoint`; a reconnect replaces the old one.

    Args:
        tester: Applies tester actions (the physical stimuli) to the charge point.
        observer: Reads observations of its hardware (such as whether a cable is locked);
            without one, a scenario's observe step fails and says why.
        registry: The spec set; gives the schemas and the actions a charge point may send.
        on_frame: Called as ``on_frame(">", text)`` for a frame from the charge point and
            ``on_frame("<", text)`` for one we send.
        connect_timeout: Seconds :meth:`start` waits for the charge point to connect.
        response_timeout: Seconds the charge point has to answer our CALLs.
        time_scale: How many DUT seconds pass per wall-clock second: 1 for a real device; a
            simulator whose clock runs faster (``chargespec sim --time-scale``) gives its
            factor, so every wait of a scenario is read in the device's own seconds.
    """

    def __init__(
        self,
        tester: TesterHook,
        registry: SpecRegistry,
        *,
        on_frame: Callable[[str, str], None] | None = None,
        connect_timeout: float = 10.0,
        response_timeout: float = 30.0,
        observer: ObserveHook | None = None,
        time_scale: float = 1.0,
    ) -> None:
        self._scale = time_scale
        self._origin = time.time()
        self._tester = tester
        self._observer = observer
        self.side = CsmsSide(registry, response_timeout=response_timeout)
        self._on_frame = on_frame
        self._connect_timeout = connect_timeout
        self._arrivals: asyncio.Queue[tuple[CsmsConnection, asyncio.Event]] = asyncio.Queue()
        self._conn: CsmsConnection | None = None
        self._released: asyncio.Event | None = None
        self._answered_at = float("-inf")  # wall clock of the last answer sent

    async def handle(self, conn: CsmsConnection) -> None:
        """:class:`CsmsServer` handler: hand the connection over and hold it until released."""
        released = asyncio.Event()
        await self._arrivals.put((conn, released))
        await released.wait()

    def now(self) -> float:
        """The device's time, UNIX seconds: the wall clock, running ``time_scale`` times
        faster from when this test system started."""
        return self._origin + (time.time() - self._origin) * self._scale

    def connected(self) -> bool:
        """Whether the charge point is connected now."""
        return self._conn is not None and self.side.endpoint is not None

    async def start(self) -> None:
        """Wait for the charge point to connect.

        Raises:
            TimeoutError: It did not connect within ``connect_timeout`` seconds.
        """
        # A lab's wait for its device, in wall-clock seconds.
        conn, released = await asyncio.wait_for(self._arrivals.get(), self._connect_timeout)
        self._attach(conn, released)

    async def stop(self) -> None:
        """Let go of the connection (the server closes it) and forget pending calls."""
        self._detach()
        while not self._arrivals.empty():
            self._arrivals.get_nowait()[1].set()

    def _attach(self, conn: CsmsConnection, released: asyncio.Event) -> None:
        self._detach()
        self._conn, self._released = conn, released
        self.side.open()
        log.info("charge point %s connected", conn.charge_point_id)

    def _detach(self) -> None:
        self.side.close()
        if self._released is not None:
            self._released.set()
        self._conn, self._released = None, None

    async def _flush(self) -> None:
        """Send what our endpoint has queued; a lost link detaches."""
        if self.side.endpoint is None or self._conn is None:
            return
        for text in self.side.endpoint.data_to_send():
            try:
                await self._conn.send(text)
            except PeerGone:
                self._detach()
                return
            if self._on_frame is not None:
                self._on_frame("<", text)

    async def _step(self, timeout: float) -> None:
        """Wait up to ``timeout`` s for one frame (or a connection) and process it."""
        if not self._arrivals.empty() or self._conn is None:
            with contextlib.suppress(TimeoutError):
                wall = timeout / self._scale
                self._attach(*await asyncio.wait_for(self._arrivals.get(), wall))
            return
        try:
            text = await self._conn.recv(timeout / self._scale)
        except PeerGone:
            self._detach()
            return
        csms = self.side.endpoint
        if csms is None:
            return
        if text is not None:
            if self._on_frame is not None:
                self._on_frame(">", text)
            for event in csms.receive(text, self.now()):
                self.side.on_event(event)
        for event in csms.poll(self.now()):
            self.side.on_event(event)
        await self._flush()

    async def next_call(self, within: float) -> ReceivedCall | None:
        """The next CALL of the charge point, or ``None`` if none comes within ``within`` s."""
        deadline = self.now() + within
        for _ in range(_LOOP_LIMIT):
            if (call := self.side.take_call()) is not None:
                return call
            remaining = deadline - self.now()
            if remaining <= 0:
                return None
            await self._step(min(remaining, _STEP))
        return None

    async def _answer(self, send: Callable[[Endpoint], None]) -> None:
        if self.side.endpoint is None:
            log.warning("not answered: the charge point is not connected")
            return
        try:
            send(self.side.endpoint)
        except LocalProtocolError as error:
            log.warning("not answered: %s", error)
            return
        self._answered_at = time.monotonic()
        await self._flush()

    async def _after_answers(self) -> None:
        """Let :data:`HANDLING_PAUSE` device seconds pass since the last answer sent."""
        wait = self._answered_at + HANDLING_PAUSE / self._scale - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)

    async def reply(self, call: ReceivedCall, payload: dict[str, Any]) -> None:
        """Answer a CALL of the charge point with a CALLRESULT."""
        await self._answer(lambda csms: csms.reply(call.as_call(), payload))

    async def reply_error(self, call: ReceivedCall, code: str, description: str) -> None:
        """Answer a CALL of the charge point with a CALLERROR."""
        request = call.as_call()
        await self._answer(lambda csms: csms.reply_error(request, ErrorCode(code), description))

    async def send_call(
        self, action: str, payload: dict[str, Any], wait: float, *, check: bool = True
    ) -> CallOutcome:
        """Send a CALL and wait up to ``wait`` s for its answer (empty outcome: none came);
        ``check=False`` skips the test system's own payload check (negative tests)."""
        if self.side.endpoint is None:
            return CallOutcome()
        call = self.side.endpoint.call(action, payload, self.now(), check=check)
        await self._flush()
        deadline = self.now() + wait
        for _ in range(_LOOP_LIMIT):
            if (outcome := self.side.take_outcome(call.unique_id)) is not None:
                return outcome
            remaining = deadline - self.now()
            if remaining <= 0:
                break
            await self._step(min(remaining, _STEP))
        return CallOutcome()

    async def tester(self, name: str, payload: dict[str, Any]) -> None:
        """Apply a tester action through the hook given to the constructor, once the
        charge point had time to handle the last answer (:data:`HANDLING_PAUSE`)."""
        await self._after_answers()
        await self._tester(name, payload)

    async def observe(self, name: str, payload: dict[str, Any]) -> Any:
        """Read an observation through the hook given to the constructor."""
        if self._observer is None:
            raise LookupError(f"no observer was given, so {name} cannot be read from this device")
        await self._after_answers()
        return await self._observer(name, payload)
