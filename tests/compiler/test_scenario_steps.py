"""Scenario step forms in the IR, the checks and the rendered runner data: any_order,
send with either answer or unchecked, and negated PICS conditions. (Setups that select test
states: tests/compiler/test_test_states.py.)"""

from __future__ import annotations

from pathlib import Path

from compiler.checks.scenarios import check_scenarios
from compiler.frontend.load import load_spec_set
from compiler.render.scenario_data import scenario_data
from tests.compiler.test_checks import BASE, codes, load, machine_yaml

SCENARIO = """\
scenarios:
  - id: TC_STEPS
    title: Step forms
    requires: [Core, not Reservation]
    setup: {connectors: 1, config: {HeartbeatInterval: 60}}
    steps:
      - any_order:
          - expect: {BootNotification: {chargePointVendor: $any}}
            reply: {status: Accepted, interval: 300}
          - comment: A heartbeat may come first.
            expect: {Heartbeat: {}}
        within: 5
      - send: {Heartbeat: {}}
        unchecked: true
        expect_reply: {currentTime: $any}
        expect_error: {$one_of: [NotSupported, ProtocolError]}
      - send: {Heartbeat: {}}
        expect_error: NotSupported
"""


def test_any_order_and_send_forms_in_the_ir(tmp_path: Path) -> None:
    spec = load(tmp_path, scenarios__core_yaml=SCENARIO)
    (sc,) = spec.scenarios
    group, either, error = sc.steps
    assert group.kind == "any_order" and group.seconds == 5
    assert [(i.kind, i.name) for i in group.items] == [
        ("expect", "BootNotification"),
        ("expect", "Heartbeat"),
    ]
    assert group.items[0].reply == {"status": "Accepted", "interval": 300}
    assert group.items[1].comment == "A heartbeat may come first."
    assert group.items[1].pos.line == group.pos.line + 3
    assert either.unchecked
    assert either.reply == {
        "$result": {"currentTime": "$any"},
        "$error": {"$one_of": ["NotSupported", "ProtocolError"]},
    }
    assert (error.reply, error.unchecked) == ({"$error": "NotSupported"}, False)
    assert sc.requires == ("Core", "not Reservation")
    assert sc.setup == {"connectors": 1, "config": {"HeartbeatInterval": 60}}
    # The configuration the setup names is set and read back over OCPP (no test states here).
    assert sc.selections == ()
    assert [(st.name, st.state) for st in sc.setup_steps] == [
        ("ChangeConfiguration", "Configured"),
        ("GetConfiguration", "Configured"),
    ]
    assert check_scenarios(spec) == []


def test_runner_data_carries_items_and_unchecked_only_where_used(tmp_path: Path) -> None:
    spec = load(tmp_path, scenarios__core_yaml=SCENARIO)
    (sc,) = spec.scenarios
    data = scenario_data(spec, sc)
    assert [st["name"] for st in data["setup_steps"]] == ["ChangeConfiguration", "GetConfiguration"]
    group, either, error = data["steps"]
    assert [item["name"] for item in group["items"]] == ["BootNotification", "Heartbeat"]
    assert "items" not in either and either["unchecked"] is True
    assert "unchecked" not in error and "items" not in error


def test_unknown_names_inside_any_order_and_negated_requires(tmp_path: Path) -> None:
    scenario = SCENARIO.replace("expect: {Heartbeat: {}}", "expect: {Heartbeet: {}}")
    scenario = scenario.replace("not Reservation", "not Reservaton")
    found = check_scenarios(load(tmp_path, scenarios__core_yaml=scenario))
    assert codes(found) == ["SPEC203", "SPEC204"]
    (pics,) = (d for d in found if d.code == "SPEC204")
    assert "unknown PICS item 'Reservaton'" in pics.found
    assert pics.hint == "did you mean 'Reservation'?"


def test_any_order_needs_two_expected_calls(tmp_path: Path) -> None:
    scenario = SCENARIO.replace(
        "          - comment: A heartbeat may come first.\n            expect: {Heartbeat: {}}\n",
        "",
    )
    files = {**BASE, "machines/boot.yaml": machine_yaml(), "scenarios/core.yaml": scenario}
    root = tmp_path / "spec"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    _, found = load_spec_set(root)
    assert [(d.code, d.pos.line) for d in found] == [("SPEC104", 8)]
    assert "expected at least 2 item(s)" in found[0].render()


def test_no_reply_leaves_an_expected_call_unanswered(tmp_path: Path) -> None:
    scenario = SCENARIO.replace(
        "reply: {status: Accepted, interval: 300}", "reply_error: InternalError"
    ).replace("expect: {Heartbeat: {}}\n", "expect: {Heartbeat: {}}\n            no_reply: true\n")
    spec = load(tmp_path, scenarios__core_yaml=scenario)
    (sc,) = spec.scenarios
    boot, heartbeat = sc.steps[0].items
    assert boot.reply == {"$error": "InternalError"}
    assert heartbeat.reply == {"$none": True}
    assert check_scenarios(spec) == []


def test_no_reply_takes_only_true(tmp_path: Path) -> None:
    scenario = SCENARIO.replace(
        "expect: {Heartbeat: {}}\n", "expect: {Heartbeat: {}}\n            no_reply: false\n"
    )
    files = {**BASE, "machines/boot.yaml": machine_yaml(), "scenarios/core.yaml": scenario}
    root = tmp_path / "spec"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    _, found = load_spec_set(root)
    assert [d.code for d in found] == ["SPEC104"]
