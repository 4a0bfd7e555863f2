"""Conversions between wire (JSON) values and Python values used by the generated messages."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

__all__ = ["datetime_from_wire", "datetime_to_wire"]


def datetime_from_wire(text: str) -> datetime:
    """Parse an OCPP date-time (ISO 8601 with a time zone, errata E3.10) to an aware datetime.

    Only validated payloads are converted; a time without an offset can only have passed
    validation through a declared leniency (``naive_datetime``), which reads it as UTC.
    """
    parsed = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    return parsed if parsed.tzinfo is not None else parsed.replace(tzinfo=UTC)


def datetime_to_wire(value: datetime) -> str:
    """UTC with a 'Z'; milliseconds only when there is a fraction (errata E3.10 allows both).

    An instant whose UTC date falls outside years 1..9999 (e.g. ``0001-01-01T00:00+05:00``)
    keeps its own offset, since Python cannot hold it in UTC.
    """
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not allowed on the wire; attach a time zone")
    try:
        moment, zone = value.astimezone(UTC), "Z"
    except OverflowError:
        offset = value.utcoffset() or timedelta()
        sign, minutes = ("-", -offset) if offset < timedelta() else ("+", offset)
        hours, rest = divmod(int(minutes.total_seconds()) // 60, 60)
        moment, zone = value, f"{sign}{hours:02d}:{rest:02d}"
    # Four-digit years always (RFC 3339 §5.6); strftime("%Y") does not pad below 1000.
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if moment.microsecond:
        text += f".{moment.microsecond // 1000:03d}"
    return text + zone
