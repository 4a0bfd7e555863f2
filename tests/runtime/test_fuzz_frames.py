"""Fuzzing the sans-IO core (runtime.conformance.fuzzing).

The main test feeds at least :data:`MIN_FRAMES` fuzzed frames to connected, Accepted stations
and demands that every invariant of :data:`~runtime.conformance.fuzzing.oracle.INVARIANTS`
holds. The checker is tested on its own with scripted fake charge points, so that a passing
fuzz run means something. The last tests reproduce core bugs the fuzzer found; each is a strict
xfail, and :data:`KNOWN_CORE_BUGS` lets the fuzz test pass over exactly those failures until
they are fixed (remove the entry together with the xfail marker).
"""

from __future__ import annotations

import collections
import dataclasses
import functools
import json
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from typing import Any, ClassVar, Final

import pytest
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st
from statemachine import State

from generated.ocpp16.registry import SPEC
from runtime.conformance.fuzzing.oracle import INVARIANTS, Failure, check_frame
from runtime.conformance.fuzzing.source import FrameSource, FuzzFrame
from runtime.conformance.fuzzing.station_target import StationTarget
from runtime.ocppj.endpoint import Endpoint
from runtime.ocppj.events import CallReceived
from runtime.ocppj.frames import Call, FrameError, decode_frame
from runtime.spec.effects import MachineEnv
from runtime.spec.machine import SpecMachine
from runtime.spec.registry import MachineBinding

FRAMES_PER_EXAMPLE: Final = 100
MAX_EXAMPLES: Final = 105
MIN_FRAMES: Final = 10_000
"""Frames the fuzz test must feed in total (``FRAMES_PER_EXAMPLE * MAX_EXAMPLES`` planned)."""

_frames_fed = collections.Counter[str]()

KNOWN_CORE_BUGS: Final[Mapping[str, Callable[[Failure], bool]]] = {}
"""Failures the fuzz test passes over while the core bug behind them is open."""


def _known(failure: Failure) -> bool:
    return any(matches(failure) for matches in KNOWN_CORE_BUGS.values())


@pytest.fixture(autouse=True)
def _quiet_station_logs() -> Iterator[None]:
    # Every fuzzed frame is a protocol violation the station logs; thousands of warnings
    # would only slow the run down.
    logging.disable(logging.WARNING)
    yield
    logging.disable(logging.NOTSET)


@functools.cache
def _source() -> FrameSource:
    return FrameSource(SPEC, seed=1601)


# --- the fuzz test --------------------------------------------------------------------------


@seed(20_240_601)
@settings(
    derandomize=True,
    max_examples=MAX_EXAMPLES,
    deadline=None,
    database=None,
    # Frames come from seeds drawn per frame, so shrinking cannot make them simpler; the
    # failure message lists every broken invariant with its frame instead.
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.too_slow],
)
@given(st.randoms(use_true_random=False))
def _fuzz_batch(rng: random.Random) -> None:
    source = _source()
    source.reset()
    # Half the stations answer every Central System action through handlers, so accepted
    # CALLs (request check, handler, response check) are fuzzed as well as refused ones.
    handlers = source.handlers() if rng.random() < 0.5 else None
    target = StationTarget(SPEC, handlers=handlers)
    unexpected: list[Failure] = []
    for index in range(FRAMES_PER_EXAMPLE):
        # One draw per frame keeps each example within Hypothesis' choice budget.
        frame_rng = random.Random(rng.getrandbits(64))
        if target.outstanding() is None and frame_rng.random() < 0.05:
            target.advance()  # a Heartbeat (or another timer's CALL) to answer
        found = check_frame(target, source.frame(frame_rng, target.outstanding()), index=index)
        _frames_fed["frames"] += 1
        unexpected += [failure for failure in found if not _known(failure)]
        if any(failure.invariant == "no-exception" for failure in found):
            target = StationTarget(SPEC, handlers=handlers)
    assert not unexpected, "\n".join(failure.summary() for failure in unexpected)


def test_fuzzed_frames_keep_every_invariant() -> None:
    _frames_fed.clear()
    _fuzz_batch()
    assert _frames_fed["frames"] >= MIN_FRAMES


# --- the checker catches violations (so the fuzz test is not vacuous) -----------------------

Responder = Callable[[str], list[str]]


def _error_reply(text: str) -> list[str]:
    """A CALLERROR for a readable CALL, nothing otherwise (what a strict station does)."""
    try:
        array = json.loads(text)
    except ValueError:
        return []
    if isinstance(array, list) and len(array) > 1 and array[0] == 2:
        return [json.dumps([4, array[1], "NotSupported", "", {}])]
    return []


@dataclasses.dataclass
class FakeStation:
    """A scripted charge point: answers with ``respond`` and may change state on every frame."""

    respond: Responder = _error_reply
    mutate: bool = False
    pending: Call | None = None
    answering: bool = True
    state: int = 0

    def feed(self, text: str) -> list[str]:
        if self.mutate:
            self.state += 1
        return self.respond(text)

    def observe(self) -> int:
        return self.state

    def outstanding(self) -> Call | None:
        return self.pending

    def answers_calls(self) -> bool:
        return self.answering


