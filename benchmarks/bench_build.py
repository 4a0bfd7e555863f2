"""How long the edit loop's commands take: ``chargespec validate``, ``build`` and ``check``.

The commands run as a user runs them (the ``chargespec`` script next to this Python, a new
process each time, imports included) on a COPY of the repository's files in a temporary
directory, so the benchmark never writes into the working tree. The build cache
(docs/build-cache.md) lives in the working directory, so the fresh copy starts without one.
The steps (:data:`STEPS`), in order:

* ``validate --no-cache`` and ``build --no-cache`` (cold: every stage runs; target 10 s);
* ``build`` once to fill the cache, then ``build`` with nothing changed (warm; target 2 s)
  and ``validate`` with nothing changed;
* ``validate`` after an edit of one spec file (a comment appended: new bytes, the same
  specs), the developer's edit loop (target 1 s); then ``build`` after another such edit;
* ``check``, the drift check ``make test`` runs.

The copy holds the files git tracks plus untracked ones that are not ignored, as they are in
the working tree (edits included). The warm and edit steps run ``--repeat`` times (the cold
ones once); the table gives the fastest run (the least disturbed by other work on the
machine) and the JSON keeps them all.

    .venv/bin/python benchmarks/bench_build.py --repeat 3 --check
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from bench_table import Row, exit_status

__all__ = ["STEPS", "copy_tree", "main"]

ROOT: Final = Path(__file__).resolve().parents[1]
_COMMAND_TIMEOUT: Final = 600.0  # seconds for one command; a cold build is 10-50 s


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


EDITED: Final = "specs/ocpp16/machines/data_transfer.yaml"
"""The spec file an edit touches (a comment appended: new bytes, the same specs)."""


@dataclass(frozen=True, slots=True)
class Step:
    """One command of the edit loop as the table shows it."""

    name: str
    args: tuple[str, ...]
    target: float | None = None
    note: str = ""
    edit_first: bool = False


STEPS: Final = (
    Step("validate (no cache)", ("validate", "--no-cache")),
    Step(
        "build (cold)",
        ("build", "--no-cache"),
        10.0,
        "`chargespec build --no-cache` in a fresh copy of the tree: every stage runs",
    ),
    Step("build (fills the cache)", ("build",)),
    Step("build (warm)", ("build",), 2.0, "nothing changed since the last build"),
    Step("validate (warm)", ("validate",)),
    Step(
        "validate after an edit",
        ("validate",),
        1.0,
        f"after a comment is appended to {EDITED}: that file is read again",
        edit_first=True,
    ),
    Step("build after an edit", ("build",), edit_first=True),
    Step("check (drift)", ("check",), note="`chargespec check`, as `make test` runs it"),
)
"""In order: each step finds the cache as the ones before it left it. Targets in seconds
(issue 17): a build where nothing changed, a build without cache, validate; the other
steps are information."""


def _edit(copy: Path, count: int) -> None:
    """Give the edited spec file new bytes (a numbered YAML comment) without changing it."""
    with (copy / EDITED).open("a", encoding="utf-8") as spec:
        spec.write(f"# edited by benchmarks/bench_build.py ({count})\n")


def measure(copy: Path, repeat: int) -> dict[str, Any]:
    """Run :data:`STEPS` in ``copy``, ``repeat`` times over (the cold ones once)."""
    no_cache = _has_option("build", "--no-cache", copy)
    times: dict[str, list[float]] = {step.name: [] for step in STEPS}
    edits = 0
    for turn in range(repeat):
        for step in STEPS:
            cold = "--no-cache" in step.args or step.name == "build (fills the cache)"
            if cold and turn:
                continue
            if "--no-cache" in step.args and not no_cache:  # a compiler without the cache
                args = tuple(arg for arg in step.args if arg != "--no-cache")
            else:
                args = step.args
            if step.edit_first:
                edits += 1
                _edit(copy, edits)
            times[step.name].append(_timed(list(args), copy))
    return {"seconds": times, "cache_option": no_cache}


def rows(result: dict[str, Any]) -> list[Row]:
    """One row per step: its fastest run, against its target if it has one."""
    seconds: dict[str, list[float]] = result["seconds"]
    return [
        Row(
            step.name,
            "s",
            min(seconds[step.name]),
            bound="<=" if step.target is not None else None,
            target=step.target,
            note=step.note,
        )
        for step in STEPS
    ]


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
