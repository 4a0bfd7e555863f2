"""Checking a recorded OCPP-J message log, one frame per line.

Theory of operation: a log is a sequence of lines, each one OCPP-J frame (OCPP-J 1.6 §4.2),
optionally prefixed by ``>`` (sent by the Charge Point) or ``<`` (sent by the Central System).
:class:`FrameLogChecker` is fed the lines in order and answers each frame with a
:class:`FrameReport`: ``ok``, ``ignored`` (an unknown message type number, §4.1.3) or ``bad``
with the CALLERROR code the receiver should answer with (OCPP-J 1.6 §4.2.3 table 7).

The checker remembers every CALL that is still waiting for its answer, keyed by unique id and
sender, so that a CALLRESULT can be validated as the response of its CALL's action (§4.1.4:
the response carries the id of the CALL) and a CALL that reuses the id of an unanswered CALL
from the same sender is caught. Without prefixes the sender is unknown: all prefix-less CALLs
count as one sender, and a response matches any waiting CALL with its id.

Pure: no I/O and no clock. The caller reads the log and prints the reports
(:func:`format_report`, :func:`format_summary`).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum

from runtime.ocppj.errors import ErrorCode, PayloadError
from runtime.ocppj.frames import (
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    MessageTypeId,
    decode_frame,
)
from runtime.ocppj.payload import Kind, PayloadValidator
from runtime.spec.registry import MessageInfo

__all__ = [
    "FrameLogChecker",
    "FrameReport",
    "LogLine",
    "LogSummary",
    "Sender",
    "Verdict",
    "check_log",
    "format_report",
    "format_summary",
    "parse_line",
]

_KIND_NAMES = {kind.value: kind.name for kind in MessageTypeId}
_ERROR_CODES = frozenset(code.value for code in ErrorCode)
_UNDECODED = "frame"


class Sender(StrEnum):
    """Who sent a frame, written as the line prefix."""

    CHARGE_POINT = ">"
    CENTRAL_SYSTEM = "<"

    @property
    def other(self) -> Sender:
        """The peer that answers this sender's CALLs."""
        if self is Sender.CHARGE_POINT:
            return Sender.CENTRAL_SYSTEM
        return Sender.CHARGE_POINT


class Verdict(StrEnum):
    """The outcome of checking one frame."""

    OK = "ok"
    BAD = "bad"
    IGNORED = "ignored"


@dataclass(frozen=True, slots=True)
class LogLine:
    """One frame line of a log, prefix split off.

    Attributes:
        number: 1-based line number in the log.
        sender: Who sent the frame; ``None`` when the line has no prefix.
        text: The frame text.
    """

    number: int
    sender: Sender | None
    text: str


@dataclass(frozen=True, slots=True)
class FrameReport:
    """The verdict on one frame.

    Attributes:
        line: 1-based line number in the log.
        sender: Who sent the frame; ``None`` when the line has no prefix.
        kind: ``CALL``, ``CALLRESULT``, ``CALLERROR``, or ``frame`` when not even the message
            type could be read.
        action: The action of the CALL (for a response: of the CALL it answers); ``None`` if
            unknown.
        unique_id: The message id; ``None`` if it could not be read.
        verdict: ok, bad or ignored.
        code: For a bad frame, the CALLERROR code the receiver should answer a CALL with, or
            the code naming the problem of a response (OCPP-J 1.6 §4.2.3 table 7).
        path: Dotted path of the offending payload field; empty for the frame as a whole.
        reason: What is wrong (bad), why it is ignored, or a note on an ok frame.
        leniencies: The declared leniencies an ok payload needed, in first-use order.
    """

    line: int
    sender: Sender | None
    kind: str
    action: str | None
    unique_id: str | None
    verdict: Verdict
    code: ErrorCode | None = None
    path: str = ""
    reason: str = ""
    leniencies: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class LogSummary:
    """Counts over a checked log.

    Attributes:
        frames: Frame lines checked (blank and comment lines are not frames).
        ok: Frames that passed, including those that needed a leniency.
        bad: Frames with a problem.
        ignored: Frames with an unknown message type number (OCPP-J 1.6 §4.1.3).
        lenient: ``(leniency name, frames that needed it)``, sorted by name.
    """

    frames: int
    ok: int
    bad: int
    ignored: int
    lenient: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True, slots=True)
