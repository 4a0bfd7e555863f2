"""Installing and clearing charging profiles (OCPP 1.6 §3.13.1, §3.13.2, §5.5, §5.16).

Pure functions over the installed set: :func:`install` answers the new set or a
:class:`Refusal` saying why not (the SetChargingProfile.conf status, or the CALLERROR
PropertyConstraintViolation of E3.39); :func:`clear` answers what remains and how many went;
:func:`check_remote_start_profile` vets the profile of a RemoteStartTransaction.req.

The checks are a table of (rule, status) functions run in order; the first refusal wins.
Clauses settled here:

- stackLevel below 0 is refused like one above ChargeProfileMaxStackLevel (§7.8: "integer
  >= 0"); so are a negative duration or minChargingRate (§7.13) and a schedule without
  periods (§7.13: 1..*).
- validTo at or before validFrom never lets the profile be valid, and validTo already past
  (when ``now`` is given) neither: both are Rejected (§7.11 "will not be executed") instead of
  silently replacing a working profile by a dead one.
- Two TxProfiles on one connector are "for the same transaction" when their transactionIds
  are equal or either is absent: an absent one came with RemoteStartTransaction for the
  transaction now running (E3.42), so a SetChargingProfile with that transaction's id and the
  same stackLevel replaces it.
- A TxProfile naming a transactionId while the session has none yet (StartTransaction.conf
  still outstanding) is Rejected: it cannot be matched (§3.13.1).
- ClearChargingProfile connectorId 0 matches the profiles installed on connector 0 only
  (§6.13: 0 names the overall Charge Point; absent means any connector).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import pairwise
from typing import Literal

from runtime.station.smart_charging.profiles import (
    Installed,
    Profile,
    Purpose,
    Session,
)

__all__ = [
    "Limits",
    "Refusal",
    "allowed_units",
    "check_remote_start_profile",
    "clear",
    "install",
]

Status = Literal["Rejected", "PropertyConstraintViolation"]


@dataclass(frozen=True, slots=True)
class Limits:
    """What the Charge Point declares it can hold (§3.13.5, §9.4 configuration keys).

    Attributes:
        max_stack_level: ChargeProfileMaxStackLevel.
        max_periods: ChargingScheduleMaxPeriods.
        allowed_units: ChargingScheduleAllowedChargingRateUnit read as units: "Current" → "A",
            "Power" → "W".
        max_installed: MaxChargingProfilesInstalled.
    """

    max_stack_level: int
    max_periods: int
    allowed_units: frozenset[str]
    max_installed: int


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why a profile is not installed: ``Rejected`` goes into SetChargingProfile.conf (or
    RemoteStartTransaction.conf); ``PropertyConstraintViolation`` is a CALLERROR (E3.39)."""

    status: Status
    reason: str


_Check = Callable[[Profile, Limits], str | None]

# §9.4.2: the quantities of ChargingScheduleAllowedChargingRateUnit and their chargingRateUnit.
_QUANTITY_UNITS = {"Current": "A", "Power": "W"}


def allowed_units(quantities: str | Iterable[str]) -> frozenset[str]:
    """The chargingRateUnits a ChargingScheduleAllowedChargingRateUnit value allows.

    Args:
        quantities: the key's comma-separated value ("Current,Power") or the PICS list.

    Returns:
        A subset of {"A", "W"}; names other than Current and Power are left out.
    """
    names = quantities.split(",") if isinstance(quantities, str) else quantities
    return frozenset(_QUANTITY_UNITS[n.strip()] for n in names if n.strip() in _QUANTITY_UNITS)


