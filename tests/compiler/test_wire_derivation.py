"""Wire-level tests derived from the machines (compiler/derive/wire.py): inputs are tester
actions and CALLs of the Central System, checks are the frames the charge point sends and the
answers it gives, with only the values the spec determines."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import Any

import pytest

from compiler.derive.wire import WireSuite, derive_wire
from compiler.frontend.load import load_spec_set
from compiler.frontend.setup_steps import resolve_scenario
from compiler.ir import Machine, ScenarioStep, SpecSet
from compiler.render.wire_modules import wire_coverage_doc

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "ocpp16"
WIRE_STEPS = {"tester", "send", "expect", "any_order", "silence", "advance", "observe"}


def _spec() -> SpecSet:
    spec, _ = load_spec_set(SPEC_DIR)
    assert spec is not None
    return spec


SPEC = _spec()
SUITES = {
    m.name: derive_wire(SPEC, m, partial(resolve_scenario, SPEC.test_states)) for m in SPEC.machines
}


def _machine(name: str) -> Machine:
    return next(m for m in SPEC.machines if m.name == name)


def _case(suite: WireSuite, transition_id: str) -> list[ScenarioStep]:
    (case,) = [c for c in suite.cases if c.transition.id == transition_id]
    return list(case.scenario.steps)


def _shown(steps: list[ScenarioStep]) -> list[tuple[str, str, Any, Any]]:
    return [(s.kind, s.name, s.payload, s.reply) for s in steps]


@pytest.mark.parametrize("machine", SPEC.machines, ids=lambda m: m.name)
def test_every_transition_is_a_wire_case_or_a_gap_with_a_reason(machine: Machine) -> None:
    suite = SUITES[machine.name]
    driven = {c.transition.key for c in suite.cases}
    gaps = [g.transition.key for g in suite.gaps]
    # A transition may have a test per configuration, but never also a gap; a gap is one.
    assert sorted(driven | set(gaps)) == sorted(t.key for t in machine.transitions)
    assert len(gaps) == len(set(gaps)) and not driven & set(gaps)
    assert all(g.reason for g in suite.gaps)
    for gap in suite.gaps:
        if gap.transition.event.startswith("internal."):
            assert gap.reason.startswith("internal event")


@pytest.mark.parametrize("machine", SPEC.machines, ids=lambda m: m.name)
def test_wire_cases_start_booted_and_use_only_steps_a_test_system_can_take(
    machine: Machine,
) -> None:
    for case in SUITES[machine.name].cases:
        sc = case.scenario
        assert sc.id.startswith(f"WIRE {machine.name} {case.transition.id}")
        assert sc.setup["boot"] == "accepted"
        states = [s.state for s in sc.setup_steps]
        assert states[0] == "Started" and "Booted" in states
        assert {s.kind for s in sc.steps} <= WIRE_STEPS
        checks = [s for s in sc.steps if s.kind in ("send", "expect", "any_order")]
        assert checks, sc.id  # no test that asserts nothing
        assert all(s.pos == case.transition.pos for s in sc.steps)


def test_case_ids_are_unique() -> None:
    ids = [c.scenario.id for s in SUITES.values() for c in s.cases]
    assert len(ids) == len(set(ids)) > 30


def test_a_reply_effect_is_the_expected_answer_to_the_call_that_causes_it() -> None:
    reset = SUITES["Reset"]
    assert _shown(_case(reset, "RST2")) == [
        ("send", "Reset", {"type": "Hard"}, {"status": "Accepted"})
    ]
    # RST3 is reached through RST1 first: two Resets, each answered Accepted.
    assert [s.payload for s in _case(reset, "RST3")] == [{"type": "Soft"}, {"type": "Soft"}]


def test_pics_the_guard_reads_go_into_the_setup() -> None:
    cache = SUITES["AuthorizationCache"]
    (rejected,) = [c for c in cache.cases if c.transition.id == "CL2"]
    assert rejected.scenario.setup["pics"] == {"AuthorizationCache": False}
    assert _shown(list(rejected.scenario.steps)) == [
        ("send", "ClearCache", {}, {"status": "Rejected"})
    ]


def test_a_send_effect_is_expected_with_the_fields_the_test_inputs_determine() -> None:
    (expect,) = [s for s in _case(SUITES["DataTransfer"], "DT2") if s.kind == "expect"]
    assert (expect.name, expect.payload) == (
        "DataTransfer",
        {"vendorId": "chargespec", "messageId": "Hello", "data": "hi"},
    )
    # The answer the test system gives holds the response's required fields.
    assert expect.reply is not None and "status" in expect.reply


def test_values_from_the_context_are_left_out_of_the_checks() -> None:
    steps = _case(SUITES["ConnectorStatus"], "B9")
    expects = [s for s in steps if s.kind == "expect"]
    expects += [i for s in steps if s.kind == "any_order" for i in s.items]
    statuses = [s.payload for s in expects if s.name == "StatusNotification"]
    assert {"connectorId": 1, "status": "Preparing"} in statuses
    assert {"connectorId": 1, "status": "Faulted"} in statuses
    # errorCode comes from the context (the fault remembered): not checked.
    assert all("errorCode" not in p for p in statuses)


def test_a_guard_on_an_answer_the_setup_does_not_fix_leaves_a_gap() -> None:
    gaps = {g.transition.id: g.reason for g in SUITES["Configuration"].gaps}
    assert "station.config_known" in gaps["CC-unknown"]
    timers = {g.transition.id: g.reason for g in SUITES["Reset"].gaps}
    assert timers["RST4"].startswith("timer event")


def test_the_coverage_report_counts_the_cases_and_lists_every_gap() -> None:
    suites = list(SUITES.values())
    text = wire_coverage_doc(SPEC, suites)
    cases = sum(len(s.cases) for s in suites)
    driven = sum(len({c.transition.key for c in s.cases}) for s in suites)
    assert cases > driven  # some transitions are driven under several configurations
    assert f"{cases} wire tests" in text
    assert f"drive {driven} of the {sum(len(m.transitions) for m in SPEC.machines)}" in text
    gaps = [g for s in suites for g in s.gaps]
    assert text.count("\n- ") == len(gaps)
    assert "- RST5 Resetting --internal.reset_failed--> Idle" in text


def test_a_timer_the_setup_started_is_waited_for_up_to_its_duration() -> None:
    # HB3: the Heartbeat interval of the Booted state's BootNotification.conf (300 s, §4.6).
    (expect,) = _case(SUITES["Heartbeat"], "HB3")
    assert (expect.kind, expect.name, expect.seconds) == ("expect", "Heartbeat", 305.0)
    # Other timers run meanwhile: what else comes is answered, not judged.
    assert expect.answer_others


def test_an_answer_to_the_charge_points_call_is_given_to_its_expect_step() -> None:
    suite = SUITES["DataTransfer"]
    (result, error) = [c for c in suite.cases if c.transition.id == "DT3"]
    assert result.transition.event == "result.DataTransfer"
    (answered,) = [s for s in result.scenario.steps if s.kind == "expect"]
    assert answered.reply is not None and "status" in answered.reply
    (failed,) = [s for s in error.scenario.steps if s.kind == "expect"]
    assert failed.reply == {"$error": "InternalError"}


def test_an_answer_that_decides_the_next_status_is_checked_through_it() -> None:
    # AA2: Authorize.conf Invalid ends the authorization; the connector is Available again.
    steps = _case(SUITES["Transaction"], "AA2")
    (both,) = [s for s in steps if s.kind == "any_order"]
    (authorize,) = [i for i in both.items if i.name == "Authorize"]
    assert authorize.reply == {"idTagInfo": {"status": "Invalid"}}
    assert (steps[-1].name, steps[-1].payload) == (
        "StatusNotification",
        {"connectorId": 1, "status": "Available"},
    )


def test_timeouts_and_timers_that_send_nothing_stay_gaps_with_a_reason() -> None:
    gaps = {(g.transition.id, g.transition.event): g.reason for g in SUITES["Heartbeat"].gaps}
    assert gaps[("HB5", "timeout.Heartbeat")].startswith("timeout event")
    reset = {g.transition.id: g.reason for g in SUITES["Reset"].gaps}
    assert "timer" in reset["RST4"]


def test_a_timer_read_from_the_configuration_is_set_away_from_its_default_twice() -> None:
    # B1 (errata E3.20/E3.21, §9.1.6): Preparing gives up after ConnectionTimeOut. The test
    # sets the key, never to its default (60 s, which a hard-coded constant would match),
    # and to two values, so a charge point that ignores the key fails one of them.
    default = SPEC.config_key("ConnectionTimeOut")
    assert default is not None and default.spec.default == 60
    cases = {
        c.scenario.id: c.scenario
        for c in SUITES["ConnectorStatus"].cases
        if c.transition.id == "B1" and c.transition.event == "timer.connection_timeout"
    }
    assert sorted(sc.setup["config"]["ConnectionTimeOut"] for sc in cases.values()) == [30, 90]
    assert all(
        i.endswith(f"[ConnectionTimeOut={sc.setup['config']['ConnectionTimeOut']}]")
        for i, sc in cases.items()
    )
    for sc in cases.values():
        seconds = sc.setup["config"]["ConnectionTimeOut"]
        # Not before the duration (less the margin), not after it (plus the margin).
        advance, expect = sc.steps[-2:]
        assert (advance.kind, advance.seconds) == ("advance", seconds - 5.0)
        assert (expect.kind, expect.name, expect.seconds) == ("expect", "StatusNotification", 10.0)
        assert expect.payload == {"connectorId": 1, "status": "Available"}
        changed = [s.payload for s in sc.setup_steps if s.name == "ChangeConfiguration"]
        assert {"key": "ConnectionTimeOut", "value": str(seconds)} in changed


def test_a_transition_with_a_single_configuration_keeps_its_plain_id() -> None:
    ids = [c.scenario.id for c in SUITES["ConnectorStatus"].cases]
    assert "WIRE ConnectorStatus A9" in ids
    assert not any(i.startswith("WIRE ConnectorStatus A9 [") for i in ids)
