"""Tests for the charge point's memory: the SQLite Store (runtime.station.store) and the
MemoryStore (runtime.station.store_memory) that stands in for it in fleets.

Every behaviour test runs on both stores (fixtures ``store`` and ``open_store``). On SQLite,
``open_store`` reopens a real file under ``tmp_path`` in a fresh Store to prove that what was
written survives (OCPP 1.6 §3.7, §4.2, errata E3.37); a MemoryStore keeps its contents for as
long as the object lives, so there it hands back the same store. The file-only tests (WAL,
schema version, a writing child process killed with SIGKILL) are SQLite-only.
"""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

import pytest

from runtime.station.store import (
    SCHEMA_VERSION,
    CacheEntry,
    ListEntry,
    Reservation,
    StationStore,
    Store,
    StoreError,
)
from runtime.station.store_memory import MemoryStore

REPO_ROOT = Path(__file__).resolve().parents[2]
KINDS = ["sqlite", "memory"]

OpenStore = Callable[[], AbstractContextManager[Any]]


class Boom(Exception):
    """What a failing station step raises in the batch tests."""


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "station.sqlite3"


@pytest.fixture(params=KINDS)
def store(request: pytest.FixtureRequest) -> Iterator[StationStore]:
    """A fresh, empty store of each kind."""
    fresh: StationStore = Store(":memory:") if request.param == "sqlite" else MemoryStore()
    yield fresh
    fresh.close()


@pytest.fixture(params=KINDS)
def open_store(request: pytest.FixtureRequest, db_path: Path) -> Iterator[OpenStore]:
    """Opens the station's store again: the same SQLite file, or the same MemoryStore."""
    if request.param == "sqlite":
        yield lambda: Store(db_path)
        return
    memory = MemoryStore()
    yield lambda: nullcontext(memory)
    memory.close()


def _entry(id_tag: str, status: str = "Accepted", updated: float = 0.0) -> CacheEntry:
    return CacheEntry(id_tag, status, None, None, updated)


def _tags(store: StationStore) -> list[str]:
    return [e.id_tag for e in store.cache_entries()]


def _contents(store: StationStore) -> list[Any]:
    """Everything a store shows through its reading methods."""
    refs = range(-2, store.next_transaction_ref() + 1)
    return [
        store.load_config(),
        store.get_state("s"),
        store.cache_entries(),
        store.next_transaction_ref(),
        store.open_transactions(),
        [store.transaction(ref) for ref in refs],
        store.queued(),
        store.queue_head(),
        store.queue_length(),
        store.local_list_entries(),
        store.local_list_version(),
        store.reservations(),
        store.charging_profiles(),
    ]


def _write_everything(store: StationStore, n: int) -> None:
    """One write of every kind, so that a rollback has something to undo everywhere."""
    store.save_config("HeartbeatInterval", str(n))
    store.set_state("s", f"state {n}")
    store.cache_put(_entry(f"TAG{n}", "Blocked", float(n)), capacity=2)
    store.cache_set_status(f"tag{n}", f"Status{n}")
    ref = store.begin_transaction(1, f"TAG{n}", n, "2024-01-01T00:00:00Z", None).ref
    store.set_transaction_id(1, n)
    store.set_stop_reason(1, f"Reason{n}")
    store.add_sample(1, {"n": n})
    store.end_transaction(ref)
    head = store.queue_head()
    if head is not None:
        store.update_queued(head.seq, attempts=n, not_before=float(n))
        store.dequeue(head.seq)
    store.enqueue("MeterValues", {"n": n}, ref, float(n))
    entries = [ListEntry(f"L{n}", "Accepted", None, None)]
    store.local_list_update(n, replace=n % 2 == 0, upserts=entries, removals=["L1"])
    store.reservation_put(Reservation(n, 0, 1, f"TAG{n}", None, "2030-01-01T00:00:00Z"))
    if store.reservation_get(1) is not None:
        store.reservation_delete(1)
    store.set_charging_profiles([(n, {"chargingProfileId": n})])


