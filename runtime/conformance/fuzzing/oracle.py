"""The fuzzing oracle: the invariants, and a reading of frames independent of the core.

:func:`check_frame` feeds one frame to a :class:`FuzzTarget` and checks every invariant of
:data:`INVARIANTS`. It reads frames with the standard library's strict JSON parser, never
with :mod:`runtime.ocppj`, so that a bug in the frame codec cannot hide itself. Every broken
invariant comes back as a :class:`Failure` record, never as an exception.
"""

from __future__ import annotations

import json
import re
import traceback
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final, NoReturn, Protocol

from runtime.conformance.fuzzing.source import FuzzFrame
from runtime.conformance.fuzzing.station_target import StationSnapshot
from runtime.ocppj.frames import MAX_UNIQUE_ID_LENGTH, Call

__all__ = ["INVARIANTS", "Failure", "FuzzTarget", "check_frame"]

INVARIANTS: Final[Mapping[str, str]] = {
    "no-exception": "no exception escapes the core while it handles a frame or time passes",
    "one-reply": (
        "a CALL with a readable id (a JSON array [2, <string of 1..36 characters>, ...], or "
        'text that is not JSON but starts with [2, "<such an id>") gets exactly one CALLRESULT '
        "or CALLERROR with that id, and no reply carries another id (OCPP-J 1.6 §4.1.1, "
        "§4.2.3); waived while the state answers nothing (OCPP 1.6 §4.2)"
    ),
    "unchanged": (
        "a frame the charge point rejected (answered with a CALLERROR) or ignored (anything "
        "but a CALL or the answer to its outstanding CALL) leaves its state unchanged"
    ),
    "well-formed-output": (
        "every frame the charge point sends is a JSON array that can be sent as UTF-8 "
        "WebSocket text (OCPP-J 1.6 §4.1.2)"
    ),
}
"""The invariants a :class:`Failure` can name, with what each one demands."""


@dataclass(frozen=True, slots=True)
class Failure:
    """A broken invariant.

    Attributes:
        index: Number of the frame in its run (0-based).
        frame: The full text of the frame that broke it.
        recipe: How the frame was made.
        invariant: A key of :data:`INVARIANTS`.
        details: What went wrong, e.g. the changed state or the traceback.
    """

    index: int
    frame: str
    recipe: str
    invariant: str
    details: str

    def summary(self, width: int = 160) -> str:
        """One line: index, invariant, details and the start of the frame."""
        shown = self.frame if len(self.frame) <= width else self.frame[:width] + "..."
        first = self.details.splitlines()[0] if self.details else ""
        return f"#{self.index} [{self.invariant}] {first} <- {shown!r} ({self.recipe})"


class FuzzTarget(Protocol):
    """A sans-IO charge point as the invariant checker sees it."""

    def feed(self, text: str) -> list[str]:
        """Receive one frame; return the frames sent in response, in order."""
        ...

    def observe(self) -> object:
        """A comparable snapshot of the observable state."""
        ...

    def outstanding(self) -> Call | None:
        """The CALL of ours awaiting an answer, if any."""
        ...

    def answers_calls(self) -> bool:
        """Whether CALLs are answered in the current state (OCPP 1.6 §4.2)."""
        ...


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)


def _strict_json(text: str) -> object:
    """The oracle's own reading of a frame; ``ValueError`` if it is not strict JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply for the oracle") from None


def _as_header(array: object) -> tuple[int, object] | None:
    if not isinstance(array, list) or len(array) < 2 or type(array[0]) is not int:
        return None
    return array[0], array[1]


def _header(text: str) -> tuple[int, object] | None:
    """``(message type, unique id)`` of a strict JSON array frame with an integer type."""
    try:
        return _as_header(_strict_json(text))
    except ValueError:
        return None


# A received text that is not JSON but starts like a CALL, ``[2, "<id>"``: the id is readable,
# so the CALL is answered with a FormationViolation all the same (OCPP-J 1.6 §4.2.3). The id
# is a JSON string literal (RFC 8259 §7: escapes allowed, raw control characters not).
_BROKEN_CALL_START: Final = re.compile(
    r'\s*\[\s*2\s*,\s*("(?:[^"\\\x00-\x1f]|\\["\\/bfnrt]|\\u[0-9a-fA-F]{4})*")'
)


@dataclass(frozen=True, slots=True)
class _Reading:
    """The oracle's view of a received frame."""

    header: tuple[int, object] | None
    """Message type and id of a strict JSON array frame."""
    call_id: object
    """The id a reply may carry (``None``: no reply allowed)."""
    must_answer: bool
    """Whether exactly one reply with ``call_id`` is required."""


