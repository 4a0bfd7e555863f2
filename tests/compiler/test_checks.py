"""Semantic checks on small spec sets built from YAML in tmp_path (compiler.checks)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pytest

from compiler.checks import check_spec_set
from compiler.checks.data import check_data
from compiler.checks.graph import check_graph, reachable_states
from compiler.checks.references import check_references, event_payload
from compiler.checks.scenarios import check_scenarios
from compiler.diagnostics import Diagnostic
from compiler.frontend.load import load_spec_set
from compiler.ir import (
    Machine,
    SpecSet,
)

ROOT = Path(__file__).resolve().parents[2]

BASE = {
    "spec.yaml": "spec: mini\ntitle: Mini\nedition: test\nprofiles: [Core]\n",
    "types.yaml": "enums:\n  RegistrationStatus:\n    values: [Accepted, Pending, Rejected]\n",
    "messages/core.yaml": """\
messages:
  BootNotification:
    profile: Core
    direction: cp_to_csms
    request:
      chargePointVendor: {type: string, required: true}
    response:
      status: {type: RegistrationStatus, required: true}
      interval: {type: integer, required: true}
  Heartbeat:
    profile: Core
    direction: cp_to_csms
    request: {}
    response:
      currentTime: {type: datetime, required: true}
""",
    "config_keys.yaml": """\
keys:
  HeartbeatInterval: {profile: Core, type: integer, access: RW, required: true, default: 300}
""",
    "pics.yaml": """\
items:
  Core: {section: Profiles, type: boolean, default: true}
  Reservation: {section: Profiles, type: boolean, default: false}
""",
    "events.yaml": """\
tester:
  plug_in:
    description: Cable in.
    payload:
      connector: {type: integer, required: true}
internal:
  connected: {description: Transport open.}
""",
}

STATES = """\
  Offline: {initial: true}
  BootSent: {}
  Accepted: {final: true}
"""
TRANSITIONS = """\
  - {id: T1, from: Offline, to: BootSent, on: internal.connected, do: [send_boot]}
  - id: T2
    from: BootSent
    to: Accepted
    on: result.BootNotification
    guard: msg.status == 'Accepted'
  - {id: T3, from: BootSent, to: Offline, on: result.BootNotification, guard: msg.status != 'x'}
  - {id: T4, from: BootSent, to: Offline, on: [error.BootNotification, timeout.BootNotification]}
"""
ACTIONS = """\
  send_boot:
    send: BootNotification
    with: {chargePointVendor: "'ACME'"}
    set: {attempts: ctx.attempts + 1}
"""
SCENARIO = """\
scenarios:
  - id: TC_BOOT
    title: Boot
    requires: [Core]
    setup: {connectors: 1, config: {HeartbeatInterval: 60}}
    steps:
      - expect: {BootNotification: {}}
        reply: {status: Accepted, interval: 300}
      - tester: {plug_in: {connector: 1}}
      - send: {Heartbeat: {}}
