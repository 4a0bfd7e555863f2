"""Regression test of our compiler's runtime (not conformance): the shared transition table
runs a generated machine exactly as python-statemachine's own engine does.

Every event path of the generated model tests (generated/regression/) is replayed on two
instances of the machine: one driven by :class:`SpecMachine` (the table), one driven by the
library's engine. After every event both must be in the same state, have produced the same
effects, and have raised the same kind of error. Each path is then continued with random
events the state accepts, their payloads taken from the paths' own payloads for that event
(seeded; bounded in count).
"""

from __future__ import annotations

import importlib
import pkgutil
import random
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from statemachine import StateMachine

import generated.regression.ocpp16 as regression
from runtime.conformance.model_checks import ModelEnv, effect_tuple
from runtime.spec.builtins import EMPTY_MSG
from runtime.spec.machine import SpecMachine

RANDOM_STEPS = 25
"""Random events fired after each path (bounded)."""

Step = tuple[str, Mapping[str, Any]]


def _modules() -> list[Any]:
    found = pkgutil.iter_modules(regression.__path__)
    names = [m.name for m in found if m.name.startswith("test_")]
    return [importlib.import_module(f"{regression.__name__}.{name}") for name in sorted(names)]


def _paths(module: Any) -> Iterator[tuple[int, tuple[Step, ...]]]:
    """Every (variant, path) of the module's parametrized cases, the step appended."""
    for value in vars(module).values():
        for mark in getattr(value, "pytestmark", ()):
            if mark.name != "parametrize":
                continue
            names = list(mark.args[0])
            for param in mark.args[1]:
                case = dict(zip(names, param.values, strict=True))
                path = tuple(case["path"])
                if "step" in case:
                    path += (case["step"],)
                yield case["variant"], path


def _env(module: Any, variant: int) -> ModelEnv:
    spec = module.VARIANTS[variant]
    return ModelEnv(spec["config"], spec["pics"], spec["queries"])


def _twins(module: Any, variant: int) -> tuple[SpecMachine, SpecMachine]:
    """Two fresh instances of the module's machine: one run by the table, one by the
    library's engine (its own __init__, which SpecMachine skips)."""
    cls = type(module._machine(variant)[0])
    ours = cls(_env(module, variant), module.make_context(module.PARAMS))
    theirs = object.__new__(cls)
    for name, value in (("env", _env(module, variant)), ("effects", []), ("effect_sink", None)):
        object.__setattr__(theirs, name, value)
    object.__setattr__(theirs, "on_transition", None)
    object.__setattr__(theirs, "ctx", module.make_context(module.PARAMS))
    StateMachine.__init__(theirs)
    return ours, theirs


def _outcome(machine: SpecMachine, event: str, msg: Mapping[str, Any], library: bool) -> Any:
    try:
        if library:
            StateMachine.send(machine, machine.EVENTS[event], msg=msg)
        else:
            machine.fire(event, msg)
    except Exception as error:  # the kind of error is what is compared
        return ("error", type(error).__name__)
    state = machine.current_state_value if library else machine.state_name
    return (state, [effect_tuple(e) for e in machine.take_effects()])


def _apply_config(env: ModelEnv, outcome: Any) -> None:
    # As in a station: a configuration write is seen by later guards.
    for effect in outcome[1] if outcome[0] != "error" else ():
        if effect[0] == "set_config":
            env.config[effect[1]] = effect[2]


def _compare(ours: SpecMachine, theirs: SpecMachine, steps: list[Step]) -> int:
    """Play ``steps`` on both; the number of events that fired a transition."""
    assert ours.state_name == theirs.current_state_value
    fired = 0
    assert [effect_tuple(e) for e in ours.take_effects()] == [
        effect_tuple(e) for e in theirs.take_effects()
    ]
    for index, (event, msg) in enumerate(steps):
        mine = _outcome(ours, event, msg, library=False)
        lib = _outcome(theirs, event, msg, library=True)
        assert mine == lib, (index, event, msg)
        fired += mine[0] != "error"
        _apply_config(ours.env, mine)  # type: ignore[arg-type]
        _apply_config(theirs.env, lib)  # type: ignore[arg-type]
    return fired


MODULES = _modules()


@pytest.mark.parametrize("module", MODULES, ids=[m.__name__.rpartition(".")[2] for m in MODULES])
def test_table_runs_every_model_path_like_the_library(module: Any) -> None:
    rng = random.Random(module.__name__)
    cases = list({repr(case): case for case in _paths(module)}.values())
    assert cases, "no model paths found"
    payloads: dict[str, list[Mapping[str, Any]]] = {}
    for _, path in cases:
        for event, msg in path:
            payloads.setdefault(event, []).append(msg)
    fired = 0
    for variant, path in cases:
        ours, theirs = _twins(module, variant)
        steps = [s for s in path if s[0] != "$config"]
        for _ in range(RANDOM_STEPS):
            events = sorted(type(ours).EVENTS)
            event = rng.choice(events)
            steps.append((event, rng.choice(payloads.get(event, [EMPTY_MSG]))))
        fired += _compare(ours, theirs, steps)
    # The paths were written to fire every transition; most events must have fired one.
    assert fired >= len(cases)
