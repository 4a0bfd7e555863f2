"""The scenario runner's steps and matchers (runtime.conformance.runner, .matching).

A scripted DUT plays the charge point so each step form can be driven into both its passing
and its failing side; one case runs against the in-process station. Setup steps (the test
states a setup selects) come from the compiler, as in generated scenarios.
"""

from __future__ import annotations

import re
from collections import deque
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance import InProcessDut, ScenarioFailed, run_scenario
from runtime.conformance.dut import CallOutcome, ReceivedCall
from runtime.conformance.matching import mismatches
from runtime.conformance.runner import PreconditionNotReached, Timing
from runtime.conformance.steps import expand_connectors
from runtime.spec.applicability import full_pics, inapplicable_reason, scenario_conditions
from tests.runtime.setup_states import setup_steps_for

# --- matching -----------------------------------------------------------------------------------


def test_partial_match_reports_each_field_with_its_path() -> None:
    expected = {"a": 1, "b": {"c": 2, "d": [{"x": 1}]}}
    actual = {"a": 9, "b": {"c": 2, "d": [{"x": 2, "y": 0}]}, "z": "ignored"}
    assert mismatches(expected, actual) == ["a: expected 1, got 9", "b.d[0].x: expected 1, got 2"]
    assert mismatches({"b": {"c": 2}}, actual) == []


def test_lists_match_item_by_item_and_need_the_same_length() -> None:
    assert mismatches({"k": [1, 2]}, {"k": [1, 2]}) == []
    assert mismatches({"k": [1]}, {"k": [1, 2]}) == ["k: expected 1 items, got 2: [1, 2]"]


def test_any_and_absent() -> None:
    assert mismatches({"idTag": "$any"}, {"idTag": "T"}) == []
    assert mismatches({"idTag": "$any"}, {}) == ["idTag: missing"]
    assert mismatches({"idTag": "$absent"}, {}) == []
    assert mismatches({"idTag": "$absent"}, {"idTag": "T"}) == ["idTag: expected no value, got 'T'"]


def test_one_of_may_offer_absence() -> None:
    reason = {"reason": {"$one_of": ["Local", "$absent"]}}
    assert mismatches(reason, {"reason": "Local"}) == []
    assert mismatches(reason, {}) == []
    assert mismatches(reason, {"reason": "Remote"}) == [
        "reason: expected one of ['Local', '$absent'], got 'Remote'"
    ]
    assert mismatches({"r": {"$one_of": ["A"]}}, {}) == ["r: expected one of ['A'], got nothing"]


def test_contains_matches_items_in_any_order() -> None:
    wanted = {"keys": {"$contains": [{"key": "B"}, {"key": "A", "readonly": True}]}}
    assert mismatches(wanted, {"keys": [{"key": "A", "readonly": True}, {"key": "B"}]}) == []
    # The closest item's differences are named, not the whole list.
    assert mismatches(wanted, {"keys": [{"key": "A", "readonly": False}, {"key": "B"}]}) == [
        "keys: no item matches {'key': 'A', 'readonly': True}; closest {'key': 'A', "
        "'readonly': False} differs: readonly: expected True, got False"
    ]
    assert mismatches(wanted, {"keys": [{"key": "C"}, {"key": "B"}]}) == [
        "keys: no item matches {'key': 'A', 'readonly': True} among 2 items"
    ]
    assert mismatches(wanted, {"keys": "A,B"}) == ["keys: expected a list, got 'A,B'"]
    assert mismatches(wanted, {}) == ["keys: missing"]


def test_matches_takes_a_whole_string_regular_expression() -> None:
    aligned = {"timestamp": {"$matches": r".*T\d\d:\d\d:00Z"}}
    assert mismatches(aligned, {"timestamp": "2026-01-01T10:15:00Z"}) == []
    assert mismatches(aligned, {"timestamp": "2026-01-01T10:15:07Z"}) == [
        "timestamp: expected text matching '.*T\\\\d\\\\d:\\\\d\\\\d:00Z', got "
        "'2026-01-01T10:15:07Z'"
    ]
    assert mismatches(aligned, {"timestamp": 7}) != []


