"""State diagrams of the machines: Graphviz (.dot, .svg), Mermaid (.mmd) and a Markdown index.

Templates only lay out text; everything they print — escaped labels, merged edges, wrapped
guards, counts — is computed here from the IR. Output is byte-identical across runs: edges
follow the order of the states in the spec, labels are built from the IR alone, and nothing
carries a timestamp or an absolute path.

Conventions shared by both diagram kinds:

* an external transition (one with a target) is an edge labelled ``<id>: <event> [<guard>]``;
  transitions sharing source, target and id are merged into one edge, one event per line;
* an internal transition (no target) is not an edge: it is listed inside its state as
  ``<id>: <event> [<guard>] / <actions>``, under the state's ``entry /`` and ``exit /`` lines;
* a state gated by a PICS item is drawn dashed and says ``[PICS <item>]``.
"""

from __future__ import annotations

import ast
import html
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

import graphviz

from compiler.expressions import Expr
from compiler.ir import (
    Machine,
    SpecSet,
    State,
    Transition,
)
from compiler.render.env import header, render_template

__all__ = ["diagram_files", "render_dot", "render_index", "render_mermaid", "render_svg"]

FONT = "Helvetica"
EDGE_LABEL_WIDTH = 40
NODE_LINE_WIDTH = 60

_DOT_ID = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_DOT_KEYWORDS = frozenset({"node", "edge", "graph", "digraph", "subgraph", "strict"})
_MERMAID_ID_INVALID = re.compile(r"[^0-9A-Za-z_]")
# Mermaid entity codes: a transition label ends at ':' or ';', '#' starts an entity, and
# '<' '>' '"' would otherwise reach the SVG as markup.
_MERMAID_ESCAPES = str.maketrans(
    {
        ":": "#58;",
        ";": "#59;",
        "#": "#35;",
        "<": "#lt;",
        ">": "#gt;",
        '"': "#quot;",
        "\n": " ",
    }
)


# --------------------------------------------------------------------------- shared model


@dataclass(frozen=True, slots=True)
class _Edge:
    """External transitions with the same source, target and id, drawn as one edge."""

    source: str
    target: str
    id: str
    transitions: tuple[Transition, ...]


def _guard_parts(guard: Expr | None) -> list[str]:
    """A guard cut at its top-level ``and``/``or``, each cut led by its operator.

    Operands are never split, so ``pics.X and (...)`` keeps its parenthesised condition whole.
    The pieces are bracketed: ``["[a", "and b]"]``; no guard gives no pieces.
    """
    if guard is None:
        return []
    body = guard.tree.body
    parts = [guard.text]
    if isinstance(body, ast.BoolOp) and "\n" not in guard.text:
        raw = guard.text.encode()  # AST offsets count UTF-8 bytes
        cuts = [_operator_offset(raw, a, b) for a, b in itertools.pairwise(body.values)]
        bounds = [0, *cuts, len(raw)]
        parts = [raw[a:b].decode().strip() for a, b in itertools.pairwise(bounds)]
    parts[0] = "[" + parts[0]
    parts[-1] += "]"
    return parts


def _operator_offset(raw: bytes, left: ast.expr, right: ast.expr) -> int:
    """Byte offset of the ``and``/``or`` keyword between two operands of a BoolOp."""
    gap_start = left.end_col_offset or 0
    match = re.search(rb"\b(?:and|or)\b", raw[gap_start : right.col_offset])
    return gap_start + (match.start() if match else 0)


def _pack(pieces: Iterable[str], width: int) -> list[str]:
    """Join pieces with spaces into lines of at most ``width`` (a longer piece stays whole)."""
    lines: list[str] = []
    for piece in pieces:
        if lines and len(lines[-1]) + 1 + len(piece) <= width:
            lines[-1] += " " + piece
        else:
            lines.append(piece)
    return lines


def _internal_pieces(transition: Transition, separator: str) -> list[str]:
    """``<id>: <event>``, the guard pieces and ``/ <actions>`` of an internal transition."""
    pieces = [f"{transition.id}{separator}{transition.event}", *_guard_parts(transition.guard)]
    if transition.actions:
        pieces.append("/ " + ", ".join(transition.actions))
    return pieces


def _activities(state: State, internal: Iterable[Transition], separator: str) -> list[list[str]]:
    """What is listed inside a state, as pieces per line: entry, exit, internal transitions."""
    items = []
    if state.entry:
        items.append(["entry /", ", ".join(state.entry)])
    if state.exit:
        items.append(["exit /", ", ".join(state.exit)])
    items += [_internal_pieces(t, separator) for t in internal if t.source == state.name]
    return items


def _internal(machine: Machine) -> tuple[Transition, ...]:
    """Transitions without a target, in spec order."""
    return tuple(t for t in machine.transitions if t.target is None)


def _external(machine: Machine) -> tuple[Transition, ...]:
    """External transitions sorted by source state, target state, id, then spec order."""
    order = {s.name: i for i, s in enumerate(machine.states)}
    indexed = [(i, t) for i, t in enumerate(machine.transitions) if t.target is not None]
    indexed.sort(key=lambda it: (order[it[1].source], order[str(it[1].target)], it[1].id, it[0]))
    return tuple(t for _, t in indexed)


