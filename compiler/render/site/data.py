"""What a machine page knows, as plain JSON-ready data: states, transitions, conditions, the
drawn views' element ids, and (when a run is given) coverage.

The page's script reads this data; nothing in it is computed in the browser that could be
computed here. Everything is a pure function of the IR, the views and the coverage sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from compiler.expressions import Expr
from compiler.ir import Action, Machine, SpecSet, State, Transition
from compiler.render.diagrams.views import TransitionTable, View

__all__ = ["Coverage", "action_summary", "machine_data", "messages_of", "pics_of"]

Json = dict[str, Any]


@dataclass(frozen=True, slots=True)
class Coverage:
    """What a run exercised, and what would reach the rest.

    Attributes:
        fired: (machine name, transition key) of every transition the run took.
        reaching: (machine name, transition key) → generated tests whose derived path fires it.
        paths: (machine name, transition key) → the events that reach it from the initial
            state, for transitions no generated test reaches.
        sources: the run files the coverage was read from, for the page's caption.
    """

    fired: frozenset[tuple[str, str]]
    reaching: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    paths: Mapping[tuple[str, str], tuple[str, ...]] = field(default_factory=dict)
    sources: tuple[str, ...] = ()


def _text(expr: Expr | None) -> str:
    return " ".join(expr.text.split()) if expr is not None else ""


def _pairs(pairs: tuple[tuple[str, Expr], ...]) -> str:
    return ", ".join(f"{k}: {_text(v)}" for k, v in pairs)


def action_summary(action: Action) -> list[str]:
    """The effects of an action, one line each, in the order they run (send … set)."""
    lines = [f"if {_text(action.condition)}"] if action.condition is not None else []
    args = f" {{{_pairs(action.args)}}}" if action.args else ""
    if action.send:
        queued = f" (transaction {_text(action.transaction)})" if action.transaction else ""
        lines.append(f"send {action.send}{queued}{args}")
    if action.reply:
        lines.append(f"reply {action.reply}{args}")
    if action.invoke:
        lines.append(f"invoke station.{action.invoke}{args}")
    if action.raise_event:
        lines.append(f"raise {action.raise_event}{args}")
    if action.start_timer:
        lines.append(f"start timer {action.start_timer} after {_text(action.after)} s")
    if action.cancel_timer:
        lines.append(f"cancel timer {action.cancel_timer}")
    if action.set_config:
        lines.append(f"set configuration {{{_pairs(action.set_config)}}}")
    if action.sync_clock is not None:
        lines.append(f"set the clock to {_text(action.sync_clock)}")
    if action.assignments:
        lines.append(f"set {{{_pairs(action.assignments)}}}")
    return lines


def _line(source: str, line: int) -> str:
    return f"{source}:{line}"


def _actions(machine: Machine, names: tuple[str, ...]) -> list[Json]:
    known = {a.name: a for a in machine.actions}
    out = []
    for name in names:
        action = known.get(name)
        out.append(
            {
                "name": name,
                "effects": action_summary(action) if action else [],
                "at": _line(machine.source_file, action.pos.line) if action else "",
            }
        )
    return out


def messages_of(machine: Machine, t: Transition) -> list[str]:
    """OCPP messages a transition is about: the CALL or answer it takes, the ones it sends."""
    names = []
    namespace, _, name = t.event.partition(".")
    if namespace in ("ocpp", "result", "error", "timeout"):
        names.append(name)
    known = {a.name: a for a in machine.actions}
    for action_name in t.actions:
        action = known.get(action_name)
        if action is not None:
            names += [m for m in (action.send, action.reply) if m]
    return sorted(set(names))


def pics_of(t: Transition) -> list[str]:
    """PICS items a transition's guard reads (its target's gate included)."""
    refs = t.guard.references if t.guard is not None else ()
    return sorted({r.name for r in refs if r.namespace == "pics"})


def _coverage_entry(machine: Machine, t: Transition, cov: Coverage | None) -> Json:
    if cov is None:
        return {}
    ident = (machine.name, t.key)
    return {
        "covered": ident in cov.fired,
        "tests": list(cov.reaching.get(ident, ())),
        "path": list(cov.paths.get(ident, ())),
    }


def _transition(machine: Machine, t: Transition, cov: Coverage | None) -> Json:
    return {
        "id": t.id,
        "source": t.source,
        "target": t.target,
        "event": t.event,
        "condition": t.condition or "",
        "guard": _text(t.guard),
        "gate": t.gate or "",
        "actions": _actions(machine, t.actions),
        "refs": list(t.refs),
        "description": t.description,
        "at": _line(machine.source_file, t.pos.line),
        "messages": messages_of(machine, t),
        "pics": pics_of(t),
        **_coverage_entry(machine, t, cov),
    }


def _state(machine: Machine, s: State) -> Json:
    ts = machine.transitions
    return {
        "description": s.description,
        "refs": list(s.refs),
        "pics": s.pics or "",
        "initial": s.initial,
        "entry": _actions(machine, (*machine.entry, *s.entry)),
        "exit": _actions(machine, s.exit),
        "at": _line(machine.source_file, s.pos.line),
        "out": [t.key for t in ts if t.source == s.name and t.target is not None],
        "in": [t.key for t in ts if t.target == s.name],
        "internal": [t.key for t in ts if t.source == s.name and t.target is None],
    }


def _conditions(machine: Machine) -> Json:
    out: Json = {}
    for c in machine.conditions:
        out[c.name] = {
            "text": " ".join(c.text.split()),
            "expanded": _text(c.expr),
            "description": c.description,
            "at": _line(machine.source_file, c.pos.line),
        }
    return out


def _view(view: View) -> Json:
    return {
        "nodes": dict(sorted(view.nodes.items())),
        "edges": {
            e.id: {"keys": list(e.transitions), "source": e.source, "target": e.target}
            for e in view.edges
        },
    }


def _table(table: TransitionTable) -> Json:
    return {
        "title": table.title,
        "rows": [list(r) for r in table.rows],
        "columns": [list(c) for c in table.columns],
        "cells": [[a, b, list(keys)] for (a, b), keys in table.cells.items()],
        "others": list(table.others),
    }


def machine_data(
    spec: SpecSet,
    machine: Machine,
    views: list[View],
    table: TransitionTable,
    cov: Coverage | None,
) -> Json:
    """Everything the machine page's script shows, keyed by state name and transition key."""
    return {
        "name": machine.name,
        "profile": machine.profile,
        "spec": spec.manifest.title,
        "source": machine.source_file,
        "states": {s.name: _state(machine, s) for s in machine.states},
        "transitions": {t.key: _transition(machine, t, cov) for t in machine.transitions},
        "conditions": _conditions(machine),
        "views": {v.name: _view(v) for v in views},
        "table": _table(table),
        "coverage": cov is not None,
    }
