"""A station store that lives only in the process: :class:`MemoryStore`, for fleets.

A fleet of thousands of simulated stations in one process cannot afford one SQLite
``":memory:"`` connection per station (~150-220 KB each). :class:`MemoryStore` keeps the same
tables in plain Python containers and behaves exactly like
:class:`~runtime.station.store.Store` for every method of
:class:`~runtime.station.store.StationStore`: the same ordering of results, case-insensitive
idTag folding (§3.9, §7.28), cache eviction order (§3.5.1, behaviour rule 25), AUTOINCREMENT
references that are never handed out twice (§3.7: a StopTransaction must name its own
transaction), the same KeyError on missing rows, the same JSON round trip of payloads, samples
and profiles (NaN refused, nothing aliased), and :class:`StoreError` once closed. It forgets
everything when the process ends, like ``Store(":memory:")``.

Theory of operation:

* Containers are created on the first write and dropped on close, so an empty store is one
  slotted object of 136 bytes (CPython 3.11); 50 configuration keys add one dict (~1.6 KB).
* Every method checks before it changes anything, so a call that raises changes nothing (what
  ``Store`` gets from one SQLite transaction, or savepoint, per write).
* :meth:`MemoryStore.batch` stands for a station step's SQLite transaction. While one is open,
  every write first records what it overwrites in an undo journal (container, key, old value);
  an exception escaping the outermost batch replays the journal backwards. Outside a batch
  nothing is recorded, and a step that writes nothing allocates no journal.
* Where SQLite orders by rowid (the Authorization Cache) or by an AUTOINCREMENT key (the
  queue), the dict keeps that order; a rollback sorts it back.
"""

from __future__ import annotations

import heapq
import json
import sqlite3
from contextlib import AbstractContextManager
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from runtime.station.store import (
    CacheEntry,
    ListEntry,
    QueuedMessage,
    Reservation,
    StationStore,
    StoreError,
    TransactionRecord,
)

__all__ = ["MemoryStore"]

# The Local Authorization List's version lives in the state table, as in Store (§5.15).
_LIST_VERSION = "local_list.version"
# SQLite integers are signed 64-bit: a larger rowid cannot be bound, none above it allocated.
_MAX_ROWID = 2**63 - 1
_MISSING: Any = object()

# An undo record: (dict, key, old value or _MISSING), (list, None, old length) or
# (object, attribute name, old value).
_Undo = tuple[Any, Any, Any]


def _fold(id_tag: str) -> str:
    # Same key as Store: idTags are printable ASCII (§7.28), casefold is the documented
    # case-insensitive comparison.
    return id_tag.casefold()


def _dumps(value: Any) -> str:
    # As Store: NaN/Infinity are not JSON and could never be sent, so refuse them at the door.
    # Keeping the text (not the dict) means no caller's dict is aliased, in or out.
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _rowid(ref: int) -> int:
    # What SQLite makes of an explicit INTEGER PRIMARY KEY.
    if not -_MAX_ROWID - 1 <= ref <= _MAX_ROWID:
        raise OverflowError("Python int too large to convert to SQLite INTEGER")
    return int(ref)


class _Tx:
    """One row of the transactions table with its samples (MeterValue JSON texts)."""

    __slots__ = (
        "connector",
        "ended",
        "id_tag",
        "meter_start",
        "parent_id_tag",
        "samples",
        "started",
        "stop_reason",
        "transaction_id",
    )

    def __init__(
        self, connector: int, id_tag: str, meter_start: int, started: str, parent: str | None
    ) -> None:
        self.connector = connector
        self.id_tag = id_tag
        self.meter_start = meter_start
        self.started = started
        self.transaction_id: int | None = None
        self.parent_id_tag = parent
        self.stop_reason: str | None = None
        self.ended = False
        self.samples: list[str] = []

    def record(self, ref: int) -> TransactionRecord:
        samples = [json.loads(text) for text in self.samples]
        fields: tuple[Any, ...] = (ref, self.connector, self.id_tag, self.meter_start, self.started)
        fields += (self.transaction_id, self.parent_id_tag, self.stop_reason, samples, self.ended)
        return TransactionRecord(*fields)


class _Batch(AbstractContextManager[None]):
    """One station step: see :meth:`MemoryStore.batch`."""

    __slots__ = ("_store",)

    def __init__(self, store: MemoryStore) -> None:
        self._store = store

    def __enter__(self) -> None:
        self._store._open()._depth += 1

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        store = self._store
        store._depth -= 1
        if store._depth == 0:
            journal, store._journal = store._journal, None
            if exc_type is not None and journal and not store._closed:
                store._undo(journal)


