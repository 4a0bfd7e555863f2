"""The work behind ``chargespec sim``: one simulated station over a real socket, and its exit code.

Imported only when ``sim`` runs (see :mod:`compiler.cli.live`), since it loads the station, the
simulator and the WebSocket adapters.

A CI job reads the exit code, so it says whether the run did what was asked, and a failure
says why in one line on stderr (``chargespec sim: error: ...``):

====  =====================================================================================
code  meaning
====  =====================================================================================
0     done as asked: the sessions ran and the Central System has every transaction message;
      without ``--sessions``, it ran (connected) until ``--duration``
1     sessions failed: not done within ``--duration``, one never ran, the Central System
      refused the idTag or StartTransaction (the transaction went on with id -1)
2     usage: a bad option (click's own code)
3     could not connect, or rejected by the Central System: ``--connect-attempts`` attempts
      failed (refused, TLS, HTTP 401/404) or BootNotification was Rejected as many times
130   interrupted by Ctrl-C (SIGINT); 143 stopped by SIGTERM. Both first end the running
      transactions once, wait for the Central System to have them, and close.
====  =====================================================================================
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import signal
import sqlite3
import ssl
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from generated.ocpp16.registry import SPEC
from runtime.adapters.ws_client import NeverConnected
from runtime.conformance.applicability import load_device_pics, pics_file_problems
from runtime.conformance.coverage import TransitionRecorder, coverage, write_coverage
from runtime.sim.sessions import SessionPlan, SessionsFailed, end_transactions, run_sessions
from runtime.sim.simulator import SimulatedStation
from runtime.sim.tester_api_server import TesterApiServer
from runtime.spec.config_keys import ConfigError
from runtime.station.store import StationStore, Store, StoreError
from runtime.station.store_memory import MemoryStore

__all__ = ["EXIT_CODES", "SimOptions", "run_sim"]

EXIT_DONE = 0
EXIT_FAILED = 1
EXIT_UNREACHABLE = 3
EXIT_INTERRUPTED = 130  # 128 + SIGINT, as a shell reports Ctrl-C
EXIT_TERMINATED = 143  # 128 + SIGTERM
#: What each exit code of ``chargespec sim`` means (2 is click's usage error).
EXIT_CODES = {
    EXIT_DONE: "done as asked",
    EXIT_FAILED: "sessions failed",
    2: "usage error",
    EXIT_UNREACHABLE: "could not connect, or rejected by the Central System",
    EXIT_INTERRUPTED: "interrupted (Ctrl-C)",
    EXIT_TERMINATED: "stopped by SIGTERM",
}

_SIM_CONNECTORS = 2  # without --connectors and --pics
# How long a stop may take to end the running transactions and flush, then to close.
_GRACE = 10.0
_CLOSE = 10.0
# How often the registration watch looks at the BootNotification answers.
_WATCH_TICK = 0.25


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
    ca_file: Path | None = None
    coverage_file: Path | None = None
    connect_attempts: int = 5


class _Exit(Exception):
    """How the run ended: the exit code and, unless done, the one-line reason."""

    def __init__(self, code: int, reason: str = "") -> None:
        super().__init__(reason)
        self.code = code
        self.reason = reason


class _Signals:
    """SIGINT and SIGTERM: the first asks for a graceful stop, a second one stops at once."""

    def __init__(self, stop: asyncio.Event) -> None:
        self._stop = stop
        self.asked = asyncio.Event()
        self.name: str | None = None

    def install(self) -> None:
        loop = asyncio.get_running_loop()
        for number in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.add_signal_handler(number, self._received, number)

    def _received(self, number: signal.Signals) -> None:
        if self.asked.is_set():
            self._stop.set()  # a second Ctrl-C: no more waiting for the Central System
            return
        self.name = number.name
        self.asked.set()

    @property
    def code(self) -> int:
        return EXIT_TERMINATED if self.name == "SIGTERM" else EXIT_INTERRUPTED


async def _watch_registration(sim: SimulatedStation, limit: int) -> None:
    """Give up (exit 3) once the Central System rejected BootNotification ``limit`` times in a
    row and never accepted it (OCPP 1.6 §4.2: a Rejected station may only boot again)."""
    calls = sim.calls
    while calls is not None and limit > 0:
        if calls.boots_accepted:
            return
        if calls.boots_rejected >= limit:
            raise _Exit(
                EXIT_UNREACHABLE,
                f"the Central System rejected BootNotification {calls.boots_rejected} time(s) "
                f"at {sim.connection.url}",
            )
        await asyncio.sleep(_WATCH_TICK)


def _never_connected(sim: SimulatedStation, duration: float) -> _Exit:
    connection = sim.connection
    last = connection.last_failure or "no attempt finished"
    return _Exit(
        EXIT_UNREACHABLE,
        f"never connected to {connection.url} within {duration:g} s "
        f"({connection.failed_attempts} attempt(s), last: {last})",
    )


def _timed_out(sim: SimulatedStation, plan: SessionPlan | None, duration: float) -> _Exit:
    """``--duration`` ran out: done without sessions if it ever connected; else why not."""
    if not sim.connection.ever_connected:
        return _never_connected(sim, duration)
    if plan is None:
        return _Exit(EXIT_DONE)
    pending = sim.station.queue.pending()
    return _Exit(
        EXIT_FAILED,
        f"stopped after {duration:g} s before {plan.sessions} session(s) were done "
        f"and the queue was empty ({pending} transaction message(s) queued)",
    )


async def _interrupted(sim: SimulatedStation, signals: _Signals) -> _Exit:
    ended = await end_transactions(sim, _GRACE)
    return _Exit(signals.code, f"{signals.name}: ended {ended} running transaction(s); closed")


def _outcome(task: asyncio.Task[Any]) -> _Exit | None:
    """The exit a finished task means: its failure, or ``None`` if it just returned."""
    error = task.exception()
    if error is None:
        return None
    if isinstance(error, _Exit):
        return error
    if isinstance(error, NeverConnected):
        return _Exit(EXIT_UNREACHABLE, str(error))
    if isinstance(error, SessionsFailed):
        return _Exit(EXIT_FAILED, str(error))
    raise error


async def _play(
    sim: SimulatedStation, options: SimOptions, plan: SessionPlan | None, stop: asyncio.Event
) -> _Exit:
    """Run until the plan is done, ``--duration`` runs out, a signal, or a failure; then
    close the connection (code 1000)."""
    signals = _Signals(stop)
    signals.install()
    runner = asyncio.create_task(sim.run(stop))
    asked = asyncio.create_task(signals.asked.wait())
    watch = asyncio.create_task(_watch_registration(sim, options.connect_attempts))
    driver = None
    if plan is not None:
        driver = asyncio.create_task(run_sessions(sim, plan, on_session=_said_done(plan)))
    duration = options.duration
    timer = None if duration is None else asyncio.create_task(asyncio.sleep(duration))
    pending = {task for task in (runner, asked, watch, driver, timer) if task is not None}
    try:
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            if signals.asked.is_set():
                return await _interrupted(sim, signals)
            for task in done:
                if (ended := _outcome(task)) is not None:
                    return ended
            if timer in done:
                return _timed_out(sim, plan, duration or 0.0)
            if driver in done:
                return _Exit(EXIT_DONE)
        return _Exit(EXIT_DONE)
    finally:
        stop.set()
        others = [task for task in (asked, watch, driver, timer) if task is not None]
        for task in others:
            task.cancel()
        await asyncio.gather(*others, return_exceptions=True)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait({runner}, timeout=_CLOSE)
        if not runner.done():
            runner.cancel()
        await asyncio.gather(runner, return_exceptions=True)


def _said_done(plan: SessionPlan) -> Callable[[int, int], None]:
    def done(number: int, connector: int) -> None:
        stamp = time.strftime("%H:%M:%S")
        click.echo(f"{stamp} session {number}/{plan.sessions} done (connector {connector})")

    return done


def _open_store(db: str | None) -> StationStore:
    if db is None:
        return MemoryStore()  # nothing to keep across runs: the cheap one
    try:
        return Store(db)
    except (StoreError, sqlite3.Error) as error:
        raise click.BadParameter(f"cannot use {db!r}: {error}", param_hint="--db") from None


async def _serve_and_play(
    sim: SimulatedStation, options: SimOptions, plan: SessionPlan | None
) -> _Exit:
    """:func:`_play`, serving the tester API meanwhile if ``--tester-api`` asks for it."""
    async with contextlib.AsyncExitStack() as stack:
        if options.tester_api is not None:
            server = TesterApiServer(sim, SPEC, *options.tester_api)
            try:
                await stack.enter_async_context(server)
            except OSError as error:
                host, port = options.tester_api
                raise click.BadParameter(
                    f"cannot serve on {host}:{port}: {error}", param_hint="--tester-api"
                ) from None
            click.echo(f"tester API on {server.url}")
        return await _play(sim, options, plan, asyncio.Event())


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
    store: StationStore,
    pics: dict[str, Any] | None,
    fired: TransitionRecorder,
    tls: ssl.SSLContext | None,
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
            ssl=tls,
            on_transition=fired,
            give_up_after=options.connect_attempts or None,
        )
    except ConfigError as error:  # e.g. a value stored earlier that a --config key now bounds
        store.close()
        raise click.BadParameter(str(error), param_hint="--config") from None
    except ValueError as error:
        store.close()
        raise click.BadParameter(str(error), param_hint="--csms") from None


def _trusting(ca_file: Path | None) -> ssl.SSLContext | None:
    """A TLS context trusting ``--ca`` (certificate checks and hostname on), or ``None``."""
    if ca_file is None:
        return None
    try:
        return ssl.create_default_context(cafile=str(ca_file))
    except (OSError, ssl.SSLError) as error:
        raise click.BadParameter(f"cannot use {ca_file}: {error}", param_hint="--ca") from None


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
    """The ``sim`` command (see its help): run, then exit with a code of :data:`EXIT_CODES`
    and, unless done as asked, the reason in one line on stderr."""
    pics = _device_pics(options.pics_file)
    connectors = options.connectors
    if connectors is None:
        connectors = int(pics["NumberOfConnectors"]) if pics is not None else _SIM_CONNECTORS
    tls = _trusting(options.ca_file)
    store = _open_store(options.db)
    fired = TransitionRecorder()
    station = _build_sim(options, connectors, store, pics, fired, tls)
    plan = _plan(options, connectors)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s * %(message)s", datefmt="%H:%M:%S")
    click.echo(f"{options.charge_point_id}: connecting to {station.connection.url} (Ctrl-C stops)")
    try:
        ended = asyncio.run(_serve_and_play(station, options, plan))
    except KeyboardInterrupt:  # before the signal handlers were in place
        ended = _Exit(EXIT_INTERRUPTED, "SIGINT: interrupted while starting")
    finally:
        store.close()
        _write_coverage(options.coverage_file, fired)
    if ended.code != EXIT_DONE:
        click.echo(f"chargespec sim: error: {ended.reason}", err=True)
        sys.exit(ended.code)
    if plan is not None:
        click.echo(f"sim: {plan.sessions} session(s) done; transaction message queue empty")
