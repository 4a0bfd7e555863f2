"""Format generated text and write it out: deterministic, only changed files, or a drift diff.

Python is formatted by ruff (import sorting, then the formatter) in one batch in a scratch
directory, so the result does not depend on where the output goes. ``check`` mode writes
nothing and returns a unified diff of what ``build`` would change. Files matching an ``ignore``
glob (build-time renderings such as the SVG diagrams) are outside both: never compared, never
reported, never removed.
"""

from __future__ import annotations

import difflib
import fnmatch
import subprocess
import sys
import tempfile
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["WriteReport", "format_python", "write_tree"]

_RUFF_CONFIG = (
    "line-length = 100",
    "target-version = 'py311'",
    "lint.isort.known-first-party = ['compiler', 'runtime', 'generated']",
)


def _ruff(*args: str) -> None:
    config: list[str] = []
    for option in _RUFF_CONFIG:
        config += ["--config", option]
    command = [sys.executable, "-m", "ruff", *args, *config, "--no-cache", "--quiet"]
    subprocess.run(command, check=True, capture_output=True, text=True)


def format_python(files: Mapping[str, str]) -> dict[str, str]:
    """Return ``files`` with every ``.py`` entry import-sorted and formatted by ruff."""
    python = {path: text for path, text in files.items() if path.endswith(".py")}
    if not python:
        return dict(files)
    with tempfile.TemporaryDirectory(prefix="chargespec-fmt-") as scratch:
        root = Path(scratch)
        for path, text in python.items():
            target = root / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(text, encoding="utf-8")
        _ruff("check", "--fix", "--select", "I,F401,RUF022", "--exit-zero", str(root))
        _ruff("format", str(root))
        formatted = {path: (root / path).read_text(encoding="utf-8") for path in python}
    return {**files, **formatted}


@dataclass
class WriteReport:
    """What a build changed (or, in check mode, would change)."""

    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    diff: str = ""

    @property
    def stale(self) -> bool:
        return bool(self.written or self.removed)


def _existing(out: Path, managed: Iterable[str], ignore: tuple[str, ...]) -> set[str]:
    """Files now under the managed folders, relative to ``out``, except the ignored ones."""
    found: set[str] = set()
    for folder in managed:
        base = out / folder
        if base.is_dir():
            found |= {
                p.relative_to(out).as_posix()
                for p in base.rglob("*")
                if p.is_file() and "__pycache__" not in p.parts
            }
    return {path for path in found if not any(fnmatch.fnmatchcase(path, g) for g in ignore)}


def _diff(path: str, old: str, new: str) -> str:
    return "".join(
        difflib.unified_diff(
            old.splitlines(keepends=True),
            new.splitlines(keepends=True),
            fromfile=f"a/{path}",
            tofile=f"b/{path}",
        )
    )


def write_tree(
    out: Path,
    files: Mapping[str, str],
    managed: Iterable[str],
    check: bool = False,
    *,
    ignore: Iterable[str] = (),
) -> WriteReport:
    """Bring ``out`` in line with ``files``.

    Args:
        out: the output root (``generated``).
        files: path relative to ``out`` → text.
        managed: folders under ``out`` owned by this build; files there that the build no
            longer produces are removed (or reported in check mode).
        check: write nothing; fill ``diff`` instead.
        ignore: globs (``fnmatch``, relative to ``out``) of files under ``managed`` that this
            tree does not own, e.g. ``diagrams/ocpp16/*.svg``: kept, and never reported.
    """
    report = WriteReport()
    diffs = []
    for path in sorted(files):
        target = out / path
        new = files[path]
        old = target.read_text(encoding="utf-8") if target.is_file() else None
        if old == new:
            report.unchanged += 1
            continue
        report.written.append(path)
        diffs.append(_diff(path, old or "", new))
        if not check:
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(new, encoding="utf-8")
    for path in sorted(_existing(out, managed, tuple(ignore)) - set(files)):
        report.removed.append(path)
        diffs.append(_diff(path, (out / path).read_text(encoding="utf-8", errors="replace"), ""))
        if not check:
            (out / path).unlink()
    report.diff = "".join(diffs)
    return report
