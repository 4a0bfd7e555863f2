"""Reusable test states (test_states.yaml) and the demo (demo.yaml): their IR, how a setup
selects states and is written out as setup steps at build time, the rendered runner data,
and every diagnostic about them."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.checks import check_spec_set
from compiler.diagnostics import Pos
from compiler.frontend.load import load_spec_set
from compiler.frontend.setup_steps import unroll
from compiler.ir import ScenarioStep, SpecSet
from compiler.render.python_modules import python_files
from compiler.render.scenario_data import scenario_data
from tests.compiler.test_checks import BASE, ROOT, machine_yaml

STATES = """\
test_states:
  Booted:
    description: The boot was accepted.
    refs: ["OCPP 1.6 §4.2"]
    selected_by: {key: boot, value: accepted}
    steps:
      - expect: {BootNotification: {}}
        reply: {status: Accepted, currentTime: $now, interval: 300}
      - tester: {plug_in: {connector: $connector}}
        for_each_connector: {from: 1}
  Plugged:
    description: >-
      A cable is in, and the boot
      answered again.
    selected_by: {key: plugged}
    after: [Booted]
    parameters:
      connector: {type: integer, minimum: 1, default: 1, description: Where.}
      tag: {type: string, minLength: 1, maxLength: 5, optional: true}
      vendor: {type: string}
    steps:
      - tester: {plug_in: {connector: $connector}}
      - expect: {BootNotification: {chargePointVendor: $vendor}}
        reply: {status: Accepted, interval: 300, note: $tag}
"""
SETUP = "{connectors: 2, boot: accepted, plugged: {connector: 2, vendor: ACME}}"
SCENARIO = """\
scenarios:
  - id: TC_STATES
    title: States
    requires: [Core]
    setup: SETUP
    steps:
      - send: {Heartbeat: {}}
        expect_reply: {currentTime: $any}
      - tester: {plug_in: {connector: $connector}}
        for_each_connector: {from: 1}
"""
DEMO = """\
demo:
  id: DEMO
  title: A short session
  description: Boot, then every connector plugged in.
  setup: {connectors: 2}
  steps:
    - expect: {BootNotification: {}}
      reply: {status: Accepted, currentTime: $now, interval: 5}
    - tester: {plug_in: {connector: $connector}}
      for_each_connector: {from: 1}
