"""What both report writers read off a run record: totals, groupings and shown texts.

The JUnit and HTML writers must agree on every count and every sentence (a CI summary that
says 3 failed while the HTML says 2 is worse than no report), so the groupings — by feature
profile, by PICS item, by spec clause — and the texts of verdicts, frames and measurements are
computed here once.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from pathlib import Path

from runtime.conformance.run_record import CaseRecord, FrameRecord, Measurement, RunRecord, Verdict
from runtime.errors import ChargespecError
from runtime.ocppj.datetime import to_iso8601

__all__ = [
    "VERDICTS",
    "RunFileError",
    "by_clause",
    "by_pics_item",
    "by_profile",
    "case_start",
    "field_path",
    "frame_line",
    "frame_parts",
    "measurement_status",
    "read_run",
    "shown_value",
    "stamp",
    "suite_of",
    "totals",
    "verdict_reason",
]

#: Every verdict, in the order reports list them (the worst news first after "passed").
VERDICTS: tuple[Verdict, ...] = ("passed", "failed", "error", "inconclusive", "not applicable")

# Field problems from runtime.conformance.matching read "path: problem", the path made of
# ".name" and "[index]" parts (the leading dot dropped): "meterValue[0].sampledValue[0].value".
_PATH_PART = re.compile(r"\.?([A-Za-z_$][\w$-]*)|\[(\d+)\]")


class RunFileError(ChargespecError):
    """A run record that cannot be read: missing, not JSON, or not a run record."""


def read_run(path: Path) -> RunRecord:
    """The run record in ``path`` (``run.json`` as ``chargespec test`` writes it).

    Raises:
        RunFileError: the file is missing, unreadable, not JSON or not a run record; the
            message names the file and the cause in one line.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RunFileError(f"{path}: cannot read the run record: {exc}") from exc
    try:
        data = json.loads(text)
    except ValueError as exc:  # json.JSONDecodeError is a ValueError
        raise RunFileError(f"{path}: not a run record (invalid JSON: {exc})") from exc
    if not isinstance(data, dict):
        raise RunFileError(f"{path}: not a run record (a JSON object is expected)")
    try:
        return RunRecord.from_json(text)
    except (KeyError, TypeError, AttributeError, ValueError) as exc:
        # A JSON file of another shape: a missing key, an unknown field, a list for a mapping.
        raise RunFileError(f"{path}: not a run record ({type(exc).__name__}: {exc})") from exc


def totals(cases: Iterable[CaseRecord]) -> dict[Verdict, int]:
    """How many cases got each verdict, every verdict present (zero when none)."""
    counts = Counter(case.verdict for case in cases)
    return {verdict: counts[verdict] for verdict in VERDICTS}


def suite_of(case: CaseRecord) -> str:
    """The group a case is reported in: its first feature profile, else its spec file."""
    if case.profiles:
        return case.profiles[0]
    if case.source:
        return case.source.rsplit(":", 2)[0] if _has_position(case.source) else case.source
    return case.kind


def _has_position(source: str) -> bool:
    """``specs/x.yaml:12`` or ``specs/x.yaml:12:3``: a file followed by a line number."""
    parts = source.split(":")
    return len(parts) > 1 and parts[1].isdigit()


def by_profile(cases: Iterable[CaseRecord]) -> dict[str, list[CaseRecord]]:
    """The cases under each feature profile they belong to ("(none)" for cases of none)."""
    groups: dict[str, list[CaseRecord]] = {}
    for case in cases:
        for profile in case.profiles or ["(none)"]:
            groups.setdefault(profile, []).append(case)
    return dict(sorted(groups.items()))


def by_pics_item(cases: Iterable[CaseRecord]) -> dict[str, list[CaseRecord]]:
    """The cases each PICS item gates (the item is one of the case's conditions)."""
    groups: dict[str, list[CaseRecord]] = {}
    for case in cases:
        for item in case.pics:
            groups.setdefault(item, []).append(case)
    return dict(sorted(groups.items()))


def _natural(text: str) -> tuple[tuple[int, int | str], ...]:
    """Sort key that puts "§4.10" after "§4.9"."""
    return tuple(
        (0, int(part)) if part.isdigit() else (1, part) for part in re.split(r"(\d+)", text)
    )


def _document(ref: str) -> str:
    """The document a reference cites: "OCPP 1.6 §4.2" -> "OCPP 1.6", "errata E3.22" ->
    "errata", "OCTT TC_001_CS" -> "OCTT"."""
    if "§" in ref:
        return ref.split("§", 1)[0].strip()
    return ref.split(" ", 1)[0]


def by_clause(cases: Iterable[CaseRecord]) -> dict[str, dict[str, list[CaseRecord]]]:
    """The cases citing each reference, the references grouped by the document they cite,
    both in natural order."""
    groups: dict[str, dict[str, list[CaseRecord]]] = {}
    for case in cases:
        for ref in dict.fromkeys(case.refs):  # a case citing a clause twice counts once
            groups.setdefault(_document(ref), {}).setdefault(ref, []).append(case)
    return {
        document: dict(sorted(refs.items(), key=lambda item: _natural(item[0])))
        for document, refs in sorted(groups.items(), key=lambda item: _natural(item[0]))
    }


def verdict_reason(case: CaseRecord) -> str:
    """The one-line reason a report shows for a case not passed, prefixed by its verdict
    ("not applicable: PICS FixedCable = true (...)"), never doubled."""
    reason = case.reason or (case.failure.message if case.failure else "") or "no reason given"
    prefix = f"{case.verdict}: "
    return reason if reason.startswith(prefix) else prefix + reason


def stamp(at: float) -> str:
    """A frame's or run's time as OCPP writes it (RFC 3339, UTC, milliseconds)."""
    return to_iso8601(at)


def frame_parts(frame: FrameRecord, start: float) -> tuple[str, str, str]:
    """A frame's time, its offset from the case start and its direction, as shown."""
    arrow = "CP→CS" if frame.direction == ">" else "CS→CP"
    return stamp(frame.at), f"+{frame.at - start:.3f}s", arrow


def frame_line(frame: FrameRecord, start: float) -> str:
    """One frame of the log: time, offset from the case start, direction, the frame text."""
    when, offset, arrow = frame_parts(frame, start)
    return f"[{when}] {offset} {arrow} {frame.text}"


def shown_value(value: object) -> str:
    """A PICS value as a PICS file writes it."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "not declared" if value is None else str(value)


def measurement_status(measurement: Measurement) -> str:
    """The verdict on a performance item: ok, exceeded, not measured, or not judged (no
    declared value to judge by)."""
    if measurement.measured is None:
        return "not measured"
    if measurement.ok is None:
        return "not judged"
    return "ok" if measurement.ok else "exceeded"


def field_path(problem: str) -> tuple[str | int, ...]:
    """The payload path a field problem names: ``"idTagInfo.status: expected …"`` ->
    ``("idTagInfo", "status")``; ``()`` when the text names no field."""
    head = problem.split(": ", 1)[0] if ": " in problem else ""
    parts: list[str | int] = []
    position = 0
    while position < len(head):  # every match consumes at least one character
        match = _PATH_PART.match(head, position)
        if match is None:
            return ()
        name, index = match.groups()
        parts.append(int(index) if index is not None else name)
        position = match.end()
    return tuple(parts)


def case_start(case: CaseRecord, frames: Sequence[FrameRecord]) -> float:
    """Where a case's frame offsets count from: its start, else its first frame."""
    if case.started or not frames:
        return case.started
    return frames[0].at
