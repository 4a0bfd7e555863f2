"""Tests for the state diagrams (compiler.render.diagrams): views (.dot), .mmd, .svg, pages.

That the SVGs stay outside the drift check, through the CLI, is in test_svg_outside_drift.py.
"""

from __future__ import annotations

import dataclasses
import re
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from compiler.frontend.load import load_spec_set
from compiler.ir import Machine, SpecSet, Transition
from compiler.render.diagrams import (
    GraphvizMissing,
    View,
    diagram_files,
    focus,
    overview,
    render_index,
    render_mermaid,
    render_svg,
    svg_files,
    transition_table,
)

REPO = Path(__file__).resolve().parents[2]
SCREEN_PT = 1440  # 1,920 CSS px at 100 % (Graphviz SVG sizes are in pt: px = pt * 4/3)
DOT_ID = re.compile(r'\bid="([^"]+)"')
DOT_EDGE = re.compile(r"^    (\S+) -> (\S+) \[(.*)\];$", re.MULTILINE)
SVG_WIDTH = re.compile(r'<svg width="([\d.]+)pt"')
MMD_EDGE = re.compile(r"^\s*(\S+) --> (\S+)(?: : (.*))?$", re.MULTILINE)
needs_dot = pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz `dot` not installed")


def load() -> SpecSet:
    """The OCPP 1.6 spec set, loaded from the repository root so its paths are relative."""
    with pytest.MonkeyPatch.context() as mp:
        mp.chdir(REPO)
        loaded, diagnostics = load_spec_set(Path("specs/ocpp16"))
    assert loaded is not None, diagnostics
    return loaded


@pytest.fixture(scope="module")
def spec() -> SpecSet:
    return load()


def machine_named(spec: SpecSet, name: str) -> Machine:
    return next(m for m in spec.machines if m.name == name)


@pytest.fixture(scope="module")
def connector(spec: SpecSet) -> Machine:
    return machine_named(spec, "ConnectorStatus")


@pytest.fixture(scope="module")
def connector_dot(spec: SpecSet, connector: Machine) -> str:
    return overview(spec, connector).dot


def external(machine: Machine) -> list[Transition]:
    return [t for t in machine.transitions if t.target is not None]


def edge_labels(view: View) -> dict[str, str]:
    """Edge id -> label text of a view's DOT, wrapped lines joined by single spaces."""
    labels = {}
    for _, _, attrs in DOT_EDGE.findall(view.dot):
        edge_id = re.search(r'id="([^"]+)"', attrs)
        label = re.search(r'label="((?:[^"\\]|\\.)*)"', attrs)
        assert edge_id is not None
        text = label[1].replace("\\l", " ").replace('\\"', '"') if label else ""
        labels[edge_id[1]] = " ".join(text.split())
    return labels


def svg_ids(svg: str) -> dict[str, str]:
    """SVG element id -> class of every group (ids decoded: Graphviz writes '-' as &#45;)."""
    root = ET.fromstring(svg.split("-->\n", 1)[1].split("]>", 1)[-1])
    ns = "{http://www.w3.org/2000/svg}"
    return {str(g.get("id")): str(g.get("class")) for g in root.iter(f"{ns}g")}


# --------------------------------------------------------------------------- overview


@needs_dot
def test_every_overview_fits_a_1920_px_screen(spec: SpecSet) -> None:
    for machine in spec.machines:
        dot = overview(spec, machine).dot
        assert not re.search(r"\b(size|ratio|dpi)=", dot)
        assert all(int(n) >= 10 for n in re.findall(r"fontsize=(\d+)", dot))
        width = SVG_WIDTH.search(render_svg(dot))
        assert width is not None
        assert float(width[1]) <= SCREEN_PT, f"{machine.name} overview is {width[1]} pt wide"


def test_states_of_a_group_are_boxed_together_in_the_overview(spec: SpecSet) -> None:
    transaction = machine_named(spec, "Transaction")
    dot = overview(spec, transaction).dot
    clusters = dict(
        re.findall(r'subgraph (cluster_\d+) \{\n\s+label="([^"]+)";', dot)[i][::-1]
        for i in range(3)
    )
    assert set(clusters) == {"Starting", "Transaction open", "Cable held (E3.17)"}
    body = dot.split(f"subgraph {clusters['Transaction open']} {{", 1)[1].split("}", 1)[0]
    assert '"Running" [' in body and '"StopAuthorizing" [' in body and '"Idle" [' not in body
    # The overview reads from the top: the start point and the initial state come first.
    assert '{rank=min; __start; "Idle"}' in dot
    # A focus view shows one state's neighbourhood; it draws no groups.
    assert "subgraph" not in focus(spec, transaction, "Running").dot


