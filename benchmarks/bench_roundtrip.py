"""CALL round trips per second from simulated charge points: ours, the ``ocpp`` package, raw
websockets.

Every station sends DataTransfer CALLs back to back (the next one as soon as the answer is in)
to one Central System on 127.0.0.1, for a fixed time after a warm-up; the report gives round
trips per second over all stations and the client process's CPU time per round trip.

* **fleet** (the "ours" of the table, the target row): stations of ``chargespec fleet``
  (:class:`runtime.fleet.driver.StationDriver`, no transaction generator), full PICS, each on
  its own socket in one process: what a CSMS team runs for many stations. The same tester
  action ``data_transfer`` makes the CALL; the driver writes it (``flush``); the answer is in
  when the DataTransfer machine has taken it.
* **ours** (shown as "sim adapter"): :class:`runtime.sim.simulator.SimulatedStation` as
  ``chargespec sim`` builds it (full PICS), booted before timing. Each DataTransfer goes
  through the same tester action, then :meth:`SimulatedStation.flush` so its WebSocket client
  writes it now; the answer is in when the machine has taken the CALLRESULT.
* **ocpp**: ``ocpp.v16.ChargePoint.call(call.DataTransfer(...))`` over a websockets client, the
  package's own ``start()`` loop reading the answers (it validates both directions).
* **echo**: a raw websockets client sending the same CALL text and waiting for it to come back
  (the Central System echoes frames on ``/echo/...``): the floor any OCPP library adds to.

The Central System is one raw websockets server in a SEPARATE process
(``benchmarks/roundtrip_csms.py``): it answers each CALL with a CALLRESULT and does no
validation, so its cost is the same for every client and is not counted on the client side;
its CPU time over each timed window is reported per round trip beside. Each client runs in
its own fresh process (``--client``), so each side's CPU time is its own. All run over
loopback on the same machine, so the server and the client share its cores; compare the
ratios of one run, not absolute numbers across machines. A client that waited for a CPU for
more than a tenth of its window (other load) gets a "busy machine" note.

    .venv/bin/python benchmarks/bench_roundtrip.py --stations 1,50 --seconds 3 --check
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import itertools
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bench_table import Row, exit_status
from roundtrip_csms import OCPP16

if TYPE_CHECKING:
    from runtime.sim.simulator import SimulatedStation

__all__ = ["CLIENTS", "main"]

VENDOR: Final = "org.chargespec.bench"
TARGET_RATIO: Final = 2.0  # ours >= 2 x the ocpp package at 50 stations (4 x is the goal)
_BOOT_TIMEOUT: Final = 120.0  # seconds for every station to be Accepted
_ANSWER_TIMEOUT: Final = 30.0  # seconds for one answer; longer is a failed run
_CHILD_SLACK: Final = 300.0  # seconds a client process may take beyond its timed window

# --- the clients (each in its own process) --------------------------------------------------


@dataclass(frozen=True, slots=True)
class Window:
    """How long a client runs, and whose CPU time it also reads over the timed part."""

    warmup: float
    seconds: float
    server_pid: int | None = None


def _cpu_of(pid: int | None) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux ``/proc``), 0 without."""
    if pid is None:
        return 0.0
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    except OSError:
        return 0.0
    # utime and stime are fields 14 and 15 of proc(5), counted from the state (field 3).
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _runqueue_wait() -> float:
    """Seconds this process has waited for a CPU while runnable (Linux schedstat), else 0."""
    try:
        return int(Path("/proc/self/schedstat").read_text().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return 0.0


class _Counter:
    """Round trips done by all stations, and the window being timed."""

    def __init__(self) -> None:
        self.done = 0
        self.stop = asyncio.Event()


async def _loop(one: Callable[[], Awaitable[None]], counter: _Counter) -> None:
    """One station: round trips back to back until stopped."""
    while not counter.stop.is_set():
        await asyncio.wait_for(one(), _ANSWER_TIMEOUT)
        counter.done += 1


async def _timed(loops: list[Callable[[], Awaitable[None]]], window: Window) -> dict[str, float]:
    """Run every station's loop; count round trips, client and server CPU over the window."""
    counter = _Counter()
    tasks = [asyncio.ensure_future(_loop(one, counter)) for one in loops]
    try:
        await asyncio.sleep(window.warmup)
        done, wall = counter.done, time.perf_counter()
        cpu, server = time.process_time(), _cpu_of(window.server_pid)
        waited = _runqueue_wait()
        await asyncio.sleep(window.seconds)
        waited = _runqueue_wait() - waited
        done = counter.done - done
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        server = _cpu_of(window.server_pid) - server
    finally:
        counter.stop.set()
        await asyncio.wait(tasks, timeout=_ANSWER_TIMEOUT)
    for task in tasks:
        if task.done() and task.exception() is not None:
            raise RuntimeError("a station's round trip failed") from task.exception()
    return {
        "round_trips": done,
        "wall_s": wall,
        "cpu_s": cpu,
        "server_cpu_s": server,
        "runqueue_wait_s": waited,
    }


class _Answered:
    """Resolves a future when the station's DataTransfer machine takes the answer."""

    def __init__(self) -> None:
        self.future: asyncio.Future[str] | None = None

    def __call__(self, machine: str, key: str) -> None:
        # The transition key ends in the event: result., error. or timeout.DataTransfer.
        event = key.rsplit(":", 1)[-1]
        future = self.future
        if future is None or future.done() or machine != "DataTransfer":
            return
        if event.endswith(".DataTransfer"):
            future.set_result(event)


async def _ours_once(sim: SimulatedStation, answered: _Answered) -> None:
    """One DataTransfer through the station's tester action, until its machine has the answer."""
    answered.future = asyncio.get_running_loop().create_future()
    sim.station.tester("data_transfer", vendorId=VENDOR, messageId="Echo", data="x")
    await sim.flush()
    event = await answered.future
    if event != "result.DataTransfer":
        raise RuntimeError(f"DataTransfer ended in {event}")


async def _ours(url: str, stations: int, window: Window) -> dict[str, float]:
    """``stations`` simulated stations, booted, then timed (see the module docstring)."""
    from generated.ocpp16.registry import SPEC
    from runtime.sim.simulator import SimulatedStation
    from runtime.spec.applicability import full_pics

    pics = full_pics(SPEC)
    sims: list[SimulatedStation] = []
    loops: list[Callable[[], Awaitable[None]]] = []
    for n in range(stations):
        answered = _Answered()
        sim = SimulatedStation(SPEC, url, f"CP{n:05d}", 2, pics=pics, on_transition=answered)
        sims.append(sim)
        loops.append(functools.partial(_ours_once, sim, answered))
    stop = asyncio.Event()
    running = [asyncio.ensure_future(sim.run(stop)) for sim in sims]
    try:
        deadline = time.monotonic() + _BOOT_TIMEOUT
        while any(sim.station.state("Registration") != "Accepted" for sim in sims):
            if time.monotonic() > deadline:
                raise RuntimeError("not every station was Accepted in time")
            await asyncio.sleep(0.05)
        return await _timed(loops, window)
    finally:
        stop.set()
        await asyncio.wait(running, timeout=_ANSWER_TIMEOUT)


async def _fleet_once(driver: Any, answered: _Answered) -> None:
    """One DataTransfer through a fleet station's tester action, written by its driver."""
    answered.future = asyncio.get_running_loop().create_future()
    driver.station.tester("data_transfer", vendorId=VENDOR, messageId="Echo", data="x")
    await driver.flush()
    event = await answered.future
    if event != "result.DataTransfer":
        raise RuntimeError(f"DataTransfer ended in {event}")


async def _fleet(url: str, stations: int, window: Window) -> dict[str, float]:
    """``stations`` stations of ``chargespec fleet`` (its lean per-station driver, no
    transaction generator), booted, then timed like :func:`_ours`."""
    import random

    from generated.ocpp16.registry import SPEC
    from runtime.fleet.driver import FleetShared, Link, StationDriver
    from runtime.fleet.stats import FleetStats
    from runtime.fleet.template import IdTagPicker, StationTemplate, TransactionPlan
    from runtime.spec.applicability import full_pics

    plan = TransactionPlan(enabled=False)
    shared = FleetShared(
        SPEC,
        (StationTemplate(pics=full_pics(SPEC)),),
        plan,
        IdTagPicker(plan, 2, random.Random(1)),
        FleetStats(),
        Link(url),
        asyncio.Semaphore(100),
    )
    drivers = [StationDriver(shared, n, random.Random(n)) for n in range(stations)]
    running = [asyncio.ensure_future(driver.run()) for driver in drivers]
    loops: list[Callable[[], Awaitable[None]]] = []
    try:
        deadline = time.monotonic() + _BOOT_TIMEOUT
        while any(
            d.station is None or d.station.state("Registration") != "Accepted" for d in drivers
        ):
            if time.monotonic() > deadline:
                raise RuntimeError("not every station was Accepted in time")
            await asyncio.sleep(0.05)
        for driver in drivers:
            answered = _Answered()
            # The benchmark listens to the DataTransfer machine's transitions only.
            assert driver.station is not None
            driver.station.machines[("DataTransfer", 0)].on_transition = answered
            loops.append(functools.partial(_fleet_once, driver, answered))
        return await _timed(loops, window)
    finally:
        for driver in drivers:
            driver.stop()
        await asyncio.wait(running, timeout=_ANSWER_TIMEOUT)


async def _connect(url: str) -> Any:
    from websockets.asyncio.client import connect
    from websockets.typing import Subprotocol

    return await connect(url, subprotocols=[Subprotocol(OCPP16)], proxy=None, ping_interval=None)


async def _ocpp_once(point: Any, request: Any) -> None:
    """One DataTransfer through ``ChargePoint.call``."""
    answer = await point.call(request(vendor_id=VENDOR, message_id="Echo", data="x"))
    if answer.status != "Accepted":
        raise RuntimeError(f"DataTransfer answered {answer.status}")


async def _ocpp(url: str, stations: int, window: Window) -> dict[str, float]:
    """``stations`` of the ``ocpp`` package's ChargePoints, each on its own socket, timed."""
    from ocpp.v16 import ChargePoint, call  # type: ignore[import-untyped]

    sockets, readers = [], []
    loops: list[Callable[[], Awaitable[None]]] = []
    for n in range(stations):
        ws = await _connect(f"{url}/CP{n:05d}")
        point = ChargePoint(f"CP{n:05d}", ws)
        sockets.append(ws)
        readers.append(asyncio.ensure_future(point.start()))
        loops.append(functools.partial(_ocpp_once, point, call.DataTransfer))
    try:
        return await _timed(loops, window)
    finally:
        for ws in sockets:
            await ws.close()
        for reader in readers:
            reader.cancel()
        await asyncio.wait(readers, timeout=_ANSWER_TIMEOUT)


async def _echo_once(ws: Any, ids: Iterator[int]) -> None:
    """One CALL text out and back."""
    text = f'[2,"{next(ids)}","DataTransfer",{{"vendorId":"{VENDOR}","data":"x"}}]'
    await ws.send(text)
    if await ws.recv() != text:
        raise RuntimeError("the echo differs")


async def _echo(url: str, stations: int, window: Window) -> dict[str, float]:
    """``stations`` raw websockets clients on the echo path, timed."""
    base = url.rsplit("/", 1)[0]
    sockets = []
    loops: list[Callable[[], Awaitable[None]]] = []
    for n in range(stations):
        ws = await _connect(f"{base}/echo/CP{n:05d}")
        sockets.append(ws)
        loops.append(functools.partial(_echo_once, ws, itertools.count()))
    try:
        return await _timed(loops, window)
    finally:
        for ws in sockets:
            await ws.close()


CLIENTS: Final = {"fleet": _fleet, "ours": _ours, "ocpp": _ocpp, "echo": _echo}


# --- running it -----------------------------------------------------------------------------


@contextlib.contextmanager
def central_system() -> Iterator[tuple[int, int]]:
    """Start the Central System process; yield its port and process id; stop it."""
    command = [sys.executable, str(Path(__file__).resolve().with_name("roundtrip_csms.py"))]
    server = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        line = server.stdout.readline()
        if not line.strip().isdigit():
            raise RuntimeError("the Central System process did not start")
        yield int(line), server.pid
    finally:
        server.send_signal(signal.SIGTERM)
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def _client(side: str, port: int, stations: int, window: Window) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--client", side]
    command += ["--port", str(port), "--stations", str(stations)]
    command += ["--warmup", str(window.warmup), "--seconds", str(window.seconds)]
    command += ["--server-pid", str(window.server_pid)]
    timeout = _BOOT_TIMEOUT + window.warmup + window.seconds + _CHILD_SLACK
    done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"round-trip client {side} x {stations} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    result["rate"] = result["round_trips"] / result["wall_s"]
    result["cpu_us"] = 1e6 * result["cpu_s"] / max(1, result["round_trips"])
    result["server_cpu_us"] = 1e6 * result["server_cpu_s"] / max(1, result["round_trips"])
    return result


SIDES: Final = ("echo", "ocpp", "ours", "fleet")


def _runs(port: int, count: int, window: Window, repeat: int) -> dict[str, list[dict[str, Any]]]:
    """Every side ``repeat`` times, the order turning each time so none is always first."""
    runs: dict[str, list[dict[str, Any]]] = {side: [] for side in SIDES}
    for turn in range(repeat):
        for side in SIDES[turn % 3 :] + SIDES[: turn % 3]:
            runs[side].append(_client(side, port, count, window))
    return runs


def _median(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """The run with the median rate, and every run's rate and CPU per round trip."""
    middle = sorted(runs, key=lambda run: run["rate"])[len(runs) // 2]
    return {
        **middle,
        "rates": [run["rate"] for run in runs],
        "cpus_us": [run["cpu_us"] for run in runs],
        "server_cpus_us": [run["server_cpu_us"] for run in runs],
    }


_BUSY: Final = 0.1  # a client that waited for a CPU this share of its window ran on a busy machine


def _busy_note(sides: dict[str, dict[str, Any]]) -> str:
    """A warning when a client waited for a CPU a good part of its window (other load)."""
    waits = {side: run.get("runqueue_wait_s", 0.0) / run["wall_s"] for side, run in sides.items()}
    if max(waits.values()) < _BUSY:
        return ""
    shares = ", ".join(f"{side} {share:.0%}" for side, share in waits.items())
    return (
        f"busy machine: the clients waited for a CPU ({shares} of the window), so the rates "
        "say more about CPU shares than speed; compare the CPU per round trip"
    )


def rows(results: dict[str, dict[str, dict[str, Any]]], ocpp_name: str) -> list[Row]:
    """Rows for every station count: rate vs. ocpp, vs. echo, and CPU per round trip."""
    table = []
    server_note = (
        "the Central System process's CPU time over the client's timed window, per round trip "
        "(the same server for all clients: a higher value means more frames per round trip)"
    )
    for count, sides in results.items():
        # "ours" in the table is a fleet station (what runs many stations in one process);
        # the simulator's adapter (one `chargespec sim` per station) is shown beside it.
        ours, peer, echo, sim = sides["fleet"], sides["ocpp"], sides["echo"], sides["ours"]
        big = int(count) >= 50
        table += [
            Row(
                f"round trips/s, {count} station(s)",
                "1/s",
                ours["rate"],
                peer["rate"],
                ocpp_name,
                ">=" if big else None,
                TARGET_RATIO if big else None,
                on="ratio",
                note=_busy_note(sides),
            ),
            Row(f"round trips/s, {count} station(s)", "1/s", ours["rate"], echo["rate"], "echo"),
            Row(
                f"round trips/s, {count} station(s), sim adapter",
                "1/s",
                sim["rate"],
                peer["rate"],
                ocpp_name,
                note="chargespec sim's WebSocket adapter (ChargePointConnection, call log on)",
            ),
            Row(f"CPU per round trip, {count}", "us", ours["cpu_us"], peer["cpu_us"], ocpp_name),
            Row(f"CPU per round trip, {count}", "us", ours["cpu_us"], echo["cpu_us"], "echo"),
            Row(
                f"server CPU per round trip, {count}",
                "us",
                ours["server_cpu_us"],
                peer["server_cpu_us"],
                ocpp_name,
                note=server_note,
            ),
        ]
        server_note = ""
    return table


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Run every client at every station count against one Central System process."""
    parser = argparse.ArgumentParser(description="DataTransfer round trips/s, side by side.")
    parser.add_argument("--stations", default="1,50", help="station counts, comma-separated")
    parser.add_argument("--seconds", type=float, default=3.0, help="timed window per run")
    parser.add_argument("--warmup", type=float, default=1.0, help="untimed start of each run")
    parser.add_argument("--repeat", type=int, default=1, help="runs per side (median)")
    parser.add_argument("--check", action="store_true", help="exit 1 below a target")
    parser.add_argument("--client", choices=sorted(CLIENTS), help=argparse.SUPPRESS)
    parser.add_argument("--port", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--server-pid", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    counts = [int(c) for c in args.stations.split(",") if c.strip()]
    if args.client:
        url = f"ws://127.0.0.1:{args.port}/ocpp"
        client = CLIENTS[args.client]
        window = Window(args.warmup, args.seconds, args.server_pid)
        result = asyncio.run(client(url, counts[0], window))
        print(json.dumps(result))
        return {}
    import importlib.metadata

    ocpp_name = f"ocpp {importlib.metadata.version('ocpp')}"
    results: dict[str, dict[str, dict[str, Any]]] = {}
    with central_system() as (port, pid):
        window = Window(args.warmup, args.seconds, pid)
        for count in counts:
            runs = _runs(port, count, window, max(1, args.repeat))
            results[str(count)] = {side: _median(side_runs) for side, side_runs in runs.items()}
    return {
        "rows": [row.as_dict() for row in rows(results, ocpp_name)],
        "raw": results,
        "cores": os.cpu_count(),
    }


if __name__ == "__main__":
    sys.exit(exit_status(main(), check="--check" in sys.argv))
