"""What an OCPP-J endpoint reports: one event per received frame or expired timer.

:class:`~runtime.ocppj.endpoint.Endpoint` returns these from ``receive``, ``poll`` and
``connection_lost``; the station and the test system match on them. They live apart from the
endpoint so that code reacting to events need not import the RPC state machine, and so that
``endpoint.py`` holds only the matching of CALLs with their answers (OCPP-J 1.6 §4.1.1).
"""

from __future__ import annotations

from dataclasses import dataclass

from runtime.ocppj.errors import PayloadError
from runtime.ocppj.frames import Call, CallError, CallResult

__all__ = [
    "CallAborted",
    "CallReceived",
    "CallTimedOut",
    "EndpointEvent",
    "ErrorReceived",
    "ProtocolViolation",
    "ResultInvalid",
    "ResultReceived",
]


@dataclass(frozen=True, slots=True)
class CallReceived:
    """The peer sent a valid CALL; answer it with ``reply`` or ``reply_error``.

    ``lenient`` names the declared leniencies its payload needed (empty when strictly valid).
    """

    call: Call
    lenient: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResultReceived:
    """Our outstanding CALL was answered with a valid CALLRESULT (``lenient`` as for
    :class:`CallReceived`)."""

    request: Call
    result: CallResult
    lenient: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class ResultInvalid:
    """Our CALL got a CALLRESULT that breaks its schema; settled anyway, never answered."""

    request: Call
    error: PayloadError
    result: CallResult


@dataclass(frozen=True, slots=True)
class ErrorReceived:
    """Our outstanding CALL was answered with a CALLERROR."""

    request: Call
    error: CallError


@dataclass(frozen=True, slots=True)
class CallTimedOut:
    """Our outstanding CALL got no answer within the response timeout (OCPP-J 1.6 §4.1.1)."""

    request: Call


@dataclass(frozen=True, slots=True)
class CallAborted:
    """A CALL of ours, sent or still queued, was dropped because the connection was lost."""

    request: Call


@dataclass(frozen=True, slots=True)
class ProtocolViolation:
    """The peer sent something this side refused (any CALLERROR answer is already queued).

    ``answered`` is the CALLERROR code this side answered with, ``None`` when the frame could
    not be answered (no readable id, an answer to nothing); ``action`` the refused CALL's
    action when it was a readable CALL. An answer NotSupported or NotImplemented refuses an
    action, not a malformed message (OCPP-J 1.6 §4.2.3).
    """

    description: str
    frame_text: str
    answered: str | None = None
    action: str | None = None


EndpointEvent = (
    CallReceived
    | ResultReceived
    | ResultInvalid
    | ErrorReceived
    | CallTimedOut
    | CallAborted
    | ProtocolViolation
)
