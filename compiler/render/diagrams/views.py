"""Diagram views of a machine as Graphviz source: the overview and one focus view per state.

The overview fits a 1,920 px screen at 100 %: one edge per source/target pair with a line per
event, rules that leave every state drawn once from an "any state" pseudo node, and internal
transitions only counted inside their state. A focus view shows one state with everything that
enters or leaves it, its internal transitions and its entry/exit actions, with full labels
``<id>: <event> [<condition>]``.

Every node and edge carries an ``id`` (``state-<name>``, ``state-any``, ``edge-<n>``; the
initial point and its edge are ``initial`` and ``edge-initial``) and a ``tooltip``, so the SVG
Graphviz draws can be scripted: :class:`View` maps those ids back to states and transitions.
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from compiler.ir import Machine, SpecSet, State, Transition
from compiler.render.diagrams.model import (
    ANY,
    Group,
    focus_groups,
    internal,
    overview_groups,
    pack,
    pics_label,
    transition_text,
)
from compiler.render.diagrams.table import TransitionTable, transition_table
from compiler.render.env import header, render_template

__all__ = ["DrawnEdge", "TransitionTable", "View", "focus", "overview", "transition_table"]

FONT = "Helvetica"
NODE_SIZE = 11
EDGE_SIZE = 10
EDGE_LABEL_WIDTH = 24
FOCUS_LABEL_WIDTH = 48
NODE_LINE_WIDTH = 60
ANY_NODE = "__any"
START_NODE = "__start"


@dataclass(frozen=True, slots=True)
class DrawnEdge:
    """One drawn edge.

    Attributes:
        id: the Graphviz ``id`` attribute (the SVG ``<g id=...>``); unique in its view.
        source: state name, or ``"*"`` for the any-state pseudo node.
        target: state name.
        transitions: :attr:`Transition.key` of every transition the edge stands for. A
            double-headed edge (a crowded overview draws both directions between two states
            as one) keeps the first direction as source and target and holds the keys of both.
    """

    id: str
    source: str
    target: str
    transitions: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class View:
    """One diagram of a machine.

    Attributes:
        name: ``"overview"``, or the state name for a focus view.
        dot: Graphviz source (deterministic text, with the generated-file header).
        nodes: SVG element id → state name (``"*"`` for the any-state pseudo node).
        edges: the drawn edges, in the order of their ids.
    """

    name: str
    dot: str
    nodes: dict[str, str]
    edges: tuple[DrawnEdge, ...]


@dataclass(frozen=True, slots=True)
class _Statement:
    """A node (``name``, ``attrs``) or an edge (``source`` -> ``target``, ``attrs``) of the DOT."""

    name: str
    attrs: str
    source: str = ""
    target: str = ""


@dataclass(frozen=True, slots=True)
class Cluster:
    """States the spec groups (``group:``), boxed together in the overview."""

    name: str
    label: str
    nodes: tuple[_Statement, ...]


def _string(text: str) -> str:
    """A quoted DOT string; newlines become centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _attrs(pairs: dict[str, str]) -> str:
    """``key=value`` pairs of a DOT attribute list (values already quoted where needed)."""
    return ", ".join(f"{k}={v}" for k, v in pairs.items())


def _node_name(state: str) -> str:
    """The DOT node name of a state (always quoted, so no name clashes with a keyword)."""
    return ANY_NODE if state == ANY else _string(state)


def node_id(state: str) -> str:
    """The SVG id of a state's node: ``state-<name>``, or ``state-any`` for the pseudo node."""
    return "state-any" if state == ANY else f"state-{state}"


def _edge_label(lines: tuple[str, ...], width: int) -> str:
    """A left-justified DOT label: each line wrapped at spaces, continuations indented."""
    out: list[str] = []
    for line in lines:
        text = line.lstrip(" ")
        indent = line[: len(line) - len(text)]
        wrapped = pack(text.split(" "), width - len(indent))
        out += [indent + wrapped[0], *(indent + "  " + rest for rest in wrapped[1:])]
    escaped = (line.replace("\\", "\\\\").replace('"', '\\"') for line in out)
    return '"' + "".join(f"{line}\\l" for line in escaped) + '"'