def test_requires_handles_negated_items() -> None:
    pics = {"Core": True, "FixedCable": False}
    assert inapplicable_reason(scenario_conditions(["Core", "not FixedCable"]), pics) is None
    assert inapplicable_reason(scenario_conditions(["Reservation"]), pics) == (
        "not applicable: PICS Reservation = not declared (the test needs true)"
    )
    assert inapplicable_reason(scenario_conditions(["not Core"]), pics) == (
        "not applicable: PICS Core = true (the test needs false)"
    )


# --- steps against a scripted charge point ------------------------------------------------------


class ScriptedDut:
    """Sends the scripted CALLs one by one, records every answer, and answers the test
    system's CALLs with the scripted outcomes; time only moves when nothing is left."""

    def __init__(self, calls: list[tuple[str, dict[str, Any]]], outcomes: list[CallOutcome]):
        self.calls = deque(
            ReceivedCall(f"cp-{i}", action, payload) for i, (action, payload) in enumerate(calls)
        )
        self.outcomes = deque(outcomes)
        self.replies: list[tuple[str, dict[str, Any] | str]] = []
        self.sent: list[tuple[str, dict[str, Any], bool]] = []
        self.testers: list[tuple[str, dict[str, Any]]] = []
        self.time = 0.0
        # CALLs the charge point sends only once the test system sent an action (a Reset),
        # or once a tester action was performed.
        self.after_send: dict[str, list[tuple[str, dict[str, Any]]]] = {}
        self.after_tester: dict[str, list[tuple[str, dict[str, Any]]]] = {}

    def now(self) -> float:
        return self.time

    def connected(self) -> bool:
        return True

    async def start(self) -> None:
        return None

    async def stop(self) -> None:
        return None

    async def next_call(self, within: float) -> ReceivedCall | None:
        if self.calls:
            return self.calls.popleft()
        self.time += within
        return None

    async def reply(self, call: ReceivedCall, payload: dict[str, Any]) -> None:
        self.replies.append((call.action, payload))

    async def reply_error(self, call: ReceivedCall, code: str, description: str) -> None:
        self.replies.append((call.action, code))

    async def send_call(
        self, action: str, payload: dict[str, Any], wait: float, *, check: bool = True
    ) -> CallOutcome:
        self.sent.append((action, payload, check))
        for i, (name, body) in enumerate(self.after_send.pop(action, [])):
            self.calls.append(ReceivedCall(f"{action}-{i}", name, body))
        return self.outcomes.popleft() if self.outcomes else CallOutcome()

    async def tester(self, name: str, payload: dict[str, Any]) -> None:
        self.testers.append((name, payload))
        for i, (action, body) in enumerate(self.after_tester.pop(name, [])):
            self.calls.append(ReceivedCall(f"{name}-{i}", action, body))

    async def observe(self, name: str, payload: dict[str, Any]) -> Any:
        if name != "cable_locked":
            raise LookupError(f"{name} is not observable here")
        return payload["connector"] == 1  # connector 1 locked, the others not


def expect(name: str, payload: dict[str, Any], reply: dict[str, Any] | None = None) -> Any:
    return {"kind": "expect", "name": name, "payload": payload, "reply": reply, "at": "t:1"}


def scenario(*steps: dict[str, Any], **setup: Any) -> dict[str, Any]:
    return {"id": "T", "requires": [], "setup": setup, "steps": list(steps)}


START = ("StartTransaction", {"connectorId": 1, "idTag": "TAG-0001", "meterStart": 0})
CHARGING = ("StatusNotification", {"connectorId": 1, "status": "Charging"})


def any_order(*items: dict[str, Any], within: float | None = None) -> dict[str, Any]:
    return {"kind": "any_order", "items": items, "seconds": within, "at": "t:2"}


async def test_any_order_accepts_both_orders_and_answers_each_call() -> None:
    step = any_order(
        expect("StartTransaction", {"connectorId": 1}, {"transactionId": 7}),
        expect("StatusNotification", {"status": "Charging"}),
    )
    for calls in ([START, CHARGING], [CHARGING, ("Heartbeat", {}), START]):
        dut = ScriptedDut(calls, [])
        await run_scenario(scenario(step), dut)
        assert ("StartTransaction", {"transactionId": 7}) in dut.replies
        assert ("StatusNotification", {}) in dut.replies