def _readable(unique_id: object) -> bool:
    # OCPP-J 1.6 §4.1.4: a unique id is a string of at most 36 characters. One that a JSON
    # round trip changes (raw surrogates side by side, never UTF-8) cannot be answered under
    # its own id, so no answer is required.
    if not isinstance(unique_id, str) or not 0 < len(unique_id) <= MAX_UNIQUE_ID_LENGTH:
        return False
    return bool(json.loads(json.dumps(unique_id)) == unique_id)


def _read(text: str) -> _Reading:
    try:
        header = _as_header(_strict_json(text))
    except ValueError:
        match = _BROKEN_CALL_START.match(text)
        if match is None:
            return _Reading(None, None, False)
        unique_id = json.loads(match.group(1))
        return _Reading(None, unique_id, _readable(unique_id))
    if header is None or header[0] != 2:
        return _Reading(header, None, False)
    return _Reading(header, header[1], _readable(header[1]))


def _check_replies(
    reading: _Reading, sent: list[str], answers: bool
) -> tuple[list[tuple[str, str]], bool]:
    """Problems with the replies in ``sent``, and whether the CALL got a CALLRESULT."""
    problems: list[tuple[str, str]] = []
    replies: list[tuple[int, object]] = []
    for text in sent:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            problems.append(("well-formed-output", f"not UTF-8 encodable ({exc}): {text[:200]!r}"))
        reply = _header(text)
        if reply is None:
            problems.append(("well-formed-output", f"not a JSON array frame: {text[:200]!r}"))
        elif reply[0] in (3, 4):
            replies.append(reply)
    call_id = reading.call_id
    matching = [kind for kind, unique_id in replies if call_id is not None and unique_id == call_id]
    stray = [unique_id for _, unique_id in replies if call_id is None or unique_id != call_id]
    if stray:
        problems.append(("one-reply", f"replies with ids {stray!r} answer no received CALL"))
    if reading.must_answer and answers and len(matching) != 1:
        problems.append(("one-reply", f"{len(matching)} replies to CALL {call_id!r}: {sent!r}"))
    return problems, 3 in matching


def check_frame(target: FuzzTarget, frame: FuzzFrame | str, *, index: int = 0) -> list[Failure]:
    """Feed one frame to ``target`` and check every invariant of :data:`INVARIANTS`.

    Args:
        target: The charge point under test.
        frame: The frame (a bare string has the recipe ``"given"``).
        index: Number of the frame, copied into the failures.

    Returns:
        The broken invariants; empty when all hold. After a ``no-exception`` failure the
        target's state is undefined and it should be replaced.
    """
    if isinstance(frame, str):
        frame = FuzzFrame(frame, "given")

    def failure(invariant: str, details: str) -> Failure:
        return Failure(index, frame.text, frame.recipe, invariant, details)

    before, outstanding, answers = target.observe(), target.outstanding(), target.answers_calls()
    try:
        sent = target.feed(frame.text)
    except Exception as exc:  # the invariant: nothing at all may escape
        return [failure("no-exception", "".join(traceback.format_exception(exc)))]
    reading = _read(frame.text)
    problems, accepted_call = _check_replies(reading, sent, answers)
    found = [failure(invariant, details) for invariant, details in problems]
    header = reading.header
    answers_outstanding = (
        header is not None
        and outstanding is not None
        and header[0] in (3, 4)
        and header[1] == outstanding.unique_id
    )
    if not (accepted_call or answers_outstanding):
        after = target.observe()
        if after != before:
            found.append(failure("unchanged", _describe_change(before, after)))
    return found


def _describe_change(before: object, after: object) -> str:
    if isinstance(before, StationSnapshot) and isinstance(after, StationSnapshot):
        return "; ".join(before.changes(after))
    return f"{before!r} -> {after!r}"