def test_overview_edges_cover_every_external_transition_once(spec: SpecSet) -> None:
    for machine in spec.machines:
        view = overview(spec, machine)
        drawn = [key for e in view.edges for key in e.transitions]
        assert sorted(drawn) == sorted(t.key for t in external(machine))
        by_key = {t.key: t for t in machine.transitions}
        for edge in view.edges:
            ends = {edge.source, edge.target}
            for key in edge.transitions:
                t = by_key[key]
                # drawn between its own states, or from "any state" into its target
                assert {t.source, t.target} <= ends or (
                    edge.source == "*" and t.target == edge.target
                )


def test_overview_labels_show_event_and_condition_never_guard_or_actions(
    spec: SpecSet, connector: Machine
) -> None:
    view = overview(spec, connector)
    labels = edge_labels(view)
    a2 = next(e for e in view.edges if "A2:Available:tester.plug_in" in e.transitions)
    assert "tester.plug_in" in labels[a2.id] and "internal.remote_start" in labels[a2.id]
    text = "\n".join(labels.values())
    assert "report_status" not in text  # an action
    assert "§" not in text  # a spec ref
    # The guard as evaluated carries the PICS gate of Reserved; the label does not.
    a7 = next(t for t in connector.transitions if t.id == "A7")
    assert a7.gate == "Reservation" and a7.guard is not None and "pics." in a7.guard.text
    assert "pics.Reservation" not in text
    # A condition is the author's text: with a named condition it is the name.
    named = dataclasses.replace(a7, condition="reservation_made")
    odd = dataclasses.replace(
        connector, transitions=tuple(named if t is a7 else t for t in connector.transitions)
    )
    assert "internal.reserved [reservation_made]" in "\n".join(
        edge_labels(overview(spec, odd)).values()
    )


def test_overview_counts_internal_transitions_instead_of_listing_them(
    spec: SpecSet, connector: Machine
) -> None:
    dot = overview(spec, connector).dot
    preparing = [t for t in connector.transitions if t.source == "Preparing" and not t.target]
    assert len(preparing) == 11  # B-cancel, B-plug, B-id (2 events), B-sched, X-*, SN-trigger
    assert "+11 internal" in dot
    # neither node labels nor tooltips list an internal transition
    assert not [t.id for t in connector.transitions if t.target is None and t.id in dot]


def test_any_state_rule_is_drawn_once_from_the_pseudo_node(
    spec: SpecSet, connector: Machine
) -> None:
    view = overview(spec, connector)
    assert view.nodes["state-any"] == "*"
    (fault,) = [e for e in view.edges if e.source == "*"]
    assert fault.target == "Faulted"
    assert sorted(fault.transitions) == sorted(
        t.key for t in connector.transitions if t.event == "tester.fault" and t.target == "Faulted"
    )
    assert len(fault.transitions) == 8
    by_key = {t.key: t for t in connector.transitions}
    others = [k for e in view.edges if e.source != "*" for k in e.transitions]
    assert not [k for k in others if by_key[k].event == "tester.fault"]
    assert view.dot.count('label="any state"') == 1


def test_from_star_entry_is_drawn_once(spec: SpecSet) -> None:
    registration = machine_named(spec, "Registration")
    names = [s.name for s in registration.states]
    target = names[0]
    template = external(registration)[0]
    star = tuple(
        dataclasses.replace(
            template,
            key=f"ANY:{s}:tester.power_off",
            id="ANY",
            source=s,
            target=target,
            event="tester.power_off",
            condition=None,
            from_any=True,
            entry=99,
        )
        for s in names
    )
    machine = dataclasses.replace(registration, transitions=registration.transitions + star)
    view = overview(spec, machine)
    from_any = [e for e in view.edges if e.source == "*"]
    assert len(from_any) == 1 and set(from_any[0].transitions) == {t.key for t in star}
    assert "tester.power_off" in edge_labels(view)[from_any[0].id]
    assert sum("tester.power_off" in label for label in edge_labels(view).values()) == 1
    # All states but one (not the target): still once, saying which state it does not leave.
    fewer = dataclasses.replace(registration, transitions=registration.transitions + star[:-1])
    labels = edge_labels(overview(spec, fewer))
    assert sum("tester.power_off" in label for label in labels.values()) == 1
    assert f"(not from {names[-1]})" in "".join(labels.values())


def test_from_star_entry_is_drawn_once_even_with_two_states(spec: SpecSet) -> None:
    heartbeat = machine_named(spec, "Heartbeat")
    template = external(heartbeat)[0]
    star = tuple(
        dataclasses.replace(
            template, key=f"R:{s.name}:x", id="R", source=s.name, target="Idle", from_any=True
        )
        for s in heartbeat.states
    )
    view = overview(spec, dataclasses.replace(heartbeat, transitions=heartbeat.transitions + star))
    (edge,) = [e for e in view.edges if e.source == "*"]
    assert set(edge.transitions) == {t.key for t in star} and edge.target == "Idle"


