"""Tests for the clocks (runtime.adapters.clock)."""

from __future__ import annotations

import math
import time

import pytest

from runtime.adapters.clock import Clock, ScaledClock, SystemClock, VirtualClock


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


def test_scaled_clock_runs_factor_times_faster() -> None:
    origin = time.time() - 10.0  # the clocks agreed ten wall seconds ago
    clock = ScaledClock(6.0, origin=origin)
    typed: Clock = clock  # it is a Clock (mypy checks the protocol)
    before = origin + (time.time() - origin) * 6.0
    now = typed.now()
    after = origin + (time.time() - origin) * 6.0
    assert before <= now <= after
    assert now - time.time() >= 49.0  # 60 s passed on it while 10 s passed on the wall
    assert clock.wall_seconds(30.0) == 5.0


def test_scaled_clock_starts_at_the_wall_clock() -> None:
    wall = time.time()
    clock = ScaledClock(1.0)
    assert clock.origin >= wall
    assert abs(clock.now() - time.time()) < 1.0


@pytest.mark.parametrize("factor", [0.0, -2.0, math.nan, math.inf])
def test_scaled_clock_rejects_bad_factors(factor: float) -> None:
    with pytest.raises(ValueError, match="factor"):
        ScaledClock(factor)


def test_scaled_clock_rejects_a_bad_origin() -> None:
    with pytest.raises(ValueError, match="origin"):
        ScaledClock(2.0, origin=math.inf)
