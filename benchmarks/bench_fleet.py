"""Fleet benchmark: boot N stations x 2 connectors in one process and hold them at steady state.

For each size (``--stations 1000,10000``) two fresh processes run: the Central System
(:mod:`benchmarks.fleet_csms`, raw websockets, BootNotification Accepted with a short
heartbeat interval) and the fleet (``chargespec fleet``'s :class:`~runtime.fleet.fleet.Fleet`,
no transactions). The fleet process measures:

* the time from its start until every station is Accepted;
* its resident memory (VmRSS) at steady state, in total and per station beyond the process
  with the spec set loaded;
* heartbeats on time: the fraction sent within the interval + 10 % of the one before;
* event-loop lag at steady state (a 10 ms ticker): p50 and p99.

It prints one table with the targets of issue 17; ``--check`` exits 1 when one is missed.
``main(argv)`` returns the results as a dict (for ``benchmarks/bench_all.py``).

    .venv/bin/python benchmarks/bench_fleet.py --stations 1000,10000 --check
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]

#: Targets for 10,000 stations x 2 connectors (issue 17); smaller fleets must meet them too.
TARGETS = {
    "boot_s": 60.0,  # all Accepted within
    "rss_mb": 1024.0,  # fleet process RSS at steady state, at most
    "heartbeats_on_time": 0.99,  # at least
    "lag_p99_ms": 100.0,  # at most
}
_BOOT_LIMIT_S = 180.0  # give up waiting for all Accepted after this


def _cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _rss_kb() -> int:
    with open("/proc/self/status", encoding="ascii") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


async def _child(stations: int, url: str, steady: float, ramp: float) -> dict[str, Any]:
    """The fleet process: boot, hold ``steady`` seconds, stop; measure."""
    from generated.ocpp16.registry import SPEC
    from runtime.fleet.driver import Link
    from runtime.fleet.fleet import Fleet, FleetOptions
    from runtime.fleet.template import StationTemplate, TransactionPlan

    base_kb = _rss_kb()
    options = FleetOptions(stations=stations, ramp=ramp, connect_concurrency=200, seed=1)
    fleet = Fleet(SPEC, StationTemplate(), TransactionPlan(enabled=False), Link(url), options)
    stop = asyncio.Event()
    run = asyncio.create_task(fleet.run(stop))
    stats = fleet.stats
    began = time.monotonic()
    while stats.all_accepted_after is None and time.monotonic() - began < _BOOT_LIMIT_S:
        await asyncio.sleep(0.2)
    boot = stats.all_accepted_after
    boot_cpu = _cpu_s()
    first_heartbeats = (stats.heartbeats, stats.heartbeats_on_time)
    await asyncio.sleep(steady)
    steady_cpu = (_cpu_s() - boot_cpu) / steady
    rss_kb = _rss_kb()
    sent = stats.heartbeats - first_heartbeats[0]
    on_time = stats.heartbeats_on_time - first_heartbeats[1]
    lag = stats.loop_lag
    heartbeat = stats.responses.get("Heartbeat")
    stop.set()
    result = await run
    return {
        "stations": stations,
        "accepted": stats.ever_accepted,
        "boot_s": boot,
        "rss_mb": round(rss_kb / 1024, 1),
        "kb_per_station": round((rss_kb - base_kb) / stations, 1),
        "heartbeats": sent,
        "heartbeats_on_time": round(on_time / sent, 4) if sent else 0.0,
        "lag_p50_ms": round(1000 * lag.percentile(50), 1),
        "lag_p99_ms": round(1000 * lag.percentile(99), 1),
        "heartbeat_rt_p99_ms": round(1000 * heartbeat.percentile(99), 1) if heartbeat else None,
        "boot_cpu_s": round(boot_cpu, 1),
        "steady_cpu_share": round(steady_cpu, 3),
        "connect_failures": stats.connect_failures,
        "problems": list(result.problems),
    }


def _start_csms(heartbeat: int) -> tuple[subprocess.Popen[str], str]:
    csms = subprocess.Popen(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "fleet_csms.py"),
            "--port",
            "0",
            "--heartbeat-interval",
            str(heartbeat),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    assert csms.stdout is not None
    ready = csms.stdout.readline().split()
    if not ready or ready[0] != "READY":
        csms.kill()
        raise RuntimeError("the Central System did not start")
    return csms, ready[1]


def measure(stations: int, heartbeat: int, steady: float, ramp: float) -> dict[str, Any]:
    """One size: a fresh Central System process and a fresh fleet process."""
    csms, url = _start_csms(heartbeat)
    try:
        child = subprocess.run(
            [
                sys.executable,
                __file__,
                "--child",
                str(stations),
                "--url",
                url,
                "--steady",
                str(steady),
                "--ramp",
                str(ramp),
            ],
            capture_output=True,
            text=True,
            timeout=_BOOT_LIMIT_S + steady + 120,
            check=False,
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
    finally:
        csms.terminate()
        csms.wait(30)
    if child.returncode != 0:
        raise RuntimeError(f"fleet of {stations} failed:\n{child.stderr[-2000:]}")
    result: dict[str, Any] = json.loads(child.stdout.strip().splitlines()[-1])
    return result


def misses(result: dict[str, Any]) -> list[str]:
    """The targets one size missed, one line each."""
    found = []
    if result["boot_s"] is None or result["boot_s"] > TARGETS["boot_s"]:
        found.append(f"boot {result['boot_s']} s > {TARGETS['boot_s']} s")
    if result["rss_mb"] > TARGETS["rss_mb"]:
        found.append(f"RSS {result['rss_mb']} MB > {TARGETS['rss_mb']} MB")
    if result["heartbeats_on_time"] < TARGETS["heartbeats_on_time"]:
        found.append(f"heartbeats on time {result['heartbeats_on_time']:.1%}")
    if result["lag_p99_ms"] > TARGETS["lag_p99_ms"]:
        found.append(f"loop lag p99 {result['lag_p99_ms']} ms > {TARGETS['lag_p99_ms']} ms")
    return [f"{result['stations']} stations: {line}" for line in found]


def table(results: Sequence[dict[str, Any]]) -> str:
    """The results and the targets, one row per fleet size."""
    head = (
        f"{'stations':>9} {'boot s':>8} {'RSS MB':>8} {'KB/stn':>7} {'HB on time':>10}"
        f" {'lag p50':>8} {'lag p99':>8} {'boot CPU s':>10} {'steady CPU':>10} {'conn fail':>9}"
    )
    rows = [head, "-" * len(head)]
    for r in results:
        boot = f"{r['boot_s']:.1f}" if r["boot_s"] is not None else "never"
        rows.append(
            f"{r['stations']:>9} {boot:>8} {r['rss_mb']:>8.0f} {r['kb_per_station']:>7.1f}"
            f" {r['heartbeats_on_time']:>10.1%} {r['lag_p50_ms']:>6.1f}ms {r['lag_p99_ms']:>6.1f}ms"
            f" {r['boot_cpu_s']:>10.1f} {r['steady_cpu_share']:>10.1%} {r['connect_failures']:>9}"
        )
    rows.append(
        f"{'target':>9} {'<=60':>8} {'<=1024':>8} {'':>7} {'>=99%':>10} {'':>8} {'<=100ms':>8}"
    )
    return "\n".join(rows)


def main(argv: Sequence[str] | None = None) -> dict[str, Any]:
    """Run the benchmark; returns ``{"results": [...], "misses": [...]}``.

    With ``--check`` a missed target makes the process exit 1 (when run as a script).
    """
    parser = argparse.ArgumentParser(description="Fleet boot, memory, heartbeats, loop lag.")
    parser.add_argument("--stations", default="1000,10000", help="Fleet sizes, comma-separated.")
    parser.add_argument("--heartbeat-interval", type=int, default=10)
    parser.add_argument("--steady", type=float, default=25.0, help="Seconds at steady state.")
    parser.add_argument(
        "--ramp", type=float, default=1000.0, help="Stations started per second (0: at once)."
    )
    parser.add_argument("--check", action="store_true", help="Exit 1 when a target is missed.")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        print(json.dumps(asyncio.run(_child(args.child, args.url, args.steady, args.ramp))))
        return {}
    # Every station must send a heartbeat or two while the steady state is watched.
    steady = max(args.steady, 1.5 * args.heartbeat_interval)
    if steady != args.steady:
        print(f"steady state {steady:g} s: 1.5 heartbeat intervals at least")
    results = [
        measure(int(n), args.heartbeat_interval, steady, args.ramp)
        for n in args.stations.split(",")
    ]
    print(table(results))
    missed = [line for r in results for line in misses(r)]
    for line in missed:
        print(f"MISSED {line}")
    return {"results": results, "misses": missed, "check": args.check}


if __name__ == "__main__":
    outcome = main()
    sys.exit(1 if outcome.get("check") and outcome.get("misses") else 0)
