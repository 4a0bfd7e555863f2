"""The limit in force and the composite schedule (OCPP 1.6 §3.13.2, §3.13.3, §5.7).

Theory of operation. Every installed profile that can apply to a connector is put on one of
three stacks: ChargePointMaxProfile (connector 0), TxProfile (the connector's running
transaction) and TxDefaultProfile (the connector's own and connector 0's). Each entry knows its
*anchor*, the instant its schedule starts (startSchedule, or the start of the connector's
session, or an idle anchor when nothing is charging). At an instant ``t`` the first entry of a
stack that is *in force* (valid per validFrom/validTo and inside its schedule) prevails; when
none is, the stack says nothing (errata E3.43: fall back to the next lower stackLevel, then to
no limit). The limit of a connector is the minimum of the prevailing ChargePointMaxProfile,
the prevailing TxProfile (or else TxDefaultProfile) and the local limit of the hardware.

Between two *breakpoints* (period starts, ends of durations, validFrom/validTo, recurrence
boundaries) nothing changes, so the composite schedule is computed by evaluating the limit
only at the integer offsets next to each breakpoint, never second by second.

Clauses settled here (each also stated where it is applied):

- A schedule does not run before its anchor, and a Recurring schedule does not repeat
  backwards before its startSchedule (E3.79: it *restarts* every period from startSchedule).
- A Relative profile is anchored at the start of the session even when it carries a
  startSchedule (§7.9: its start point is determined by the Charge Point); Absolute and
  Recurring use startSchedule when present, else the session start (§7.13).
- A schedule without session on its connector is anchored at ``idle_anchor`` (the moment of
  a GetCompositeSchedule request: what a transaction started now would get, §5.7).
- A ChargePointMaxProfile without startSchedule is anchored like the other profiles at the
  session of the connector whose limit is computed; on connector 0 at ``idle_anchor``.
- TxDefaultProfiles on the connector and on connector 0 form one stack: the highest
  stackLevel in force wins, and at an equal stackLevel the connector's own wins, since
  §3.13.1 replaces connector 0's TxDefaultProfile "only for that specific connector"
  (behaviour rule 103). A remaining tie goes to the later installed profile.
- A TxProfile that exists but is not in force at ``t`` leaves the TxDefaultProfile stack in
  charge (§3.13.3 read with E3.43).
- Connector 0 reports the whole Charge Point's expected draw (§5.7): the prevailing
  ChargePointMaxProfile capped by the sum over connectors 1..N of each connector's TxProfile
  or TxDefaultProfile limit (each capped at its local limit). Idle connectors count with
  their full limit, since a transaction may start on them at any moment of the window.
- Units: W = A × nominal voltage × the period's numberPhases (3 when absent), §7.12, E3.69;
  the limit is never rescaled to the phases the supply has (E3.34).
"""

from __future__ import annotations

import math
from bisect import bisect_right
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType

from runtime.station.smart_charging.profiles import (
    DEFAULT_PHASES,
    Installed,
    Period,
    Profile,
    Session,
    Supply,
    Unit,
)

__all__ = ["RECURRENCE_SECONDS", "composite_schedule", "limit_at", "next_change"]

# E3.79: Daily restarts every 24 hours, Weekly every 7 days, both at startSchedule's time.
RECURRENCE_SECONDS: Mapping[str, int] = MappingProxyType({"Daily": 86_400, "Weekly": 604_800})
_LONGEST_RECURRENCE = max(RECURRENCE_SECONDS.values())


