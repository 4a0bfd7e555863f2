"""Transaction-related messages: persisted, delivered in order with retries, and answered to
the machine that sent them.

Theory of operation (OCPP 1.6 §3.7, §3.7.1, errata E3.18 / E3.54; behaviour rules 34–36):

- StartTransaction, StopTransaction and transaction MeterValues are written to the
  :class:`~runtime.station.store.Store` queue by :meth:`TransactionQueue.push` *before* anything is
  sent, so they survive a power loss. They leave the queue strictly in seq order, one in flight
  at a time: :meth:`~TransactionQueue.ready` offers only the head, and only when nothing is in
  flight and the head's ``not_before`` has come.
- A *failure* to process the message (§3.7.1) is a CALLERROR answer (OCPP-J errata 3.3), an
  answer its schema refuses, or no answer within the response timeout while the connection
  stays up: §4.7, §4.8 and §4.10 say that failing to respond with the .conf makes the Charge
  Point retry as §3.7.1 specifies, and errata E3.18 names an undelivered StartTransaction.conf
  as a way to end up without a transactionId. After ``n`` failed transmissions the head waits
  ``TransactionMessageRetryInterval × n`` seconds (n = the preceding transmissions, all failed),
  counted from the failure: §3.7.1 does not say from when, and a timeout is only known when
  it runs out; after ``TransactionMessageAttempts`` failed transmissions it is dropped
  for good and the next message moves up. So a Central System that stays connected but never
  answers loses messages, as §3.7.1 intends: otherwise one unanswered message would block
  every later one forever.
- A lost connection is *not* a failure: the Central System did not fail to process anything,
  the Charge Point went offline, and offline it MUST keep its transaction-related messages
  (§3.7). The message stays at the head with the same failure count and is resent as soon as
  the connection is back (and its retry wait, if any, is over). The Central System may
  therefore see a message twice (also after a timeout whose answer was merely late); it must
  cope with that anyway after a charge point restart.
- StartTransaction.conf gives the transactionId for the message's ``tx_ref``. A
  StartTransaction dropped after its attempts leaves the transaction with id ``-1`` (E3.18).
  Other messages with a ``tx_ref`` get ``transactionId`` filled in at send time. Order makes
  sure a still-queued StartTransaction of the same transaction is settled first; an id still
  unknown at that point never will be, so ``-1`` is sent and recorded (E3.18, E3.54).

The queue is sans-IO: no clock (``now`` is passed in), no sockets. In-flight state lives only
in memory, so a new queue over the same store after a restart resends the head.

The station's side (:class:`StationQueue`, OCPP 1.6 §3.7, §3.7.1): a machine's
transaction-related CALL is not sent directly. It is pushed to the persistent
:class:`TransactionQueue`, and :meth:`StationQueue.flush` hands the head to the OCPP-J
endpoint when the queue offers it, the connection is up and the registration state allows the
action (nothing before an Accepted BootNotification, §4.2). When the answer, a CALLERROR, a
timeout or the connection loss comes back, :meth:`StationQueue.settle` lets the queue decide
(delivered, retried later, dropped) and returns the final outcome for the machine that sent
the message; a retry or a resend has no outcome yet.

One :class:`StationQueue` per boot: the in-flight state and the senders are memory only, so
after a reboot the head is resent and its outcome goes to the machines of its transaction's
connector (the sending machine instance is gone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeGuard

from runtime.ocppj.endpoint import Endpoint
from runtime.ocppj.events import (
    CallAborted,
    CallTimedOut,
    ErrorReceived,
    ResultInvalid,
    ResultReceived,
)
from runtime.spec.effects import OUTCOME_ID_TAG, OUTCOME_TX_REF, SendCall
from runtime.station.config import ConfigStore
from runtime.station.store import QueuedMessage, StationStore

__all__ = [
    "START_TRANSACTION",
    "Delivery",
    "InstanceKey",
    "Settlement",
    "StationQueue",
    "TransactionQueue",
]

START_TRANSACTION = "StartTransaction"

# Errata E3.18: the transactionId used when StartTransaction could not be delivered.
_UNDELIVERABLE_ID = -1


def _is_int(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


class TransactionQueue:
    """Ordered, persistent delivery of transaction-related messages.

    Args:
        store: Where messages and transaction ids are kept.
        attempts: Reads TransactionMessageAttempts (read at each failure, so a changed
            configuration applies at once). Values below 1 count as 1.
        retry_interval: Reads TransactionMessageRetryInterval in seconds; negatives count as 0.
    """

    def __init__(
        self, store: StationStore, *, attempts: Callable[[], int], retry_interval: Callable[[], int]
    ) -> None:
        self._store = store
        self._attempts = attempts
        self._retry_interval = retry_interval
        self._in_flight: int | None = None
        self._head: QueuedMessage | _Unknown | None = UNKNOWN
        """The head as last read or written here: every change of the queue goes through this
        object, so the store is asked again only after a change (or :meth:`forget_head`)."""

    def _queue_head(self) -> QueuedMessage | None:
        head = self._head
        if isinstance(head, _Unknown):
            head = self._head = self._store.queue_head()
        return head

    def forget_head(self) -> None:
        """Read the head from the store next time (a station step was rolled back)."""
        self._head = UNKNOWN

    def push(
        self, action: str, payload: dict[str, Any], tx_ref: int | None, now: float
    ) -> QueuedMessage:
        """Persist a message at the tail of the queue; it is due at once (behind the others)."""
        message = self._store.enqueue(action, payload, tx_ref, now)
        if self._head is None:
            self._head = message  # it was empty: the new message is the head
        return message

    def ready(self, now: float) -> tuple[QueuedMessage, dict[str, Any]] | None:
        """The head and the payload to send now, or ``None`` (empty, in flight, or not due).

        The caller sends the payload and then calls :meth:`mark_sent` with ``message.seq``.
        """
        if self._in_flight is not None:
            return None
        head = self._queue_head()
        if head is None or head.not_before > now:
            return None
        payload = dict(head.payload)
        if head.tx_ref is not None and head.action != START_TRANSACTION:
            payload["transactionId"] = self._settled_id(head.tx_ref)
        return head, payload

    def _settled_id(self, tx_ref: int) -> int:
        """The transactionId to send for ``tx_ref``, now that nothing ahead can change it."""
        known = self.transaction_id(tx_ref)
        if known is not None:
            return known
        if self._store.transaction(tx_ref) is not None:
            # E3.18: record it, so StopTransaction and MeterValues of this transaction agree.
            self._store.set_transaction_id(tx_ref, _UNDELIVERABLE_ID)
        return _UNDELIVERABLE_ID

    def mark_sent(self, seq: int) -> None:
        """Note that the head was handed to the transport and is now awaiting its answer.

        Raises:
            ValueError: ``seq`` is not the head, or another message is in flight.
        """
        head = self._queue_head()
        if self._in_flight is not None or head is None or head.seq != seq:
            raise ValueError(f"message {seq} is not the head of an idle queue")
        self._in_flight = seq

    def on_result(self, seq: int, result: Mapping[str, Any]) -> None:
        """A CALLRESULT: the message is delivered.

        A late answer to an earlier transmission of the head (sent again after a timeout)
        still counts. An answer for a message no longer queued is stale and ignored.
        """
        head = self._queue_head()
        if head is None or head.seq != seq:
            return
        transaction_id = result.get("transactionId")
        if head.action == START_TRANSACTION and head.tx_ref is not None and _is_int(transaction_id):
            # Recorded before the dequeue: a crash in between resends the request, and the
            # new answer overwrites the id (at-least-once delivery).
            self._store.set_transaction_id(head.tx_ref, transaction_id)
        self._store.dequeue(seq)
        self._head = UNKNOWN
        self._in_flight = None

    def on_error(self, seq: int, now: float) -> bool:
        """A CALLERROR (or an invalid answer) for the in-flight message: a failure (§3.7.1).

        Returns:
            ``True`` if the message was dropped for good. An error for a message not in
            flight is stale and ignored (``False``).
        """
        return self._failed(seq, now)

    def on_timeout(self, seq: int, now: float) -> bool:
        """No answer to the in-flight message within the response timeout, the connection
        still up: a failure like a CALLERROR (§4.7, §4.8, §4.10 refer to §3.7.1; E3.18).

        Returns:
            ``True`` if the message was dropped for good; ``False`` if it will be resent
            (or was not in flight).
        """
        return self._failed(seq, now)

    def _failed(self, seq: int, now: float) -> bool:
        """Count one failed transmission of the head; retry later or drop it (§3.7.1)."""
        head = self._queue_head()
        if self._in_flight != seq or head is None or head.seq != seq:
            return False
        self._in_flight = None
        failures = head.attempts + 1
        if failures >= max(self._attempts(), 1):
            if head.action == START_TRANSACTION and head.tx_ref is not None:
                self._store.set_transaction_id(head.tx_ref, _UNDELIVERABLE_ID)
            self._store.dequeue(seq)
            self._head = UNKNOWN
            return True
        delay = max(self._retry_interval(), 0) * failures
        self._head = UNKNOWN
        self._store.update_queued(seq, attempts=failures, not_before=now + delay)
        return False

    def on_lost(self, seq: int) -> None:
        """The connection was lost with the message in flight: not a failure (§3.7, the
        message stays queued); it is resent once the connection is back."""
        if self._in_flight == seq:
            self._in_flight = None

    def next_deadline(self) -> float | None:
        """When the head becomes due; ``None`` when empty or when waiting for an answer."""
        if self._in_flight is not None:
            return None
        head = self._queue_head()
        return None if head is None else head.not_before

    def pending(self) -> int:
        """Messages still queued, the one in flight included."""
        return self._store.queue_length()

    def in_flight(self) -> int | None:
        """The seq of the message awaiting its answer, if any."""
        return self._in_flight

    def transaction_id(self, tx_ref: int) -> int | None:
        """The known transactionId, ``-1`` (undeliverable start), or ``None`` (not yet known)."""
        record = self._store.transaction(tx_ref)
        return None if record is None else record.transaction_id


class _Unknown:
    """The head has not been read since the queue last changed."""


UNKNOWN = _Unknown()

InstanceKey = tuple[str, int]
"""A machine instance: (machine name, connector id; 0 for station-level machines)."""
Delivery = tuple[tuple[InstanceKey, ...], str, Mapping[str, Any]]
"""An event for the station to deliver: (addressees, event name, payload)."""
Settlement = ResultReceived | ResultInvalid | ErrorReceived | CallTimedOut | CallAborted
"""What the endpoint reports about a CALL of ours."""


class StationQueue:
    """Transaction message delivery for one boot of a station.

    Args:
        store: The station's persistent store (queue and transactions).
        config: The station's configuration; TransactionMessageAttempts and
            TransactionMessageRetryInterval are read at each failure (§3.7.1).
        addressees: The machines that hear about connector ``n`` (used when the sender of a
            message is gone because the station rebooted).
    """

    def __init__(
        self,
        store: StationStore,
        config: ConfigStore,
        addressees: Callable[[int], tuple[InstanceKey, ...]],
    ) -> None:
        self.queue = TransactionQueue(
            store,
            attempts=lambda: config.get_int("TransactionMessageAttempts") or 1,
            retry_interval=lambda: config.get_int("TransactionMessageRetryInterval"),
        )
        self._store = store
        self._addressees = addressees
        self._in_flight: dict[str, int] = {}  # CALL unique id -> queue seq
        self._origin: dict[int, InstanceKey] = {}  # queue seq -> sending machine (this boot)

    def push(self, origin: InstanceKey, effect: SendCall, now: float) -> None:
        """Persist a transaction-related CALL of ``origin`` at the tail of the queue."""
        message = self.queue.push(effect.action, effect.payload, effect.tx_ref, now)
        self._origin[message.seq] = origin

    def flush(self, endpoint: Endpoint | None, may_send: Callable[[str], bool], now: float) -> None:
        """Send the head of the queue when it is due and allowed, one at a time."""
        if endpoint is None or self._in_flight:
            return
        ready = self.queue.ready(now)
        if ready is None or not may_send(ready[0].action):
            return  # e.g. not before BootNotification is Accepted (OCPP 1.6 §4.2)
        message, payload = ready
        call = endpoint.call(message.action, payload, now)
        self.queue.mark_sent(message.seq)
        self._in_flight[call.unique_id] = message.seq

    def owns(self, unique_id: str) -> bool:
        """Whether the CALL with this id is a queued message awaiting its outcome."""
        return unique_id in self._in_flight

    def settle(self, event: Settlement, now: float) -> Delivery | None:
        """A queued message was answered, refused or lost (the CALL must be :meth:`owns`).

        The queue decides what's next; the machine that sent it hears only the final
        outcome, which is returned for delivery: ``result.<Action>`` with the answer, or
        ``error.<Action>`` with errorCode GivenUp once TransactionMessageAttempts failures
        (CALLERRORs, invalid answers, timeouts) used up the attempts. A retry (§3.7.1) or a
        resend after a lost connection returns ``None``.
        """
        request = event.request
        seq = self._in_flight.pop(request.unique_id)
        # Looked up before the queue acts: a delivered message leaves the store, and with
        # it the link to its transaction's connector.
        message = next((m for m in self._store.queued() if m.seq == seq), None)
        origin = self._origin.get(seq)
        keys = (origin,) if origin is not None else self._connector_machines(message)
        # Which transaction and idTag the answer is about: by now the connector may run
        # another transaction (OCPP 1.6 §3.7, §4.8).
        sent = {
            OUTCOME_TX_REF: (message.tx_ref or 0) if message else 0,
            OUTCOME_ID_TAG: str(message.payload.get("idTag") or "") if message else "",
        }
        if isinstance(event, ResultReceived):
            self.queue.on_result(seq, event.result.payload)
            outcome, msg = f"result.{request.action}", {**event.result.payload, **sent}
        elif isinstance(event, CallAborted):
            self.queue.on_lost(seq)  # connection lost: not a failure, sent again later (§3.7)
            return None
        else:
            failed = (
                self.queue.on_timeout if isinstance(event, CallTimedOut) else self.queue.on_error
            )
            if not failed(seq, now):
                return None  # retried later (§3.7.1)
            outcome, msg = f"error.{request.action}", {"errorCode": "GivenUp", **sent}
        self._origin.pop(seq, None)
        return (keys, outcome, msg) if keys else None

    def _connector_machines(self, message: QueuedMessage | None) -> tuple[InstanceKey, ...]:
        """After a reboot the sender is gone: the machines of its transaction's connector
        hear the outcome (those with a transition for it take it)."""
        record = self._store.transaction(message.tx_ref) if message and message.tx_ref else None
        return () if record is None else self._addressees(record.connector)