def _edges(machine: Machine) -> tuple[_Edge, ...]:
    """External transitions merged by (source, target, id), in :func:`_external` order."""
    groups: dict[tuple[str, str, str], list[Transition]] = {}
    for t in _external(machine):
        groups.setdefault((t.source, str(t.target), t.id), []).append(t)
    return tuple(_Edge(s, d, i, tuple(ts)) for (s, d, i), ts in groups.items())


def _pics_label(state: State) -> str:
    """``[PICS <item>]`` for a PICS-gated state, else empty."""
    return f"[PICS {state.pics}]" if state.pics else ""


# --------------------------------------------------------------------------- Graphviz


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


def _dot_edge(edge: _Edge) -> DotEdge:
    """An edge labelled ``<id>: <event> [<guard>]``, one line per merged event."""
    lines: list[str] = []
    for n, t in enumerate(edge.transitions):
        head = f"{edge.id}: {t.event}" if n == 0 else t.event
        lines += _pack([head, *_guard_parts(t.guard)], EDGE_LABEL_WIDTH)
    return DotEdge(_dot_id(edge.source), _dot_id(edge.target), _dot_string("\n".join(lines)))


def _html_item(pieces: list[str]) -> str:
    """One activity for an HTML-like label, broken into lines between pieces."""
    lines = _pack(pieces, NODE_LINE_WIDTH)
    return "<BR/>".join(html.escape(line, quote=False) for line in lines)


