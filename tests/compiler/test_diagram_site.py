"""The diagram site's files (``chargespec diagram --html``): what each page holds, its links
and ids, the coverage overlay data, and the command's errors. The pages in a real browser are
tested in tests/runtime/test_diagram_site_browser.py."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import main as cli
from compiler.ir import SpecSet
from compiler.pipeline import compile_specs
from compiler.render.diagrams import render_svg
from compiler.render.site import Coverage, inline_svg, site_files

SPECS = Path(__file__).resolve().parents[2] / "specs" / "ocpp16"


@cache
def _spec() -> SpecSet:
    result = compile_specs(SPECS, tests=False)
    assert result.spec is not None
    return result.spec


@cache
def _site(covered: bool = False) -> dict[str, str]:
    spec = _spec()
    cov = None
    if covered:
        tx = next(m for m in spec.machines if m.name == "Transaction")
        fired = frozenset(("Transaction", t.key) for t in tx.transitions[:10])
        cov = Coverage(
            fired=fired,
            reaching={("Transaction", tx.transitions[10].key): ("generated/x.py::test_y",)},
            paths={("Transaction", tx.transitions[11].key): ("tester.plug_in", "internal.z")},
            sources=("run.json",),
        )
    return site_files(spec, render_svg, cov)


def _data(page: str, covered: bool = False) -> dict[str, object]:
    match = re.search(
        r'<script type="application/json" id="machine-data">(.*?)</script>',
        _site(covered)[page],
        re.DOTALL,
    )
    assert match is not None
    loaded: dict[str, object] = json.loads(match.group(1))
    return loaded


def test_one_page_per_machine_an_index_and_local_assets_only() -> None:
    files = _site()
    pages = {f"{m.module}.html" for m in _spec().machines}
    assert pages <= set(files)
    assert {"index.html", "assets/site.js", "assets/site.css", "assets/search-index.js"} <= set(
        files
    )
    for name, text in files.items():
        # Self-contained: nothing is loaded from the network.
        assert not re.search(r"""(?:src|href)=["']?(?:https?:)?//""", text), name


def test_index_lists_machines_by_profile_and_pics_items_with_their_uses() -> None:
    index = _site()["index.html"]
    assert '<h3 id="profile-Core">Core</h3>' in index
    assert '<a href="transaction.html">Transaction</a>' in index
    # A profile with no machine yet says so instead of vanishing.
    assert "No machine of this profile is specified yet." in index
    # Reserved is gated by the Reservation PICS item (§4.9 G cells, OCPP 1.6 §5.13).
    row = re.search(r'<tr id="pics-Reservation">.*?</tr>', index, re.DOTALL)
    assert row is not None and "connector_status.html#state=Reserved" in row.group(0)


def test_every_drawn_element_is_addressable_and_maps_to_transitions() -> None:
    spec = _spec()
    for machine in spec.machines:
        page = _site()[f"{machine.module}.html"]
        data = _data(f"{machine.module}.html")
        views = data["views"]
        assert isinstance(views, dict)
        assert set(views) == {"overview", *(s.name for s in machine.states)}
        keys = {t.key for t in machine.transitions}
        for name, view in views.items():
            for edge_id, edge in view["edges"].items():
                assert f'id="{edge_id}"' in page, (machine.name, name, edge_id)
                assert set(edge["keys"]) <= keys
        drawn = {k for v in views.values() for e in v["edges"].values() for k in e["keys"]}
        external = {t.key for t in machine.transitions if t.target is not None}
        assert drawn == external, machine.name


def test_a_transition_carries_its_condition_actions_refs_and_spec_line() -> None:
    data = _data("connector_status.html")
    transitions = data["transitions"]
    assert isinstance(transitions, dict)
    b6 = transitions["B6:Preparing:timer.connection_timeout"]
    assert b6["target"] == "Finishing"
    assert b6["condition"]
    assert [a["name"] for a in b6["actions"]] == ["announce_timeout", "note_abandoned"]
    line = int(b6["at"].rsplit(":", 1)[1])
    source = (SPECS.parent.parent / b6["at"].rsplit(":", 1)[0]).read_text().splitlines()
    assert "B6" in source[line - 1]
    tx = _data("transaction.html")["transitions"]
    assert isinstance(tx, dict)
    # ST1 sends StartTransaction (OCPP 1.6 §4.8); an answer's event names its message too.
    assert "StartTransaction" in tx["ST1:Authorized:tester.plug_in"]["messages"]
    assert tx["SA4:Running:timeout.StartTransaction"]["messages"] == ["StartTransaction"]


def test_the_status_table_has_the_spec_cells() -> None:
    page = _site()["connector_status.html"]
    assert '<a href="#t=A2:Available:tester.plug_in"' in page
    assert re.search(r'<a href="#t=I8:Faulted:[^"]+"', page)


def test_search_index_finds_states_events_and_messages() -> None:
    text = _site()["assets/search-index.js"]
    entries = json.loads(text.removeprefix("window.CHARGESPEC_SEARCH = ").rstrip(";\n"))
    kinds = {(e["kind"], e["label"]) for e in entries}
    assert ("state", "SuspendedEVSE") in kinds
    assert ("event", "tester.plug_in") in kinds
    assert ("message", "StartTransaction") in kinds


def test_coverage_marks_each_transition_and_lists_the_uncovered_with_what_reaches_them() -> None:
    data = _data("transaction.html", covered=True)
    assert data["coverage"] is True
    transitions = data["transitions"]
    assert isinstance(transitions, dict)
    tx = next(m for m in _spec().machines if m.name == "Transaction")
    values = [transitions[t.key] for t in tx.transitions]
    assert all(t["covered"] for t in values[:10])
    assert values[10]["covered"] is False and values[10]["tests"] == ["generated/x.py::test_y"]
    assert values[11]["path"] == ["tester.plug_in", "internal.z"]
    page = _site(True)["transaction.html"]
    assert "Transitions not exercised" in page and "generated/x.py::test_y" in page
    assert "tester.plug_in → internal.z" in page
    assert "10 of" in _site(True)["index.html"]


def test_svg_inlined_without_prolog_and_json_cannot_close_its_script() -> None:
    svg = '<?xml version="1.0"?>\n<!DOCTYPE svg>\n<!-- x -->\n<svg width="1pt"><g/></svg>'
    assert inline_svg(svg) == '<svg width="1pt"><g/></svg>'
    for page in (p for p in _site() if p.endswith(".html")):
        body = _site()[page]
        scripts = re.findall(r"<script[^>]*>(.*?)</script>", body, re.DOTALL)
        assert all("</" not in s for s in scripts)


def test_coverage_needs_html_and_a_bad_run_file_is_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    bad = tmp_path / "notes.json"
    bad.write_text('{"hello": 1}', encoding="utf-8")
    out = tmp_path / "gen"
    result = runner.invoke(cli, ["diagram", str(SPECS), "--out", str(out), "--coverage", str(bad)])
    assert result.exit_code == 2 and "--html" in result.output
    site = str(tmp_path / "site")
    args = ["diagram", str(SPECS), "--out", str(out), "--html", site, "--coverage", str(bad)]
    result = runner.invoke(cli, args)
    assert result.exit_code == 1
    assert "notes.json" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("page", ["index.html", "transaction.html"])
def test_pages_are_deterministic(page: str) -> None:
    spec = _spec()
    assert site_files(spec, render_svg)[page] == _site()[page]
