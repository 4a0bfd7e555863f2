"""Partial matching of a received payload against a scenario's expectation.

An expectation is plain JSON data in which a few values are *matchers* (docs/spec-language.md,
"Matching"):

- a mapping matches a mapping that has every listed field, each matching (other fields are
  ignored);
- a list matches a list of the same length, item by item;
- ``"$any"``: the field is there, whatever its value;
- ``"$absent"``: the field is not there (e.g. an optional ``idTag`` left out);
- a *matcher mapping*, whose keys all start with ``$`` (:mod:`runtime.spec.matchers`), holds
  when each of its matchers holds:

  - ``{"$one_of": [a, b, ...]}``: one of the alternatives matches (each may be a matcher);
  - ``{"$all": [a, b, ...]}``: every one matches (two comparisons of one kind, each with
    its own tolerance);
  - ``{"$contains": [a, b, ...]}``: a list in which every listed item matches some element;
  - ``{"$each": a}``: a list whose every element matches ``a`` (an empty list too);
  - ``{"$matches": "regex"}``: a string the regular expression matches as a whole;
  - ``{"$capture": name}``: any value; it is kept under ``name`` for later steps;
  - ``{"$eq" | "$ge" | "$gt" | "$le" | "$lt": operand}``: a number (a JSON number, or a
    string holding one, as in ``sampledValue.value``) or a timestamp compared with the
    operand, an earlier capture by then; ``$eq`` of two other values is plain equality;
  - ``{"$interval": {"after": t, "seconds": s}}``: a timestamp ``s`` seconds after ``t``;
  - ``{"$tolerance": x}``: every comparison of the same mapping may be off by ``x``.

Timestamps compare in seconds and may also be off by the run's *slack* (the timing
tolerance against a real device: its clock stamps a reading when it takes it). Any other value
must be equal. :func:`match` says what does not hold, as text for the scenario report (an
empty list means the payload matches), and what the expectation captured.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Final

from runtime.ocppj.datetime import from_iso8601
from runtime.spec.matchers import CAPTURE, COMPARISONS, INTERVAL, TOLERANCE, is_matcher

__all__ = ["ABSENT", "ANY", "Match", "match", "mismatches"]

ANY: Final = "$any"
ABSENT: Final = "$absent"
_MISSING: Final = object()
_SYMBOLS: Final = {"$eq": "=", "$ge": ">=", "$gt": ">", "$le": "<=", "$lt": "<"}
_NUMBER: Final = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


@dataclass(frozen=True, slots=True)
class Match:
    """The outcome of matching one value.

    Attributes:
        problems: what does not hold, one line each with its path; empty when it matches.
        captured: the values its ``$capture`` matchers took, by name (to be kept only when
            ``problems`` is empty).
    """

    problems: list[str]
    captured: dict[str, Any] = field(default_factory=dict)


@dataclass(slots=True)
class _Context:
    """What one match needs besides the values: the timestamp slack, and where captures go."""

    slack: float
    captured: dict[str, Any] = field(default_factory=dict)

    def child(self) -> _Context:
        """A context for a trial (an alternative, a list element): its captures are merged
        only if the trial matches."""
        return _Context(self.slack)


def _check(want: Any, got: Any, ctx: _Context) -> list[str]:
    """What does not hold for one value (``got`` is ``_MISSING`` for an absent field)."""
    if want == ABSENT:
        return [] if got is _MISSING else [f"expected no value, got {got!r}"]
    if is_matcher(want):
        return _check_matcher(want, got, ctx)
    if got is _MISSING:
        return ["missing"]
    if want == ANY:
        return []
    if isinstance(want, dict) and isinstance(got, dict):
        return _fields(want, got, ctx)
    if isinstance(want, list) and isinstance(got, list):
        return _check_list(want, got, ctx)
    return [] if want == got else [f"expected {want!r}, got {got!r}"]


def _check_matcher(want: dict[str, Any], got: Any, ctx: _Context) -> list[str]:
    """Every matcher of the mapping ``want`` must hold; ``$tolerance`` widens the others."""
    tolerance = want.get(TOLERANCE, 0)
    problems: list[str] = []
    for key, argument in want.items():
        if key == "$one_of":  # an alternative may be "$absent"
            problems += _one_of(argument, got, ctx)
        elif key == TOLERANCE:
            continue
        elif got is _MISSING:
            return ["missing"]
        elif key in COMPARISONS:
            problems += _compare(key, argument, got, tolerance, ctx.slack)
        elif key in _ON_VALUES:
            problems += _ON_VALUES[key](argument, got, tolerance, ctx)
        else:
            problems.append(f"unknown matcher {key!r}")
    return problems


def _capture(name: Any, got: Any, tolerance: Any, ctx: _Context) -> list[str]:
    ctx.captured[str(name)] = got
    return []


def _all(items: list[Any], got: Any, tolerance: Any, ctx: _Context) -> list[str]:
    return [problem for each in items for problem in _check(each, got, ctx)]


def _each(item: Any, got: Any, tolerance: Any, ctx: _Context) -> list[str]:
    if not isinstance(got, list):
        return [f"expected a list, got {got!r}"]
    problems = []
    for index, value in enumerate(got):
        problems += [f"[{index}]{_join(p)}" for p in _check(item, value, ctx)]
    return problems


def _matches(pattern: Any, got: Any, tolerance: Any, ctx: _Context) -> list[str]:
    if isinstance(got, str) and re.fullmatch(str(pattern), got):
        return []
    return [f"expected text matching {pattern!r}, got {got!r}"]


def _one_of(alternatives: list[Any], got: Any, ctx: _Context) -> list[str]:
    for alternative in alternatives:
        trial = ctx.child()
        if not _check(alternative, got, trial):
            ctx.captured.update(trial.captured)
            return []
    shown = "nothing" if got is _MISSING else repr(got)
    return [f"expected one of {alternatives!r}, got {shown}"]


def _contains(items: list[Any], got: Any, tolerance: Any, ctx: _Context) -> list[str]:
    if not isinstance(got, list):
        return [f"expected a list, got {got!r}"]
    problems = []
    for item in items:
        for value in got:
            trial = ctx.child()
            if not _check(item, value, trial):
                ctx.captured.update(trial.captured)
                break
        else:
            problems.append(_no_match(item, got, ctx))
    return problems


def _quantity(value: Any) -> tuple[str, Decimal] | None:
    """``value`` as a number or as a timestamp (UNIX seconds), or None if it is neither."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return "number", Decimal(str(value))
    if not isinstance(value, str):
        return None
    if _NUMBER.fullmatch(value):
        try:
            return "number", Decimal(value)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            return None
    try:
        return "timestamp", Decimal(str(from_iso8601(value)))
    except ValueError:
        return None


