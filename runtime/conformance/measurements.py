"""The PICS performance items, measured on the frames of a run.

The PICS form's Performance section declares three times (OCPP 1.6 PICS, "PICS related to
performance"): how fast the device answers RemoteStartTransaction, the response timeout it
keeps to (here: the longest it took to answer any CALL of the test system), and the triggered
function timeout (from its RemoteStartTransaction.conf to the StartTransaction.req that
follows). Each is taken from the timestamped frames of every case and set against the
declared value; with no sample the item is "not measured", never passed.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from runtime.conformance.run_record import FrameRecord, Measurement

__all__ = ["measure"]

_CALL, _RESULT, _ERROR = 2, 3, 4


def _parse(frame: FrameRecord) -> list[Any] | None:
    try:
        message = json.loads(frame.text)
    except ValueError:
        return None
    return message if isinstance(message, list) and len(message) >= 3 else None


def _answer_times(frames: Sequence[FrameRecord]) -> list[tuple[str, float, float]]:
    """(action, sent at, answered at) of each CALL we sent that the device answered."""
    sent: dict[str, tuple[str, float]] = {}
    answered = []
    for frame in frames:
        message = _parse(frame)
        if message is None:
            continue
        if frame.direction == "<" and message[0] == _CALL:
            sent[str(message[1])] = (str(message[2]), frame.at)
        elif frame.direction == ">" and message[0] in (_RESULT, _ERROR):
            call = sent.pop(str(message[1]), None)
            if call is not None:
                answered.append((call[0], call[1], frame.at))
    return answered


def _is_start(frame: FrameRecord, message: list[Any]) -> bool:
    return frame.direction == ">" and message[0] == _CALL and message[2] == "StartTransaction"


def _triggered(frames: Sequence[FrameRecord]) -> list[float]:
    """Seconds from each accepted RemoteStartTransaction's answer to the next
    StartTransaction.req."""
    pending: dict[str, str] = {}
    accepted_at: float | None = None
    delays = []
    for frame in frames:
        message = _parse(frame)
        if message is None:
            continue
        if frame.direction == "<" and message[0] == _CALL:
            pending[str(message[1])] = str(message[2])
        elif frame.direction == ">" and message[0] == _RESULT:
            action = pending.pop(str(message[1]), "")
            payload = message[2] if isinstance(message[2], dict) else {}
            if action == "RemoteStartTransaction" and payload.get("status") == "Accepted":
                accepted_at = frame.at
        elif _is_start(frame, message) and accepted_at is not None:
            delays.append(frame.at - accepted_at)
            accepted_at = None
    return delays


def _item(name: str, description: str, declared: Any, samples: list[float]) -> Measurement:
    limit = float(declared) if isinstance(declared, int | float) else None
    worst = max(samples) if samples else None
    ok = None if worst is None or limit is None else worst <= limit
    rounded = None if worst is None else round(worst, 3)
    return Measurement(name, description, limit, rounded, samples=len(samples), ok=ok)


def measure(cases: Iterable[Sequence[FrameRecord]], pics: Mapping[str, Any]) -> list[Measurement]:
    """The three performance items over the frames of each case, against ``pics``."""
    answers: list[tuple[str, float, float]] = []
    triggered: list[float] = []
    for frames in cases:
        answers += _answer_times(frames)
        triggered += _triggered(frames)
    remote = [end - start for action, start, end in answers if action == "RemoteStartTransaction"]
    every = [end - start for _, start, end in answers]
    return [
        _item(
            "RemoteStartTransactionResponseTime",
            "Longest time to answer RemoteStartTransaction",
            pics.get("RemoteStartTransactionResponseTime"),
            remote,
        ),
        _item(
            "ResponseTimeout",
            "Longest time to answer any CALL of the test system",
            pics.get("ResponseTimeout"),
            every,
        ),
        _item(
            "TriggeredFunctionTimeout",
            "Longest time from RemoteStartTransaction.conf to StartTransaction.req",
            pics.get("TriggeredFunctionTimeout"),
            triggered,
        ),
    ]
