"""IR nodes of a state machine (machines/<name>.yaml): states, transitions, actions,
context and the values its model-derived tests try."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Pos
from compiler.expressions import Expr

__all__ = ["Action", "Condition", "ContextVar", "Machine", "State", "TestVariants", "Transition"]


@dataclass(frozen=True, slots=True)
class ContextVar:
    """A variable of a machine instance's context."""

    name: str
    kind: str
    default: Any
    param: bool
    optional: bool
    description: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Condition:
    """A named condition of a machine (``conditions:``), usable by name in any expression.

    Attributes:
        name: the snake_case name guards use.
        expr: the expression, with the conditions it uses and its bare literals substituted.
        text: the expression as the author wrote it (may name earlier conditions).
        description: what it means, in the spec's words ("" when not given).
    """

    name: str
    expr: Expr
    text: str
    description: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Action:
    """A named bundle of effects, run in this order: send, raise, timers, config, clock, set.

    Attributes:
        condition: the action runs only when this holds.
        send: message to send as a CALL, with ``args`` as its payload fields; ``transaction``
            (the local transaction reference) makes it a queued transaction-related message.
        reply: the received CALL this action answers, with ``args`` as the response payload.
        reply_error: with ``reply``: the CALLERROR code (OCPP-J 1.6 §4.2.3) it answers with
            instead of a response payload.
        invoke: station operation (station.yaml) to run, with ``args`` as its arguments.
        raise_event: internal event to raise, with ``args`` as its payload.
        assignments: context variables to set, evaluated before any is assigned.
    """

    name: str
    condition: Expr | None
    send: str | None
    outcome_handled: bool
    raise_event: str | None
    args: tuple[tuple[str, Expr], ...]
    start_timer: str | None
    after: Expr | None
    cancel_timer: str | None
    set_config: tuple[tuple[str, Expr], ...]
    sync_clock: Expr | None
    assignments: tuple[tuple[str, Expr], ...]
    pos: Pos
    reply: str | None = None
    invoke: str | None = None
    transaction: Expr | None = None
    reply_error: str | None = None


@dataclass(frozen=True, slots=True)
class State:
    """A state of a machine.

    Attributes:
        may_send: the CALLs the station may send while this state is active (None = all).
        answers_calls: False when incoming CALLs get no answer at all (Registration Rejected).
        pics: PICS item that must be true for the state to be entered.
        group: the states of one group are boxed together in the overview diagram ("": none).
    """

    name: str
    py_name: str
    initial: bool
    final: bool
    description: str
    refs: tuple[str, ...]
    pics: str | None
    entry: tuple[str, ...]
    exit: tuple[str, ...]
    may_send: tuple[str, ...] | None
    answers_calls: bool
    pos: Pos
    group: str = ""


@dataclass(frozen=True, slots=True)
class Transition:
    """One transition on one event (a spec entry with several events or sources gives several).

    Attributes:
        id: the spec's cell id (A2 … I8) or the author's id; not unique across events.
        key: unique name inside the machine: id, source and event.
        target: None for an internal transition (stays, runs actions, no entry/exit).
        guard: the condition as evaluated, already including the PICS gate of the target (named
            conditions expanded, ``else`` resolved).
        condition: the condition as the author wrote it, for display: a condition's name,
            ``else``, or the expression text; None when unguarded. Excludes the PICS gate.
        gate: the PICS item of the target state that gates this transition, or None.
        entry: index of the spec entry under ``transitions:`` this one came from (an entry
            with several sources or events gives several transitions with the same index).
        from_any: the spec entry said ``from: "*"`` (every state).
    """

    id: str
    key: str
    py_name: str
    source: str
    target: str | None
    event: str
    guard: Expr | None
    actions: tuple[str, ...]
    description: str
    refs: tuple[str, ...]
    pos: Pos
    condition: str | None = None
    gate: str | None = None
    entry: int = 0
    from_any: bool = False


@dataclass(frozen=True, slots=True)
class TestVariants:
    """Values the model-derived tests try: config and PICS variants, event payload examples."""

    config: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    pics: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    events: tuple[tuple[str, tuple[dict[str, Any], ...]], ...] = ()
    queries: tuple[tuple[str, tuple[Any, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Machine:
    """A state machine spec (machines/<name>.yaml)."""

    name: str
    module: str
    profile: str
    instance: str
    refs: tuple[str, ...]
    description: str
    context: tuple[ContextVar, ...]
    states: tuple[State, ...]
    entry: tuple[str, ...]
    transitions: tuple[Transition, ...]
    actions: tuple[Action, ...]
    events: tuple[str, ...]
    timers: tuple[str, ...]
    test: TestVariants
    source_file: str
    pos: Pos
    conditions: tuple[Condition, ...] = ()

    @property
    def initial(self) -> State:
        return next(s for s in self.states if s.initial)

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    def action(self, name: str) -> Action:
        return next(a for a in self.actions if a.name == name)
