"""Tests for delivery of transaction-related messages (runtime.station.txqueue).

OCPP 1.6 §3.7 / §3.7.1, errata E3.18 / E3.54, behaviour rules 34–36. Each test drives the
sans-IO queue by hand: ``ready`` → ``mark_sent`` → ``on_result`` / ``on_error`` / ``on_timeout`` /
``on_lost``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from runtime.station.store import QueuedMessage, Store
from runtime.station.txqueue import TransactionQueue

START: dict[str, Any] = {
    "connectorId": 1,
    "idTag": "TAG1",
    "meterStart": 0,
    "timestamp": "2024-01-01T00:00:00Z",
}
CONF: dict[str, Any] = {"transactionId": 42, "idTagInfo": {"status": "Accepted"}}


class Settings:
    """TransactionMessageAttempts and TransactionMessageRetryInterval, changeable in a test."""

    def __init__(self) -> None:
        self.attempts = 3
        self.interval = 10


@pytest.fixture
def settings() -> Settings:
    return Settings()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store(tmp_path / "station.sqlite3") as opened:
        yield opened


def _queue(store: Store, settings: Settings) -> TransactionQueue:
    return TransactionQueue(
        store, attempts=lambda: settings.attempts, retry_interval=lambda: settings.interval
    )


def _send(queue: TransactionQueue, now: float) -> tuple[QueuedMessage, dict[str, Any]]:
    """Take the head that is due at ``now`` and mark it in flight."""
    ready = queue.ready(now)
    assert ready is not None
    queue.mark_sent(ready[0].seq)
    return ready


def _stop(tx_ref: int) -> dict[str, Any]:
    return {"meterStop": 10, "timestamp": "2024-01-01T01:00:00Z", "transactionId": 0, "ref": tx_ref}


def test_messages_leave_in_order_one_at_a_time(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    ref = store.begin_transaction(1, "TAG1", 0, START["timestamp"], None).ref
    queue.push("StartTransaction", START, ref, 0.0)
    queue.push("MeterValues", {"connectorId": 1, "meterValue": []}, ref, 0.0)
    queue.push("StopTransaction", _stop(ref), ref, 0.0)
    assert queue.pending() == 3
    sent: list[str] = []
    for _ in range(3):
        message, _payload = _send(queue, 1.0)
        assert queue.in_flight() == message.seq
        assert queue.ready(1.0) is None and queue.next_deadline() is None
        sent.append(message.action)
        queue.on_result(message.seq, CONF if message.action == "StartTransaction" else {})
    assert sent == ["StartTransaction", "MeterValues", "StopTransaction"]
    assert queue.pending() == 0 and queue.ready(1.0) is None and queue.next_deadline() is None


def test_mark_sent_only_for_head_of_idle_queue(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    first = queue.push("MeterValues", {"connectorId": 1}, None, 0.0)
    second = queue.push("MeterValues", {"connectorId": 2}, None, 0.0)
    with pytest.raises(ValueError):
        queue.mark_sent(second.seq)
    queue.mark_sent(first.seq)
    with pytest.raises(ValueError):
        queue.mark_sent(first.seq)


def test_transaction_id_is_filled_in_at_send_time(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    ref = store.begin_transaction(1, "TAG1", 0, START["timestamp"], None).ref
    queue.push("StartTransaction", START, ref, 0.0)
    queue.push("MeterValues", {"connectorId": 1, "meterValue": []}, ref, 0.0)
    queue.push("MeterValues", {"connectorId": 0, "meterValue": []}, None, 0.0)
    start, payload = _send(queue, 0.0)
    assert payload == START and "transactionId" not in payload
    assert queue.transaction_id(ref) is None
    queue.on_result(start.seq, CONF)
    assert queue.transaction_id(ref) == 42
    meter, payload = _send(queue, 0.0)
    assert payload == {"connectorId": 1, "meterValue": [], "transactionId": 42}
    assert "transactionId" not in meter.payload  # the stored message is left as it was
    queue.on_result(meter.seq, {})
    _clock_aligned, payload = _send(queue, 0.0)
    assert payload == {"connectorId": 0, "meterValue": []}


def test_retry_waits_interval_times_failures_then_drops(store: Store, settings: Settings) -> None:
    """§3.7.1: at most TransactionMessageAttempts transmissions, interval × n between them."""
    queue = _queue(store, settings)
    first = queue.push("MeterValues", {"connectorId": 1}, None, 0.0)
    second = queue.push("MeterValues", {"connectorId": 2}, None, 0.0)
    _send(queue, 0.0)
    assert queue.on_error(first.seq, 5.0) is False
    assert store.queued()[0].attempts == 1
    assert queue.next_deadline() == 15.0  # 5 + 10 × 1
    assert queue.ready(14.999) is None
    _send(queue, 15.0)
    assert queue.on_error(first.seq, 20.0) is False
    assert queue.next_deadline() == 40.0  # 20 + 10 × 2
    assert queue.ready(39.0) is None
    _send(queue, 40.0)
    assert queue.on_error(first.seq, 41.0) is True  # third failed transmission: dropped
    head, _payload = _send(queue, 41.0)
    assert head.seq == second.seq and queue.pending() == 1


def test_settings_are_read_at_each_failure(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    message = queue.push("MeterValues", {}, None, 0.0)
    settings.interval = 7
    _send(queue, 0.0)
    assert queue.on_error(message.seq, 1.0) is False
    assert queue.next_deadline() == 8.0
    settings.attempts = 0  # counts as 1: the next failure drops it
    _send(queue, 8.0)
    assert queue.on_error(message.seq, 9.0) is True
    assert queue.pending() == 0


def test_negative_interval_counts_as_zero(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    message = queue.push("MeterValues", {}, None, 3.0)
    settings.interval = -5
    _send(queue, 3.0)
    assert queue.on_error(message.seq, 4.0) is False
    assert queue.next_deadline() == 4.0


@pytest.mark.parametrize("failure", ["on_error", "on_timeout"])
def test_a_start_transaction_given_up_gives_minus_one(
    store: Store, settings: Settings, failure: str
) -> None:
    """Errata E3.18: a StartTransaction refused (CALLERROR) or never answered, for the last
    allowed attempt, leaves its transaction with id -1, which later messages carry."""
    settings.attempts = 1
    queue = _queue(store, settings)
    ref = store.begin_transaction(1, "TAG1", 0, START["timestamp"], None).ref
    start = queue.push("StartTransaction", START, ref, 0.0)
    queue.push("StopTransaction", _stop(ref), ref, 0.0)
    _send(queue, 0.0)
    assert getattr(queue, failure)(start.seq, 30.0) is True
    assert queue.transaction_id(ref) == -1
    stop, payload = _send(queue, 30.0)
    assert payload["transactionId"] == -1 and stop.action == "StopTransaction"


def test_unknown_id_with_nothing_ahead_is_minus_one(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    ref = store.begin_transaction(1, "TAG1", 0, START["timestamp"], None).ref
    queue.push("StopTransaction", _stop(ref), ref, 0.0)  # its StartTransaction never queued
    queue.push("StopTransaction", _stop(999), 999, 0.0)  # no such transaction at all
    stop, payload = _send(queue, 0.0)
    assert payload["transactionId"] == -1
    assert queue.transaction_id(ref) == -1  # recorded, so later messages agree
    queue.on_result(stop.seq, {})
    _orphan, payload = _send(queue, 0.0)
    assert payload["transactionId"] == -1 and queue.transaction_id(999) is None


def test_lost_connection_is_not_a_failure(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    message = queue.push("StopTransaction", _stop(1), None, 0.0)
    for _ in range(5):  # more losses than TransactionMessageAttempts allows failures
        _send(queue, 0.0)
        queue.on_lost(message.seq)
        assert queue.next_deadline() == 0.0
    assert store.queued()[0].attempts == 0
    head, _payload = _send(queue, 0.0)
    assert head.seq == message.seq


def test_stale_answers_are_ignored(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    first = queue.push("MeterValues", {"connectorId": 1}, None, 0.0)
    second = queue.push("MeterValues", {"connectorId": 2}, None, 0.0)
    queue.on_lost(first.seq)  # nothing in flight: no effect
    assert queue.on_error(first.seq, 0.0) is False  # not in flight: ignored
    assert store.queued()[0].attempts == 0
    _send(queue, 0.0)
    queue.on_result(first.seq, {})
    queue.on_result(first.seq, {})  # duplicate answer for a message already gone
    _send(queue, 0.0)
    assert queue.on_error(first.seq, 0.0) is False
    assert queue.in_flight() == second.seq


def test_timeouts_count_as_failures_with_growing_waits(store: Store, settings: Settings) -> None:
    """§4.7/§4.8/§4.10: no .conf is retried as §3.7.1 says; the next message then goes."""
    queue = _queue(store, settings)  # 3 attempts, 10 s interval
    first = queue.push("MeterValues", {"connectorId": 1}, None, 0.0)
    second = queue.push("MeterValues", {"connectorId": 2}, None, 0.0)
    _send(queue, 0.0)
    assert queue.on_timeout(first.seq, 30.0) is False
    assert queue.next_deadline() == 40.0  # 30 + 10 × 1, counted from the timeout
    _send(queue, 40.0)
    assert queue.on_timeout(first.seq, 70.0) is False
    assert queue.next_deadline() == 90.0  # 70 + 10 × 2
    _send(queue, 90.0)
    assert queue.on_timeout(first.seq, 120.0) is True  # third failure: dropped
    head, _payload = _send(queue, 120.0)
    assert head.seq == second.seq


def test_timeouts_and_errors_count_together(store: Store, settings: Settings) -> None:
    settings.attempts = 2
    queue = _queue(store, settings)
    message = queue.push("StopTransaction", _stop(1), None, 0.0)
    _send(queue, 0.0)
    assert queue.on_error(message.seq, 1.0) is False
    _send(queue, 11.0)
    assert queue.on_timeout(message.seq, 41.0) is True
    assert queue.pending() == 0


def test_timeout_not_in_flight_is_ignored(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    message = queue.push("MeterValues", {}, None, 0.0)
    assert queue.on_timeout(message.seq, 30.0) is False
    assert store.queued()[0].attempts == 0 and queue.next_deadline() == 0.0


def test_late_result_after_a_lost_connection_still_delivers(
    store: Store, settings: Settings
) -> None:
    queue = _queue(store, settings)
    ref = store.begin_transaction(1, "TAG1", 0, START["timestamp"], None).ref
    start = queue.push("StartTransaction", START, ref, 0.0)
    _send(queue, 0.0)
    queue.on_lost(start.seq)
    queue.on_result(start.seq, CONF)  # an answer to the earlier transmission, after all
    assert queue.pending() == 0 and queue.transaction_id(ref) == 42


def test_start_result_without_valid_id_leaves_it_unknown(store: Store, settings: Settings) -> None:
    queue = _queue(store, settings)
    ref = store.begin_transaction(1, "TAG1", 0, START["timestamp"], None).ref
    start = queue.push("StartTransaction", START, ref, 0.0)
    _send(queue, 0.0)
    queue.on_result(start.seq, {"transactionId": True})
    assert queue.transaction_id(ref) is None


def test_new_queue_over_same_store_continues(tmp_path: Path, settings: Settings) -> None:
    path = tmp_path / "station.sqlite3"
    with Store(path) as store:
        queue = _queue(store, settings)
        ref = store.begin_transaction(1, "TAG1", 0, START["timestamp"], None).ref
        start = queue.push("StartTransaction", START, ref, 0.0)
        queue.push("StopTransaction", _stop(ref), ref, 0.0)
        _send(queue, 0.0)
        assert queue.on_error(start.seq, 100.0) is False
        _send(queue, 110.0)  # in flight when the process dies
    with Store(path) as store:
        queue = _queue(store, settings)
        assert queue.in_flight() is None and queue.pending() == 2
        assert queue.next_deadline() == 110.0
        head, payload = _send(queue, 110.0)
        assert (head.seq, head.attempts, payload) == (start.seq, 1, START)
        assert queue.on_error(head.seq, 120.0) is False
        assert queue.next_deadline() == 140.0  # 120 + 10 × 2: the count went on
        _send(queue, 140.0)
        queue.on_result(head.seq, CONF)
    with Store(path) as store:
        queue = _queue(store, settings)
        _stop_message, payload = _send(queue, 140.0)
        assert payload["transactionId"] == 42
