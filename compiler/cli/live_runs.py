"""The work behind ``chargespec sim`` and ``chargespec demo``: the runtime over real sockets.

Imported only when one of those commands runs (see :mod:`compiler.cli`), since it loads the
station, the simulator, the WebSocket adapters and the test system.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import random
import signal
import sqlite3
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

import generated.ocpp16.registry as registry_module
from generated.ocpp16.demo import DEMO
from generated.ocpp16.registry import SPEC
from runtime.adapters.ws_server import CsmsServer
from runtime.conformance.applicability import load_device_pics, pics_file_problems
from runtime.conformance.coverage import TransitionRecorder, coverage, write_coverage
from runtime.conformance.runner import ScenarioFailed, run_scenario
from runtime.conformance.websocket_dut import WebSocketDut
from runtime.ocppj.frames import Call, CallError, CallResult, FrameError, decode_frame
from runtime.sim.sessions import SessionPlan, SessionsFailed, run_sessions
from runtime.sim.simulator import SimulatedStation
from runtime.sim.tester_api_server import TesterApiServer
from runtime.spec.config_keys import ConfigError
from runtime.station.config import ConfigStore
from runtime.station.store import Store, StoreError

__all__ = ["FrameFormatter", "SimOptions", "check_config", "play_demo", "run_sim"]

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


def _open_store(db: str | None) -> Store:
    try:
        return Store(db if db is not None else ":memory:")
    except (StoreError, sqlite3.Error) as error:
        raise click.BadParameter(f"cannot use {db!r}: {error}", param_hint="--db") from None


async def _finish(runner: asyncio.Task[None], *others: asyncio.Task[Any]) -> None:
    for task in others:
        task.cancel()
    await asyncio.gather(*others, return_exceptions=True)
    await runner


async def _serve_tester_api(
    stack: contextlib.AsyncExitStack,
    sim: SimulatedStation,
    where: tuple[str, int],
    echo: Callable[[str], None],
) -> None:
    """Serve the tester API for ``sim`` until ``stack`` closes; say where."""
    server = TesterApiServer(sim, SPEC, *where)
    try:
        await stack.enter_async_context(server)
    except OSError as error:
        raise click.BadParameter(
            f"cannot serve on {where[0]}:{where[1]}: {error}", param_hint="--tester-api"
        ) from None
    echo(f"tester API on {server.url}")


async def _run_sim(
    sim: SimulatedStation,
    duration: float | None,
    plan: SessionPlan | None,
    echo: Callable[[str], None],
    tester_api: tuple[str, int] | None = None,
) -> bool:
    """Run until stopped; with a plan, until it is played and the queue is empty; with
    ``tester_api``, serving the tester API there meanwhile.

    Returns whether the plan was completed (always ``True`` without one).

    Raises:
        SessionsFailed: A session could not be played.
    """
    async with contextlib.AsyncExitStack() as stack:
        if tester_api is not None:
            await _serve_tester_api(stack, sim, tester_api, echo)
        return await _run_station(sim, duration, plan, echo)


async def _run_station(
    sim: SimulatedStation,
    duration: float | None,
    plan: SessionPlan | None,
    echo: Callable[[str], None],
) -> bool:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    if duration is not None:
        loop.call_later(duration, stop.set)
    # SIGTERM stops the station as Ctrl-C does, so what is written on exit is written.
    with contextlib.suppress(NotImplementedError, RuntimeError):
        loop.add_signal_handler(signal.SIGTERM, stop.set)
    runner = asyncio.create_task(sim.run(stop))
    if plan is None:
        await runner
        return True

    def done(number: int, connector: int) -> None:
        stamp = time.strftime("%H:%M:%S")
        echo(f"{stamp} session {number}/{plan.sessions} done (connector {connector})")

    driver = asyncio.create_task(run_sessions(sim, plan, on_session=done))
    stopped = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({runner, driver, stopped}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        await _finish(runner, stopped, *([] if driver.done() else [driver]))
    return driver.done() and not driver.cancelled() and driver.result() is None


@dataclass(frozen=True)
class SimOptions:
    """The options of ``chargespec sim`` (see its help), by their parameter names."""

    csms_url: str
    charge_point_id: str
    connectors: int | None
    duration: float | None
    db: str | None
    sessions: int | None
    id_tag: str
    charge_seconds: float
    round_robin: bool
    config: dict[str, str]
    seed: int | None
    tester_api: tuple[str, int] | None = None
    pics_file: Path | None = None
    time_scale: float = 1.0
    basic_auth_password: str | None = None
    coverage_file: Path | None = None


def _device_pics(pics_file: Path | None) -> dict[str, Any] | None:
    """The simulated device's PICS, checked as ``chargespec test`` checks it: every problem
    printed as ``file:line:col``, exit 1."""
    if pics_file is None:
        return None
    problems = pics_file_problems(pics_file, SPEC)
    if problems:
        click.echo("\n".join(problems), err=True)
        sys.exit(1)
    return load_device_pics(pics_file, SPEC)


def _build_sim(
    options: SimOptions,
    connectors: int,
    store: Store,
    pics: dict[str, Any] | None,
    fired: TransitionRecorder,
) -> SimulatedStation:
    def show(direction: str, text: str) -> None:
        click.echo(f"{time.strftime('%H:%M:%S')} {direction} {text}")

    seed = options.seed
    try:
        return SimulatedStation(
            SPEC,
            options.csms_url,
            options.charge_point_id,
            connectors,
            on_frame=show,
            store=store,
            config=options.config,
            pics=pics,
            rng=random.Random(seed) if seed is not None else None,
            time_scale=options.time_scale,
            basic_auth_password=options.basic_auth_password,
            on_transition=fired,
        )
    except ConfigError as error:  # e.g. a value stored earlier that a --config key now bounds
        store.close()
        raise click.BadParameter(str(error), param_hint="--config") from None
    except ValueError as error:
        store.close()
        raise click.BadParameter(str(error), param_hint="--csms") from None


def _plan(options: SimOptions, connectors: int) -> SessionPlan | None:
    if options.sessions is None:
        return None
    return SessionPlan(
        options.sessions,
        id_tag=options.id_tag,
        charge_seconds=options.charge_seconds,
        connectors=tuple(range(1, connectors + 1)) if options.round_robin else (1,),
    )


def _write_coverage(path: Path | None, fired: TransitionRecorder) -> None:
    """The transitions the station took, as ``chargespec sim --coverage`` writes them."""
    if path is None:
        return
    result = coverage(SPEC, fired.fired)
    try:
        write_coverage(path, result)
    except OSError as error:
        click.echo(f"sim: cannot write coverage to {path}: {error.strerror}", err=True)
        return
    click.echo(f"transition coverage: {result.exercised} of {result.total} written to {path}")


def run_sim(options: SimOptions) -> None:
    """The ``sim`` command (see its help)."""
    pics = _device_pics(options.pics_file)
    connectors = options.connectors
    if connectors is None:
        connectors = int(pics["NumberOfConnectors"]) if pics is not None else _SIM_CONNECTORS
    store = _open_store(options.db)
    fired = TransitionRecorder()
    station = _build_sim(options, connectors, store, pics, fired)
    plan = _plan(options, connectors)
    duration = options.duration
    logging.basicConfig(level=logging.INFO, format="%(asctime)s * %(message)s", datefmt="%H:%M:%S")
    click.echo(f"{options.charge_point_id}: connecting to {station.connection.url} (Ctrl-C stops)")
    try:
        finished = asyncio.run(_run_sim(station, duration, plan, click.echo, options.tester_api))
    except KeyboardInterrupt:
        click.echo("stopped")
        return
    except SessionsFailed as error:
        click.echo(f"sim FAILED: {error}", err=True)
        sys.exit(1)
    finally:
        pending = station.station.queue.pending()
        store.close()
        _write_coverage(options.coverage_file, fired)
    if plan is None:
        return
    if not finished:
        when = f"after {duration:g} s " if duration is not None else ""
        click.echo(
            f"sim: stopped {when}before {plan.sessions} session(s) were done "
            f"and the queue was empty ({pending} transaction message(s) queued)",
            err=True,
        )
        sys.exit(1)
    click.echo(f"sim: {plan.sessions} session(s) done; transaction message queue empty")
