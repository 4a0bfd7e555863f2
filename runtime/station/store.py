"""The charge point's persistent memory: one SQLite database.

OCPP 1.6 asks a charge point to keep its configuration (§5.14 / chapter 9), its Authorization
Cache (§3.5.1), its open transactions and the transaction-related messages it still owes the
Central System (§3.7, §4.2, errata E3.37) across a power loss or a killed process. So every
mutating method here is one SQLite transaction that commits before the method returns: a kill
at any instant leaves either the state before the call or the state after it, never a mix.

How a write is made atomic and durable (WAL, ``synchronous=FULL``, batches of one station
step) is :mod:`runtime.station.store_db`'s job; ``":memory:"`` works too (for fast tests) and
forgets everything on close. This module holds the tables and what the charge point keeps in them.

Its only I/O is the SQLite file; it reads no clock (callers pass station time in
``CacheEntry.updated`` and ``not_before``).
"""

from __future__ import annotations

import json
import os
from contextlib import AbstractContextManager
from dataclasses import astuple, dataclass
from typing import Any, Protocol

from runtime.station.store_db import Database, StoreError

__all__ = [
    "SCHEMA_VERSION",
    "CacheEntry",
    "ListEntry",
    "QueuedMessage",
    "Reservation",
    "StationStore",
    "Store",
    "StoreError",
    "TransactionRecord",
]

SCHEMA_VERSION = 1

# AUTOINCREMENT (not plain rowid) so that a transaction ref or a queue seq is never handed out
# twice, even after the row holding the highest one was deleted and the process restarted.
_SCHEMA = """
CREATE TABLE IF NOT EXISTS config (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS state (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS auth_cache (
    folded TEXT PRIMARY KEY, id_tag TEXT NOT NULL, status TEXT NOT NULL, expiry TEXT,
    parent_id_tag TEXT, updated REAL NOT NULL);
CREATE TABLE IF NOT EXISTS transactions (
    ref INTEGER PRIMARY KEY AUTOINCREMENT, connector INTEGER NOT NULL, id_tag TEXT NOT NULL,
    meter_start INTEGER NOT NULL, started TEXT NOT NULL, transaction_id INTEGER,
    parent_id_tag TEXT, stop_reason TEXT, ended INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS samples (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    ref INTEGER NOT NULL REFERENCES transactions (ref), meter_value TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS samples_by_ref ON samples (ref, id);
CREATE TABLE IF NOT EXISTS queue (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, action TEXT NOT NULL, payload TEXT NOT NULL,
    tx_ref INTEGER, attempts INTEGER NOT NULL, not_before REAL NOT NULL);
CREATE TABLE IF NOT EXISTS local_list (
    folded TEXT PRIMARY KEY, id_tag TEXT NOT NULL, status TEXT NOT NULL, expiry TEXT,
    parent_id_tag TEXT);
CREATE TABLE IF NOT EXISTS reservations (
    reservation_id TEXT PRIMARY KEY, connector INTEGER NOT NULL, held INTEGER NOT NULL,
    id_tag TEXT NOT NULL, parent_id_tag TEXT, expiry TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS charging_profiles (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, connector INTEGER NOT NULL, profile TEXT NOT NULL);
"""

# Column lists in dataclass field order, so that rows map onto the dataclasses positionally.
_CACHE_COLUMNS = "id_tag, status, expiry, parent_id_tag, updated"
_TX_COLUMNS = "ref, connector, id_tag, meter_start, started, transaction_id, parent_id_tag"
_TX_COLUMNS += ", stop_reason, ended"
_QUEUE_COLUMNS = "seq, action, payload, tx_ref, attempts, not_before"
_RESERVATION_COLUMNS = "reservation_id, connector, held, id_tag, parent_id_tag, expiry"


