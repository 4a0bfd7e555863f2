"""``make bench``: every side-by-side benchmark in one run, one table, one JSON file.

In order (each in fresh processes of its own, so one does not weigh on the next):

1. ``station``: construction time and bytes per 2-connector station vs. ``ocpp``'s ChargePoint
   (``benchmarks/bench_station.py``);
2. ``roundtrip``: DataTransfer round trips/s and CPU per round trip at 1 and 50 stations, ours
   vs. the ``ocpp`` package vs. raw websockets echo (``benchmarks/bench_roundtrip.py``);
3. ``frames``: frames/s through the sans-IO core vs. ``ocpp``'s unpack and validation, on the
   realistic mix of ``benchmarks/bench_frames.py``;
4. ``build``: ``chargespec validate``, cold and warm ``build`` on a copy of the tree
   (``benchmarks/bench_build.py``);
5. ``fleet``: boot time, RSS per station, heartbeats and event-loop lag of 1,000 and 10,000
   stations in one process (``benchmarks/bench_fleet.py``, when it is there).

Ratios are ``ours / peer`` (bench_table.py). ``--check`` exits 1 when any target is missed or
a benchmark could not run; the results are also written as JSON (``--json``, by default
``bench-results.json`` at the top of the repository, which git ignores).

    .venv/bin/python benchmarks/bench_all.py                  # everything (~10 min)
    .venv/bin/python benchmarks/bench_all.py --quick --skip fleet,build
    .venv/bin/python benchmarks/bench_all.py --check          # exit 1 below a target
"""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys
import time
import traceback
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import bench_build
import bench_roundtrip
import bench_station
from bench_table import Row, format_table, machine, rows_from

__all__ = ["BENCHMARKS", "main"]

ROOT: Final = Path(__file__).resolve().parents[1]
FRAMES_TARGET: Final = 5.0  # bench_frames.py's own target for the mix
_FRAMES_TIMEOUT: Final = 900.0


def _frames_child(count: int, repeat: int) -> dict[str, float]:
    """The mix of bench_frames.py, measured in this process: median frames/s of both sides."""
    import bench_frames

    from generated.ocpp16.registry import SPEC

    frames = bench_frames.build_frames(count)
    ours = bench_frames.Ours(SPEC.validator())
    result = bench_frames.measure("mix", ours, frames, repeat)[0]
    return {"ours": result.ours, "ocpp": result.theirs, "frames": count, "repeat": repeat}


def _frames(quick: bool) -> dict[str, Any]:
    count, repeat = (500, 3) if quick else (1000, 7)
    command = [sys.executable, str(Path(__file__).resolve()), "--frames-child"]
    command += ["--frames", str(count), "--repeat", str(repeat)]
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=_FRAMES_TIMEOUT, check=False
    )
    if done.returncode != 0:
        raise RuntimeError(f"frame benchmark failed:\n{done.stderr}")
    raw = json.loads(done.stdout.strip().splitlines()[-1])
    import importlib.metadata

    row = Row(
        "frames/s through the core (mix)",
        "1/s",
        raw["ours"],
        raw["ocpp"],
        f"ocpp {importlib.metadata.version('ocpp')}",
        ">=",
        FRAMES_TARGET,
        on="ratio",
        note="decode, validate, answer (ours) vs. unpack and validate (ocpp), "
        "benchmarks/bench_frames.py's mix",
    )
    return {"rows": [row.as_dict()], "raw": raw}


def _station(quick: bool) -> dict[str, Any]:
    return bench_station.main(["--count", "50", "--traced", "20"] if quick else [])


def _roundtrip(quick: bool) -> dict[str, Any]:
    return bench_roundtrip.main(
        ["--seconds", "1", "--warmup", "0.5"] if quick else ["--repeat", "3"]
    )


def _build(quick: bool) -> dict[str, Any]:
    return bench_build.main([] if quick else ["--repeat", "2"])


def _fleet_size_rows(size: dict[str, Any]) -> list[Row]:
    """One fleet size of bench_fleet.py's results as rows, with issue 17's targets."""
    n = f"{int(size['stations']):,}"
    boot = size.get("boot_s")
    return [
        Row(
            f"fleet {n}: all Accepted after",
            "s",
            boot,
            bound="<=",
            target=60.0,
            note=f"{size.get('accepted')} of {n} ever Accepted" if boot is None else "",
        ),
        Row(f"fleet {n}: RSS", "MB", size.get("rss_mb"), bound="<=", target=1024.0),
        Row(f"fleet {n}: RSS per station", "KB", size.get("kb_per_station")),
        Row(
            f"fleet {n}: heartbeats on time",
            "%",
            100 * size["heartbeats_on_time"] if "heartbeats_on_time" in size else None,
            bound=">=",
            target=99.0,
        ),
        Row(f"fleet {n}: loop lag p50", "ms", size.get("lag_p50_ms")),
        Row(f"fleet {n}: loop lag p99", "ms", size.get("lag_p99_ms"), bound="<=", target=100.0),
        Row(f"fleet {n}: Heartbeat answer p99", "ms", size.get("heartbeat_rt_p99_ms")),
        Row(f"fleet {n}: CPU to boot", "s", size.get("boot_cpu_s")),
        Row(f"fleet {n}: CPU share at steady state", "cores", size.get("steady_cpu_share")),
    ]


