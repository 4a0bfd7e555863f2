"""Tests for checking a recorded OCPP-J message log (runtime.conformance.framelog).

They use the compiled OCPP 1.6 registry and only BootNotification, Heartbeat and
StatusNotification plus actions that are not OCPP 1.6 at all, so they keep their meaning as
the spec grows. Reasons worded by the payload validator are not asserted (they change with the
validator backend); codes and paths are.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance.framelog import (
    FrameLogChecker,
    FrameReport,
    LogLine,
    LogSummary,
    Sender,
    Verdict,
    check_log,
    format_report,
    format_summary,
    parse_line,
)
from runtime.ocppj.checks import CompiledPayloadValidator, Leniency, Relax, too_long
from runtime.ocppj.errors import ErrorCode, PayloadError

BOOT = {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}
BOOT_CONF = {"status": "Accepted", "currentTime": "2024-05-14T08:00:01Z", "interval": 300}
STATUS = {"connectorId": 1, "errorCode": "NoError", "status": "Available"}


def _frame(*elements: Any) -> str:
    return json.dumps(list(elements))


def _check(*lines: str) -> tuple[FrameReport, ...]:
    reports, _ = check_log(lines, SPEC.validator(), SPEC.messages)
    return reports


def _only(*lines: str) -> FrameReport:
    """The report on the last line, after the earlier lines set the scene."""
    return _check(*lines)[-1]


def _problem(report: FrameReport) -> tuple[Verdict, ErrorCode | None, str]:
    return report.verdict, report.code, report.path


# --- lines ----------------------------------------------------------------------------------


def test_parse_line_splits_the_direction_prefix() -> None:
    assert parse_line(3, '> [2,"1","Heartbeat",{}]\n') == LogLine(
        3, Sender.CHARGE_POINT, '[2,"1","Heartbeat",{}]'
    )
    assert parse_line(4, '<[3,"1",{}]') == LogLine(4, Sender.CENTRAL_SYSTEM, '[3,"1",{}]')
    assert parse_line(5, '<   \t[3,"1",{}]\r\n') == LogLine(5, Sender.CENTRAL_SYSTEM, '[3,"1",{}]')
    assert parse_line(6, b'[2,"1","Heartbeat",{}]\n') == LogLine(6, None, '[2,"1","Heartbeat",{}]')


@pytest.mark.parametrize("line", ["", "   \n", "# session of CP-0042", "  # indented note"])
def test_blank_and_comment_lines_are_not_frames(line: str) -> None:
    assert parse_line(1, line) is None
    reports, summary = check_log([line], SPEC.validator(), SPEC.messages)
    assert reports == ()
    assert summary == LogSummary(frames=0, ok=0, bad=0, ignored=0)


def test_line_numbers_count_skipped_lines() -> None:
    reports = _check("# header", "", "> " + _frame(2, "1", "Heartbeat", {}))
    assert [r.line for r in reports] == [3]


# --- good frames ----------------------------------------------------------------------------


def test_a_good_session_is_all_ok() -> None:
    reports, summary = check_log(
        [
            "> " + _frame(2, "1", "BootNotification", BOOT),
            "< " + _frame(3, "1", BOOT_CONF),
            "> " + _frame(2, "2", "StatusNotification", STATUS),
            "< " + _frame(3, "2", {}),
            "> " + _frame(2, "3", "Heartbeat", {}),
            "< " + _frame(3, "3", {"currentTime": "2024-05-14T08:05:01.120Z"}),
        ],
        SPEC.validator(),
        SPEC.messages,
    )
    assert [r.verdict for r in reports] == [Verdict.OK] * 6
    assert [(r.kind, r.action, r.unique_id) for r in reports[:2]] == [
        ("CALL", "BootNotification", "1"),
        ("CALLRESULT", "BootNotification", "1"),
    ]
    assert summary == LogSummary(frames=6, ok=6, bad=0, ignored=0)
    assert format_report(reports[0]) == "1: > CALL BootNotification 1: ok"
    assert format_report(reports[1]) == "2: < CALLRESULT BootNotification 1: ok"
    assert format_summary(summary) == "6 frames: 6 ok, 0 bad"


def test_null_payload_is_accepted_as_empty() -> None:
    # OCPP-J 1.6 §4.2.1 allows null for "no payload".
    assert _only("> " + _frame(2, "1", "Heartbeat", None)).verdict is Verdict.OK


# --- frame errors ---------------------------------------------------------------------------


def test_malformed_json_is_a_formation_violation() -> None:
    report = _only('> [2,"19223201","Heartbeat",{')
    assert _problem(report) == (Verdict.BAD, ErrorCode.FORMATION_VIOLATION, "")
    assert report.kind == "frame"
    assert format_report(report).startswith("1: > frame: FormationViolation: invalid JSON: ")


@pytest.mark.parametrize(
    "text",
    [
        '{"messageTypeId": 2}',
        "[]",
        '[2,1,"Heartbeat",{}]',
        '[3,"1",{},{}]',
        '["2","1","Heartbeat",{}]',
    ],
)
def test_wrong_frame_shape_is_a_formation_violation(text: str) -> None:
    report = _only("> " + text)
    assert _problem(report) == (Verdict.BAD, ErrorCode.FORMATION_VIOLATION, "")


def test_call_without_payload_is_an_incomplete_protocol_error() -> None:
    # OCPP-J 1.6 §4.2.3 table 7: the payload for the action is incomplete.
    report = _only('> [2,"1","Heartbeat"]')
    assert _problem(report) == (Verdict.BAD, ErrorCode.PROTOCOL_ERROR, "")


def test_a_rejected_call_is_labelled_with_what_could_be_read() -> None:
    report = _only("> " + _frame(2, "7", "Heartbeat", []))
    assert (report.kind, report.action, report.unique_id) == ("CALL", "Heartbeat", "7")
    assert format_report(report) == (
        "1: > CALL Heartbeat 7: FormationViolation: Payload is not a JSON object"
    )


def test_a_too_long_unique_id_is_a_protocol_error() -> None:
    report = _only("> " + _frame(2, "x" * 37, "Heartbeat", {}))
    assert _problem(report) == (Verdict.BAD, ErrorCode.PROTOCOL_ERROR, "")


def test_text_that_is_not_utf8_is_a_formation_violation() -> None:
    # OCPP-J 1.6 §4.1.2: the whole message MUST be valid UTF-8.
    raw = b'> [2,"1","BootNotification",{"chargePointVendor":"Vend\xf6r","chargePointModel":"M"}]'
    reports, _ = check_log([raw], SPEC.validator(), SPEC.messages)
    assert _problem(reports[0]) == (Verdict.BAD, ErrorCode.FORMATION_VIOLATION, "")
    assert reports[0].reason == "not valid UTF-8"


def test_the_callerror_answering_a_rejected_call_is_matched() -> None:
    reports = _check(
        "> " + _frame(2, "7", "Heartbeat", []),
        "< " + _frame(4, "7", "FormationViolation", "payload is not an object", {}),
    )
    assert [r.verdict for r in reports] == [Verdict.BAD, Verdict.OK]
    assert reports[1].action == "Heartbeat"


def test_an_unknown_message_type_is_ignored_not_bad() -> None:
    # OCPP-J 1.6 §4.1.3: a message type number not in table 2 is ignored.
    reports, summary = check_log(
        ["> " + _frame(5, "1", {}), "> " + _frame(2, "2", "Heartbeat", {})],
        SPEC.validator(),
        SPEC.messages,
    )
    assert reports[0].verdict is Verdict.IGNORED
    assert reports[0].code is None
    assert format_report(reports[0]).startswith("1: > frame 1: ignored: unknown MessageTypeId 5")
    assert summary == LogSummary(frames=2, ok=1, bad=0, ignored=1)
    assert format_summary(summary) == "2 frames: 1 ok, 0 bad, 1 ignored"


# --- CALL rules -----------------------------------------------------------------------------


def test_an_unknown_action_is_not_implemented() -> None:
    # TransactionEvent is OCPP 2.0.1; no OCPP 1.6 spec defines it.
    report = _only("> " + _frame(2, "1", "TransactionEvent", {"eventType": "Started"}))
    assert _problem(report) == (Verdict.BAD, ErrorCode.NOT_IMPLEMENTED, "")
    assert format_report(report) == "1: > CALL TransactionEvent 1: NotImplemented: unknown action"


def test_action_names_are_case_sensitive() -> None:
    # OCPP-J 1.6 §4.2.1 table 4: Action is a case-sensitive string.
    report = _only("> " + _frame(2, "1", "heartbeat", {}))
    assert report.code is ErrorCode.NOT_IMPLEMENTED


@pytest.mark.parametrize("action", ["BootNotification", "Heartbeat", "StatusNotification"])
def test_a_charge_point_action_sent_by_the_central_system_is_not_supported(action: str) -> None:
    report = _only("< " + _frame(2, "c1", action, {}))
    assert _problem(report) == (Verdict.BAD, ErrorCode.NOT_SUPPORTED, "")
    assert report.reason == "only the Charge Point may send this action"


def test_without_a_prefix_the_direction_is_not_checked() -> None:
    report = _only(_frame(2, "1", "Heartbeat", {}))
    assert report.verdict is Verdict.OK
    assert format_report(report) == "1: CALL Heartbeat 1: ok"


@pytest.mark.parametrize(
    ("action", "payload", "code", "path"),
    [
        pytest.param(
            "StatusNotification",
            {**STATUS, "status": "Bogus"},
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "status",
            id="bad-enum-value",
        ),
        pytest.param(
            "StatusNotification",
            {"connectorId": 1, "errorCode": "NoError"},
            ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION,
            "status",
            id="missing-required-field",
        ),
        pytest.param(
            "StatusNotification",
            {**STATUS, "connectorId": "1"},
            ErrorCode.TYPE_CONSTRAINT_VIOLATION,
            "connectorId",
            id="wrong-type",
        ),
        pytest.param(
            "BootNotification",
            {**BOOT, "chargePointVendor": "V" * 21},
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "chargePointVendor",
            id="too-long-string",
        ),
        pytest.param(
            "StatusNotification",
            {**STATUS, "connectorId": -1},
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "connectorId",
            id="below-minimum",
        ),
        pytest.param(
            "Heartbeat",
            {"currentTime": "2024-05-14T08:00:00Z"},
            ErrorCode.FORMATION_VIOLATION,
            "currentTime",
            id="field-not-allowed",
        ),
    ],
)
def test_a_bad_call_payload_gets_the_code_and_path(
    action: str, payload: dict[str, Any], code: ErrorCode, path: str
) -> None:
    report = _only("> " + _frame(2, "42", action, payload))
    assert _problem(report) == (Verdict.BAD, code, path)
    assert report.reason
    assert format_report(report).startswith(f"1: > CALL {action} 42: {code} at {path}: ")


def test_a_call_reusing_an_unanswered_id_is_a_protocol_error() -> None:
    # OCPP-J 1.6 §4.1.4: a CALL's id differs from the sender's earlier CALL ids.
    heartbeat = "> " + _frame(2, "9", "Heartbeat", {})
    reports = _check(
        heartbeat, heartbeat, "< " + _frame(3, "9", {"currentTime": "2024-05-14T08:00:00Z"})
    )
    assert _problem(reports[1]) == (Verdict.BAD, ErrorCode.PROTOCOL_ERROR, "")
    assert reports[1].reason == "id already used by the unanswered CALL on line 1"
    assert reports[2].verdict is Verdict.OK  # the answer still matches the first CALL


def test_an_answered_id_may_be_used_again() -> None:
    heartbeat = "> " + _frame(2, "9", "Heartbeat", {})
    answer = "< " + _frame(3, "9", {"currentTime": "2024-05-14T08:00:00Z"})
    reports = _check(heartbeat, answer, heartbeat, answer)
    assert [r.verdict for r in reports] == [Verdict.OK] * 4


def test_both_sides_may_use_the_same_id_at_once() -> None:
    # Ids are unique per sender (OCPP-J 1.6 §4.1.4); CALLs from both sides may cross (§4.1.1).
    reports = _check(
        "> " + _frame(2, "1", "Heartbeat", {}),
        "< " + _frame(2, "1", "TransactionEvent", {}),
        "> " + _frame(4, "1", "NotImplemented", "", {}),
        "< " + _frame(3, "1", {"currentTime": "2024-05-14T08:00:00Z"}),
    )
    assert [r.verdict for r in reports] == [Verdict.OK, Verdict.BAD, Verdict.OK, Verdict.OK]
    assert [r.action for r in reports[2:]] == ["TransactionEvent", "Heartbeat"]


# --- responses ------------------------------------------------------------------------------


def test_a_callresult_is_validated_as_the_response_of_its_call() -> None:
    boot = "> " + _frame(2, "1", "BootNotification", BOOT)
    bad_status = _only(boot, "< " + _frame(3, "1", {**BOOT_CONF, "status": "Maybe"}))
    assert _problem(bad_status) == (Verdict.BAD, ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "status")
    no_interval = {"status": "Accepted", "currentTime": "2024-05-14T08:00:01Z"}
    missing = _only(boot, "< " + _frame(3, "1", no_interval))
    assert _problem(missing) == (Verdict.BAD, ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, "interval")
    # A request payload is not a valid response: the CALL's action decides the schema.
    as_request = _only(boot, "< " + _frame(3, "1", BOOT))
    assert as_request.verdict is Verdict.BAD
    assert format_report(missing).startswith(
        "2: < CALLRESULT BootNotification 1: OccurenceConstraintViolation at interval: "
    )


def test_a_callresult_answering_an_unknown_action_is_not_checked() -> None:
    reports = _check(
        "> " + _frame(2, "1", "TransactionEvent", {}),
        "< " + _frame(3, "1", {"anything": True}),
    )
    assert reports[1].verdict is Verdict.OK
    assert format_report(reports[1]) == (
        "2: < CALLRESULT TransactionEvent 1: ok "
        "(payload not checked: the CALL on line 1 was not understood)"
    )


@pytest.mark.parametrize(
    "response",
    [_frame(3, "77", {}), _frame(4, "77", "GenericError", "", {})],
    ids=["callresult", "callerror"],
)
def test_an_unmatched_response_is_bad(response: str) -> None:
    report = _only("> " + _frame(2, "1", "Heartbeat", {}), "< " + response)
    assert _problem(report) == (Verdict.BAD, ErrorCode.PROTOCOL_ERROR, "")
    assert report.action is None
    kind = report.kind
    assert format_report(report) == f"2: < {kind} 77: ProtocolError: no CALL with this id"


def test_a_response_from_the_sender_of_the_call_does_not_match_it() -> None:
    report = _only("> " + _frame(2, "1", "Heartbeat", {}), "> " + _frame(3, "1", {}))
    assert _problem(report) == (Verdict.BAD, ErrorCode.PROTOCOL_ERROR, "")


def test_a_call_is_answered_only_once() -> None:
    reports = _check(
        "> " + _frame(2, "1", "StatusNotification", STATUS),
        "< " + _frame(3, "1", {}),
        "< " + _frame(3, "1", {}),
    )
    assert [r.verdict for r in reports] == [Verdict.OK, Verdict.OK, Verdict.BAD]


def test_a_callerror_with_a_table_7_code_is_ok() -> None:
    report = _only(
        "> " + _frame(2, "1", "StatusNotification", STATUS),
        "< " + _frame(4, "1", "InternalError", "database unavailable", {"retry": 30}),
    )
    assert report.verdict is Verdict.OK
    assert format_report(report) == "2: < CALLERROR StatusNotification 1: ok"


def test_a_callerror_code_outside_table_7_is_bad() -> None:
    # OCPP 2.0.1 spelling; OCPP-J 1.6 keeps the typo OccurenceConstraintViolation.
    report = _only(
        "> " + _frame(2, "1", "StatusNotification", STATUS),
        "< " + _frame(4, "1", "OccurrenceConstraintViolation", "", {}),
    )
    assert _problem(report) == (Verdict.BAD, ErrorCode.PROPERTY_CONSTRAINT_VIOLATION, "")
    assert (
        report.reason == "error code 'OccurrenceConstraintViolation' is not in OCPP-J 1.6 table 7"
    )


# --- logs without prefixes ------------------------------------------------------------------


def test_a_prefix_less_log_matches_responses_to_any_waiting_call() -> None:
    reports, summary = check_log(
        [
            _frame(2, "1", "BootNotification", BOOT),
            _frame(3, "1", BOOT_CONF),
            _frame(2, "2", "Heartbeat", {}),
            _frame(2, "2", "Heartbeat", {}),
            _frame(3, "2", {"currentTime": "not a time"}),
            _frame(3, "3", {}),
        ],
        SPEC.validator(),
        SPEC.messages,
    )
    assert [(r.sender, r.kind, r.action) for r in reports[:2]] == [
        (None, "CALL", "BootNotification"),
        (None, "CALLRESULT", "BootNotification"),
    ]
    assert _problem(reports[3]) == (Verdict.BAD, ErrorCode.PROTOCOL_ERROR, "")
    assert _problem(reports[4]) == (
        Verdict.BAD,
        ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        "currentTime",
    )
    assert _problem(reports[5]) == (Verdict.BAD, ErrorCode.PROTOCOL_ERROR, "")
    assert summary == LogSummary(frames=6, ok=3, bad=3, ignored=0)


def test_a_prefixed_response_matches_a_prefix_less_call() -> None:
    reports = _check(_frame(2, "1", "Heartbeat", {}), "< " + _frame(3, "1", {}))
    assert reports[1].action == "Heartbeat"


# --- leniencies -----------------------------------------------------------------------------

_LONG_FIRMWARE = Leniency(
    "long_firmware_version",
    "BootNotification.request.firmwareVersion",
    "max_length 50 -> 255",
    "Some firmware reports a build string longer than 50 characters.",
)


def _boot_request_check(payload: object, relax: Relax) -> PayloadError | None:
    """BootNotification.req reduced to firmwareVersion: at most 50 characters, or 255 relaxed."""
    assert isinstance(payload, dict)
    version = payload.get("firmwareVersion", "")
    if len(version) <= 50:
        return None
    if _LONG_FIRMWARE.name in relax.enabled and len(version) <= 255:
        relax.used.append(_LONG_FIRMWARE.name)
        return None
    return too_long("firmwareVersion", 50, version)


def _lenient_checker(*lenient: str) -> FrameLogChecker:
    validator = CompiledPayloadValidator(
        {("BootNotification", "req"): _boot_request_check},
        {_LONG_FIRMWARE.name: _LONG_FIRMWARE},
        lenient,
    )
    return FrameLogChecker(validator, SPEC.messages)


def test_frames_accepted_thanks_to_a_leniency_are_counted_per_name() -> None:
    long_boot = {**BOOT, "firmwareVersion": "v" * 60}
    lines = [
        "> " + _frame(2, "1", "BootNotification", long_boot),
        "> " + _frame(2, "2", "BootNotification", BOOT),
        "> " + _frame(2, "3", "BootNotification", long_boot),
    ]
    strict = _lenient_checker()
    strict_reports = [strict.feed(n, line) for n, line in enumerate(lines, 1)]
    assert strict_reports[0] == FrameReport(
        1,
        Sender.CHARGE_POINT,
        "CALL",
        "BootNotification",
        "1",
        Verdict.BAD,
        ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
        "firmwareVersion",
        "60 characters, at most 50 allowed",
    )
    assert strict.summary() == LogSummary(frames=3, ok=1, bad=2, ignored=0)

    lenient = _lenient_checker(_LONG_FIRMWARE.name)
    reports = [lenient.feed(n, line) for n, line in enumerate(lines, 1)]
    assert [r.leniencies for r in reports if r is not None] == [
        ("long_firmware_version",),
        (),
        ("long_firmware_version",),
    ]
    summary = lenient.summary()
    assert summary == LogSummary(
        frames=3, ok=3, bad=0, ignored=0, lenient=(("long_firmware_version", 2),)
    )
    assert reports[0] is not None
    assert format_report(reports[0]) == (
        "1: > CALL BootNotification 1: ok (lenient: long_firmware_version)"
    )
    assert format_summary(summary) == (
        "3 frames: 3 ok, 0 bad; accepted only thanks to a leniency: long_firmware_version 2"
    )


def test_sender_other_is_the_peer() -> None:
    assert Sender.CHARGE_POINT.other is Sender.CENTRAL_SYSTEM
    assert Sender.CENTRAL_SYSTEM.other is Sender.CHARGE_POINT