def _broken(target: FakeStation, text: str) -> list[str]:
    return sorted(failure.invariant for failure in check_frame(target, text))


CALL: Final = '[2,"abc","Reset",{"type":"Soft"}]'


def test_checker_accepts_a_correct_charge_point() -> None:
    target = FakeStation()
    for text in (CALL, '[3,"x",{}]', "garbage", '[2,"' + "i" * 37 + '","Reset",{}]'):
        assert check_frame(target, text) == []


def test_checker_catches_two_replies_to_one_call() -> None:
    assert _broken(FakeStation(respond=lambda t: _error_reply(t) * 2), CALL) == ["one-reply"]


def test_checker_catches_an_unanswered_call() -> None:
    assert _broken(FakeStation(respond=lambda t: []), CALL) == ["one-reply"]
    assert _broken(FakeStation(respond=lambda t: []), '[2,"abc"]') == ["one-reply"]


def test_checker_waives_replies_while_the_state_answers_nothing() -> None:
    assert _broken(FakeStation(respond=lambda t: [], answering=False), CALL) == []


def test_checker_catches_a_reply_to_something_that_is_not_a_call() -> None:
    assert _broken(FakeStation(respond=lambda t: ['[4,"x","GenericError","",{}]']), "[") == [
        "one-reply"
    ]


def test_checker_catches_a_state_change_on_a_rejected_frame() -> None:
    assert _broken(FakeStation(mutate=True), CALL) == ["unchanged"]
    assert _broken(FakeStation(mutate=True), '[3,"not-ours",{}]') == ["unchanged"]
    assert _broken(FakeStation(mutate=True), '{"not": "a frame"}') == ["unchanged"]


def test_checker_lets_an_answer_to_the_outstanding_call_change_state() -> None:
    target = FakeStation(mutate=True, pending=Call("cp-1", "Heartbeat", {}))
    assert _broken(target, '[3,"cp-1",{"currentTime":"2024-01-01T00:00:00Z"}]') == []
    assert _broken(target, '[4,"cp-1","GenericError","",{}]') == []


def test_checker_lets_an_accepted_call_change_state() -> None:
    def accept(text: str) -> list[str]:
        return [json.dumps([3, json.loads(text)[1], {}])]

    assert _broken(FakeStation(respond=accept, mutate=True), CALL) == []


def test_checker_reports_an_escaping_exception_with_its_traceback() -> None:
    def explode(text: str) -> list[str]:
        raise ZeroDivisionError("boom")

    [failure] = check_frame(FakeStation(respond=explode), FuzzFrame(CALL, "test"))
    assert (failure.invariant, failure.frame, failure.recipe) == ("no-exception", CALL, "test")
    assert "ZeroDivisionError: boom" in failure.details
    assert failure.invariant in INVARIANTS


def test_checker_catches_output_that_cannot_be_sent() -> None:
    unsendable = FakeStation(respond=lambda t: ['[4,"abc\ud800","GenericError","",{}]'])
    assert "well-formed-output" in _broken(unsendable, '[2,"abc\\ud800","Reset",{}]')
    assert _broken(FakeStation(respond=lambda t: ["not json"]), "x") == ["well-formed-output"]


# --- frame source and station target --------------------------------------------------------


def test_frame_source_is_deterministic() -> None:
    other = FrameSource(SPEC, seed=1601)
    _source().reset()
    outstanding = Call("cp-7", "StatusNotification", {})
    for number in range(200):
        first = _source().frame(random.Random(number), outstanding)
        assert other.frame(random.Random(number), outstanding) == first


def test_frame_source_covers_the_registry_and_every_mutation() -> None:
    source = _source()
    rng = random.Random(5)
    outstanding = Call("cp-9", "Heartbeat", {})
    recipes = [source.frame(rng, outstanding).recipe for _ in range(6000)]
    steps = {step.partition(":")[0] for recipe in recipes for step in recipe.split("+")}
    called = {step[5:] for recipe in recipes for step in recipe.split("+") if step[:5] == "call:"}
    expected_steps = {"random_json", "random_text", "call", "result", "error"}
    expected_steps |= {"element_type", "length", "type_id", "id", "action", "payload"}
    expected_steps |= {"flip_char", "flip_byte", "truncate", "insert", "delete", "wrap"}
    assert expected_steps <= steps
    csms_to_cp = {n for n, i in SPEC.messages.items() if i.direction in ("csms_to_cp", "both")}
    assert called >= csms_to_cp
    assert called <= set(SPEC.messages) | {"Unknown"}


def test_station_target_is_connected_and_registered() -> None:
    target = StationTarget(SPEC)
    assert target.station.state("Registration") == "Accepted"
    assert target.answers_calls()
    outstanding = target.outstanding()
    assert outstanding is not None
    before = target.observe()
    target.feed(json.dumps([3, outstanding.unique_id, {}]))
    assert any(change.startswith("outstanding:") for change in before.changes(target.observe()))


# --- core bugs found by the fuzzer ----------------------------------------------------------

HUGE_EXPONENT_CALL: Final = '[2,"huge","Reset",{"type":1E+9999999999999999999}]'


