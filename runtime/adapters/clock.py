"""Clocks: where ``now`` comes from.

The protocol core never reads the time itself: callers pass ``now`` in. This module holds the
:class:`Clock` protocol those callers use, a deterministic :class:`VirtualClock` for tests and
simulations, :class:`SystemClock`, the only place in ``runtime`` that reads real time, and
:class:`ScaledClock`, real time run faster (a simulated station whose long OCPP intervals pass
in a fraction of the wall-clock time, for CI).
Values are UNIX seconds as ``float``; :mod:`runtime.ocppj.datetime` writes them as OCPP
date-time text.
"""

from __future__ import annotations

import math
import time
from typing import Protocol

__all__ = ["Clock", "ScaledClock", "SystemClock", "VirtualClock"]


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


class ScaledClock:
    """The wall clock run ``factor`` times faster from ``origin`` on.

    ``now() = origin + (wall - origin) * factor``: it reads the real time at ``origin`` and
    then gains ``factor - 1`` seconds every wall-clock second. Whoever sleeps until a time
    of this clock must divide the distance by :attr:`factor` to get wall seconds
    (:meth:`wall_seconds`).

    Args:
        factor: How much faster than the wall clock, ``> 0`` (1 is the wall clock itself).
        origin: The UNIX time at which both clocks agree; the time of construction by default.

    Raises:
        ValueError: If ``factor`` is not a finite number above 0, or ``origin`` is not finite.
    """

    def __init__(self, factor: float, origin: float | None = None) -> None:
        _check_finite(factor, "factor")
        if factor <= 0:
            raise ValueError(f"a clock's factor must be above 0, got {factor!r}")
        self.factor = float(factor)
        self.origin = time.time() if origin is None else float(origin)
        _check_finite(self.origin, "origin")

    def now(self) -> float:
        """Return the scaled time in UNIX seconds."""
        return self.origin + (time.time() - self.origin) * self.factor

    def wall_seconds(self, seconds: float) -> float:
        """How many wall-clock seconds it takes for this clock to move ``seconds``."""
        return seconds / self.factor
