"""The static diagram site: an index page, one page per machine, a search index and the
shared script and style sheet.

The site is self-contained: no request leaves the folder, so it works from ``file://``, on a
file share or behind any static web server. Machine data rides inside each page as JSON and
the search index as a script file (a ``file://`` page may not ``fetch`` its neighbours).

:func:`site_files` is pure: the caller passes the function that draws a DOT text as SVG, so the
page text depends only on the IR, the views, the coverage and that drawing.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, replace
from functools import cache
from importlib import resources
from typing import Any

import jinja2
from markupsafe import Markup

from compiler.ir import Machine, SpecSet
from compiler.render.diagrams.model import file_stem, machines
from compiler.render.diagrams.views import View, focus, overview, transition_table
from compiler.render.site.data import Coverage, machine_data, messages_of, pics_of

__all__ = ["MachineEntry", "site_files"]

Draw = Callable[[str], str]

_PROLOG = re.compile(r"^.*?(?=<svg\b)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class MachineEntry:
    """A machine's line on the index page."""

    name: str
    page: str
    profile: str
    instance: str
    description: str
    states: int
    transitions: int
    covered: int | None


@dataclass(frozen=True, slots=True)
class DrawnView:
    """A view's inline SVG and what the view selector calls it."""

    name: str
    title: str
    svg: str


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("compiler", "templates/site"),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        autoescape=True,
    )
    env.filters["json_script"] = _json_script
    return env


def _json_script(value: Any) -> str:
    """JSON safe inside a ``<script>`` element (no ``</`` can close it early)."""
    text = json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return Markup(text.replace("</", "<\\/"))


def _asset(name: str) -> str:
    return resources.files("compiler").joinpath("templates", "site", name).read_text("utf-8")


def inline_svg(svg: str) -> str:
    """An SVG document as an element to put in a page: prolog, doctype and comments dropped."""
    body = _PROLOG.sub("", svg, count=1)
    return re.sub(r"<!--.*?-->\n?", "", body, flags=re.DOTALL)


_ID = re.compile(r'\bid="([^"]*)"')


def prefixed(view: View, prefix: str) -> View:
    """The view with every element id led by ``prefix``: one page holds all views of a
    machine, and an id must be unique in a page."""
    return replace(
        view,
        nodes={prefix + k: v for k, v in view.nodes.items()},
        edges=tuple(replace(e, id=prefix + e.id) for e in view.edges),
    )


def _drawn(view: View, title: str, prefix: str, draw: Draw) -> DrawnView:
    """The view drawn, its SVG element ids prefixed (Graphviz writes ``-`` in an id as an
    entity; it is written plainly here so the ids read as the view names them)."""
    svg = _ID.sub(
        lambda m: f'id="{html.escape(prefix + html.unescape(m.group(1)))}"',
        inline_svg(draw(view.dot)),
    )
    return DrawnView(view.name, title, svg)


@dataclass(frozen=True, slots=True)
class CellLink:
    """One transition id in a table cell: the link goes to its first transition."""

    id: str
    key: str
    events: str


def cell_links(machine: Machine, keys: tuple[str, ...]) -> list[CellLink]:
    """A cell's transitions by id (A2 on three events is one link), in spec order."""
    by_key = {t.key: t for t in machine.transitions}
    grouped: dict[str, list[str]] = {}
    first: dict[str, str] = {}
    for key in keys:
        t = by_key[key]
        grouped.setdefault(t.id, []).append(t.event)
        first.setdefault(t.id, key)
    return [CellLink(i, first[i], ", ".join(events)) for i, events in grouped.items()]


def _search_entries(machine: Machine, page: str) -> list[dict[str, str]]:
    """What the search box finds in one machine: states, events, messages, transition ids."""
    found: dict[tuple[str, str], dict[str, str]] = {}

    def add(kind: str, label: str, anchor: str) -> None:
        found.setdefault(
            (kind, label),
            {"kind": kind, "label": label, "machine": machine.name, "href": f"{page}#{anchor}"},
        )

    for s in machine.states:
        add("state", s.name, f"state={s.name}")
    for t in machine.transitions:
        add("event", t.event, f"find={t.event}")
        add("transition", f"{t.id} ({t.source} on {t.event})", f"t={t.key}")
        for message in messages_of(machine, t):
            add("message", message, f"find={message}")
    return list(found.values())


