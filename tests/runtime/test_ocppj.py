"""Tests for the OCPP-J 1.6 frame codec (runtime.ocppj)."""

from __future__ import annotations

import dataclasses
import json
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from runtime.ocppj import frames
from runtime.ocppj.errors import ErrorCode
from runtime.ocppj.frames import (
    MAX_UNIQUE_ID_LENGTH,
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    MessageTypeId,
    decode_frame,
    encode_frame,
)


def _frame_error(text: str) -> FrameError:
    with pytest.raises(FrameError) as info:
        decode_frame(text)
    return info.value


def test_error_codes_are_the_ten_ocpp_j_16_spellings() -> None:
    assert {code.value for code in ErrorCode} == {
        "NotImplemented",
        "NotSupported",
        "InternalError",
        "ProtocolError",
        "SecurityError",
        "FormationViolation",
        "PropertyConstraintViolation",
        "OccurenceConstraintViolation",
        "TypeConstraintViolation",
        "GenericError",
    }
    assert ErrorCode.FORMATION_VIOLATION.value == "FormationViolation"
    assert ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION.value == "OccurenceConstraintViolation"
    assert ErrorCode("GenericError") is ErrorCode.GENERIC_ERROR
    assert str(ErrorCode.NOT_IMPLEMENTED) == "NotImplemented"


def test_message_type_ids() -> None:
    assert [int(m) for m in MessageTypeId] == [2, 3, 4]
    assert MessageTypeId(2) is MessageTypeId.CALL
    assert MessageTypeId(3) is MessageTypeId.CALLRESULT
    assert MessageTypeId(4) is MessageTypeId.CALLERROR
    assert MAX_UNIQUE_ID_LENGTH == 36


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            '[2, "19223201", "BootNotification", '
            '{"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}]',
            Call(
                "19223201",
                "BootNotification",
                {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"},
            ),
        ),
        (
            '[3, "19223201", {"status":"Accepted", "currentTime":"2013-02-01T20:53:32.486Z", '
            '"interval":300}]',
            CallResult(
                "19223201",
                {"status": "Accepted", "currentTime": "2013-02-01T20:53:32.486Z", "interval": 300},
            ),
        ),
        (
            '[4,"abc","NotSupported","nope",{"x":1}]',
            CallError("abc", ErrorCode.NOT_SUPPORTED, "nope", {"x": 1}),
        ),
        ('[2,"1","Heartbeat",{}]', Call("1", "Heartbeat", {})),
    ],
)
def test_decode_valid_frames(text: str, expected: Frame) -> None:
    assert decode_frame(text) == expected


@pytest.mark.parametrize(
    "frame",
    [
        Call("1", "Heartbeat", {}),
        Call("x" * 36, "DataTransfer", {"vendorId": "é✓", "data": 'a"b\\c\n'}),
        CallResult("2", {"nested": {"list": [1, 2.5, None, True, False, "s"]}}),
        CallError("3", ErrorCode.FORMATION_VIOLATION, "bad", {"path": "a.b[0]"}),
        CallError("4", ErrorCode.GENERIC_ERROR),
    ],
)
def test_encode_decode_round_trip(frame: Frame) -> None:
    assert decode_frame(encode_frame(frame)) == frame


def test_encode_is_compact_and_keeps_non_ascii() -> None:
    text = encode_frame(Call("1", "DataTransfer", {"vendorId": "Čez", "data": "ü"}))
    assert text == '[2,"1","DataTransfer",{"vendorId":"Čez","data":"ü"}]'
    assert encode_frame(CallResult("1", {})) == '[3,"1",{}]'
    assert encode_frame(CallError("9", ErrorCode.GENERIC_ERROR)) == '[4,"9","GenericError","",{}]'


def test_encode_matches_standard_json_for_plain_values() -> None:
    payload: dict[str, Any] = {"a": [1, -2, 3.25, 1e-7, None], "b": {"c": True, "d": "\u2028"}}
    expected = json.dumps(
        [2, "id", "DataTransfer", payload], separators=(",", ":"), ensure_ascii=False
    )
    assert encode_frame(Call("id", "DataTransfer", payload)) == expected


@pytest.mark.parametrize("number", ["16.1", "0.1000000000000000055511151231257827", "1E+3", "-0.0"])
def test_decimal_round_trip_keeps_exact_value(number: str) -> None:
    text = f'[3,"1",{{"limit":{number}}}]'
    frame = decode_frame(text)
    assert isinstance(frame, CallResult)
    value = frame.payload["limit"]
    assert isinstance(value, Decimal)
    assert value == Decimal(number)
    assert str(value) == str(Decimal(number))
    assert encode_frame(frame) == f'[3,"1",{{"limit":{Decimal(number)}}}]'
    assert decode_frame(encode_frame(frame)) == frame


