"""How long the edit loop's commands take: ``chargespec validate``, a cold and a warm build.

The commands run as a user runs them (the ``chargespec`` script next to this Python, a new
process each time, imports included) on a COPY of the repository's files in a temporary
directory, so the benchmark never writes into the working tree:

* ``validate``: load and check the specs only;
* cold ``build``: the first build in the fresh copy, with ``--no-cache`` when the command
  has that option (the build cache, docs/build-cache.md), so every stage runs;
* warm ``build``: the same build again with nothing changed (after one build that fills the
  cache), the case of a developer re-running ``make build``;
* ``check``: the drift check ``make test`` runs, once, after the builds (no target).

The copy holds the files git tracks plus untracked ones that are not ignored, as they are in
the working tree (edits included). Each command runs ``--repeat`` times; the table gives the
fastest run (the least disturbed by other work on the machine) and the JSON keeps them all.

    .venv/bin/python benchmarks/bench_build.py --repeat 3 --check
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Final

from bench_table import Row, exit_status

__all__ = ["copy_tree", "main"]

ROOT: Final = Path(__file__).resolve().parents[1]
TARGETS: Final = {"build (warm)": 2.0, "build (cold)": 10.0, "validate": 1.0}
"""Seconds, issue 17: a build where nothing changed, a build without cache, validate."""
_COMMAND_TIMEOUT: Final = 600.0  # seconds for one command; today's cold build is ~30 s


def copy_tree(source: Path, target: Path) -> int:
    """Copy the files of the git tree at ``source`` (tracked, or untracked and not ignored)."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=source,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    copied = 0
    for name in filter(None, listed):
        path = source / name.decode()
        if path.is_file():  # a tracked file deleted in the working tree is not copied
            (target / name.decode()).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, target / name.decode())
            copied += 1
    return copied


def _chargespec() -> list[str]:
    script = Path(sys.executable).parent / "chargespec"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "from compiler.cli import main; main()"]


def _has_option(command: str, option: str, cwd: Path) -> bool:
    shown = subprocess.run(
        [*_chargespec(), command, "--help"], cwd=cwd, capture_output=True, text=True, check=False
    )
    return option in shown.stdout


def _timed(args: list[str], cwd: Path) -> float:
    """Seconds one ``chargespec`` command takes; raises if it fails."""
    started = time.perf_counter()
    done = subprocess.run(
        [*_chargespec(), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=_COMMAND_TIMEOUT,
        check=False,
    )
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise RuntimeError(f"chargespec {' '.join(args)} failed:\n{done.stdout}{done.stderr}")
    return seconds


def measure(copy: Path, repeat: int) -> dict[str, Any]:
    """Time validate, cold build and warm build in ``copy``; every run's seconds by name."""
    no_cache = _has_option("build", "--no-cache", copy)
    cold_args = ["build", "--no-cache"] if no_cache else ["build"]
    times: dict[str, list[float]] = {name: [] for name in TARGETS}
    times["validate"].append(_timed(["validate"], copy))
    times["build (cold)"].append(_timed(cold_args, copy))
    if no_cache:
        _timed(["build"], copy)  # fills the cache a --no-cache build may leave alone
    for _ in range(repeat):
        times["build (warm)"].append(_timed(["build"], copy))
    times["check"] = [_timed(["check"], copy)]
    for _ in range(repeat - 1):
        times["validate"].append(_timed(["validate"], copy))
        if no_cache:  # without a cache option every later build is a warm one
            times["build (cold)"].append(_timed(cold_args, copy))
    return {"seconds": times, "cold_command": " ".join(cold_args)}


def rows(result: dict[str, Any]) -> list[Row]:
    """One row per command: its fastest run against its target."""
    seconds: dict[str, list[float]] = result["seconds"]
    table = []
    for name, target in TARGETS.items():
        note = ""
        if name == "build (cold)":
            note = f"cold = `chargespec {result['cold_command']}` in a fresh copy of the tree"
        table.append(Row(name, "s", min(seconds[name]), bound="<=", target=target, note=note))
    table.append(
        Row(
            "check (drift)",
            "s",
            min(seconds["check"]),
            note="`chargespec check` after the builds, as `make test` runs it; information",
        )
    )
    return table


def main(argv: list[str] | None = None) -> dict[str, Any]:
    """Copy the tree, time the commands there, remove the copy; rows and raw times."""
    parser = argparse.ArgumentParser(description="chargespec validate / build times.")
    parser.add_argument("--repeat", type=int, default=1, help="runs of each command")
    parser.add_argument("--check", action="store_true", help="exit 1 above a target")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="chargespec-bench-") as temp:
        copy = Path(temp)
        files = copy_tree(ROOT, copy)
        result = measure(copy, max(1, args.repeat))
    result["files_copied"] = files
    return {"rows": [row.as_dict() for row in rows(result)], "raw": result}


if __name__ == "__main__":
    sys.exit(exit_status(main(), check="--check" in sys.argv))