def _fleet_rows(result: dict[str, Any]) -> list[dict[str, Any]]:
    """The fleet benchmark's rows: its own when it gives them, else one set per fleet size,
    else each number as an information row."""
    if isinstance(result.get("rows"), list):
        return [row.as_dict() for row in rows_from(result["rows"])]
    if isinstance(result.get("results"), list):
        sizes = result["results"]
        return [row.as_dict() for size in sizes for row in _fleet_size_rows(size)]
    flat: list[dict[str, Any]] = []

    def walk(prefix: str, value: Any) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                walk(f"{prefix}.{key}" if prefix else str(key), inner)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            flat.append(Row(f"fleet {prefix}", "", float(value)).as_dict())

    walk("", result)
    return flat


def _fleet(quick: bool, stations: str) -> dict[str, Any]:
    # bench_fleet.py may import its Central System as benchmarks.fleet_csms.
    if str(ROOT) not in sys.path:
        sys.path.insert(0, str(ROOT))
    try:
        fleet = importlib.import_module("benchmarks.bench_fleet")
    except ModuleNotFoundError as error:
        if error.name not in ("benchmarks", "benchmarks.bench_fleet"):
            raise
        row = Row("fleet", "", None, note="skipped: benchmarks/bench_fleet.py is not there yet")
        return {"rows": [row.as_dict()], "skipped": True}
    # One size at a time: a size that cannot boot does not take the others' rows with it.
    rows: list[dict[str, Any]] = []
    raw: dict[str, Any] = {}
    for size in ["1000"] if quick else stations.split(","):
        try:
            raw[size] = fleet.main(["--stations", size.strip()])
        except Exception as error:  # reported as a broken row, fails --check
            traceback.print_exc()
            reason = (str(error).strip().splitlines() or [type(error).__name__])[0]
            rows.append(Row(f"fleet {size}", "", None, error=f"fleet {size}: {reason}").as_dict())
            continue
        rows += _fleet_rows(raw[size])
    return {"rows": rows, "raw": raw}


BENCHMARKS: Final[dict[str, Callable[[argparse.Namespace], dict[str, Any]]]] = {
    "station": lambda args: _station(args.quick),
    "roundtrip": lambda args: _roundtrip(args.quick),
    "frames": lambda args: _frames(args.quick),
    "build": lambda args: _build(args.quick),
    "fleet": lambda args: _fleet(args.quick, args.fleet_stations),
}


def _run_one(name: str, args: argparse.Namespace) -> dict[str, Any]:
    """Run one benchmark; a crash becomes a failed row, so the others still run."""
    print(f"bench: {name} ...", file=sys.stderr, flush=True)
    started = time.perf_counter()
    try:
        result = BENCHMARKS[name](args)
    except Exception as error:  # reported in the table and the JSON, fails --check
        traceback.print_exc()
        last = str(error).strip().splitlines()
        reason = last[0] if last else type(error).__name__
        row = Row(name, "", None, error=f"{name} failed: {reason}")
        result = {"rows": [row.as_dict()], "error": traceback.format_exc()}
    result["seconds"] = time.perf_counter() - started
    print(f"bench: {name} took {result['seconds']:.0f} s", file=sys.stderr, flush=True)
    return result


def _names(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = sorted(set(names) - set(BENCHMARKS))
    if unknown:
        raise SystemExit(
            f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}"
        )
    return names


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks, print the table, write the JSON; the exit status for ``--check``."""
    parser = argparse.ArgumentParser(description="All side-by-side benchmarks, one table.")
    parser.add_argument("--check", action="store_true", help="exit 1 if a target is missed")
    parser.add_argument("--quick", action="store_true", help="smaller runs, a rough table")
    parser.add_argument("--only", default=",".join(BENCHMARKS), help="benchmarks to run")
    parser.add_argument("--skip", default="", help="benchmarks not to run")
    parser.add_argument("--fleet-stations", default="1000,10000", help="fleet sizes")
    parser.add_argument("--json", type=Path, default=ROOT / "bench-results.json")
    parser.add_argument("--frames-child", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--frames", type=int, default=1000, help=argparse.SUPPRESS)
    parser.add_argument("--repeat", type=int, default=7, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.frames_child:
        print(json.dumps(_frames_child(args.frames, args.repeat)))
        return 0
    skip = set(_names(args.skip))
    names = [name for name in _names(args.only) if name not in skip]
    about = machine()
    print("\n".join(f"{key}: {value}" for key, value in about.items()), flush=True)
    started = datetime.now(UTC)
    results = {name: _run_one(name, args) for name in names}
    rows = [row for result in results.values() for row in rows_from(result["rows"])]
    print()
    print(format_table(rows))
    failed = [row.measure for row in rows if row.passed is False]
    summary = {
        "started": started.isoformat(timespec="seconds"),
        "machine": about,
        "argv": sys.argv[1:] if argv is None else argv,
        "rows": [row.as_dict() for row in rows],
        "failed": failed,
        "benchmarks": results,
    }
    args.json.write_text(json.dumps(summary, indent=2) + "\n")
    verdict = f"{len(failed)} target(s) missed" if failed else "every target met"
    print(f"\n{verdict}; results in {args.json}")
    return 1 if args.check and failed else 0


if __name__ == "__main__":
    sys.exit(main())
