"""What one simulated charge point costs to build and to keep, beside the ``ocpp`` package's.

Ours is a 2-connector station as ``chargespec sim`` builds it without ``--db``: a
:class:`runtime.sim.simulator.SimulatedStation` (the :class:`runtime.station.station.Station`
with its default in-process store, non-volatile simulated meters, state recorder, scaled clock
and unconnected WebSocket client) over the full PICS (:func:`runtime.spec.applicability.full_pics`:
every optional feature the spec set implements). The peer is ``ocpp.v16.ChargePoint`` over a
dummy connection: the object a CSMS load test built on the ``ocpp`` package holds per station
(it keeps no per-connector state, so the connector count does not apply to it).

A bare :class:`Station` (no hardware, recorder or adapter) is measured too, as information.
Each side is measured in a fresh Python process (``--child``), so nothing of the other side
or of an earlier run is counted:

1. imports, then one instance is built first ("the base": what is shared by all instances, the
   compiled spec set and its caches, is created then and not counted per station);
2. ``--count`` more are built and kept, in :data:`BATCHES` runs: wall time per instance in the
   fastest run, and the growth of the process's resident set size per instance over all of
   them (RSS, which also sees memory allocated outside Python's allocator, e.g. SQLite's);
3. under :mod:`tracemalloc`, ``--traced`` more are built and kept: Python bytes retained per
   instance after a full garbage collection (the target's measure).

    .venv/bin/python benchmarks/bench_station.py --count 200 --traced 50 --check
"""

from __future__ import annotations

import argparse
import gc
import importlib.metadata
import json
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any, Final

from bench_table import Row, exit_status, rss_bytes

__all__ = ["main", "measure_side"]

CONNECTORS: Final = 2
TARGET_MS: Final = 1.0
TARGET_KB: Final = 50.0
BATCHES: Final = 5
"""The timed stations are built in this many runs; the fastest run's time per station counts
(the one least disturbed by other work on the machine), as timeit advises."""
_CHILD_TIMEOUT: Final = 900.0  # seconds; today's 41 ms x 250 stations is ~15 s


def _ours_factory() -> Callable[[int], object]:
    """Build one station as ``chargespec sim`` does, with the full PICS."""
    from generated.ocpp16.registry import SPEC
    from runtime.sim.simulator import SimulatedStation
    from runtime.spec.applicability import full_pics

    pics = full_pics(SPEC)

    def build(n: int) -> object:
        return SimulatedStation(SPEC, "ws://127.0.0.1:9/ocpp", f"CP{n:06d}", CONNECTORS, pics=pics)

    return build


def _bare_factory() -> Callable[[int], object]:
    """Build one bare :class:`Station`: no hardware, recorder or adapter, its memory in the
    default store (:class:`runtime.station.store_memory.MemoryStore`)."""
    from generated.ocpp16.registry import SPEC
    from runtime.spec.applicability import full_pics
    from runtime.station.station import Station, StationIdentity

    pics = full_pics(SPEC)

    def build(n: int) -> object:
        return Station(
            SPEC, StationIdentity(f"CP{n:06d}"), connectors=CONNECTORS, now=0.0, pics=pics
        )

    return build


class _DummyConnection:
    """What ``ocpp.ChargePoint`` needs of a WebSocket; never used while building."""

    async def send(self, message: str) -> None:
        """Drop the message."""

    async def recv(self) -> str:
        """Nothing ever arrives."""
        raise ConnectionError("dummy connection")


def _ocpp_factory() -> Callable[[int], object]:
    """Build one ``ocpp.v16.ChargePoint`` over a dummy connection."""
    from ocpp.v16 import ChargePoint  # type: ignore[import-untyped]

    def build(n: int) -> object:
        return ChargePoint(f"CP{n:06d}", _DummyConnection())

    return build


FACTORIES: Final[dict[str, Callable[[], Callable[[int], object]]]] = {
    "ours": _ours_factory,
    "bare": _bare_factory,
    "ocpp": _ocpp_factory,
}