def test_config_and_state_survive_reopen(open_store: OpenStore) -> None:
    with open_store() as store:
        store.save_config("HeartbeatInterval", "300")
        store.save_config("HeartbeatInterval", "60")
        store.save_config("AuthorizationCacheEnabled", "true")
        store.set_state("connector.1.availability", "Inoperative")
        store.set_state("connector.2.availability", "Inoperative")
        store.set_state("connector.2.availability", None)
        store.set_state("never.set", None)
    with open_store() as store:
        assert store.load_config() == {
            "AuthorizationCacheEnabled": "true",
            "HeartbeatInterval": "60",
        }
        assert list(store.load_config()) == ["AuthorizationCacheEnabled", "HeartbeatInterval"]
        assert store.get_state("connector.1.availability") == "Inoperative"
        assert store.get_state("connector.2.availability") is None


def test_file_database_uses_wal_and_full_sync(db_path: Path) -> None:
    with Store(db_path) as store:
        assert store._conn.execute("PRAGMA synchronous").fetchone() == (2,)  # FULL
    probe = sqlite3.connect(db_path)
    try:
        assert probe.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        assert probe.execute("SELECT version FROM schema_version").fetchall() == [(SCHEMA_VERSION,)]
    finally:
        probe.close()


def test_memory_database_works_and_forgets() -> None:
    with Store(":memory:") as store:
        store.save_config("K", "v")
        assert store.load_config() == {"K": "v"}
    with Store(":memory:") as store:
        assert store.load_config() == {}


def test_a_fresh_store_is_empty(store: StationStore) -> None:
    assert _contents(store) == [{}, None, [], 1, [], [None] * 4, [], None, 0, [], 0, [], []]
    assert store.local_list_count() == 0


def test_other_schema_version_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    probe = sqlite3.connect(db_path)
    with probe:
        probe.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    probe.close()
    with pytest.raises(StoreError, match="schema version"):
        Store(db_path)


_EVERY_CALL: list[Callable[[StationStore], object]] = [
    lambda s: s.batch().__enter__(),
    lambda s: s.load_config(),
    lambda s: s.save_config("K", "v"),
    lambda s: s.get_state("n"),
    lambda s: s.set_state("n", None),
    lambda s: s.cache_get("T"),
    lambda s: s.cache_put(_entry("T"), capacity=1),
    lambda s: s.cache_set_status("T", "Expired"),
    lambda s: s.cache_clear(),
    lambda s: s.cache_entries(),
    lambda s: s.next_transaction_ref(),
    lambda s: s.begin_transaction(1, "T", 0, "2024-01-01T00:00:00Z", None),
    lambda s: s.set_transaction_id(1, 1),
    lambda s: s.set_stop_reason(1, None),
    lambda s: s.end_transaction(1),
    lambda s: s.add_sample(1, {}),
    lambda s: s.open_transactions(),
    lambda s: s.transaction(1),
    lambda s: s.enqueue("Heartbeat", {}, None, 0.0),
    lambda s: s.queued(),
    lambda s: s.queue_head(),
    lambda s: s.queue_length(),
    lambda s: s.update_queued(1, attempts=1, not_before=0.0),
    lambda s: s.dequeue(1),
    lambda s: s.local_list_get("T"),
    lambda s: s.local_list_entries(),
    lambda s: s.local_list_count(),
    lambda s: s.local_list_version(),
    lambda s: s.local_list_update(1, replace=True, upserts=[], removals=[]),
    lambda s: s.reservation_put(Reservation(1, 0, 1, "T", None, "2030-01-01T00:00:00Z")),
    lambda s: s.reservation_get(1),
    lambda s: s.reservations(),
    lambda s: s.reservation_delete(1),
    lambda s: s.charging_profiles(),
    lambda s: s.set_charging_profiles([]),
]


@pytest.mark.parametrize("call", _EVERY_CALL)
def test_closed_store_refuses_every_call(store: StationStore, call: Any) -> None:
    store.save_config("K", "v")
    store.close()
    store.close()
    with pytest.raises(StoreError, match="store is closed"):
        call(store)


