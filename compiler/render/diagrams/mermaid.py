"""Mermaid ``stateDiagram-v2`` source (.mmd) of a machine's overview, for Markdown viewers.

It groups edges exactly as the Graphviz overview does (:func:`overview_groups`): one edge per
source/target pair with one line per event, rules that leave every state drawn once from an
"any state" pseudo state, and internal transitions only counted in a note.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from compiler.ir import Machine, SpecSet, State
from compiler.render.diagrams.model import ANY, internal, overview_groups, pics_label
from compiler.render.env import header, render_template

__all__ = ["MermaidState", "MermaidView", "render_mermaid"]

ANY_ID = "any_state"
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
    any_state: str
    states: tuple[MermaidState, ...]
    transitions: tuple[tuple[str, str, str], ...]
    dashed: tuple[str, ...]


def _mermaid_id(name: str) -> str:
    """A Mermaid state id (letters, digits and underscores only)."""
    return ANY_ID if name == ANY else _MERMAID_ID_INVALID.sub("_", name)


def _mermaid_text(text: str) -> str:
    """Text safe in a Mermaid label or note (entity codes for the characters it parses)."""
    return text.translate(_MERMAID_ESCAPES)


def _mermaid_state(state: State, inside: int) -> MermaidState:
    """A state's label (with its PICS gate) and its note: the count of internal transitions."""
    ident = _mermaid_id(state.name)
    label = " ".join(filter(None, (state.name, pics_label(state))))
    return MermaidState(
        id=ident,
        label=label.replace('"', "'") if label != ident else "",
        dashed=state.pics is not None,
        note=(f"+{inside} internal",) if inside else (),
    )


def render_mermaid(spec: SpecSet, machine: Machine) -> str:
    """Mermaid ``stateDiagram-v2`` source of one machine's overview.

    Args:
        spec: the spec set the machine belongs to.
        machine: the machine to draw.

    Returns:
        Mermaid text starting with the generated-file header as ``%%`` comments.
    """
    comments = [f"{machine.name}: {spec.manifest.title}, {machine.profile} profile"]
    if machine.entry:
        comments.append("every state: entry / " + ", ".join(machine.entry))
    inside = [t.source for t in internal(machine)]
    states = tuple(_mermaid_state(s, inside.count(s.name)) for s in machine.states)
    groups = overview_groups(machine)
    view = MermaidView(
        header=header(machine.source_file, comment="%%"),
        comments=tuple(comments),
        initial=_mermaid_id(machine.initial.name),
        any_state=ANY_ID if any(g.source == ANY for g in groups) else "",
        states=states,
        transitions=tuple(
            (
                _mermaid_id(g.source),
                _mermaid_id(g.target),
                "<br/>".join(_mermaid_text(line) for line in g.lines),
            )
            for g in groups
        ),
        dashed=tuple(s.id for s in states if s.dashed),
    )
    return render_template("diagram.mmd.j2", v=view)