class MemoryStore:
    """Configuration, station state, Authorization Cache, transactions, message queue, Local
    Authorization List, reservations and charging profiles, kept in the process.

    A drop-in for :class:`~runtime.station.store.Store` (see the module docstring); the
    method documentation is Store's.
    """

    __slots__ = (
        "_cache",
        "_closed",
        "_config",
        "_depth",
        "_journal",
        "_list",
        "_profiles",
        "_queue",
        "_queue_seq",
        "_reservations",
        "_state",
        "_tx",
        "_tx_seq",
    )

    def __init__(self) -> None:
        self._closed = False
        self._depth = 0  # open batches
        self._journal: list[_Undo] | None = None
        self._config: dict[str, str] | None = None
        self._state: dict[str, str] | None = None
        # folded idTag -> (rowid, entry), in rowid order (SQLite's tie-break for eviction).
        self._cache: dict[str, tuple[int, CacheEntry]] | None = None
        self._tx: dict[int, _Tx] | None = None
        self._tx_seq = 0  # sqlite_sequence: the highest ref ever stored
        # seq -> (action, payload JSON, tx_ref, attempts, not_before), in seq order.
        self._queue: dict[int, tuple[str, str, int | None, int, float]] | None = None
        self._queue_seq = 0
        self._list: dict[str, ListEntry] | None = None
        self._reservations: dict[int, Reservation] | None = None
        self._profiles: list[tuple[int, str]] | None = None

    # -- life cycle, batches and the undo journal --------------------------------------------

    def _open(self) -> Self:
        if self._closed:
            raise StoreError("store is closed")
        return self

    def close(self) -> None:
        """Forget everything; later calls raise :class:`StoreError`. Closing twice is fine."""
        self._closed = True
        self._journal = self._config = self._state = self._cache = self._tx = None
        self._queue = self._list = self._reservations = self._profiles = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def batch(self) -> AbstractContextManager[None]:
        """Group one station step's writes: batches nest, and an exception escaping the
        outermost one undoes every write made inside it (as ``Store.batch`` rolls back)."""
        return _Batch(self)

    def _note(self, target: Any, key: Any, old: Any) -> None:
        """Record what a write inside a batch overwrites (see :meth:`_undo`)."""
        if self._depth:
            if self._journal is None:
                self._journal = []
            self._journal.append((target, key, old))

    def _put(self, table: dict[Any, Any], key: Any, value: Any) -> None:
        self._note(table, key, table.get(key, _MISSING))
        table[key] = value

    def _pop(self, table: dict[Any, Any], key: Any) -> None:
        self._note(table, key, table.pop(key))

    def _swap(self, name: str, value: Any) -> None:
        self._note(self, name, getattr(self, name))
        setattr(self, name, value)

    def _undo(self, journal: list[_Undo]) -> None:
        for target, key, old in reversed(journal):
            if type(target) is dict:
                if old is _MISSING:
                    del target[key]
                else:
                    target[key] = old
            elif type(target) is list:
                del target[old:]
            else:
                setattr(target, key, old)
        # Restored rows went to the end of their dict: put them back in SQLite's order.
        if self._cache:
            rows = sorted(self._cache.items(), key=lambda item: item[1][0])
            self._cache = dict(rows)
        if self._queue:
            self._queue = dict(sorted(self._queue.items()))

    # -- configuration and station state -----------------------------------------------------

    def load_config(self) -> dict[str, str]:
        return dict(sorted((self._open()._config or {}).items()))

    def save_config(self, key: str, value: str) -> None:
        config = self._open()._config
        if config is None:
            config = self._config = {}
        self._put(config, key, value)

    def get_state(self, name: str) -> str | None:
        return (self._open()._state or {}).get(name)

    def set_state(self, name: str, value: str | None) -> None:
        state = self._open()._state
        if value is None:
            if state and name in state:
                self._pop(state, name)
            return
        if state is None:
            state = self._state = {}
        self._put(state, name, value)

    # -- Authorization Cache (OCPP 1.6 §3.5.1) -----------------------------------------------

    def cache_get(self, id_tag: str) -> CacheEntry | None:
        row = (self._open()._cache or {}).get(_fold(id_tag))
        return None if row is None else row[1]

    def cache_put(self, entry: CacheEntry, *, capacity: int) -> None:
        folded = _fold(entry.id_tag)
        cache = self._open()._cache
        if cache is None:
            cache = self._cache = {}
        if type(entry.updated) is not float:  # the column is REAL
            entry = CacheEntry(
                entry.id_tag, entry.status, entry.expiry, entry.parent_id_tag, float(entry.updated)
            )
        if folded in cache:
            self._pop(cache, folded)
        excess = len(cache) - max(capacity - 1, 0)
        if excess > 0:
            # Not-valid first, then oldest, then rowid (behaviour rule 25).
            evicted = heapq.nsmallest(
                excess,
                cache.items(),
                key=lambda item: (item[1][1].status == "Accepted", item[1][1].updated, item[1][0]),
            )
            for key, _ in evicted:
                self._pop(cache, key)
        if capacity >= 1:
            # A plain rowid: one above the highest in the table (1 when empty).
            rowid = next(reversed(cache.values()))[0] + 1 if cache else 1
            self._put(cache, folded, (rowid, entry))

    def cache_set_status(self, id_tag: str, status: str) -> None:
        folded = _fold(id_tag)
        cache = self._open()._cache or {}
        if folded not in cache:
            raise KeyError(0)  # Store's key for a cache row
        rowid, old = cache[folded]
        entry = CacheEntry(old.id_tag, status, old.expiry, old.parent_id_tag, old.updated)
        self._put(cache, folded, (rowid, entry))

    def cache_clear(self) -> None:
        if self._open()._cache:
            self._swap("_cache", None)

    def cache_entries(self) -> list[CacheEntry]:
        rows = (self._open()._cache or {}).values()
        return [entry for _, entry in sorted(rows, key=lambda row: (row[1].updated, row[0]))]

    # -- transactions ------------------------------------------------------------------------

    def next_transaction_ref(self) -> int:
        return self._open()._tx_seq + 1

    def begin_transaction(
        self,
        connector: int,
        id_tag: str,
        meter_start: int,
        started: str,
        parent_id_tag: str | None,
        *,
        ref: int | None = None,
    ) -> TransactionRecord:
        tx = self._open()._tx
        if ref is None:
            if self._tx_seq >= _MAX_ROWID:
                raise sqlite3.OperationalError("database or disk is full")
            ref = self._tx_seq + 1
        else:
            ref = _rowid(ref)
            if tx is not None and ref in tx:
                raise sqlite3.IntegrityError("UNIQUE constraint failed: transactions.ref")
        if tx is None:
            tx = self._tx = {}
        self._put(tx, ref, _Tx(connector, id_tag, meter_start, started, parent_id_tag))
        if ref > self._tx_seq:  # sqlite_sequence keeps the highest ref ever inserted
            self._swap("_tx_seq", ref)
        return TransactionRecord(
            ref, connector, id_tag, meter_start, started, None, parent_id_tag, None, []
        )

    def _tx_row(self, ref: int) -> _Tx:
        row = (self._open()._tx or {}).get(ref)
        if row is None:
            raise KeyError(ref)
        return row

    def _set_tx(self, ref: int, column: str, value: object) -> None:
        row = self._tx_row(ref)
        self._note(row, column, getattr(row, column))
        setattr(row, column, value)

    def set_transaction_id(self, ref: int, transaction_id: int) -> None:
        self._set_tx(ref, "transaction_id", transaction_id)

    def set_stop_reason(self, ref: int, reason: str | None) -> None:
        self._set_tx(ref, "stop_reason", reason)

    def end_transaction(self, ref: int) -> None:
        self._set_tx(ref, "ended", True)

    def add_sample(self, ref: int, meter_value: dict[str, Any]) -> None:
        text = _dumps(meter_value)
        samples = self._tx_row(ref).samples
        self._note(samples, None, len(samples))
        samples.append(text)

    def open_transactions(self) -> list[TransactionRecord]:
        tx = self._open()._tx or {}
        return [tx[ref].record(ref) for ref in sorted(tx) if not tx[ref].ended]

    def transaction(self, ref: int) -> TransactionRecord | None:
        row = (self._open()._tx or {}).get(ref)
        return None if row is None else row.record(ref)

    # -- transaction-related message queue (OCPP 1.6 §3.7) -----------------------------------

    def enqueue(
        self, action: str, payload: dict[str, Any], tx_ref: int | None, not_before: float
    ) -> QueuedMessage:
        text = _dumps(payload)
        queue = self._open()._queue
        if self._queue_seq >= _MAX_ROWID:
            raise sqlite3.OperationalError("database or disk is full")
        if queue is None:
            queue = self._queue = {}
        seq = self._queue_seq + 1
        self._swap("_queue_seq", seq)
        self._put(queue, seq, (action, text, tx_ref, 0, float(not_before)))
        return QueuedMessage(seq, action, json.loads(text), tx_ref, 0, not_before)

    def queued(self) -> list[QueuedMessage]:
        return [_message(seq, row) for seq, row in (self._open()._queue or {}).items()]

    def queue_head(self) -> QueuedMessage | None:
        queue = self._open()._queue
        if not queue:
            return None
        seq = next(iter(queue))
        return _message(seq, queue[seq])

    def queue_length(self) -> int:
        return len(self._open()._queue or ())

    def update_queued(self, seq: int, *, attempts: int, not_before: float) -> None:
        queue = self._open()._queue or {}
        if seq not in queue:
            raise KeyError(seq)
        action, text, tx_ref, _, _ = queue[seq]
        self._put(queue, seq, (action, text, tx_ref, attempts, float(not_before)))

    def dequeue(self, seq: int) -> None:
        queue = self._open()._queue or {}
        if seq not in queue:
            raise KeyError(seq)
        self._pop(queue, seq)

    # -- Local Authorization List (OCPP 1.6 §3.5.2, §5.15) -----------------------------------

    def local_list_get(self, id_tag: str) -> ListEntry | None:
        return (self._open()._list or {}).get(_fold(id_tag))

    def local_list_entries(self) -> list[ListEntry]:
        entries = self._open()._list or {}
        return [entries[folded] for folded in sorted(entries)]

    def local_list_count(self) -> int:
        return len(self._open()._list or ())

    def local_list_version(self) -> int:
        value = self.get_state(_LIST_VERSION)
        return int(value) if value is not None else 0

    def local_list_update(
        self, version: int, *, replace: bool, upserts: list[ListEntry], removals: list[str]
    ) -> None:
        """The list and its version change together or not at all (§5.15)."""
        self._open()
        removed = [_fold(id_tag) for id_tag in removals]
        added = [(_fold(entry.id_tag), entry) for entry in upserts]
        if replace and self._list:
            self._swap("_list", None)
        if self._list is None:
            self._list = {}
        entries = self._list
        for folded in removed:
            if folded in entries:
                self._pop(entries, folded)
        for folded, entry in added:
            self._put(entries, folded, entry)
        self.set_state(_LIST_VERSION, str(version))

    # -- reservations (OCPP 1.6 §5.13) -------------------------------------------------------

    def reservation_put(self, reservation: Reservation) -> None:
        r = reservation
        key = int(r.reservation_id)  # Store keys by its decimal text: the same rows
        if type(r.reservation_id) is not int:
            r = Reservation(key, r.connector, r.held, r.id_tag, r.parent_id_tag, r.expiry)
        found = self._open()._reservations
        if found is None:
            found = self._reservations = {}
        self._put(found, key, r)

    def reservation_get(self, reservation_id: int) -> Reservation | None:
        key = int(reservation_id)
        return (self._open()._reservations or {}).get(key)

    def reservations(self) -> list[Reservation]:
        found = self._open()._reservations or {}
        return [found[key] for key in sorted(found)]

    def reservation_delete(self, reservation_id: int) -> None:
        key = int(reservation_id)
        found = self._open()._reservations or {}
        if key not in found:
            raise KeyError(reservation_id)
        self._pop(found, key)

    # -- charging profiles (OCPP 1.6 §3.13, §5.16) -------------------------------------------

    def charging_profiles(self) -> list[tuple[int, dict[str, Any]]]:
        return [(int(c), json.loads(text)) for c, text in self._open()._profiles or ()]

    def set_charging_profiles(self, profiles: list[tuple[int, dict[str, Any]]]) -> None:
        self._open()
        rows = [(connector, _dumps(profile)) for connector, profile in profiles]
        self._swap("_profiles", rows or None)


if TYPE_CHECKING:  # mypy holds every method to StationStore's signature
    _IS_A_STATION_STORE: type[StationStore] = MemoryStore


def _message(seq: int, row: tuple[str, str, int | None, int, float]) -> QueuedMessage:
    action, text, tx_ref, attempts, not_before = row
    return QueuedMessage(seq, action, json.loads(text), tx_ref, attempts, not_before)