async def test_any_order_fails_on_an_unexpected_call_or_a_missing_one() -> None:
    step = any_order(
        expect("StartTransaction", {"connectorId": 1}),
        expect("StatusNotification", {"status": "Charging"}),
    )
    wrong = ("StatusNotification", {"connectorId": 1, "status": "Finishing"})
    # The closest expectation (same action) names the differing field.
    with pytest.raises(ScenarioFailed, match="t:2: StatusNotification does not match: status: "):
        await run_scenario(scenario(step), ScriptedDut([wrong], []))
    with pytest.raises(ScenarioFailed, match="t:2: expected StartTransaction or StatusNot"):
        await run_scenario(scenario(step), ScriptedDut([("Authorize", {"idTag": "A"})], []))
    with pytest.raises(ScenarioFailed, match="no StatusNotification within 30 s"):
        await run_scenario(scenario(step), ScriptedDut([START], []))


async def test_setup_steps_are_played_before_the_steps() -> None:
    boot = expect("BootNotification", {}, {"status": "Accepted", "interval": 300})
    plug_in = {"kind": "tester", "name": "plug_in", "payload": {"connector": 1}, "at": "t:5"}
    sc = {**scenario(plug_in), "setup_steps": [boot]}
    dut = ScriptedDut([("BootNotification", {})], [])
    transcript = await run_scenario(sc, dut)
    assert [line.split("] ", 1)[1][:12] for line in transcript.lines] == [
        "> BootNotifi",
        "< BootNotifi",
        "* tester plu",
    ]
    assert dut.replies == [("BootNotification", {"status": "Accepted", "interval": 300})]


async def test_a_failing_setup_step_is_a_precondition_not_reached_naming_where_it_is() -> None:
    steps = setup_steps_for(boot="accepted")
    assert re.fullmatch(r"specs/ocpp16/test_states\.yaml:\d+ \(Started\)", steps[0]["at"])
    booted = [s for s in steps if "(Booted)" in s["at"]]
    assert [s["kind"] for s in booted] == ["send", "expect", "expect", "settle"]
    sc = {**scenario(), "setup_steps": steps}
    # Reset is answered, then no BootNotification comes: the case cannot start.
    accepted = [CallOutcome(result={"status": "Accepted"})] * 10
    with pytest.raises(PreconditionNotReached) as stopped:
        await run_scenario(sc, ScriptedDut([], accepted))
    failure = stopped.value.failure
    assert failure is not None
    assert re.fullmatch(r"specs/ocpp16/test_states\.yaml:\d+ \(Booted\)", failure.at)
    assert failure.message == "no BootNotification within 30 s"
    assert str(stopped.value) == "precondition not reached: no BootNotification within 30 s"


async def test_the_runner_knows_no_test_state() -> None:
    # What a setup selects is written out by the compiler as setup_steps; a setup key alone
    # plays nothing.
    dut = ScriptedDut([("BootNotification", {})], [])
    transcript = await run_scenario(scenario(boot="accepted", charging={}), dut)
    assert transcript.lines == [] and dut.replies == [] and dut.testers == []


async def test_charging_setup_steps_play_started_booted_then_charging() -> None:
    calls = [
        ("BootNotification", {}),
        ("StatusNotification", {"connectorId": 0}),
        ("StatusNotification", {"connectorId": 1}),
    ]
    # Started: ChangeAvailability for connectors 0 and 1, ClearCache, CancelReservation of the
    # two reservationIds the cases use, the Local Authorization List switched on and emptied,
    # every charging profile cleared; Booted: Reset, the boot.
    dut = ScriptedDut([("BootNotification", {})], [CallOutcome(result={"status": "Accepted"})] * 9)
    dut.after_send["Reset"] = calls
    dut.after_tester["plug_in"] = [
        ("StatusNotification", {"connectorId": 1, "status": "Preparing"})
    ]
    dut.after_tester["present_id_tag"] = [("Authorize", {"idTag": "TAG-0001"}), CHARGING, START]
    charging = {"idTag": "TAG-0001", "parentIdTag": "P-1", "transactionId": 9}
    sc = {**scenario(), "setup_steps": setup_steps_for(charging=charging)}
    await run_scenario(sc, dut, values={"connector": 1})
    # The power-on BootNotification was answered by Started's settle step.
    assert dut.replies[0][0] == "BootNotification"
    assert [action for action, _, _ in dut.sent] == [
        "ChangeAvailability",
        "ChangeAvailability",
        "ClearCache",
        "CancelReservation",
        "CancelReservation",
        "ChangeConfiguration",
        "SendLocalList",
        "ClearChargingProfile",
        "Reset",
    ]
    assert dut.testers == [
        ("unplug", {"connector": 1}),
        ("plug_in", {"connector": 1}),
        ("present_id_tag", {"connector": 1, "idTag": "TAG-0001"}),
    ]
    info = {"status": "Accepted", "parentIdTag": "P-1"}
    assert ("Authorize", {"idTagInfo": info}) in dut.replies
    assert ("StartTransaction", {"transactionId": 9, "idTagInfo": info}) in dut.replies


