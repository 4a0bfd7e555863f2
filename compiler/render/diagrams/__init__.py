"""State diagrams of the machines: Graphviz (.dot), Mermaid (.mmd), a Markdown index, and SVG.

Templates only lay out text; everything they print — escaped labels, merged edges, wrapped
guards, counts — is computed from the IR. The .dot, .mmd and index.md text is byte-identical
across runs and machines: edges follow the order of the states in the spec, labels are built
from the IR alone, and nothing carries a timestamp, an absolute path or a tool version. The SVG
drawn from a .dot file depends on the installed Graphviz, so it is a build-time rendering
outside the drift check (:mod:`compiler.render.diagrams.svg`).

Conventions shared by both diagram kinds:

* an external transition (one with a target) is an edge labelled ``<id>: <event> [<guard>]``;
  transitions sharing source, target and id are merged into one edge, one event per line;
* an internal transition (no target) is not an edge: it is listed inside its state as
  ``<id>: <event> [<guard>] / <actions>``, under the state's ``entry /`` and ``exit /`` lines;
* a state gated by a PICS item is drawn dashed and says ``[PICS <item>]``.

Modules: ``model`` (what both kinds share), ``dot``, ``mermaid``, ``index`` and ``svg``.
"""

from __future__ import annotations

from compiler.ir import SpecSet
from compiler.render.diagrams.dot import render_dot
from compiler.render.diagrams.index import render_index
from compiler.render.diagrams.mermaid import render_mermaid
from compiler.render.diagrams.model import file_stem, machines
from compiler.render.diagrams.svg import GraphvizMissing, render_svg, svg_files

__all__ = [
    "GraphvizMissing",
    "diagram_files",
    "render_dot",
    "render_index",
    "render_mermaid",
    "render_svg",
    "svg_files",
]


def diagram_files(spec: SpecSet) -> dict[str, str]:
    """Every drift-checked diagram file of a spec set, by path relative to the diagrams folder.

    For each machine ``<module>.dot`` and ``<module>.mmd`` (``module`` is the machine's
    snake_case module name, e.g. ``connector_status``), plus ``index.md``. None of them needs
    Graphviz; the SVGs come from :func:`svg_files` after the build has written these.

    Args:
        spec: the spec set.

    Returns:
        Relative path → text, sorted by path.
    """
    files = {"index.md": render_index(spec)}
    for machine in machines(spec):
        stem = file_stem(machine)
        files[f"{stem}.dot"] = render_dot(spec, machine)
        files[f"{stem}.mmd"] = render_mermaid(spec, machine)
    return dict(sorted(files.items()))