def test_cache_lookup_folds_case_and_overwrites(open_store: OpenStore) -> None:
    with open_store() as store:
        store.cache_put(CacheEntry("abc123", "Blocked", None, None, 1.0), capacity=10)
        store.cache_put(
            CacheEntry("ABC123", "Accepted", "2030-01-01T00:00:00Z", "PARENT", 2.0), capacity=10
        )
    with open_store() as store:
        expected = CacheEntry("ABC123", "Accepted", "2030-01-01T00:00:00Z", "PARENT", 2.0)
        assert store.cache_get("aBc123") == expected
        assert store.cache_entries() == [expected]
        assert store.cache_get("other") is None
        store.cache_clear()
        assert store.cache_entries() == []


def test_cache_evicts_not_valid_first_then_oldest_accepted(open_store: OpenStore) -> None:
    """Rule 25 (OCPP 1.6 §3.5.1): not-valid entries go first, oldest first."""
    with open_store() as store:
        store.cache_put(_entry("A1", "Accepted", 1.0), capacity=3)
        store.cache_put(_entry("B2", "Blocked", 2.0), capacity=3)
        store.cache_put(_entry("E3", "Expired", 3.0), capacity=3)
        store.cache_put(_entry("A4", "Accepted", 4.0), capacity=3)  # evicts B2
        assert _tags(store) == ["A1", "E3", "A4"]
        store.cache_put(_entry("A5", "Accepted", 5.0), capacity=3)  # evicts E3
        assert _tags(store) == ["A1", "A4", "A5"]
        store.cache_put(_entry("I6", "Invalid", 6.0), capacity=3)  # evicts oldest Accepted A1
        assert _tags(store) == ["A4", "A5", "I6"]
        # Overwriting a present entry evicts nothing.
        store.cache_put(_entry("a4", "Accepted", 7.0), capacity=3)
        assert _tags(store) == ["A5", "I6", "a4"]


def test_cache_ties_go_by_write_order_and_a_status_change_keeps_the_place(
    store: StationStore,
) -> None:
    for tag in ("A", "B", "C"):
        store.cache_put(_entry(tag, "Accepted", 5), capacity=3)
    assert store.cache_get("a") == _entry("A", "Accepted", 5.0)  # the column is REAL
    store.cache_set_status("a", "Expired")
    assert _tags(store) == ["A", "B", "C"]
    with pytest.raises(KeyError):
        store.cache_set_status("missing", "Expired")
    store.cache_put(_entry("D", "Accepted", 5.0), capacity=3)  # evicts the not-valid A
    assert _tags(store) == ["B", "C", "D"]
    store.cache_put(_entry("b", "Accepted", 5.0), capacity=3)  # rewritten: now the newest
    assert _tags(store) == ["C", "D", "b"]
    store.cache_put(_entry("E", "Accepted", 5.0), capacity=3)  # evicts C, first written
    assert _tags(store) == ["D", "b", "E"]


def test_cache_shrinking_capacity_trims_and_zero_keeps_nothing(store: StationStore) -> None:
    for i in range(5):
        store.cache_put(_entry(f"T{i}", updated=float(i)), capacity=5)
    store.cache_put(_entry("NEW", updated=9.0), capacity=2)
    assert _tags(store) == ["T4", "NEW"]
    store.cache_put(_entry("NONE", updated=10.0), capacity=0)
    assert store.cache_entries() == []


def test_transactions_survive_reopen(open_store: OpenStore) -> None:
    sample: dict[str, Any] = {
        "timestamp": "2024-01-01T00:15:00Z",
        "sampledValue": [{"value": "1234.5", "measurand": "Energy.Active.Import.Register"}],
    }
    with open_store() as store:
        first = store.begin_transaction(1, "TAG1", 100, "2024-01-01T00:00:00Z", "PARENT")
        second = store.begin_transaction(2, "TAG2", 0, "2024-01-01T00:01:00Z", None)
        assert second.ref > first.ref
        assert first.transaction_id is None and first.samples == [] and not first.ended
        store.set_transaction_id(first.ref, 4711)
        store.add_sample(first.ref, sample)
        store.add_sample(first.ref, {"timestamp": "2024-01-01T00:30:00Z", "sampledValue": []})
        store.set_stop_reason(second.ref, "PowerLoss")
        store.end_transaction(second.ref)
    with open_store() as store:
        (record,) = store.open_transactions()
        assert record.ref == first.ref
        assert (record.connector, record.id_tag, record.meter_start) == (1, "TAG1", 100)
        assert (record.transaction_id, record.parent_id_tag) == (4711, "PARENT")
        assert record.samples[0] == sample and len(record.samples) == 2
        ended = store.transaction(second.ref)
        assert ended is not None and ended.ended and ended.stop_reason == "PowerLoss"
        store.set_stop_reason(second.ref, None)
        assert store.transaction(second.ref) == ended.__class__(
            second.ref, 2, "TAG2", 0, "2024-01-01T00:01:00Z", None, None, None, [], True
        )
        assert store.transaction(9999) is None
        third = store.begin_transaction(1, "TAG3", 5, "2024-01-01T01:00:00Z", None)
        assert third.ref > second.ref