"""


def machine_yaml(
    states: str = STATES,
    transitions: str = TRANSITIONS,
    actions: str = ACTIONS,
    extra: str = "",
    name: str = "Boot",
) -> str:
    text = f"machine: {name}\nprofile: Core\ninstance: station\n"
    text += "context:\n  attempts: {type: integer, default: 0}\n" + extra
    text += f"states:\n{states}transitions:\n{transitions}"
    return text + (f"actions:\n{actions}" if actions else "")


def load(tmp_path: Path, **files: str) -> SpecSet:
    """Write BASE plus ``files`` (``machines__boot_yaml`` → machines/boot.yaml) and build it."""
    written = dict(BASE)
    written["machines/boot.yaml"] = machine_yaml()
    written.update({k.replace("__", "/").replace("_yaml", ".yaml"): v for k, v in files.items()})
    root = tmp_path / "spec"
    for rel, text in written.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    spec, found = load_spec_set(root)
    assert found == [], [d.render() for d in found]
    assert spec is not None
    return spec


def codes(found: Iterable[Diagnostic]) -> list[str]:
    return sorted(d.code for d in found)


def boot(spec: SpecSet) -> Machine:
    return next(m for m in spec.machines if m.name == "Boot")


def graph(tmp_path: Path, **parts: str) -> list[Diagnostic]:
    return check_graph(boot(load(tmp_path, machines__boot_yaml=machine_yaml(**parts))))


def refs(tmp_path: Path, **parts: str) -> list[Diagnostic]:
    spec = load(tmp_path, machines__boot_yaml=machine_yaml(**parts))
    return check_references(spec, boot(spec))


# --- the base spec set is clean ------------------------------------------------------------------


def test_base_spec_set_has_no_problems(tmp_path: Path) -> None:
    spec = load(tmp_path, scenarios__core_yaml=SCENARIO)
    assert check_spec_set(spec) == []
    assert [m.name for m in spec.machines] == ["Boot"]
    assert len(spec.scenarios) == 1


# --- graph -------------------------------------------------------------------------------------


def test_unknown_target_state(tmp_path: Path) -> None:
    found = graph(tmp_path, transitions=TRANSITIONS.replace("to: Accepted", "to: Acepted"))
    assert codes(found) == ["SPEC201"]
    assert found[0].hint == "did you mean 'Accepted'?"
    assert "goes to unknown state 'Acepted'" in found[0].found


def test_unknown_source_state_in_a_list(tmp_path: Path) -> None:
    transitions = TRANSITIONS.replace("from: Offline,", "from: [Offline, Ofline],")
    found = graph(tmp_path, transitions=transitions)
    assert codes(found) == ["SPEC201"]
    assert "goes from unknown state 'Ofline'" in found[0].found


def test_unknown_state_suppresses_unreachable(tmp_path: Path) -> None:
    # Accepted is unreachable only because of the typo; that is not reported twice.
    found = graph(tmp_path, transitions=TRANSITIONS.replace("to: Accepted", "to: Acepted"))
    assert "SPEC207" not in codes(found)


def test_two_initial_states(tmp_path: Path) -> None:
    found = graph(tmp_path, states=STATES.replace("BootSent: {}", "BootSent: {initial: true}"))
    assert codes(found) == ["SPEC206"]
    assert "2 initial states (Offline, BootSent)" in found[0].found
    assert found[0].pos.line == 8  # the second initial state


def test_no_initial_state(tmp_path: Path) -> None:
    found = graph(tmp_path, states=STATES.replace("{initial: true}", "{}"))
    # no single start: reachability is not judged
    assert codes(found) == ["SPEC206"]
    assert "0 initial states (none)" in found[0].found


def test_unreachable_state(tmp_path: Path) -> None:
    states = STATES + "  Orphan: {}\n"
    transitions = TRANSITIONS + "  - {id: T5, from: Orphan, to: Offline, on: internal.connected}\n"
    found = graph(tmp_path, states=states, transitions=transitions)
    assert codes(found) == ["SPEC207"]
    assert "'Orphan'" in found[0].found


def test_trap_state(tmp_path: Path) -> None:
    found = graph(tmp_path, states=STATES.replace("Accepted: {final: true}", "Accepted: {}"))
    assert codes(found) == ["SPEC218"]
    assert "'Accepted'" in found[0].found


def test_self_loop_and_internal_transition_are_no_way_out(tmp_path: Path) -> None:
    transitions = TRANSITIONS + (
        "  - {id: T5, from: Accepted, to: Accepted, on: internal.connected}\n"
        "  - {id: T6, from: Accepted, on: tester.plug_in}\n"
    )
    states = STATES.replace("Accepted: {final: true}", "Accepted: {}")
    assert codes(graph(tmp_path, states=states, transitions=transitions)) == ["SPEC218"]


def test_unguarded_transitions_on_the_same_event(tmp_path: Path) -> None:
    transitions = (
        TRANSITIONS + "  - {id: T5, from: Offline, to: Accepted, on: internal.connected}\n"
    )
    found = graph(tmp_path, transitions=transitions)
    assert codes(found) == ["SPEC208"]
    assert "transitions T1 and T5 both fire on 'internal.connected'" in found[0].found


def test_a_guard_tells_transitions_apart(tmp_path: Path) -> None:
    # Guarded first, the unguarded one after it is the fallback.
    transitions = TRANSITIONS.replace(
        "  - {id: T1,",
        "  - {id: T0, from: Offline, to: Accepted, on: internal.connected, guard: ctx.attempts}\n"
        "  - {id: T1,",
    )
    assert graph(tmp_path, transitions=transitions) == []


def test_unguarded_transition_shadows_a_later_guarded_one(tmp_path: Path) -> None:
    # The generated machine tries a state's transitions on an event in the order written, so
    # T5 (guarded, after the unguarded T1) can never fire.
    transitions = TRANSITIONS + (
        "  - {id: T5, from: Offline, to: Accepted, on: internal.connected, guard: ctx.attempts}\n"
    )
    found = graph(tmp_path, transitions=transitions)
    assert codes(found) == ["SPEC237"]
    assert found[0].found == (
        "transition T5 can never fire from 'Offline' on 'internal.connected': T1, written "
        "before it, fires there with no guard"
    )
    assert found[0].hint == "move T5 above T1, or give T1 a guard"
    assert found[0].pos.line == 19


def test_shadowing_names_every_source_state_of_a_list_or_star(tmp_path: Path) -> None:
    transitions = TRANSITIONS + (
        "  - {id: T5, from: '*', to: Offline, on: tester.plug_in}\n"
        "  - {id: T6, from: [BootSent, Offline], on: tester.plug_in, guard: ctx.attempts}\n"
    )
    found = graph(tmp_path, transitions=transitions)
    assert codes(found) == ["SPEC237"]
    assert found[0].found.startswith(
        "transition T6 can never fire from 'BootSent', 'Offline' on 'tester.plug_in': T5,"
    )


def test_star_source_is_every_state(tmp_path: Path) -> None:
    transitions = TRANSITIONS + "  - {id: T5, from: '*', on: tester.plug_in}\n"
    machine = boot(load(tmp_path, machines__boot_yaml=machine_yaml(transitions=transitions)))
    assert sorted(t.source for t in machine.transitions if t.id == "T5") == [
        "Accepted",
        "BootSent",
        "Offline",
    ]
    assert check_graph(machine) == []


def test_reachable_states_ignores_guards(tmp_path: Path) -> None:
    machine = boot(load(tmp_path))
    assert reachable_states(machine) == {"Offline", "BootSent", "Accepted"}


def test_reachable_states_covers_all_of_connector_status(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    spec, found = load_spec_set(Path("specs/ocpp16"))
    assert found == []
    assert spec is not None
    machine = next(m for m in spec.machines if m.name == "ConnectorStatus")
    assert len(machine.states) == 9
    assert reachable_states(machine) == {s.name for s in machine.states}


# --- references --------------------------------------------------------------------------------


def test_unknown_event_namespace(tmp_path: Path) -> None:
    found = refs(tmp_path, transitions=TRANSITIONS.replace("internal.connected", "testr.plug_in"))
    assert codes(found) == ["SPEC202"]
    assert found[0].hint == "did you mean 'tester'?"


def test_event_without_namespace(tmp_path: Path) -> None:
    found = refs(tmp_path, transitions=TRANSITIONS.replace("internal.connected", "connected"))
    assert codes(found) == ["SPEC202"]


def test_unknown_message_in_event_and_send(tmp_path: Path) -> None:
    transitions = TRANSITIONS.replace("timeout.BootNotification", "timeout.BootNotificaton")
    found = refs(tmp_path, transitions=transitions)
    # the timeout path for BootNotification is missing too, but that follows from the typo
    assert "SPEC203" in codes(found)
    assert any("'BootNotificaton'" in d.found for d in found)
    found = refs(tmp_path, actions=ACTIONS.replace("send: BootNotification", "send: Heartbeet"))
    assert codes(found) == ["SPEC203"]
    assert found[0].hint == "did you mean 'Heartbeat'?"


def test_may_send_names_a_message(tmp_path: Path) -> None:
    states = STATES.replace("BootSent: {}", "BootSent: {may_send: [BootNotification, Hartbeat]}")
    found = refs(tmp_path, states=states)
    assert codes(found) == ["SPEC203"]
    assert "may send unknown message 'Hartbeat'" in found[0].found


def test_unknown_pics_item_in_guard(tmp_path: Path) -> None:
    transitions = TRANSITIONS.replace("msg.status == 'Accepted'", "pics.Reservaton")
    found = refs(tmp_path, transitions=transitions)
    assert codes(found) == ["SPEC204"]
    assert found[0].hint == "did you mean 'Reservation'?"


def test_state_gated_by_pics_item(tmp_path: Path) -> None:
    states = STATES.replace("Accepted: {final: true}", "Accepted: {final: true, pics: Reservation}")
    spec = load(tmp_path, machines__boot_yaml=machine_yaml(states=states))
    machine = boot(spec)
    t2 = next(t for t in machine.transitions if t.id == "T2")
    assert t2.guard is not None
    assert t2.guard.text == "pics.Reservation and (msg.status == 'Accepted')"
    assert check_references(spec, machine) == []


def test_unknown_config_key_in_guard_and_set_config(tmp_path: Path) -> None:
    transitions = TRANSITIONS.replace("msg.status == 'Accepted'", "config.HeartbeatIntervall > 0")
    assert codes(refs(tmp_path, transitions=transitions)) == ["SPEC205"]
    actions = ACTIONS + "  adopt:\n    set_config: {HeartbeatIntervl: msg.interval}\n"
    found = refs(tmp_path, actions=actions)
    assert codes(found) == ["SPEC205"]
    assert found[0].hint == "did you mean 'HeartbeatInterval'?"


def test_unknown_tester_and_internal_event(tmp_path: Path) -> None:
    found = refs(tmp_path, transitions=TRANSITIONS.replace("internal.connected", "tester.plugin"))
    assert codes(found) == ["SPEC210"]
    assert found[0].hint == "did you mean 'tester.plug_in'?"
    found = refs(
        tmp_path, transitions=TRANSITIONS.replace("internal.connected", "internal.conected")
    )
    assert codes(found) == ["SPEC210"]


def test_timer_event_needs_a_started_timer(tmp_path: Path) -> None:
    transitions = TRANSITIONS + "  - {id: T5, from: Offline, on: timer.retry}\n"
    assert codes(refs(tmp_path, transitions=transitions)) == ["SPEC210"]
    actions = ACTIONS + "  arm:\n    start_timer: retry\n    after: 10\n"
    assert refs(tmp_path, transitions=transitions, actions=actions) == []


def test_raised_event_must_exist(tmp_path: Path) -> None:
    actions = ACTIONS + "  announce:\n    raise: internal.acepted\n"
    assert codes(refs(tmp_path, actions=actions)) == ["SPEC210"]


def test_unknown_action_in_transition_state_and_machine_entry(tmp_path: Path) -> None:
    assert codes(refs(tmp_path, transitions=TRANSITIONS.replace("[send_boot]", "[send_bot]"))) == [
        "SPEC211"
    ]
    states = STATES.replace("BootSent: {}", "BootSent: {entry: [arm], exit: [disarm]}")
    assert codes(refs(tmp_path, states=states)) == ["SPEC211", "SPEC211"]
    found = refs(tmp_path, extra="entry: [report]\n")
    assert codes(found) == ["SPEC211"]
    assert "machine Boot entry" in found[0].found


def test_unknown_msg_field(tmp_path: Path) -> None:
    transitions = TRANSITIONS.replace("msg.status == 'Accepted'", "msg.stauts == 'Accepted'")
    found = refs(tmp_path, transitions=transitions)
    assert codes(found) == ["SPEC212"]
    assert found[0].hint == "did you mean 'status'?"
    assert "'result.BootNotification' carries no field 'msg.stauts'" in found[0].found


def test_error_and_timeout_events_carry_no_fields(tmp_path: Path) -> None:
    transitions = TRANSITIONS.replace(
        "on: [error.BootNotification, timeout.BootNotification]}",
        "on: error.BootNotification, guard: msg.status == 'x'}\n"
        "  - {id: T5, from: BootSent, to: Offline, on: timeout.BootNotification}",
    )
    assert codes(refs(tmp_path, transitions=transitions)) == ["SPEC212"]


def test_unknown_context_variable(tmp_path: Path) -> None:
    actions = ACTIONS.replace("ctx.attempts + 1", "ctx.attempt + 1")
    found = refs(tmp_path, actions=actions)
    assert codes(found) == ["SPEC217"]
    assert found[0].hint == "did you mean 'attempts'?"
    actions = ACTIONS.replace("set: {attempts:", "set: {atempts:")
    assert codes(refs(tmp_path, actions=actions)) == ["SPEC217"]


def test_sent_call_needs_every_outcome(tmp_path: Path) -> None:
    transitions = TRANSITIONS.replace(", timeout.BootNotification]", "]")
    found = refs(tmp_path, transitions=transitions)
    assert codes(found) == ["SPEC215"]
    assert "no transition handles timeout.BootNotification" in found[0].found
    actions = ACTIONS.replace(
        "send: BootNotification", "send: BootNotification\n    outcome: ignored"
    )
    assert refs(tmp_path, transitions=transitions, actions=actions) == []


def test_event_payload(tmp_path: Path) -> None:
    spec = load(tmp_path)
    names = {
        event: None if fields is None else [f.name for f in fields]
        for event in (
            "ocpp.BootNotification",
            "result.BootNotification",
            "error.BootNotification",
            "timeout.Heartbeat",
            "timer.anything",
            "tester.plug_in",
            "internal.connected",
            "result.Nope",
            "tester.nope",
        )
        for fields in [event_payload(spec, event)]
    }
    assert names == {
        "ocpp.BootNotification": ["chargePointVendor"],
        "result.BootNotification": ["status", "interval"],
        "error.BootNotification": [],
        "timeout.Heartbeat": [],
        "timer.anything": [],
        "tester.plug_in": ["connector"],
        "internal.connected": [],
        "result.Nope": None,
        "tester.nope": None,
    }


def test_forbidden_guard_is_reported_while_building(tmp_path: Path) -> None:
    root = tmp_path / "spec"
    load(tmp_path)  # writes the base files
    path = root / "machines" / "boot.yaml"
    path.write_text(
        machine_yaml(transitions=TRANSITIONS.replace("msg.status == 'Accepted'", "open('x')"))
    )
    spec, found = load_spec_set(root)
    assert spec is not None
    assert codes(found) == ["SPEC209"]
    assert "unknown function 'open'" in found[0].found


# --- data --------------------------------------------------------------------------------------


def test_unknown_enum_type(tmp_path: Path) -> None:
    messages = BASE["messages/core.yaml"].replace(
        "type: RegistrationStatus", "type: RegistrationStatuss"
    )
    found = check_data(load(tmp_path, messages__core_yaml=messages))
    assert codes(found) == ["SPEC213"]
    assert found[0].hint == "did you mean 'RegistrationStatus'?"
    assert "BootNotification response" in found[0].found


def test_unknown_enum_in_event_payload(tmp_path: Path) -> None:
    events = BASE["events.yaml"].replace("{type: integer, required: true}", "{type: Connector}")
    assert codes(check_data(load(tmp_path, events_yaml=events))) == ["SPEC213"]


def test_duplicate_message_across_files(tmp_path: Path) -> None:
    extra = "messages:\n  Heartbeat:\n    profile: Core\n    direction: cp_to_csms\n"
    extra += "    request: {}\n    response: {}\n"
    found = check_data(load(tmp_path, messages__extra_yaml=extra))
    assert codes(found) == ["SPEC214"]
    assert found[0].found == "message 'Heartbeat' is defined twice"
    assert found[0].hint.startswith("first defined at ")


def test_duplicate_machine_and_scenario(tmp_path: Path) -> None:
    spec = load(
        tmp_path,
        machines__copy_yaml=machine_yaml(),
        scenarios__core_yaml=SCENARIO,
        scenarios__more_yaml=SCENARIO,
    )
    found = check_data(spec)
    assert codes(found) == ["SPEC214", "SPEC214"]
    assert {d.found for d in found} == {
        "machine 'Boot' is defined twice",
        "scenario 'TC_BOOT' is defined twice",
    }


def test_config_key_and_pics_links(tmp_path: Path) -> None:
    keys = BASE["config_keys.yaml"] + (
        "  Extra: {profile: Core, type: integer, access: RW, required: false, pics: Reservaton}\n"
    )
    found = check_data(load(tmp_path, config_keys_yaml=keys))
    assert codes(found) == ["SPEC204"]
    pics = BASE["pics.yaml"] + "  Connectors: {section: H, type: integer, default: 1, sets: Nope}\n"
    found = check_data(load(tmp_path, pics_yaml=pics))
    assert codes(found) == ["SPEC205"]
    assert "sets unknown configuration key 'Nope'" in found[0].found


def _keys(tmp_path: Path, *lines: str) -> list[Diagnostic]:
    """check_data over BASE's HeartbeatInterval plus the given config_keys.yaml lines."""
    keys = BASE["config_keys.yaml"] + "".join(f"  {line}\n" for line in lines)
    return check_data(load(tmp_path, config_keys_yaml=keys))


