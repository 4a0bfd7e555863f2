"""MemoryStore against the SQLite Store, and what only MemoryStore promises.

The differential test plays seeded random sequences of store operations (batches that commit
or fail included) on a ``Store(":memory:")`` and a :class:`MemoryStore` side by side and
compares every return value and every exception after each operation, then everything both
stores show. A station on a MemoryStore then plays a whole session and a power loss against a
station on SQLite, frame for frame. Last, the memory a fleet of stores costs.
"""

from __future__ import annotations

import gc
import json
import math
import random
import tracemalloc
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.station.station import Station, StationIdentity
from runtime.station.store import (
    CacheEntry,
    ListEntry,
    Reservation,
    StationStore,
    Store,
    StoreError,
)
from runtime.station.store_memory import MemoryStore
from tests.runtime.test_store import Boom, _contents

SEEDS = (1, 2, 3, 4, 5)
OPS_PER_SEED = 2_000

# Few distinct values, so that operations keep meeting the same rows: folded idTags that
# collide, equal `updated` times (ties go by write order), refs and seqs that exist or not.
TAGS = ("a", "A", "b", "Tag1", "tAG1", "c", "d", "e")
STATUSES = ("Accepted", "Accepted", "Blocked", "Expired", "Invalid", "ConcurrentTx")
TIMES = (0, 1.0, 1, 2.5, 3.0)
PAYLOADS: tuple[Any, ...] = (
    {},
    {"a": 1},
    {"n": [1, 2.5, None, True], "s": "x"},
    {"t": (1, 2)},  # a tuple comes back as a list
    {1: "x"},  # an int key comes back as a string
    {"bad": math.nan},  # ValueError
    {"bad": -math.inf},
    {"bad": object()},  # TypeError
)

Call = Callable[[StationStore], Any]


def _outcome(call: Call, store: StationStore) -> tuple[str, ...]:
    try:
        return ("returned", repr(call(store)))
    except Exception as error:  # the stores must fail alike: same type, same arguments
        return ("raised", type(error).__name__, repr(error.args))


def _tx_call(rng: random.Random, ref_store: StationStore) -> Call:
    ref = rng.choice([-1, 0, 1, 2, 3, ref_store.next_transaction_ref() - 1, 99])
    kind = rng.randrange(6)
    if kind == 0:
        explicit = rng.choice([None, None, None, ref, ref_store.next_transaction_ref() + 2])
        args = (rng.randrange(3), rng.choice(TAGS), rng.randrange(100), "2024-01-01T00:00:00Z")
        parent = rng.choice([None, "P"])
        return lambda s: s.begin_transaction(*args, parent, ref=explicit)
    if kind == 1:
        transaction_id = rng.choice([-1, 7, 4711])
        return lambda s: s.set_transaction_id(ref, transaction_id)
    if kind == 2:
        reason = rng.choice([None, "Local", "PowerLoss"])
        return lambda s: s.set_stop_reason(ref, reason)
    if kind == 3:
        return lambda s: s.end_transaction(ref)
    if kind == 4:
        payload = rng.choice(PAYLOADS)
        return lambda s: s.add_sample(ref, payload)
    return lambda s: s.transaction(ref)


def _queue_call(rng: random.Random, ref_store: StationStore) -> Call:
    head = ref_store.queue_head()
    seq = head.seq if head is not None and rng.random() < 0.7 else rng.randrange(40)
    kind = rng.randrange(4)
    if kind == 0:
        payload, not_before = rng.choice(PAYLOADS), rng.choice(TIMES)
        action, tx_ref = rng.choice(["MeterValues", "StopTransaction"]), rng.choice([None, 1])
        return lambda s: s.enqueue(action, payload, tx_ref, not_before)
    if kind == 1:
        attempts, not_before = rng.randrange(5), rng.choice(TIMES)
        return lambda s: s.update_queued(seq, attempts=attempts, not_before=not_before)
    if kind == 2:
        return lambda s: s.dequeue(seq)
    return rng.choice([lambda s: s.queued(), lambda s: s.queue_head(), lambda s: s.queue_length()])


def _cache_call(rng: random.Random, ref_store: StationStore) -> Call:
    tag, status = rng.choice(TAGS), rng.choice(STATUSES)
    kind = rng.randrange(5)
    if kind == 0:
        entry = CacheEntry(tag, status, rng.choice([None, "2030"]), None, rng.choice(TIMES))
        capacity = rng.choice([0, 1, 2, 3, 3, 4, 6])
        return lambda s: s.cache_put(entry, capacity=capacity)
    if kind == 1:
        return lambda s: s.cache_set_status(tag, status)
    if kind == 2:
        return lambda s: s.cache_get(tag)
    if kind == 3 and rng.random() < 0.2:
        return lambda s: s.cache_clear()
    return lambda s: s.cache_entries()