class _Waiting:
    """A CALL still waiting for its CALLRESULT or CALLERROR."""

    action: str | None
    line: int


def parse_line(number: int, raw: str | bytes) -> LogLine | None:
    """Split one log line into sender prefix and frame text.

    Bytes are decoded as UTF-8; bytes that are not UTF-8 are kept (as lone surrogates) so that
    the checker can report them rather than the reader failing.

    Args:
        number: 1-based line number.
        raw: The line, with or without its line break.

    Returns:
        The frame line, or ``None`` for a blank line or a ``#`` comment.
    """
    text = raw.decode("utf-8", "surrogateescape") if isinstance(raw, bytes) else raw
    text = text.strip()
    if not text or text.startswith("#"):
        return None
    if text[0] in ("<", ">"):
        return LogLine(number, Sender(text[0]), text[1:].lstrip())
    return LogLine(number, None, text)


def _decode(text: str) -> Frame:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        # OCPP-J 1.6 §4.1.2: the whole message MUST be valid UTF-8.
        raise FrameError(ErrorCode.FORMATION_VIOLATION, "not valid UTF-8") from None
    return decode_frame(text)


def _peek(text: str) -> tuple[str, str | None, str | None]:
    """Best-effort kind, action and id of a rejected frame, only to label its report."""
    try:
        array = json.loads(text)
    except (ValueError, RecursionError):
        return _UNDECODED, None, None
    if not isinstance(array, list) or not array:
        return _UNDECODED, None, None
    number = array[0]
    kind = _KIND_NAMES.get(number, _UNDECODED) if type(number) is int else _UNDECODED
    unique_id = array[1] if len(array) > 1 and isinstance(array[1], str) else None
    action = array[2] if kind == "CALL" and len(array) > 2 else None
    return kind, action if isinstance(action, str) else None, unique_id


def _bad(head: FrameReport, code: ErrorCode, reason: str, path: str = "") -> FrameReport:
    return replace(head, verdict=Verdict.BAD, code=code, path=path, reason=reason)


def _direction_problem(sender: Sender | None, info: MessageInfo) -> str | None:
    # Each action has a fixed direction (OCPP 1.6 §4 and §5 list who initiates it); a CALL
    # the receiver never handles is "recognized but not supported" (OCPP-J 1.6 §4.2.3).
    if sender is Sender.CHARGE_POINT and not info.sent_by_charge_point():
        return "only the Central System may send this action"
    if sender is Sender.CENTRAL_SYSTEM and not info.sent_by_central_system():
        return "only the Charge Point may send this action"
    return None


