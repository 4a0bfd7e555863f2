"""Graphviz source (.dot) of a machine's state diagram.

The text is a pure function of the IR: it is rendered by a template and never passes through
Graphviz, so it does not depend on which Graphviz (if any) is installed. Only the SVG drawn
from it does (see :mod:`compiler.render.diagrams.svg`).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass

from compiler.ir import Machine, SpecSet, State, Transition
from compiler.render.diagrams.model import (
    Edge,
    activities,
    edges,
    guard_parts,
    internal,
    pack,
    pics_label,
)
from compiler.render.env import header, render_template

__all__ = ["DotEdge", "DotNode", "DotView", "render_dot"]

FONT = "Helvetica"
EDGE_LABEL_WIDTH = 40
NODE_LINE_WIDTH = 60

_DOT_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOT_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})


@dataclass(frozen=True, slots=True)
class DotNode:
    """One state node; text fields are already HTML-escaped for an HTML-like label."""

    id: str
    attrs: str
    title: str
    subtitle: tuple[str, ...]
    activities: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DotEdge:
    """One edge; ``label`` is a quoted DOT string."""

    source: str
    target: str
    label: str


@dataclass(frozen=True, slots=True)
class DotView:
    """Everything diagram.dot.j2 prints."""

    header: str
    graph_id: str
    font: str
    label: str
    initial: str
    nodes: tuple[DotNode, ...]
    edges: tuple[DotEdge, ...]


def _dot_id(name: str) -> str:
    """A DOT identifier: bare when it is a plain identifier and no keyword, else quoted."""
    if _DOT_ID.fullmatch(name) and name.lower() not in _DOT_KEYWORDS:
        return name
    return _dot_string(name)


def _dot_string(text: str) -> str:
    """A quoted DOT string; newlines become centred line breaks."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
    return f'"{escaped}"'


def _dot_edge(edge: Edge) -> DotEdge:
    """An edge labelled ``<id>: <event> [<guard>]``, one line per merged event."""
    lines: list[str] = []
    for n, t in enumerate(edge.transitions):
        head = f"{edge.id}: {t.event}" if n == 0 else t.event
        lines += pack([head, *guard_parts(t.guard)], EDGE_LABEL_WIDTH)
    return DotEdge(_dot_id(edge.source), _dot_id(edge.target), _dot_string("\n".join(lines)))


def _html_item(pieces: list[str]) -> str:
    """One activity for an HTML-like label, broken into lines between pieces."""
    lines = pack(pieces, NODE_LINE_WIDTH)
    return "<BR/>".join(html.escape(line, quote=False) for line in lines)


def _dot_node(state: State, inside: tuple[Transition, ...]) -> DotNode:
    """A state node: name, PICS gate, then entry/exit actions and internal transitions."""
    style = "rounded,dashed" if state.pics else "rounded"
    attrs = f'style="{style}", tooltip={_dot_string(state.description or state.name)}'
    pics = pics_label(state)
    return DotNode(
        id=_dot_id(state.name),
        attrs=attrs,
        title=html.escape(state.name, quote=False),
        subtitle=(html.escape(pics, quote=False),) if pics else (),
        activities=tuple(_html_item(item) for item in activities(state, inside, ": ")),
    )


def _dot_graph_label(spec: SpecSet, machine: Machine) -> str:
    """HTML-like graph label: machine name, profile, instance and machine-wide entry."""
    lines = [
        f"<B>{html.escape(machine.name, quote=False)}</B>",
        html.escape(
            f"{spec.manifest.title}, {machine.profile} profile, instance: {machine.instance}",
            quote=False,
        ),
    ]
    if machine.entry:
        lines.append(html.escape("every state: entry / " + ", ".join(machine.entry), quote=False))
    return '<BR ALIGN="LEFT"/>'.join(lines) + '<BR ALIGN="LEFT"/>'


def render_dot(spec: SpecSet, machine: Machine) -> str:
    """Graphviz source of one machine's state diagram.

    Args:
        spec: the spec set the machine belongs to.
        machine: the machine to draw.

    Returns:
        DOT text starting with the generated-file header as ``//`` comments.
    """
    inside = internal(machine)
    view = DotView(
        header=header(machine.source_file, comment="//"),
        graph_id=_dot_id(machine.name),
        font=FONT,
        label=_dot_graph_label(spec, machine),
        initial=_dot_id(machine.initial.name),
        nodes=tuple(_dot_node(s, inside) for s in machine.states),
        edges=tuple(_dot_edge(e) for e in edges(machine)),
    )
    return render_template("diagram.dot.j2", v=view)