@dataclass(frozen=True, slots=True)
class _Entry:
    """One profile on one stack, with the instant its schedule starts."""

    profile: Profile
    anchor: float
    starts: tuple[int, ...]

    @property
    def recurrence(self) -> int | None:
        # E3.56: recurrencyKind means something only with chargingProfileKind Recurring.
        if self.profile.kind != "Recurring" or self.profile.recurrency is None:
            return None
        return RECURRENCE_SECONDS[self.profile.recurrency]

    def period_at(self, t: float) -> Period | None:
        """The period in force at ``t``, or ``None`` when the profile is not in force."""
        profile = self.profile
        if profile.valid_from is not None and t < profile.valid_from:
            return None
        if profile.valid_to is not None and t >= profile.valid_to:
            return None
        offset = t - self.anchor
        if offset < 0:
            return None
        recurrence = self.recurrence
        if recurrence is not None:
            # E3.43/E3.44: whatever lies past the recurrence period is never executed.
            offset %= recurrence
        duration = profile.schedule.duration
        if duration is not None and offset >= duration:
            return None  # §5.16.4: the schedule ended; a lower stackLevel applies (E3.43).
        index = bisect_right(self.starts, offset) - 1
        return profile.schedule.periods[index] if index >= 0 else None


@dataclass(frozen=True, slots=True)
class _Plan:
    """The transaction stacks of one connector, each ordered from the strongest entry down."""

    tx: tuple[_Entry, ...]
    tx_default: tuple[_Entry, ...]


@dataclass(frozen=True, slots=True)
class _View:
    """Everything limit evaluation needs for one connector (0: the Charge Point)."""

    connector: int
    unit: Unit
    supply: Supply
    cp_max: tuple[_Entry, ...]
    plans: tuple[_Plan, ...]  # one per connector summed: (itself,) or connectors 1..N

    @property
    def local(self) -> float:
        """The local limit of one connector in the view's unit (§5.7 "local limits")."""
        return self.supply.max_current if self.unit == "A" else self.supply.max_power

    def entries(self) -> Iterator[_Entry]:
        yield from self.cp_max
        for plan in self.plans:
            yield from plan.tx
            yield from plan.tx_default


def limit_at(
    installed: Sequence[Installed],
    connector: int,
    t: float,
    *,
    unit: Unit,
    sessions: Mapping[int, Session],
    supply: Supply,
    connectors: int,
    idle_anchor: float,
) -> float:
    """The limit in force on ``connector`` at instant ``t`` (§3.13.3; connector 0: §5.7).

    Args:
        installed: the installed profiles.
        connector: 0 for the whole Charge Point, else a connector id.
        t: the instant, UNIX seconds.
        unit: "A" (per phase) or "W" (total).
        sessions: the running transaction of each busy connector.
        supply: the local limits and the nominal voltage.
        connectors: the number of connectors of the Charge Point.
        idle_anchor: where a session-relative schedule starts on a connector without session.

    Returns:
        The limit, never above the local limit; the local limit when no profile applies.
    """
    view = _view(installed, connector, unit, sessions, supply, connectors, idle_anchor)
    return _evaluate(view, t)[0]


def composite_schedule(
    installed: Sequence[Installed],
    connector: int,
    start: float,
    duration: int,
    unit: Unit,
    *,
    sessions: Mapping[int, Session],
    supply: Supply,
    connectors: int,
) -> tuple[Period, ...]:
    """The composite schedule of §5.7 over ``[start, start + duration)``.

    Period k starts at its integer offset and lasts up to the next one; its limit is
    :func:`limit_at` at ``start + offset`` (idle anchor ``start``) rounded down to one
    decimal (E3.69 allows at most one; rounding down never promises more than the profiles
    allow). Neighbours with equal limit and phases are merged. The phases of a period are the
    numberPhases of the profile period that set the limit (``None`` when absent, or when the
    local limit or the connector-0 sum set it).

    Args:
        installed: as for :func:`limit_at`, and so are connector, unit, sessions, supply and
            connectors.
        start: the moment of the request (§5.7 "Time X"), UNIX seconds.
        duration: the length of the window in seconds; 0 gives an empty schedule.

    Returns:
        The periods, the first at offset 0; empty when ``duration`` is not positive.
    """
    if duration <= 0:
        return ()
    view = _view(installed, connector, unit, sessions, supply, connectors, start)
    offsets = {0}
    for point in _breakpoints(view, start, start + duration):
        # A change at `point` is first seen at the next integer offset; the neighbours are
        # evaluated too so that float rounding of `point - start` can never hide a change.
        near = math.floor(point - start)
        offsets.update(j for j in range(near - 1, near + 3) if 0 < j < duration)
    periods: list[Period] = []
    for offset in sorted(offsets):
        value, phases = _evaluate(view, start + offset)
        limit = _floor_tenth(value)
        if periods and periods[-1].limit == limit and periods[-1].phases == phases:
            continue
        periods.append(Period(offset, limit, phases))
    return tuple(periods)


