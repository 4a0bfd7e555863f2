"""Atomic, durable writes to one SQLite file: the machinery under
:class:`~runtime.station.store.Store`.

A charge point killed at any instant must come back with either the state before a write or
the state after it, never a mix (OCPP 1.6 §3.7: no transaction message lost). So every write
is one SQLite transaction that commits before it returns (:meth:`Database._write`), and a
station step that writes several times runs as one :meth:`Database.batch`, committed at its
end. File databases run with ``journal_mode=WAL`` and ``synchronous=FULL`` so that a commit
is on disk when it returns. The tables themselves belong to the subclass.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Self

from runtime.errors import ChargespecError

__all__ = ["Database", "StoreError"]


class StoreError(ChargespecError):
    """The database cannot be used: written by another schema version, or closed."""


class Database:
    """One SQLite database whose every write is atomic and durable.

    Args:
        path: A database file (created when missing) or ``":memory:"``.
        schema: SQL statements separated by ``;`` that create the tables if missing.
        version: The schema version this code reads and writes.

    Raises:
        StoreError: The file holds a database of another schema version.
    """

    def __init__(self, path: str | os.PathLike[str], schema: str, version: int) -> None:
        name = os.fspath(path)
        self._batch_depth = 0
        # Autocommit mode: each method opens its own transaction explicitly (see _write).
        self._db: sqlite3.Connection | None = sqlite3.connect(name, isolation_level=None)
        try:
            if name != ":memory:":
                self._db.execute("PRAGMA journal_mode=WAL")
                self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA foreign_keys=ON")
            self._create_schema(schema, version)
        except BaseException:
            self.close()
            raise

    def _create_schema(self, schema: str, version: int) -> None:
        with self._write() as db:
            db.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)")
            for statement in filter(str.strip, schema.split(";")):
                db.execute(statement)
            versions = [r[0] for r in db.execute("SELECT version FROM schema_version")]
            if not versions:
                db.execute("INSERT INTO schema_version (version) VALUES (?)", (version,))
            elif versions != [version]:
                raise StoreError(f"database has schema version {versions}, not {version}")

    def close(self) -> None:
        """Close the database; later calls raise :class:`StoreError`. Closing twice is fine."""
        if self._db is not None:
            self._db.close()
            self._db = None

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._db is None:
            raise StoreError("store is closed")
        return self._db

    def _change(self, sql: str, args: tuple[object, ...], key: int) -> None:
        """Run one UPDATE/DELETE that must hit exactly one row; KeyError(key) otherwise."""
        with self._write() as db:
            if db.execute(sql, args).rowcount != 1:
                raise KeyError(key)

    def _insert(self, sql: str, args: tuple[object, ...]) -> int:
        with self._write() as db:
            rowid = db.execute(sql, args).lastrowid
        assert rowid is not None
        return rowid

    @contextmanager
    def _write(self) -> Iterator[sqlite3.Connection]:
        """One atomic, durable write: BEGIN IMMEDIATE … COMMIT, or ROLLBACK on any error.
        Inside :meth:`batch` it is a savepoint of the batch's transaction instead."""
        db = self._conn
        if self._batch_depth:
            if not db.in_transaction:
                # The batch's transaction starts at its first write: a step that writes
                # nothing (most polls) costs no BEGIN/COMMIT.
                db.execute("BEGIN IMMEDIATE")
            db.execute("SAVEPOINT write")
            try:
                yield db
                db.execute("RELEASE write")
            except BaseException:
                db.execute("ROLLBACK TO write")
                db.execute("RELEASE write")
                raise
            return
        db.execute("BEGIN IMMEDIATE")
        try:
            yield db
            db.execute("COMMIT")
        except BaseException:
            if db.in_transaction:
                db.execute("ROLLBACK")
            raise

    @contextmanager
    def batch(self) -> Iterator[None]:
        """Make every write inside one SQLite transaction, committed at the end.

        The station wraps each step (a frame received, time passing, a tester action) in a
        batch: a step's writes — a transaction stored and its StartTransaction queued, a
        transaction ended and its StopTransaction queued — then reach the disk together or not
        at all, so a kill between two of them cannot leave one without the other. Frames the
        step produced are handed out only after it returns, i.e. after the commit. Batches
        nest; only the outermost commits. An exception escaping it rolls the step back. The
        transaction begins at the batch's first write, so a step that writes nothing costs nothing.
        """
        db = self._conn
        outermost = self._batch_depth == 0
        self._batch_depth += 1
        try:
            yield
        except BaseException:
            self._batch_depth -= 1
            if outermost and db.in_transaction:
                db.execute("ROLLBACK")
            raise
        self._batch_depth -= 1
        if outermost and db.in_transaction:
            db.execute("COMMIT")