class FrameLogChecker:
    """Checks the frames of one log in order; see the module docstring.

    Args:
        validator: Validates payloads by action and kind (``"req"``/``"conf"``).
        messages: The actions the spec defines, by name, with who may send them.
    """

    def __init__(self, validator: PayloadValidator, messages: Mapping[str, MessageInfo]) -> None:
        self._validator = validator
        self._messages = messages
        # unique id → sender → the CALL waiting for its answer (insertion order = log order).
        self._waiting: dict[str, dict[Sender | None, _Waiting]] = {}
        self._verdicts: Counter[Verdict] = Counter()
        self._lenient: Counter[str] = Counter()

    def feed(self, number: int, raw: str | bytes) -> FrameReport | None:
        """Check one raw log line.

        Args:
            number: Its 1-based line number.
            raw: The line as read.

        Returns:
            The report, or ``None`` for a blank or comment line.
        """
        line = parse_line(number, raw)
        return None if line is None else self.check(line)

    def check(self, line: LogLine) -> FrameReport:
        """Check one frame line and count its verdict."""
        report = self._check(line)
        self._verdicts[report.verdict] += 1
        self._lenient.update(report.leniencies)
        return report

    def summary(self) -> LogSummary:
        """Counts over every frame checked so far."""
        counts = self._verdicts
        return LogSummary(
            frames=counts.total(),
            ok=counts[Verdict.OK],
            bad=counts[Verdict.BAD],
            ignored=counts[Verdict.IGNORED],
            lenient=tuple(sorted(self._lenient.items())),
        )

    def _check(self, line: LogLine) -> FrameReport:
        try:
            frame = _decode(line.text)
        except FrameError as error:
            return self._rejected(line, error)
        if isinstance(frame, Call):
            return self._check_call(line, frame)
        if isinstance(frame, CallResult):
            return self._check_result(line, frame)
        return self._check_error(line, frame)

    def _rejected(self, line: LogLine, error: FrameError) -> FrameReport:
        kind, action, unique_id = _peek(line.text)
        head = FrameReport(line.number, line.sender, kind, action, unique_id, Verdict.OK)
        if error.ignorable:
            # OCPP-J 1.6 §4.1.3: a message type number not in table 2 is ignored, not answered.
            return replace(head, verdict=Verdict.IGNORED, reason=error.description)
        if error.unique_id is not None:
            # A CALL whose id could be read gets a CALLERROR with that id (§4.2.3); remember
            # it so that answer is not reported as unmatched.
            waiting = self._waiting.setdefault(error.unique_id, {})
            waiting.setdefault(line.sender, _Waiting(action, line.number))
        return _bad(head, error.code, error.description)

    def _check_call(self, line: LogLine, call: Call) -> FrameReport:
        head = FrameReport(
            line.number, line.sender, "CALL", call.action, call.unique_id, Verdict.OK
        )
        waiting = self._waiting.setdefault(call.unique_id, {})
        earlier = waiting.get(line.sender)
        if earlier is not None:
            # OCPP-J 1.6 §4.1.4: a CALL's id MUST differ from the ids of the sender's earlier
            # CALLs; §4.2.3 names "an existing call with the same unique identifier is being
            # handled already" as a CALLERROR case. (The 2025-04 erratum lets a retry after a
            # timeout reuse the id; a log has no timeouts, so only unanswered ids are flagged.)
            reason = f"id already used by the unanswered CALL on line {earlier.line}"
            return _bad(head, ErrorCode.PROTOCOL_ERROR, reason)
        waiting[line.sender] = _Waiting(call.action, line.number)
        info = self._messages.get(call.action)
        if info is None:
            # OCPP-J 1.6 §4.2.3 table 7: NotImplemented, "requested Action is not known".
            return _bad(head, ErrorCode.NOT_IMPLEMENTED, "unknown action")
        problem = _direction_problem(line.sender, info)
        if problem is not None:
            return _bad(head, ErrorCode.NOT_SUPPORTED, problem)
        return self._validate(head, call.action, "req", call.payload)

    def _check_result(self, line: LogLine, result: CallResult) -> FrameReport:
        call = self._answered(line.sender, result.unique_id)
        action = None if call is None else call.action
        head = FrameReport(
            line.number, line.sender, "CALLRESULT", action, result.unique_id, Verdict.OK
        )
        if call is None:
            # OCPP-J 1.6 §4.1.4: a CALLRESULT's id MUST equal that of the CALL it answers.
            return _bad(head, ErrorCode.PROTOCOL_ERROR, "no CALL with this id")
        if action is None or action not in self._messages:
            note = f"payload not checked: the CALL on line {call.line} was not understood"
            return replace(head, reason=note)
        return self._validate(head, action, "conf", result.payload)

    def _check_error(self, line: LogLine, error: CallError) -> FrameReport:
        call = self._answered(line.sender, error.unique_id)
        action = None if call is None else call.action
        head = FrameReport(
            line.number, line.sender, "CALLERROR", action, error.unique_id, Verdict.OK
        )
        if call is None:
            # OCPP-J 1.6 §4.1.4: a CALLERROR's id MUST equal that of the CALL it answers.
            return _bad(head, ErrorCode.PROTOCOL_ERROR, "no CALL with this id")
        # decode_frame accepts codes outside table 7 (as GenericError), so read the one sent.
        sent_code = json.loads(line.text)[2]
        if sent_code not in _ERROR_CODES:
            # OCPP-J 1.6 §4.2.3 table 6: ErrorCode "must contain a string from" table 7.
            reason = f"error code {sent_code!r} is not in OCPP-J 1.6 table 7"
            return _bad(head, ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, reason)
        return head

    def _answered(self, responder: Sender | None, unique_id: str) -> _Waiting | None:
        """Take the waiting CALL that a response from ``responder`` with this id answers."""
        waiting = self._waiting.get(unique_id)
        if not waiting:
            return None
        if responder is None:
            sender: Sender | None = next(iter(waiting))  # unknown responder: oldest such CALL
        else:
            sender = responder.other if responder.other in waiting else None
        call = waiting.pop(sender, None)
        if not waiting:
            del self._waiting[unique_id]
        return call

    def _validate(self, head: FrameReport, action: str, kind: Kind, payload: object) -> FrameReport:
        try:
            used = self._validator.validate(action, kind, payload)
        except PayloadError as error:
            return _bad(head, error.code, error.message, error.path)
        return replace(head, leniencies=used)


