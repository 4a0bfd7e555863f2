"""The PICS items of a spec set and what each one gates, computed from the specs.

Nothing here is written by hand in pics.yaml: an item gates a state that names it (``pics:``),
a transition whose guard reads ``pics.<Item>`` (the guard already includes the target state's
gate), an action whose condition or values read it, and a scenario that ``requires`` it (or
``not`` it) or sets it in its ``setup``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from compiler.expressions import Expr
from compiler.ir import Action, Machine, PicsItem, SpecSet
from runtime.spec.applicability import requirement

__all__ = ["PicsGates", "pics_gates"]


@dataclass(frozen=True, slots=True)
class PicsGates:
    """What one PICS item gates: ``Machine.State``, ``Machine: T1 (A → B on event)`` …"""

    item: PicsItem
    states: tuple[str, ...]
    transitions: tuple[str, ...]
    actions: tuple[str, ...]
    scenarios: tuple[str, ...]


def _reads(expr: Expr | None, name: str) -> bool:
    return expr is not None and any(
        r.namespace == "pics" and r.name == name for r in expr.references
    )


def _action_exprs(action: Action) -> Iterator[Expr | None]:
    yield from (action.condition, action.after, action.sync_clock, action.transaction)
    for _, expr in (*action.args, *action.set_config, *action.assignments):
        yield expr


def _machine_gates(machine: Machine, name: str) -> tuple[list[str], list[str], list[str]]:
    states = [f"{machine.name}.{s.name}" for s in machine.states if s.pics == name]
    transitions = [
        f"{machine.name}: {t.id} ({t.source} → {t.target or t.source} on {t.event})"
        for t in machine.transitions
        if _reads(t.guard, name)
    ]
    actions = [
        f"{machine.name}: {a.name}"
        for a in machine.actions
        if any(_reads(e, name) for e in _action_exprs(a))
    ]
    return states, transitions, actions


def pics_gates(spec: SpecSet) -> tuple[PicsGates, ...]:
    """Every PICS item, in the form's order, with what it gates."""
    gates = []
    for item in spec.pics:
        states: list[str] = []
        transitions: list[str] = []
        actions: list[str] = []
        for machine in spec.machines:
            found = _machine_gates(machine, item.name)
            states += found[0]
            transitions += found[1]
            actions += found[2]
        scenarios = [
            f"{s.id} (requires {r})"
            for s in spec.scenarios
            for r in s.requires
            if requirement(r)[0] == item.name
        ]
        scenarios += [
            f"{s.id} (setup {item.name}: {s.setup['pics'][item.name]})"
            for s in spec.scenarios
            if item.name in s.setup.get("pics", {})
        ]
        gates.append(
            PicsGates(item, tuple(states), tuple(transitions), tuple(actions), tuple(scenarios))
        )
    return tuple(gates)
