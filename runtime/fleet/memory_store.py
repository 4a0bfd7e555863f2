"""A station's memory kept in Python objects, for fleets of thousands of stations.

:class:`~runtime.station.store.Store` is one SQLite database per station; even ``":memory:"``
costs ~150 KB of resident memory a station (a connection, its page cache and the schema), so
10,000 of them would take 1.5 GB before anything runs. A fleet's stations live exactly as long
as the fleet process, so :class:`MemoryStore` keeps the same tables in dicts: the same methods,
the same answers, a few hundred bytes while empty.

What it does not do: survive the process (nothing does, for a simulated fleet), and roll a
failed step back (a step that raises is a bug; the fleet stops that station and reports it).
Ordering and uniqueness follow the SQLite tables': references and queue numbers are never
handed out twice, lists come back in the order the SQL ``ORDER BY`` gives, and values come back
as fresh copies (JSON round trip), as rows decoded from the database do.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

from runtime.station.store import (
    CacheEntry,
    ListEntry,
    QueuedMessage,
    Reservation,
    StationStore,
    TransactionRecord,
)

__all__ = ["MemoryStore"]

_LIST_VERSION = "local_list.version"


def _fold(id_tag: str) -> str:
    # idTags compare case-insensitively (OCPP 1.6 §7.28), as Store's folded key column.
    return id_tag.casefold()


def _dumps(value: dict[str, Any]) -> str:
    # As Store: NaN/Infinity are not JSON and could never be sent.
    return json.dumps(value, separators=(",", ":"), allow_nan=False)


class _Tx:
    """One row of the transactions table plus its samples (as JSON text)."""

    __slots__ = ("record", "samples")

    def __init__(self, record: TransactionRecord) -> None:
        self.record = record
        self.samples: list[str] = []

    def view(self) -> TransactionRecord:
        samples = [json.loads(text) for text in self.samples]
        return dataclasses.replace(self.record, samples=samples)


class MemoryStore:
    """:class:`~runtime.station.store.StationStore` over dicts (see the module docstring)."""

    def __init__(self) -> None:
        self._config: dict[str, str] = {}
        self._state: dict[str, str] = {}
        self._cache: dict[str, CacheEntry] = {}
        self._tx: dict[int, _Tx] = {}
        self._last_ref = 0
        self._queue: dict[int, QueuedMessage] = {}
        self._last_seq = 0
        self._local: dict[str, ListEntry] = {}
        self._reservations: dict[str, Reservation] = {}
        self._profiles: list[tuple[int, str]] = []

    def as_station_store(self) -> StationStore:
        """This store, typed as the protocol it implements (mypy checks the fit here)."""
        return self

    def close(self) -> None:
        """Nothing to release."""

    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Writes are immediate and there is no disk: a batch is only a bracket."""
        yield

    # -- configuration and station state -------------------------------------------------

    def load_config(self) -> dict[str, str]:
        return dict(sorted(self._config.items()))

    def save_config(self, key: str, value: str) -> None:
        self._config[key] = value

    def get_state(self, name: str) -> str | None:
        return self._state.get(name)

    def set_state(self, name: str, value: str | None) -> None:
        if value is None:
            self._state.pop(name, None)
        else:
            self._state[name] = value

    # -- Authorization Cache (OCPP 1.6 §3.5.1) --------------------------------------------

    def cache_get(self, id_tag: str) -> CacheEntry | None:
        return self._cache.get(_fold(id_tag))

    def cache_put(self, entry: CacheEntry, *, capacity: int) -> None:
        """As ``Store.cache_put``: not-valid entries go first, oldest first (rule 25)."""
        folded = _fold(entry.id_tag)
        self._cache.pop(folded, None)
        excess = len(self._cache) - max(capacity - 1, 0)
        if excess > 0:
            # dict order is insertion order, Store's rowid tie-break.
            ranked = sorted(
                self._cache.items(), key=lambda kv: (kv[1].status == "Accepted", kv[1].updated)
            )
            for key, _ in ranked[:excess]:
                del self._cache[key]
        if capacity >= 1:
            self._cache[folded] = entry

    def cache_set_status(self, id_tag: str, status: str) -> None:
        folded = _fold(id_tag)
        if folded not in self._cache:
            raise KeyError(0)
        # An UPDATE keeps the row where it was (its rowid), so the entry keeps its place.
        self._cache[folded] = dataclasses.replace(self._cache[folded], status=status)

    def cache_clear(self) -> None:
        self._cache.clear()

    def cache_entries(self) -> list[CacheEntry]:
        return sorted(self._cache.values(), key=lambda entry: entry.updated)

    # -- transactions ---------------------------------------------------------------------

    def next_transaction_ref(self) -> int:
        return self._last_ref + 1

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
        if ref is None:
            ref = self._last_ref + 1
        if ref in self._tx:
            raise KeyError(ref)  # SQLite: UNIQUE constraint on the primary key
        self._last_ref = max(self._last_ref, ref)
        record = TransactionRecord(
            ref, connector, id_tag, meter_start, started, None, parent_id_tag, None, []
        )
        self._tx[ref] = _Tx(record)
        return record

    def _row(self, ref: int) -> _Tx:
        row = self._tx.get(ref)
        if row is None:
            raise KeyError(ref)
        return row

    def set_transaction_id(self, ref: int, transaction_id: int) -> None:
        row = self._row(ref)
        row.record = dataclasses.replace(row.record, transaction_id=transaction_id)

    def set_stop_reason(self, ref: int, reason: str | None) -> None:
        row = self._row(ref)
        row.record = dataclasses.replace(row.record, stop_reason=reason)

    def end_transaction(self, ref: int) -> None:
        row = self._row(ref)
        row.record = dataclasses.replace(row.record, ended=True)

    def add_sample(self, ref: int, meter_value: dict[str, Any]) -> None:
        self._row(ref).samples.append(_dumps(meter_value))

    def open_transactions(self) -> list[TransactionRecord]:
        return [row.view() for _, row in sorted(self._tx.items()) if not row.record.ended]

    def transaction(self, ref: int) -> TransactionRecord | None:
        row = self._tx.get(ref)
        return None if row is None else row.view()

    # -- transaction-related message queue (OCPP 1.6 §3.7) --------------------------------

    def enqueue(
        self, action: str, payload: dict[str, Any], tx_ref: int | None, not_before: float
    ) -> QueuedMessage:
        self._last_seq += 1
        message = QueuedMessage(
            self._last_seq, action, json.loads(_dumps(payload)), tx_ref, 0, not_before
        )
        self._queue[message.seq] = message
        return self._copy(message)

    @staticmethod
    def _copy(message: QueuedMessage) -> QueuedMessage:
        return dataclasses.replace(message, payload=json.loads(_dumps(message.payload)))

    def queued(self) -> list[QueuedMessage]:
        # Sequence numbers only grow, so insertion order is seq order.
        return [self._copy(message) for message in self._queue.values()]

    def queue_head(self) -> QueuedMessage | None:
        head = next(iter(self._queue.values()), None)
        return None if head is None else self._copy(head)

    def queue_length(self) -> int:
        return len(self._queue)

    def update_queued(self, seq: int, *, attempts: int, not_before: float) -> None:
        if seq not in self._queue:
            raise KeyError(seq)
        self._queue[seq] = dataclasses.replace(
            self._queue[seq], attempts=attempts, not_before=not_before
        )

    def dequeue(self, seq: int) -> None:
        if self._queue.pop(seq, None) is None:
            raise KeyError(seq)

    # -- Local Authorization List (OCPP 1.6 §3.5.2, §5.15) ---------------------------------

    def local_list_get(self, id_tag: str) -> ListEntry | None:
        return self._local.get(_fold(id_tag))

    def local_list_entries(self) -> list[ListEntry]:
        return [entry for _, entry in sorted(self._local.items())]

    def local_list_count(self) -> int:
        return len(self._local)

    def local_list_version(self) -> int:
        value = self._state.get(_LIST_VERSION)
        return int(value) if value is not None else 0

    def local_list_update(
        self, version: int, *, replace: bool, upserts: list[ListEntry], removals: list[str]
    ) -> None:
        if replace:
            self._local.clear()
        for id_tag in removals:
            self._local.pop(_fold(id_tag), None)
        for entry in upserts:
            self._local[_fold(entry.id_tag)] = entry
        self._state[_LIST_VERSION] = str(version)

    # -- reservations (OCPP 1.6 §5.13) ------------------------------------------------------

    def reservation_put(self, reservation: Reservation) -> None:
        self._reservations[str(int(reservation.reservation_id))] = reservation

    def reservation_get(self, reservation_id: int) -> Reservation | None:
        return self._reservations.get(str(int(reservation_id)))

    def reservations(self) -> list[Reservation]:
        return sorted(self._reservations.values(), key=lambda r: r.reservation_id)

    def reservation_delete(self, reservation_id: int) -> None:
        if self._reservations.pop(str(int(reservation_id)), None) is None:
            raise KeyError(reservation_id)

    # -- charging profiles (OCPP 1.6 §3.13, §5.16) -------------------------------------------

    def charging_profiles(self) -> list[tuple[int, dict[str, Any]]]:
        return [(connector, json.loads(text)) for connector, text in self._profiles]

    def set_charging_profiles(self, profiles: list[tuple[int, dict[str, Any]]]) -> None:
        self._profiles = [(connector, _dumps(profile)) for connector, profile in profiles]
