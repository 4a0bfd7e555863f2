"""The automatic transaction generator: the users of one station's connectors.

Theory of operation: each connector has a user who cycles through four phases, each with a
time it is due, so the station's driver only wakes when something is due (no polling):

=========  ================================================  =================================
phase      what the user waits for                           when due
=========  ================================================  =================================
pause      the end of a pause; then, if the connector is     start a session with the plan's
           free, start a session (plug in, present idTag)    probability, else pause again
starting   the transaction to run (Transaction: Running)     give up: unplug, pause
charging   the end of the session's duration                 present the idTag again (stop)
stopping   the transaction to end (Transaction: Idle)        unplug, pause
=========  ================================================  =================================

``starting`` and ``stopping`` are also checked whenever the station wakes for a frame, since
their end comes in a CALLRESULT. The generator never presents a card twice for one transaction:
stopping goes through the driver's ``stop_transaction``, which asks once per transaction (a
second card at an Idle connector would start a new one, the duplicate-stop bug of other
simulators).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Protocol

from runtime.fleet.template import IdTagPicker, TransactionPlan

__all__ = ["StationView", "TransactionGenerator"]

_PAUSE, _STARTING, _CHARGING, _STOPPING = "pause", "starting", "charging", "stopping"
_TX = "Transaction"
_RUNNING = "Running"
_STOP_TIMEOUT = 60.0  # seconds allowed for StopTransaction's effects on the connector


class StationView(Protocol):
    """What the generator reads and does on a station (a :class:`~runtime.station.station.
    Station` fits)."""

    def state(self, machine: str, connector: int = 0) -> str: ...
    def may_send(self, action: str) -> bool: ...
    def tester(self, name: str, /, **payload: object) -> bool: ...


class _User:
    __slots__ = ("due", "phase")

    def __init__(self, due: float) -> None:
        self.phase = _PAUSE
        self.due = due


class TransactionGenerator:
    """Sessions on every connector of one station (see the module docstring).

    Args:
        plan: Probabilities, durations, pauses and idTags.
        picker: The fleet's idTag source.
        index: The station's number in the fleet (per-connector idTags).
        connectors: How many connectors.
        rng: Source of the draws; one per station keeps runs reproducible.
        now: The time the generator starts; the first pause begins then.
        stop_transaction: Asks the transaction on a connector to stop, at most once per
            transaction (the driver's).
    """

    def __init__(
        self,
        plan: TransactionPlan,
        picker: IdTagPicker,
        index: int,
        connectors: int,
        rng: random.Random,
        now: float,
        stop_transaction: Callable[[int], None],
    ) -> None:
        self._plan = plan
        self._picker = picker
        self._index = index
        self._rng = rng
        self._stop_transaction = stop_transaction
        self._users = {c: _User(now + self._draw(plan.pause)) for c in range(1, connectors + 1)}
        self.start_failures = 0

    def _draw(self, bounds: tuple[float, float]) -> float:
        return self._rng.uniform(*bounds)

    def next_due(self) -> float | None:
        """When the generator next needs a step (``None``: it has nothing planned)."""
        return min((user.due for user in self._users.values()), default=None)

    def step(self, station: StationView, now: float) -> None:
        """Act for every connector whose phase is due or waiting on the station."""
        for connector, user in self._users.items():
            if user.phase == _STARTING:
                self._starting(station, connector, user, now)
            elif user.phase == _STOPPING:
                self._stopping(station, connector, user, now)
            elif user.due <= now:
                if user.phase == _CHARGING:
                    self._end_session(station, connector, user, now)
                else:
                    self._maybe_start(station, connector, user, now)

    def _pause(self, user: _User, now: float) -> None:
        user.phase = _PAUSE
        user.due = now + self._draw(self._plan.pause)

    def _maybe_start(self, station: StationView, connector: int, user: _User, now: float) -> None:
        free = (
            station.may_send("Authorize")
            and station.state(_TX, connector) == "Idle"
            and station.state("ConnectorStatus", connector) == "Available"
        )
        if not free or self._rng.random() >= self._plan.start_probability:
            self._pause(user, now)
            return
        station.tester("plug_in", connector=connector)
        tag = self._picker.pick(self._index, connector)
        station.tester("present_id_tag", connector=connector, idTag=tag)
        user.phase = _STARTING
        user.due = now + self._plan.start_timeout

    def _starting(self, station: StationView, connector: int, user: _User, now: float) -> None:
        state = station.state(_TX, connector)
        if state == _RUNNING:
            user.phase = _CHARGING
            user.due = now + self._draw(self._plan.duration)
        elif state == "Idle" or now >= user.due:
            # Refused (Authorize not Accepted) or no answer in time: the user walks away.
            # Taking the cable out of Authorizing/Authorized ends the attempt (E3.89).
            station.tester("unplug", connector=connector)
            self.start_failures += 1
            self._pause(user, now)

    def _end_session(self, station: StationView, connector: int, user: _User, now: float) -> None:
        if station.state(_TX, connector) == _RUNNING:
            self._stop_transaction(connector)
            user.phase = _STOPPING
            user.due = now + _STOP_TIMEOUT
        else:
            # The transaction ended without the user (RemoteStop, deauthorized): leave.
            station.tester("unplug", connector=connector)
            self._pause(user, now)

    def _stopping(self, station: StationView, connector: int, user: _User, now: float) -> None:
        if station.state(_TX, connector) not in (_RUNNING, "StopAuthorizing") or now >= user.due:
            station.tester("unplug", connector=connector)
            self._pause(user, now)

    def halt(self, station: StationView) -> None:
        """The fleet stops: start nothing more, and abandon (unplug) an attempt that is not
        yet running. Running transactions are the driver's graceful stop's to end."""
        for connector, user in self._users.items():
            if user.phase == _STARTING and station.state(_TX, connector) != _RUNNING:
                station.tester("unplug", connector=connector)
            user.phase = _PAUSE
            user.due = float("inf")
