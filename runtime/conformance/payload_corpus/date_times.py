"""RFC 3339 date-times for the payload corpus: fixed valid and invalid ones, and random ones.

OCPP 1.6 sends every ``dateTime`` as RFC 3339 text (schema ``format: date-time``). The valid
ones are boundary values of a date-time field; the invalid ones are the near misses a
validator must reject (no offset, ISO 8601 forms outside RFC 3339, impossible dates).
"""

from __future__ import annotations

import random
from typing import Final

__all__ = ["INVALID_DATE_TIMES", "VALID_DATE_TIMES", "random_date_time"]

VALID_DATE_TIMES: Final[tuple[str, ...]] = (
    "2013-02-01T20:53:32.486Z",
    "2013-02-01T20:53:32Z",
    "2013-02-01T21:53:32+01:00",
    "2013-02-01T15:53:32-05:00",
    "2013-02-01T20:53:32.1Z",
    "2013-02-01T20:53:32.123456789Z",
    "2013-02-01T20:53:32.486+00:00",
    "2013-02-01T20:53:32-00:00",
    "2013-02-02T10:53:32+14:00",
    "2013-02-01T08:53:32-12:00",
    "2013-02-01T20:23:32.5-05:30",
    "2013-02-01t20:53:32z",
    "2016-02-29T00:00:00Z",
    "1970-01-01T00:00:00Z",
    "2099-12-31T23:59:59.999Z",
)
"""RFC 3339 date-times: ``Z`` and numeric offsets, with and without fractions."""

INVALID_DATE_TIMES: Final[tuple[str, ...]] = (
    "2013-02-01T20:53:32",
    "2013-02-01T20:53:32.486",
    "2013-02-01",
    "20:53:32Z",
    "2013-02-01 20:53:32Z",
    "2013-02-01T20:53Z",
    "20130201T205332Z",
    "2013-02-01T20:53:32+0100",
    "2013-02-01T20:53:32+01",
    "2013-02-01T20:53:32.Z",
    "2013-02-01T20:53:32,486Z",
    "2013-02-01T20:53:32UTC",
    "2013-13-01T20:53:32Z",
    "2013-02-30T20:53:32Z",
    "2013-02-01T24:00:00Z",
    "2016-12-31T23:59:60Z",
    "2013-02-01T20:53:32Z ",
    " 2013-02-01T20:53:32Z",
    "1359751112",
    "",
    "yesterday",
    "not a date-time",
)
"""Strings that are not RFC 3339 date-times: no offset, date or time only, ISO 8601 forms
outside RFC 3339 (basic format, comma fraction, ``+hhmm``), impossible dates and garbage.
``23:59:60`` is a leap second, which RFC 3339 allows only at real leap seconds."""


def random_date_time(rng: random.Random, *, offset: bool = True) -> str:
    """A random RFC 3339 date-time (day 28 at most); ``offset=False`` leaves out the zone,
    which makes it invalid."""
    date = f"{rng.randint(1970, 2099):04d}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
    clock = f"{rng.randint(0, 23):02d}:{rng.randint(0, 59):02d}:{rng.randint(0, 59):02d}"
    fraction = rng.choice(("", "", f".{rng.randrange(10 ** rng.randint(1, 9))}"))
    east = f"+{rng.randint(0, 14):02d}:{rng.choice((0, 30, 45)):02d}"
    west = f"-{rng.randint(0, 12):02d}:{rng.choice((0, 30)):02d}"
    zone = rng.choice(("Z", "Z", "z", east, west))
    return f"{date}{rng.choice('TTTt')}{clock}{fraction}{zone if offset else ''}"