def send(reply: dict[str, Any], *, unchecked: bool = False) -> dict[str, Any]:
    step = {"kind": "send", "name": "RemoteStartTransaction", "at": "t:3", "reply": reply}
    payload = {"connectorId": 0, "idTag": "TAG-0001"}
    return {**step, "payload": payload, "unchecked": unchecked}


async def test_send_accepts_either_the_result_or_the_error_when_both_are_named() -> None:
    either = {"$result": {"status": "Rejected"}, "$error": "$any"}
    for outcome in (CallOutcome(result={"status": "Rejected"}), CallOutcome(error_code="X")):
        dut = ScriptedDut([], [outcome])
        await run_scenario(scenario(send(either, unchecked=True)), dut)
        assert dut.sent == [("RemoteStartTransaction", send(either)["payload"], False)]
    accepted = ScriptedDut([], [CallOutcome(result={"status": "Accepted"})])
    with pytest.raises(ScenarioFailed, match="does not match \\(or CALLERROR \\$any\\): status"):
        await run_scenario(scenario(send(either)), accepted)


async def test_send_with_only_an_error_refuses_a_result_and_vice_versa() -> None:
    error_only = ScriptedDut([], [CallOutcome(result={"status": "Rejected"})])
    with pytest.raises(ScenarioFailed, match="expected CALLERROR NotSupported"):
        await run_scenario(scenario(send({"$error": "NotSupported"})), error_only)
    result_only = ScriptedDut([], [CallOutcome(error_code="NotSupported")])
    with pytest.raises(ScenarioFailed, match="expected a result matching"):
        await run_scenario(scenario(send({"status": "Rejected"})), result_only)
    nothing = ScriptedDut([], [CallOutcome(error_code="GenericError")])
    with pytest.raises(ScenarioFailed, match="expected no answer"):
        await run_scenario(scenario(send({"$none": True})), nothing)


async def test_generated_tuples_are_sent_and_matched_as_lists() -> None:
    step = {
        "kind": "send",
        "name": "GetConfiguration",
        "payload": {"key": ("HeartbeatInterval",)},
        "reply": {"configurationKey": ({"key": "HeartbeatInterval"},)},
        "at": "t:4",
    }
    result = {"configurationKey": [{"key": "HeartbeatInterval", "value": "300"}]}
    dut = ScriptedDut([], [CallOutcome(result=result)])
    await run_scenario(scenario(step), dut)
    assert dut.sent[0][1] == {"key": ["HeartbeatInterval"]}


# --- against the in-process station -------------------------------------------------------------


async def test_unchecked_send_reaches_the_station_which_refuses_a_too_long_id_tag() -> None:
    # idTag is IdToken, CiString20 (OCPP 1.6 §7.22): 21 characters break the schema, so the
    # test system refuses its own CALL unless the step is `unchecked`; the station then
    # answers PropertyConstraintViolation (OCPP-J 1.6 §4.2.3).
    dut = InProcessDut(SPEC, pics=full_pics(SPEC))
    await dut.start()
    too_long = {"connectorId": 1, "idTag": "T" * 21}
    step = {**send({"$error": "PropertyConstraintViolation"}, unchecked=True), "payload": too_long}
    setup = setup_steps_for(boot="accepted")
    await run_scenario({**scenario(step), "setup_steps": setup}, dut, values={"connector": 1})
    checked = {**send({"$error": "$any"}), "payload": too_long}
    with pytest.raises(ScenarioFailed, match="refuses its own CALL: idTag: "):
        await run_scenario(scenario(checked), dut)


def observe(name: str, connector: int, expected: object) -> dict[str, Any]:
    payload = {"connector": connector}
    return {"kind": "observe", "name": name, "payload": payload, "reply": {"$is": expected}}


