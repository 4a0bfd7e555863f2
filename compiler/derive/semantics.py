"""The spec's own semantics, as the model-path search runs them: firing an event at a machine
instance (a node: state, context, configuration) under one PICS/query variant gives the
transition taken, the effects it produces and the node after.

This interpreter is independent of the generated code (it reads the IR and evaluates its
expressions), so the tests derived with it compare two implementations. Lookups a firing
needs (transitions by state and event, actions by name) are indexed once per machine.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from compiler.expressions import compiled, evaluate
from compiler.ir import Action, Machine, Transition

__all__ = [
    "Firing",
    "Node",
    "Plan",
    "Program",
    "Step",
    "Variant",
    "by_source_and_event",
    "fire",
    "initial_context",
    "initial_node",
    "names_of",
    "pics_read",
    "plan_of",
    "take",
]

Step = tuple[str, dict[str, Any]]
_PARAM_VALUES = {"integer": 1, "string": "TEST", "boolean": False}


@dataclass(frozen=True, slots=True)
class Variant:
    config: dict[str, Any]
    pics: dict[str, Any]
    queries: dict[str, Any]


class Node(NamedTuple):
    """A machine instance as the search sees it. A named tuple, not a dataclass: the search
    hashes millions of them, and a tuple hashes in C."""

    state: str
    ctx: tuple[tuple[str, Any], ...]
    config: tuple[tuple[str, Any], ...]


@dataclass(frozen=True, slots=True)
class Firing:
    transition: Transition | None
    node: Node
    effects: list[tuple[Any, ...]]


def initial_context(machine: Machine) -> dict[str, Any]:
    """The context of a fresh instance, with the parameters the tests pass."""
    return {
        v.name: (None if v.optional else _PARAM_VALUES[v.kind]) if v.param else v.default
        for v in machine.context
    }


def names_of(
    node: Node, variant: Variant, msg: dict[str, Any], src: str, state: str
) -> dict[str, Any]:
    return {
        "config": dict(node.config),
        "pics": variant.pics,
        "ctx": dict(node.ctx),
        "msg": msg,
        "station": variant.queries,
        "source": src,
        "state": state,
    }


Program = Callable[[dict[str, Any], list[tuple[Any, ...]], dict[str, Any], dict[str, Any]], None]


def _program(action: Action) -> Program:  # noqa: C901 - the effects are decided once
    """The action as one function ``run(names, out, ctx, config)``: evaluates its condition and
    values in ``names``, appends its effects to ``out``, writes ``config`` and ``ctx``.

    A configuration write is not seen by the rest of the group (``names`` keeps the values
    the group began with); a context assignment is (``names['ctx']`` is replaced).
    """
    condition = compiled(action.condition) if action.condition is not None else None
    args = tuple((k, compiled(v)) for k, v in action.args)
    transaction = compiled(action.transaction) if action.transaction is not None else None
    after = compiled(action.after) if action.start_timer and action.after is not None else None
    writes = tuple((k, compiled(v)) for k, v in action.set_config)
    sync = compiled(action.sync_clock) if action.sync_clock is not None else None
    assigns = tuple((var, compiled(e)) for var, e in action.assignments)
    send, reply, invoke, raised = action.send, action.reply, action.invoke, action.raise_event
    error = ("reply_error", reply, action.reply_error) if reply and action.reply_error else None
    cancel = ("cancel_timer", action.cancel_timer) if action.cancel_timer else None

    def run(  # noqa: C901 - one branch per kind of effect
        names: dict[str, Any],
        out: list[tuple[Any, ...]],
        ctx: dict[str, Any],
        config: dict[str, Any],
    ) -> None:
        if condition is not None and not condition(names):
            return
        values = {k: f(names) for k, f in args}
        given = {k: v for k, v in values.items() if v is not None}
        if send:
            tx_ref = transaction(names) if transaction is not None else None
            out.append(("send", send, given) if tx_ref is None else ("send", send, given, tx_ref))
        if reply:
            out.append(error or ("reply", reply, given))
        if invoke:
            out.append(("invoke", invoke, dict(values)))  # None values too
        if raised:
            out.append(("raise", raised, given))
        if after is not None:
            out.append(("start_timer", action.start_timer, float(after(names))))
        if cancel is not None:
            out.append(cancel)
        for key, value in writes:
            config[key] = value(names)
            out.append(("set_config", key, config[key]))
        if sync is not None:
            out.append(("sync_clock", str(sync(names))))
        if assigns:
            ctx.update({var: value(names) for var, value in assigns})
            names["ctx"] = dict(ctx)

    return run


class _ReadLog(dict[str, Any]):
    """A PICS mapping that notes every item an expression reads (evaluate() calls get)."""

    def __init__(self, values: dict[str, Any]) -> None:
        super().__init__(values)
        self.read: set[str] = set()

    def get(self, key: str, default: Any = None) -> Any:
        self.read.add(key)
        return super().get(key, default)


def pics_read(
    machine: Machine, variant: Variant, path: list[Step], last: Step | None = None
) -> dict[str, Any]:
    """The PICS values a case depends on: the items its guards and actions read while its
    path (and ``last``, the step under test) is replayed, with the variant's values.

    A case that never reads an item applies to a device whatever it declares for it, so its
    ``pics`` mark names only these (issue: PICS selects the tests).
    """
    log = _ReadLog(variant.pics)
    replay = Variant(variant.config, log, variant.queries)
    node = initial_node(machine, replay)
    index = by_source_and_event(machine)
    for event, msg in [*path, *([last] if last is not None else [])]:
        if event == "$config":
            node = Node(node.state, node.ctx, tuple({**dict(node.config), **msg}.items()))
            continue
        fired = fire(machine, replay, node, event, msg, index)
        if fired is not None:
            node = fired.node
    return {name: variant.pics[name] for name in sorted(log.read) if name in variant.pics}


def by_source_and_event(machine: Machine) -> dict[tuple[str, str], list[Transition]]:
    """The transitions of each (state, event), in spec order (the order guards are tried)."""
    return plan_of(machine).by_event


@dataclass(frozen=True, slots=True)
class Plan:
    """What firing an event looks up, indexed once per machine instead of scanned per firing."""

    by_event: dict[tuple[str, str], list[Transition]]
    programs: dict[str, Program]
    exits: dict[str, tuple[str, ...]]
    entries: dict[str, tuple[str, ...]]
    rejected: dict[str, str | None]


# Keyed by the machine's id; the machine is kept in the value so the id is never reused.
_PLANS: dict[int, tuple[Machine, Plan]] = {}


def plan_of(machine: Machine) -> Plan:
    found = _PLANS.get(id(machine))
    if found is not None:
        return found[1]
    by_event: dict[tuple[str, str], list[Transition]] = {}
    for t in machine.transitions:
        by_event.setdefault((t.source, t.event), []).append(t)
    rejected = {}
    for s in machine.states:
        accepted = {t.event for t in machine.transitions if t.source == s.name}
        rejected[s.name] = min(set(machine.events) - accepted, default=None)
    plan = Plan(
        by_event,
        # the first action of a name wins, as Machine.action() finds it
        {a.name: _program(a) for a in reversed(machine.actions)},
        {s.name: s.exit for s in reversed(machine.states)},
        {s.name: machine.entry + s.entry for s in reversed(machine.states)},
        rejected,
    )
    _PLANS[id(machine)] = (machine, plan)
    return plan


def fire(
    machine: Machine,
    variant: Variant,
    node: Node,
    event: str,
    msg: dict[str, Any],
    index: dict[tuple[str, str], list[Transition]] | None = None,
) -> Firing | None:
    """What the spec says happens; None when no transition fires (the event is rejected)."""
    candidates = (index or plan_of(machine).by_event).get((node.state, event), [])
    names = names_of(node, variant, msg, node.state, node.state)
    for t in candidates:
        if t.guard is not None and not evaluate(t.guard, names):
            continue
        return take(plan_of(machine), variant, node, t, msg)
    return None


def take(plan: Plan, variant: Variant, node: Node, t: Transition, msg: dict[str, Any]) -> Firing:
    """Fire ``t`` (its guard passed): exit actions, its own actions, then entry actions."""
    ctx, config = dict(node.ctx), dict(node.config)
    effects: list[tuple[Any, ...]] = []
    target = t.target or node.state
    groups: list[tuple[tuple[str, ...], str]] = []
    if t.target is not None:
        groups.append((plan.exits[node.state], node.state))
    groups.append((t.actions, target))
    if t.target is not None:
        groups.append((plan.entries[target], target))
    for actions, state in groups:
        if not actions:
            continue
        # Each group reads the context and configuration as they were when it began; a
        # context assignment is seen by the next action of the group (see _program).
        names = {
            "config": dict(config),
            "pics": variant.pics,
            "ctx": dict(ctx),
            "msg": msg,
            "station": variant.queries,
            "source": node.state,
            "state": state,
        }
        for name in actions:
            plan.programs[name](names, effects, ctx, config)
    return Firing(t, Node(target, tuple(ctx.items()), tuple(config.items())), effects)


def initial_node(machine: Machine, variant: Variant) -> Node:
    """A fresh instance after the initial state's entry actions ran (their effects are not
    asserted; the generated tests drop them too)."""
    initial = machine.initial.name
    ctx, config = initial_context(machine), dict(variant.config)
    node = Node(initial, tuple(ctx.items()), tuple(config.items()))
    names = names_of(node, variant, {}, initial, initial)
    programs = plan_of(machine).programs
    for name in machine.entry + machine.initial.entry:
        programs[name](names, [], ctx, config)
    return Node(initial, tuple(ctx.items()), tuple(config.items()))
