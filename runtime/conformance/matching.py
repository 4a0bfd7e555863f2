"""Partial matching of a received payload against a scenario's expectation.

An expectation is plain JSON data in which a few values are *matchers* (docs/spec-language.md,
"Scenarios"):

- a mapping matches a mapping that has every listed field, each matching (other fields are
  ignored);
- a list matches a list of the same length, item by item;
- ``"$any"``: the field is there, whatever its value;
- ``"$absent"``: the field is not there (e.g. an optional ``idTag`` left out);
- ``{"$one_of": [a, b, ...]}``: one of the alternatives matches (each may be a matcher);
- ``{"$contains": [a, b, ...]}``: a list in which every listed item matches some element;
- ``{"$matches": "regex"}``: a string the regular expression matches as a whole.

Any other value must be equal. :func:`mismatches` lists what does not hold, as text for the
scenario report; an empty list means the payload matches.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Final

__all__ = ["ABSENT", "ANY", "mismatches"]

ANY: Final = "$any"
ABSENT: Final = "$absent"
_MISSING: Final = object()
_OPERATORS: Final = frozenset({"$one_of", "$contains", "$matches"})


def _operator(want: Any) -> str | None:
    if isinstance(want, dict) and len(want) == 1:
        (key,) = want
        return key if key in _OPERATORS else None
    return None


def _check(want: Any, got: Any) -> list[str]:
    """What does not hold for one value (``got`` is ``_MISSING`` for an absent field)."""
    if want == ABSENT:
        return [] if got is _MISSING else [f"expected no value, got {got!r}"]
    operator = _operator(want)
    if operator == "$one_of":  # an alternative may be "$absent"
        if any(not _check(alternative, got) for alternative in want[operator]):
            return []
        shown = "nothing" if got is _MISSING else repr(got)
        return [f"expected one of {want[operator]!r}, got {shown}"]
    if got is _MISSING:
        return ["missing"]
    if want == ANY:
        return []
    if operator is not None:
        return _check_operator(operator, want[operator], got)
    if isinstance(want, dict) and isinstance(got, dict):
        return _fields(want, got)
    if isinstance(want, list) and isinstance(got, list):
        return _check_list(want, got)
    return [] if want == got else [f"expected {want!r}, got {got!r}"]


def _check_list(want: list[Any], got: list[Any]) -> list[str]:
    if len(want) != len(got):
        return [f"expected {len(want)} items, got {len(got)}: {got!r}"]
    problems = []
    for index, (item, value) in enumerate(zip(want, got, strict=True)):
        problems += [f"[{index}]{_join(p)}" for p in _check(item, value)]
    return problems


def _check_operator(operator: str, argument: Any, got: Any) -> list[str]:
    if operator == "$contains":
        if not isinstance(got, list):
            return [f"expected a list, got {got!r}"]
        return [_no_match(item, got) for item in argument if all(_check(item, v) for v in got)]
    if isinstance(got, str) and re.fullmatch(str(argument), got):
        return []
    return [f"expected text matching {argument!r}, got {got!r}"]


def _no_match(item: Any, got: list[Any]) -> str:
    """Why no element of ``got`` matches ``item``: the closest element's differences (the one
    with fewest), so a long list is not printed whole."""
    if not got:
        return f"no item matches {item!r} in an empty list"
    closest = min(got, key=lambda value: len(_check(item, value)))
    differences = _check(item, closest)
    if isinstance(item, dict) and isinstance(closest, dict) and len(differences) < len(item):
        return f"no item matches {item!r}; closest {closest!r} differs: " + "; ".join(
            p.removeprefix(".") for p in differences
        )
    return f"no item matches {item!r} among {len(got)} items"


def _join(problem: str) -> str:
    """Attach a nested problem to its path: ``.field: ...`` or ``[0]...`` or ``: text``."""
    return problem if problem.startswith(("[", ".")) else f": {problem}"


def _fields(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    problems = []
    for key, want in expected.items():
        got = actual.get(key, _MISSING)
        problems += [f".{key}{_join(p)}" for p in _check(want, got)]
    return problems


def mismatches(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """The fields of ``expected`` that ``actual`` does not match, one line each, with their
    path (``idTagInfo.status: expected 'Accepted', got 'Invalid'``)."""
    return [p.removeprefix(".") for p in _fields(expected, actual)]
