"""The Markdown index page of the diagrams: one row and one section per machine."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.ir import Machine, SpecSet
from compiler.render.diagrams.model import edges, file_stem, internal, machines, xml_comment
from compiler.render.env import header, render_template

__all__ = ["IndexEntry", "render_index"]


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


def _index_entry(machine: Machine) -> IndexEntry:
    """Counts and file names of one machine for the index page."""
    stem = file_stem(machine)
    inside = len(internal(machine))
    return IndexEntry(
        name=machine.name,
        profile=machine.profile,
        instance=machine.instance,
        description=machine.description,
        refs=", ".join(machine.refs),
        source=machine.source_file,
        states=len(machine.states),
        transitions=len(machine.transitions),
        external=len(machine.transitions) - inside,
        internal=inside,
        edges=len(edges(machine)),
        dot=f"{stem}.dot",
        svg=f"{stem}.svg",
        mmd=f"{stem}.mmd",
    )


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
        header=xml_comment([line.removeprefix(" ") for line in lines]),
        title=spec.manifest.title,
        machines=tuple(_index_entry(m) for m in machines(spec)),
    )
