"""Charging profiles as values (OCPP 1.6 §7.8 ChargingProfile, §7.13 ChargingSchedule, §7.14
ChargingSchedulePeriod).

One job: turn a schema-valid ``csChargingProfiles`` / ``chargingProfile`` payload into a
:class:`Profile` and back. Date-times become UNIX seconds (``float``), the station's time
scale; the wire form is written again by :meth:`Profile.to_payload`, so a stored profile
survives a reboot as the Central System sent it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from runtime.ocppj.datetime import from_iso8601, to_iso8601

__all__ = [
    "Installed",
    "Kind",
    "Period",
    "Profile",
    "Purpose",
    "Recurrency",
    "Schedule",
    "Session",
    "Supply",
    "Unit",
]

Purpose = Literal["ChargePointMaxProfile", "TxDefaultProfile", "TxProfile"]
Kind = Literal["Absolute", "Recurring", "Relative"]
Recurrency = Literal["Daily", "Weekly"]
Unit = Literal["A", "W"]

# numberPhases absent means three phases (§7.14).
DEFAULT_PHASES = 3


@dataclass(frozen=True, slots=True)
class Period:
    """One ChargingSchedulePeriod (§7.14): from ``start`` seconds after the schedule's start,
    at most ``limit`` (in the schedule's unit) on ``phases`` phases (``None``: absent)."""

    start: int
    limit: float
    phases: int | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Period:
        phases = payload.get("numberPhases")
        return cls(int(payload["startPeriod"]), float(payload["limit"]), phases)

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {"startPeriod": self.start, "limit": _decimal(self.limit)}
        if self.phases is not None:
            out["numberPhases"] = self.phases
        return out


@dataclass(frozen=True, slots=True)
class Schedule:
    """One ChargingSchedule (§7.13); ``start`` and ``duration`` ``None`` when absent."""

    unit: Unit
    periods: tuple[Period, ...]
    duration: int | None = None
    start: float | None = None
    min_rate: float | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Schedule:
        start = payload.get("startSchedule")
        duration = payload.get("duration")
        min_rate = payload.get("minChargingRate")
        return cls(
            unit=payload["chargingRateUnit"],
            periods=tuple(Period.from_payload(p) for p in payload["chargingSchedulePeriod"]),
            duration=None if duration is None else int(duration),
            start=None if start is None else from_iso8601(start),
            min_rate=None if min_rate is None else float(min_rate),
        )

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "chargingRateUnit": self.unit,
            "chargingSchedulePeriod": [p.to_payload() for p in self.periods],
        }
        if self.duration is not None:
            out["duration"] = self.duration
        if self.start is not None:
            out["startSchedule"] = to_iso8601(self.start)
        if self.min_rate is not None:
            out["minChargingRate"] = _decimal(self.min_rate)
        return out


@dataclass(frozen=True, slots=True)
class Profile:
    """One ChargingProfile (§7.8); optional fields ``None`` when absent."""

    id: int
    stack_level: int
    purpose: Purpose
    kind: Kind
    schedule: Schedule
    recurrency: Recurrency | None = None
    valid_from: float | None = None
    valid_to: float | None = None
    transaction_id: int | None = None

    @classmethod
    def from_payload(cls, payload: Mapping[str, Any]) -> Profile:
        """Read a schema-valid ChargingProfile object.

        Raises:
            ValueError: a date-time without a time zone (only the naive_datetime leniency
                lets one through validation).
        """
        valid_from = payload.get("validFrom")
        valid_to = payload.get("validTo")
        return cls(
            id=int(payload["chargingProfileId"]),
            stack_level=int(payload["stackLevel"]),
            purpose=payload["chargingProfilePurpose"],
            kind=payload["chargingProfileKind"],
            schedule=Schedule.from_payload(payload["chargingSchedule"]),
            recurrency=payload.get("recurrencyKind"),
            valid_from=None if valid_from is None else from_iso8601(valid_from),
            valid_to=None if valid_to is None else from_iso8601(valid_to),
            transaction_id=payload.get("transactionId"),
        )

    def to_payload(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "chargingProfileId": self.id,
            "stackLevel": self.stack_level,
            "chargingProfilePurpose": self.purpose,
            "chargingProfileKind": self.kind,
            "chargingSchedule": self.schedule.to_payload(),
        }
        if self.transaction_id is not None:
            out["transactionId"] = self.transaction_id
        if self.recurrency is not None:
            out["recurrencyKind"] = self.recurrency
        if self.valid_from is not None:
            out["validFrom"] = to_iso8601(self.valid_from)
        if self.valid_to is not None:
            out["validTo"] = to_iso8601(self.valid_to)
        return out


@dataclass(frozen=True, slots=True)
class Installed:
    """A profile installed on ``connector`` (0: the whole Charge Point, §3.13.1)."""

    connector: int
    profile: Profile


@dataclass(frozen=True, slots=True)
class Session:
    """The transaction running on a connector: when it started (the anchor of Relative
    schedules, §7.9) and its transactionId (``None`` until StartTransaction.conf gave one)."""

    start: float
    transaction_id: int | None = None


@dataclass(frozen=True, slots=True)
class Supply:
    """What one connector can deliver at most (the "local limits" of §5.7) and how amperes
    and watts convert (§7.12: W = A × nominal voltage × phases)."""

    voltage: float = 230.0
    phases: int = DEFAULT_PHASES
    max_current: float = 16.0

    @property
    def max_power(self) -> float:
        return self.max_current * self.voltage * self.phases


def _decimal(value: float) -> float | int:
    """A limit on the wire: an integer when it is one, else at most one decimal (E3.69)."""
    return int(value) if float(value).is_integer() else round(value, 1)