def install(
    installed: Sequence[Installed],
    connector: int,
    profile: Profile,
    *,
    limits: Limits,
    sessions: Mapping[int, Session],
    connectors: int,
    now: float | None = None,
) -> tuple[Installed, ...] | Refusal:
    """Install ``profile`` on ``connector`` (SetChargingProfile.req, §5.16).

    Args:
        installed: the profiles installed now, oldest first.
        connector: the request's connectorId.
        profile: the request's csChargingProfiles.
        limits: the Charge Point's declared limits.
        sessions: the running transaction of each busy connector.
        connectors: the number of connectors.
        now: the moment of receipt; when given, a profile whose validTo has passed is refused.

    Returns:
        The new installed set (the new profile last, the ones it replaces gone), or a
        :class:`Refusal`.
    """
    if not 0 <= connector <= connectors:
        # E3.39: an invalid connectorId is a CALLERROR PropertyConstraintViolation.
        return Refusal("PropertyConstraintViolation", f"connectorId {connector} does not exist")
    reason = (
        _placement(profile, connector, sessions.get(connector))
        or _schedule_problem(profile, limits)
        or _expired(profile, now)
    )
    if reason is not None:
        return Refusal("Rejected", reason)
    kept = tuple(old for old in installed if not _replaced_by(old, connector, profile))
    result = (*kept, Installed(connector, profile))
    if len(result) > limits.max_installed:
        return Refusal(
            "Rejected", f"more than MaxChargingProfilesInstalled={limits.max_installed} profiles"
        )
    return result


def clear(
    installed: Sequence[Installed],
    *,
    profile_id: int | None = None,
    connector: int | None = None,
    purpose: Purpose | None = None,
    stack_level: int | None = None,
) -> tuple[tuple[Installed, ...], int]:
    """Clear profiles (ClearChargingProfile.req, §5.5, E3.25, E3.26).

    No field given clears all; an id clears that profile only and the other fields are
    ignored (behaviour rule 116); otherwise a profile goes when it matches every given field.

    Returns:
        The remaining profiles and how many were removed (0: answer Unknown).
    """

    def matches(item: Installed) -> bool:
        if profile_id is not None:
            return item.profile.id == profile_id
        return (
            (connector is None or item.connector == connector)
            and (purpose is None or item.profile.purpose == purpose)
            and (stack_level is None or item.profile.stack_level == stack_level)
        )

    remaining = tuple(item for item in installed if not matches(item))
    return remaining, len(installed) - len(remaining)


def check_remote_start_profile(profile: Profile, limits: Limits) -> Refusal | None:
    """Vet the chargingProfile of a RemoteStartTransaction.req (§5.11, §5.16.2).

    Only a TxProfile without transactionId may come this way (E3.41, E3.42: the transaction
    gets its id later, from StartTransaction.conf); its schedule passes the checks of
    :func:`install`.

    Returns:
        ``None`` when acceptable, else the Rejected refusal.
    """
    if profile.purpose != "TxProfile":
        return Refusal("Rejected", f"RemoteStartTransaction carries a {profile.purpose} (§5.11)")
    if profile.transaction_id is not None:
        return Refusal("Rejected", "RemoteStartTransaction profile names a transactionId (E3.41)")
    reason = _schedule_problem(profile, limits)
    return None if reason is None else Refusal("Rejected", reason)


# --- the rules --------------------------------------------------------------------------------


def _placement(profile: Profile, connector: int, session: Session | None) -> str | None:
    """§3.13.1 / E3.53: which connector a purpose may be set on; rule 104: a TxProfile needs
    the transaction it is for."""
    purpose = profile.purpose
    if purpose == "ChargePointMaxProfile" and connector != 0:
        return "ChargePointMaxProfile only on connectorId 0 (§3.13.1)"
    if purpose != "TxProfile":
        return None
    if connector == 0:
        return "TxProfile only on connectorId > 0 (§3.13.1)"
    if session is None:
        return f"TxProfile without a transaction on connector {connector} (§3.13.1)"
    wanted = profile.transaction_id
    if wanted is not None and wanted != session.transaction_id:
        return f"TxProfile for transaction {wanted}, not the running one (§3.13.1, rule 104)"
    return None


