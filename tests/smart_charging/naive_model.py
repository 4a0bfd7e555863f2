"""A second, deliberately naive reading of OCPP 1.6 Smart Charging, for comparison only.

Written from the clauses, sharing nothing with ``runtime.station.smart_charging.composite``
but the value classes. It looks at every profile at one instant by brute force and builds a
composite schedule by evaluating every whole second of the window.

The rules it restates (the same settlements as the runtime, see its module docstring):

- §7.8: a profile counts only from validFrom (inclusive) until validTo (exclusive).
- §7.13 / §7.9: the schedule starts at startSchedule (not for Relative), else when the
  connector's transaction started, else (nothing charging) at the idle anchor; nothing
  before that start; a duration ends it; Recurring restarts every day / week from
  startSchedule and only the first day / week of periods and duration counts (E3.43, E3.44,
  E3.79).
- §3.13.2 / E3.43: of one purpose, the highest stackLevel that is in force decides; the
  connector's own TxDefaultProfile beats connector 0's at the same level; then the later
  installed one.
- §3.13.3: a connector gets the smaller of ChargePointMaxProfile and its TxProfile (the
  TxDefaultProfile when no TxProfile is in force), never above its local limit.
- §5.7: connector 0 gets the smaller of ChargePointMaxProfile and the sum of the connectors.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_FLOOR, Decimal

from runtime.station.smart_charging.profiles import Installed, Period, Profile, Session, Supply

DAY = 24 * 60 * 60
WEEK = 7 * DAY

Limit = tuple[float, int | None]  # (value, numberPhases of the period that gave it)


def schedule_start(profile: Profile, session: Session | None, idle_anchor: float) -> float:
    """Where the schedule's second 0 lies."""
    if profile.schedule.start is not None and profile.kind in ("Absolute", "Recurring"):
        return profile.schedule.start
    if session is not None:
        return session.start
    return idle_anchor


