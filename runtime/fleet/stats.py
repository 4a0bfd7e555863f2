"""What a fleet counts: stations, frames, transactions, response times, event-loop lag.

Every station's driver adds to one :class:`FleetStats`; the progress line and the JSON summary
read it. Response times go into :class:`Histogram` buckets (log-spaced, 1/8 octave, so a
percentile is within ~9 % of the true value) rather than lists of samples: constant memory
however long the run, and a percentile costs one pass over ~200 counters.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

__all__ = ["FleetStats", "Histogram"]

_FLOOR_S = 1e-4  # 0.1 ms: the first bucket holds everything faster
_STEPS_PER_OCTAVE = 8
_BUCKETS = 20 * _STEPS_PER_OCTAVE  # 0.1 ms * 2**20 ≈ 105 s; slower lands in the last one
_PERCENTILES = (50, 95, 99)


class Histogram:
    """Durations in log-spaced buckets; percentiles read back as bucket upper bounds."""

    __slots__ = ("count", "counts", "max", "total")

    def __init__(self) -> None:
        self.counts = [0] * (_BUCKETS + 1)
        self.count = 0
        self.total = 0.0
        self.max = 0.0

    def add(self, seconds: float) -> None:
        """Count one duration (negative ones count as 0)."""
        value = max(seconds, 0.0)
        if value <= _FLOOR_S:
            index = 0
        else:
            index = min(math.ceil(math.log2(value / _FLOOR_S) * _STEPS_PER_OCTAVE), _BUCKETS)
        self.counts[index] += 1
        self.count += 1
        self.total += value
        self.max = max(self.max, value)

    def percentile(self, p: float) -> float:
        """The duration below which ``p`` % of the counted ones lie (0 when empty)."""
        if self.count == 0:
            return 0.0
        rank = math.ceil(self.count * p / 100.0)
        seen = 0
        for index, n in enumerate(self.counts):
            seen += n
            if seen >= rank:
                return min(_FLOOR_S * 2 ** (index / _STEPS_PER_OCTAVE), self.max)
        return self.max

    def merge(self, other: Histogram) -> None:
        """Add another histogram's counts to this one."""
        self.counts = [a + b for a, b in zip(self.counts, other.counts, strict=True)]
        self.count += other.count
        self.total += other.total
        self.max = max(self.max, other.max)

    def summary(self) -> dict[str, float]:
        """Count, mean, p50/p95/p99 and max, durations in milliseconds."""
        out: dict[str, float] = {"count": self.count}
        out["mean_ms"] = round(1000 * self.total / self.count, 3) if self.count else 0.0
        for p in _PERCENTILES:
            out[f"p{p}_ms"] = round(1000 * self.percentile(p), 3)
        out["max_ms"] = round(1000 * self.max, 3)
        return out


@dataclass
class FleetStats:
    """Counters for the whole fleet; the drivers add, the reporter reads.

    ``connected`` and ``accepted`` are how many stations are so *now*; ``transactions_running``
    likewise. Everything else only grows.
    """

    stations: int = 0
    started: int = 0
    connected: int = 0
    accepted: int = 0
    ever_accepted: int = 0
    rejected: int = 0
    connect_failures: int = 0
    drops: int = 0
    frames_in: int = 0
    frames_out: int = 0
    call_errors: int = 0
    timeouts: int = 0
    transactions_running: int = 0
    transactions_started: int = 0
    transactions_stopped: int = 0
    start_failures: int = 0
    duplicate_stops: int = 0
    heartbeats: int = 0
    heartbeats_on_time: int = 0
    boot_seconds: Histogram = field(default_factory=Histogram)
    all_accepted_after: float | None = None
    responses: dict[str, Histogram] = field(default_factory=dict)
    errors: Counter[str] = field(default_factory=Counter)
    loop_lag: Histogram = field(default_factory=Histogram)

    def response(self, action: str, seconds: float) -> None:
        """Count the round trip of one CALL of ``action``."""
        histogram = self.responses.get(action)
        if histogram is None:
            histogram = self.responses[action] = Histogram()
        histogram.add(seconds)

    def error(self, kind: str) -> None:
        """Count one error of a kind (``CALLERROR NotSupported``, ``timeout Heartbeat``...)."""
        self.errors[kind] += 1

    def all_responses(self) -> Histogram:
        """Every action's round trips in one histogram."""
        merged = Histogram()
        for histogram in self.responses.values():
            merged.merge(histogram)
        return merged

    def progress(self, frames_per_s: float) -> str:
        """The one-line live view (stderr)."""
        rt = self.all_responses()
        return (
            f"connected {self.connected}/{self.stations} accepted {self.accepted}"
            f" tx {self.transactions_running} ({self.transactions_started} started,"
            f" {self.transactions_stopped} stopped) frames/s {frames_per_s:.0f}"
            f" rt p50/p95/p99 {1000 * rt.percentile(50):.1f}/{1000 * rt.percentile(95):.1f}"
            f"/{1000 * rt.percentile(99):.1f} ms errors {sum(self.errors.values())}"
        )

    def summary(self) -> dict[str, Any]:
        """Everything, as JSON-ready data (``--summary``)."""
        return {
            "stations": {
                "total": self.stations,
                "started": self.started,
                "connected_at_end": self.connected,
                "accepted_at_end": self.accepted,
                "ever_accepted": self.ever_accepted,
                "rejected": self.rejected,
                "never_accepted": self.started - self.ever_accepted,
                "connect_failures": self.connect_failures,
                "dropped": self.drops,
                "all_accepted_after_s": self.all_accepted_after,
                "boot": self.boot_seconds.summary(),
            },
            "frames": {"received": self.frames_in, "sent": self.frames_out},
            "transactions": {
                "started": self.transactions_started,
                "stopped": self.transactions_stopped,
                "running_at_end": self.transactions_running,
                "start_failures": self.start_failures,
                "duplicate_stops": self.duplicate_stops,
            },
            "heartbeats": {"sent": self.heartbeats, "on_time": self.heartbeats_on_time},
            "response_times": {
                "all": self.all_responses().summary(),
                **{a: h.summary() for a, h in sorted(self.responses.items())},
            },
            "errors": dict(sorted(self.errors.items())),
            "event_loop_lag": self.loop_lag.summary(),
        }