def test_ids_are_unique_and_mapped(spec: SpecSet) -> None:
    for machine in spec.machines:
        views = [overview(spec, machine), *(focus(spec, machine, s.name) for s in machine.states)]
        for view in views:
            ids = DOT_ID.findall(view.dot)
            assert len(ids) == len(set(ids)), (machine.name, view.name)
            assert set(view.nodes) <= set(ids)
            assert {e.id for e in view.edges} <= set(ids)
            for node_id, state in view.nodes.items():
                assert node_id == ("state-any" if state == "*" else f"state-{state}")
            statements = DOT_EDGE.findall(view.dot)
            assert all('id="' in a and "tooltip=" in a for _, _, a in statements)
            assert len(statements) == len(view.edges) + ("edge-initial" in ids)


# --------------------------------------------------------------------------- focus views


def test_focus_view_has_every_transition_in_and_out_of_its_state(spec: SpecSet) -> None:
    for machine in spec.machines:
        for state in machine.states:
            view = focus(spec, machine, state.name)
            drawn = sorted(key for e in view.edges for key in e.transitions)
            expected = sorted(
                t.key for t in external(machine) if state.name in (t.source, t.target)
            )
            assert drawn == expected, (machine.name, state.name)
            assert view.name == state.name
            assert f"state-{state.name}" in view.nodes


def test_focus_view_labels_and_lists_internal_transitions(
    spec: SpecSet, connector: Machine
) -> None:
    view = focus(spec, connector, "Preparing")
    text = "\n".join(edge_labels(view).values())
    assert "A2: tester.plug_in" in text
    assert "B6: timer.connection_timeout [ctx.cable_plugged]" in text
    assert "I2: tester.fault_cleared" in text
    assert "B-plug: tester.plug_in" in view.dot  # internal, inside the state
    assert "entry /" in view.dot or not connector.state("Preparing").entry
    assert "C4:" not in text  # Charging -> SuspendedEV does not touch Preparing


# --------------------------------------------------------------------------- transition table


def test_connector_status_gets_the_4_9_grid(connector: Machine) -> None:
    table = transition_table(connector)
    assert table.title == "OCPP 1.6 §4.9 status transitions"
    assert table.rows[0] == ("A", "Available") and table.rows[-1] == ("I", "Faulted")
    assert table.columns[1] == ("2", "Preparing") and len(table.columns) == 9
    assert table.cells[("Available", "Preparing")] == (
        "A2:Available:tester.plug_in",
        "A2:Available:tester.present_id_tag",
        "A2:Available:internal.remote_start",
    )
    assert table.cells[("Faulted", "Unavailable")] == ("I8:Faulted:tester.fault_cleared",)
    assert table.cells[("Preparing", "Finishing")] == ("B6:Preparing:timer.connection_timeout",)
    assert ("Available", "Available") not in table.cells
    assert sum(len(v) for v in table.cells.values()) == len(external(connector))
    assert "B-plug:Preparing:tester.plug_in" in table.others
    assert len(table.others) == len(connector.transitions) - len(external(connector))


def test_other_machines_get_a_source_by_target_matrix(spec: SpecSet) -> None:
    transaction = machine_named(spec, "Transaction")
    table = transition_table(transaction)
    assert table.title == "source × target"
    assert table.rows == tuple((s.name, s.name) for s in transaction.states)
    assert "AU1:Idle:tester.present_id_tag" in table.cells[("Idle", "Authorizing")]
    placed = [k for keys in table.cells.values() for k in keys]
    assert sorted(placed + list(table.others)) == sorted(t.key for t in transaction.transitions)


def test_machine_page_has_the_table(spec: SpecSet) -> None:
    page = diagram_files(spec)["connector_status.md"]
    assert "## Transition table: OCPP 1.6 §4.9 status transitions" in page
    assert "| **A Available** |  | **A2** tester.plug_in, tester.present_id_tag," in page
    assert "- **B-plug**: Preparing: tester.plug_in" in page
    assert "[Preparing](connector_status/Preparing.svg)" in page


# --------------------------------------------------------------------------- mermaid


def test_mermaid_groups_like_the_overview(spec: SpecSet) -> None:
    for machine in spec.machines:
        mmd = render_mermaid(spec, machine)
        edges = [e for e in MMD_EDGE.findall(mmd) if e[0] != "[*]"]
        assert len(edges) == len(overview(spec, machine).edges), machine.name
    mmd = render_mermaid(spec, machine_named(spec, "ConnectorStatus"))
    assert 'state "any state" as any_state' in mmd
    assert "any_state --> Faulted : tester.fault" in mmd
    assert "+10 internal" in mmd and "B-plug" not in mmd