"""


# The states' replies give BootNotification a currentTime and a note (the optional parameter
# $tag), fields the base spec set's mini BootNotification.conf lacks (SPEC238 otherwise).
MESSAGES = BASE["messages/core.yaml"].replace(
    "      interval: {type: integer, required: true}\n",
    "      interval: {type: integer, required: true}\n"
    "      currentTime: {type: datetime}\n"
    "      note: {type: string}\n",
    1,
)


def _compile(
    tmp_path: Path, states: str = STATES, setup: str = SETUP, **files: str
) -> tuple[SpecSet | None, list[tuple[str, str]]]:
    """Write BASE, the Boot machine, the states and a scenario with ``setup`` (plus
    ``files``), load and check; returns the spec set and (code, rendered diagnostic) pairs."""
    written = {
        **BASE,
        "messages/core.yaml": MESSAGES,
        "machines/boot.yaml": machine_yaml(),
        "test_states.yaml": states,
        "scenarios/core.yaml": SCENARIO.replace("SETUP", setup),
        **files,
    }
    root = tmp_path / "spec"
    for rel, text in written.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    spec, found = load_spec_set(root)
    if spec is not None:
        found += check_spec_set(spec)
    return spec, [(d.code, d.render()) for d in sorted(found, key=lambda d: (d.code, d.pos))]


def _ok(tmp_path: Path, **kwargs: str) -> SpecSet:
    spec, found = _compile(tmp_path, **kwargs)
    assert found == []
    assert spec is not None
    return spec


def test_test_states_in_the_ir(tmp_path: Path) -> None:
    spec = _ok(tmp_path)
    booted, plugged = spec.test_states
    assert (booted.name, booted.key, booted.value, booted.after) == (
        "Booted",
        "boot",
        "accepted",
        (),
    )
    assert booted.refs == ("OCPP 1.6 §4.2",) and booted.pos.line == 2
    assert booted.steps[1].for_each_connector == 1
    assert (plugged.key, plugged.value, plugged.after) == ("plugged", None, ("Booted",))
    assert plugged.description == "A cable is in, and the boot answered again."
    connector, tag, vendor = plugged.parameters
    assert (connector.default, connector.limits, connector.description) == (
        1,
        {"minimum": 1},
        "Where.",
    )
    assert (tag.optional, tag.required, tag.limits) == (
        True,
        False,
        {"minLength": 1, "maxLength": 5},
    )
    assert (vendor.type, vendor.required) == ("string", True)
    assert vendor.pos.line == 20
    assert spec.test_state("Plugged") is plugged and spec.test_state("Nope") is None


def test_a_setup_plays_the_states_it_selects_after_those_they_come_after(tmp_path: Path) -> None:
    (sc,) = _ok(tmp_path, setup="{connectors: 2, plugged: {connector: 2, vendor: ACME}}").scenarios
    assert [(s.key, s.value) for s in sc.selections] == [
        ("plugged", {"connector": 2, "vendor": "ACME"})
    ]
    played = [(s.state, s.connector, s.kind, s.name, s.payload, s.reply) for s in sc.setup_steps]
    boot_reply = {"status": "Accepted", "currentTime": "$now", "interval": 300}
    # A connector loop stays one step: the runner plays it for the device's connectors.
    assert played == [
        ("Booted", None, "expect", "BootNotification", {}, boot_reply),
        ("Booted", None, "tester", "plug_in", {"connector": "$connector"}, None),
        ("Plugged", None, "tester", "plug_in", {"connector": 2}, None),
        (
            "Plugged",
            None,
            "expect",
            "BootNotification",
            {"chargePointVendor": "ACME"},
            {"status": "Accepted", "interval": 300},  # no tag given: `note` left out
        ),
    ]
    assert [s.for_each_connector for s in sc.setup_steps] == [None, 1, None, None]
    assert [s.for_each_connector for s in sc.steps] == [None, 1]


def test_each_state_is_played_once_and_an_optional_parameter_given_is_filled_in(
    tmp_path: Path,
) -> None:
    setup = "{boot: accepted, plugged: {vendor: ACME, tag: T-1}}"
    (sc,) = _ok(tmp_path, setup=setup).scenarios
    assert [s.state for s in sc.setup_steps] == ["Booted", "Booted", "Plugged", "Plugged"]
    assert sc.setup_steps[2].payload == {"connector": 1}  # the default
    assert sc.setup_steps[3].reply == {"status": "Accepted", "interval": 300, "note": "T-1"}


def test_an_optional_placeholder_is_left_out_of_lists_too() -> None:
    step = ScenarioStep("send", "X", {"keys": ["$a", "$b", "c"]}, {"r": "$b"}, None, "", Pos("f"))
    (played,) = unroll([step], {"a": 1}, frozenset({"b"}), "S")
    assert (played.payload, played.reply) == ({"keys": [1, "c"]}, {})
    assert (played.state, played.connector) == ("S", None)


def test_runner_data_carries_setup_steps_and_the_setup_the_test_system_reads(
    tmp_path: Path,
) -> None:
    spec = _ok(tmp_path)
    data = scenario_data(spec, spec.scenarios[0])
    assert data["setup"] == {"connectors": 2}
    at = [step["at"] for step in data["setup_steps"]]
    assert all(a.startswith(f"{spec.root}/test_states.yaml:") for a in at)
    assert [a.split("test_states.yaml")[1] for a in at] == [
        ":7 (Booted)",
        ":9 (Booted)",
        ":22 (Plugged)",
        ":23 (Plugged)",
    ]
    assert data["setup_steps"][1]["for_each_connector"] == 1
    assert data["setup_steps"][0]["state"] == "Booted"
    steps = data["steps"]
    assert steps[1]["payload"] == {"connector": "$connector"}
    assert steps[0]["reply"] == {"currentTime": "$any"}  # run-time placeholders stay


@pytest.mark.parametrize(
    ("states", "setup", "expected"),
    [
        pytest.param(
            STATES.replace("$vendor}}", "$vendr}}"),
            SETUP,
            [("SPEC235", "test state Plugged uses unknown parameter '$vendr'")],
            id="unknown-placeholder",
        ),
        pytest.param(
            STATES.replace("currentTime: $now, interval: 300", "interval: $connector"),
            SETUP,
            [("SPEC235", "test state Booted uses unknown parameter '$connector'")],
            id="connector-outside-a-loop",
        ),
        pytest.param(
            STATES,
            "{plugd: {vendor: ACME}}",
            [
                (
                    "SPEC101",
                    "unknown field 'plugd' in scenario TC_STATES, 'setup'; expected one "
                    "of: boot, config, connectors, pics, plugged, values (did you mean 'plugged'?)",
                )
            ],
            id="unknown-setup-key",
        ),
        pytest.param(
            STATES,
            "{boot: acepted}",
            [
                (
                    "SPEC104",
                    "\"acepted\" is not allowed for scenario TC_STATES, setup 'boot'; "
                    "expected one of: accepted (did you mean 'accepted'?)",
                )
            ],
            id="value-not-selecting",
        ),
        pytest.param(
            STATES,
            "{boot: {x: 1}}",
            [("SPEC103", "scenario TC_STATES, setup 'boot' is a mapping")],
            id="mapping-for-a-value",
        ),
        pytest.param(
            STATES,
            "{plugged: yes}",
            [
                (
                    "SPEC103",
                    "setup 'plugged' is a string; expected a mapping of parameters of "
                    "test state Plugged (connector, tag, vendor)",
                )
            ],
            id="value-for-a-mapping",
        ),
        pytest.param(
            STATES,
            "{plugged: {connector: '2', vendor: ACME}}",
            [
                (
                    "SPEC103",
                    "parameter 'connector' of test state Plugged is a string; expected integer",
                )
            ],
            id="argument-type",
        ),
        pytest.param(
            STATES,
            "{plugged: {connector: 0, vendor: ACME}}",
            [
                (
                    "SPEC104",
                    "0 is not allowed for scenario TC_STATES, parameter 'connector' of "
                    "test state Plugged; expected at least 1",
                )
            ],
            id="argument-minimum",
        ),
        pytest.param(
            STATES,
            "{plugged: {vendor: ACME, tag: ''}}",
            [("SPEC104", "expected at least 1 character(s)")],
            id="argument-min-length",
        ),
        pytest.param(
            STATES,
            "{plugged: {vendor: ACME, tag: TOO-LONG}}",
            [("SPEC104", "expected at most 5 character(s)")],
            id="argument-max-length",
        ),
        pytest.param(
            STATES,
            "{plugged: {connector: 2}}",
            [
                (
                    "SPEC102",
                    "scenario TC_STATES, setup 'plugged' has no 'vendor'; test state "
                    "Plugged needs 'vendor'",
                )
            ],
            id="required-argument-missing",
        ),
        pytest.param(
            STATES,
            "{plugged: {vendor: ACME, vendr: ACME}}",
            [
                (
                    "SPEC235",
                    "scenario TC_STATES gives test state Plugged unknown parameter "
                    "'vendr'; expected one of: connector, tag, vendor (did you mean 'vendor'?)",
                )
            ],
            id="unknown-argument",
        ),
        pytest.param(
            STATES.replace("minimum: 1, default: 1", "minimum: 1, default: 0"),
            SETUP,
            [
                (
                    "SPEC104",
                    "0 is not allowed for the default of parameter 'connector' of test "
                    "state Plugged",
                )
            ],
            id="default-misfit",
        ),
        pytest.param(
            STATES.replace("{type: string}", "{type: string, default: 7}"),
            SETUP,
            [("SPEC103", "the default of parameter 'vendor' of test state Plugged is an integer")],
            id="default-type",
        ),
        pytest.param(
            STATES.replace(
                "    selected_by: {key: boot, value: accepted}\n",
                "    selected_by: {key: boot, value: accepted}\n    after: [Plugged]\n",
            ),
            SETUP,
            [
                ("SPEC236", "test state Booted comes after itself"),
                ("SPEC236", "test state Plugged comes after itself"),
            ],
            id="after-cycle",
        ),
        pytest.param(
            STATES.replace("key: plugged}", "key: boot, value: accepted}"),
            "{boot: accepted}",
            [("SPEC214", "test states Booted and Plugged are both selected by setup 'boot'")],
            id="two-states-one-selection",
        ),
        pytest.param(
            STATES.replace(
                "{BootNotification: {chargePointVendor", "{BootNotificaton: {chargePointVendor"
            ),
            SETUP,
            [("SPEC203", "test_states.yaml:23:9: error[SPEC203]: step names unknown message")],
            id="unknown-message",
        ),
    ],
)
def test_diagnostics(
    tmp_path: Path, states: str, setup: str, expected: list[tuple[str, str]]
) -> None:
    _, found = _compile(tmp_path, states=states, setup=setup)
    assert [code for code, _ in found] == [code for code, _ in expected]
    for (_, text), (_, fragment) in zip(found, expected, strict=True):
        assert fragment in text


def test_unknown_parameter_points_at_the_setup_entry(tmp_path: Path) -> None:
    _, found = _compile(tmp_path, setup="{plugged: {vendor: ACME, vendr: X}}")
    ((_, text),) = found
    assert "scenarios/core.yaml:5:37: error[SPEC235]" in text


def test_schema_errors_in_test_states_carry_their_position(tmp_path: Path) -> None:
    states = STATES.replace("selected_by: {key: boot", "selectd_by: {key: boot")
    states = states.replace("{from: 1}", "{from: 2}")
    _, found = _compile(tmp_path, states=states)
    rendered = [text.split("spec/", 1)[1] for _, text in found]
    assert rendered == [
        "test_states.yaml:5:5: error[SPEC101]: unknown field 'selectd_by' in test state "
        "'Booted'; expected one of: after, description, parameters, refs, selected_by, steps "
        "(did you mean 'selected_by'?)",
        "test_states.yaml:3:5: error[SPEC102]: test state 'Booted' has no 'selected_by'; "
        "'selected_by' is required here",
        "test_states.yaml:10:36: error[SPEC104]: 2 is not allowed for test state 'Booted', "
        "step 2, 'for_each_connector', 'from'; expected one of: 0, 1",
    ]


def test_demo_is_built_checked_and_rendered_as_data(tmp_path: Path) -> None:
    spec = _ok(tmp_path, **{"demo.yaml": DEMO})
    demo = spec.demo
    assert demo is not None and (demo.id, demo.title) == ("DEMO", "A short session")
    assert [(s.payload, s.for_each_connector) for s in demo.steps[1:]] == [
        ({"connector": "$connector"}, 1)
    ]
    text = python_files(spec, "generated.mini")["demo.py"]
    assert "DEMO: Final[dict[str, Any]] = {" in text
    assert '"setup": {"connectors": 2}' in text
    assert "A short session. Boot, then every connector plugged in." in text


def test_demo_steps_and_setup_are_checked(tmp_path: Path) -> None:
    demo = DEMO.replace("{BootNotification: {}}", "{BootNotificaton: {}}")
    demo = demo.replace("{connectors: 2}", "{connectors: 2, config: {HeartbeatInterval: 5}}")
    _, found = _compile(tmp_path, **{"demo.yaml": demo})
    assert [code for code, _ in found] == ["SPEC101", "SPEC203"]
    assert "unknown field 'config' in scenario DEMO, 'setup'" in found[0][1]
    assert "demo.yaml:7:7: error[SPEC203]" in found[1][1]


def test_a_spec_set_without_test_states_knows_no_setup_key_but_its_own(tmp_path: Path) -> None:
    files = {
        **BASE,
        "messages/core.yaml": MESSAGES,
        "machines/boot.yaml": machine_yaml(),
        "scenarios/core.yaml": SCENARIO.replace("SETUP", "{boot: accepted}"),
    }
    root = tmp_path / "bare"
    for rel, text in files.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    bare, loaded = load_spec_set(root)
    assert bare is not None and loaded == [] and bare.test_states == ()
    (problem,) = check_spec_set(bare)
    assert problem.code == "SPEC101"
    assert problem.expected == "expected one of: config, connectors, pics, values"


def test_a_broken_test_states_file_does_not_make_every_setup_key_unknown(tmp_path: Path) -> None:
    _, found = _compile(tmp_path, states=STATES.replace("{key: plugged}", "{key: Plugged}"))
    assert [code for code, _ in found] == ["SPEC104"]
    assert "test_states.yaml" in found[0][1]


def test_the_real_states_start_every_case_then_configure_boot_and_charge() -> None:
    spec, found = load_spec_set(ROOT / "specs" / "ocpp16")
    assert spec is not None and found == []
    assert [s.name for s in spec.test_states] == ["Started", "FreshBoot", "Booted", "Charging"]
    charging = spec.test_state("Charging")
    assert charging is not None and charging.after == ("Booted",)
    parent = charging.parameter("parentIdTag")
    assert parent is not None and parent.optional and parent.default is None
    order = ["Started", "Configured", "FreshBoot", "Booted", "Charging"]
    for sc in spec.scenarios:
        keys = {s.key for s in sc.selections}
        states = [s.state for s in sc.setup_steps]
        # Every case starts from Started; then configuration, then the states it selects.
        assert states[0] == "Started" and sc.setup_steps[0].kind == "settle", sc.id
        assert states == sorted(states, key=order.index), sc.id
        assert ("Charging" in states) == ("charging" in keys), sc.id
        assert ("Booted" in states) == bool(keys & {"charging"} or "accepted" in str(sc.setup)), (
            sc.id
        )
        # Each key the case sets is changed and read back; Rejected is allowed (a read-only
        # key may already hold the value), the read-back decides whether it is reached.
        config = sc.setup.get("config", {})
        setting = {"status": {"$one_of": ["Accepted", "Rejected"]}}
        changed = [
            s.payload["key"]
            for s in sc.setup_steps
            if s.name == "ChangeConfiguration" and s.reply == setting
        ]
        assert [k for k in changed if k in config] == list(config), sc.id
        read = [s for s in sc.setup_steps if s.name == "GetConfiguration"]
        assert (list(read[-1].payload["key"]) if read else []) == list(config), sc.id
    # The demo plays against a fresh simulator: no Started state.
    assert spec.demo is not None and spec.demo.setup["connectors"] == 2
    assert all(s.state != "Started" for s in spec.demo.setup_steps)


def test_now_plus_seconds_is_a_run_time_placeholder_of_a_test_state(tmp_path: Path) -> None:
    # "$now+<seconds>" is filled in by the runner like $now, not a parameter (SPEC235).
    states = STATES.replace("currentTime: $now,", 'currentTime: "$now+30",')
    assert states != STATES
    spec = _ok(tmp_path, states=states)
    data = scenario_data(spec, spec.scenarios[0])
    assert data["setup_steps"][0]["reply"]["currentTime"] == "$now+30"
