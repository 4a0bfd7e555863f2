"""Tests for clocks and OCPP date-time text (runtime.clock)."""

from __future__ import annotations

import math
import time

import pytest

from runtime.clock import Clock, SystemClock, VirtualClock, from_iso8601, to_iso8601


def test_virtual_clock_starts_at_default_and_advances() -> None:
    clock = VirtualClock()
    assert clock.now() == 1_700_000_000.0
    clock.advance(1.5)
    clock.advance(0)
    assert clock.now() == 1_700_000_001.5


def test_virtual_clock_custom_start_and_set() -> None:
    clock = VirtualClock(start=10.0)
    clock.set(10.0)
    clock.set(25.25)
    assert clock.now() == 25.25


@pytest.mark.parametrize("seconds", [-0.001, -5.0, math.nan, math.inf])
def test_virtual_clock_rejects_bad_advance(seconds: float) -> None:
    clock = VirtualClock(start=100.0)
    with pytest.raises(ValueError):
        clock.advance(seconds)
    assert clock.now() == 100.0


@pytest.mark.parametrize("t", [99.999, 0.0, math.nan])
def test_virtual_clock_cannot_go_backwards(t: float) -> None:
    clock = VirtualClock(start=100.0)
    with pytest.raises(ValueError):
        clock.set(t)
    assert clock.now() == 100.0


def test_virtual_clock_rejects_non_finite_start() -> None:
    with pytest.raises(ValueError):
        VirtualClock(start=math.inf)


def test_clocks_satisfy_protocol() -> None:
    clocks: list[Clock] = [VirtualClock(), SystemClock()]
    assert all(isinstance(c.now(), float) for c in clocks)


def test_system_clock_reads_real_time() -> None:
    before = time.time()
    now = SystemClock().now()
    after = time.time()
    assert before <= now <= after


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_700_000_000.0, "2023-11-14T22:13:20Z"),
        (1_700_000_000.25, "2023-11-14T22:13:20.250Z"),
        (1_700_000_000.1, "2023-11-14T22:13:20.100Z"),
        (1_700_000_000.0004, "2023-11-14T22:13:20Z"),
        (1_700_000_000.9996, "2023-11-14T22:13:21Z"),
        (1359751412.486, "2013-02-01T20:43:32.486Z"),
        (-1.5, "1969-12-31T23:59:58.500Z"),
    ],
)
def test_to_iso8601(t: float, text: str) -> None:
    assert to_iso8601(t) == text


def test_to_iso8601_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        to_iso8601(math.nan)


@pytest.mark.parametrize(
    ("text", "t"),
    [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2023-11-14T22:13:20Z", 1_700_000_000.0),
        ("2023-11-14t22:13:20z", 1_700_000_000.0),
        ("2023-11-14T22:13:20.250Z", 1_700_000_000.25),
        ("2023-11-14T23:13:20+01:00", 1_700_000_000.0),
        ("2023-11-14T16:43:20.5-05:30", 1_700_000_000.5),
        ("2023-11-14T22:13:20+00:00", 1_700_000_000.0),
    ],
)
def test_from_iso8601(text: str, t: float) -> None:
    assert from_iso8601(text) == pytest.approx(t, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "2023-11-14T22:13:20",
        "2023-11-14T22:13:20.250",
        "2023-11-14",
        "2023-11-14T22:13Z",
        "20231114T221320Z",
        "2023-02-29T00:00:00Z",
        "2023-11-14T22:13:20+0100",
        "2023-11-14T22:13:20Z\n",
        "２０２３-11-14T22:13:20Z",
        "",
    ],
)
def test_from_iso8601_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        from_iso8601(text)


@pytest.mark.parametrize("t", [0.0, 1_700_000_000.0, 1_700_000_000.123, 1_234_567_890.999])
def test_round_trip_at_millisecond_resolution(t: float) -> None:
    assert from_iso8601(to_iso8601(t)) == pytest.approx(t, abs=1e-6)