def _batches(count: int) -> list[range]:
    """Stations 1..count in :data:`BATCHES` runs of about equal size."""
    size = max(1, -(-count // BATCHES))
    return [range(start, min(start + size, count + 1)) for start in range(1, count + 1, size)]


def measure_side(side: str, count: int, traced: int) -> dict[str, Any]:
    """Build ``side``'s instances in this process and return what they cost (see module doc)."""
    started = time.perf_counter()
    build = FACTORIES[side]()
    keep: list[object] = [build(0)]
    first_ms = (time.perf_counter() - started) * 1000
    gc.collect()
    rss_before = rss_bytes()
    batch_ms = []
    for batch in _batches(count):
        started = time.perf_counter()
        keep.extend(build(n) for n in batch)
        batch_ms.append((time.perf_counter() - started) * 1000 / len(batch))
    gc.collect()
    rss_per = (rss_bytes() - rss_before) / count
    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        keep.extend(build(n) for n in range(count + 1, count + traced + 1))
        gc.collect()
        traced_per = (tracemalloc.get_traced_memory()[0] - before) / traced
    finally:
        tracemalloc.stop()
    return {
        "first_with_imports_ms": first_ms,
        "per_station_ms": min(batch_ms),
        "batch_ms": batch_ms,
        "rss_per_station_bytes": rss_per,
        "traced_per_station_bytes": traced_per,
        "count": count,
        "traced": traced,
    }


def _run_child(side: str, count: int, traced: int) -> dict[str, Any]:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", side]
    command += ["--count", str(count), "--traced", str(traced)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=_CHILD_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench_station child {side} failed:\n{done.stderr}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def rows(
    ours: dict[str, Any], peer: dict[str, Any], peer_name: str, bare: dict[str, Any]
) -> list[Row]:
    """The table rows: ours as ``sim`` builds it (with targets), and a bare Station."""
    how = (
        f"{int(ours['count'])} built after a first one, in a fresh process per side, in "
        f"{BATCHES} runs (the fastest counts); bytes by tracemalloc over "
        f"{int(ours['traced'])} more, after gc"
    )
    table = [
        Row(
            "station construction",
            "ms",
            ours["per_station_ms"],
            peer["per_station_ms"],
            peer_name,
            "<=",
            TARGET_MS,
            note=how,
        ),
        Row(
            "station bytes retained (Python)",
            "KB",
            ours["traced_per_station_bytes"] / 1024,
            peer["traced_per_station_bytes"] / 1024,
            peer_name,
            "<=",
            TARGET_KB,
        ),
        Row(
            "station RSS growth",
            "KB",
            ours["rss_per_station_bytes"] / 1024,
            peer["rss_per_station_bytes"] / 1024,
            peer_name,
            note="RSS also counts memory tracemalloc does not see (C allocations, e.g. "
            "SQLite's for a station given an SQLite store) and allocator slack; information",
        ),
        Row(
            "first station incl. imports",
            "ms",
            ours["first_with_imports_ms"],
            peer["first_with_imports_ms"],
            peer_name,
        ),
    ]
    table += [
        Row(
            "bare station construction",
            "ms",
            bare["per_station_ms"],
            peer["per_station_ms"],
            peer_name,
            note="a bare Station: no simulated hardware, recorder or WebSocket client, its "
            "memory in the default MemoryStore; information",
        ),
        Row(
            "bare station bytes (Python)",
            "KB",
            bare["traced_per_station_bytes"] / 1024,
            peer["traced_per_station_bytes"] / 1024,
            peer_name,
        ),
        Row(
            "bare station RSS growth",
            "KB",
            bare["rss_per_station_bytes"] / 1024,
            peer["rss_per_station_bytes"] / 1024,
            peer_name,
        ),
    ]
    return table


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Measure every side in fresh processes; return ``{"rows": [...], "raw": {...}}``."""
    parser = argparse.ArgumentParser(description="Cost of one station vs. ocpp's ChargePoint.")
    parser.add_argument("--count", type=int, default=200, help="stations timed per side")
    parser.add_argument("--traced", type=int, default=50, help="stations under tracemalloc")
    parser.add_argument("--check", action="store_true", help="exit 1 below a target")
    parser.add_argument("--child", choices=sorted(FACTORIES), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    count, traced = max(1, args.count), max(1, args.traced)
    if args.child:
        print(json.dumps(measure_side(args.child, count, traced)))
        return {}
    peer_name = f"ocpp {importlib.metadata.version('ocpp')} ChargePoint"
    raw = {side: _run_child(side, count, traced) for side in ("ours", "bare", "ocpp")}
    table = rows(raw["ours"], raw["ocpp"], peer_name, raw["bare"])
    return {"rows": [row.as_dict() for row in table], "raw": raw}


if __name__ == "__main__":
    sys.exit(exit_status(main(), check="--check" in sys.argv))
