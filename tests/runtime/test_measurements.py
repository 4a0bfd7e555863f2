"""The PICS performance items measured on the frames of a run."""

from __future__ import annotations

import json
from typing import Any

from runtime.conformance.measurements import measure
from runtime.conformance.run_record import FrameRecord


def _frame(at: float, direction: str, message: list[Any]) -> FrameRecord:
    return FrameRecord(at, direction, json.dumps(message))


def test_response_times_and_the_triggered_start_are_measured_against_the_pics() -> None:
    case = [
        _frame(10.0, "<", [2, "cs-1", "RemoteStartTransaction", {"idTag": "T"}]),
        _frame(10.4, ">", [3, "cs-1", {"status": "Accepted"}]),
        _frame(13.4, ">", [2, "cp-1", "StartTransaction", {"connectorId": 1}]),
        _frame(13.5, "<", [3, "cp-1", {"transactionId": 1}]),
        _frame(20.0, "<", [2, "cs-2", "GetConfiguration", {}]),
        _frame(21.5, ">", [4, "cs-2", "GenericError", "", {}]),
        _frame(30.0, "<", [2, "cs-3", "Reset", {"type": "Hard"}]),  # never answered
    ]
    pics = {
        "RemoteStartTransactionResponseTime": 1,
        "ResponseTimeout": 1,
        "TriggeredFunctionTimeout": 60,
    }
    remote, response, triggered = measure([case, []], pics)
    assert (remote.item, remote.declared, remote.measured, remote.samples, remote.ok) == (
        "RemoteStartTransactionResponseTime",
        1.0,
        0.4,
        1,
        True,
    )
    # The slowest answer (a CALLERROR counts: it is an answer) exceeds the declared timeout.
    assert (response.measured, response.samples, response.ok) == (1.5, 2, False)
    assert (triggered.measured, triggered.samples, triggered.ok) == (3.0, 1, True)


def test_no_sample_is_not_measured_never_passed() -> None:
    remote, response, triggered = measure([], {"ResponseTimeout": 30})
    assert remote.measured is None and remote.ok is None and remote.declared is None
    assert response.declared == 30.0 and response.ok is None and response.samples == 0
    assert triggered.ok is None


def test_a_pairing_never_crosses_cases_and_bad_frames_are_skipped() -> None:
    first = [
        _frame(1.0, "<", [2, "cs-1", "RemoteStartTransaction", {}]),
        FrameRecord(2.0, ">", "not json"),
    ]
    second = [_frame(50.0, ">", [3, "cs-1", {"status": "Accepted"}])]
    (remote, response, _) = measure([first, second], {})
    assert remote.samples == 0 and response.samples == 0
