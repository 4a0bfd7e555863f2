"""OCPP-J 1.6 frame codec: the JSON array wrapper around every OCPP message.

Pure functions only (no I/O, no clock). ``decode_frame`` turns received text into a typed
frame or raises :class:`FrameError` carrying the CALLERROR code to answer with;
``encode_frame`` turns a frame back into compact wire text.

References: OCPP-J 1.6 §4 (RPC framework) and the OCPP-J 1.6 errata sheet.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from enum import IntEnum
from typing import Any, NoReturn

from runtime.ocppj.errors import ErrorCode, RemoteProtocolError

__all__ = [
    "MAX_UNIQUE_ID_LENGTH",
    "Call",
    "CallError",
    "CallResult",
    "Frame",
    "FrameError",
    "MessageTypeId",
    "decode_frame",
    "encode_frame",
]

# OCPP-J 1.6 §4.1.4 table 3: a message id is a string of at most 36 characters (room for a GUID).
MAX_UNIQUE_ID_LENGTH = 36


class MessageTypeId(IntEnum):
    """Message type numbers, OCPP-J 1.6 §4.1.3 table 2."""

    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4


@dataclass(frozen=True, slots=True)
class Call:
    """A request, ``[2, uniqueId, action, payload]`` (OCPP-J 1.6 §4.2.1)."""

    unique_id: str
    action: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallResult:
    """A successful response, ``[3, uniqueId, payload]`` (OCPP-J 1.6 §4.2.2)."""

    unique_id: str
    payload: dict[str, Any]


@dataclass(frozen=True, slots=True)
class CallError:
    """An error response, ``[4, uniqueId, errorCode, errorDescription, errorDetails]``.

    See OCPP-J 1.6 §4.2.3; an empty description and empty details object are the defaults
    the section asks for when there is nothing to say.
    """

    unique_id: str
    error_code: ErrorCode
    error_description: str = ""
    error_details: dict[str, Any] = field(default_factory=dict)


Frame = Call | CallResult | CallError

# Number of array elements per message type (OCPP-J 1.6 §4.2.1, §4.2.2, §4.2.3).
_FRAME_LENGTH = {MessageTypeId.CALL: 4, MessageTypeId.CALLRESULT: 3, MessageTypeId.CALLERROR: 5}


class FrameError(RemoteProtocolError):
    """A received frame that cannot be accepted.

    Attributes:
        code: The CALLERROR code that describes the problem (OCPP-J 1.6 §4.2.3).
        unique_id: The message id when it could be recovered from a CALL frame, so that the
            receiver can answer with a CALLERROR. ``None`` when there is nobody to answer:
            the id is unreadable, or the frame is a response (responses are never answered).
        description: Human-readable explanation.
        ignorable: ``True`` when the message type number is a number other than 2, 3 or 4;
            OCPP-J 1.6 §4.1.3 says the payload of such a message is ignored (no reply).
    """

    def __init__(
        self,
        code: ErrorCode,
        description: str,
        *,
        unique_id: str | None = None,
        ignorable: bool = False,
    ) -> None:
        super().__init__(code, description)
        self.description = description
        self.unique_id = unique_id
        self.ignorable = ignorable


def _reject_constant(name: str) -> NoReturn:
    # NaN and Infinity are not JSON (RFC 8259); OCPP-J 1.6 §4.1.2 requires valid JSON.
    raise ValueError(f"invalid JSON number {name}")


def _is_number(value: object) -> bool:
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


# JSON's own string scanner (the C one when built); the stubs do not declare it.
_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]

# The start of a CALL, ``[2, "``: its id follows, enough to answer a CALL whose rest is
# broken JSON.
_CALL_START = re.compile(r'\A\s*\[\s*2\s*,\s*"')


def _call_id_prefix(text: str) -> str | None:
    """The unique id of a text that starts like a CALL, read by JSON's own string parser
    (escapes such as ``\\u0000`` or ``\\"`` included), or None when there is none of 1 to
    36 characters (OCPP-J 1.6 §4.1.4)."""
    match = _CALL_START.match(text)
    if match is None:
        return None
    try:
        unique_id, _ = _scanstring(text, match.end(), True)
    except ValueError:  # unterminated, a raw control character, a bad escape
        return None
    readable = 1 <= len(unique_id) <= MAX_UNIQUE_ID_LENGTH and _echoable(unique_id)
    return unique_id if readable else None


def _parse_message_type(array: list[Any]) -> MessageTypeId:
    raw = array[0]
    if not _is_number(raw):
        raise FrameError(ErrorCode.FORMATION_VIOLATION, "MessageTypeId is not a number")
    if isinstance(raw, int) and raw in _FRAME_LENGTH:
        return MessageTypeId(raw)
    raise FrameError(
        ErrorCode.FORMATION_VIOLATION,
        f"unknown MessageTypeId {raw}; message ignored (OCPP-J 1.6 §4.1.3)",
        ignorable=True,
    )


def _echoable(unique_id: str) -> bool:
    """Whether an id can be written back in JSON as itself. Raw surrogate code points side
    by side (text that was never UTF-8, RFC 8259 §8.1) read back as one other character
    (RFC 8259 §7), so a reply would carry a different id. ASCII text (every id a sane
    peer sends) always reads back as itself."""
    return unique_id.isascii() or bool(json.loads(json.dumps(unique_id)) == unique_id)


def _parse_unique_id(array: list[Any], is_call: bool) -> str:
    raw = array[1] if len(array) > 1 else None
    if not isinstance(raw, str):
        raise FrameError(ErrorCode.FORMATION_VIOLATION, "UniqueId is not a string")
    if not _echoable(raw):
        raise FrameError(ErrorCode.FORMATION_VIOLATION, "UniqueId cannot be written back as JSON")
    if len(raw) > MAX_UNIQUE_ID_LENGTH:
        # Only a CALL is answered, so only a CALL gets its id handed back (OCPP-J 1.6 §4.2.3
        # names "unique identifier too long" as a reason for a CALLERROR).
        raise FrameError(
            ErrorCode.PROTOCOL_ERROR,
            f"UniqueId longer than {MAX_UNIQUE_ID_LENGTH} characters",
            unique_id=raw if is_call else None,
        )
    return raw


def _object_or_empty(value: object) -> dict[str, Any] | None:
    # OCPP-J 1.6 §4.2.1/§4.2.2 list null as an allowed notation for "no payload" (while
    # recommending {}), so null is accepted on receipt and normalised to an empty object.
    if value is None:
        return {}
    return value if isinstance(value, dict) else None


def _decode_call(array: list[Any], unique_id: str) -> Call:
    action, payload = array[2], _object_or_empty(array[3])
    if not isinstance(action, str):
        raise FrameError(
            ErrorCode.FORMATION_VIOLATION, "Action is not a string", unique_id=unique_id
        )
    if payload is None:
        raise FrameError(
            ErrorCode.FORMATION_VIOLATION, "Payload is not a JSON object", unique_id=unique_id
        )
    return Call(unique_id, action, payload)


def _decode_call_result(array: list[Any], unique_id: str) -> CallResult:
    payload = _object_or_empty(array[2])
    if payload is None:
        raise FrameError(ErrorCode.FORMATION_VIOLATION, "Payload is not a JSON object")
    return CallResult(unique_id, payload)


def _decode_call_error(array: list[Any], unique_id: str) -> CallError:
    raw_code, description, details = array[2], array[3], array[4]
    if not isinstance(raw_code, str) or not isinstance(description, str):
        raise FrameError(
            ErrorCode.FORMATION_VIOLATION, "errorCode and errorDescription must be strings"
        )
    if not isinstance(details, dict):
        raise FrameError(ErrorCode.FORMATION_VIOLATION, "errorDetails is not a JSON object")
    try:
        code = ErrorCode(raw_code)
    except ValueError:
        # Be lenient in what we receive: a peer using a code outside OCPP-J 1.6 §4.2.3
        # table 7 (e.g. a 2.0.1 spelling) still answered our CALL, and dropping the frame
        # would only turn that answer into a timeout. Keep the original string visible.
        code = ErrorCode.GENERIC_ERROR
        details = {**details, "receivedErrorCode": raw_code}
    return CallError(unique_id, code, description, details)


def decode_frame(text: str) -> Frame:
    """Decode one received OCPP-J message.

    Fractional numbers are parsed as :class:`~decimal.Decimal` so that decimal fields keep
    their exact value.

    Args:
        text: The text of one WebSocket message.

    Returns:
        The decoded :class:`Call`, :class:`CallResult` or :class:`CallError`.

    Raises:
        FrameError: If the text is not valid JSON or does not have the structure of
            OCPP-J 1.6 §4.2 (``FormationViolation``), if the unique id is longer than 36
            characters (``ProtocolError``), or if the message type number is unknown
            (``ignorable`` set, OCPP-J 1.6 §4.1.3).
    """
    try:
        array = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except (ValueError, RecursionError, ArithmeticError) as exc:
        # ArithmeticError: a number Decimal cannot hold (1E+9999999999999999999).
        # OCPP-J 1.6 §4.2.3: syntactically incorrect → FormationViolation. When the text still
        # starts like a CALL with a readable id, that id lets the sender learn what went wrong.
        raise FrameError(
            ErrorCode.FORMATION_VIOLATION,
            f"invalid JSON: {exc}",
            unique_id=_call_id_prefix(text),
        ) from None
    if not isinstance(array, list) or not array:
        raise FrameError(ErrorCode.FORMATION_VIOLATION, "message is not a non-empty JSON array")
    message_type = _parse_message_type(array)
    is_call = message_type is MessageTypeId.CALL
    unique_id = _parse_unique_id(array, is_call)
    expected = _FRAME_LENGTH[message_type]
    if len(array) != expected:
        # OCPP-J 1.6 §4.2.3 table 7: a CALL that stops before its payload is incomplete
        # (ProtocolError); any other element count breaks the structure (FormationViolation).
        incomplete = is_call and len(array) < expected
        raise FrameError(
            ErrorCode.PROTOCOL_ERROR if incomplete else ErrorCode.FORMATION_VIOLATION,
            f"{message_type.name} must have {expected} elements, got {len(array)}",
            unique_id=unique_id if is_call else None,
        )
    if is_call:
        return _decode_call(array, unique_id)
    if message_type is MessageTypeId.CALLRESULT:
        return _decode_call_result(array, unique_id)
    return _decode_call_error(array, unique_id)


def _encode_scalar(value: object) -> str:
    if isinstance(value, str):
        return _json_string(value)
    if value is None or isinstance(value, bool):
        return json.dumps(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal) and value.is_finite():
        # str(Decimal) is a valid JSON number (e.g. "1.50", "1E+3") and keeps the exact value.
        return str(value)
    if isinstance(value, float) and math.isfinite(value):
        return repr(value)
    if isinstance(value, float | Decimal):
        raise ValueError(f"non-finite number {value!r} cannot be encoded as JSON")
    raise TypeError(f"cannot encode {type(value).__name__} as JSON")


def _json_string(text: str) -> str:
    # Non-ASCII stays readable (OCPP-J 1.6 §4.1.2: UTF-8), except a lone surrogate, which has
    # no UTF-8 form (it can arrive escaped as "\ud800" in a peer's frame and be echoed back in a
    # CALLERROR): such a string is written with \u escapes so the frame can still be sent.
    encoded = json.dumps(text, ensure_ascii=False)
    try:
        encoded.encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps(text, ensure_ascii=True)
    return encoded


def _encode_parts(value: object, emit: Callable[[str], None]) -> None:
    if isinstance(value, dict):
        emit("{")
        for index, (key, item) in enumerate(value.items()):
            if not isinstance(key, str):
                raise TypeError(f"JSON object keys must be strings, got {type(key).__name__}")
            emit(("," if index else "") + _json_string(key) + ":")
            _encode_parts(item, emit)
        emit("}")
    elif isinstance(value, list | tuple):
        emit("[")
        for index, item in enumerate(value):
            if index:
                emit(",")
            _encode_parts(item, emit)
        emit("]")
    else:
        emit(_encode_scalar(value))


def _str_keys(value: object) -> bool:
    """Whether every object key below ``value`` is a string (the C encoder would quietly
    turn an int key into text, where ours refuses it)."""
    if isinstance(value, dict):
        return all(isinstance(k, str) and _str_keys(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return all(_str_keys(item) for item in value)
    return True


def _to_json(value: object) -> str:
    # The standard library's C encoder writes the same text as ours for plain values and is
    # several times faster, so it goes first. It cannot write a Decimal as a JSON number
    # without converting it to float (losing the exact value) and raises TypeError on one;
    # it leaves a lone surrogate raw (no UTF-8 form). Both cases fall back to our encoder.
    if _str_keys(value):
        try:
            text = json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False)
        except TypeError:
            pass
        else:
            if text.isascii() or _is_utf8(text):
                return text
    parts: list[str] = []
    _encode_parts(value, parts.append)
    return "".join(parts)


def _is_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _frame_elements(frame: Frame) -> Iterator[object]:
    if isinstance(frame, Call):
        yield from (MessageTypeId.CALL.value, frame.unique_id, frame.action, frame.payload)
    elif isinstance(frame, CallResult):
        yield from (MessageTypeId.CALLRESULT.value, frame.unique_id, frame.payload)
    else:
        code = frame.error_code
        yield from (MessageTypeId.CALLERROR.value, frame.unique_id, str(code))
        yield from (frame.error_description, frame.error_details)


def encode_frame(frame: Frame) -> str:
    """Encode a frame as compact OCPP-J text.

    The output is JSON without insignificant whitespace; non-ASCII characters are written
    as-is (the WebSocket layer sends UTF-8, OCPP-J 1.6 §4.1.2). Decimals are written as JSON
    numbers with their exact digits. Payloads must already be wire-level values (str, int,
    float, Decimal, bool, None, list, dict); datetimes are not converted here.

    Args:
        frame: The frame to encode.

    Returns:
        The JSON text of the frame.

    Raises:
        TypeError: If the payload holds a value that has no JSON form.
        ValueError: If the payload holds a NaN or infinite number.
    """
    return _to_json(list(_frame_elements(frame)))
