"""Tests for OCPP date-time text (runtime.ocppj.datetime): one rule for both views."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import pytest

from runtime.ocppj.datetime import datetime_from_wire, datetime_to_wire, from_iso8601, to_iso8601


@pytest.mark.parametrize(
    ("t", "text"),
    [
        (0.0, "1970-01-01T00:00:00Z"),
        (1_700_000_000.0, "2023-11-14T22:13:20Z"),
        (1_700_000_000.25, "2023-11-14T22:13:20.250Z"),
        (1_700_000_000.1, "2023-11-14T22:13:20.100Z"),
        (1_700_000_000.0004, "2023-11-14T22:13:20Z"),
        # Digits past the millisecond are dropped, never rounded up (one rule for floats and
        # datetimes, runtime/ocppj/datetime.py).
        (1_700_000_000.9996, "2023-11-14T22:13:20.999Z"),
        (1359751412.486, "2013-02-01T20:43:32.486Z"),
        (-1.5, "1969-12-31T23:59:58.500Z"),
    ],
)
def test_to_iso8601(t: float, text: str) -> None:
    assert to_iso8601(t) == text


def test_to_iso8601_rejects_non_finite() -> None:
    with pytest.raises(ValueError):
        to_iso8601(math.nan)


@pytest.mark.parametrize(
    ("text", "t"),
    [
        ("1970-01-01T00:00:00Z", 0.0),
        ("2023-11-14T22:13:20Z", 1_700_000_000.0),
        ("2023-11-14t22:13:20z", 1_700_000_000.0),
        ("2023-11-14T22:13:20.250Z", 1_700_000_000.25),
        ("2023-11-14T23:13:20+01:00", 1_700_000_000.0),
        ("2023-11-14T16:43:20.5-05:30", 1_700_000_000.5),
        ("2023-11-14T22:13:20+00:00", 1_700_000_000.0),
    ],
)
def test_from_iso8601(text: str, t: float) -> None:
    assert from_iso8601(text) == pytest.approx(t, abs=1e-6)


@pytest.mark.parametrize(
    "text",
    [
        "2023-11-14T22:13:20",
        "2023-11-14T22:13:20.250",
        "2023-11-14",
        "2023-11-14T22:13Z",
        "20231114T221320Z",
        "2023-02-29T00:00:00Z",
        "2023-11-14T22:13:20+0100",
        "2023-11-14T22:13:20Z\n",
        "２０２３-11-14T22:13:20Z",
        "",
    ],
)
def test_from_iso8601_rejects(text: str) -> None:
    with pytest.raises(ValueError):
        from_iso8601(text)


@pytest.mark.parametrize("t", [0.0, 1_700_000_000.0, 1_700_000_000.123, 1_234_567_890.999])
def test_round_trip_at_millisecond_resolution(t: float) -> None:
    assert from_iso8601(to_iso8601(t)) == pytest.approx(t, abs=1e-6)


@pytest.mark.parametrize(
    "t", [0.0, 1_700_000_000.1, 1_700_000_000.0004, 1_700_000_000.9996, -1.5, 1359751412.486]
)
def test_float_and_datetime_views_write_the_same_text(t: float) -> None:
    moment = datetime(1970, 1, 1, tzinfo=UTC) + timedelta(microseconds=round(t * 1_000_000))
    assert datetime_to_wire(moment) == to_iso8601(t)


def test_datetime_to_wire_drops_sub_millisecond_digits_and_writes_utc() -> None:
    moment = datetime(2023, 11, 14, 23, 13, 20, 999_900, tzinfo=timezone(timedelta(hours=1)))
    assert datetime_to_wire(moment) == "2023-11-14T22:13:20.999Z"
    assert datetime_to_wire(moment.replace(microsecond=400)) == "2023-11-14T22:13:20Z"


def test_datetime_from_wire_reads_a_missing_offset_as_utc_and_refuses_non_rfc3339() -> None:
    assert datetime_from_wire("2023-11-14T22:13:20") == datetime(
        2023, 11, 14, 22, 13, 20, tzinfo=UTC
    )
    with pytest.raises(ValueError):
        datetime_from_wire("2023-11-14T22:13Z")