def test_mermaid_labels_are_sanitised(spec: SpecSet) -> None:
    heartbeat = machine_named(spec, "Heartbeat")
    t = next(t for t in heartbeat.transitions if t.target is not None)
    odd = dataclasses.replace(t, condition='msg.status == "a;b: <c> & d#e"')
    machine = dataclasses.replace(
        heartbeat, transitions=tuple(odd if x is t else x for x in heartbeat.transitions)
    )
    mmd = render_mermaid(spec, machine)
    assert "[msg.status == #quot;a#59;b#58; #lt;c#gt; & d#35;e#quot;]" in mmd
    dot = overview(spec, machine).dot
    assert r"[msg.status == \"a;b: <c> & d#e\"]" in dot  # the edge's tooltip
    if shutil.which("dot"):
        assert "[msg.status == &quot;a;b: &lt;c&gt; &amp; d#e&quot;]" in render_svg(dot)


# --------------------------------------------------------------------------- svg


@needs_dot
def test_dot_renders_to_svg_with_our_header(connector_dot: str) -> None:
    svg = render_svg(connector_dot)
    assert svg.startswith("<?xml")
    head = svg[: svg.index("<svg")]
    assert "DO NOT EDIT" in head and "@generated" in head
    assert head.index("@generated") < head.index("<!DOCTYPE")
    root = ET.fromstring(svg.split("?>", 1)[1].split("]>", 1)[-1].split("-->\n", 1)[1])
    assert root.tag.endswith("svg")
    ns = "{http://www.w3.org/2000/svg}"
    groups = {g.get("id"): g.get("class") for g in root.iter(f"{ns}g")}
    assert list(groups.values()).count("node") == 11  # 9 states, any state, the start point
    assert groups["state-Available"] == "node" and groups["state-any"] == "node"
    assert groups["edge-1"] == "edge" and groups["edge-initial"] == "edge"
    assert "[PICS Reservation]" in svg


@needs_dot
def test_every_machine_renders(spec: SpecSet) -> None:
    for machine in spec.machines:
        svg = render_svg(overview(spec, machine).dot)
        assert svg_ids(svg)[f"state-{machine.initial.name}"] == "node"


def test_missing_dot_binary_is_a_clear_error(
    connector_dot: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(GraphvizMissing, match="Graphviz `dot` binary"):
        render_svg(connector_dot)
    with pytest.raises(GraphvizMissing, match="Graphviz `dot` binary"):
        svg_files({"diagrams/x/a.dot": connector_dot})


@needs_dot
def test_svg_files_draw_every_dot_next_to_it(connector_dot: str) -> None:
    files = {"d/a.dot": connector_dot, "d/a.mmd": "%% not drawn", "d/index.md": "not drawn"}
    svgs = svg_files(files)
    assert list(svgs) == ["d/a.svg"]
    assert svgs["d/a.svg"] == render_svg(connector_dot)


# --------------------------------------------------------------------------- index and files


def test_index_lists_every_machine(spec: SpecSet) -> None:
    index = render_index(spec)
    assert index.startswith("<!--\n Generated by chargespec from specs/ocpp16/machines.\n")
    assert "@generated\n-->\n" in index
    headings = re.findall(r"^## (\w+)$", index, re.MULTILINE)
    assert headings == sorted(m.name for m in spec.machines)
    for m in spec.machines:
        for ext in ("dot", "svg", "mmd", "md"):
            assert f"]({m.module}.{ext})" in index
        assert f"![{m.name} overview]({m.module}.svg)" in index
        assert f"- Profile: {m.profile}" in index
        assert f"- Instance: {m.instance}" in index
    assert "9 states, 145 transitions (67 external drawn as 32 edges, 78 internal)" in index


def test_diagram_files_are_complete_and_byte_identical(
    spec: SpecSet, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # The checked diagrams never go through Graphviz: with no `dot` on PATH they are the same.
    monkeypatch.setenv("PATH", str(tmp_path))
    first = diagram_files(spec)
    expected = {"index.md"} | {
        f"{m.module}.{ext}" for m in spec.machines for ext in ("dot", "mmd", "md")
    }
    expected |= {f"{m.module}/{s.name}.dot" for m in spec.machines for s in m.states}
    assert set(first) == expected
    assert list(first) == sorted(first)
    second = diagram_files(load())
    assert first == second
    assert {k: v.encode() for k, v in first.items()} == {k: v.encode() for k, v in second.items()}
    assert not any(str(REPO) in text for text in first.values())
    assert all("@generated" in text and "DO NOT EDIT" in text for text in first.values())
    # no tool version in the sources (an SVG says "Generated by graphviz version ...")
    sources = [text.lower() for path, text in first.items() if path.endswith((".dot", ".mmd"))]
    assert sources and not any("graphviz" in text for text in sources)
