"""The Markdown pages of the diagrams: the index (one row and section per machine) and one
page per machine (overview, transition table, focus views)."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.ir import Machine, SpecSet
from compiler.render.diagrams.model import (
    file_stem,
    internal,
    machines,
    overview_groups,
    xml_comment,
)
from compiler.render.diagrams.table import table_markdown, transition_table
from compiler.render.env import header, render_template

__all__ = ["IndexEntry", "render_index", "render_machine_page"]


@dataclass(frozen=True, slots=True)
class IndexEntry:
    """One machine's row and section on the index page, and its own page."""

    name: str
    profile: str
    instance: str
    description: str
    refs: str
    source: str
    states: tuple[str, ...]
    transitions: int
    external: int
    internal: int
    edges: int
    stem: str
    table_title: str
    table: tuple[str, ...]


def _index_entry(machine: Machine) -> IndexEntry:
    """Counts, file names and the transition table of one machine."""
    inside = len(internal(machine))
    table = transition_table(machine)
    return IndexEntry(
        name=machine.name,
        profile=machine.profile,
        instance=machine.instance,
        description=machine.description,
        refs=", ".join(machine.refs),
        source=machine.source_file,
        states=tuple(s.name for s in machine.states),
        transitions=len(machine.transitions),
        external=len(machine.transitions) - inside,
        internal=inside,
        edges=len(overview_groups(machine)),
        stem=file_stem(machine),
        table_title=table.title,
        table=tuple(table_markdown(machine, table)),
    )


def _comment(source: str) -> str:
    lines = header(source, comment="").splitlines()
    return xml_comment([line.removeprefix(" ") for line in lines])


def render_index(spec: SpecSet) -> str:
    """Markdown index of the diagrams: one section per machine, sorted by name.

    Args:
        spec: the spec set.

    Returns:
        Markdown text starting with the generated-file header as an HTML comment.
    """
    return render_template(
        "diagrams_index.md.j2",
        header=_comment(f"{spec.root}/machines"),
        title=spec.manifest.title,
        machines=tuple(_index_entry(m) for m in machines(spec)),
    )


def render_machine_page(spec: SpecSet, machine: Machine) -> str:
    """Markdown page of one machine: overview, transition table, links to the focus views.

    Args:
        spec: the spec set the machine belongs to.
        machine: the machine.

    Returns:
        Markdown text starting with the generated-file header as an HTML comment.
    """
    return render_template(
        "diagram_machine.md.j2",
        header=_comment(machine.source_file),
        title=spec.manifest.title,
        m=_index_entry(machine),
    )