def next_change(
    installed: Sequence[Installed],
    connector: int,
    t: float,
    *,
    sessions: Mapping[int, Session],
    supply: Supply,
    connectors: int,
    idle_anchor: float | None = None,
) -> float | None:
    """The earliest instant after ``t`` at which :func:`limit_at` may change.

    The limit is constant on the open interval from ``t`` to the answer. The answer may be a
    breakpoint at which the limit happens to stay the same (a recurring schedule restarting
    with its own value); a timer set with it only re-applies the limit.

    Args:
        installed: as for :func:`limit_at`, and so are connector, t, sessions, supply and
            connectors.
        idle_anchor: as for :func:`limit_at`; ``t`` when not given.

    Returns:
        The instant, or ``None`` when the limit never changes after ``t``.
    """
    anchor = t if idle_anchor is None else idle_anchor
    view = _view(installed, connector, "A", sessions, supply, connectors, anchor)
    # Every recurring schedule restarts within one (longest) recurrence period after t.
    return min(_breakpoints(view, t, math.inf, reach=t + _LONGEST_RECURRENCE), default=None)


# --- building the stacks ----------------------------------------------------------------------


def _view(
    installed: Sequence[Installed],
    connector: int,
    unit: Unit,
    sessions: Mapping[int, Session],
    supply: Supply,
    connectors: int,
    idle_anchor: float,
) -> _View:
    own = sessions.get(connector) if connector > 0 else None
    cp_max = _stack(
        [(i, 0) for i, item in enumerate(installed) if _is_cp_max(item)],
        installed,
        _anchor_start(own, idle_anchor),
    )
    ids = range(1, connectors + 1) if connector == 0 else (connector,)
    plans = tuple(_plan(installed, c, sessions.get(c), idle_anchor) for c in ids)
    return _View(connector, unit, supply, cp_max, plans)


def _is_cp_max(item: Installed) -> bool:
    # §3.13.1: a ChargePointMaxProfile lives on connector 0 only.
    return item.connector == 0 and item.profile.purpose == "ChargePointMaxProfile"


def _plan(
    installed: Sequence[Installed], connector: int, session: Session | None, idle_anchor: float
) -> _Plan:
    start = _anchor_start(session, idle_anchor)
    tx: list[tuple[int, int]] = []
    tx_default: list[tuple[int, int]] = []
    for index, item in enumerate(installed):
        purpose = item.profile.purpose
        if purpose == "TxProfile" and item.connector == connector and _serves(item, session):
            tx.append((index, 0))
        elif purpose == "TxDefaultProfile" and item.connector in (0, connector):
            # Rule 103 / §3.13.1: the connector's own TxDefaultProfile wins a tie.
            tx_default.append((index, int(item.connector == connector)))
    return _Plan(_stack(tx, installed, start), _stack(tx_default, installed, start))


def _serves(item: Installed, session: Session | None) -> bool:
    """A TxProfile applies only to a running transaction: one given without transactionId
    (with RemoteStartTransaction, E3.41) or naming the session's (§3.13.1, rule 104)."""
    if session is None:
        return False
    wanted = item.profile.transaction_id
    return wanted is None or wanted == session.transaction_id


def _anchor_start(session: Session | None, idle_anchor: float) -> float:
    return idle_anchor if session is None else session.start


def _stack(
    picks: list[tuple[int, int]], installed: Sequence[Installed], session_start: float
) -> tuple[_Entry, ...]:
    """Entries ordered strongest first: stackLevel, then the tie rank, then later installed."""
    order = sorted(
        picks, key=lambda pick: (installed[pick[0]].profile.stack_level, pick[1], pick[0])
    )
    return tuple(_entry(installed[index].profile, session_start) for index, _ in reversed(order))


