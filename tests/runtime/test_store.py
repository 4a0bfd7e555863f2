"""Tests for the charge point's persistent memory (runtime.station.store).

Most tests use a real SQLite file under ``tmp_path`` and reopen it in a fresh Store to prove
that what was written survives (OCPP 1.6 §3.7, §4.2, errata E3.37). One test kills a writing
child process with SIGKILL and checks that the database it leaves behind is consistent.
"""

from __future__ import annotations

import math
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from runtime.station.store import SCHEMA_VERSION, CacheEntry, Store, StoreError

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "station.sqlite3"


def _entry(id_tag: str, status: str = "Accepted", updated: float = 0.0) -> CacheEntry:
    return CacheEntry(id_tag, status, None, None, updated)


def test_config_and_state_survive_reopen(db_path: Path) -> None:
    with Store(db_path) as store:
        store.save_config("HeartbeatInterval", "300")
        store.save_config("HeartbeatInterval", "60")
        store.save_config("AuthorizationCacheEnabled", "true")
        store.set_state("connector.1.availability", "Inoperative")
        store.set_state("connector.2.availability", "Inoperative")
        store.set_state("connector.2.availability", None)
        store.set_state("never.set", None)
    with Store(db_path) as store:
        assert store.load_config() == {
            "AuthorizationCacheEnabled": "true",
            "HeartbeatInterval": "60",
        }
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


def test_other_schema_version_is_refused(db_path: Path) -> None:
    Store(db_path).close()
    probe = sqlite3.connect(db_path)
    with probe:
        probe.execute("UPDATE schema_version SET version = ?", (SCHEMA_VERSION + 1,))
    probe.close()
    with pytest.raises(StoreError, match="schema version"):
        Store(db_path)


def test_closed_store_refuses_use(db_path: Path) -> None:
    store = Store(db_path)
    store.close()
    store.close()
    with pytest.raises(StoreError, match="closed"):
        store.load_config()
    with pytest.raises(StoreError, match="closed"):
        store.save_config("K", "v")


def test_cache_lookup_folds_case_and_overwrites(db_path: Path) -> None:
    with Store(db_path) as store:
        store.cache_put(CacheEntry("abc123", "Blocked", None, None, 1.0), capacity=10)
        store.cache_put(
            CacheEntry("ABC123", "Accepted", "2030-01-01T00:00:00Z", "PARENT", 2.0), capacity=10
        )
    with Store(db_path) as store:
        expected = CacheEntry("ABC123", "Accepted", "2030-01-01T00:00:00Z", "PARENT", 2.0)
        assert store.cache_get("aBc123") == expected
        assert store.cache_entries() == [expected]
        assert store.cache_get("other") is None
        store.cache_clear()
        assert store.cache_entries() == []


def test_cache_evicts_not_valid_first_then_oldest_accepted(db_path: Path) -> None:
    """Rule 25 (OCPP 1.6 §3.5.1): not-valid entries go first, oldest first."""
    with Store(db_path) as store:
        store.cache_put(_entry("A1", "Accepted", 1.0), capacity=3)
        store.cache_put(_entry("B2", "Blocked", 2.0), capacity=3)
        store.cache_put(_entry("E3", "Expired", 3.0), capacity=3)
        store.cache_put(_entry("A4", "Accepted", 4.0), capacity=3)  # evicts B2
        assert [e.id_tag for e in store.cache_entries()] == ["A1", "E3", "A4"]
        store.cache_put(_entry("A5", "Accepted", 5.0), capacity=3)  # evicts E3
        assert [e.id_tag for e in store.cache_entries()] == ["A1", "A4", "A5"]
        store.cache_put(_entry("I6", "Invalid", 6.0), capacity=3)  # evicts oldest Accepted A1
        assert [e.id_tag for e in store.cache_entries()] == ["A4", "A5", "I6"]
        # Overwriting a present entry evicts nothing.
        store.cache_put(_entry("a4", "Accepted", 7.0), capacity=3)
        assert [e.id_tag for e in store.cache_entries()] == ["A5", "I6", "a4"]


def test_cache_shrinking_capacity_trims_and_zero_keeps_nothing() -> None:
    with Store(":memory:") as store:
        for i in range(5):
            store.cache_put(_entry(f"T{i}", updated=float(i)), capacity=5)
        store.cache_put(_entry("NEW", updated=9.0), capacity=2)
        assert [e.id_tag for e in store.cache_entries()] == ["T4", "NEW"]
        store.cache_put(_entry("NONE", updated=10.0), capacity=0)
        assert store.cache_entries() == []


def test_transactions_survive_reopen(db_path: Path) -> None:
    sample: dict[str, Any] = {
        "timestamp": "2024-01-01T00:15:00Z",
        "sampledValue": [{"value": "1234.5", "measurand": "Energy.Active.Import.Register"}],
    }
    with Store(db_path) as store:
        first = store.begin_transaction(1, "TAG1", 100, "2024-01-01T00:00:00Z", "PARENT")
        second = store.begin_transaction(2, "TAG2", 0, "2024-01-01T00:01:00Z", None)
        assert second.ref > first.ref
        assert first.transaction_id is None and first.samples == [] and not first.ended
        store.set_transaction_id(first.ref, 4711)
        store.add_sample(first.ref, sample)
        store.add_sample(first.ref, {"timestamp": "2024-01-01T00:30:00Z", "sampledValue": []})
        store.set_stop_reason(second.ref, "PowerLoss")
        store.end_transaction(second.ref)
    with Store(db_path) as store:
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


@pytest.mark.parametrize(
    "call",
    [
        lambda s: s.set_transaction_id(42, 1),
        lambda s: s.set_stop_reason(42, "Local"),
        lambda s: s.end_transaction(42),
        lambda s: s.add_sample(42, {}),
        lambda s: s.update_queued(42, attempts=1, not_before=0.0),
        lambda s: s.dequeue(42),
    ],
)
def test_unknown_ref_or_seq_is_a_key_error_and_changes_nothing(call: Any) -> None:
    with Store(":memory:") as store:
        with pytest.raises(KeyError):
            call(store)
        assert store._conn.execute("SELECT COUNT(*) FROM samples").fetchone() == (0,)
        assert not store._conn.in_transaction


def test_queue_round_trip_and_order(db_path: Path) -> None:
    payload: dict[str, Any] = {"n": 1, "f": 2.5, "s": "x", "nested": [{"a": None, "b": True}]}
    with Store(db_path) as store:
        a = store.enqueue("StartTransaction", payload, 1, 10.0)
        b = store.enqueue("MeterValues", {"connectorId": 1}, 1, 11.0)
        c = store.enqueue("MeterValues", {"connectorId": 0}, None, 12.0)
        assert a.seq < b.seq < c.seq and a.attempts == 0 and a.payload == payload
        store.update_queued(b.seq, attempts=2, not_before=99.5)
        store.dequeue(a.seq)
    with Store(db_path) as store:
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
    with Store(db_path) as store:
        # Seqs are never reused, even after the highest one was dequeued and the file reopened.
        assert store.enqueue("StopTransaction", {}, None, 0.0).seq == c.seq + 1


def test_non_json_payload_is_refused_before_writing() -> None:
    with Store(":memory:") as store:
        with pytest.raises(ValueError):
            store.enqueue("MeterValues", {"x": math.nan}, None, 0.0)
        with pytest.raises(TypeError):
            store.enqueue("MeterValues", {"x": object()}, None, 0.0)
        assert store.queued() == []


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