def _html_label(title: str, lines: list[str], items: list[str]) -> str:
    """An HTML-like node label: bold title, centred lines, then left-aligned items."""
    rows = [f"<TR><TD><B>{html.escape(title, quote=False)}</B></TD></TR>"]
    rows += [f"<TR><TD>{html.escape(line, quote=False)}</TD></TR>" for line in lines]
    if items:
        rows.append("<HR/>")
    for item in items:
        text = "<BR/>".join(html.escape(p, quote=False) for p in pack(item.split(" "), 60))
        rows.append(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{text}</TD></TR>')
    table = '<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
    return f"<{table}{''.join(rows)}</TABLE>>"


def _state_tooltip(state: State) -> str:
    """A state's description, PICS gate and entry/exit actions, one per line."""
    lines = [state.description or state.name, pics_label(state)]
    if state.entry:
        lines.append("entry / " + ", ".join(state.entry))
    if state.exit:
        lines.append("exit / " + ", ".join(state.exit))
    return "\n".join(line for line in lines if line)


def _state_node(state: State, lines: list[str], items: list[str]) -> _Statement:
    """A state's node: dashed when PICS-gated, the PICS item under its name."""
    style = "rounded,dashed" if state.pics else "rounded"
    pics = [pics_label(state)] if state.pics else []
    attrs = {
        "id": _string(node_id(state.name)),
        "style": _string(style),
        "tooltip": _string(_state_tooltip(state)),
        "label": _html_label(state.name, pics + lines, items),
    }
    return _Statement(_node_name(state.name), _attrs(attrs))


def _special_nodes(machine: Machine, any_state: bool) -> list[_Statement]:
    """The initial point and, when used, the any-state pseudo node."""
    start = {
        "id": '"initial"',
        "shape": "point",
        "width": "0.15",
        "label": '""',
        "tooltip": _string(f"initial state: {machine.initial.name}"),
    }
    nodes = [_Statement(START_NODE, _attrs(start))]
    if any_state:
        pseudo = {
            "id": _string(node_id(ANY)),
            "shape": "box",
            "style": '"rounded,dotted"',
            "tooltip": '"any state: the rule is taken the same way in every state"',
            "label": '"any state"',
        }
        nodes.append(_Statement(ANY_NODE, _attrs(pseudo)))
    return nodes


def _edges(groups: tuple[Group, ...], width: int) -> tuple[list[_Statement], tuple[DrawnEdge, ...]]:
    """DOT edges ``edge-1`` … of the groups, and the :class:`DrawnEdge` of each."""
    statements: list[_Statement] = []
    drawn: list[DrawnEdge] = []
    for n, group in enumerate(groups, start=1):
        edge_id = f"edge-{n}"
        tooltip = "\n".join(
            dict.fromkeys(transition_text(t, with_id=True) for t in group.transitions)
        )
        attrs = {
            "id": _string(edge_id),
            "tooltip": _string(tooltip),
            "label": _edge_label(group.lines, width),
        }
        if group.both_ways:
            attrs["dir"] = "both"
        statements.append(
            _Statement("", _attrs(attrs), _node_name(group.source), _node_name(group.target))
        )
        drawn.append(
            DrawnEdge(edge_id, group.source, group.target, tuple(t.key for t in group.transitions))
        )
    return statements, tuple(drawn)


def _graph_label(spec: SpecSet, machine: Machine, what: str) -> str:
    """HTML-like graph label: machine and view, profile, instance, machine-wide entry."""
    lines = [
        f"<B>{html.escape(f'{machine.name}: {what}', quote=False)}</B>",
        html.escape(
            f"{spec.manifest.title}, {machine.profile} profile, instance: {machine.instance}",
            quote=False,
        ),
    ]
    if machine.entry:
        lines.append(html.escape("every state: entry / " + ", ".join(machine.entry), quote=False))
    return "<" + '<BR ALIGN="LEFT"/>'.join(lines) + '<BR ALIGN="LEFT"/>>'


def _graph_attrs(spec: SpecSet, machine: Machine, name: str) -> dict[str, str]:
    """Graph attributes of a view: its id, layout direction and spacing, and its title."""
    overview_view = name == "overview"
    return {
        "id": _string(f"{machine.module}-{name}"),
        "fontname": _string(FONT),
        "fontsize": "12",
        "labelloc": "t",
        "labeljust": "l",
        # Top to bottom keeps the overview narrow (edge labels stack between ranks); a focus
        # view reads left to right: sources, the state, targets.
        "rankdir": "TB" if overview_view else "LR",
        "nodesep": "0.15" if overview_view else "0.3",
        "ranksep": "0.45" if overview_view else "0.8",
        "label": _graph_label(spec, machine, name if overview_view else f"state {name}"),
    }


def _render(
    spec: SpecSet,
    machine: Machine,
    name: str,
    nodes: list[_Statement],
    groups: tuple[Group, ...],
    clusters: tuple[Cluster, ...] = (),
) -> View:
    """Lay a view out with the view template and collect its id maps.

    The initial point is drawn when the initial state is among the nodes (``nodes`` and
    those inside ``clusters``).
    """
    initial = machine.initial.name
    names = {n.name for n in nodes} | {n.name for c in clusters for n in c.nodes}
    drawn_states = [s.name for s in machine.states if _node_name(s.name) in names]
    edge_statements, drawn = _edges(
        groups, EDGE_LABEL_WIDTH if name == "overview" else FOCUS_LABEL_WIDTH
    )
    has_any = any(g.source == ANY for g in groups)
    specials = _special_nodes(machine, has_any)
    if initial in drawn_states:
        start = {"id": '"edge-initial"', "tooltip": _string(f"initial state: {initial}")}
        edge_statements.insert(0, _Statement("", _attrs(start), START_NODE, _node_name(initial)))
    else:
        specials = specials[1:]
    text = render_template(
        "diagram_view.dot.j2",
        v={
            "header": header(machine.source_file, comment="//"),
            "graph": _string(machine.name),
            "graph_attrs": _attrs(_graph_attrs(spec, machine, name)),
            "font": FONT,
            "node_size": NODE_SIZE,
            "edge_size": EDGE_SIZE,
            "nodes": specials + nodes,
            "clusters": clusters,
            "edges": edge_statements,
            # The overview reads from the top: the start point and the initial state first.
            "top": f"{START_NODE}; {_node_name(initial)}"
            if name == "overview" and initial in drawn_states
            else "",
        },
    )
    ids = {node_id(ANY): ANY} if has_any else {}
    ids |= {node_id(s): s for s in drawn_states}
    return View(name, text, ids, drawn)


def overview(spec: SpecSet, machine: Machine) -> View:
    """The overview of a machine: every state, external transitions grouped into few edges.

    Args:
        spec: the spec set the machine belongs to.
        machine: the machine to draw.

    Returns:
        The view named ``"overview"``.
    """
    inside: dict[str, int] = {}
    for t in internal(machine):
        inside[t.source] = inside.get(t.source, 0) + 1
    nodes: list[_Statement] = []
    grouped: dict[str, list[_Statement]] = {}
    for s in machine.states:
        node = _state_node(s, [f"+{inside[s.name]} internal"] if s.name in inside else [], [])
        (grouped.setdefault(s.group, []) if s.group else nodes).append(node)
    clusters = tuple(
        Cluster(f"cluster_{n}", _string(label), tuple(members))
        for n, (label, members) in enumerate(grouped.items())
    )
    return _render(spec, machine, "overview", nodes, overview_groups(machine), clusters)


def _activities(state: State, inside: tuple[Transition, ...]) -> list[str]:
    """Lines inside a focused state: entry, exit, then ``<id>: <event> [<cond>] / <actions>``."""
    items = []
    if state.entry:
        items.append("entry / " + ", ".join(state.entry))
    if state.exit:
        items.append("exit / " + ", ".join(state.exit))
    for t in inside:
        text = transition_text(t, with_id=True)
        items.append(f"{text} / {', '.join(t.actions)}" if t.actions else text)
    return items


def focus(spec: SpecSet, machine: Machine, state: str) -> View:
    """One state with every transition into and out of it, its internal transitions and its
    entry/exit actions.

    Args:
        spec: the spec set the machine belongs to.
        machine: the machine.
        state: name of the state to focus on.

    Returns:
        The view named after the state.
    """
    groups = focus_groups(machine, state)
    around = {g.source for g in groups} | {g.target for g in groups}
    inside = tuple(t for t in internal(machine) if t.source == state)
    nodes = [
        _state_node(s, [], _activities(s, inside)) if s.name == state else _state_node(s, [], [])
        for s in machine.states
        if s.name == state or s.name in around
    ]
    return _render(spec, machine, state, nodes, groups)