async def test_observe_step_compares_what_the_hardware_shows() -> None:
    dut = ScriptedDut([], [])
    steps = [observe("cable_locked", 1, True), observe("cable_locked", 2, False)]
    transcript = await run_scenario(scenario(*steps), dut)
    assert "* observe cable_locked {'connector': 2} = False" in transcript.lines[-1]


async def test_observe_step_fails_on_a_different_value_or_an_unobservable_name() -> None:
    with pytest.raises(ScenarioFailed, match="cable_locked is True, expected False"):
        await run_scenario(scenario(observe("cable_locked", 1, False)), ScriptedDut([], []))
    with pytest.raises(ScenarioFailed, match="cannot observe door_open: door_open is not obs"):
        await run_scenario(scenario(observe("door_open", 1, False)), ScriptedDut([], []))


# --- connectors, settling, spare connectors, timing ---------------------------------------------


def test_a_connector_loop_is_played_once_per_connector_of_the_device() -> None:
    loop = {
        "kind": "expect",
        "name": "StatusNotification",
        "payload": {"connectorId": "$connector"},
        "for_each_connector": 0,
        "at": "s:1",
    }
    played = expand_connectors([loop], 2)
    assert [p["payload"] for p in played] == [{"connectorId": c} for c in (0, 1, 2)]
    assert [p["at"] for p in played] == [f"s:1 (connector {c})" for c in (0, 1, 2)]
    assert all("for_each_connector" not in p for p in played)


async def test_settle_answers_whatever_comes_with_the_default_answers() -> None:
    calls = [("BootNotification", {}), ("StartTransaction", START[1]), ("StopTransaction", {})]
    dut = ScriptedDut(calls, [])
    await run_scenario(scenario({"kind": "settle", "seconds": 5, "at": "s:1"}), dut)
    (boot, start, stop) = (payload for _, payload in dut.replies)
    assert isinstance(boot, dict) and boot["status"] == "Accepted" and boot["interval"] == 300
    # A transaction an earlier case left gets an id far from the ones scenarios assign.
    assert start == {"transactionId": 90001, "idTagInfo": {"status": "Accepted"}}
    assert stop == {}


async def test_others_answer_skips_calls_nobody_waits_for() -> None:
    step = {**expect("BootNotification", {}, {"status": "Accepted"}), "others": "answer"}
    dut = ScriptedDut([("StopTransaction", {"transactionId": 5}), ("BootNotification", {})], [])
    await run_scenario(scenario(step), dut)
    assert dut.replies == [("StopTransaction", {}), ("BootNotification", {"status": "Accepted"})]


async def test_no_reply_leaves_the_call_unanswered_and_error_replies_a_callerror() -> None:
    steps = (
        expect("MeterValues", {"transactionId": 1}, {"$none": True}),
        expect("MeterValues", {"transactionId": 1}, {"$error": "InternalError"}),
        expect("MeterValues", {"transactionId": 1}, {}),
    )
    dut = ScriptedDut([("MeterValues", {"transactionId": 1})] * 3, [])
    await run_scenario(scenario(*steps), dut)
    # The first got no answer at all (the charge point's response timeout runs out).
    assert dut.replies == [("MeterValues", "InternalError"), ("MeterValues", {})]


async def test_a_connector_the_case_does_not_involve_is_answered_not_judged() -> None:
    # A two-connector device runs a one-connector case: connector 2's report is not a failure.
    spare = ("StatusNotification", {"connectorId": 2, "status": "Available"})
    wanted = expect("StatusNotification", {"connectorId": 1})
    dut = ScriptedDut([spare, ("StatusNotification", {"connectorId": 1})], [])
    await run_scenario(scenario(wanted, connectors=1), dut, connectors=2)
    assert len(dut.replies) == 2
    with pytest.raises(ScenarioFailed, match="expected no message"):
        silence = {"kind": "silence", "seconds": 10, "at": "s:2"}
        await run_scenario(scenario(silence, connectors=2), ScriptedDut([spare], []), connectors=2)