@dataclass(frozen=True, slots=True)
class CacheEntry:
    """An Authorization Cache entry (OCPP 1.6 §3.5.1).

    ``id_tag`` keeps the spelling last written; lookups fold case because idTags are
    case-insensitive (§3.9, behaviour rule 32). ``updated`` is the station time of the last
    write and orders eviction.
    """

    id_tag: str
    status: str
    expiry: str | None
    parent_id_tag: str | None
    updated: float


@dataclass(frozen=True, slots=True)
class TransactionRecord:
    """A transaction as the charge point remembers it.

    ``transaction_id`` is ``None`` until StartTransaction.conf arrives and ``-1`` once the
    StartTransaction is known to be undeliverable (errata E3.18). ``samples`` are MeterValue
    objects (wire JSON) kept for StopTransaction.transactionData. ``ended`` is true once
    :meth:`Store.end_transaction` took it out of the open set.
    """

    ref: int
    connector: int
    id_tag: str
    meter_start: int
    started: str
    transaction_id: int | None
    parent_id_tag: str | None
    stop_reason: str | None
    samples: list[dict[str, Any]]
    ended: bool = False


@dataclass(frozen=True, slots=True)
class QueuedMessage:
    """A transaction-related message waiting for delivery (OCPP 1.6 §3.7)."""

    seq: int
    action: str
    payload: dict[str, Any]
    tx_ref: int | None
    attempts: int
    not_before: float


# The Local Authorization List's version lives in the state table, written in the same SQLite
# transaction as the list it numbers (OCPP 1.6 §5.15: the version belongs to the updated list).
_LIST_VERSION = "local_list.version"
_LIST_COLUMNS = "id_tag, status, expiry, parent_id_tag"


@dataclass(frozen=True, slots=True)
class ListEntry:
    """A Local Authorization List entry (OCPP 1.6 §3.5.2, §7.1 AuthorizationData).

    ``id_tag`` keeps the spelling the Central System sent; lookups fold case (§7.28).
    """

    id_tag: str
    status: str
    expiry: str | None
    parent_id_tag: str | None


@dataclass(frozen=True, slots=True)
class Reservation:
    """A reservation accepted by ReserveNow (OCPP 1.6 §5.13).

    ``connector`` is the connectorId of the request (0: any connector of the Charge Point);
    ``held`` the connector kept free for it and reported Reserved. ``expiry`` is the
    request's expiryDate (ISO 8601, the Central System's clock).
    """

    reservation_id: int
    connector: int
    held: int
    id_tag: str
    parent_id_tag: str | None
    expiry: str


def _reservation_key(reservation_id: int) -> str:
    # reservationId is any JSON integer (§6.43 gives no bound); SQLite integers stop at 64
    # bits, so the key is kept as its decimal text.
    return str(int(reservation_id))


def _reservation(row: tuple[Any, ...]) -> Reservation:
    return Reservation(int(row[0]), *row[1:])


def _fold(id_tag: str) -> str:
    # idTags are printable ASCII (§7.28), so lower() and casefold() agree; casefold is the
    # documented case-insensitive comparison key.
    return id_tag.casefold()


def _dumps(value: dict[str, Any]) -> str:
    # NaN/Infinity are not JSON and could never be sent, so refuse them at the door.
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


def _message(row: tuple[Any, ...]) -> QueuedMessage:
    seq, action, payload, tx_ref, attempts, not_before = row
    return QueuedMessage(seq, action, json.loads(payload), tx_ref, attempts, not_before)