def test_decimal_is_encoded_as_json_number_not_string() -> None:
    text = encode_frame(CallResult("1", {"limit": Decimal("16.10")}))
    assert text == '[3,"1",{"limit":16.10}]'
    assert json.loads(text)[2]["limit"] == pytest.approx(16.1)


def test_integers_stay_int() -> None:
    frame = decode_frame('[3,"1",{"n":300}]')
    assert isinstance(frame, CallResult)
    assert type(frame.payload["n"]) is int


@pytest.mark.parametrize(
    "bad",
    [
        {"x": float("nan")},
        {"x": float("inf")},
        {"x": Decimal("NaN")},
        {"x": Decimal("-Infinity")},
    ],
)
def test_encode_rejects_non_finite_numbers(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        encode_frame(CallResult("1", bad))


@pytest.mark.parametrize("bad", [{"x": {1, 2}}, {"x": object()}, {"x": {1: "int key"}}])
def test_encode_rejects_non_json_values(bad: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        encode_frame(CallResult("1", bad))


def test_encode_accepts_tuples_as_arrays() -> None:
    assert encode_frame(CallResult("1", {"t": (1, "a")})) == '[3,"1",{"t":[1,"a"]}]'


@pytest.mark.parametrize(
    "text",
    [
        "",
        "not json",
        '[3,"1",{}',
        '[2,"1\\"2',
        '[2,"1\\q2","Heartbeat",{}',
        '[2,"' + "x" * 37 + '","Heartbeat",{}',
        "{}",
        '"text"',
        "2",
        "null",
        "[]",
        "[" * 100_000,
    ],
)
def test_malformed_text_is_formation_violation_without_id(text: str) -> None:
    error = _frame_error(text)
    assert error.code is ErrorCode.FORMATION_VIOLATION
    assert error.unique_id is None
    assert not error.ignorable
    assert error.description


@pytest.mark.parametrize(
    "text",
    [
        '[2,"1","Heartbeat",{}',
        '[2,"1","Heartbeat",{}] trailing',
        '[2,"1","Heartbeat",{"x":NaN}]',
        ' [ 2 , "1","Heartbeat",{"x":Infinity}]',
    ],
)
def test_malformed_call_with_readable_id_is_formation_violation_with_id(text: str) -> None:
    # OCPP-J 1.6 §4.2.3: syntactically incorrect → FormationViolation; the id is still
    # readable from the start of the text, so the sender can be told.
    error = _frame_error(text)
    assert error.code is ErrorCode.FORMATION_VIOLATION
    assert error.unique_id == "1"


@pytest.mark.parametrize(
    ("text", "unique_id"),
    [
        ('[2,"1\\"2","Heartbeat",{}', '1"2'),
        # A number Python cannot hold, after an id written as a JSON escape.
        ('[2,"\\u0000","Reset",{"type":1E+9999999999999999999}]', "\x00"),
        ('[2,"\\ud83d\\udd0c-7","Heartbeat",{]', "\U0001f50c-7"),
    ],
)
def test_the_id_of_a_broken_call_is_read_with_json_escapes(text: str, unique_id: str) -> None:
    # The id is read by a JSON string parser, so escaped ids are answered under their id.
    error = _frame_error(text)
    assert error.code is ErrorCode.FORMATION_VIOLATION
    assert error.unique_id == unique_id


def test_an_id_no_json_string_can_echo_is_not_answered() -> None:
    # Raw surrogates side by side (a text that was never UTF-8) read back from JSON as one
    # other character: a reply would carry a different id, so the id is not readable.
    for text in ('[2,"a\ud800\udfffb","Heartbeat",{}]', '[2,"a\ud800\udfffb","Heartbeat",{'):
        error = _frame_error(text)
        assert error.code is ErrorCode.FORMATION_VIOLATION
        assert error.unique_id is None
    # A lone one is echoed escaped, as itself.
    assert decode_frame('[2,"a\ud800b","Heartbeat",{}]').unique_id == "a\ud800b"


def test_call_without_payload_is_incomplete_protocol_error() -> None:
    # OCPP-J 1.6 §4.2.3 table 7: ProtocolError, the payload for the action is incomplete.
    error = _frame_error('[2,"7","Heartbeat"]')
    assert error.code is ErrorCode.PROTOCOL_ERROR
    assert error.unique_id == "7"


@pytest.mark.parametrize(
    ("text", "unique_id"),
    [
        ('[2,"7","Heartbeat",{},{}]', "7"),
        ('[2,"7",5,{}]', "7"),
        ('[2,"7","Heartbeat",[]]', "7"),
        ('[2,"7","Heartbeat","payload"]', "7"),
        ('[2,"7","Heartbeat",3]', "7"),
        ('[2,7,"Heartbeat",{}]', None),
        ('[2,null,"Heartbeat",{}]', None),
        ("[2]", None),
        ('["2","7","Heartbeat",{}]', None),
        ('[true,"7","Heartbeat",{}]', None),
        ('[null,"7","Heartbeat",{}]', None),
    ],
)
def test_badly_structured_call_is_formation_violation(text: str, unique_id: str | None) -> None:
    error = _frame_error(text)
    assert error.code is ErrorCode.FORMATION_VIOLATION
    assert error.unique_id == unique_id
    assert not error.ignorable


@pytest.mark.parametrize(
    "text",
    [
        '[3,"7"]',
        '[3,"7",{},{}]',
        '[3,"7",[]]',
        '[3,"7","x"]',
        '[4,"7","GenericError","",{},1]',
        '[4,"7","GenericError",""]',
        '[4,"7",1,"",{}]',
        '[4,"7","GenericError",null,{}]',
        '[4,"7","GenericError","",[]]',
        '[4,"7","GenericError","",null]',
    ],
)
def test_badly_structured_response_has_no_id_to_answer(text: str) -> None:
    # Responses are never answered, so no id is handed back for a CALLERROR reply.
    error = _frame_error(text)
    assert error.code is ErrorCode.FORMATION_VIOLATION
    assert error.unique_id is None


def test_null_payload_is_accepted_as_empty_object() -> None:
    # OCPP-J 1.6 §4.2.1 and §4.2.2 list null as a permitted "no payload" notation.
    assert decode_frame('[2,"1","Heartbeat",null]') == Call("1", "Heartbeat", {})
    assert decode_frame('[3,"1",null]') == CallResult("1", {})


def test_unique_id_of_36_characters_is_accepted() -> None:
    unique_id = "a" * MAX_UNIQUE_ID_LENGTH
    assert decode_frame(f'[2,"{unique_id}","Heartbeat",{{}}]') == Call(unique_id, "Heartbeat", {})


def test_unique_id_longer_than_36_is_protocol_error_with_id() -> None:
    unique_id = "b" * 37
    error = _frame_error(f'[2,"{unique_id}","Heartbeat",{{}}]')
    assert error.code is ErrorCode.PROTOCOL_ERROR
    assert error.unique_id == unique_id
    assert not error.ignorable


@pytest.mark.parametrize("text", ['[3,"{id}",{{}}]', '[4,"{id}","GenericError","",{{}}]'])
def test_long_id_in_response_is_protocol_error_without_id(text: str) -> None:
    error = _frame_error(text.format(id="c" * 40))
    assert error.code is ErrorCode.PROTOCOL_ERROR
    assert error.unique_id is None


@pytest.mark.parametrize(
    "text",
    ['[7,"1","Heartbeat",{}]', "[5]", '[0,"1"]', '[-3,"1",{}]', '[2.5,"1",{}]', '[3.0,"1",{}]'],
)
def test_unknown_message_type_number_is_ignorable(text: str) -> None:
    error = _frame_error(text)
    assert error.ignorable
    assert error.unique_id is None


def test_unknown_received_error_code_maps_to_generic_error() -> None:
    frame = decode_frame('[4,"1","OccurrenceConstraintViolation","x",{"a":1}]')
    assert frame == CallError(
        "1",
        ErrorCode.GENERIC_ERROR,
        "x",
        {"a": 1, "receivedErrorCode": "OccurrenceConstraintViolation"},
    )


def test_known_error_codes_decode_to_enum_members() -> None:
    for code in ErrorCode:
        frame = decode_frame(f'[4,"1","{code.value}","",{{}}]')
        assert isinstance(frame, CallError)
        assert frame.error_code is code
        assert frame.error_details == {}


def test_frames_are_frozen_and_slotted() -> None:
    call = Call("1", "Heartbeat", {})
    with pytest.raises(dataclasses.FrozenInstanceError):
        call.action = "Other"  # type: ignore[misc]
    for frame in (call, CallResult("1", {}), CallError("1", ErrorCode.GENERIC_ERROR)):
        assert not hasattr(frame, "__dict__")


def test_call_error_defaults() -> None:
    error = CallError("1", ErrorCode.INTERNAL_ERROR)
    assert error.error_description == ""
    assert error.error_details == {}
    assert CallError("2", ErrorCode.INTERNAL_ERROR).error_details is not error.error_details


_JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.text(alphabet='a\u00e9\ud800\udfff"\\\n')  # lone surrogates, escapes
    | st.decimals(allow_nan=False, allow_infinity=False)
)
_JSON_VALUES = st.recursive(
    _JSON_SCALARS,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=1500, derandomize=True, deadline=None)
@given(_JSON_VALUES)
def test_the_fast_encoder_writes_what_the_exact_one_writes(value: object) -> None:
    # The C encoder goes first for speed; it must never give other text than our own exact
    # encoder (Decimals and lone surrogates, which it cannot write, fall back to ours).
    parts: list[str] = []
    frames._encode_parts(value, parts.append)
    assert frames._to_json(value) == "".join(parts)
