"""Conversions between wire (JSON) values and Python values used by the generated messages."""

from __future__ import annotations

from datetime import UTC, datetime

__all__ = ["datetime_from_wire", "datetime_to_wire"]


def datetime_from_wire(text: str) -> datetime:
    """Parse an OCPP date-time (ISO 8601 with a time zone, errata E3.10) to an aware datetime.

    Only validated payloads are converted; a time without an offset can only have passed
    validation through a declared leniency (``naive_datetime``), which reads it as UTC.
    """
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def datetime_to_wire(value: datetime) -> str:
    """UTC with a 'Z'; milliseconds only when there is a fraction (errata E3.10 allows both)."""
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not allowed on the wire; attach a time zone")
    utc = value.astimezone(UTC)
    if utc.microsecond:
        return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"
    return utc.strftime("%Y-%m-%dT%H:%M:%SZ")
