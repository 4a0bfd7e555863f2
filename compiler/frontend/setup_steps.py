"""Expand a scenario's setup into the steps the test system plays first, at build time.

Theory of operation: each ``setup`` entry that is not one of the test system's own keys
(:data:`~compiler.ir.scenario.SCENARIO_SETUP_KEYS`) selects the test state of
test_states.yaml whose ``selected_by`` names that key (``boot: accepted`` selects Booted;
``charging: {idTag: …}`` selects Charging with those parameters). Each selected state is
played after the states it names in ``after`` (taking their defaults), every state once, in
file order otherwise. A state's steps get their ``$<parameter>`` placeholders filled in
(an optional parameter that is not given removes the mapping entries and list items that are
exactly its placeholder) and their ``for_each_connector`` steps written out once per
connector, ``$connector`` standing for that connector's id.

The generated scenario data then carries plain steps: the runner knows no test state. What
only the run can know (``$now``, the run's ``values``) stays a placeholder. Nothing here
reports problems: an unknown key, parameter or state is left out, and the checks
(:mod:`compiler.checks.test_states`) say why; a spec with errors is never rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from compiler.ir import Scenario, ScenarioStep, StateSelection, TestState

__all__ = ["DEFAULT_CONNECTORS", "resolve_scenario", "selected_states", "setup_steps", "unroll"]

# A scenario whose setup names no number of connectors tests a one-connector station.
DEFAULT_CONNECTORS = 1

Arguments = Mapping[str, Any]


def _arguments(state: TestState, selection: StateSelection) -> Arguments | None:
    """The parameters ``selection`` gives ``state``, or None when it does not select it."""
    if selection.key != state.key:
        return None
    if state.value is None:
        return selection.value if isinstance(selection.value, dict) else None
    return {} if selection.value == state.value else None


def selected_states(
    states: Sequence[TestState], selections: Sequence[StateSelection]
) -> list[tuple[TestState, Arguments]]:
    """The states ``selections`` select, each preceded by the states it comes ``after``.

    Returns:
        (state, the parameters the setup gives it) in the order they are played.
    """
    by_name = {s.name: s for s in states}
    chosen: dict[str, Arguments] = {}
    for state in states:
        for selection in selections:
            arguments = _arguments(state, selection)
            if arguments is not None:
                chosen[state.name] = arguments
    ordered: dict[str, tuple[TestState, Arguments]] = {}

    def visit(name: str, trail: tuple[str, ...]) -> None:
        state = by_name.get(name)
        if state is None or name in ordered or name in trail:
            return  # an unknown or cyclic `after` (SPEC236)
        for before in state.after:
            visit(before, (*trail, name))
        ordered[name] = (state, chosen.get(name, {}))

    for name in chosen:
        visit(name, ())
    return list(ordered.values())


def _is_left_out(value: Any, left_out: frozenset[str]) -> bool:
    return isinstance(value, str) and value.startswith("$") and value[1:] in left_out


def _fill(value: Any, values: Arguments, left_out: frozenset[str]) -> Any:
    """``value`` with each ``$<name>`` of ``values`` replaced; entries that are exactly a
    placeholder of ``left_out`` are dropped."""
    if isinstance(value, dict):
        return {
            k: _fill(v, values, left_out) for k, v in value.items() if not _is_left_out(v, left_out)
        }
    if isinstance(value, list | tuple):
        return [_fill(v, values, left_out) for v in value if not _is_left_out(v, left_out)]
    if isinstance(value, str) and value.startswith("$") and value[1:] in values:
        return values[value[1:]]
    return value


def _instance(
    step: ScenarioStep,
    values: Arguments,
    left_out: frozenset[str],
    state: str,
    connector: int | None,
) -> ScenarioStep:
    return replace(
        step,
        payload=_fill(step.payload, values, left_out),
        reply=None if step.reply is None else _fill(step.reply, values, left_out),
        items=tuple(_instance(i, values, left_out, state, connector) for i in step.items),
        for_each_connector=None,
        state=state,
        connector=connector,
    )


def unroll(
    steps: Sequence[ScenarioStep],
    connectors: int,
    values: Arguments | None = None,
    left_out: frozenset[str] = frozenset(),
    state: str = "",
) -> tuple[ScenarioStep, ...]:
    """The steps as played: placeholders of ``values`` filled in, ``left_out`` ones dropped,
    and each ``for_each_connector`` step once per connector up to ``connectors``.

    Args:
        steps: the steps as written.
        connectors: the station's number of connectors.
        values: parameter values by name.
        left_out: optional parameters without a value.
        state: the test state the steps come from ("" for a scenario's own steps).
    """
    values = values or {}
    played = []
    for step in steps:
        if step.for_each_connector is None:
            played.append(_instance(step, values, left_out, state, None))
            continue
        for connector in range(step.for_each_connector, connectors + 1):
            bound = {**values, "connector": connector}
            played.append(_instance(step, bound, left_out, state, connector))
    return tuple(played)


def setup_steps(
    states: Sequence[TestState], selections: Sequence[StateSelection], connectors: int
) -> tuple[ScenarioStep, ...]:
    """Every step of the test states ``selections`` select, in the order they are played."""
    played: list[ScenarioStep] = []
    for state, arguments in selected_states(states, selections):
        values = {p.name: p.default for p in state.parameters if p.default is not None}
        values |= {k: v for k, v in arguments.items() if state.parameter(k) is not None}
        left_out = frozenset(p.name for p in state.parameters if p.name not in values)
        played += unroll(state.steps, connectors, values, left_out, state.name)
    return tuple(played)


def resolve_scenario(states: Sequence[TestState], scenario: Scenario) -> Scenario:
    """``scenario`` with its setup steps and its own steps as they are played."""
    connectors = int(scenario.setup.get("connectors", DEFAULT_CONNECTORS))
    return replace(
        scenario,
        setup_steps=setup_steps(states, scenario.selections, connectors),
        steps=unroll(scenario.steps, connectors),
    )
