"""OCPP date-time text: the one place that reads and writes it.

OCPP 1.6 date-time fields are JSON strings with ``"format": "date-time"`` in the official
schemas, that is RFC 3339 §5.6, and errata E3.10 asks for UTC with milliseconds at most. Two
views of the same text are offered: aware :class:`~datetime.datetime` values (the generated
message classes) and UNIX seconds as ``float`` (the station, whose caller passes ``now`` in).
Both are written by one function with one rule:

- UTC with a ``Z``; milliseconds only when there is a fraction;
- digits past the millisecond are dropped (truncated), never rounded into the next second;
  a float is first brought to whole microseconds, so that binary artefacts such as
  ``1700000000.1`` being stored as ``…0.0999999`` do not lose a millisecond;
- four-digit years always (RFC 3339 §5.6); an instant whose UTC date falls outside years
  1..9999 (``0001-01-01T00:00+05:00``) keeps its own offset, since Python cannot hold it in
  UTC.

Reading is strict RFC 3339 (full date, ``T``, time with seconds, ``Z`` or a numeric offset):
``datetime.fromisoformat`` alone also takes forms RFC 3339 does not (no seconds, basic
format, no offset). The one exception is :func:`datetime_from_wire` on a payload that passed
validation only through the declared ``naive_datetime`` leniency: no offset is read as UTC.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, datetime, timedelta

__all__ = ["datetime_from_wire", "datetime_to_wire", "from_iso8601", "to_iso8601"]

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)

# RFC 3339 §5.6 "date-time", the offset optional here and demanded by the callers that need it.
_RFC3339 = re.compile(
    r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt][0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?"
    r"(?P<zone>[Zz]|[+-][0-9]{2}:[0-9]{2})?"
)


def _parse(text: str, *, naive_as_utc: bool) -> datetime:
    match = _RFC3339.fullmatch(text)
    if match is None or (match.group("zone") is None and not naive_as_utc):
        raise ValueError(f"not an RFC 3339 date-time with a time zone: {text!r}")
    moment = datetime.fromisoformat(text.upper().replace("Z", "+00:00"))
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _zone_text(offset: timedelta) -> str:
    sign, size = ("-", -offset) if offset < timedelta() else ("+", offset)
    hours, minutes = divmod(int(size.total_seconds()) // 60, 60)
    return f"{sign}{hours:02d}:{minutes:02d}"


def datetime_to_wire(value: datetime) -> str:
    """Write an aware datetime as OCPP date-time text (see the module docstring for the rule).

    Raises:
        ValueError: If ``value`` is naive; attach a time zone.
    """
    if value.tzinfo is None:
        raise ValueError("naive datetimes are not allowed on the wire; attach a time zone")
    try:
        moment, zone = value.astimezone(UTC), "Z"
    except OverflowError:
        moment, zone = value, _zone_text(value.utcoffset() or timedelta())
    text = (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}"
        f"T{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}"
    )
    if moment.microsecond // 1000:
        text += f".{moment.microsecond // 1000:03d}"
    return text + zone


def datetime_from_wire(text: str) -> datetime:
    """Read OCPP date-time text of a validated payload as an aware datetime.

    Text without an offset can only have passed validation through the declared
    ``naive_datetime`` leniency, which reads it as UTC.

    Raises:
        ValueError: If the text is not an RFC 3339 date-time (with or without an offset).
    """
    return _parse(text, naive_as_utc=True)


def to_iso8601(t: float) -> str:
    """Write UNIX seconds as OCPP date-time text in UTC (``2023-11-14T22:13:20.250Z``).

    Raises:
        ValueError: If ``t`` is not finite.
        OverflowError: If ``t`` is outside the range of :class:`datetime.datetime`.
    """
    if not math.isfinite(t):
        raise ValueError(f"t must be finite, got {t!r}")
    return datetime_to_wire(_EPOCH + timedelta(microseconds=round(t * 1_000_000)))


def from_iso8601(text: str) -> float:
    """Read OCPP date-time text with ``Z`` or a numeric offset as UNIX seconds.

    Raises:
        ValueError: If the text is not an RFC 3339 date-time, names an impossible date or
            time, or lacks a time-zone designator (a local time would be ambiguous).
    """
    return (_parse(text, naive_as_utc=False) - _EPOCH).total_seconds()
