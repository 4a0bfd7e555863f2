"""The composite schedule against the naive model (tests/smart_charging/naive_model.py).

Random profile sets on one to three connectors: Absolute with and without startSchedule,
Relative, Recurring Daily and Weekly whose recurrence boundaries (restart, end of a short
duration, periods past the recurrence period) fall inside the window, overlapping
validFrom/validTo, zero and absent durations, equal stack levels on connector 0 and on a
connector, TxProfiles for the running, another or no transaction, limits in A and W with
numberPhases. Windows are at most 40 minutes, so the naive model's second-by-second walk
stays cheap; every test is derandomized.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.station.smart_charging.composite import composite_schedule, limit_at, next_change
from runtime.station.smart_charging.profiles import (
    Installed,
    Period,
    Profile,
    Schedule,
    Session,
    Supply,
    Unit,
)
from tests.smart_charging.naive_model import (
    DAY,
    WEEK,
    charge_point_max,
    naive_composite,
    naive_limit,
    one_decimal_down,
)

BASE = 1_767_225_600  # 2026-01-01T00:00:00Z
MAX_WINDOW = 2_400

COMPOSITE_EXAMPLES = 2_000
LIMIT_EXAMPLES = 1_500
NEXT_CHANGE_EXAMPLES = 1_500
CP_MAX_EXAMPLES = 600

_SETTINGS = settings(
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)


@dataclass(frozen=True)
class Case:
    """One random situation: installed profiles, sessions, the window and what is asked."""

    installed: tuple[Installed, ...]
    sessions: dict[int, Session] = field(default_factory=dict)
    supply: Supply = field(default_factory=Supply)
    connectors: int = 1
    connector: int = 1
    start: float = BASE
    duration: int = 0
    unit: Unit = "A"


@st.composite
def _periods(draw: st.DrawFn, unit: Unit, cycle: int | None) -> tuple[Period, ...]:
    count = draw(st.integers(1, 4))
    starts = [0]
    for _ in range(count - 1):
        if cycle is not None and draw(st.booleans()):
            # Near or past the end of the recurrence period (E3.44).
            nxt = cycle - draw(st.integers(-600, 1_800))
        else:
            nxt = starts[-1] + draw(st.integers(1, 1_500))
        if nxt <= starts[-1]:
            nxt = starts[-1] + 1
        starts.append(nxt)
    periods = []
    for start in starts:
        # Mostly below the local limits (6.5 A to 32 A on 1 to 3 phases), so profiles bind.
        limit = draw(st.integers(0, 320)) / 10 if unit == "A" else draw(st.integers(0, 60)) * 250.0
        periods.append(Period(start, limit, draw(st.sampled_from([None, 1, 2, 3]))))
    return tuple(periods)


@st.composite
def _validity(draw: st.DrawFn, start: float, duration: int) -> tuple[float | None, float | None]:
    edge = st.integers(-600, max(duration, 1) + 600).map(lambda s: start + s)
    shape = draw(st.integers(0, 4))
    if shape <= 1:
        return None, None
    if shape == 2:
        return draw(edge), None
    if shape == 3:
        return None, draw(edge)
    begin = draw(edge)
    return begin, begin + draw(st.integers(1, 1_800))


@st.composite
def _profile(draw: st.DrawFn, pid: int, purpose: str, start: float, duration: int) -> Profile:
    kind = draw(st.sampled_from(["Absolute", "Absolute", "Relative", "Recurring"]))
    recurrency = draw(st.sampled_from(["Daily", "Weekly"])) if kind == "Recurring" else None
    cycle = None if recurrency is None else (DAY if recurrency == "Daily" else WEEK)
    unit: Unit = draw(st.sampled_from(["A", "W"]))
    inside = start + draw(st.integers(-600, max(duration, 1) + 600))
    schedule_start: float | None = None
    if cycle is not None:
        # Anchor so that a restart of the recurrence falls near or inside the window.
        schedule_start = inside - draw(st.integers(0, 3)) * cycle
    elif draw(st.booleans()):
        # Absolute with startSchedule; on a Relative one it is to be ignored (§7.9).
        schedule_start = inside - draw(st.integers(0, 1_800))
    shape = draw(st.integers(0, 9))
    length: int | None = None  # shapes 0-3: open-ended
    if shape == 4:
        length = 0
    elif shape <= 7:
        length = draw(st.integers(1, 3_000))
    elif shape > 7:
        length = (cycle or DAY) + draw(st.integers(-1_800, 1_800))  # about one recurrence
    valid_from, valid_to = draw(_validity(start, duration))
    return Profile(
        id=pid,
        stack_level=draw(st.integers(0, 2)),
        purpose=purpose,  # type: ignore[arg-type]
        kind=kind,  # type: ignore[arg-type]
        schedule=Schedule(unit, draw(_periods(unit, cycle)), length, schedule_start),
        recurrency=recurrency,  # type: ignore[arg-type]
        valid_from=valid_from,
        valid_to=valid_to,
        transaction_id=draw(st.sampled_from([None, 1, 2])) if purpose == "TxProfile" else None,
    )


@st.composite
def cases(draw: st.DrawFn, *, window: bool = True) -> Case:
    connectors = draw(st.integers(1, 3))
    start = BASE + draw(st.integers(0, 2 * DAY)) + draw(st.sampled_from([0.0, 0.5]))
    duration = 0
    if window and draw(st.integers(0, 9)) > 0:  # one window in ten is empty
        duration = draw(st.integers(300, MAX_WINDOW))
    sessions = {}
    for c in range(1, connectors + 1):
        if draw(st.booleans()):
            began = start + draw(st.integers(-3_600, 600))
            sessions[c] = Session(began, draw(st.sampled_from([None, 1, 2])))
    installed = []
    for pid in range(draw(st.integers(1, 6))):
        purpose = draw(st.sampled_from(["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"]))
        if purpose == "ChargePointMaxProfile":
            where = 0
        elif purpose == "TxProfile":
            where = draw(st.integers(1, connectors))
        else:
            where = draw(st.integers(0, connectors))
        installed.append(Installed(where, draw(_profile(pid, purpose, start, duration))))
    supply = Supply(
        voltage=230.0,
        phases=draw(st.integers(1, 3)),
        max_current=draw(st.sampled_from([6.5, 16.0, 32.0])),
    )
    return Case(
        installed=tuple(installed),
        sessions=sessions,
        supply=supply,
        connectors=connectors,
        connector=draw(st.integers(0, connectors)),
        start=start,
        duration=duration,
        unit=draw(st.sampled_from(["A", "W"])),
    )


def _kw(case: Case) -> dict[str, object]:
    return {"sessions": case.sessions, "supply": case.supply, "connectors": case.connectors}


@settings(_SETTINGS, max_examples=COMPOSITE_EXAMPLES)
@given(cases())
def test_composite_equals_the_naive_composite(case: Case) -> None:
    """§5.7: breakpoint walk == second-by-second evaluation, period for period."""
    fast = composite_schedule(
        case.installed, case.connector, case.start, case.duration, case.unit, **_kw(case)
    )
    slow = naive_composite(
        case.installed, case.connector, case.start, case.duration, case.unit, **_kw(case)
    )
    assert fast == slow


@settings(_SETTINGS, max_examples=LIMIT_EXAMPLES)
@given(cases(), st.integers(-3_600, 3 * DAY), st.sampled_from([0.0, 0.25, 0.999]))
def test_limit_at_equals_the_naive_limit(case: Case, offset: int, fraction: float) -> None:
    """§3.13.2/§3.13.3 at an arbitrary instant, fractions of a second included."""
    t = case.start + offset + fraction
    for unit in ("A", "W"):
        fast = limit_at(
            case.installed, case.connector, t, unit=unit, idle_anchor=case.start, **_kw(case)
        )
        slow, _ = naive_limit(
            case.installed, case.connector, t, unit=unit, idle_anchor=case.start, **_kw(case)
        )
        assert fast == pytest.approx(slow, rel=1e-12)  # same formula, other float order


@settings(_SETTINGS, max_examples=NEXT_CHANGE_EXAMPLES)
@given(cases(window=False), st.integers(0, DAY), st.lists(st.floats(0.001, 0.999), max_size=6))
def test_limit_is_constant_until_next_change(
    case: Case, offset: int, fractions: list[float]
) -> None:
    """next_change: the limit stays as it is strictly between t and the change."""
    t = case.start + offset
    change = next_change(case.installed, case.connector, t, **_kw(case))
    assert change is None or change > t
    end = t + 8 * DAY if change is None else change
    probes = [t + (end - t) * f for f in (0.0005, 0.5, 0.9995, *fractions)]
    seen = {
        naive_limit(case.installed, case.connector, p, unit="W", idle_anchor=t, **_kw(case))[0]
        for p in probes
        if t < p < end
    }
    assert len(seen) <= 1


@settings(_SETTINGS, max_examples=CP_MAX_EXAMPLES)
@given(cases())
def test_composite_never_exceeds_the_charge_point_max(case: Case) -> None:
    """§3.13.3: at no second does the composite exceed the prevailing ChargePointMaxProfile."""
    periods = composite_schedule(
        case.installed, case.connector, case.start, case.duration, case.unit, **_kw(case)
    )
    own = case.sessions.get(case.connector) if case.connector else None
    bounds = [(p.start, p.limit) for p in periods]
    for second in range(case.duration):
        limit = next(lim for begin, lim in reversed(bounds) if begin <= second)
        cp = charge_point_max(
            case.installed, case.start + second, case.unit, own, case.supply.voltage, case.start
        )
        if cp is not None:
            assert limit <= one_decimal_down(cp[0])