def active_period(profile: Profile, begin: float, t: float) -> Period | None:
    """The period of ``profile`` (schedule starting at ``begin``) executing at ``t``."""
    if profile.valid_from is not None and not profile.valid_from <= t:
        return None
    if profile.valid_to is not None and not t < profile.valid_to:
        return None
    if t < begin:
        return None
    elapsed = t - begin
    length = profile.schedule.duration  # None: open-ended
    if profile.kind == "Recurring" and profile.recurrency in ("Daily", "Weekly"):
        cycle = DAY if profile.recurrency == "Daily" else WEEK
        rounds = int(elapsed // cycle)
        elapsed = elapsed - rounds * cycle
        length = cycle if length is None else min(length, cycle)
    if length is not None and elapsed >= length:
        return None
    found = None
    for period in profile.schedule.periods:  # scan: the last one already started
        if period.start <= elapsed:
            found = period
    return found


def in_unit(period: Period, given: str, wanted: str, voltage: float) -> float:
    """§7.12: watts are amperes times voltage times the period's phases (3 when absent)."""
    if given == wanted:
        return period.limit
    phases = 3 if period.phases is None else period.phases
    if wanted == "W":
        return period.limit * voltage * phases
    return period.limit / (voltage * phases)


def winner(
    candidates: list[tuple[int, Installed, bool]],
    t: float,
    session: Session | None,
    idle_anchor: float,
    unit: str,
    voltage: float,
) -> Limit | None:
    """The limit of the strongest candidate in force; candidates are (position, item,
    connector-specific)."""
    best: tuple[tuple[int, int, int], Limit] | None = None
    for position, item, specific in candidates:
        begin = schedule_start(item.profile, session, idle_anchor)
        period = active_period(item.profile, begin, t)
        if period is None:
            continue
        rank = (item.profile.stack_level, 1 if specific else 0, position)
        if best is None or rank > best[0]:
            value = in_unit(period, item.profile.schedule.unit, unit, voltage)
            best = (rank, (value, period.phases))
    return None if best is None else best[1]


def _for_session(profile: Profile, session: Session | None) -> bool:
    """A TxProfile needs the running transaction: its own id, or none given (E3.41)."""
    if session is None:
        return False
    return profile.transaction_id in (None, session.transaction_id)


def transaction_limit(
    installed: Sequence[Installed],
    connector: int,
    t: float,
    unit: str,
    session: Session | None,
    voltage: float,
    idle_anchor: float,
) -> Limit | None:
    """TxProfile of the running transaction, else TxDefaultProfile (§3.13.1, §3.13.3)."""
    tx: list[tuple[int, Installed, bool]] = []
    default: list[tuple[int, Installed, bool]] = []
    for position, item in enumerate(installed):
        p = item.profile
        mine = item.connector == connector
        if p.purpose == "TxProfile" and mine and _for_session(p, session):
            tx.append((position, item, True))
        if p.purpose == "TxDefaultProfile" and item.connector == connector:
            default.append((position, item, True))
        if p.purpose == "TxDefaultProfile" and item.connector == 0:
            default.append((position, item, False))
    found = winner(tx, t, session, idle_anchor, unit, voltage)
    if found is None:
        found = winner(default, t, session, idle_anchor, unit, voltage)
    return found


def charge_point_max(
    installed: Sequence[Installed],
    t: float,
    unit: str,
    session: Session | None,
    voltage: float,
    idle_anchor: float,
) -> Limit | None:
    """The prevailing ChargePointMaxProfile (connector 0 only, §3.13.1)."""
    candidates = [
        (position, item, False)
        for position, item in enumerate(installed)
        if item.connector == 0 and item.profile.purpose == "ChargePointMaxProfile"
    ]
    return winner(candidates, t, session, idle_anchor, unit, voltage)


def naive_limit(
    installed: Sequence[Installed],
    connector: int,
    t: float,
    *,
    unit: str,
    sessions: Mapping[int, Session],
    supply: Supply,
    connectors: int,
    idle_anchor: float,
) -> Limit:
    """The (limit, phases) at ``t``; of equal values the profile's (CP max first) is kept."""
    one = supply.max_current if unit == "A" else supply.max_current * supply.voltage * supply.phases
    own = sessions.get(connector) if connector != 0 else None
    cp = charge_point_max(installed, t, unit, own, supply.voltage, idle_anchor)
    choices: list[Limit] = [] if cp is None else [cp]
    if connector != 0:
        tx = transaction_limit(
            installed, connector, t, unit, sessions.get(connector), supply.voltage, idle_anchor
        )
        if tx is not None:
            choices.append(tx)
        choices.append((one, None))
    else:
        total = 0.0
        for c in range(1, connectors + 1):
            tx = transaction_limit(
                installed, c, t, unit, sessions.get(c), supply.voltage, idle_anchor
            )
            total += one if tx is None or tx[0] > one else tx[0]
        choices.append((total, None))
        choices.append((one * connectors, None))
    smallest = choices[0]
    for choice in choices[1:]:
        if choice[0] < smallest[0]:
            smallest = choice
    return smallest


def one_decimal_down(value: float) -> float:
    """E3.69 at most one decimal, rounded down (float noise of a millionth forgiven)."""
    exact = Decimal(value) + Decimal("0.000001") / 10
    return float(exact.quantize(Decimal("0.1"), rounding=ROUND_FLOOR))


def naive_composite(
    installed: Sequence[Installed],
    connector: int,
    start: float,
    duration: int,
    unit: str,
    *,
    sessions: Mapping[int, Session],
    supply: Supply,
    connectors: int,
) -> tuple[Period, ...]:
    """Every second of the window evaluated; runs of equal (limit, phases) merged."""
    out: list[Period] = []
    for second in range(duration):
        value, phases = naive_limit(
            installed,
            connector,
            start + second,
            unit=unit,
            sessions=sessions,
            supply=supply,
            connectors=connectors,
            idle_anchor=start,
        )
        limit = one_decimal_down(value)
        if not out or (out[-1].limit, out[-1].phases) != (limit, phases):
            out.append(Period(second, limit, phases))
    return tuple(out)
