"""CALLs between a station and the Central System, both ways.

Theory of operation: a :class:`CallRouter` per boot stands between the OCPP-J
:class:`~runtime.ocppj.endpoint.Endpoint` of the current connection and the boot's machines.
Outgoing, a machine's CALL goes to the transaction message queue when it is
transaction-related (OCPP 1.6 §3.7), is held back when the registration state forbids it
(§4.2), fails at once when offline, and is otherwise sent with its sender remembered. Incoming,
the endpoint's events come back as spec events for the machines: a CALL from the Central
System becomes ``ocpp.<Action>`` for every machine (or goes to an application handler), and
the fate of one of our CALLs becomes ``result.``/``error.``/``timeout.<Action>`` for its
sender. The functions below are the pure rules this needs.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, MutableMapping
from typing import Any

from runtime.ocppj.endpoint import Endpoint
from runtime.ocppj.errors import ErrorCode, LocalProtocolError
from runtime.ocppj.events import (
    CallReceived,
    CallTimedOut,
    EndpointEvent,
    ErrorReceived,
    ProtocolViolation,
    ResultInvalid,
    ResultReceived,
)
from runtime.ocppj.frames import Call, CallError, CallResult, FrameError, decode_frame
from runtime.spec.effects import OUTCOME_ID_TAG, OUTCOME_TX_REF, Reply, SendCall
from runtime.spec.pics import PicsValues
from runtime.spec.registry import SpecRegistry
from runtime.station.machines import MachineSet
from runtime.station.txqueue import InstanceKey, Settlement, StationQueue

__all__ = [
    "CallHandler",
    "CallRouter",
    "call_outcome",
    "is_answer",
    "reply",
    "run_handler",
    "unsupported",
]

log = logging.getLogger(__name__)

CallHandler = Callable[[Call], Mapping[str, Any]]
"""Application code answering one CSMS action (e.g. vendor DataTransfer): the received CALL
in, the response payload (wire JSON values) out."""


def is_answer(text: str) -> bool:
    """Whether ``text`` is a well-formed CALLRESULT or CALLERROR frame."""
    try:
        return isinstance(decode_frame(text), CallResult | CallError)
    except FrameError:
        return False


def unsupported(
    registry: SpecRegistry,
    pics: PicsValues,
    handled: Iterable[str],
    machines: Mapping[str, Iterable[str]] | None = None,
) -> dict[str, str]:
    """Known actions this charge point refuses with CALLERROR NotSupported, and why.

    OCPP-J 1.6 §4.2.3 table 7: NotSupported is for an action the receiver recognises but
    does not support: one the Central System may not send, or one nothing here implements.

    Args:
        registry: The spec set.
        pics: The device's PICS.
        handled: Actions an application handler answers (counted for a declared profile
            only: the PICS says what the Charge Point supports).
        machines: Per action, the profiles of the machines taking it as ``ocpp.<Action>``.

    An action of a feature profile the PICS declares (OCPP 1.6 §3.3; or of a profile the PICS
    form does not list, like the security extension's) is implemented by a machine of that
    profile. For an action of a profile the PICS does not declare, a machine of another
    profile taking it gives the answer the spec prescribes (UnsupportedProfiles: ReserveNow
    Rejected, §5.13); with none it is NotSupported (the profile's own machines stand aside).
    """
    answered = set(handled)
    takers = {action: set(profiles) for action, profiles in (machines or {}).items()}
    # A profile with a PICS item is gated by it; one without (the security extension's
    # messages) is not declared in the PICS form's profile list.
    known = {item.name for item in registry.pics_items}
    reasons = {}
    for name, info in registry.messages.items():
        profiles = takers.get(name, set())
        declared = info.profile not in known or pics.get_bool(info.profile)
        if not info.sent_by_central_system():
            reasons[name] = "is sent by the Charge Point, not to it"
        elif not declared and not profiles - {info.profile}:
            reasons[name] = (
                f"belongs to the {info.profile} profile, which this charge point does not support"
            )
        elif declared and name not in answered and info.profile not in profiles:
            reasons[name] = "is not supported by this charge point"
    return reasons


def call_outcome(event: Settlement) -> tuple[str, dict[str, Any]]:
    """The spec event (name, payload) the machine that sent a CALL hears about its fate.

    A CALLRESULT is ``result.<Action>`` with its payload; a CALLERROR, an invalid answer or
    a lost connection is ``error.<Action>`` with the errorCode; no answer in time is
    ``timeout.<Action>`` (OCPP-J 1.6 §4.1.1). Each also carries what the request was about
    (:data:`~runtime.spec.effects.OUTCOME_TX_REF`, 0 here: not a transaction message, and
    :data:`~runtime.spec.effects.OUTCOME_ID_TAG`).
    """
    sent = {OUTCOME_TX_REF: 0, OUTCOME_ID_TAG: str(event.request.payload.get("idTag") or "")}
    event_name, payload = _outcome(event)
    return event_name, {**payload, **sent}


def _outcome(event: Settlement) -> tuple[str, dict[str, Any]]:
    action = event.request.action
    if isinstance(event, ResultReceived):
        return f"result.{action}", dict(event.result.payload)
    if isinstance(event, ErrorReceived):
        return f"error.{action}", {"errorCode": str(event.error.error_code)}
    if isinstance(event, ResultInvalid):
        log.warning("invalid %s.conf: %s", action, event.error)
        return f"error.{action}", {"errorCode": str(event.error.code)}
    if isinstance(event, CallTimedOut):
        return f"timeout.{action}", {}
    return f"error.{action}", {"errorCode": "ConnectionLost"}


def reply(endpoint: Endpoint, call: Call, payload: Mapping[str, Any], producer: str) -> None:
    """Answer ``call``; an answer its own schema refuses becomes an InternalError.

    Args:
        endpoint: The connection the CALL came in on.
        call: The CALL being answered.
        payload: The response payload (wire JSON values).
        producer: What made the payload, named in the error (e.g. ``"Reset"`` for the spec's
            answer, ``"Reset handler"`` for application code).
    """
    try:
        endpoint.reply(call, dict(payload))
    except LocalProtocolError as error:
        # An invalid answer is a bug on our side (the spec or the application), reported as
        # the receiver's internal error (OCPP-J 1.6 §4.2.3).
        log.error("%s produced an invalid answer: %s", producer, error)
        reason = f"{producer} produced an invalid response"
        endpoint.reply_error(call, ErrorCode.INTERNAL_ERROR, reason, {"cause": str(error)})


def run_handler(endpoint: Endpoint, call: Call, handler: CallHandler) -> None:
    """Let application code answer ``call``; its failure is the receiver's InternalError."""
    try:
        payload = dict(handler(call))
    except Exception as error:  # application code: any failure is the receiver's fault
        log.exception("handler for %s failed", call.action)
        # OCPP-J 1.6 §4.2.3 table 7: InternalError, an error in the receiver's handling.
        reason = f"{call.action} handler failed: {type(error).__name__}"
        endpoint.reply_error(call, ErrorCode.INTERNAL_ERROR, reason)
        return
    reply(endpoint, call, payload, f"{call.action} handler")


# OCPP-J 1.6 §4.2.3 table 7: answers to a CALL this side does not take; nothing was wrong with
# the message itself.
_NOT_TAKEN = frozenset({"NotSupported", "NotImplemented"})


class StationLog(logging.LoggerAdapter):  # type: ignore[type-arg]
    """This module's logger with the Charge Point's identity in front of every line (a fleet
    runs thousands of stations in one process)."""

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        return f"{(self.extra or {}).get('station')}: {msg}", kwargs


def _log_refusal(log: logging.Logger | StationLog, event: ProtocolViolation) -> None:
    """Say who did what: refusing an action this Charge Point does not take is its own normal
    answer; a malformed CALL or an unreadable frame is the Central System's violation."""
    if event.answered in _NOT_TAKEN:
        what = f"the Central System's {event.action}" if event.action else "a CALL"
        log.info("answered %s with CALLERROR %s", what, event.description.partition(" ")[2])
    elif event.answered is not None:
        log.warning(
            "the Central System sent a CALL that is not valid OCPP-J; %s", event.description
        )
    else:
        log.warning("protocol violation from the Central System: %s", event.description)


class CallRouter:
    """The CALLs of one boot of a station, between its machines and the Central System.

    Args:
        machines: The boot's machines.
        tx: The boot's transaction message delivery.
        handlers: The application handlers by action, read at each CALL (so handlers the
            station gets later apply).
        now: The station's current time.
        lenient_frames: Counts frames accepted only thanks to a leniency.
        suppressed: Collects the actions not sent because the registration state forbids it.
    """

    def __init__(
        self,
        machines: MachineSet,
        tx: StationQueue,
        handlers: Callable[[], Mapping[str, CallHandler]],
        *,
        now: Callable[[], float],
        lenient_frames: Counter[str],
        suppressed: list[str],
        name: str = "station",
    ) -> None:
        self.endpoint: Endpoint | None = None
        self._log = StationLog(log, {"station": name})
        self._machines = machines
        self._tx = tx
        self._handlers = handlers
        self._now = now
        self._lenient_frames = lenient_frames
        self._suppressed = suppressed
        self._origin: dict[str, InstanceKey] = {}  # CALL unique id -> sending machine
        self._open_calls: dict[str, Call] = {}  # action -> CALL a machine is to answer

    # --- the connection ---------------------------------------------------------------------
    def open(self, endpoint: Endpoint) -> None:
        """A connection is up; ``endpoint`` is its OCPP-J state."""
        self.endpoint = endpoint

    def lost(self) -> None:
        """The connection is gone: every CALL of ours still open fails (ConnectionLost)."""
        if self.endpoint is None:
            return
        events = self.endpoint.connection_lost()
        self.endpoint = None
        for event in events:
            self._on_event(event)

    def receive(self, text: str, now: float) -> None:
        """One frame from the Central System."""
        if self.endpoint is None:
            return
        if not self._machines.answers_calls() and not is_answer(text):
            # Registration Rejected: the Charge Point answers nothing at all (OCPP 1.6 §4.2),
            # not even the CALLERROR the endpoint would give an unsupported action or a
            # malformed frame; only answers to its own BootNotification are read.
            self._log.info(
                "frame from the Central System left unanswered (Rejected): %s", text[:80]
            )
            return
        for event in self.endpoint.receive(text, now):
            self._on_event(event)

    def poll(self, now: float) -> None:
        """Time out our CALL if its answer is overdue."""
        if self.endpoint is not None:
            for event in self.endpoint.poll(now):
                self._on_event(event)

    def flush(self) -> None:
        """Send the head of the transaction message queue if it is due and allowed."""
        self._tx.flush(self.endpoint, self._machines.may_send, self._now())

    # --- outgoing ---------------------------------------------------------------------------
    def send(self, key: InstanceKey, effect: SendCall) -> None:
        """Send a CALL of machine ``key`` (or queue it, hold it back, or fail it offline)."""
        if effect.tx_ref is not None:
            # Transaction-related (OCPP 1.6 §3.7): persisted first, delivered in order, even
            # across reboots and while offline.
            self._tx.push(key, effect, self._now())
            self.flush()
            return
        if not self._machines.may_send(effect.action):
            # e.g. a StatusNotification while the registration is Pending (§4.2): not sent.
            self._suppressed.append(effect.action)
            self._log.info(
                "%s not sent: not allowed in the current registration state", effect.action
            )
            return
        if self.endpoint is None:
            # Offline: a CALL that cannot be sent fails at once (its machine sees error.X).
            self._machines.post(((key,), f"error.{effect.action}", {"errorCode": "Offline"}))
            return
        call = self.endpoint.call(effect.action, effect.payload, self._now())
        self._origin[call.unique_id] = key

    def reply(self, effect: Reply) -> None:
        """A machine's answer to the open CALL of ``effect.action``."""
        call = self._open_calls.pop(effect.action, None)
        if call is None or self.endpoint is None:
            self._log.error("%s: a machine answered a CALL that is not open", effect.action)
            return
        if effect.error is not None:
            # The spec's answer is a CALLERROR (e.g. errata E3.39), not a response payload.
            reason = f"{effect.action} refused by the Charge Point's rules"
            self.endpoint.reply_error(call, ErrorCode(effect.error), reason)
            return
        reply(self.endpoint, call, effect.payload, effect.action)

    # --- incoming ---------------------------------------------------------------------------
    def _on_event(self, event: EndpointEvent) -> None:
        if isinstance(event, CallReceived):
            self._on_call(event)
            return
        if isinstance(event, ProtocolViolation):
            _log_refusal(self._log, event)
            return
        unique_id = event.request.unique_id
        if self._tx.owns(unique_id):
            delivery = self._tx.settle(event, self._now())
        elif (origin := self._origin.pop(unique_id, None)) is not None:
            delivery = ((origin,), *call_outcome(event))
        else:
            return
        if isinstance(event, ResultReceived):
            self._lenient_frames.update(event.lenient)
        if delivery is not None:
            self._machines.post(delivery)

    def _on_call(self, event: CallReceived) -> None:
        self._lenient_frames.update(event.lenient)
        call = event.call
        endpoint = self.endpoint
        assert endpoint is not None  # a CALL arrives only over an open connection
        handler = self._handlers().get(call.action)
        if handler is not None:
            run_handler(endpoint, call, handler)
            return
        # The machine that handles the CALL answers it with a reply action; the answer is
        # due before anything else is processed (OCPP-J 1.6 §4.1.1).
        self._open_calls[call.action] = call
        everyone = tuple(self._machines.instances)
        accepted = self._machines.deliver(everyone, f"ocpp.{call.action}", call.payload)
        self._machines.drain()
        if self._open_calls.pop(call.action, None) is not None and self.endpoint is not None:
            # No transition answered: every guard was false, a gap in the spec set.
            reason = f"no answer to {call.action} in the current state"
            self._log.error("%s (accepted by a machine: %s)", reason, accepted)
            self.endpoint.reply_error(call, ErrorCode.INTERNAL_ERROR, reason)
