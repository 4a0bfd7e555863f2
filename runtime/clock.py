"""Clocks and OCPP date-time text.

The protocol core never reads the time itself: callers pass ``now`` in. This module holds the
:class:`Clock` protocol those callers use, a deterministic :class:`VirtualClock` for tests and
simulations, and :class:`SystemClock`, the only place in ``runtime`` that reads real time.

OCPP 1.6 date-time fields are JSON strings with ``"format": "date-time"`` in the official
schemas (RFC 3339). Values here are UNIX seconds as ``float``.
"""

from __future__ import annotations

import math
import re
import time
from datetime import UTC, datetime, timedelta
from typing import Protocol

__all__ = ["Clock", "SystemClock", "VirtualClock", "from_iso8601", "to_iso8601"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# RFC 3339 §5.6 "date-time": full date, 'T', full time with seconds, mandatory offset or 'Z'.
# Checked before datetime.fromisoformat, which also accepts forms RFC 3339 does not
# (date only, no seconds, basic format without dashes, no offset).
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?:[Zz]|[+-][0-9]{2}:[0-9]{2})"
)


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


def to_iso8601(t: float) -> str:
    """Format a UNIX time as an OCPP date-time string in UTC.

    The result ends in ``Z``; milliseconds are included only when the time, rounded to the
    millisecond, has a non-zero fraction (``2023-11-14T22:13:20Z``,
    ``2023-11-14T22:13:20.250Z``).

    Args:
        t: UNIX seconds.

    Returns:
        The RFC 3339 text.

    Raises:
        ValueError: If ``t`` is not finite.
        OverflowError: If ``t`` is outside the range of :class:`datetime.datetime`.
    """
    _check_finite(t, "t")
    # Integer milliseconds avoid float artefacts such as 0.1 printing as .099.
    seconds, millis = divmod(round(t * 1000), 1000)
    moment = _EPOCH + timedelta(seconds=seconds)
    text = moment.replace(tzinfo=None).isoformat(timespec="seconds")
    return f"{text}.{millis:03d}Z" if millis else f"{text}Z"


def from_iso8601(text: str) -> float:
    """Parse an RFC 3339 date-time with ``Z`` or a numeric offset into UNIX seconds.

    Args:
        text: E.g. ``2013-02-01T20:53:32.486Z`` or ``2013-02-01T21:53:32+01:00``.

    Returns:
        UNIX seconds.

    Raises:
        ValueError: If the text is not an RFC 3339 date-time, names an impossible date or
            time, or lacks a time-zone designator (a local time would be ambiguous).
    """
    if not _RFC3339.fullmatch(text):
        raise ValueError(f"not an RFC 3339 date-time with a time zone: {text!r}")
    normalised = text.upper()
    if normalised.endswith("Z"):
        normalised = normalised[:-1] + "+00:00"
    moment = datetime.fromisoformat(normalised)
    if moment.tzinfo is None:  # pragma: no cover - the pattern already demands an offset
        raise ValueError(f"date-time without a time zone: {text!r}")
    return (moment - _EPOCH).total_seconds()