def check_log(
    lines: Iterable[str | bytes],
    validator: PayloadValidator,
    messages: Mapping[str, MessageInfo],
) -> tuple[tuple[FrameReport, ...], LogSummary]:
    """Check a whole log.

    Args:
        lines: The log's lines in order (line numbers count from 1).
        validator: Validates payloads by action and kind.
        messages: The actions the spec defines, by name.

    Returns:
        One report per frame line, and the summary.
    """
    checker = FrameLogChecker(validator, messages)
    reports = (checker.feed(number, raw) for number, raw in enumerate(lines, start=1))
    return tuple(r for r in reports if r is not None), checker.summary()


def format_report(report: FrameReport) -> str:
    """One output line: ``<line>: <dir> <kind> <action> <id>: <result>``.

    Unknown parts (no prefix, no action, unreadable id) are left out. The result is ``ok``
    (with a parenthesised note or the leniencies used), ``ignored: <why>``, or
    ``<code> [at <path>]: <reason>``.
    """
    parts = (report.sender, report.kind, report.action, report.unique_id)
    head = " ".join(part for part in parts if part is not None)
    if report.verdict is Verdict.BAD:
        where = f" at {report.path}" if report.path else ""
        return f"{report.line}: {head}: {report.code}{where}: {report.reason}"
    if report.verdict is Verdict.IGNORED:
        return f"{report.line}: {head}: ignored: {report.reason}"
    if report.leniencies:
        return f"{report.line}: {head}: ok (lenient: {', '.join(report.leniencies)})"
    note = f" ({report.reason})" if report.reason else ""
    return f"{report.line}: {head}: ok{note}"


def format_summary(summary: LogSummary) -> str:
    """The closing line, e.g. ``12 frames: 9 ok, 3 bad``.

    Ignored frames and the leniencies used are mentioned only when there are any.
    """
    text = f"{summary.frames} frames: {summary.ok} ok, {summary.bad} bad"
    if summary.ignored:
        text += f", {summary.ignored} ignored"
    if summary.lenient:
        used = ", ".join(f"{name} {count}" for name, count in summary.lenient)
        text += f"; accepted only thanks to a leniency: {used}"
    return text