def _entry(profile: Profile, session_start: float) -> _Entry:
    schedule = profile.schedule
    if profile.kind != "Relative" and schedule.start is not None:
        anchor = schedule.start  # §7.13: the starting point of an absolute schedule
    else:
        anchor = session_start  # §7.9 Relative; §7.13 no startSchedule: start of charging
    return _Entry(profile, anchor, tuple(p.start for p in schedule.periods))


# --- evaluation -------------------------------------------------------------------------------


def _evaluate(view: _View, t: float) -> tuple[float, int | None]:
    """The (limit, phases) in force at ``t``; of equal candidates the profile's is kept."""
    local = view.local
    options: list[tuple[float, int | None]] = []
    cp_max = _prevailing(view.cp_max, t, view)
    if cp_max is not None:
        options.append(cp_max)
    if view.connector > 0:
        tx = _tx_limit(view.plans[0], t, view)
        if tx is not None:
            options.append(tx)
    else:
        # §5.7: connector 0 reports what the whole Charge Point expects to draw.
        total = 0.0
        for plan in view.plans:
            tx = _tx_limit(plan, t, view)
            total += local if tx is None else min(tx[0], local)
        options.append((total, None))
    options.append((local * max(len(view.plans), 1), None))
    return min(options, key=lambda option: option[0])


def _tx_limit(plan: _Plan, t: float, view: _View) -> tuple[float, int | None] | None:
    # §3.13.3: the TxProfile, or the TxDefaultProfile when no TxProfile is in force.
    tx = _prevailing(plan.tx, t, view)
    return tx if tx is not None else _prevailing(plan.tx_default, t, view)


def _prevailing(
    stack: tuple[_Entry, ...], t: float, view: _View
) -> tuple[float, int | None] | None:
    """§3.13.2: the strongest entry in force at ``t`` sets the limit; E3.43: else the next."""
    for entry in stack:
        period = entry.period_at(t)
        if period is not None:
            return _convert(period, entry.profile.schedule.unit, view), period.phases
    return None


def _convert(period: Period, unit: Unit, view: _View) -> float:
    if unit == view.unit:
        return period.limit
    # §7.12 / E3.69: W = A × nominal voltage × numberPhases (3 when absent).
    phases = DEFAULT_PHASES if period.phases is None else period.phases
    factor = view.supply.voltage * phases
    return period.limit * factor if view.unit == "W" else period.limit / factor


def _floor_tenth(value: float) -> float:
    # E3.69: at most one decimal. Rounded down so that the answer never exceeds the limit;
    # the tiny allowance keeps 0.3 (stored as 0.29999…) at 0.3.
    return math.floor(value * 10 + 1e-6) / 10


# --- breakpoints ------------------------------------------------------------------------------


def _breakpoints(
    view: _View, lo: float, hi: float, *, reach: float | None = None
) -> Iterator[float]:
    """Every instant in ``(lo, hi)`` at which the limit may change (a superset); recurring
    schedules are followed up to ``reach`` (default ``hi``)."""
    end = hi if reach is None else reach
    for entry in view.entries():
        for point in _entry_points(entry, lo, end):
            if lo < point < hi:
                yield point


def _entry_points(entry: _Entry, lo: float, hi: float) -> Iterator[float]:
    profile = entry.profile
    for edge in (profile.valid_from, profile.valid_to):
        if edge is not None:
            yield edge
    duration = profile.schedule.duration
    recurrence = entry.recurrence
    if recurrence is None:
        yield entry.anchor
        yield from (entry.anchor + s for s in entry.starts)
        if duration is not None:
            yield entry.anchor + duration
        return
    first = max(0, math.floor((lo - entry.anchor) / recurrence))
    last = max(0, math.floor((hi - entry.anchor) / recurrence))
    length = recurrence if duration is None else min(duration, recurrence)
    for k in range(first, last + 1):
        begin = entry.anchor + k * recurrence
        yield begin
        yield from (begin + s for s in entry.starts if s < length)
        yield begin + length