class TimedDut(ScriptedDut):
    """Sends each scripted CALL at its time."""

    def __init__(self, timed: list[tuple[float, str, dict[str, Any]]]) -> None:
        super().__init__([], [])
        self.timed = deque(timed)

    async def next_call(self, within: float) -> ReceivedCall | None:
        if self.timed and self.timed[0][0] <= self.time + within:
            at, action, payload = self.timed.popleft()
            self.time = max(self.time, at)
            return ReceivedCall(f"t-{at}", action, payload)
        self.time += within
        return None


async def test_timing_tolerance_lets_a_minimum_interval_end_early_and_widens_windows() -> None:
    silence = {"kind": "silence", "seconds": 10, "at": "s:1"}
    beat = {**expect("Heartbeat", {}), "seconds": 2}
    # 1.5 s early: within a tolerance of 2 the Heartbeat ends the silence and meets its step.
    dut = TimedDut([(8.5, "Heartbeat", {})])
    await run_scenario(scenario(silence, beat), dut, timing=Timing(tolerance=2))
    assert dut.replies == [("Heartbeat", {"currentTime": "1970-01-01T00:00:08.500Z"})]
    # 3 s early is too early.
    with pytest.raises(ScenarioFailed, match="expected no message for 10 s, got Heartbeat"):
        await run_scenario(
            scenario(silence, beat), TimedDut([(7.0, "Heartbeat", {})]), timing=Timing(tolerance=2)
        )
    # Nothing comes: the whole silence is waited.
    quiet = TimedDut([])
    await run_scenario(scenario(silence), quiet, timing=Timing(tolerance=2))
    assert quiet.time == 10
    with pytest.raises(ScenarioFailed, match="no Heartbeat within 5 s"):
        late = {**expect("Heartbeat", {}), "seconds": 3}
        await run_scenario(scenario(late), ScriptedDut([], []), timing=Timing(tolerance=2))


async def test_long_waits_report_progress() -> None:
    lines: list[str] = []
    silence = {"kind": "silence", "seconds": 150, "at": "s:1"}
    timing = Timing(progress_every=60)
    await run_scenario(
        scenario(silence), ScriptedDut([], []), timing=timing, on_progress=lines.append
    )
    assert lines[0] == "waiting up to 150 s: no message for 150 s (s:1)"
    assert lines[1:] == [
        "  90 s left: no message for 150 s (s:1)",
        "  30 s left: no message for 150 s (s:1)",
    ]


async def test_teardown_runs_after_a_failure_and_never_changes_the_verdict() -> None:
    repair = {"kind": "tester", "name": "repair_lock", "payload": {"connector": 1}, "at": "s:9"}
    failing = {**expect("Heartbeat", {}), "seconds": 1}
    sc = {**scenario(failing), "teardown": [repair]}
    dut = ScriptedDut([], [])
    with pytest.raises(ScenarioFailed, match="no Heartbeat within 1 s"):
        await run_scenario(sc, dut)
    assert dut.testers == [("repair_lock", {"connector": 1})]
    # A teardown step that fails is noted in the transcript only.
    broken = {**scenario(), "teardown": [failing]}
    transcript = await run_scenario(broken, ScriptedDut([], []))
    assert transcript.lines[-1].endswith(
        "teardown did not complete: " + str(transcript.lines[-1].split("complete: ")[1])
    )
    assert "teardown did not complete" in transcript.lines[-1]


class RebootingDut(ScriptedDut):
    """Disconnected for its first ``down`` seconds, then sends its BootNotification."""

    def __init__(self, down: float) -> None:
        super().__init__([], [])
        self.down = down

    def connected(self) -> bool:
        return self.time >= self.down

    async def next_call(self, within: float) -> ReceivedCall | None:
        if not self.connected():
            self.time = min(self.time + within, self.down)
            if not self.connected():
                return None
            self.calls.append(ReceivedCall("boot", "BootNotification", {}))
        return await super().next_call(within)


async def test_settle_waits_for_a_rebooting_charge_point_to_come_back() -> None:
    dut = RebootingDut(down=40)
    await run_scenario(scenario({"kind": "settle", "seconds": 5, "at": "s:1"}), dut)
    assert dut.replies[0][0] == "BootNotification"
    assert dut.time == 45  # back at 40, then quiet for 5
    with pytest.raises(ScenarioFailed, match="did not connect and fall quiet within 300 s"):
        await run_scenario(
            scenario({"kind": "settle", "seconds": 5, "at": "s:1"}), RebootingDut(1e9)
        )
