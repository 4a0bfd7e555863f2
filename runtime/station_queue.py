"""The station's side of the transaction message queue: what it sends, and who hears back.

Theory of operation (OCPP 1.6 §3.7, §3.7.1): a machine's transaction-related CALL
(StartTransaction, StopTransaction, transaction MeterValues) is not sent directly. It is
pushed to the persistent :class:`~runtime.txqueue.TransactionQueue`, and :meth:`StationQueue.flush`
hands the head to the OCPP-J endpoint when the queue offers it, the connection is up and the
registration state allows the action (nothing before an Accepted BootNotification, §4.2).
When the answer, a CALLERROR, a timeout or the connection loss comes back,
:meth:`StationQueue.settle` lets the queue decide (delivered, retried later, dropped) and
returns the final outcome for the machine that sent the message; a retry or a resend has no
outcome yet.

One :class:`StationQueue` per boot: the in-flight state and the senders are memory only, so
after a reboot the head is resent and its outcome goes to the machines of its transaction's
connector (the sending machine instance is gone).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runtime.config import ConfigStore
from runtime.endpoint import (
    CallAborted,
    CallTimedOut,
    Endpoint,
    ErrorReceived,
    ResultInvalid,
    ResultReceived,
)
from runtime.machine import SendCall
from runtime.store import Store
from runtime.txqueue import TransactionQueue

__all__ = ["Delivery", "InstanceKey", "Settlement", "StationQueue"]

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
        store: Store,
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
        ``error.<Action>`` with errorCode GivenUp once the attempts are used up. A retry
        (§3.7.1) or a resend after a timeout or lost connection returns ``None``.
        """
        request = event.request
        seq = self._in_flight.pop(request.unique_id)
        # Looked up before the queue acts: a delivered message leaves the store, and with
        # it the link to its transaction's connector.
        origin = self._origin.get(seq)
        keys = (origin,) if origin is not None else self._connector_machines(seq)
        if isinstance(event, ResultReceived):
            self.queue.on_result(seq, event.result.payload)
            outcome, msg = f"result.{request.action}", event.result.payload
        elif isinstance(event, ErrorReceived | ResultInvalid):
            if not self.queue.on_error(seq, now):
                return None  # retried later (§3.7.1)
            outcome, msg = f"error.{request.action}", {"errorCode": "GivenUp"}
        else:
            self.queue.on_lost(seq)  # timeout or connection lost: sent again later
            return None
        self._origin.pop(seq, None)
        return (keys, outcome, msg) if keys else None

    def _connector_machines(self, seq: int) -> tuple[InstanceKey, ...]:
        """After a reboot the sender is gone: the machines of its transaction's connector
        hear the outcome (those with a transition for it take it)."""
        message = next((m for m in self._store.queued() if m.seq == seq), None)
        record = self._store.transaction(message.tx_ref) if message and message.tx_ref else None
        return () if record is None else self._addressees(record.connector)