def _list_call(rng: random.Random, ref_store: StationStore) -> Call:
    if rng.random() < 0.4:
        tag = rng.choice(TAGS)
        return rng.choice([lambda s: s.local_list_get(tag), lambda s: s.local_list_entries()])
    version, replace = rng.randrange(-1, 9), rng.random() < 0.3
    upserts = [
        ListEntry(rng.choice(TAGS), rng.choice(STATUSES), None, rng.choice([None, "P"]))
        for _ in range(rng.randrange(4))
    ]
    removals = rng.sample(TAGS, rng.randrange(3))
    return lambda s: s.local_list_update(
        version, replace=replace, upserts=upserts, removals=removals
    )


def _other_call(rng: random.Random, ref_store: StationStore) -> Call:
    rid = rng.choice([0, 1, 2, 3, 2**70])
    key, value = rng.choice(["K1", "K2", "k1", "local_list.version"]), rng.choice(["1", "x"])
    profiles = [(rng.randrange(3), rng.choice(PAYLOADS)) for _ in range(rng.randrange(3))]
    reservation = Reservation(rid, rng.randrange(3), rng.randrange(3), "T", None, "2030")
    state = rng.choice([None, "1", "2"])
    calls: list[Call] = [
        lambda s: s.save_config(key, value),
        lambda s: s.set_state(key, state),
        lambda s: s.get_state(key),
        lambda s: s.reservation_put(reservation),
        lambda s: s.reservation_get(rid),
        lambda s: s.reservation_delete(rid),
        lambda s: s.set_charging_profiles(profiles),
        lambda s: s.local_list_version(),
    ]
    return rng.choice(calls)


_KINDS = (_tx_call, _queue_call, _cache_call, _list_call, _other_call)


class _Batches:
    """Batches opened on both stores together, closed with or without an exception."""

    def __init__(self) -> None:
        self.open: list[tuple[AbstractContextManager[None], AbstractContextManager[None]]] = []

    def enter(self, sqlite: StationStore, memory: MemoryStore) -> None:
        pair = (sqlite.batch(), memory.batch())
        for manager in pair:
            manager.__enter__()
        self.open.append(pair)

    def exit(self, fail: bool) -> None:
        for manager in self.open.pop():
            if fail:
                manager.__exit__(Boom, Boom(), None)
            else:
                manager.__exit__(None, None, None)


def _play(seed: int) -> int:
    """Returns how many operations raised (so the test knows the error paths were taken)."""
    rng = random.Random(seed)
    sqlite, memory = Store(":memory:"), MemoryStore()
    batches, raised = _Batches(), 0
    for step in range(OPS_PER_SEED):
        if rng.random() < 0.06:
            if batches.open and rng.random() < 0.6:
                batches.exit(fail=rng.random() < 0.5)
            elif len(batches.open) < 3:
                batches.enter(sqlite, memory)
        call = rng.choice(_KINDS)(rng, sqlite)
        expected = _outcome(call, sqlite)
        assert _outcome(call, memory) == expected, f"seed {seed}, operation {step}"
        raised += expected[0] == "raised"
        if step % 10 == 0:
            assert repr(_contents(memory)) == repr(_contents(sqlite)), f"seed {seed}, {step}"
    while batches.open:
        batches.exit(fail=False)
    assert repr(_contents(memory)) == repr(_contents(sqlite))
    for store in (sqlite, memory):
        store.close()
        with pytest.raises(StoreError, match="store is closed"):
            store.queue_head()
    return raised


@pytest.mark.parametrize("seed", SEEDS)
def test_memory_store_answers_like_the_sqlite_store(seed: int) -> None:
    raised = _play(seed)
    assert OPS_PER_SEED // 20 < raised < OPS_PER_SEED // 2


# --- a station on a MemoryStore --------------------------------------------------------------

T0 = 1_700_000_000.0
_PUMP_LIMIT = 50


