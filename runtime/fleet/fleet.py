"""N simulated stations in one asyncio process: ramp-up, progress, graceful stop, verdict.

Theory of operation: :meth:`Fleet.run` starts station drivers (:mod:`runtime.fleet.driver`,
one task each) at the ramp-up rate, connecting at most ``connect_concurrency`` at a time; a
10 ms ticker measures event-loop lag (from the moment every station is accepted: steady state)
and a reporter hands a progress line out every ``progress_interval`` seconds. When the stop
event is set (SIGINT/SIGTERM in the CLI) or ``duration`` has passed, every driver stops
gracefully (each open transaction stopped exactly once, the queues drained) and the fleet
returns a :class:`FleetResult`: the JSON summary and, when the run did not go as asked, the
reasons in one line each.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import random
import resource
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.fleet.driver import FleetShared, Link, StationDriver
from runtime.fleet.rig import FleetRig
from runtime.fleet.stats import FleetStats, Histogram
from runtime.fleet.template import IdTagPicker, StationTemplate, TransactionPlan
from runtime.spec.registry import SpecRegistry

__all__ = ["Fleet", "FleetOptions", "FleetResult", "raise_open_files_limit"]

logger = logging.getLogger(__name__)

_TICK = 0.01  # the event-loop lag ticker's period
# Python's full garbage collection walks every live object: with thousands of stations that is
# a stall of up to a second, again and again as the fleet grows. The stations live as long as
# the fleet, so what exists after each batch of starts (and once all are accepted) is moved out
# of the collector's sight (gc.freeze); objects made later are collected as usual.
_FREEZE_EVERY = 500
# Young collections are few and far between too: at the default threshold (700) thousands of
# idle stations' short-lived waits are promoted and rescanned, a 5-50 ms stall several times a
# second. Objects that die young are freed by reference counting anyway.
_GC_THRESHOLDS = (50_000, 20, 100)
_STOP_GRACE = 5.0  # beyond the stop timeout, before drivers still running are cancelled


@dataclass(frozen=True, slots=True)
class FleetOptions:
    """How the fleet runs.

    Attributes:
        stations: How many stations.
        ramp: Stations started per second (0: all at once).
        connect_concurrency: Opening handshakes in flight at most.
        duration: Stop after this many seconds (``None``: only on the stop event).
        stop_timeout: Seconds a graceful stop may take per station.
        seed: Seed of every random draw (EVs, sessions, idTags, jitter); ``None``: fresh.
        progress_interval: Seconds between progress lines (0: none).
    """

    stations: int
    ramp: float = 0.0
    connect_concurrency: int = 100
    duration: float | None = None
    stop_timeout: float = 30.0
    seed: int | None = None
    progress_interval: float = 1.0

    def __post_init__(self) -> None:
        if self.stations < 1:
            raise ValueError(f"a fleet needs at least one station, got {self.stations}")
        if self.ramp < 0 or self.connect_concurrency < 1 or self.stop_timeout < 0:
            raise ValueError("ramp >= 0, connect concurrency >= 1 and stop timeout >= 0")


@dataclass(frozen=True, slots=True)
class FleetResult:
    """How the run went.

    Attributes:
        summary: Counts, response times, transactions, errors (JSON-ready).
        problems: Why the run did not complete as asked, one line each; empty when it did.
    """

    summary: dict[str, Any]
    problems: tuple[str, ...] = field(default=())

    @property
    def ok(self) -> bool:
        """Whether every station was accepted and every session ended as it should."""
        return not self.problems


def raise_open_files_limit() -> int:
    """Raise the soft limit of open files to the hard one (a socket per station).

    Returns:
        The soft limit now in force.
    """
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
    return soft


class Fleet:
    """Simulated stations sharing one event loop (see the module docstring).

    Args:
        registry: The compiled spec set.
        template: How each station looks; with several, station ``n`` is made from
            template ``n % len(templates)`` (identities from the first one's pattern).
        plan: The automatic transaction generator's plan.
        link: How the stations reach the Central System.
        options: Size, ramp-up, duration, stop timeout, seed.
        progress: Called with each progress line.
    """

    def __init__(
        self,
        registry: SpecRegistry,
        template: StationTemplate | Sequence[StationTemplate],
        plan: TransactionPlan,
        link: Link,
        options: FleetOptions,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self.options = options
        self.stats = FleetStats(stations=options.stations)
        self._rng = random.Random(options.seed)
        templates = (template,) if isinstance(template, StationTemplate) else tuple(template)
        if not templates:
            raise ValueError("a fleet needs at least one station template")
        connectors = max(t.connectors for t in templates)
        self._shared = FleetShared(
            registry,
            templates,
            plan,
            IdTagPicker(plan, connectors, random.Random(self._rng.random())),
            self.stats,
            link,
            asyncio.Semaphore(options.connect_concurrency),
            options.stop_timeout,
        )
        self._progress = progress
        self.drivers: dict[str, StationDriver] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self._rigs: dict[str, FleetRig] = {}
        self.started_at = 0.0

    def rig(self, identity: str) -> FleetRig | None:
        """The tester API dispatcher of the station ``identity``; ``None`` if there is none."""
        rig = self._rigs.get(identity)
        if rig is None and identity in self.drivers:
            rig = self._rigs[identity] = FleetRig(self.drivers[identity])
        return rig

    def check_template(self) -> None:
        """Build a station of every template once, so that a template it cannot take (a
        configuration value out of range, an unknown PICS item) fails before any station
        connects.

        Raises:
            ValueError: (or a ``ConfigError``) what the station refused.
        """
        for index in range(min(len(self._shared.templates), self.options.stations)):
            StationDriver(self._shared, index, random.Random(0)).build()

    async def run(self, stop: asyncio.Event) -> FleetResult:
        """Run until ``stop`` is set or the duration has passed; then stop gracefully."""
        raise_open_files_limit()
        thresholds = gc.get_threshold()
        gc.set_threshold(*_GC_THRESHOLDS)
        self.started_at = time.time()
        helpers = [asyncio.create_task(self._ramp(stop)), asyncio.create_task(self._tick())]
        if self._progress is not None and self.options.progress_interval > 0:
            helpers.append(asyncio.create_task(self._report(self._progress)))
        try:
            await self._until_stop(stop)
        finally:
            stop.set()
            await self._stop_all()
            for task in helpers:
                task.cancel()
            await asyncio.gather(*helpers, return_exceptions=True)
            gc.unfreeze()  # the stations are done with: collectable again
            gc.set_threshold(*thresholds)
        return FleetResult(self.stats.summary(), tuple(self.problems()))

    async def _until_stop(self, stop: asyncio.Event) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), self.options.duration)

    async def _ramp(self, stop: asyncio.Event) -> None:
        """Start the drivers at the ramp-up rate (or all at once)."""
        loop = asyncio.get_running_loop()
        begin = loop.time()
        rate = self.options.ramp
        for index in range(self.options.stations):
            if stop.is_set():
                return
            driver = StationDriver(self._shared, index, random.Random(self._rng.random()))
            self.drivers[driver.identity] = driver
            self._tasks.append(asyncio.create_task(self._guarded(driver)))
            if index % _FREEZE_EVERY == _FREEZE_EVERY - 1:
                gc.freeze()
            ahead = begin + (index + 1) / rate - loop.time() if rate > 0 else 0.0
            # Yield now and then even at full speed, so the first stations get going.
            if ahead > 0 or index % 50 == 49:
                await asyncio.sleep(max(ahead, 0.0))

    async def _guarded(self, driver: StationDriver) -> None:
        """Run one driver; a crash stops that station only, and is counted."""
        try:
            await driver.run()
        except asyncio.CancelledError:
            raise
        except Exception as error:
            kind = f"station failed: {type(error).__name__}: {error}"[:120]
            if kind not in self.stats.errors:  # the first of a kind with its traceback
                logger.exception("%s: station failed", driver.identity)
            else:
                logger.error("%s: %s", driver.identity, kind)
            self.stats.error(kind)

    async def _tick(self) -> None:
        """Measure event-loop lag every 10 ms; the steady state begins when all are accepted."""
        loop = asyncio.get_running_loop()
        stats = self.stats
        while True:
            expected = loop.time() + _TICK
            await asyncio.sleep(_TICK)
            stats.loop_lag.add(loop.time() - expected)
            if stats.all_accepted_after is None and stats.ever_accepted == stats.stations:
                stats.all_accepted_after = round(time.time() - self.started_at, 3)
                stats.loop_lag = Histogram()
                gc.freeze()

    async def _report(self, progress: Callable[[str], None]) -> None:
        frames = 0
        while True:
            await asyncio.sleep(self.options.progress_interval)
            total = self.stats.frames_in + self.stats.frames_out
            progress(self.stats.progress((total - frames) / self.options.progress_interval))
            frames = total

    async def _stop_all(self) -> None:
        """Stop every driver gracefully; cancel those still running after the timeout."""
        for driver in self.drivers.values():
            driver.stop()
        if not self._tasks:
            return
        _, running = await asyncio.wait(
            self._tasks, timeout=self.options.stop_timeout + _STOP_GRACE
        )
        for task in running:
            task.cancel()
        if running:
            self.stats.error("station did not stop in time")
            await asyncio.wait(running)

    def problems(self) -> list[str]:
        """Why the run did not complete as asked (empty when it did), most telling first."""
        s = self.stats
        found = []
        crashed = sum(n for kind, n in s.errors.items() if kind.startswith("station failed"))
        if crashed:
            found.append(f"{crashed} stations failed (see the log)")
        if s.started < s.stations:
            found.append(f"only {s.started} of {s.stations} stations started before the stop")
        never = s.started - s.ever_accepted
        if never:
            found.append(
                f"{never} of {s.started} stations were never accepted ({s.rejected} rejected,"
                f" {s.connect_failures} failed connection attempts)"
            )
        if s.drops:
            found.append(f"the Central System dropped {s.drops} connections")
        if s.duplicate_stops:
            found.append(f"{s.duplicate_stops} StopTransaction sent twice for one transaction")
        for kind in ("stopped with transactions still open", "station did not stop in time"):
            if s.errors.get(kind):
                found.append(f"{s.errors[kind]} stations {kind.removeprefix('station ')}")
        undelivered = s.errors.get("stopped with transaction messages undelivered", 0)
        if undelivered:
            found.append(f"{undelivered} stations stopped with transaction messages undelivered")
        return found
