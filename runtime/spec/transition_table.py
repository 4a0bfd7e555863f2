"""One machine class's transitions as a flat table, built once and shared by every instance.

Theory of operation: a generated machine is written as a python-statemachine class (its
states, its transitions with ``cond``/``on`` callbacks, its states' ``enter``/``exit``
callbacks); that class is what the diagrams and the model tests read. Running it through
python-statemachine's engine, however, costs every *instance* its own callback registry,
dispatcher and event queue: about 60 KB and 1.5 ms per machine, 25 machines per two-connector
station. A fleet of 10,000 stations cannot afford that.

So the class's definition is read once, here, into a :class:`TransitionTable`: for each
(state, event) the candidate transitions in declaration order, each with its guard functions
and the functions to run before and after the state changes. An instance then holds only its
current state; :func:`step` plays one event against the shared table. The order is the one
python-statemachine follows for a flat machine (the engine flags :class:`SpecMachine` sets):
the first candidate whose guards all hold fires; the source's ``exit``, the transition's
``on``, then the state change, then the target's ``enter``. An internal transition to its own
state neither exits nor enters. ``tests/runtime/test_transition_table.py`` drives both engines
with the same random events and compares every state and effect.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from statemachine import State

from runtime.errors import ChargespecError

__all__ = ["Candidate", "TableError", "TransitionTable", "build_table"]

# The names a generated callback may take; python-statemachine binds them by name, we bind
# them once here. ``source`` is the transition's source (the state left, for ``exit``).
_ARGUMENTS = ("source", "target", "msg")

Callback = Callable[..., Any]
"""A generated callback as an unbound function: called with (machine, *arguments)."""


class TableError(ChargespecError):
    """The machine class uses a python-statemachine feature the table does not run."""


@dataclass(frozen=True, slots=True)
class Bound:
    """One callback with the names of the arguments it takes, in its own order."""

    function: Callback
    arguments: tuple[str, ...]
    expected: bool = True
    """For a guard: the value it must return (False for an ``unless`` guard)."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """One transition that may fire on an event in a state.

    Attributes:
        guards: All must hold for the transition to fire.
        before: Run in the source state: the source's ``exit`` (external transitions only)
            and the transition's ``before``/``on``.
        after: Run in the target state: the target's ``enter`` (external transitions only)
            and the transition's ``after``.
    """

    source: State
    target: State
    target_name: str
    guards: tuple[Bound, ...]
    before: tuple[Bound, ...]
    after: tuple[Bound, ...]


@dataclass(frozen=True, slots=True)
class TransitionTable:
    """Everything an instance needs to run, derived from its class once."""

    initial: State
    initial_enter: tuple[Bound, ...]
    candidates: Mapping[tuple[str, str], tuple[Candidate, ...]]
    """(state value, event attribute) -> the transitions to try, in declaration order."""
    states: Mapping[str, State]


def _bind(cls: type, name: str) -> Bound | None:
    function = getattr(cls, name, None)
    if function is None:
        return None  # an unused naming convention (on_enter_state, before_transition, ...)
    if not callable(function):
        raise TableError(f"{cls.__name__}.{name} is not a method")
    parameters = list(inspect.signature(function).parameters)[1:]  # without self
    unknown = [p for p in parameters if p not in _ARGUMENTS]
    if unknown:
        raise TableError(f"{cls.__name__}.{name} takes {unknown}; the table passes {_ARGUMENTS}")
    return Bound(function, tuple(parameters))


def _callbacks(cls: type, specs: Any) -> tuple[Bound, ...]:
    bound = (_bind(cls, _spec_name(cls, spec)) for spec in specs)
    return tuple(b for b in bound if b is not None)


def _spec_name(cls: type, spec: Any) -> str:
    name = spec.func
    if not isinstance(name, str):
        raise TableError(f"{cls.__name__}: callback {name!r} is not named by a method")
    return name


def _guards(cls: type, specs: Any) -> tuple[Bound, ...]:
    guards = []
    for spec in specs:
        bound = _bind(cls, _spec_name(cls, spec))
        if bound is None:
            raise TableError(f"{cls.__name__}: guard {spec.func!r} has no method")
        guards.append(Bound(bound.function, bound.arguments, bool(spec.expected_value)))
    return tuple(guards)


def _candidate(cls: type, transition: Any) -> Candidate:
    if len(transition.targets) != 1 or list(transition.validators):
        raise TableError(f"{cls.__name__}: {transition} is not a plain transition")
    source, target = transition.source, transition.target
    enters = not (transition.internal and source is target)
    before = _callbacks(cls, transition.before) + _callbacks(cls, transition.on)
    after = _callbacks(cls, transition.after)
    if enters:
        before = _callbacks(cls, source.exit) + before
        after = _callbacks(cls, target.enter) + after
    guards = _guards(cls, transition.cond)
    return Candidate(source, target, str(target.value), guards, before, after)


def build_table(cls: type) -> TransitionTable:
    """Read a generated machine class's definition into its table.

    Raises:
        TableError: the class uses compound/parallel states, validators, multi-target
            transitions or callbacks that are not methods (the compiler never writes them).
    """
    states = list(cls.states)  # type: ignore[attr-defined]
    if any(s.parallel or s.is_compound for s in states):
        raise TableError(f"{cls.__name__}: compound and parallel states are not supported")
    candidates: dict[tuple[str, str], list[Candidate]] = {}
    for state in states:
        for transition in state.transitions:
            for event in transition.events:
                key = (state.value, event.id)
                candidates.setdefault(key, []).append(_candidate(cls, transition))
    initial = next(s for s in states if s.initial)
    return TransitionTable(
        initial=initial,
        initial_enter=_callbacks(cls, initial.enter),
        candidates={key: tuple(found) for key, found in candidates.items()},
        states={s.value: s for s in states},
    )


def call(machine: object, bound: Bound, arguments: Mapping[str, Any]) -> Any:
    """Call one callback on ``machine`` with the arguments it takes."""
    return bound.function(machine, *[arguments[name] for name in bound.arguments])