def test_fixed_huge_exponent_escapes_the_codec() -> None:
    with pytest.raises(FrameError):
        decode_frame(HUGE_EXPONENT_CALL)


def test_fixed_huge_exponent_leaves_the_call_unanswered() -> None:
    assert check_frame(StationTarget(SPEC), HUGE_EXPONENT_CALL) == []


@pytest.mark.parametrize(
    "text",
    [
        '[2,"\\ud800","Reset",{}]',
        '[2,"id-1","Reset",{"type":"Soft","\\udc80":1}]',
    ],
)
def test_fixed_lone_surrogate_is_echoed_as_unsendable_text(text: str) -> None:
    target = StationTarget(SPEC, handlers=_source().handlers())
    assert check_frame(target, text) == []


@pytest.mark.parametrize("interval", ["-1", "300.0", "3E+2"])
def test_fixed_odd_heartbeat_interval_crashes_the_station(interval: str) -> None:
    target = StationTarget(SPEC, accept=False)
    boot = target.outstanding()
    assert boot is not None
    text = (
        f'[3,"{boot.unique_id}",{{"status":"Accepted",'
        f'"currentTime":"2024-01-01T00:00:00Z","interval":{interval}}}]'
    )
    assert check_frame(target, text) == []


def _set_charging_profile(limit: str) -> str:
    period = f'{{"startPeriod":0,"limit":{limit}}}'
    schedule = f'{{"chargingRateUnit":"A","chargingSchedulePeriod":[{period}]}}'
    profile = (
        '{"chargingProfileId":1,"stackLevel":0,"chargingProfilePurpose":"TxDefaultProfile",'
        f'"chargingProfileKind":"Absolute","chargingSchedule":{schedule}}}'
    )
    return f'[2,"scp","SetChargingProfile",{{"connectorId":1,"csChargingProfiles":{profile}}}]'


def test_fixed_multiple_of_check_is_superlinear_in_the_exponent() -> None:
    if ("SetChargingProfile", "req") not in SPEC.schemas:
        pytest.skip("the spec does not define SetChargingProfile yet")
    endpoint = Endpoint(validator=SPEC.validator(), response_timeout=30.0)
    started = time.perf_counter()
    events = endpoint.receive(_set_charging_profile("1E+2000000"), 0.0)
    elapsed = time.perf_counter() - started
    assert len(events) == 1
    assert elapsed < 0.2, f"{elapsed:.2f} s to validate one SetChargingProfile"


class _ResetListener(SpecMachine):
    """A minimal machine that handles the Central System's Reset CALL."""

    NAME: ClassVar[str] = "ResetListener"
    PROFILE: ClassVar[str] = "Core"  # a Core action is implemented by a Core machine
    EVENTS: ClassVar[Mapping[str, str]] = {"ocpp.Reset": "ocpp_reset"}
    ACCEPTS: ClassVar[Mapping[str, frozenset[str]]] = {"Idle": frozenset({"ocpp.Reset"})}

    idle = State("Idle", value="Idle", initial=True)
    ocpp_reset = idle.to.itself(internal=True)  # type: ignore[no-untyped-call]

    def __init__(self, env: MachineEnv, ctx: Any) -> None:
        self.ctx = ctx
        super().__init__(env)


def test_spec_machines_answer_the_calls_they_handle() -> None:
    # The Reset machine answers with its reply action (OCPP-J 1.6 §4.1.1: one answer each).
    target = StationTarget(SPEC)
    assert check_frame(target, '[2,"r-1","Reset",{"type":"Soft"}]') == []
    replies = target.feed('[2,"r-2","GetConfiguration",{"key":["HeartbeatInterval"]}]')
    assert len(replies) == 1 and json.loads(replies[0])[0] == 3


def test_call_a_machine_takes_without_answering_is_internal_error() -> None:
    # A spec gap (a machine accepts the CALL, no transition replies) must still get exactly
    # one answer: the receiver's InternalError (OCPP-J 1.6 §4.2.3), never silence.
    binding = MachineBinding("ResetListener", "station", _ResetListener, lambda params: None)
    machines = tuple(b for b in SPEC.machines if b.name != "Reset")
    target = StationTarget(dataclasses.replace(SPEC, machines=(*machines, binding)))
    replies = target.feed('[2,"r-1","Reset",{"type":"Soft"}]')
    assert [json.loads(r)[:3] for r in replies] == [[4, "r-1", "InternalError"]]


def test_reset_listener_really_accepts_the_call() -> None:
    # Guards the test above: the fake really takes the CALL, so the answer is the station's.
    validator = SPEC.validator()
    if "Reset" not in validator.actions():
        pytest.skip("the spec does not define Reset yet")
    endpoint = Endpoint(
        validator=validator, response_timeout=30.0, supported_actions=frozenset({"Reset"})
    )
    events = endpoint.receive('[2,"r-1","Reset",{"type":"Soft"}]', 0.0)
    assert [type(event) for event in events] == [CallReceived]
    machine = _ResetListener(StationTarget(SPEC).station, None)
    machine.fire("ocpp.Reset", {"type": "Soft"})
    assert machine.state_name == "Idle"
