"""The fleet's in-process store answers as the SQLite store does: one script of operations
played on both, every answer compared."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from runtime.fleet.memory_store import MemoryStore
from runtime.station.store import CacheEntry, ListEntry, Reservation, StationStore, Store

Step = Callable[[StationStore], Any]


def _script() -> list[Step]:
    sample = {"timestamp": "2024-01-01T00:00:00Z", "sampledValue": [{"value": "10"}]}
    return [
        lambda s: s.save_config("HeartbeatInterval", "60"),
        lambda s: s.save_config("AuthorizeRemoteTxRequests", "true"),
        lambda s: s.load_config(),
        lambda s: s.set_state("a", "1"),
        lambda s: s.get_state("a"),
        lambda s: s.set_state("a", None),
        lambda s: s.get_state("a"),
        lambda s: s.cache_put(CacheEntry("TAG1", "Accepted", None, None, 1.0), capacity=2),
        lambda s: s.cache_put(CacheEntry("TAG2", "Blocked", None, None, 2.0), capacity=2),
        lambda s: s.cache_put(CacheEntry("TAG3", "Accepted", None, None, 3.0), capacity=2),
        lambda s: s.cache_entries(),
        lambda s: s.cache_get("tag1"),
        lambda s: s.cache_set_status("TAG1", "Expired"),
        lambda s: s.cache_entries(),
        lambda s: s.next_transaction_ref(),
        lambda s: s.begin_transaction(1, "TAG1", 100, "2024-01-01T00:00:00Z", None),
        lambda s: s.begin_transaction(2, "TAG2", 200, "2024-01-01T00:00:00Z", "P", ref=5),
        lambda s: s.next_transaction_ref(),
        lambda s: s.set_transaction_id(1, 42),
        lambda s: s.add_sample(1, sample),
        lambda s: s.set_stop_reason(1, "Local"),
        lambda s: s.end_transaction(1),
        lambda s: s.open_transactions(),
        lambda s: s.transaction(1),
        lambda s: s.transaction(3),
        lambda s: s.enqueue("StartTransaction", {"connectorId": 1}, 1, 10.0),
        lambda s: s.enqueue("MeterValues", {"connectorId": 1}, 1, 11.0),
        lambda s: s.update_queued(1, attempts=2, not_before=20.0),
        lambda s: s.queue_head(),
        lambda s: s.queued(),
        lambda s: s.dequeue(1),
        lambda s: s.queue_length(),
        lambda s: s.local_list_update(
            3, replace=True, upserts=[ListEntry("B", "Accepted", None, None)], removals=[]
        ),
        lambda s: s.local_list_update(
            4, replace=False, upserts=[ListEntry("A", "Blocked", None, None)], removals=["b"]
        ),
        lambda s: (s.local_list_entries(), s.local_list_count(), s.local_list_version()),
        lambda s: s.local_list_get("a"),
        lambda s: s.reservation_put(Reservation(7, 1, 1, "TAG1", None, "2024-01-02T00:00:00Z")),
        lambda s: s.reservation_put(Reservation(3, 0, 2, "TAG2", None, "2024-01-02T00:00:00Z")),
        lambda s: (s.reservations(), s.reservation_get(7)),
        lambda s: s.reservation_delete(7),
        lambda s: s.reservations(),
        lambda s: s.set_charging_profiles([(1, {"chargingProfileId": 1}), (0, {"x": 2})]),
        lambda s: s.charging_profiles(),
    ]


def _play(store: StationStore) -> list[Any]:
    answers = []
    with store.batch():
        for step in _script():
            answers.append(step(store))
    return answers


def test_the_memory_store_answers_as_the_sqlite_store() -> None:
    memory = MemoryStore()
    assert _play(memory.as_station_store()) == _play(Store(":memory:"))


@pytest.mark.parametrize(
    "step",
    [
        lambda s: s.set_transaction_id(99, 1),
        lambda s: s.add_sample(99, {}),
        lambda s: s.dequeue(99),
        lambda s: s.update_queued(99, attempts=1, not_before=0.0),
        lambda s: s.reservation_delete(99),
        lambda s: s.cache_set_status("NOPE", "Blocked"),
    ],
)
def test_an_unknown_row_is_a_key_error_in_both(step: Step) -> None:
    for store in (MemoryStore().as_station_store(), Store(":memory:")):
        with pytest.raises(KeyError):
            step(store)


def test_values_come_back_as_copies() -> None:
    store = MemoryStore()
    store.enqueue("DataTransfer", {"data": "x"}, None, 0.0)
    head = store.queue_head()
    assert head is not None
    head.payload["data"] = "changed"
    again = store.queue_head()
    assert again is not None and again.payload == {"data": "x"}