def _answer(text: str, now: float, transaction_ids: list[int]) -> str | None:
    """A Central System that accepts everything at once."""
    message = json.loads(text)
    if message[0] != 2:
        return None
    _, unique_id, action, _ = message
    accepted = {"idTagInfo": {"status": "Accepted"}}
    payload: dict[str, Any] = {
        "BootNotification": {"status": "Accepted", "currentTime": "2024-05-01T12:00:00Z"},
        "Heartbeat": {"currentTime": "2024-05-01T12:00:00Z"},
        "Authorize": accepted,
        "StartTransaction": {"transactionId": len(transaction_ids) + 1, **accepted},
    }.get(action, {})
    if action == "BootNotification":
        payload["interval"] = 300
    if action == "StartTransaction":
        transaction_ids.append(payload["transactionId"])
    return json.dumps([3, unique_id, payload])


def _pump(station: Station, now: float, log: list[str], transaction_ids: list[int]) -> None:
    for _ in range(_PUMP_LIMIT):
        frames = station.data_to_send()
        if not frames:
            return
        for text in frames:
            log.append(text)
            reply = _answer(text, now, transaction_ids)
            if reply is not None:
                station.receive(reply, now)
    raise AssertionError("the station kept sending")


def _power_on(store: StationStore, now: float) -> Station:
    ids = iter(range(10_000))
    return Station(
        SPEC,
        StationIdentity("CP-MEM"),
        connectors=2,
        now=now,
        config={"MeterValueSampleInterval": 1},
        store=store,
        id_factory=lambda: f"id{next(ids)}",
    )


def _session_and_power_loss(store: StationStore) -> list[str]:
    """Start a transaction, sample it, lose power mid-way; the next power-on stops it."""
    log: list[str] = []
    transaction_ids: list[int] = []
    now = T0
    station = _power_on(store, now)
    station.connected(now)
    _pump(station, now, log, transaction_ids)
    for name, extra in (("plug_in", {}), ("present_id_tag", {"idTag": "TAG-MEM"})):
        station.tester(name, connector=1, **extra)
        _pump(station, now, log, transaction_ids)
    for _ in range(3):
        now += 1.0
        station.poll(now)
        _pump(station, now, log, transaction_ids)
    assert [t.transaction_id for t in store.open_transactions()] == [1]
    now += 60.0  # power loss: a new Station on the same store
    station = _power_on(store, now)
    station.connected(now)
    _pump(station, now, log, transaction_ids)
    for _ in range(5):
        now += 1.0
        station.poll(now)
        _pump(station, now, log, transaction_ids)
    return log


def test_a_station_on_a_memory_store_sends_what_one_on_sqlite_sends() -> None:
    sqlite, memory = Store(":memory:"), MemoryStore()
    frames = _session_and_power_loss(memory)
    assert frames == _session_and_power_loss(sqlite)
    stops = [json.loads(text)[3] for text in frames if '"StopTransaction"' in text]
    assert [(stop["transactionId"], stop["reason"]) for stop in stops] == [(1, "PowerLoss")]
    assert memory.open_transactions() == [] and memory.queue_length() == 0
    assert repr(_contents(memory)) == repr(_contents(sqlite))
    sqlite.close()


# --- what a fleet of memory stores costs ------------------------------------------------------


def _bytes_each(make: Callable[[], object], count: int = 200) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        kept = [make() for _ in range(count)]
        after = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()
    assert len(kept) == count
    return (after - before) / count


def test_an_empty_memory_store_is_a_few_hundred_bytes() -> None:
    keys = [f"ConfigurationKey{i:02d}" for i in range(50)]

    def configured() -> MemoryStore:
        store = MemoryStore()
        for key in keys:
            store.save_config(key, "300")
        return store

    assert _bytes_each(MemoryStore) < 300
    assert _bytes_each(configured) < 3_000  # 50 keys: one dict


def test_writes_outside_a_batch_and_steps_that_write_nothing_keep_no_journal() -> None:
    store = MemoryStore()
    store.save_config("K", "v")
    with store.batch():
        store.load_config()
        assert store._journal is None
        store.save_config("K", "w")
        assert store._journal is not None
    assert store._journal is None and store.load_config() == {"K": "w"}
    store.close()
    assert store._config is None  # closing lets the contents go


def test_a_store_closed_inside_a_failing_batch_stays_closed_and_empty() -> None:
    store = MemoryStore()
    store.save_config("K", "v")
    with pytest.raises(Boom), store.batch():
        store.cache_clear()
        store.save_config("K", "w")
        store.close()
        raise Boom
    assert store._config is None
    with pytest.raises(StoreError, match="store is closed"):
        store.load_config()
