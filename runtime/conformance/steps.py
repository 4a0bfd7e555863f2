"""Scenario steps as plain data: placeholders filled in, connector loops played per device,
and the answer a ``send`` step wants compared with the one that came.

Pure functions over the generated scenario data (docs/spec-language.md, "Scenarios"); the
runner (:mod:`runtime.conformance.runner`) plays the steps they prepare.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.conformance.dut import CallOutcome
from runtime.conformance.matching import mismatches
from runtime.ocppj.datetime import to_iso8601

__all__ = ["Step", "expand_connectors", "outcome_problem", "step_text", "substitute"]

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


def substitute(value: Any, now: float, values: Mapping[str, Any]) -> Any:
    """``value`` as JSON data (generated modules hold lists as tuples) with ``$now`` and
    ``$<name>`` of ``values`` filled in."""
    if isinstance(value, dict):
        return {k: substitute(v, now, values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [substitute(v, now, values) for v in value]
    if value == "$now":
        return to_iso8601(now)
    if isinstance(value, str) and value.startswith("$") and value[1:] in values:
        return values[value[1:]]
    return value


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


def step_text(step: Step) -> str:
    """A step in brief, for reports: ``expect StatusNotification``."""
    name = step.get("name") or ""
    return f"{step['kind']} {name}".strip()
