"""Expand a scenario's setup into the steps the test system plays first, at build time.

Theory of operation: the test states whose ``selected_by`` is ``always`` are played first by
every scenario (Started: whatever earlier cases left is put away). Then the configuration
the scenario assumes is set over OCPP (:func:`config_steps`). Then each ``setup`` entry that is
not one of the test system's own keys (:data:`~compiler.ir.scenario.SCENARIO_SETUP_KEYS`)
selects the test state of test_states.yaml whose ``selected_by`` names that key
(``boot: accepted`` selects Booted; ``charging: {idTag: …}`` selects Charging with those
parameters). Each selected state is played after the states it names in ``after`` (taking
their defaults), every state once, in file order otherwise. A state's steps get their
``$<parameter>`` placeholders filled in (an optional parameter that is not given removes the
mapping entries and list items that are exactly its placeholder).

A ``for_each_connector`` step stays one step: the device's number of connectors is known only
when the test runs (the PICS of a real charge point), so the runner plays it once per
connector, ``$connector`` standing for that connector's id. What else only the run can know
(``$now``, ``"$now+<seconds>"``, the run's ``values`` such as the lab's idTags) stays a
placeholder too. Nothing here reports problems: an unknown key, parameter or state is left
out, and the checks (:mod:`compiler.checks.test_states`) say why; a spec with errors is
never rendered.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from compiler.diagnostics import Pos
from compiler.ir import ALWAYS, Scenario, ScenarioStep, StateSelection, TestState

__all__ = [
    "DEFAULT_CONNECTORS",
    "config_baseline",
    "config_steps",
    "resolve_scenario",
    "selected_states",
    "setup_steps",
    "unroll",
]

# A scenario whose setup names no number of connectors tests a one-connector station.
DEFAULT_CONNECTORS = 1
# The answers to a setup's ChangeConfiguration after which the read-back decides (§5.3):
# Rejected leaves the value as it was, which may already be the one the case needs.
_SET_ANSWERS = ("Accepted", "Rejected")

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

    for state in states:
        if state.key == ALWAYS:
            visit(state.name, ())
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
    values: Arguments | None = None,
    left_out: frozenset[str] = frozenset(),
    state: str = "",
) -> tuple[ScenarioStep, ...]:
    """The steps as played: placeholders of ``values`` filled in, ``left_out`` ones dropped.

    A ``for_each_connector`` step keeps its loop and its ``$connector``: the runner repeats it
    for every connector of the device under test.

    Args:
        steps: the steps as written.
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
        looped = {k: v for k, v in values.items() if k != "connector"}
        instance = _instance(step, looped, left_out, state, None)
        played.append(replace(instance, for_each_connector=step.for_each_connector))
    return tuple(played)


def _wire_value(value: Any) -> str:
    """A configuration value as ChangeConfiguration carries it (a string, §7.?)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def config_steps(
    config: Mapping[str, Any], baseline: Mapping[str, Any], pos: Pos
) -> tuple[ScenarioStep, ...]:
    """Set, over OCPP, the configuration a scenario assumes (OCPP 1.6 §5.3, §5.8).

    Every key of ``baseline`` (the keys some scenario sets, at the value the scenarios assume
    when they say nothing) is set first, whatever the answer: a key the device does not have
    or keeps read-only is left as it is. Then each key of the scenario's ``setup.config`` is
    set and must be read back with its value by GetConfiguration; when it is not, the case's
    precondition is not reached. The answer may be Rejected as well as Accepted: a key the
    device keeps read-only (§5.3: Rejected, no change) that already holds the value serves the
    case — AuthorizeRemoteTxRequests may be R or RW (§9.1.3), and the official cases then run
    with the device's value (OCTT TC_010_CS, TC_011_1_CS); a key the PICS pins at the value
    the case needs (StopTransactionOnEVSideDisconnect "always", errata E3.80;
    UnlockConnectorOnEVSideDisconnect with a fixed cable, E3.84) likewise — while the
    read-back still refuses any other value.
    """
    steps: list[ScenarioStep] = []

    def send(name: str, payload: dict[str, Any], reply: dict[str, Any], note: str) -> None:
        steps.append(
            ScenarioStep("send", name, payload, reply, None, note, pos, state="Configured")
        )

    for key, value in baseline.items():
        if key not in config:
            change = {"key": key, "value": _wire_value(value)}
            send("ChangeConfiguration", change, {"status": "$any"}, "")
    for key, value in config.items():
        change = {"key": key, "value": _wire_value(value)}
        send("ChangeConfiguration", change, {"status": {"$one_of": list(_SET_ANSWERS)}}, "")
    if config:
        read = [{"key": k, "value": _wire_value(v)} for k, v in config.items()]
        send(
            "GetConfiguration",
            {"key": list(config)},
            {"configurationKey": {"$contains": read}},
            "The configuration the case assumes is in place.",
        )
    return tuple(steps)


def setup_steps(
    states: Sequence[TestState],
    selections: Sequence[StateSelection],
    configured: Sequence[ScenarioStep] = (),
) -> tuple[ScenarioStep, ...]:
    """Every step of the test states ``selections`` select, in the order they are played;
    ``configured`` (the configuration steps) comes right after the states every scenario
    plays first."""
    played: list[ScenarioStep] = []
    pending = list(configured)
    for state, arguments in selected_states(states, selections):
        if state.key != ALWAYS and pending:
            played += pending
            pending = []
        values = {p.name: p.default for p in state.parameters if p.default is not None}
        values |= {k: v for k, v in arguments.items() if state.parameter(k) is not None}
        left_out = frozenset(p.name for p in state.parameters if p.name not in values)
        played += unroll(state.steps, values, left_out, state.name)
    return tuple(played + pending)


def config_baseline(scenarios: Sequence[Scenario], defaults: Mapping[str, Any]) -> dict[str, Any]:
    """The configuration every scenario assumes unless it says otherwise: each key some
    scenario sets (in its setup or with a ChangeConfiguration step) that has a default, at
    that default (``defaults``: key -> the simulated Charge Point's value). Setting them all
    before each case keeps one case's configuration from leaking into the next on a real
    device, where the configuration survives the reboot between cases (§9)."""
    keys: set[str] = set()
    for scenario in scenarios:
        keys.update(scenario.setup.get("config", {}))
        keys.update(
            str(step.payload.get("key"))
            for step in scenario.steps
            if step.kind == "send" and step.name == "ChangeConfiguration"
        )
    return {key: defaults[key] for key in sorted(keys) if defaults.get(key) is not None}


def resolve_scenario(
    states: Sequence[TestState], scenario: Scenario, baseline: Mapping[str, Any] | None = None
) -> Scenario:
    """``scenario`` with its setup steps and its own steps as they are played.

    Args:
        states: the test states of the spec set.
        scenario: the scenario as written.
        baseline: the configuration every scenario assumes unless its setup says otherwise
            (key -> value); set before the selected states are played.
    """
    config = scenario.setup.get("config", {})
    configured = config_steps(config, baseline or {}, scenario.pos)
    return replace(
        scenario,
        setup_steps=setup_steps(states, scenario.selections, configured),
        steps=unroll(scenario.steps),
        teardown=unroll(scenario.teardown),
    )
