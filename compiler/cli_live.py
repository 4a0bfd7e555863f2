"""Live commands: ``chargespec sim`` (a simulated station) and ``chargespec demo``.

``sim`` runs one simulated charge point against any Central System and prints every frame.
``demo`` runs both sides on this machine over a real WebSocket on 127.0.0.1: our
:class:`CsmsServer` plays a short scripted session (:func:`run_scenario`) through a
:class:`WebSocketDut` against a simulated station, and prints the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import sys
import time
from collections import deque
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import click

import generated.ocpp16.registry as registry_module
from generated.ocpp16.registry import SPEC
from runtime.adapters.ws_server import CsmsConnection, CsmsServer, PeerGone
from runtime.conformance.dut import CallOutcome, ReceivedCall
from runtime.conformance.runner import ScenarioFailed, run_scenario
from runtime.endpoint import (
    CallReceived,
    CallTimedOut,
    Endpoint,
    EndpointEvent,
    ErrorReceived,
    LocalProtocolError,
    ResultInvalid,
    ResultReceived,
)
from runtime.ocppj import Call, CallError, CallResult, ErrorCode, FrameError, decode_frame
from runtime.payload import SchemaPayloadValidator
from runtime.registry import SpecRegistry
from runtime.simulator import SimulatedStation

__all__ = ["FrameFormatter", "WebSocketDut", "demo_scenario", "register"]

logger = logging.getLogger(__name__)

#: Applies a tester action (name, payload) to the device under test.
TesterHook = Callable[[str, dict[str, Any]], Awaitable[None]]

DEMO_ID = "CP-DEMO"
DEMO_CONNECTORS = 2
_DEMO_BUDGET = 18.0
_STEP = 0.25
_LOOP_LIMIT = 100_000


class WebSocketDut:
    """A device under test on the far side of a real WebSocket; we are its Central System.

    Pass :meth:`handle` as the handler of a :class:`CsmsServer`. Every connection of the
    charge point gets a fresh sans-IO :class:`Endpoint`; a reconnect replaces the old one.

    Args:
        tester: Applies tester actions (the physical stimuli) to the charge point.
        registry: The spec set; gives the schemas and the actions a charge point may send.
        on_frame: Called as ``on_frame(">", text)`` for a frame from the charge point and
            ``on_frame("<", text)`` for one we send.
        connect_timeout: Seconds :meth:`start` waits for the charge point to connect.
        response_timeout: Seconds the charge point has to answer our CALLs.
    """

    def __init__(
        self,
        tester: TesterHook,
        registry: SpecRegistry = SPEC,
        *,
        on_frame: Callable[[str, str], None] | None = None,
        connect_timeout: float = 10.0,
        response_timeout: float = 30.0,
    ) -> None:
        self._tester = tester
        self._validator = SchemaPayloadValidator(registry.schemas)
        self._cp_actions = frozenset(
            name for name, info in registry.messages.items() if info.direction == "cp_to_csms"
        )
        self._on_frame = on_frame
        self._connect_timeout = connect_timeout
        self._response_timeout = response_timeout
        self._ids = itertools.count(1)
        self._arrivals: asyncio.Queue[tuple[CsmsConnection, asyncio.Event]] = asyncio.Queue()
        self._conn: CsmsConnection | None = None
        self._released: asyncio.Event | None = None
        self.csms: Endpoint | None = None
        self.inbox: deque[Call] = deque()
        self.outcomes: dict[str, CallOutcome] = {}

    async def handle(self, conn: CsmsConnection) -> None:
        """:class:`CsmsServer` handler: hand the connection over and hold it until released."""
        released = asyncio.Event()
        await self._arrivals.put((conn, released))
        await released.wait()

    def now(self) -> float:
        """Wall-clock time, UNIX seconds."""
        return time.time()

    async def start(self) -> None:
        """Wait for the charge point to connect.

        Raises:
            TimeoutError: It did not connect within ``connect_timeout`` seconds.
        """
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
        self.csms = Endpoint(
            validator=self._validator,
            response_timeout=self._response_timeout,
            id_factory=lambda: f"cs-{next(self._ids)}",
            supported_actions=self._cp_actions,
        )
        logger.info("charge point %s connected", conn.charge_point_id)

    def _detach(self) -> None:
        if self.csms is not None:
            for event in self.csms.connection_lost():
                self._on_event(event)
        if self._released is not None:
            self._released.set()
        self._conn, self._released, self.csms = None, None, None
        self.inbox.clear()

    def _on_event(self, event: EndpointEvent) -> None:
        if isinstance(event, CallReceived):
            self.inbox.append(event.call)
        elif isinstance(event, ResultReceived):
            self.outcomes[event.request.unique_id] = CallOutcome(result=event.result.payload)
        elif isinstance(event, ErrorReceived):
            code = str(event.error.error_code)
            self.outcomes[event.request.unique_id] = CallOutcome(error_code=code)
        elif isinstance(event, ResultInvalid):
            self.outcomes[event.request.unique_id] = CallOutcome(error_code=str(event.error.code))
        elif isinstance(event, CallTimedOut):
            self.outcomes[event.request.unique_id] = CallOutcome()
        else:
            logger.warning("from the charge point: %s", event)

    async def _flush(self) -> None:
        """Send what our endpoint has queued; a lost link detaches."""
        if self.csms is None or self._conn is None:
            return
        for text in self.csms.data_to_send():
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
                self._attach(*await asyncio.wait_for(self._arrivals.get(), timeout))
            return
        try:
            text = await self._conn.recv(timeout)
        except PeerGone:
            self._detach()
            return
        if self.csms is None:
            return
        if text is not None:
            if self._on_frame is not None:
                self._on_frame(">", text)
            for event in self.csms.receive(text, self.now()):
                self._on_event(event)
        for event in self.csms.poll(self.now()):
            self._on_event(event)
        await self._flush()

    async def next_call(self, within: float) -> ReceivedCall | None:
        """The next CALL of the charge point, or ``None`` if none comes within ``within`` s."""
        deadline = self.now() + within
        for _ in range(_LOOP_LIMIT):
            if self.inbox:
                call = self.inbox.popleft()
                return ReceivedCall(call.unique_id, call.action, call.payload)
            remaining = deadline - self.now()
            if remaining <= 0:
                return None
            await self._step(min(remaining, _STEP))
        return None

    async def _answer(self, send: Callable[[Endpoint], None]) -> None:
        if self.csms is None:
            logger.warning("not answered: the charge point is not connected")
            return
        try:
            send(self.csms)
        except LocalProtocolError as error:
            logger.warning("not answered: %s", error)
            return
        await self._flush()

    async def reply(self, call: ReceivedCall, payload: dict[str, Any]) -> None:
        """Answer a CALL of the charge point with a CALLRESULT."""
        request = Call(call.unique_id, call.action, call.payload)
        await self._answer(lambda csms: csms.reply(request, payload))

    async def reply_error(self, call: ReceivedCall, code: str, description: str) -> None:
        """Answer a CALL of the charge point with a CALLERROR."""
        request = Call(call.unique_id, call.action, call.payload)
        await self._answer(lambda csms: csms.reply_error(request, ErrorCode(code), description))

    async def send_call(self, action: str, payload: dict[str, Any], wait: float) -> CallOutcome:
        """Send a CALL and wait up to ``wait`` s for its answer (empty outcome: none came)."""
        if self.csms is None:
            return CallOutcome()
        call = self.csms.call(action, payload, self.now())
        await self._flush()
        deadline = self.now() + wait
        for _ in range(_LOOP_LIMIT):
            if call.unique_id in self.outcomes:
                return self.outcomes.pop(call.unique_id)
            remaining = deadline - self.now()
            if remaining <= 0:
                break
            await self._step(min(remaining, _STEP))
        return CallOutcome()

    async def tester(self, name: str, payload: dict[str, Any]) -> None:
        """Apply a tester action through the hook given to the constructor."""
        await self._tester(name, payload)


class FrameFormatter:
    """Turns OCPP-J frames into readable transcript lines, naming the action of answers."""

    def __init__(self) -> None:
        self._actions: dict[str, str] = {}

    def line(self, from_cp: bool, text: str) -> str:
        """One line: time, direction arrow, action and payload."""
        arrow = "CP → CSMS" if from_cp else "CSMS → CP"
        stamp = time.strftime("%H:%M:%S")
        return f"{stamp}  {arrow}  {self.describe(text)}"

    def describe(self, text: str) -> str:
        """``Action {payload}``, ``Action.conf {payload}`` or ``CALLERROR ...``."""
        try:
            frame = decode_frame(text)
        except FrameError:
            return f"(not OCPP-J) {text}"
        if isinstance(frame, Call):
            self._actions[frame.unique_id] = frame.action
            return f"{frame.action} {json.dumps(frame.payload)}"
        action = self._actions.pop(frame.unique_id, "?")
        if isinstance(frame, CallResult):
            return f"{action}.conf {json.dumps(frame.payload)}"
        assert isinstance(frame, CallError)
        return f"{action} CALLERROR {frame.error_code} {frame.error_description!r}"


def _expect(name: str, payload: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    return {"kind": "expect", "name": name, "payload": payload or {}, "at": "demo", **extra}


def _tester(name: str, **payload: Any) -> dict[str, Any]:
    return {"kind": "tester", "name": name, "payload": payload, "at": "demo"}


def demo_scenario() -> dict[str, Any]:
    """The scripted session ``chargespec demo`` plays."""
    boot_reply = {"status": "Accepted", "currentTime": "$now", "interval": 5}
    status = "StatusNotification"
    return {
        "steps": [
            _expect("BootNotification", reply=boot_reply),
            *(_expect(status, {"connectorId": c, "status": "Available"}) for c in (0, 1, 2)),
            _tester("plug_in", connector=1),
            _expect(status, {"connectorId": 1, "status": "Preparing"}, seconds=5),
            _tester("unplug", connector=1),
            _expect(status, {"connectorId": 1, "status": "Available"}, seconds=5),
            _tester("fault", connector=2, errorCode="GroundFailure"),
            _expect(status, {"connectorId": 2, "status": "Faulted", "errorCode": "GroundFailure"}),
            _tester("fault_cleared", connector=2),
            _expect(status, {"connectorId": 2, "status": "Available"}, seconds=5),
            _expect("Heartbeat", seconds=7),
        ]
    }


async def _play_demo(echo: Callable[[str], None]) -> None:
    """Run server, station and scenario; raises ScenarioFailed or TimeoutError on failure."""
    formatter = FrameFormatter()
    holder: dict[str, SimulatedStation] = {}

    async def tester(name: str, payload: dict[str, Any]) -> None:
        echo(f"{time.strftime('%H:%M:%S')}  tester     {name} {json.dumps(payload)}")
        sim = holder["sim"]
        if name == "connection_lost":
            await sim.drop_connection()
        elif name != "connection_restored":  # the station reconnects by itself
            sim.station.tester(name, **payload)

    # Frames are shown as the Central System sees them, so they line up with the steps.
    def show(direction: str, text: str) -> None:
        echo(formatter.line(direction == ">", text))

    dut = WebSocketDut(tester, SPEC, on_frame=show, connect_timeout=5.0)
    async with CsmsServer(dut.handle, "127.0.0.1", 0) as server:
        echo(f"CSMS listening on {server.url}; station {DEMO_ID} connecting over WebSocket")
        sim = SimulatedStation(SPEC, server.url, DEMO_ID, DEMO_CONNECTORS)
        holder["sim"] = sim
        stop = asyncio.Event()
        station_task = asyncio.create_task(sim.run(stop))
        try:
            async with asyncio.timeout(_DEMO_BUDGET):
                await dut.start()
                await run_scenario(demo_scenario(), dut)
        finally:
            stop.set()
            await dut.stop()
            await asyncio.wait_for(station_task, 5.0)


def _diagram_lines() -> list[str]:
    """Where the diagrams are (relative to the working directory when possible)."""
    # The registry module sits in generated/ocpp16/; the diagrams beside it in generated/.
    folder = Path(registry_module.__file__).resolve().parents[1] / "diagrams" / "ocpp16"
    with contextlib.suppress(ValueError):
        folder = folder.relative_to(Path.cwd())
    index = folder / "index.md"
    if not index.exists():
        return [f"diagrams: {index} (not built yet; run: chargespec diagram)"]
    return [f"diagrams: {index}", *(f"  {svg}" for svg in sorted(folder.glob("*.svg")))]


@click.command()
def demo() -> None:
    """Run a CSMS and a simulated station on 127.0.0.1 and play a short scripted session."""
    try:
        asyncio.run(_play_demo(click.echo))
    except ScenarioFailed as failure:
        click.echo(f"demo FAILED: {failure}", err=True)
        sys.exit(1)
    except TimeoutError:
        click.echo(f"demo FAILED: not finished within {_DEMO_BUDGET:g} s", err=True)
        sys.exit(1)
    click.echo("demo passed: boot, status, plug in/out, fault and heartbeat all as specified")
    for line in _diagram_lines():
        click.echo(line)


async def _run_sim(sim: SimulatedStation, duration: float | None) -> None:
    stop = asyncio.Event()
    if duration is not None:
        asyncio.get_running_loop().call_later(duration, stop.set)
    await sim.run(stop)


@click.command()
@click.option("--csms", "csms_url", required=True, help="Central System URL, ws://host:port/path.")
@click.option("--id", "charge_point_id", default="CP1", show_default=True, help="Identity.")
@click.option("--connectors", default=2, show_default=True, type=click.IntRange(min=1))
@click.option("--duration", type=click.FloatRange(min=0), help="Stop after this many seconds.")
def sim(csms_url: str, charge_point_id: str, connectors: int, duration: float | None) -> None:
    """Run a simulated charge point against a Central System until Ctrl-C."""

    def show(direction: str, text: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {direction} {text}")

    try:
        station = SimulatedStation(SPEC, csms_url, charge_point_id, connectors, on_frame=show)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--csms") from None
    logging.basicConfig(level=logging.INFO, format="%(asctime)s * %(message)s", datefmt="%H:%M:%S")
    click.echo(f"{charge_point_id}: connecting to {station.connection.url} (Ctrl-C stops)")
    try:
        asyncio.run(_run_sim(station, duration))
    except KeyboardInterrupt:
        click.echo("stopped")


def register(main: click.Group) -> None:
    """Add the ``sim`` and ``demo`` commands to the ``chargespec`` command group."""
    main.add_command(sim)
    main.add_command(demo)