def _unresolved(operand: Any) -> str | None:
    """The problem of an operand naming a value nothing captured (the run substitutes
    captured names before matching)."""
    if isinstance(operand, str) and operand.startswith("$"):
        return f"nothing was captured as {operand[1:]!r} to compare with"
    return None


def _compare(key: str, operand: Any, got: Any, tolerance: Any, slack: float) -> list[str]:
    if (problem := _unresolved(operand)) is not None:
        return [problem]
    mine, theirs = _quantity(got), _quantity(operand)
    if key == "$eq" and (mine is None or theirs is None):
        return [] if got == operand else [f"expected {operand!r}, got {got!r}"]
    if mine is None or theirs is None or mine[0] != theirs[0]:
        return [f"expected a value comparable with {operand!r}, got {got!r}"]
    allowed = Decimal(str(tolerance)) + (Decimal(str(slack)) if mine[0] == "timestamp" else 0)
    difference = mine[1] - theirs[1]
    holds = {
        "$eq": abs(difference) <= allowed,
        "$ge": difference >= -allowed,
        "$gt": difference > -allowed,
        "$le": difference <= allowed,
        "$lt": difference < allowed,
    }[key]
    if holds:
        return []
    within = f" (± {allowed.normalize():f})" if allowed else ""
    return [f"expected {_SYMBOLS[key]} {operand!r}{within}, got {got!r}"]


