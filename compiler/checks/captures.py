"""Checks on the matchers of scenario expectations (docs/spec-language.md, "Matching").

A mapping whose keys start with ``$`` is a matcher mapping; an unknown or ill-formed matcher
is SPEC251 (``$gte``, an ``$interval`` without ``seconds``, a ``$capture`` name that is no
snake_case word). A comparison operand ``$name`` must name a value an *earlier* step of the
same scenario captured (SPEC250): the steps run in order, and the operands of a step are
filled in before its message arrives, so a step cannot compare with its own capture (its
previous value, if an earlier step captured the same name, is what it compares with).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

from compiler.checks.common import did_you_mean, one_of
from compiler.diagnostics import Diagnostic
from compiler.ir import Scenario, ScenarioStep, SpecSet
from runtime.spec.matchers import (
    CAPTURE,
    INTERVAL,
    INTERVAL_FIELDS,
    MATCHERS,
    TOLERANCE,
    captures,
    is_matcher,
    references,
)

__all__ = ["check_captures", "check_step_captures"]

_NAME = re.compile(r"[a-z][a-z0-9_]*")


def _expectations(step: ScenarioStep) -> list[Any]:
    """The values ``step`` matches what comes against (not the replies it sends)."""
    if step.kind == "expect":
        return [step.payload]
    if step.kind == "any_order":
        return [item.payload for item in step.items]
    reply = step.reply or {}
    if step.kind == "observe":
        return [reply.get("$is")]
    if step.kind != "send" or "$none" in reply:
        return []
    if "$result" in reply:
        return [reply["$result"]]
    return [] if "$error" in reply else [reply]


def _mappings(value: Any) -> Iterator[dict[str, Any]]:
    if isinstance(value, dict):
        yield value
        for item in value.values():
            yield from _mappings(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _mappings(item)


def _matcher_problems(mapping: dict[str, Any]) -> list[tuple[str, str, str]]:
    """What is wrong with one mapping's ``$`` keys (a matcher mapping or a payload mapping),
    each as (found, expected, hint)."""
    dollar = [k for k in mapping if isinstance(k, str) and k.startswith("$")]
    if not dollar:
        return []
    if not is_matcher(mapping):
        mixed = f"matcher {', '.join(dollar)} mixed with payload fields in one mapping"
        return [(mixed, "a matcher mapping has only $ keys", "")]
    problems = [
        (
            f"unknown matcher '{key}'",
            one_of(MATCHERS, limit=len(MATCHERS)),
            did_you_mean(key, MATCHERS),
        )
        for key in dollar
        if key not in MATCHERS
    ]
    name = mapping.get(CAPTURE)
    if CAPTURE in mapping and not (isinstance(name, str) and _NAME.fullmatch(name)):
        problems.append((f"$capture name {name!r}", "a snake_case word", ""))
    tolerance = mapping.get(TOLERANCE)
    if TOLERANCE in mapping and (
        isinstance(tolerance, bool) or not isinstance(tolerance, int | float) or tolerance < 0
    ):
        problems.append((f"$tolerance {tolerance!r}", "a number of at least 0", ""))
    interval = mapping.get(INTERVAL)
    if INTERVAL in mapping and (
        not isinstance(interval, dict) or sorted(interval) != sorted(INTERVAL_FIELDS)
    ):
        problems.append((f"$interval {interval!r}", "exactly {after: ..., seconds: ...}", ""))
    return problems


def _step_diagnostics(step: ScenarioStep, known: set[str]) -> list[Diagnostic]:
    found = []
    for value in _expectations(step):
        for mapping in _mappings(value):
            found += [Diagnostic(step.pos, "SPEC251", *p) for p in _matcher_problems(mapping)]
        for key, name in references(value):
            if name not in known:
                found.append(
                    Diagnostic(
                        step.pos,
                        "SPEC250",
                        f"{key} compares with '${name}', which no earlier step captures",
                        one_of(f"${n}" for n in known) if known else "a $capture before",
                        did_you_mean(f"${name}", [f"${n}" for n in known]),
                    )
                )
    return found


def check_step_captures(steps: Iterable[ScenarioStep]) -> list[Diagnostic]:
    """SPEC250 and SPEC251 for the steps of one scenario, one test state or the demo, in the
    order they run."""
    known: set[str] = set()
    found: list[Diagnostic] = []
    for step in steps:
        found += _step_diagnostics(step, known)
        for value in _expectations(step):
            known.update(captures(value))
    return found


def _scenario(sc: Scenario) -> list[Diagnostic]:
    return check_step_captures((*sc.steps, *sc.teardown))


def check_captures(spec: SpecSet) -> list[Diagnostic]:
    """Check the matchers of every scenario, of the demo and of every test state."""
    found: list[Diagnostic] = []
    for sc in (*spec.scenarios, *([spec.demo] if spec.demo is not None else [])):
        found += _scenario(sc)
    for state in spec.test_states:
        found += check_step_captures(state.steps)
    return found
