"""State diagrams of the machines: views as Graphviz (.dot), Mermaid (.mmd), Markdown pages,
and SVG.

Templates only lay out text; everything they print — escaped labels, grouped edges, counts,
tables — is computed from the IR. The .dot, .mmd and .md text is byte-identical across runs
and machines: edges follow the order of the states in the spec, labels are built from the IR
alone, and nothing carries a timestamp, an absolute path or a tool version. The SVG drawn from
a .dot file depends on the installed Graphviz, so it is a build-time rendering outside the
drift check (:mod:`compiler.render.diagrams.svg`).

Per machine: an overview (:func:`overview`, also as Mermaid), a focus view per state
(:func:`focus`) and the transition table in the spec's own form (:func:`transition_table`).
Conventions are in :mod:`compiler.render.diagrams.views` and on the generated index page.

Modules: ``model`` (grouping shared by all views), ``views`` (Graphviz views and the API the
HTML site uses), ``table``, ``mermaid``, ``index`` (Markdown pages) and ``svg``.
"""

from __future__ import annotations

from compiler.ir import SpecSet
from compiler.render.diagrams.index import render_index, render_machine_page
from compiler.render.diagrams.mermaid import render_mermaid
from compiler.render.diagrams.model import file_stem, machines
from compiler.render.diagrams.svg import GraphvizMissing, render_svg, svg_files
from compiler.render.diagrams.table import TransitionTable, transition_table
from compiler.render.diagrams.views import DrawnEdge, View, focus, overview

__all__ = [
    "DrawnEdge",
    "GraphvizMissing",
    "TransitionTable",
    "View",
    "diagram_files",
    "focus",
    "overview",
    "render_index",
    "render_machine_page",
    "render_mermaid",
    "render_svg",
    "svg_files",
    "transition_table",
]


def diagram_files(spec: SpecSet) -> dict[str, str]:
    """Every drift-checked diagram file of a spec set, by path relative to the diagrams folder.

    For each machine (``<stem>`` is its snake_case module name, e.g. ``connector_status``):
    ``<stem>.dot`` and ``<stem>.mmd`` (the overview), ``<stem>/<State>.dot`` (a focus view per
    state) and ``<stem>.md`` (its page with the transition table); plus ``index.md``. None of
    them needs Graphviz; the SVGs come from :func:`svg_files` after the build has written these.

    Args:
        spec: the spec set.

    Returns:
        Relative path → text, sorted by path.
    """
    files = {"index.md": render_index(spec)}
    for machine in machines(spec):
        stem = file_stem(machine)
        files[f"{stem}.dot"] = overview(spec, machine).dot
        files[f"{stem}.mmd"] = render_mermaid(spec, machine)
        files[f"{stem}.md"] = render_machine_page(spec, machine)
        for state in machine.states:
            files[f"{stem}/{state.name}.dot"] = focus(spec, machine, state.name).dot
    return dict(sorted(files.items()))