def test_an_explicit_ref_moves_the_counter_like_sqlite_sequence(store: StationStore) -> None:
    def begin(ref: int | None = None) -> int:
        return store.begin_transaction(1, "T", 0, "2024-01-01T00:00:00Z", None, ref=ref).ref

    assert begin(-5) == -5 and store.next_transaction_ref() == 1  # below: no move
    assert begin(store.next_transaction_ref()) == 1
    assert begin(7) == 7 and store.next_transaction_ref() == 8
    assert begin(3) == 3 and store.next_transaction_ref() == 8
    assert begin() == 8
    with pytest.raises(sqlite3.IntegrityError):
        begin(7)
    assert [t.ref for t in store.open_transactions()] == [-5, 1, 3, 7, 8]
    assert store.next_transaction_ref() == 9


def test_refs_stop_where_sqlite_integers_stop(store: StationStore) -> None:
    def begin(ref: int | None = None) -> int:
        return store.begin_transaction(1, "T", 0, "2024-01-01T00:00:00Z", None, ref=ref).ref

    with pytest.raises(OverflowError):
        begin(2**63)
    assert begin(2**63 - 1) == 2**63 - 1
    with pytest.raises(sqlite3.OperationalError, match="full"):
        begin()  # no ref above the highest ever stored is left
    assert [t.ref for t in store.open_transactions()] == [2**63 - 1]


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.set_transaction_id(42, 1),
        lambda s: s.set_stop_reason(42, "Local"),
        lambda s: s.end_transaction(42),
        lambda s: s.add_sample(42, {}),
        lambda s: s.update_queued(42, attempts=1, not_before=0.0),
        lambda s: s.dequeue(42),
        lambda s: s.reservation_delete(42),
    ],
)
def test_unknown_ref_or_seq_is_a_key_error_and_changes_nothing(
    store: StationStore, call: Any
) -> None:
    store.begin_transaction(1, "T", 0, "2024-01-01T00:00:00Z", None)
    store.enqueue("Heartbeat", {}, None, 0.0)
    before = _contents(store)
    with pytest.raises(KeyError) as raised:
        call(store)
    assert raised.value.args == (42,)
    assert _contents(store) == before
    if isinstance(store, Store):
        assert not store._conn.in_transaction


def test_queue_round_trip_and_order(open_store: OpenStore) -> None:
    payload: dict[str, Any] = {"n": 1, "f": 2.5, "s": "x", "nested": [{"a": None, "b": True}]}
    with open_store() as store:
        a = store.enqueue("StartTransaction", payload, 1, 10.0)
        b = store.enqueue("MeterValues", {"connectorId": 1}, 1, 11.0)
        c = store.enqueue("MeterValues", {"connectorId": 0}, None, 12.0)
        assert a.seq < b.seq < c.seq and a.attempts == 0 and a.payload == payload
        store.update_queued(b.seq, attempts=2, not_before=99.5)
        store.dequeue(a.seq)
    with open_store() as store:
        assert [m.seq for m in store.queued()] == [b.seq, c.seq]
        head = store.queue_head()
        assert head is not None and head.seq == b.seq
        assert (head.action, head.tx_ref, head.attempts, head.not_before) == (
            "MeterValues",
            1,
            2,
            99.5,
        )
        assert store.queue_length() == 2
        store.dequeue(b.seq)
        store.dequeue(c.seq)
        assert store.queue_head() is None and store.queued() == []
    with open_store() as store:
        # Seqs are never reused, even after the highest one was dequeued and the file reopened.
        assert store.enqueue("StopTransaction", {}, None, 0.0).seq == c.seq + 1


