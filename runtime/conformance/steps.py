"""Scenario steps as plain data: placeholders filled in, connector loops played per device,
and the answer a ``send`` step wants compared with the one that came.

Pure functions over the generated scenario data (docs/spec-language.md, "Scenarios"); the
runner (:mod:`runtime.conformance.runner`) plays the steps they prepare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.conformance.dut import CallOutcome
from runtime.conformance.matching import match, mismatches
from runtime.ocppj.datetime import to_iso8601
from runtime.spec.matchers import COMPARISONS, INTERVAL, INTERVAL_FIELDS, NOW_OFFSET, is_matcher

__all__ = [
    "Step",
    "expand_connectors",
    "outcome_captures",
    "outcome_problem",
    "step_text",
    "substitute",
]

Step = Mapping[str, Any]


def _bind_connector(value: Any, connector: int) -> Any:
    if isinstance(value, dict):
        return {k: _bind_connector(v, connector) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_bind_connector(v, connector) for v in value]
    return connector if value == "$connector" else value


def expand_connectors(steps: Sequence[Step], connectors: int) -> list[Step]:
    """The steps as played on a device with ``connectors`` connectors: each
    ``for_each_connector`` step once per connector from its first id, ``$connector`` bound."""
    played: list[Step] = []
    for step in steps:
        first = step.get("for_each_connector")
        if first is None:
            played.append(step)
            continue
        for connector in range(int(first), connectors + 1):
            bound = {k: v for k, v in step.items() if k != "for_each_connector"}
            bound = _bind_connector(bound, connector)
            bound["at"] = f"{step.get('at', '?')} (connector {connector})"
            played.append(bound)
    return played


def substitute(
    value: Any,
    now: float,
    values: Mapping[str, Any],
    captured: Mapping[str, Any] | None = None,
) -> Any:
    """``value`` as JSON data (generated modules hold lists as tuples) with ``$now``,
    ``"$now+<seconds>"`` (``"$now-<seconds>"``: that far from the test system's clock) and
    ``$<name>`` of ``values`` filled in; an operand of a comparison matcher (``{$ge:
    $meter_start}``, ``$interval``'s ``after`` and ``seconds``) written ``$<name>`` is the
    value an earlier step captured under that name (docs/spec-language.md, "Matching")."""
    if isinstance(value, dict):
        filled = {k: substitute(v, now, values, captured) for k, v in value.items()}
        if captured and is_matcher(value):
            _fill_operands(filled, captured)
        return filled
    if isinstance(value, list | tuple):
        return [substitute(v, now, values, captured) for v in value]
    if value == "$now":
        return to_iso8601(now)
    offset = NOW_OFFSET.fullmatch(value) if isinstance(value, str) else None
    if offset is not None:
        return to_iso8601(now + int(offset.group(1)))
    if isinstance(value, str) and value.startswith("$") and value[1:] in values:
        return values[value[1:]]
    return value


def _captured(operand: Any, captured: Mapping[str, Any]) -> Any:
    if isinstance(operand, str) and operand.startswith("$") and operand[1:] in captured:
        return captured[operand[1:]]
    return operand


def _fill_operands(matcher: dict[str, Any], captured: Mapping[str, Any]) -> None:
    """Put the captured values in for the ``$<name>`` operands of ``matcher``."""
    for key, operand in list(matcher.items()):
        if key in COMPARISONS:
            matcher[key] = _captured(operand, captured)
        elif key == INTERVAL and isinstance(operand, dict):
            matcher[key] = {
                k: _captured(v, captured) if k in INTERVAL_FIELDS else v for k, v in operand.items()
            }


def outcome_problem(expectation: Mapping[str, Any], outcome: CallOutcome) -> str | None:
    """What is wrong with the answer to a CALL of the test system, or None.

    ``expectation`` is the IR form: ``{"$none": True}`` (no answer at all), ``{"$error": code}``
    (a CALLERROR), ``{"$result": {...}, "$error": code}`` (either), or a result payload.
    """
    if "$none" in expectation:
        answered = outcome.result is not None or outcome.error_code is not None
        return f"expected no answer, got {outcome}" if answered else None
    wanted_error = expectation.get("$error")
    error_only = "$error" in expectation and "$result" not in expectation
    wanted_result = None if error_only else expectation.get("$result", expectation)
    error_ok = (
        wanted_error is not None
        and outcome.error_code is not None
        and not mismatches({"code": wanted_error}, {"code": outcome.error_code})
    )
    result_ok = (
        wanted_result is not None
        and outcome.result is not None
        and not mismatches(wanted_result, outcome.result)
    )
    if error_ok or result_ok:
        return None
    if wanted_result is not None and outcome.result is not None:
        # Name the differing fields, not the whole payload.
        fields = "; ".join(mismatches(wanted_result, outcome.result))
        either = f" (or CALLERROR {wanted_error})" if wanted_error is not None else ""
        return f"the answer does not match{either}: {fields}"
    wanted = []
    if wanted_result is not None:
        wanted.append(f"a result matching {wanted_result}")
    if wanted_error is not None:
        wanted.append(f"CALLERROR {wanted_error}")
    return f"expected {' or '.join(wanted)}, got {outcome}"


def outcome_captures(expectation: Mapping[str, Any], outcome: CallOutcome) -> dict[str, Any]:
    """What the ``$capture`` matchers of the expected result took from the answer (nothing
    when no result was expected or none came)."""
    error_only = "$error" in expectation and "$result" not in expectation
    if "$none" in expectation or error_only or outcome.result is None:
        return {}
    return match(expectation.get("$result", expectation), outcome.result).captured


def step_text(step: Step) -> str:
    """A step in brief, for reports: ``expect StatusNotification``."""
    name = step.get("name") or ""
    return f"{step['kind']} {name}".strip()
