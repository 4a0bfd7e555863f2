"""Checks on the reusable test states (test_states.yaml) and on the scenario setups that
select them.

A test state's steps are checked like a scenario's (:func:`check_steps`); each ``$name`` in
them must be one of its parameters, ``$connector`` inside a ``for_each_connector`` step, or
a value only the run knows (SPEC235). ``after`` must name test states, without a cycle
(SPEC236), and no two states may be selected by the same setup entry (SPEC214). A scenario's
setup may hold, besides the test system's own keys, only keys that select a test state
(SPEC101), with a value that selects it (SPEC103, SPEC104); the parameters it gives must be
the state's (SPEC235), fit their type and limits (SPEC103, SPEC104), and include every
parameter without a default (SPEC102).
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from compiler.checks.common import did_you_mean, one_of
from compiler.checks.scenarios import check_steps
from compiler.diagnostics import Diagnostic, Pos
from compiler.ir import Scenario, SpecSet, StateSelection, TestParameter, TestState
from compiler.ir.scenario import DEMO_SETUP_KEYS, SCENARIO_SETUP_KEYS
from runtime.spec.matchers import NOW_OFFSET

__all__ = ["check_test_states"]

# Placeholders the runner fills in or matches at run time (docs/spec-language.md, Matching);
# "$now+<seconds>" (NOW_OFFSET) too.
_RUN_TIME = ("$absent", "$any", "$now")
_TYPE_NAMES = {bool: "a boolean", int: "an integer", str: "a string", dict: "a mapping"}


def _type_name(value: object) -> str:
    if value is None:
        return "empty (null)"
    return _TYPE_NAMES.get(type(value), "a " + type(value).__name__)


def _misfit(param: TestParameter, value: object, pos: Pos, where: str) -> Diagnostic | None:
    """SPEC103 when ``value`` is not of the parameter's type, SPEC104 when it breaks a limit.

    A ``$<name>`` string is a value only the run knows (the lab's idTags, the connector under
    test, from dut.yaml); the runner fills it in, so it fits any type here.
    """
    if isinstance(value, str) and value.startswith("$"):
        return None
    is_int = isinstance(value, int) and not isinstance(value, bool)
    if (param.type == "integer" and not is_int) or (
        param.type == "string" and not isinstance(value, str)
    ):
        return Diagnostic(
            pos, "SPEC103", f"{where} is {_type_name(value)}", f"expected {param.type}"
        )
    limits = param.limits
    expected = ""
    if isinstance(value, int) and value < limits.get("minimum", value):
        expected = f"expected at least {limits['minimum']}"
    elif isinstance(value, str) and len(value) < limits.get("minLength", 0):
        expected = f"expected at least {limits['minLength']} character(s)"
    elif isinstance(value, str) and len(value) > limits.get("maxLength", len(value)):
        expected = f"expected at most {limits['maxLength']} character(s)"
    if not expected:
        return None
    return Diagnostic(pos, "SPEC104", f"{json.dumps(value)} is not allowed for {where}", expected)


def _placeholders(value: object) -> Iterator[str]:
    if isinstance(value, dict):
        for item in value.values():
            yield from _placeholders(item)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _placeholders(item)
    elif isinstance(value, str) and value.startswith("$"):
        yield value


def _unknown_placeholders(state: TestState) -> list[Diagnostic]:
    found = []
    names = [f"${p.name}" for p in state.parameters]
    for top in state.steps:
        loop = ["$connector"] if top.for_each_connector is not None else []
        allowed = sorted({*names, *loop, *_RUN_TIME})
        for step in (top, *top.items):
            for used in _placeholders([step.payload, step.reply]):
                if used not in allowed and NOW_OFFSET.fullmatch(used) is None:
                    found.append(
                        Diagnostic(
                            step.pos,
                            "SPEC235",
                            f"test state {state.name} uses unknown parameter '{used}'",
                            one_of(allowed),
                            did_you_mean(used, allowed),
                        )
                    )
    return found


def _after_problems(spec: SpecSet, state: TestState) -> list[Diagnostic]:
    """``after`` naming an unknown state, or leading back to ``state``."""
    names = [s.name for s in spec.test_states]
    found = [
        Diagnostic(
            state.pos,
            "SPEC236",
            f"test state {state.name} comes after unknown test state '{name}'",
            one_of(names),
            did_you_mean(name, names),
        )
        for name in state.after
        if spec.test_state(name) is None
    ]
    seen: set[str] = set()
    todo = list(state.after)
    while todo:  # bounded: each state is expanded once
        name = todo.pop()
        before = spec.test_state(name)
        if name in seen or before is None:
            continue
        seen.add(name)
        todo += before.after
    if state.name in seen:
        found.append(
            Diagnostic(
                state.pos,
                "SPEC236",
                f"test state {state.name} comes after itself",
                "'after' chains may not form a cycle",
            )
        )
    return found


def _same_selection(spec: SpecSet) -> list[Diagnostic]:
    found = []
    for index, state in enumerate(spec.test_states):
        for earlier in spec.test_states[:index]:
            values = (earlier.value, state.value)
            if earlier.key == state.key and (None in values or values[0] == values[1]):
                found.append(
                    Diagnostic(
                        state.pos,
                        "SPEC214",
                        f"test states {earlier.name} and {state.name} are both selected by "
                        f"setup '{state.key}'",
                        "a setup key selects one test state per value",
                    )
                )
    return found


def _state_problems(spec: SpecSet, state: TestState) -> list[Diagnostic]:
    found = check_steps(spec, state.steps) + _unknown_placeholders(state)
    found += _after_problems(spec, state)
    for p in state.parameters:
        if p.default is not None:
            where = f"the default of parameter '{p.name}' of test state {state.name}"
            found += [d for d in [_misfit(p, p.default, p.pos, where)] if d is not None]
    return found


def _arguments(sc: Scenario, sel: StateSelection, state: TestState) -> list[Diagnostic]:
    """The parameters a setup gives a state selected by a mapping."""
    found = []
    names = [p.name for p in state.parameters]
    for name, value in sel.value.items():
        param = state.parameter(name)
        pos = sel.argument_pos.get(name, sel.pos)
        if param is None:
            found.append(
                Diagnostic(
                    pos,
                    "SPEC235",
                    f"scenario {sc.id} gives test state {state.name} unknown parameter '{name}'",
                    one_of(names),
                    did_you_mean(name, names),
                )
            )
            continue
        where = f"scenario {sc.id}, parameter '{name}' of test state {state.name}"
        found += [d for d in [_misfit(param, value, pos, where)] if d is not None]
    for param in state.parameters:
        if param.required and param.name not in sel.value:
            found.append(
                Diagnostic(
                    sel.pos,
                    "SPEC102",
                    f"scenario {sc.id}, setup '{sel.key}' has no '{param.name}'",
                    f"test state {state.name} needs '{param.name}'",
                )
            )
    return found


def _selection(sc: Scenario, sel: StateSelection, states: list[TestState]) -> list[Diagnostic]:
    """One setup entry against the states selected by its key (at least one)."""
    where = f"scenario {sc.id}, setup '{sel.key}'"
    if states[0].value is None:
        if isinstance(sel.value, dict):
            return _arguments(sc, sel, states[0])
        names = ", ".join(p.name for p in states[0].parameters)
        expected = f"expected a mapping of parameters of test state {states[0].name} ({names})"
        return [Diagnostic(sel.pos, "SPEC103", f"{where} is {_type_name(sel.value)}", expected)]
    values = [s.value for s in states if s.value is not None]
    expected = one_of(values)
    if not isinstance(sel.value, str):
        return [Diagnostic(sel.pos, "SPEC103", f"{where} is {_type_name(sel.value)}", expected)]
    if sel.value in values:
        return []
    hint = did_you_mean(sel.value, values)
    found = f"{json.dumps(sel.value)} is not allowed for {where}"
    return [Diagnostic(sel.pos, "SPEC104", found, expected, hint)]


def _setup_problems(spec: SpecSet, sc: Scenario, fixed: tuple[str, ...]) -> list[Diagnostic]:
    keys = sorted({*fixed, *(s.key for s in spec.test_states)})
    found = []
    for sel in sc.selections:
        states = [s for s in spec.test_states if s.key == sel.key]
        if states:
            found += _selection(sc, sel, states)
            continue
        found.append(
            Diagnostic(
                sel.key_pos,
                "SPEC101",
                f"unknown field '{sel.key}' in scenario {sc.id}, 'setup'",
                one_of(keys),
                did_you_mean(sel.key, keys),
            )
        )
    return found


def check_test_states(spec: SpecSet) -> list[Diagnostic]:
    """Check every test state, and every scenario's (and the demo's) choice of them."""
    found = _same_selection(spec)
    for state in spec.test_states:
        found += _state_problems(spec, state)
    if f"{spec.root}/test_states.yaml" in spec.files and not spec.test_states:
        # The file is there but was left out for its own (reported) problems: every setup
        # key would look unknown.
        return found
    for sc in spec.scenarios:
        found += _setup_problems(spec, sc, SCENARIO_SETUP_KEYS)
    if spec.demo is not None:
        found += _setup_problems(spec, spec.demo, DEMO_SETUP_KEYS)
    return found