def _dot_node(state: State, internal: tuple[Transition, ...]) -> DotNode:
    """A state node: name, PICS gate, then entry/exit actions and internal transitions."""
    style = "rounded,dashed" if state.pics else "rounded"
    attrs = f'style="{style}", tooltip={_dot_string(state.description or state.name)}'
    pics = _pics_label(state)
    return DotNode(
        id=_dot_id(state.name),
        attrs=attrs,
        title=html.escape(state.name, quote=False),
        subtitle=(html.escape(pics, quote=False),) if pics else (),
        activities=tuple(_html_item(item) for item in _activities(state, internal, ": ")),
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
    internal = _internal(machine)
    view = DotView(
        header=header(machine.source_file, comment="//"),
        graph_id=_dot_id(machine.name),
        font=FONT,
        label=_dot_graph_label(spec, machine),
        initial=_dot_id(machine.initial.name),
        nodes=tuple(_dot_node(s, internal) for s in machine.states),
        edges=tuple(_dot_edge(e) for e in _edges(machine)),
    )
    return render_template("diagram.dot.j2", v=view)


def _leading_comments(dot_text: str) -> list[str]:
    """The ``//`` comment lines at the top of DOT text, without the ``//``."""
    lines = []
    for line in dot_text.splitlines():
        if not line.startswith("//"):
            break
        lines.append(line[2:].removeprefix(" "))
    return lines


def _xml_comment(lines: list[str]) -> str:
    """An XML/HTML comment block, one line each; ``--`` (not allowed inside) is broken up."""
    body = "".join(f" {line.replace('--', '- -')}".rstrip() + "\n" for line in lines)
    return f"<!--\n{body}-->\n"


def _insert_header(svg: str, comment: str) -> str:
    """Put ``comment`` right after the XML declaration (or first, without one)."""
    if svg.startswith("<?xml"):
        end = svg.index("?>") + 2
        if svg.startswith("\n", end):
            end += 1
        return svg[:end] + comment + svg[end:]
    return comment + svg


def render_svg(dot_text: str) -> str:
    """Render DOT text to SVG with Graphviz, keeping the DOT file's header.

    The ``//`` header lines of ``dot_text`` are repeated as an XML comment after the XML
    declaration, so the SVG also says DO NOT EDIT and @generated.

    Args:
        dot_text: Graphviz source, e.g. from :func:`render_dot`.

    Returns:
        The SVG document.

    Raises:
        RuntimeError: the Graphviz ``dot`` binary is not installed (not on PATH).
        graphviz.CalledProcessError: ``dot`` rejected the text.
    """
    try:
        svg: str = graphviz.Source(dot_text).pipe(format="svg", encoding="utf-8")
    except graphviz.ExecutableNotFound as exc:
        raise RuntimeError(
            "rendering SVG diagrams needs the Graphviz `dot` binary, which was not found on "
            "PATH; install Graphviz (e.g. `apt-get install graphviz` or `brew install graphviz`)"
        ) from exc
    comments = _leading_comments(dot_text)
    return _insert_header(svg, _xml_comment(comments)) if comments else svg


# --------------------------------------------------------------------------- Mermaid


@dataclass(frozen=True, slots=True)
class MermaidState:
    """A state declaration: ``label`` is empty when the id alone is shown."""

    id: str
    label: str
    dashed: bool
    note: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MermaidView:
    """Everything diagram.mmd.j2 prints."""

    header: str
    comments: tuple[str, ...]
    initial: str
    states: tuple[MermaidState, ...]
    transitions: tuple[tuple[str, str, str], ...]
    dashed: tuple[str, ...]


def _mermaid_id(name: str) -> str:
    """A Mermaid state id (letters, digits and underscores only)."""
    return _MERMAID_ID_INVALID.sub("_", name)


def _mermaid_text(text: str) -> str:
    """Text safe in a Mermaid label or note (entity codes for the characters it parses)."""
    return text.translate(_MERMAID_ESCAPES)


def _mermaid_state(state: State, internal: tuple[Transition, ...]) -> MermaidState:
    """A state's label (with its PICS gate) and the lines of its note."""
    ident = _mermaid_id(state.name)
    label = " ".join(filter(None, (state.name, _pics_label(state))))
    return MermaidState(
        id=ident,
        label=label.replace('"', "'") if label != ident else "",
        dashed=state.pics is not None,
        note=tuple(_mermaid_text(" ".join(item)) for item in _activities(state, internal, " ")),
    )


def _mermaid_transition(t: Transition) -> tuple[str, str, str]:
    """Source id, target id and sanitised ``<id> <event> [<guard>]`` label."""
    label = " ".join([f"{t.id} {t.event}", *_guard_parts(t.guard)])
    return _mermaid_id(t.source), _mermaid_id(str(t.target)), _mermaid_text(label)


def render_mermaid(spec: SpecSet, machine: Machine) -> str:
    """Mermaid ``stateDiagram-v2`` source of one machine's state diagram.

    Args:
        spec: the spec set the machine belongs to.
        machine: the machine to draw.

    Returns:
        Mermaid text starting with the generated-file header as ``%%`` comments.
    """
    internal = _internal(machine)
    comments = [f"{machine.name}: {spec.manifest.title}, {machine.profile} profile"]
    if machine.entry:
        comments.append("every state: entry / " + ", ".join(machine.entry))
    states = tuple(_mermaid_state(s, internal) for s in machine.states)
    view = MermaidView(
        header=header(machine.source_file, comment="%%"),
        comments=tuple(comments),
        initial=_mermaid_id(machine.initial.name),
        states=states,
        transitions=tuple(_mermaid_transition(t) for t in _external(machine)),
        dashed=tuple(s.id for s in states if s.dashed),
    )
    return render_template("diagram.mmd.j2", v=view)


# --------------------------------------------------------------------------- index


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One machine's row and section on the index page."""

    name: str
    profile: str
    instance: str
    description: str
    refs: str
    source: str
    states: int
    transitions: int
    external: int
    internal: int
    edges: int
    dot: str
    svg: str
    mmd: str


def _file_stem(machine: Machine) -> str:
    """File name stem of a machine's diagrams: its module name, e.g. ``connector_status``."""
    return machine.module


def _index_entry(machine: Machine) -> IndexEntry:
    """Counts and file names of one machine for the index page."""
    stem = _file_stem(machine)
    internal = len(_internal(machine))
    return IndexEntry(
        name=machine.name,
        profile=machine.profile,
        instance=machine.instance,
        description=machine.description,
        refs=", ".join(machine.refs),
        source=machine.source_file,
        states=len(machine.states),
        transitions=len(machine.transitions),
        external=len(machine.transitions) - internal,
        internal=internal,
        edges=len(_edges(machine)),
        dot=f"{stem}.dot",
        svg=f"{stem}.svg",
        mmd=f"{stem}.mmd",
    )


def _machines(spec: SpecSet) -> list[Machine]:
    """The machines sorted by name."""
    return sorted(spec.machines, key=lambda m: m.name)


def render_index(spec: SpecSet) -> str:
    """Markdown index of the diagrams: one section per machine, sorted by name.

    Args:
        spec: the spec set.

    Returns:
        Markdown text starting with the generated-file header as an HTML comment.
    """
    lines = header(f"{spec.root}/machines", comment="").splitlines()
    return render_template(
        "diagrams_index.md.j2",
        header=_xml_comment([line.removeprefix(" ") for line in lines]),
        title=spec.manifest.title,
        machines=tuple(_index_entry(m) for m in _machines(spec)),
    )


def diagram_files(spec: SpecSet) -> dict[str, str]:
    """Every diagram file of a spec set, by path relative to the diagrams directory.

    For each machine ``<module>.dot``, ``<module>.svg`` and ``<module>.mmd`` (``module`` is the
    machine's snake_case module name, e.g. ``connector_status``), plus ``index.md``.

    Args:
        spec: the spec set.

    Returns:
        Relative path → text, sorted by path.

    Raises:
        RuntimeError: the Graphviz ``dot`` binary is not installed (needed for the SVGs).
    """
    files = {"index.md": render_index(spec)}
    for machine in _machines(spec):
        stem = _file_stem(machine)
        dot = render_dot(spec, machine)
        files[f"{stem}.dot"] = dot
        files[f"{stem}.svg"] = render_svg(dot)
        files[f"{stem}.mmd"] = render_mermaid(spec, machine)
    return dict(sorted(files.items()))
