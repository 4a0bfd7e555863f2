"""Sans-IO OCPP-J RPC endpoint: matches CALLs with their CALLRESULT or CALLERROR.

One :class:`Endpoint` per WebSocket connection, usable on either side. As in h11/wsproto, the
adapter feeds received text to ``receive``, writes what ``data_to_send`` returns and calls
``poll`` by ``next_deadline``; time (``now``, UNIX seconds) is always passed in.

*Remote* errors (the peer broke the protocol) never raise: they are answered with a CALLERROR
where OCPP-J 1.6 §4.2.3 allows it and reported as events. *Local* errors (our side tried to
send something OCPP forbids) raise :class:`LocalProtocolError`. The events it reports are
defined in :mod:`runtime.ocppj.events`.
"""

from __future__ import annotations

import math
import uuid
from collections import Counter, deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.ocppj.errors import ErrorCode, LocalProtocolError, PayloadError
from runtime.ocppj.events import (
    CallAborted,
    CallReceived,
    CallTimedOut,
    EndpointEvent,
    ErrorReceived,
    ProtocolViolation,
    ResultInvalid,
    ResultReceived,
)
from runtime.ocppj.frames import (
    MAX_UNIQUE_ID_LENGTH,
    Call,
    CallError,
    CallResult,
    Frame,
    FrameError,
    decode_frame,
    encode_frame,
)
from runtime.ocppj.payload import Kind, PayloadValidator

__all__ = ["Endpoint"]


@dataclass(frozen=True, slots=True)
class _Refusal:
    code: ErrorCode
    reason: str
    details: dict[str, Any]


def _checked_timeout(seconds: float) -> float:
    if not (math.isfinite(seconds) and seconds > 0):
        raise ValueError(f"response_timeout must be > 0, got {seconds!r}")
    return float(seconds)


