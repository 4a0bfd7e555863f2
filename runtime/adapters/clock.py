"""Clocks: where ``now`` comes from.

The protocol core never reads the time itself: callers pass ``now`` in. This module holds the
:class:`Clock` protocol those callers use, a deterministic :class:`VirtualClock` for tests and
simulations, and :class:`SystemClock`, the only place in ``runtime`` that reads real time.
Values are UNIX seconds as ``float``; :mod:`runtime.ocppj.datetime` writes them as OCPP
date-time text.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

__all__ = ["Clock", "SystemClock", "VirtualClock"]


class Clock(Protocol):
    """Source of the current time for adapters that drive the sans-IO core."""

    def now(self) -> float:
        """Return the current time in UNIX seconds."""
        ...


def _check_finite(value: float, what: str) -> None:
    if not math.isfinite(value):
        raise ValueError(f"{what} must be finite, got {value!r}")


class VirtualClock:
    """A clock that only moves when told to; deterministic for tests and simulations.

    Args:
        start: Initial time in UNIX seconds (default 2023-11-14T22:13:20Z).

    Raises:
        ValueError: If ``start`` is not finite.
    """

    def __init__(self, start: float = 1_700_000_000.0) -> None:
        _check_finite(start, "start")
        self._now = float(start)

    def now(self) -> float:
        """Return the current virtual time in UNIX seconds."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward.

        Args:
            seconds: How far to move, ``>= 0``.

        Raises:
            ValueError: If ``seconds`` is negative or not finite.
        """
        _check_finite(seconds, "seconds")
        if seconds < 0:
            raise ValueError(f"a clock cannot go backwards (advance by {seconds!r})")
        self._now += seconds

    def set(self, t: float) -> None:
        """Jump to an absolute time, which must not be earlier than the current time.

        Args:
            t: New time in UNIX seconds.

        Raises:
            ValueError: If ``t`` is earlier than ``now()`` or not finite.
        """
        _check_finite(t, "t")
        if t < self._now:
            raise ValueError(f"a clock cannot go backwards ({t!r} < {self._now!r})")
        self._now = float(t)


class SystemClock:
    """The real wall clock (``time.time()``)."""

    def now(self) -> float:
        """Return the current wall-clock time in UNIX seconds."""
        return time.time()