def _kind(profile: Profile, limits: Limits) -> str | None:
    if profile.kind == "Recurring" and profile.recurrency is None:
        return "Recurring profile without recurrencyKind (E3.56)"
    if profile.kind != "Recurring" and profile.recurrency is not None:
        return f"recurrencyKind on a {profile.kind} profile (E3.56)"
    if profile.kind == "Recurring" and profile.schedule.start is None:
        return "Recurring profile without startSchedule (E3.79)"
    return None


def _stack_level(profile: Profile, limits: Limits) -> str | None:
    if not 0 <= profile.stack_level <= limits.max_stack_level:
        return (
            f"stackLevel {profile.stack_level} outside 0..{limits.max_stack_level}"
            " (ChargeProfileMaxStackLevel, §9.4.1)"
        )
    return None


def _unit(profile: Profile, limits: Limits) -> str | None:
    if profile.schedule.unit not in limits.allowed_units:
        return (
            f"chargingRateUnit {profile.schedule.unit} not allowed"
            " (ChargingScheduleAllowedChargingRateUnit, §9.4.2)"
        )
    return None


def _period_count(profile: Profile, limits: Limits) -> str | None:
    count = len(profile.schedule.periods)
    if count == 0:
        return "schedule without periods (§7.13)"
    if count > limits.max_periods:
        return f"{count} periods, more than ChargingScheduleMaxPeriods={limits.max_periods}"
    return None


def _period_order(profile: Profile, limits: Limits) -> str | None:
    starts = [period.start for period in profile.schedule.periods]
    if starts[0] != 0:
        return "first startPeriod is not 0 (§7.13, E3.45)"
    if any(later <= earlier for earlier, later in pairwise(starts)):
        return "startPeriods not strictly increasing (§7.14)"
    return None


def _period_values(profile: Profile, limits: Limits) -> str | None:
    for period in profile.schedule.periods:
        if period.limit < 0:
            return f"negative limit {period.limit} (§7.14)"
        if period.phases is not None and not 1 <= period.phases <= 3:
            return f"numberPhases {period.phases} outside 1..3 (§7.14)"
    return None


def _schedule_numbers(profile: Profile, limits: Limits) -> str | None:
    schedule = profile.schedule
    if schedule.duration is not None and schedule.duration < 0:
        return f"negative duration {schedule.duration} (§7.13)"
    if schedule.min_rate is not None and schedule.min_rate < 0:
        return f"negative minChargingRate {schedule.min_rate} (§7.13)"
    valid_from, valid_to = profile.valid_from, profile.valid_to
    if valid_from is not None and valid_to is not None and valid_to <= valid_from:
        return "validTo not after validFrom: never valid (§7.8)"
    return None


# Order matters: the period order check reads the first period, present after the count check.
_SCHEDULE_CHECKS: tuple[_Check, ...] = (
    _kind,
    _stack_level,
    _unit,
    _period_count,
    _period_order,
    _period_values,
    _schedule_numbers,
)


def _schedule_problem(profile: Profile, limits: Limits) -> str | None:
    for check in _SCHEDULE_CHECKS:
        reason = check(profile, limits)
        if reason is not None:
            return reason
    return None


def _expired(profile: Profile, now: float | None) -> str | None:
    if now is not None and profile.valid_to is not None and profile.valid_to <= now:
        return "validTo already past: the profile would never be valid (§7.8)"
    return None


def _replaced_by(old: Installed, connector: int, new: Profile) -> bool:
    """§3.13.2, §5.16.3/§5.16.4: the same id anywhere, or the same stackLevel and purpose on
    the same connector (TxProfiles: for the same transaction, E3.42), is replaced."""
    if old.profile.id == new.id:
        return True
    if old.connector != connector or old.profile.purpose != new.purpose:
        return False
    if old.profile.stack_level != new.stack_level:
        return False
    if new.purpose != "TxProfile":
        return True
    # An absent transactionId came with RemoteStartTransaction for the running transaction.
    old_tx, new_tx = old.profile.transaction_id, new.transaction_id
    return old_tx is None or new_tx is None or old_tx == new_tx
