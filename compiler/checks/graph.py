"""Structural checks on one machine's graph: states, initial state, reachability, determinism."""

from __future__ import annotations

from collections import defaultdict

from compiler.checks.common import did_you_mean, one_of
from compiler.diagnostics import Diagnostic, Pos
from compiler.ir import Machine, Transition

__all__ = ["check_graph", "reachable_states"]


def reachable_states(machine: Machine) -> set[str]:
    """States reachable from the initial state, ignoring guards (a guard may hold)."""
    initial = [s.name for s in machine.states if s.initial]
    seen = set(initial)
    frontier = list(initial)
    while frontier:
        current = frontier.pop()
        for t in machine.transitions:
            if t.source == current and t.target and t.target not in seen:
                seen.add(t.target)
                frontier.append(t.target)
    return seen


def _unknown_states(machine: Machine) -> list[Diagnostic]:
    names = [s.name for s in machine.states]
    found = []
    for t in machine.transitions:
        for role, state in (("from", t.source), ("to", t.target)):
            if state is not None and state not in names:
                found.append(
                    Diagnostic(
                        t.pos,
                        "SPEC201",
                        f"transition {t.id} goes {role} unknown state '{state}'",
                        one_of(names),
                        did_you_mean(state, names),
                    )
                )
    return found


def _initial(machine: Machine) -> list[Diagnostic]:
    initial = [s for s in machine.states if s.initial]
    if len(initial) == 1:
        return []
    where = initial[1].pos if len(initial) > 1 else machine.pos
    found = ", ".join(s.name for s in initial) if initial else "none"
    return [
        Diagnostic(
            where,
            "SPEC206",
            f"machine {machine.name} has {len(initial)} initial states ({found})",
            "expected exactly one state with 'initial: true'",
        )
    ]


def _unreachable(machine: Machine) -> list[Diagnostic]:
    if sum(1 for s in machine.states if s.initial) != 1:
        return []  # reachability means nothing without a single start
    reachable = reachable_states(machine)
    return [
        Diagnostic(
            s.pos,
            "SPEC207",
            f"state '{s.name}' cannot be reached from the initial state",
            "every state needs a path of transitions from the initial state",
            "add a transition into it or remove it",
        )
        for s in machine.states
        if s.name not in reachable
    ]


def _ambiguous(machine: Machine) -> list[Diagnostic]:
    unguarded = defaultdict(list)
    for t in machine.transitions:
        if t.guard is None:
            unguarded[(t.source, t.event)].append(t)
    found = []
    for (source, event), group in unguarded.items():
        for extra in group[1:]:
            found.append(
                Diagnostic(
                    extra.pos,
                    "SPEC208",
                    f"transitions {group[0].id} and {extra.id} both fire on '{event}' "
                    f"from '{source}' with no guard",
                    "at most one unguarded transition per event and state",
                    "add guards that tell them apart",
                )
            )
    return found


def _shadowed(machine: Machine) -> list[Diagnostic]:
    # The generated machine tries the transitions of a state on an event in the order they
    # are written and fires the first whose guard holds (docs/spec-language.md, Machines), so
    # a transition written after an unguarded one on the same state and event never fires.
    # Two unguarded ones are SPEC208; here the later one has a guard (its own or its target's
    # PICS gate). A spec entry with several sources ("*" or a list) is reported once, naming
    # the states where it is dead.
    first_unguarded: dict[tuple[str, str], Transition] = {}
    # (spec entry, event, shadowing id) -> the dead transition and the states where it is dead
    dead: dict[tuple[Pos, str, str], tuple[Transition, list[str]]] = {}
    for t in machine.transitions:
        shadow = first_unguarded.get((t.source, t.event))
        if shadow is not None and t.guard is not None:
            dead.setdefault((t.pos, t.event, shadow.id), (t, []))[1].append(t.source)
        if t.guard is None:
            first_unguarded.setdefault((t.source, t.event), t)
    found = []
    for (_, event, shadow_id), (t, sources) in dead.items():
        states = ", ".join(f"'{s}'" for s in sorted(sources))
        found.append(
            Diagnostic(
                t.pos,
                "SPEC237",
                f"transition {t.id} can never fire from {states} on '{event}': "
                f"{shadow_id}, written before it, fires there with no guard",
                "the first transition written whose guard holds is the one that fires, so a "
                "guarded transition must come before an unguarded one",
                f"move {t.id} above {shadow_id}, or give {shadow_id} a guard",
            )
        )
    return found


def _same_key(machine: Machine) -> list[Diagnostic]:
    # A transition's generated methods are named after its id, source state and event, so two
    # entries sharing all three would silently replace each other in the generated machine.
    first: dict[str, str] = {}
    found = []
    for t in machine.transitions:
        if t.key in first:
            found.append(
                Diagnostic(
                    t.pos,
                    "SPEC234",
                    f"transition id {t.id} is used twice from '{t.source}' on '{t.event}'",
                    "transitions with the same source and event need different ids",
                    f"give this one its own id, e.g. {t.id}b",
                )
            )
        first.setdefault(t.key, t.id)
    return found


def _traps(machine: Machine) -> list[Diagnostic]:
    leaving = {t.source for t in machine.transitions if t.target and t.target != t.source}
    return [
        Diagnostic(
            s.pos,
            "SPEC218",
            f"state '{s.name}' has no transition out of it",
            "a state without a way out must say 'final: true' (only a reboot leaves it)",
        )
        for s in machine.states
        if not s.final and s.name not in leaving
    ]


def check_graph(machine: Machine) -> list[Diagnostic]:
    """Unknown states, initial state, unreachable and trap states, ambiguous and shadowed
    transitions, transitions whose generated names would clash."""
    unknown = _unknown_states(machine)
    found = unknown + _initial(machine) + _ambiguous(machine) + _same_key(machine)
    found += _shadowed(machine) + _traps(machine)
    if not unknown:
        found += _unreachable(machine)
    return found