class StationStore(Protocol):
    """What a station keeps: the methods of :class:`Store`, which a store that lives only in
    the process (``runtime.station.store_memory.MemoryStore``, for fleets of simulated
    stations) implements too. ``batch`` groups one station step's writes."""

    def batch(self) -> AbstractContextManager[None]: ...
    def close(self) -> None: ...
    def load_config(self) -> dict[str, str]: ...
    def save_config(self, key: str, value: str) -> None: ...
    def get_state(self, name: str) -> str | None: ...
    def set_state(self, name: str, value: str | None) -> None: ...
    def cache_get(self, id_tag: str) -> CacheEntry | None: ...
    def cache_put(self, entry: CacheEntry, *, capacity: int) -> None: ...
    def cache_set_status(self, id_tag: str, status: str) -> None: ...
    def cache_clear(self) -> None: ...
    def cache_entries(self) -> list[CacheEntry]: ...
    def next_transaction_ref(self) -> int: ...
    def begin_transaction(
        self,
        connector: int,
        id_tag: str,
        meter_start: int,
        started: str,
        parent_id_tag: str | None,
        *,
        ref: int | None = None,
    ) -> TransactionRecord: ...
    def set_transaction_id(self, ref: int, transaction_id: int) -> None: ...
    def set_stop_reason(self, ref: int, reason: str | None) -> None: ...
    def end_transaction(self, ref: int) -> None: ...
    def add_sample(self, ref: int, meter_value: dict[str, Any]) -> None: ...
    def open_transactions(self) -> list[TransactionRecord]: ...
    def transaction(self, ref: int) -> TransactionRecord | None: ...
    def enqueue(
        self, action: str, payload: dict[str, Any], tx_ref: int | None, not_before: float
    ) -> QueuedMessage: ...
    def queued(self) -> list[QueuedMessage]: ...
    def queue_head(self) -> QueuedMessage | None: ...
    def queue_length(self) -> int: ...
    def update_queued(self, seq: int, *, attempts: int, not_before: float) -> None: ...
    def dequeue(self, seq: int) -> None: ...
    def local_list_get(self, id_tag: str) -> ListEntry | None: ...
    def local_list_entries(self) -> list[ListEntry]: ...
    def local_list_count(self) -> int: ...
    def local_list_version(self) -> int: ...
    def local_list_update(
        self, version: int, *, replace: bool, upserts: list[ListEntry], removals: list[str]
    ) -> None: ...
    def reservation_put(self, reservation: Reservation) -> None: ...
    def reservation_get(self, reservation_id: int) -> Reservation | None: ...
    def reservations(self) -> list[Reservation]: ...
    def reservation_delete(self, reservation_id: int) -> None: ...
    def charging_profiles(self) -> list[tuple[int, dict[str, Any]]]: ...
    def set_charging_profiles(self, profiles: list[tuple[int, dict[str, Any]]]) -> None: ...