def _interval(argument: Any, got: Any, tolerance: Any, ctx: _Context) -> list[str]:
    after, seconds = argument.get("after"), argument.get("seconds")
    for operand in (after, seconds):
        if (problem := _unresolved(operand)) is not None:
            return [problem]
    start, end, step = _quantity(after), _quantity(got), _quantity(seconds)
    if start is None or start[0] != "timestamp" or step is None or step[0] != "number":
        return [f"$interval needs a timestamp after and a number of seconds, not {argument!r}"]
    if end is None or end[0] != "timestamp":
        return [f"expected a timestamp, got {got!r}"]
    allowed = Decimal(str(tolerance)) + Decimal(str(ctx.slack))
    spacing = end[1] - start[1]
    if abs(spacing - step[1]) <= allowed:
        return []
    return [
        f"expected {seconds} s (± {allowed.normalize():f}) after {after}, got {got!r},"
        f" {spacing.normalize():f} s after it"
    ]


# The matchers that read the value itself (besides $one_of and the comparisons), by key.
_ON_VALUES: Final[dict[str, Callable[[Any, Any, Any, _Context], list[str]]]] = {
    CAPTURE: _capture,
    "$all": _all,
    "$contains": _contains,
    "$each": _each,
    "$matches": _matches,
    INTERVAL: _interval,
}


def _check_list(want: list[Any], got: list[Any], ctx: _Context) -> list[str]:
    if len(want) != len(got):
        return [f"expected {len(want)} items, got {len(got)}: {got!r}"]
    problems = []
    for index, (item, value) in enumerate(zip(want, got, strict=True)):
        problems += [f"[{index}]{_join(p)}" for p in _check(item, value, ctx)]
    return problems


def _no_match(item: Any, got: list[Any], ctx: _Context) -> str:
    """Why no element of ``got`` matches ``item``: the closest element's differences (the one
    with fewest), so a long list is not printed whole."""
    if not got:
        return f"no item matches {item!r} in an empty list"
    closest = min(got, key=lambda value: len(_check(item, value, ctx.child())))
    differences = _check(item, closest, ctx.child())
    if isinstance(item, dict) and isinstance(closest, dict) and len(differences) < len(item):
        return f"no item matches {item!r}; closest {closest!r} differs: " + "; ".join(
            p.removeprefix(".") for p in differences
        )
    return f"no item matches {item!r} among {len(got)} items"


def _join(problem: str) -> str:
    """Attach a nested problem to its path: ``.field: ...`` or ``[0]...`` or ``: text``."""
    return problem if problem.startswith(("[", ".")) else f": {problem}"


def _fields(expected: Mapping[str, Any], actual: Mapping[str, Any], ctx: _Context) -> list[str]:
    problems = []
    for key, want in expected.items():
        got = actual.get(key, _MISSING)
        problems += [f".{key}{_join(p)}" for p in _check(want, got, ctx)]
    return problems


def match(expected: Any, actual: Any, *, slack: float = 0.0) -> Match:
    """Match ``actual`` (a payload, or an observed value) against ``expected``.

    Args:
        expected: the expectation, its ``$name`` operands already substituted.
        actual: what came.
        slack: seconds by which compared timestamps may differ besides any ``$tolerance``.

    Returns:
        The problems, each with its path (``idTagInfo.status: expected 'Accepted', got
        'Invalid'``), and the captured values.
    """
    ctx = _Context(slack)
    problems = [p.removeprefix(".") for p in _check(expected, actual, ctx)]
    return Match(problems, ctx.captured if not problems else {})


def mismatches(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """The fields of ``expected`` that ``actual`` does not match, one line each, with their
    path (``idTagInfo.status: expected 'Accepted', got 'Invalid'``)."""
    return match(dict(expected), dict(actual)).problems
