"""Live commands: ``chargespec sim`` (a simulated station) and ``chargespec demo``.

``sim`` runs one simulated charge point against any Central System and prints every frame.
``demo`` runs both sides on this machine over a real WebSocket on 127.0.0.1: our
:class:`CsmsServer` plays a short scripted session (:func:`run_scenario`) through a
:class:`WebSocketDut` against a simulated station, and prints the conversation.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click

import generated.ocpp16.registry as registry_module
from generated.ocpp16.registry import SPEC
from runtime.adapters.ws_server import CsmsServer
from runtime.conformance.runner import ScenarioFailed, run_scenario
from runtime.conformance.websocket_dut import WebSocketDut
from runtime.ocppj import Call, CallError, CallResult, FrameError, decode_frame
from runtime.simulator import SimulatedStation

__all__ = ["FrameFormatter", "demo_scenario", "register"]

logger = logging.getLogger(__name__)

DEMO_ID = "CP-DEMO"
DEMO_CONNECTORS = 2
_DEMO_BUDGET = 18.0
_STEP = 0.25
_LOOP_LIMIT = 100_000


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
