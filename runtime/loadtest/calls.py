"""The response time of every CALL a charge point sends, read off the frames on the wire.

A load test measures the Central System: how long it takes to answer each request. The
station's endpoint knows its open CALLs, but the time that matters is the adapter's: from the
moment a frame is handed to the socket until its answer is read back. :class:`CallTimer`
watches both directions and turns each CALL into one :class:`CallOutcome`:

* a CALLRESULT with the same unique id (OCPP-J 1.6 §4.2.2): answered, no error;
* a CALLERROR with the same unique id (§4.2.3): failed, the error is its code;
* no answer within the station's MessageTimeout (errata E3.83; the deadline in force when the
  CALL was sent, as the endpoint keeps it): failed, :data:`TIMEOUT`;
* the connection lost before an answer came: failed, :data:`CONNECTION_LOST` (OCPP-J §4.1.1:
  a CALL is answered on the connection it was sent on, or never).

Frames the Central System sends (its own CALLs) and answers the station sends are not the
station's requests and are passed over. Pure: the caller passes the times in.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from runtime.errors import ChargespecError
from runtime.ocppj.frames import Call, CallError, CallResult, FrameError, decode_frame

__all__ = ["CONNECTION_LOST", "TIMEOUT", "CallFailed", "CallOutcome", "CallTimer"]

log = logging.getLogger(__name__)

#: The error of a CALL left unanswered past its timeout.
TIMEOUT = "Timeout"
#: The error of a CALL whose connection closed before its answer came.
CONNECTION_LOST = "ConnectionLost"


@dataclass(frozen=True, slots=True)
class CallOutcome:
    """What became of one CALL the station sent.

    Attributes:
        action: The OCPP action, e.g. ``BootNotification``.
        response_time_ms: From sending the CALL to reading its answer (or to giving up), in
            milliseconds.
        response_length: Characters of the answer frame; 0 without one.
        error: ``None`` when a CALLRESULT came; else the CALLERROR's code,
            :data:`TIMEOUT` or :data:`CONNECTION_LOST`.
        description: The CALLERROR's errorDescription, or what went wrong otherwise.
    """

    action: str
    response_time_ms: float
    response_length: int
    error: str | None = None
    description: str = ""


class CallFailed(ChargespecError):
    """A CALL that got no CALLRESULT, as a load test reports it.

    Its text is what failures are grouped by: ``CALLERROR <code>``, ``Timeout`` or
    ``ConnectionLost``, without ids or descriptions, so that one cause is one row.

    Attributes:
        outcome: The CALL's outcome, description included.
    """

    def __init__(self, outcome: CallOutcome) -> None:
        error = outcome.error or "no error"
        text = error if error in (TIMEOUT, CONNECTION_LOST) else f"CALLERROR {error}"
        super().__init__(text)
        self.outcome = outcome


@dataclass(frozen=True, slots=True)
class _Pending:
    action: str
    sent_at: float
    deadline: float


class CallTimer:
    """Follows the CALLs a station sends until each is answered, refused, timed out or lost."""

    def __init__(self) -> None:
        self._pending: dict[str, _Pending] = {}

    @property
    def open_calls(self) -> int:
        """How many CALLs are waiting for their answer."""
        return len(self._pending)

    def sent(self, text: str, at: float, timeout: float) -> None:
        """A frame was handed to the socket at ``at`` (seconds); a CALL starts its clock.

        Args:
            text: The frame.
            at: When it was sent, seconds on a monotonic clock.
            timeout: Seconds the station waits for the answer (its MessageTimeout).
        """
        frame = _decoded(text)
        if isinstance(frame, Call):
            self._pending[frame.unique_id] = _Pending(frame.action, at, at + timeout)

    def received(self, text: str, at: float) -> CallOutcome | None:
        """A frame was read at ``at``; the outcome of the CALL it answers, if it answers one."""
        frame = _decoded(text)
        if not isinstance(frame, CallResult | CallError):
            return None
        pending = self._pending.pop(frame.unique_id, None)
        if pending is None:
            return None  # late (already timed out) or not ours: the endpoint deals with it
        elapsed = (at - pending.sent_at) * 1000.0
        if isinstance(frame, CallResult):
            return CallOutcome(pending.action, elapsed, len(text))
        return CallOutcome(
            pending.action, elapsed, len(text), frame.error_code.value, frame.error_description
        )

    def expired(self, now: float) -> list[CallOutcome]:
        """The CALLs whose deadline has passed at ``now``, forgotten from here on."""
        late = [uid for uid, pending in self._pending.items() if pending.deadline <= now]
        return [self._give_up(uid, now, TIMEOUT, "no answer in time") for uid in late]

    def lost(self, now: float) -> list[CallOutcome]:
        """The connection closed at ``now``: every open CALL fails."""
        lost = list(self._pending)
        return [self._give_up(uid, now, CONNECTION_LOST, "connection closed") for uid in lost]

    def _give_up(self, unique_id: str, now: float, error: str, description: str) -> CallOutcome:
        pending = self._pending.pop(unique_id)
        elapsed = (now - pending.sent_at) * 1000.0
        return CallOutcome(pending.action, elapsed, 0, error, description)


def _decoded(text: str) -> Call | CallResult | CallError | None:
    try:
        return decode_frame(text)
    except FrameError as error:
        # Not a frame we can read: the station's endpoint answers or ignores it; here it
        # just is no CALL and no answer.
        log.debug("frame not timed (%s): %.80s", error.description, text)
        return None
