"""Mermaid ``stateDiagram-v2`` source (.mmd) of a machine's state diagram."""

from __future__ import annotations

import re
from dataclasses import dataclass

from compiler.ir import Machine, SpecSet, State, Transition
from compiler.render.diagrams.model import activities, external, guard_parts, internal, pics_label
from compiler.render.env import header, render_template

__all__ = ["MermaidState", "MermaidView", "render_mermaid"]

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


def _mermaid_state(state: State, inside: tuple[Transition, ...]) -> MermaidState:
    """A state's label (with its PICS gate) and the lines of its note."""
    ident = _mermaid_id(state.name)
    label = " ".join(filter(None, (state.name, pics_label(state))))
    return MermaidState(
        id=ident,
        label=label.replace('"', "'") if label != ident else "",
        dashed=state.pics is not None,
        note=tuple(_mermaid_text(" ".join(item)) for item in activities(state, inside, " ")),
    )


def _mermaid_transition(t: Transition) -> tuple[str, str, str]:
    """Source id, target id and sanitised ``<id> <event> [<guard>]`` label."""
    label = " ".join([f"{t.id} {t.event}", *guard_parts(t.guard)])
    return _mermaid_id(t.source), _mermaid_id(str(t.target)), _mermaid_text(label)


def render_mermaid(spec: SpecSet, machine: Machine) -> str:
    """Mermaid ``stateDiagram-v2`` source of one machine's state diagram.

    Args:
        spec: the spec set the machine belongs to.
        machine: the machine to draw.

    Returns:
        Mermaid text starting with the generated-file header as ``%%`` comments.
    """
    inside = internal(machine)
    comments = [f"{machine.name}: {spec.manifest.title}, {machine.profile} profile"]
    if machine.entry:
        comments.append("every state: entry / " + ", ".join(machine.entry))
    states = tuple(_mermaid_state(s, inside) for s in machine.states)
    view = MermaidView(
        header=header(machine.source_file, comment="%%"),
        comments=tuple(comments),
        initial=_mermaid_id(machine.initial.name),
        states=states,
        transitions=tuple(_mermaid_transition(t) for t in external(machine)),
        dashed=tuple(s.id for s in states if s.dashed),
    )
    return render_template("diagram.mmd.j2", v=view)
