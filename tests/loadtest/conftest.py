"""Fixtures of the load-test tests."""

from __future__ import annotations

import functools
import sqlite3

import pytest

import runtime.station.store_db


@pytest.fixture
def store_shared_between_threads(monkeypatch: pytest.MonkeyPatch) -> None:
    """Let SQLite connections opened during the test be used from any thread.

    In these tests a link runs in a thread and the test acts from another; under Locust both
    are greenlets of one thread. The link's lock serialises every station step.
    """
    connect = functools.partial(sqlite3.connect, check_same_thread=False)
    monkeypatch.setattr(runtime.station.store_db.sqlite3, "connect", connect)