def _pics_index(spec: SpecSet) -> list[dict[str, Any]]:
    """Each PICS item some machine reads, with the states and transitions it gates."""
    items: dict[str, dict[str, list[dict[str, str]]]] = {}
    for m in machines(spec):
        page = f"{file_stem(m)}.html"
        for s in m.states:
            if s.pics:
                uses = items.setdefault(s.pics, {})
                uses.setdefault(m.name, []).append(
                    {"label": f"state {s.name}", "href": f"{page}#state={s.name}"}
                )
        for t in m.transitions:
            for item in pics_of(t):
                uses = items.setdefault(item, {})
                entries = uses.setdefault(m.name, [])
                label = f"{t.id} {t.source} on {t.event}"
                if all(e["label"] != label for e in entries):
                    entries.append({"label": label, "href": f"{page}#t={t.key}"})
    order = {p.name: i for i, p in enumerate(spec.pics)}
    return [
        {
            "item": name,
            "label": p.spec.label if (p := spec.pics_item(name)) else "",
            "machines": [{"name": k, "uses": v} for k, v in sorted(uses.items())],
        }
        for name, uses in sorted(items.items(), key=lambda kv: (order.get(kv[0], 1 << 30), kv[0]))
    ]


def _covered(machine: Machine, cov: Coverage | None) -> int | None:
    if cov is None:
        return None
    return sum((machine.name, t.key) in cov.fired for t in machine.transitions)


def _entry(machine: Machine, cov: Coverage | None) -> MachineEntry:
    return MachineEntry(
        name=machine.name,
        page=f"{file_stem(machine)}.html",
        profile=machine.profile,
        instance=machine.instance,
        description=machine.description,
        states=len(machine.states),
        transitions=len(machine.transitions),
        covered=_covered(machine, cov),
    )


def _machine_page(spec: SpecSet, machine: Machine, cov: Coverage | None, draw: Draw) -> str:
    views = [overview(spec, machine)]
    views += [focus(spec, machine, s.name) for s in machine.states]
    titles = ["Overview", *(f"State {v.name}" for v in views[1:])]
    drawn = [
        _drawn(v, t, f"v{n}-", draw) for n, (v, t) in enumerate(zip(views, titles, strict=True))
    ]
    table = transition_table(machine)
    ids = [prefixed(v, f"v{n}-") for n, v in enumerate(views)]
    data = machine_data(spec, machine, ids, table, cov)
    return (
        _environment()
        .get_template("machine.html.j2")
        .render(
            spec=spec.manifest.title,
            machine=machine,
            entry=_entry(machine, cov),
            views=drawn,
            table=table,
            cells={cell: cell_links(machine, keys) for cell, keys in table.cells.items()},
            data=data,
            coverage=cov,
        )
    )


def site_files(spec: SpecSet, draw: Draw, cov: Coverage | None = None) -> dict[str, str]:
    """Every file of the diagram site, by path relative to its folder.

    Args:
        spec: the spec set.
        draw: DOT text → SVG document (e.g. :func:`~compiler.render.diagrams.render_svg`).
        cov: what a run exercised; None draws no coverage.

    Returns:
        ``index.html``, ``<machine>.html`` per machine, and ``assets/`` (script, style sheet,
        search index).
    """
    ordered = machines(spec)
    entries = [_entry(m, cov) for m in ordered]
    profiles = {p: [e for e in entries if e.profile == p] for p in spec.manifest.profiles}
    search = [e for m in ordered for e in _search_entries(m, f"{file_stem(m)}.html")]
    files = {
        "index.html": _environment()
        .get_template("index.html.j2")
        .render(
            spec=spec.manifest.title,
            profiles=profiles,
            pics=_pics_index(spec),
            coverage=cov,
            covered=sum(e.covered or 0 for e in entries),
            total=sum(e.transitions for e in entries),
        ),
        "assets/site.js": _asset("site.js"),
        "assets/site.css": _asset("site.css"),
        "assets/search-index.js": "window.CHARGESPEC_SEARCH = "
        + json.dumps(search, ensure_ascii=False, sort_keys=True)
        + ";\n",
    }
    for m in ordered:
        files[f"{file_stem(m)}.html"] = _machine_page(spec, m, cov, draw)
    return dict(sorted(files.items()))