class Endpoint:
    """The OCPP-J RPC state of one WebSocket connection.

    Args:
        validator: Validates CALL (``"req"``) and CALLRESULT (``"conf"``) payloads.
        response_timeout: Seconds to wait for the answer to our CALL, ``> 0``.
        id_factory: Makes unique ids for our CALLs; defaults to UUID4 strings. Ids must be
            1 to 36 characters and must never repeat (OCPP-J 1.6 §4.1.4).
        supported_actions: Actions this side handles when the peer sends them as a CALL;
            ``None`` means every action the validator knows.
        unsupported_reasons: Why a known action is not supported, per action, for the
            CALLERROR description (e.g. ``"belongs to the Reservation profile, which this
            charge point does not support"``).

    Raises:
        ValueError: If ``response_timeout`` is not a positive finite number.
    """

    def __init__(
        self,
        *,
        validator: PayloadValidator,
        response_timeout: float,
        id_factory: Callable[[], str] | None = None,
        supported_actions: frozenset[str] | None = None,
        unsupported_reasons: Mapping[str, str] | None = None,
    ) -> None:
        self._validator = validator
        self._timeout = _checked_timeout(response_timeout)
        self._id_factory = id_factory or (lambda: str(uuid.uuid4()))
        self._supported = validator.actions() if supported_actions is None else supported_actions
        self._unsupported_reasons = dict(unsupported_reasons or {})
        self._used_ids: set[str] = set()
        self._outstanding: Call | None = None
        self._deadline = math.inf
        self._queue: deque[tuple[Call, str]] = deque()
        self._incoming: dict[str, Call] = {}
        self._outbox: list[str] = []
        self._closed = False
        self.lenient_frames: Counter[str] = Counter()
        """Frames received that passed only thanks to a leniency, per leniency name."""

    @property
    def response_timeout(self) -> float:
        """Seconds to wait for the answer to our CALL.

        A new value applies to CALLs sent from then on; the outstanding one keeps the
        deadline it was sent with (e.g. a changed MessageTimeout, errata E3.83).

        Raises:
            ValueError: (when set) If the value is not a positive finite number.
        """
        return self._timeout

    @response_timeout.setter
    def response_timeout(self, seconds: float) -> None:
        self._timeout = _checked_timeout(seconds)

    @property
    def outstanding(self) -> Call | None:
        """Our CALL that has been sent and awaits its answer, if any."""
        return self._outstanding

    @property
    def queued(self) -> tuple[Call, ...]:
        """Our CALLs waiting, in FIFO order, for the outstanding one to be settled."""
        return tuple(call for call, _ in self._queue)

    @property
    def awaiting_reply(self) -> tuple[Call, ...]:
        """CALLs received from the peer that we have not answered yet, oldest first."""
        return tuple(self._incoming.values())

    def call(self, action: str, payload: dict[str, Any], now: float, *, check: bool = True) -> Call:
        """Queue a CALL to the peer.

        OCPP-J 1.6 §4.1.1 allows one unanswered CALL per direction, so the CALL goes out now
        only if nothing is outstanding, else it waits in FIFO order. It is encoded at once:
        later changes to ``payload`` do not alter what is sent.

        Args:
            action: The OCPP action, e.g. ``"BootNotification"``.
            payload: The request payload (wire-level JSON values).
            now: Current time in UNIX seconds; starts the response timeout if sent at once.
            check: Validate the payload against the request schema. Only a test system
                probing how the peer treats an invalid request passes False.

        Returns:
            The CALL, with its newly assigned unique id.

        Raises:
            LocalProtocolError: If the payload is invalid or cannot be encoded, the action
                has no request schema, the id factory misbehaves, or the connection was lost.
        """
        self._check_open()
        if check:
            self._validate_outgoing(action, "req", payload)
        call = Call(self._new_id(), action, payload)
        self._queue.append((call, self._encode(call)))
        self._release(now)
        return call

    def reply(self, request: Call, payload: dict[str, Any]) -> None:
        """Answer a received CALL with a CALLRESULT.

        Args:
            request: The CALL from a :class:`CallReceived` event.
            payload: The response payload (wire-level JSON values).

        Raises:
            LocalProtocolError: If ``request`` is not awaiting a reply (unknown or already
                answered) or the payload is invalid; the CALL then still awaits a reply.
        """
        self._check_awaiting(request)
        self._validate_outgoing(request.action, "conf", payload)
        self._answer(CallResult(request.unique_id, payload))

    def reply_error(
        self,
        request: Call,
        code: ErrorCode,
        description: str = "",
        details: dict[str, Any] | None = None,
    ) -> None:
        """Answer a received CALL with a CALLERROR (OCPP-J 1.6 §4.2.3).

        Args:
            request: The CALL from a :class:`CallReceived` event.
            code: The error code.
            description: Explanation, empty if there is none.
            details: Extra information; ``None`` sends the empty object.

        Raises:
            LocalProtocolError: If ``request`` is not awaiting a reply or ``details`` is not JSON.
        """
        self._check_awaiting(request)
        self._answer(CallError(request.unique_id, ErrorCode(code), description, details or {}))

    def receive(self, text: str, now: float) -> list[EndpointEvent]:
        """Process one received WebSocket text message.

        Args:
            text: The message text.
            now: Current time; starts the timer of a CALL released by this message.

        Returns:
            The resulting events (one per received message).

        Raises:
            LocalProtocolError: If the connection was already reported lost.
        """
        self._check_open()
        try:
            frame = decode_frame(text)
        except FrameError as error:
            return self._on_frame_error(error, text)
        return self._dispatch(frame, text, now)

    def poll(self, now: float) -> list[EndpointEvent]:
        """Expire the outstanding CALL if its response timeout has passed.

        A timed-out CALL is settled (OCPP-J 1.6 §4.1.1); the next queued CALL is released with
        its timer starting at ``now``. A later answer is a :class:`ProtocolViolation`.

        Args:
            now: Current time in UNIX seconds.

        Returns:
            ``[CallTimedOut(request)]`` or an empty list.
        """
        if self._outstanding is None or now < self._deadline:
            return []
        request = self._outstanding
        self._settle(now)
        return [CallTimedOut(request)]

    def next_deadline(self) -> float | None:
        """Return when :meth:`poll` must next be called, or ``None`` if no timer runs."""
        return None if self._outstanding is None else self._deadline

    def data_to_send(self) -> list[str]:
        """Return, and forget, the frames to write to the WebSocket, in order."""
        outbox, self._outbox = self._outbox, []
        return outbox

    def connection_lost(self) -> list[EndpointEvent]:
        """Abort everything: the WebSocket is gone; the endpoint then refuses further use.

        Received CALLs awaiting a reply are forgotten and unsent frames dropped.

        Returns:
            One :class:`CallAborted` per CALL of ours, the outstanding one first, then FIFO.
        """
        aborted: list[Call] = [] if self._outstanding is None else [self._outstanding]
        aborted.extend(call for call, _ in self._queue)
        self._outstanding, self._deadline = None, math.inf
        self._queue.clear()
        self._incoming.clear()
        self._outbox.clear()
        self._closed = True
        return [CallAborted(call) for call in aborted]

    # -- incoming ---------------------------------------------------------------------------

    def _dispatch(self, frame: Frame, text: str, now: float) -> list[EndpointEvent]:
        if isinstance(frame, Call):
            return self._on_call(frame, text)
        request = self._outstanding
        if request is None or frame.unique_id != request.unique_id:
            # Never answer a response (OCPP-J 1.6 §4.2.3 only covers answering CALLs); a late
            # answer to a timed-out CALL also ends up here.
            kind = "CALLRESULT" if isinstance(frame, CallResult) else "CALLERROR"
            return [ProtocolViolation(f"{kind} for unknown id {frame.unique_id!r}", text)]
        self._settle(now)
        if isinstance(frame, CallError):
            return [ErrorReceived(request, frame)]
        checked = self._check_result(request, frame)
        if isinstance(checked, PayloadError):
            return [ResultInvalid(request, checked, frame)]
        return [ResultReceived(request, frame, self._count(checked))]

    def _count(self, lenient: tuple[str, ...]) -> tuple[str, ...]:
        self.lenient_frames.update(lenient)
        return lenient

    def _check_result(self, request: Call, result: CallResult) -> PayloadError | tuple[str, ...]:
        try:
            return self._validator.validate(request.action, "conf", result.payload)
        except PayloadError as error:
            return error
        except KeyError:
            message = f"no response schema for action {request.action!r}"
            return PayloadError(ErrorCode.INTERNAL_ERROR, "", message)

    def _on_call(self, call: Call, text: str) -> list[EndpointEvent]:
        checked = self._refusal(call)
        if isinstance(checked, _Refusal):
            refusal = (checked.code, checked.reason, checked.details)
            return self._refuse(call.unique_id, *refusal, text, action=call.action)
        self._incoming[call.unique_id] = call
        return [CallReceived(call, self._count(checked))]

    def _refusal(self, call: Call) -> _Refusal | tuple[str, ...]:
        """Why the CALL must be refused, or the leniencies its payload needed."""
        action = call.action
        if call.unique_id in self._incoming:
            # OCPP-J 1.6 §4.2.3: a CALL whose id is already being handled gets a CALLERROR.
            return _Refusal(
                ErrorCode.PROTOCOL_ERROR, f"id {call.unique_id!r} is already being handled", {}
            )
        # OCPP-J 1.6 §4.2.3 table 7: unknown action vs. known but not handled by this side.
        if action not in self._validator.actions():
            return _Refusal(ErrorCode.NOT_IMPLEMENTED, f"action {action!r} is not known", {})
        if action not in self._supported:
            reason = self._unsupported_reasons.get(action, "is not supported")
            return _Refusal(ErrorCode.NOT_SUPPORTED, f"action {action!r} {reason}", {})
        try:
            return self._validator.validate(action, "req", call.payload)
        except KeyError:
            return _Refusal(
                ErrorCode.NOT_IMPLEMENTED, f"no request schema for action {action!r}", {}
            )
        except PayloadError as error:
            return _Refusal(error.code, str(error), {"path": error.path})

    def _on_frame_error(self, error: FrameError, text: str) -> list[EndpointEvent]:
        # OCPP-J 1.6 §4.1.3: an unknown message type is ignored, never answered.
        if not error.ignorable and error.unique_id is not None:
            return self._refuse(error.unique_id, error.code, error.description, {}, text)
        return [ProtocolViolation(f"{error.code}: {error.description}", text)]

    def _refuse(
        self,
        unique_id: str,
        code: ErrorCode,
        reason: str,
        details: dict[str, Any],
        text: str,
        *,
        action: str | None = None,
    ) -> list[EndpointEvent]:
        self._outbox.append(encode_frame(CallError(unique_id, code, reason, details)))
        return [ProtocolViolation(f"answered {code}: {reason}", text, str(code), action)]

    # -- outgoing ---------------------------------------------------------------------------

    def _release(self, now: float) -> None:
        if self._outstanding is None and self._queue:
            call, text = self._queue.popleft()
            self._outstanding, self._deadline = call, now + self._timeout
            self._outbox.append(text)

    def _settle(self, now: float) -> None:
        self._outstanding, self._deadline = None, math.inf
        self._release(now)

    def _new_id(self) -> str:
        unique_id = self._id_factory()
        if not isinstance(unique_id, str) or not 0 < len(unique_id) <= MAX_UNIQUE_ID_LENGTH:
            raise LocalProtocolError(f"id factory returned an unusable id {unique_id!r}")
        if unique_id in self._used_ids:
            # OCPP-J 1.6 §4.1.4: a CALL id must differ from all earlier ones of this sender.
            raise LocalProtocolError(f"id factory repeated the id {unique_id!r}")
        self._used_ids.add(unique_id)
        return unique_id

    def _validate_outgoing(self, action: str, kind: Kind, payload: dict[str, Any]) -> None:
        try:
            self._validator.validate(action, kind, payload)
        except PayloadError as error:
            raise LocalProtocolError(error) from error
        except KeyError:
            raise LocalProtocolError(f"no {kind} schema for action {action!r}") from None

    @staticmethod
    def _encode(frame: Frame) -> str:
        try:
            return encode_frame(frame)
        except (TypeError, ValueError) as error:
            raise LocalProtocolError(f"cannot encode {type(frame).__name__}: {error}") from error

    def _answer(self, frame: CallResult | CallError) -> None:
        text = self._encode(frame)
        del self._incoming[frame.unique_id]
        self._outbox.append(text)

    def _check_open(self) -> None:
        if self._closed:
            raise LocalProtocolError("the connection was lost; use a new Endpoint")

    def _check_awaiting(self, request: Call) -> None:
        self._check_open()
        if self._incoming.get(request.unique_id) != request:
            raise LocalProtocolError(f"CALL {request.unique_id!r} is not awaiting a reply")
