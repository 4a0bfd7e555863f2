"""What both diagram kinds share: merged edges, wrapped guards, the lines inside a state.

Everything here is computed from the IR alone and in spec order, so the Graphviz and the
Mermaid text agree with each other and are byte-identical across runs.
"""

from __future__ import annotations

import ast
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass

from compiler.expressions import Expr
from compiler.ir import Machine, SpecSet, State, Transition

__all__ = [
    "Edge",
    "activities",
    "edges",
    "external",
    "file_stem",
    "guard_parts",
    "internal",
    "machines",
    "pack",
    "pics_label",
    "xml_comment",
]


@dataclass(frozen=True, slots=True)
class Edge:
    """External transitions with the same source, target and id, drawn as one edge."""

    source: str
    target: str
    id: str
    transitions: tuple[Transition, ...]


def guard_parts(guard: Expr | None) -> list[str]:
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


def pack(pieces: Iterable[str], width: int) -> list[str]:
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
    pieces = [f"{transition.id}{separator}{transition.event}", *guard_parts(transition.guard)]
    if transition.actions:
        pieces.append("/ " + ", ".join(transition.actions))
    return pieces


def activities(state: State, internal: Iterable[Transition], separator: str) -> list[list[str]]:
    """What is listed inside a state, as pieces per line: entry, exit, internal transitions."""
    items = []
    if state.entry:
        items.append(["entry /", ", ".join(state.entry)])
    if state.exit:
        items.append(["exit /", ", ".join(state.exit)])
    items += [_internal_pieces(t, separator) for t in internal if t.source == state.name]
    return items


def internal(machine: Machine) -> tuple[Transition, ...]:
    """Transitions without a target, in spec order."""
    return tuple(t for t in machine.transitions if t.target is None)


def external(machine: Machine) -> tuple[Transition, ...]:
    """External transitions sorted by source state, target state, id, then spec order."""
    order = {s.name: i for i, s in enumerate(machine.states)}
    indexed = [(i, t) for i, t in enumerate(machine.transitions) if t.target is not None]
    indexed.sort(key=lambda it: (order[it[1].source], order[str(it[1].target)], it[1].id, it[0]))
    return tuple(t for _, t in indexed)


def edges(machine: Machine) -> tuple[Edge, ...]:
    """External transitions merged by (source, target, id), in :func:`external` order."""
    groups: dict[tuple[str, str, str], list[Transition]] = {}
    for t in external(machine):
        groups.setdefault((t.source, str(t.target), t.id), []).append(t)
    return tuple(Edge(s, d, i, tuple(ts)) for (s, d, i), ts in groups.items())


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
