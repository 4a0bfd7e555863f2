"""What every diagram view shares: grouped edges, their label lines, file names.

Everything here is computed from the IR alone and in spec order (states as the spec lists
them, then transitions as written), so the Graphviz and the Mermaid text agree with each other
and are byte-identical across runs.

Edge labels print what a reader needs to follow the machine: the event and the condition as
the author wrote it (:attr:`Transition.condition`: a condition's name, ``else`` or the text),
never the evaluated guard with its PICS gate, the actions or the spec refs; those are shown on
demand (tooltips, focus views, the site).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compiler.ir import Machine, SpecSet, State, Transition

__all__ = [
    "ANY",
    "Group",
    "external",
    "file_stem",
    "focus_groups",
    "internal",
    "machines",
    "overview_groups",
    "pack",
    "pics_label",
    "transition_text",
    "xml_comment",
]

ANY = "*"
"""Source of an edge drawn from the "any state" pseudo node."""

# An event taken the same way from at least this many states is drawn once, from "any state".
_ANY_MIN_SOURCES = 3
# Above this many edges an overview no longer fits a screen (ConnectorStatus, §4.9: 53 status
# changes between 9 states), so the two directions between a pair of states share one edge.
MERGE_ABOVE = 24
# An overview shows a condition up to this length; a longer one is cut (tooltip: all of it).
CONDITION_WIDTH = 60


@dataclass(frozen=True, slots=True)
class Group:
    """External transitions drawn as one edge, with the lines of its label (not wrapped)."""

    source: str
    target: str
    transitions: tuple[Transition, ...]
    lines: tuple[str, ...]
    both_ways: bool = False


def pack(pieces: Iterable[str], width: int) -> list[str]:
    """Join pieces with spaces into lines of at most ``width`` (a longer piece stays whole)."""
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines


def transition_text(t: Transition, *, with_id: bool, cut: int = 0) -> str:
    """``[<id>: ]<event>[ [<condition>]]``: what an edge or a state line says of a transition.

    ``cut`` > 0 shortens a longer condition to that many characters, ending in ``…``.
    """
    text = f"{t.id}: {t.event}" if with_id else t.event
    condition = t.condition or ""
    if cut and len(condition) > cut:
        condition = condition[: cut - 1].rstrip() + "…"
    return f"{text} [{condition}]" if condition else text


def internal(machine: Machine) -> tuple[Transition, ...]:
    """Transitions without a target, in spec order."""
    return tuple(t for t in machine.transitions if t.target is None)


def external(machine: Machine) -> tuple[Transition, ...]:
    """External transitions sorted by source state, target state, then spec order."""
    order = {s.name: i for i, s in enumerate(machine.states)}
    indexed = [(i, t) for i, t in enumerate(machine.transitions) if t.target is not None]
    indexed.sort(key=lambda it: (order[it[1].source], order[str(it[1].target)], it[0]))
    return tuple(t for _, t in indexed)


def _unique(texts: Iterable[str]) -> tuple[str, ...]:
    """The texts without repeats, in first-seen order."""
    return tuple(dict.fromkeys(texts))


def _any_state_line(t: Transition, missing: set[str]) -> str:
    """Label line of an any-state edge: the event, and the one state it does not leave."""
    text = transition_text(t, with_id=False, cut=CONDITION_WIDTH)
    return f"{text} (not from {next(iter(missing))})" if missing else text


def _any_state_groups(machine: Machine) -> tuple[dict[str, list[str]], set[str]]:
    """Lines of the edges from "any state" by target, and the keys of the transitions drawn so.

    Transitions sharing event, condition and target count as one rule; when the rule leaves
    every state (the target itself may be left out, and at most one other state), or came
    from a ``from: "*"`` entry, it is drawn once from the pseudo node instead of once per state.
    """
    names = {s.name for s in machine.states}
    rules: dict[tuple[str, str | None, str], list[Transition]] = {}
    for t in external(machine):
        rules.setdefault((t.event, t.condition, str(t.target)), []).append(t)
    lines: dict[str, list[str]] = {}
    keys: set[str] = set()
    for (_, _, target), ts in rules.items():
        sources = {t.source for t in ts}
        missing = names - sources - {target}
        spread = len(sources) >= _ANY_MIN_SOURCES and len(missing) <= 1
        if not (spread or all(t.from_any for t in ts)):
            continue
        lines.setdefault(target, []).append(_any_state_line(ts[0], missing))
        keys |= {t.key for t in ts}
    return lines, keys


def overview_groups(machine: Machine) -> tuple[Group, ...]:
    """The overview's edges: any-state edges first, then one edge per source/target pair.

    A pair's edge has one line per event (and condition) it is taken on; any-state edges are
    described by :func:`_any_state_groups`.
    """
    any_lines, any_keys = _any_state_groups(machine)
    groups: dict[tuple[str, str], list[Transition]] = {}
    for t in external(machine):
        source = ANY if t.key in any_keys else t.source
        groups.setdefault((source, str(t.target)), []).append(t)
    ordered = sorted(groups.items(), key=lambda item: item[0][0] != ANY)
    drawn = tuple(
        Group(
            source,
            target,
            tuple(ts),
            _unique(any_lines[target])
            if source == ANY
            else _unique(transition_text(t, with_id=False, cut=CONDITION_WIDTH) for t in ts),
        )
        for (source, target), ts in ordered
    )
    return _merge_opposite(drawn) if len(drawn) > MERGE_ABOVE else drawn


def _merge_opposite(groups: tuple[Group, ...]) -> tuple[Group, ...]:
    """Opposite edges between two states as one double-headed edge, at the first one's place.

    Its label says ``to <state>:`` before the lines of each direction.
    """
    by_pair = {(g.source, g.target): g for g in groups}
    merged: list[Group] = []
    done: set[tuple[str, str]] = set()
    for g in groups:
        back = by_pair.get((g.target, g.source))
        if (g.source, g.target) in done:
            continue
        if back is None or g.source in (ANY, g.target):
            merged.append(g)
            continue
        done.add((back.source, back.target))
        lines = (f"to {g.target}:", *(f"  {line}" for line in g.lines))
        lines += (f"to {g.source}:", *(f"  {line}" for line in back.lines))
        merged.append(Group(g.source, g.target, g.transitions + back.transitions, lines, True))
    return tuple(merged)


def focus_groups(machine: Machine, state: str) -> tuple[Group, ...]:
    """Every external transition into or out of ``state``: one edge per source/target pair,
    one line ``<id>: <event> [<condition>]`` per transition."""
    groups: dict[tuple[str, str], list[Transition]] = {}
    for t in external(machine):
        if state in (t.source, t.target):
            groups.setdefault((t.source, str(t.target)), []).append(t)
    return tuple(
        Group(s, d, tuple(ts), _unique(transition_text(t, with_id=True) for t in ts))
        for (s, d), ts in groups.items()
    )


def pics_label(state: State) -> str:
    """``[PICS <item>]`` for a PICS-gated state, else empty."""
    return f"[PICS {state.pics}]" if state.pics else ""


def file_stem(machine: Machine) -> str:
    """File name stem of a machine's diagrams: its module name, e.g. ``connector_status``."""
    return machine.module


def machines(spec: SpecSet) -> list[Machine]:
    """The machines sorted by name."""
    return sorted(spec.machines, key=lambda m: m.name)


def xml_comment(lines: list[str]) -> str:
    """An XML/HTML comment block, one line each; ``--`` (not allowed inside) is broken up."""
    body = "".join(f" {line.replace('--', '- -')}".rstrip() + "\n" for line in lines)
    return f"<!--\n{body}-->\n"