def test_non_json_payload_is_refused_before_writing(store: StationStore) -> None:
    ref = store.begin_transaction(1, "T", 0, "2024-01-01T00:00:00Z", None).ref
    store.set_charging_profiles([(1, {"chargingProfileId": 1})])
    before = _contents(store)
    with pytest.raises(ValueError):
        store.enqueue("MeterValues", {"x": math.nan}, None, 0.0)
    with pytest.raises(TypeError):
        store.enqueue("MeterValues", {"x": object()}, None, 0.0)
    with pytest.raises(ValueError):
        store.add_sample(ref, {"x": math.inf})
    with pytest.raises(ValueError):
        store.set_charging_profiles([(0, {}), (1, {"limit": math.nan})])
    assert _contents(store) == before


def test_json_goes_in_and_out_as_a_copy(store: StationStore) -> None:
    payload: dict[str, Any] = {"list": [1, 2], "pair": (3, 4), 5: "five"}
    ref = store.begin_transaction(1, "T", 0, "2024-01-01T00:00:00Z", None).ref
    message = store.enqueue("MeterValues", payload, ref, 0.0)
    store.add_sample(ref, payload)
    store.set_charging_profiles([(1, payload)])
    payload["list"].append("changed by the caller")
    message.payload["list"].append("changed by the reader")
    wire = {"list": [1, 2], "pair": [3, 4], "5": "five"}  # what JSON makes of it
    for _ in range(2):
        (queued,) = store.queued()
        record = store.transaction(ref)
        assert record is not None
        assert queued.payload == record.samples[0] == store.charging_profiles()[0][1] == wire
        queued.payload["list"].clear()
        record.samples[0]["list"].clear()
        store.charging_profiles()[0][1]["list"].clear()


def test_local_list_folds_case_orders_by_folded_tag_and_keeps_its_version(
    open_store: OpenStore,
) -> None:
    def entry(tag: str, status: str = "Accepted") -> ListEntry:
        return ListEntry(tag, status, None, None)

    with open_store() as store:
        store.local_list_update(3, replace=True, upserts=[entry("b"), entry("A")], removals=[])
        store.local_list_update(
            4, replace=False, upserts=[entry("a", "Blocked"), entry("C")], removals=["B", "X"]
        )
    with open_store() as store:
        assert store.local_list_entries() == [entry("a", "Blocked"), entry("C")]
        assert store.local_list_get("c") == entry("C") and store.local_list_get("b") is None
        assert (store.local_list_count(), store.local_list_version()) == (2, 4)
        assert store.get_state("local_list.version") == "4"
        store.local_list_update(5, replace=True, upserts=[], removals=[])
        assert (store.local_list_entries(), store.local_list_version()) == ([], 5)


def test_reservations_replace_by_id_and_come_ordered(open_store: OpenStore) -> None:
    def reservation(rid: int, connector: int = 1) -> Reservation:
        return Reservation(rid, connector, connector, "TAG", None, "2030-01-01T00:00:00Z")

    huge = 2**70  # §6.43 gives reservationId no bound
    with open_store() as store:
        for rid in (10, huge, 2, 10):
            store.reservation_put(reservation(rid, connector=rid % 3))
    with open_store() as store:
        assert store.reservations() == [reservation(2, 2), reservation(10, 1), reservation(huge, 1)]
        assert store.reservation_get(huge) == reservation(huge, 1)
        store.reservation_delete(10)
        assert store.reservation_get(10) is None
        with pytest.raises(KeyError):
            store.reservation_delete(10)


def test_charging_profiles_are_replaced_as_a_whole_in_order(open_store: OpenStore) -> None:
    profiles = [(2, {"chargingProfileId": 9}), (0, {"chargingProfileId": 1})]
    with open_store() as store:
        store.set_charging_profiles([(1, {"chargingProfileId": 5})])
        store.set_charging_profiles(profiles)
    with open_store() as store:
        assert store.charging_profiles() == profiles
        store.set_charging_profiles([])
        assert store.charging_profiles() == []