class Store(Database):
    """Configuration, station state, Authorization Cache, transactions and message queue.

    Args:
        path: A database file (created when missing) or ``":memory:"``.

    Raises:
        StoreError: The file holds a database of another schema version.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        super().__init__(path, _SCHEMA, SCHEMA_VERSION)

    # -- configuration and station state -------------------------------------------------

    def load_config(self) -> dict[str, str]:
        """All saved configuration values, as wire strings, sorted by key."""
        rows = self._conn.execute("SELECT key, value FROM config ORDER BY key")
        return {str(key): str(value) for key, value in rows}

    def save_config(self, key: str, value: str) -> None:
        with self._write() as db:
            db.execute("INSERT OR REPLACE INTO config (key, value) VALUES (?, ?)", (key, value))

    def get_state(self, name: str) -> str | None:
        row = self._conn.execute("SELECT value FROM state WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def set_state(self, name: str, value: str | None) -> None:
        """Save a free-form station value; ``None`` deletes it."""
        with self._write() as db:
            if value is None:
                db.execute("DELETE FROM state WHERE name = ?", (name,))
            else:
                db.execute(
                    "INSERT OR REPLACE INTO state (name, value) VALUES (?, ?)", (name, value)
                )

    # -- Authorization Cache (OCPP 1.6 §3.5.1) --------------------------------------------

    def cache_get(self, id_tag: str) -> CacheEntry | None:
        """The entry for ``id_tag``, compared case-insensitively."""
        query = f"SELECT {_CACHE_COLUMNS} FROM auth_cache WHERE folded = ?"
        row = self._conn.execute(query, (_fold(id_tag),)).fetchone()
        return None if row is None else CacheEntry(*row)

    def cache_put(self, entry: CacheEntry, *, capacity: int) -> None:
        """Insert or overwrite the entry for ``entry.id_tag``, keeping at most ``capacity``.

        When full, not-valid entries (status other than Accepted) go first, oldest first, then
        the oldest Accepted ones (behaviour rule 25). Whether an Accepted entry's expiryDate has
        passed needs a clock: callers rewrite such entries with status ``Expired``. A capacity
        below 1 keeps nothing.
        """
        folded = _fold(entry.id_tag)
        with self._write() as db:
            db.execute("DELETE FROM auth_cache WHERE folded = ?", (folded,))
            (count,) = db.execute("SELECT COUNT(*) FROM auth_cache").fetchone()
            excess = count - max(capacity - 1, 0)
            if excess > 0:
                db.execute(
                    "DELETE FROM auth_cache WHERE folded IN (SELECT folded FROM auth_cache"
                    " ORDER BY status = 'Accepted', updated, rowid LIMIT ?)",
                    (excess,),
                )
            if capacity >= 1:
                db.execute(
                    f"INSERT INTO auth_cache (folded, {_CACHE_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?)",
                    (folded, *astuple(entry)),
                )

    def cache_set_status(self, id_tag: str, status: str) -> None:
        """Change the status of ``id_tag``'s entry (compared case-insensitively), keeping the
        rest of it; e.g. ``Expired`` once its expiryDate has passed (§3.5.1). KeyError if the
        cache has no entry for it."""
        self._change(
            "UPDATE auth_cache SET status = ? WHERE folded = ?", (status, _fold(id_tag)), 0
        )

    def cache_clear(self) -> None:
        with self._write() as db:
            db.execute("DELETE FROM auth_cache")

    def cache_entries(self) -> list[CacheEntry]:
        """Every entry, least recently written first."""
        query = f"SELECT {_CACHE_COLUMNS} FROM auth_cache ORDER BY updated, rowid"
        return [CacheEntry(*row) for row in self._conn.execute(query)]

    # -- transactions ---------------------------------------------------------------------

    def next_transaction_ref(self) -> int:
        """The reference the next :meth:`begin_transaction` without ``ref`` would allocate."""
        row = self._conn.execute(
            "SELECT seq FROM sqlite_sequence WHERE name = 'transactions'"
        ).fetchone()
        return (int(row[0]) if row else 0) + 1

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
        """Record a new open transaction; ``ref`` (from :meth:`next_transaction_ref`, so it
        is above every earlier one) or a freshly allocated local reference."""
        ref = self._insert(
            "INSERT INTO transactions (ref, connector, id_tag, meter_start, started,"
            " parent_id_tag) VALUES (?, ?, ?, ?, ?, ?)",
            (ref, connector, id_tag, meter_start, started, parent_id_tag),
        )
        return TransactionRecord(
            ref, connector, id_tag, meter_start, started, None, parent_id_tag, None, []
        )

    def _update_transaction(self, ref: int, column: str, value: object) -> None:
        self._change(f"UPDATE transactions SET {column} = ? WHERE ref = ?", (value, ref), ref)

    def set_transaction_id(self, ref: int, transaction_id: int) -> None:
        """Record the id from StartTransaction.conf, or -1 (errata E3.18). KeyError if unknown."""
        self._update_transaction(ref, "transaction_id", transaction_id)

    def set_stop_reason(self, ref: int, reason: str | None) -> None:
        self._update_transaction(ref, "stop_reason", reason)

    def end_transaction(self, ref: int) -> None:
        """Take the transaction out of the open set; its row stays for :meth:`transaction`."""
        self._update_transaction(ref, "ended", 1)

    def add_sample(self, ref: int, meter_value: dict[str, Any]) -> None:
        """Append one MeterValue object (wire JSON) to the transaction's samples."""
        text = _dumps(meter_value)
        with self._write() as db:
            if db.execute("SELECT 1 FROM transactions WHERE ref = ?", (ref,)).fetchone() is None:
                raise KeyError(ref)
            db.execute("INSERT INTO samples (ref, meter_value) VALUES (?, ?)", (ref, text))

    def _record(self, row: tuple[Any, ...]) -> TransactionRecord:
        query = "SELECT meter_value FROM samples WHERE ref = ? ORDER BY id"
        samples = [json.loads(text) for (text,) in self._conn.execute(query, (row[0],))]
        fields: tuple[Any, ...] = (*row[:8], samples, bool(row[8]))
        return TransactionRecord(*fields)

    def open_transactions(self) -> list[TransactionRecord]:
        """Transactions not yet ended, ordered by ref."""
        query = f"SELECT {_TX_COLUMNS} FROM transactions WHERE ended = 0 ORDER BY ref"
        return [self._record(r) for r in self._conn.execute(query).fetchall()]

    def transaction(self, ref: int) -> TransactionRecord | None:
        """The transaction with this ref, open or ended; ``None`` if there never was one."""
        query = f"SELECT {_TX_COLUMNS} FROM transactions WHERE ref = ?"
        row = self._conn.execute(query, (ref,)).fetchone()
        return None if row is None else self._record(row)

    # -- transaction-related message queue (OCPP 1.6 §3.7) --------------------------------

    def enqueue(
        self, action: str, payload: dict[str, Any], tx_ref: int | None, not_before: float
    ) -> QueuedMessage:
        """Append a message at the tail; it is on disk when this returns."""
        text = _dumps(payload)
        seq = self._insert(
            "INSERT INTO queue (action, payload, tx_ref, attempts, not_before)"
            " VALUES (?, ?, ?, 0, ?)",
            (action, text, tx_ref, not_before),
        )
        return QueuedMessage(seq, action, json.loads(text), tx_ref, 0, not_before)

    def queued(self) -> list[QueuedMessage]:
        """Every queued message, in seq order."""
        rows = self._conn.execute(f"SELECT {_QUEUE_COLUMNS} FROM queue ORDER BY seq")
        return [_message(r) for r in rows]

    def queue_head(self) -> QueuedMessage | None:
        """The oldest queued message, without decoding the rest of the queue."""
        query = f"SELECT {_QUEUE_COLUMNS} FROM queue ORDER BY seq LIMIT 1"
        row = self._conn.execute(query).fetchone()
        return None if row is None else _message(row)

    def queue_length(self) -> int:
        (count,) = self._conn.execute("SELECT COUNT(*) FROM queue").fetchone()
        return int(count)

    def update_queued(self, seq: int, *, attempts: int, not_before: float) -> None:
        """Record a failed transmission; KeyError if ``seq`` is not queued."""
        sql = "UPDATE queue SET attempts = ?, not_before = ? WHERE seq = ?"
        self._change(sql, (attempts, not_before, seq), seq)

    def dequeue(self, seq: int) -> None:
        """Remove a delivered or dropped message; KeyError if ``seq`` is not queued."""
        self._change("DELETE FROM queue WHERE seq = ?", (seq,), seq)

    # -- Local Authorization List (OCPP 1.6 §3.5.2, §5.15) ---------------------------------

    def local_list_get(self, id_tag: str) -> ListEntry | None:
        """The list's entry for ``id_tag``, compared case-insensitively (§7.28)."""
        query = f"SELECT {_LIST_COLUMNS} FROM local_list WHERE folded = ?"
        row = self._conn.execute(query, (_fold(id_tag),)).fetchone()
        return None if row is None else ListEntry(*row)

    def local_list_entries(self) -> list[ListEntry]:
        """Every entry, by folded idTag."""
        query = f"SELECT {_LIST_COLUMNS} FROM local_list ORDER BY folded"
        return [ListEntry(*row) for row in self._conn.execute(query)]

    def local_list_count(self) -> int:
        (count,) = self._conn.execute("SELECT COUNT(*) FROM local_list").fetchone()
        return int(count)

    def local_list_version(self) -> int:
        """The version the last accepted SendLocalList gave the list (0: never updated)."""
        value = self.get_state(_LIST_VERSION)
        return int(value) if value is not None else 0

    def local_list_update(
        self, version: int, *, replace: bool, upserts: list[ListEntry], removals: list[str]
    ) -> None:
        """Apply one SendLocalList in one SQLite transaction: the whole list and its version
        change together or not at all (§5.15).

        Args:
            version: the list's version after the update.
            replace: a Full update: the list becomes exactly ``upserts``.
            upserts: entries added or overwritten.
            removals: idTags whose entries are deleted (a Differential entry without
                idTagInfo, §7.1).
        """
        with self._write() as db:
            if replace:
                db.execute("DELETE FROM local_list")
            for id_tag in removals:
                db.execute("DELETE FROM local_list WHERE folded = ?", (_fold(id_tag),))
            for entry in upserts:
                db.execute(
                    f"INSERT OR REPLACE INTO local_list (folded, {_LIST_COLUMNS})"
                    " VALUES (?, ?, ?, ?, ?)",
                    (_fold(entry.id_tag), *astuple(entry)),
                )
            db.execute(
                "INSERT OR REPLACE INTO state (name, value) VALUES (?, ?)",
                (_LIST_VERSION, str(version)),
            )

    # -- reservations (OCPP 1.6 §5.13) ------------------------------------------------------

    def reservation_put(self, reservation: Reservation) -> None:
        """Store a reservation, replacing one with the same reservationId (§5.13)."""
        with self._write() as db:
            db.execute(
                f"INSERT OR REPLACE INTO reservations ({_RESERVATION_COLUMNS})"
                " VALUES (?, ?, ?, ?, ?, ?)",
                (_reservation_key(reservation.reservation_id), *astuple(reservation)[1:]),
            )

    def reservation_get(self, reservation_id: int) -> Reservation | None:
        query = f"SELECT {_RESERVATION_COLUMNS} FROM reservations WHERE reservation_id = ?"
        row = self._conn.execute(query, (_reservation_key(reservation_id),)).fetchone()
        return None if row is None else _reservation(row)

    def reservations(self) -> list[Reservation]:
        """Every reservation, by reservationId."""
        query = f"SELECT {_RESERVATION_COLUMNS} FROM reservations"
        found = [_reservation(row) for row in self._conn.execute(query)]
        return sorted(found, key=lambda r: r.reservation_id)

    def reservation_delete(self, reservation_id: int) -> None:
        """Forget a reservation; KeyError if there is none with that id."""
        sql = "DELETE FROM reservations WHERE reservation_id = ?"
        self._change(sql, (_reservation_key(reservation_id),), reservation_id)

    # -- charging profiles (OCPP 1.6 §3.13, §5.16) -------------------------------------------

    def charging_profiles(self) -> list[tuple[int, dict[str, Any]]]:
        """The installed charging profiles as (connector, ChargingProfile wire JSON), in the
        order they were installed."""
        query = "SELECT connector, profile FROM charging_profiles ORDER BY seq"
        return [(int(c), json.loads(text)) for c, text in self._conn.execute(query)]

    def set_charging_profiles(self, profiles: list[tuple[int, dict[str, Any]]]) -> None:
        """Replace the installed set in one write: an install, a clear or the end of a
        transaction changes it as a whole (§3.13.2 replaces a profile in place)."""
        with self._write() as db:
            db.execute("DELETE FROM charging_profiles")
            db.executemany(
                "INSERT INTO charging_profiles (connector, profile) VALUES (?, ?)",
                [(connector, _dumps(profile)) for connector, profile in profiles],
            )
