"""The work behind ``chargespec demo`` (and ``sim``'s option checks): the runtime over real
sockets. ``sim`` itself runs in :mod:`compiler.cli.sim_run`.

Imported only when one of those commands runs (see :mod:`compiler.cli`), since it loads the
station, the simulator, the WebSocket adapters and the test system.
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
from generated.ocpp16.demo import DEMO
from generated.ocpp16.registry import SPEC
from runtime.adapters.ws_server import CsmsServer
from runtime.conformance.runner import ScenarioFailed, run_scenario
from runtime.conformance.websocket_dut import WebSocketDut
from runtime.ocppj.frames import Call, CallError, CallResult, FrameError, decode_frame
from runtime.sim.simulator import SimulatedStation
from runtime.station.config import ConfigStore

__all__ = ["FrameFormatter", "check_config", "play_demo"]

logger = logging.getLogger(__name__)

DEMO_ID = "CP-DEMO"
_DEMO_BUDGET = 18.0
_STEP = 0.25
_LOOP_LIMIT = 100_000
_SIM_CONNECTORS = 2  # without --connectors and --pics


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


async def _play_demo(echo: Callable[[str], None]) -> None:
    """Run server, station and the demo session (specs/ocpp16/demo.yaml, compiled to
    generated/ocpp16/demo.py); raises ScenarioFailed or TimeoutError on failure."""
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
        connectors = int(DEMO["setup"].get("connectors", 1))
        sim = SimulatedStation(SPEC, server.url, DEMO_ID, connectors)
        holder["sim"] = sim
        stop = asyncio.Event()
        station_task = asyncio.create_task(sim.run(stop))
        try:
            async with asyncio.timeout(_DEMO_BUDGET):
                await dut.start()
                await run_scenario(DEMO, dut)
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
    # SVGs are drawn by `build`/`diagram` with the installed Graphviz and never committed.
    svgs = sorted(folder.glob("*.svg"))
    if not svgs:
        return [f"diagrams: {index} (no SVG drawn yet; run: chargespec diagram, needs Graphviz)"]
    return [f"diagrams: {index}", *(f"  {svg}" for svg in svgs)]


def play_demo() -> None:
    """The ``demo`` command: play the session, report, and say where the diagrams are."""
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


def check_config(values: dict[str, str]) -> None:
    """Refuse ``--config`` values the spec's configuration keys do not allow.

    Raises:
        ConfigError: naming the key and what it takes.
    """
    ConfigStore(SPEC.config_keys, values)
