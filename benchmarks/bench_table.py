"""What every side-by-side benchmark reports: rows of (measure, ours, peer, ratio, target).

Each benchmark's ``main(argv)`` returns ``{"rows": [Row.as_dict(), ...], ...}``; the
aggregator (``benchmarks/bench_all.py``) prints them as one table and writes them as JSON.
A row's *ratio* is always ``ours / peer`` in the row's unit, so it reads "ours is N x the
peer": above 1 is better for a rate, below 1 is better for a time or a size. A *target* is
either on ``ours`` (an absolute bound, e.g. <= 1 ms per station) or on the ``ratio`` (e.g.
>= 2 x the ``ocpp`` library); a row without a target is information only and never fails
``--check``.

Also here: the machine description printed above the table, and the resident set size of
this process (``/proc/self/status``; ``ru_maxrss`` where there is no ``/proc``).
"""

from __future__ import annotations

import importlib.metadata
import os
import platform
import resource
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Literal

__all__ = ["Row", "exit_status", "format_table", "machine", "rows_from", "rss_bytes"]

Bound = Literal["<=", ">="]
On = Literal["ours", "ratio"]


@dataclass(frozen=True, slots=True)
class Row:
    """One measure of ours beside its peer.

    Attributes:
        measure: What is measured, e.g. "construction per station".
        unit: Unit of ``ours`` and ``peer`` (e.g. "ms", "KB", "round trips/s").
        ours: Our value, or None if it could not be measured.
        peer: The peer's value, or None when there is no peer.
        peer_name: Who the peer is (e.g. "ocpp 2.1.0 ChargePoint").
        bound: "<=" or ">=", None for no target.
        target: The bound's value.
        on: Whether the target bounds ``ours`` or the ``ratio``.
        note: A short remark printed under the table (how it was measured, why skipped).
        error: Why the measurement could not be made at all; such a row fails ``--check``.
    """

    measure: str
    unit: str
    ours: float | None
    peer: float | None = None
    peer_name: str = ""
    bound: Bound | None = None
    target: float | None = None
    on: On = "ours"
    note: str = ""
    error: str = ""

    @property
    def ratio(self) -> float | None:
        """``ours / peer``, or None without both (or with a zero peer)."""
        if self.ours is None or not self.peer:
            return None
        return self.ours / self.peer

    @property
    def passed(self) -> bool | None:
        """Whether the target is met; None without a target, False if unmeasured or broken."""
        if self.error:
            return False
        if self.bound is None or self.target is None:
            return None
        value = self.ratio if self.on == "ratio" else self.ours
        if value is None:
            return False
        return value <= self.target if self.bound == "<=" else value >= self.target

    def target_text(self) -> str:
        """The target as printed, e.g. "<= 1 ms" or ">= 2x"."""
        if self.error:
            return "runs"
        if self.bound is None or self.target is None:
            return "-"
        if self.on == "ratio":
            return f"{self.bound} {self.target:g}x"
        return f"{self.bound} {self.target:g} {self.unit}"

    def as_dict(self) -> dict[str, Any]:
        """The row as JSON data, with its ratio and verdict."""
        return {**asdict(self), "ratio": self.ratio, "passed": self.passed}


def rows_from(data: Iterable[Mapping[str, Any]]) -> list[Row]:
    """Rows back from :meth:`Row.as_dict` data (e.g. a child process's JSON)."""
    fields = set(Row.__dataclass_fields__)
    return [Row(**{k: v for k, v in item.items() if k in fields}) for item in data]


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value == 0 or abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.2f}"
    return f"{value:.3g}"


def _ratio(value: float | None) -> str:
    return "-" if value is None else f"{_number(value)}x"


def _verdict(passed: bool | None) -> str:
    return {None: "", True: "pass", False: "FAIL"}[passed]


def format_table(rows: Sequence[Row]) -> str:
    """The rows as one aligned text table with a numbered note per remark."""
    header = ("measure", "unit", "ours", "peer", "ratio", "target", "")
    cells = [header]
    notes: list[str] = []
    for row in rows:
        measure = row.measure
        if row.note or row.error:
            notes.append(row.error or row.note)
            measure = f"{measure} [{len(notes)}]"
        peer = _number(row.peer) + (f" ({row.peer_name})" if row.peer_name else "")
        cells.append(
            (
                measure,
                row.unit,
                _number(row.ours),
                peer if row.peer is not None else "-",
                _ratio(row.ratio),
                row.target_text(),
                _verdict(row.passed),
            )
        )
    widths = [max(len(line[i]) for line in cells) for i in range(len(header))]
    lines = []
    for line in cells:
        left = [line[i].ljust(widths[i]) for i in (0, 1)]
        right = [line[i].rjust(widths[i]) for i in (2, 3, 4, 5)]
        lines.append("  ".join([*left, *right, line[6]]).rstrip())
    lines.insert(1, "-" * len(lines[0]))
    lines.extend(f"[{n}] {note}" for n, note in enumerate(notes, start=1))
    return "\n".join(lines)


def exit_status(results: Mapping[str, Any], *, check: bool) -> int:
    """Print a benchmark's rows (a standalone run); 1 if ``check`` and a target is missed."""
    if not results:  # a child process printed its JSON already
        return 0
    table = rows_from(results["rows"])
    print(format_table(table))
    return 1 if check and any(row.passed is False for row in table) else 0


def rss_bytes() -> int:
    """This process's resident set size now (Linux), else its peak (``ru_maxrss``)."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    # ru_maxrss is KiB on Linux and bytes on macOS; only a fallback for the peak.
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.partition(":")[2].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def machine() -> dict[str, str]:
    """Python, platform, CPU and the versions of the packages compared against."""
    packages = {}
    for name in ("ocpp", "websockets", "python-statemachine", "jsonschema"):
        try:
            packages[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            packages[name] = "not installed"
    return {
        "python": f"{platform.python_version()} ({platform.python_implementation()})",
        "platform": platform.platform(),
        "cpu": f"{_cpu_model()}, {os.cpu_count()} logical cores",
        "packages": ", ".join(f"{name} {version}" for name, version in packages.items()),
    }
