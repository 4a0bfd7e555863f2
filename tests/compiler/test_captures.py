"""The matcher checks (compiler.checks.captures): SPEC251 for an unknown or ill-formed matcher,
SPEC250 for a comparison with a value no earlier step captures."""

from __future__ import annotations

from typing import Any

from compiler.checks.captures import check_step_captures
from compiler.diagnostics import Pos
from compiler.ir import ScenarioStep


def _step(kind: str, payload: Any = None, reply: Any = None, line: int = 1) -> ScenarioStep:
    return ScenarioStep(kind, "X", payload or {}, reply, None, "", Pos("s.yaml", line))


def _found(*steps: ScenarioStep) -> list[str]:
    return [f"{d.code} {d.found}" for d in check_step_captures(steps)]


def test_a_comparison_needs_an_earlier_capture_in_any_step_that_matches() -> None:
    later = {"v": {"$ge": "$start"}}
    assert _found(_step("expect", later)) == [
        "SPEC250 $ge compares with '$start', which no earlier step captures"
    ]
    captured = {"v": {"$capture": "start"}}
    for first in (
        _step("expect", captured),
        _step("observe", reply={"$is": {"$capture": "start"}}),
        _step("send", reply=captured),
        _step("send", reply={"$result": captured, "$error": "NotSupported"}),
        ScenarioStep(
            "any_order", "", {}, None, None, "", Pos("s.yaml"), items=(_step("expect", captured),)
        ),
    ):
        assert _found(first, _step("expect", later)) == [], first.kind
    # A step compares with what was captured before it, not with its own capture.
    assert _found(_step("expect", {"v": {"$ge": "$start", "$capture": "start"}})) != []
    # Replies sent, errors expected and no-reply expectations hold no matchers.
    assert _found(_step("send", reply={"$error": "X"}), _step("expect", later)) != []
    assert _found(_step("send", reply={"$none": True})) == []
    # $interval operands too; $now is the clock, not a capture.
    spaced = {"t": {"$interval": {"after": "$t0", "seconds": "$every"}}}
    assert len(_found(_step("expect", spaced))) == 2
    assert _found(_step("expect", {"t": {"$le": "$now"}})) == []


def test_unknown_and_ill_formed_matchers_are_named() -> None:
    bad = {
        "a": {"$gte": 1},
        "b": {"$capture": "Meter Start"},
        "c": {"$eq": 1, "$tolerance": -1},
        "d": {"$interval": {"after": "2026-01-01T00:00:00Z"}},
        "e": {"$eq": 1, "field": 2},
    }
    found = _found(_step("expect", bad))
    assert found == [
        "SPEC251 unknown matcher '$gte'",
        "SPEC251 $capture name 'Meter Start'",
        "SPEC251 $tolerance -1",
        "SPEC251 $interval {'after': '2026-01-01T00:00:00Z'}",
        "SPEC251 matcher $eq mixed with payload fields in one mapping",
    ]
    good = {"v": {"$all": [{"$ge": 1}, {"$le": 2, "$tolerance": 0.5}], "$capture": "v"}}
    assert _found(_step("expect", good)) == []