_CSL = "Items: {profile: Core, type: csl, access: RW, required: true"


def test_config_key_attributes_fit_the_type(tmp_path: Path) -> None:
    found = _keys(
        tmp_path,
        'A: {profile: Core, type: integer, access: RW, required: true, values: ["1"]}',
        "B: {profile: Core, type: boolean, access: RW, required: true, pattern: 'x'}",
        "C: {profile: Core, type: csl, access: RW, required: true, minimum: 1}",
        "D: {profile: Core, type: string, access: RW, required: true, max_items_key: A}",
        "E: {profile: Core, type: integer, access: RW, required: true, minimum: 2, maximum: 1}",
        "F: {profile: Core, type: string, access: RW, required: true, pattern: '(unclosed'}",
    )
    assert codes(found) == ["SPEC222"] * 6
    by_key = {d.found.split("'")[1]: d for d in found}
    assert by_key["A"].expected == "values applies to: csl, string"
    assert "has pattern but is of type 'boolean'" in by_key["B"].found
    assert by_key["C"].expected == "minimum applies to: integer"
    assert by_key["D"].expected == "max_items_key applies to: csl"
    assert "minimum 2 above maximum 1" in by_key["E"].found
    assert by_key["F"].expected == "a Python regular expression"


def test_max_items_key_names_a_declared_integer_key(tmp_path: Path) -> None:
    found = _keys(
        tmp_path,
        _CSL + ", max_items_key: ItemsMaxLenght}",
        "ItemsMaxLength: {profile: Core, type: integer, access: R, required: false}",
    )
    assert codes(found) == ["SPEC205"]
    assert found[0].hint == "did you mean 'ItemsMaxLength'?"
    found = _keys(
        tmp_path,
        _CSL + ", max_items_key: Flag}",
        "Flag: {profile: Core, type: boolean, access: R, required: false}",
    )
    assert codes(found) == ["SPEC222"]
    assert "max_items_key 'Flag', a key of type 'boolean'" in found[0].found


