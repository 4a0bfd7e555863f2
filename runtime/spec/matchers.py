"""The matcher vocabulary of the scenario language: the ``$`` keys an expected payload may use.

One list for both sides: the compiler refuses an unknown matcher or a reference to a value no
earlier step captured (SPEC250, SPEC251), and the conformance runner
(:mod:`runtime.conformance.matching`) evaluates them. docs/spec-language.md, "Matching",
gives their meaning.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, Final

__all__ = [
    "CAPTURE",
    "COMPARISONS",
    "INTERVAL",
    "INTERVAL_FIELDS",
    "MATCHERS",
    "NOW_OFFSET",
    "TOLERANCE",
    "captures",
    "is_matcher",
    "operands",
    "references",
]

# ``"$now+<seconds>"`` / ``"$now-<seconds>"``: the test system's clock that many seconds
# ahead or back (an expiryDate, a retrieveDate), filled in when the step is played.
NOW_OFFSET: Final = re.compile(r"\$now([+-]\d+)")
CAPTURE: Final = "$capture"
TOLERANCE: Final = "$tolerance"
INTERVAL: Final = "$interval"
INTERVAL_FIELDS: Final = ("after", "seconds")
# Each takes one operand: a number, a timestamp, or ``$name`` of a captured value.
COMPARISONS: Final = frozenset({"$eq", "$ge", "$gt", "$le", "$lt"})
MATCHERS: Final = frozenset(
    {
        "$one_of",
        "$all",
        "$contains",
        "$each",
        "$matches",
        CAPTURE,
        TOLERANCE,
        INTERVAL,
        *COMPARISONS,
    }
)


def is_matcher(value: Any) -> bool:
    """Whether ``value`` is a matcher mapping (its keys all start with ``$``)."""
    return (
        isinstance(value, dict)
        and bool(value)
        and all(isinstance(k, str) and k.startswith("$") for k in value)
    )


def operands(matcher: dict[str, Any]) -> Iterator[tuple[str, Any]]:
    """The operands of a matcher mapping that may name a captured value, with their key
    (``$ge``, or ``$interval.after``)."""
    for key, value in matcher.items():
        if key in COMPARISONS:
            yield key, value
        elif key == INTERVAL and isinstance(value, dict):
            for field in INTERVAL_FIELDS:
                if field in value:
                    yield f"{key}.{field}", value[field]


def _walk(value: Any) -> Iterator[dict[str, Any]]:
    """Every matcher mapping in ``value``, outermost first."""
    if isinstance(value, dict):
        if is_matcher(value):
            yield value
        for item in value.values():
            yield from _walk(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _walk(item)


def captures(expected: Any) -> list[str]:
    """The names ``expected`` captures (``{$capture: name}``), in order."""
    return [str(m[CAPTURE]) for m in _walk(expected) if CAPTURE in m]


def references(expected: Any) -> list[tuple[str, str]]:
    """The captured values ``expected`` compares with: ``(matcher key, name)`` for each
    operand written ``$name`` (``$now`` is the test system's clock, not a capture)."""
    found = []
    for matcher in _walk(expected):
        for key, operand in operands(matcher):
            if isinstance(operand, str) and operand.startswith("$") and operand != "$now":
                found.append((key, operand[1:]))
    return found
