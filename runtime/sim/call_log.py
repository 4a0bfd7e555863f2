"""What happened to the simulated station's CALLs, logged as it happens and kept for the end.

:class:`CallLedger` watches the frames a :class:`~runtime.sim.simulator.SimulatedStation`
writes and reads (it never changes them) and says, one WARNING line each, what a CI job needs
to see while it waits:

* a CALL of ours with no answer within the response timeout (OCPP-J 1.6 §4.1.1): which CALL,
  how long, which attempt;
* a CALL sent again (a transaction message retried, OCPP 1.6 §3.7.1): which attempt;
* a CALLERROR the Central System answered one of our CALLs with.

Our own CALLERROR answers are the station core's to log (``runtime.station.calls``: INFO for
an action we do not take, a WARNING for a malformed CALL), so they are not followed here.

The ledger also remembers, per action, how often the Central System refused it and the last
answer it gave, so a command can say in one line why its sessions failed.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from runtime.ocppj.frames import Call, CallError, CallResult, FrameError, decode_frame

__all__ = ["CallLedger"]

logger = logging.getLogger(__name__)

_TRIES_KEPT = 1000


@dataclass(slots=True)
class _Sent:
    """One CALL of ours on the wire, waiting for its answer."""

    action: str
    key: str
    at: float
    attempt: int
    overdue: bool = False


class CallLedger:
    """Follows the station's CALLs through the frames; logs timeouts, retries and refusals.

    Args:
        charge_point_id: Prefix of every log line.
        timeout: The station's response timeout in seconds (read at each check, since
            MessageTimeout may change).
    """

    def __init__(self, charge_point_id: str, timeout: Callable[[], float]) -> None:
        self._id = charge_point_id
        self._timeout = timeout
        self._open: dict[str, _Sent] = {}
        # Times each distinct CALL (action and payload) was sent without a CALLRESULT.
        self._tries: dict[str, int] = {}
        #: Per action, how often the Central System answered it with a CALLERROR or not at all.
        self.refused: Counter[str] = Counter()
        #: Per action, the last refusal, e.g. ``CALLERROR InternalError 'boom'``.
        self.last_refusal: dict[str, str] = {}
        #: Per action, the payload of the last CALLRESULT (wire JSON).
        self.last_result: dict[str, dict[str, Any]] = {}
        #: BootNotifications answered Rejected in a row (OCPP 1.6 §4.2), and whether one was
        #: ever Accepted.
        self.boots_rejected = 0
        self.boots_accepted = False

    def sent(self, text: str, now: float) -> None:
        """A frame the station wrote."""
        if not text.startswith("[2"):
            return  # our answers to the Central System's CALLs
        frame = _decode(text)
        if isinstance(frame, Call):
            self._sent_call(frame, now)

    def received(self, text: str, now: float) -> None:
        """A frame the Central System sent."""
        frame = _decode(text)
        if isinstance(frame, Call):
            return
        if frame is None or (sent := self._open.pop(frame.unique_id, None)) is None:
            return
        took = now - sent.at
        if isinstance(frame, CallResult):
            self._tries.pop(sent.key, None)
            self.last_result[sent.action] = frame.payload
            if sent.action == "BootNotification":
                self._booted(frame.payload.get("status"))
            if sent.overdue:
                logger.warning(
                    "%s: %s answered after %.1f s, too late (attempt %d)",
                    self._id,
                    sent.action,
                    took,
                    sent.attempt,
                )
            return
        refusal = f"CALLERROR {frame.error_code} {frame.error_description!r}"
        self._refuse(sent.action, refusal)
        logger.warning(
            "%s: the Central System answered %s (attempt %d) with %s after %.1f s",
            self._id,
            sent.action,
            sent.attempt,
            refusal,
            took,
        )

    def check(self, now: float) -> None:
        """Log every CALL whose response timeout has passed without an answer."""
        limit = self._timeout()
        for sent in self._open.values():
            if sent.overdue or now - sent.at < limit:
                continue
            sent.overdue = True
            self._refuse(sent.action, f"no answer within {limit:g} s")
            logger.warning(
                "%s: no answer to %s within %g s (attempt %d)",
                self._id,
                sent.action,
                limit,
                sent.attempt,
            )

    def next_deadline(self) -> float | None:
        """When :meth:`check` has a timeout to log next, or ``None``."""
        waiting = [sent.at for sent in self._open.values() if not sent.overdue]
        return min(waiting) + self._timeout() if waiting else None

    def disconnected(self) -> None:
        """The connection is gone, and with it every CALL on it (OCPP-J 1.6 §4.1.1)."""
        self._open.clear()

    def _booted(self, status: object) -> None:
        if status == "Accepted":
            self.boots_accepted = True
            self.boots_rejected = 0
        elif status == "Rejected":
            self.boots_rejected += 1
            logger.warning(
                "%s: the Central System rejected BootNotification (%d in a row)",
                self._id,
                self.boots_rejected,
            )

    def _refuse(self, action: str, refusal: str) -> None:
        self.refused[action] += 1
        self.last_refusal[action] = refusal

    def _sent_call(self, call: Call, now: float) -> None:
        key = f"{call.action} {json.dumps(call.payload, sort_keys=True)}"
        if len(self._tries) >= _TRIES_KEPT:
            # CALLs refused for good are never answered; keep the memory bounded.
            self._tries.clear()
        attempt = self._tries.get(key, 0) + 1
        self._tries[key] = attempt
        self._open[call.unique_id] = _Sent(call.action, key, now, attempt)
        if attempt > 1:
            logger.warning("%s: sending %s again (attempt %d)", self._id, call.action, attempt)


def _decode(text: str) -> Call | CallResult | CallError | None:
    try:
        return decode_frame(text)
    except FrameError:
        return None