def test_config_key_defaults_fit_their_key(tmp_path: Path) -> None:
    found = _keys(
        tmp_path,
        'A: {profile: Core, type: integer, access: RW, required: true, default: "60"}',
        "B: {profile: Core, type: integer, access: RW, required: true, default: true}",
        "C: {profile: Core, type: boolean, access: RW, required: true, default: 1}",
        "D: {profile: Core, type: integer, access: RW, required: true, default: -1, minimum: 0}",
        "E: {profile: Core, type: string, access: RW, required: true, default: x, values: [y]}",
        "F: {profile: Core, type: csl, access: RW, required: true, default: 'a,B', pattern: a}",
        # No companion value: 1 item (OCPP 1.6 §5.3).
        "G: {profile: Core, type: csl, access: RW, required: true, default: 'a,b',"
        " max_items_key: GMax}",
        "GMax: {profile: Core, type: integer, access: R, required: false}",
    )
    assert codes(found) == ["SPEC223"] * 7
    by_key = {d.found.split("configuration key '")[1].split("'")[0]: d for d in found}
    assert by_key["A"].expected == "an integer, as the key is of type 'integer'"
    assert by_key["A"].found.startswith("default '60' of configuration key 'A' does not fit")
    assert by_key["B"].expected == "an integer, as the key is of type 'integer'"
    assert by_key["C"].expected == "true or false, as the key is of type 'boolean'"
    assert "D must be at least 0, not -1" in by_key["D"].found
    assert "E does not take value 'x'" in by_key["E"].found
    assert "F does not take item 'B'" in by_key["F"].found
    assert "G holds at most 1 item(s) (GMax), not 2" in by_key["G"].found