def test_a_batch_commits_at_its_end_and_nests(store: StationStore) -> None:
    with store.batch():
        _write_everything(store, 1)
        with store.batch():
            _write_everything(store, 2)
        after = _contents(store)
    assert _contents(store) == after
    assert store.queue_length() == 1 and store.local_list_version() == 2


def test_an_exception_escaping_the_outermost_batch_undoes_the_step(store: StationStore) -> None:
    _write_everything(store, 1)
    before = _contents(store)
    with pytest.raises(Boom), store.batch():
        for n in range(2, 6):
            _write_everything(store, n)
        store.cache_clear()
        store.cache_put(_entry("tag1", "Accepted", 0.5), capacity=1)
        assert _contents(store) != before
        raise Boom
    assert _contents(store) == before


def test_a_rollback_restores_the_cache_write_order(store: StationStore) -> None:
    # The write order (SQLite's rowid) breaks ties in eviction and listing (§3.5.1).
    for tag in "PQR":
        store.cache_put(_entry(tag, "Accepted", 0.0), capacity=3)
    with pytest.raises(Boom), store.batch():
        store.cache_put(_entry("p", "Accepted", 0.0), capacity=3)  # P becomes the newest
        store.cache_put(_entry("S", "Accepted", 0.0), capacity=3)  # evicts Q
        raise Boom
    assert _tags(store) == ["P", "Q", "R"]
    store.cache_put(_entry("S", "Accepted", 0.0), capacity=4)  # written after R
    assert _tags(store) == ["P", "Q", "R", "S"]
    store.cache_put(_entry("T", "Accepted", 0.0), capacity=4)  # evicts P, written first
    assert _tags(store) == ["Q", "R", "S", "T"]


def test_what_an_inner_batch_lets_escape_stays_if_the_outer_step_carries_on(
    store: StationStore,
) -> None:
    with store.batch():
        store.save_config("A", "1")
        with pytest.raises(Boom), store.batch():
            store.save_config("B", "2")
            raise Boom
        with pytest.raises(KeyError):  # a failed write inside a batch changes nothing
            store.dequeue(1)
        store.save_config("C", "3")
    assert store.load_config() == {"A": "1", "B": "2", "C": "3"}


_CHILD = """
import sys
from runtime.station.store import CacheEntry, Store

store = Store(sys.argv[1])
for i in range(200_000):
    store.enqueue("MeterValues", {"n": i, "pad": "x" * (i % 97)}, i % 7, float(i))
    store.cache_put(CacheEntry(f"TAG{i}", "Accepted", None, None, float(i)), capacity=5)
    if i % 3 == 2:
        store.dequeue(store.queued()[0].seq)
    if i == 20:
        print("ready", flush=True)
"""


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_sigkill_mid_write_leaves_a_consistent_database(db_path: Path) -> None:
    env = dict(
        os.environ, PYTHONPATH=os.pathsep.join([str(REPO_ROOT), os.environ.get("PYTHONPATH", "")])
    )
    child = subprocess.Popen(
        [sys.executable, "-c", _CHILD, str(db_path)],
        stdout=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert child.stdout is not None
        assert child.stdout.readline() == "ready\n"
        time.sleep(0.3)
        assert child.poll() is None, "child finished before it could be killed"
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=5)
    assert child.returncode == -signal.SIGKILL

    with Store(db_path) as store:
        assert store._conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        messages = store.queued()
        numbers = [m.payload["n"] for m in messages]
        last = numbers[-1]
        assert last >= 20
        # Every row is whole: seq n+1 holds exactly the payload written for n.
        for message, n in zip(messages, numbers, strict=True):
            assert message.seq == n + 1
            assert message.payload == {"n": n, "pad": "x" * (n % 97)}
            assert (message.tx_ref, message.not_before, message.attempts) == (n % 7, float(n), 0)
        # Order intact, no gaps: the oldest messages were dequeued, one per three enqueued.
        assert numbers == list(range(numbers[0], last + 1))
        assert numbers[0] in {last // 3, last // 3 + 1}
        # The cache never holds more than its capacity, even mid-eviction.
        assert len(store.cache_entries()) == 5