def test_config_keys_that_fit(tmp_path: Path) -> None:
    found = _keys(
        tmp_path,
        _CSL + ", default: 'a, b', values: [a, b], max_items_key: ItemsMaxLength}",
        "ItemsMaxLength: {profile: Core, type: integer, access: R, required: false, default: 2}",
        "Mode: {profile: Core, type: string, access: RW, required: true, default: On,"
        " values: [On]}",
        "Empty: {profile: Core, type: csl, access: RW, required: true, default: ''}",
        "Unset: {profile: Core, type: integer, access: RW, required: false, reboot_required: true}",
    )
    assert found == []


# --- scenarios ---------------------------------------------------------------------------------


def test_unknown_tester_step(tmp_path: Path) -> None:
    scenario = SCENARIO.replace("tester: {plug_in:", "tester: {plugin:")
    found = check_scenarios(load(tmp_path, scenarios__core_yaml=scenario))
    assert codes(found) == ["SPEC216"]
    assert found[0].hint == "did you mean 'plug_in'?"
    assert found[0].pos.line == 9


def test_unknown_message_in_expect_and_send_steps(tmp_path: Path) -> None:
    scenario = SCENARIO.replace("expect: {BootNotification", "expect: {BootNotificaton")
    scenario = scenario.replace("send: {Heartbeat", "send: {Heartbeet")
    found = check_scenarios(load(tmp_path, scenarios__core_yaml=scenario))
    assert codes(found) == ["SPEC203", "SPEC203"]


def test_scenario_requires_and_setup_names(tmp_path: Path) -> None:
    scenario = SCENARIO.replace("requires: [Core]", "requires: [Core, Reservaton]")
    scenario = scenario.replace("config: {HeartbeatInterval:", "config: {HeartbeatIntervall:")
    found = check_scenarios(load(tmp_path, scenarios__core_yaml=scenario))
    assert codes(found) == ["SPEC204", "SPEC205"]


def test_check_spec_set_collects_from_every_check(tmp_path: Path) -> None:
    machine = machine_yaml(
        states=STATES.replace("Accepted: {final: true}", "Accepted: {}"),
        transitions=TRANSITIONS.replace("[send_boot]", "[send_bot]"),
    )
    scenario = SCENARIO.replace("tester: {plug_in:", "tester: {plugin:")
    messages = BASE["messages/core.yaml"].replace("type: datetime", "type: Datetime")
    spec = load(
        tmp_path,
        machines__boot_yaml=machine,
        scenarios__core_yaml=scenario,
        messages__core_yaml=messages,
    )
    assert codes(check_spec_set(spec)) == ["SPEC211", "SPEC213", "SPEC216", "SPEC218"]
