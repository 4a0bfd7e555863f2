"""Values compared across frames: the ``$capture``, comparison, ``$interval``, ``$tolerance``
and ``$all`` matchers (runtime.conformance.matching), their operands filled in by the
runner (runtime.conformance.steps), and the energy register a tester observes."""

from __future__ import annotations

from typing import Any

import pytest

from runtime.conformance import ScenarioFailed, run_scenario
from runtime.conformance.dut import CallOutcome
from runtime.conformance.matching import match
from runtime.conformance.runner import Timing
from runtime.conformance.steps import outcome_captures, substitute
from runtime.station.hardware import SimulatedHardware
from runtime.station.tester import observe as observe_hardware
from tests.runtime.test_scenario_runner import ScriptedDut, TimedDut, expect, scenario

T0 = "2026-01-01T00:00:00Z"


def test_capture_keeps_the_value_only_when_the_whole_payload_matches() -> None:
    wanted = {"meterStart": {"$capture": "meter_start"}, "idTag": "A"}
    assert match(wanted, {"meterStart": 1000, "idTag": "A"}).captured == {"meter_start": 1000}
    failed = match(wanted, {"meterStart": 1000, "idTag": "B"})
    assert failed.problems == ["idTag: expected 'A', got 'B'"]
    assert failed.captured == {}
    assert match(wanted, {"idTag": "A"}).problems == ["meterStart: missing"]


def test_a_failed_alternative_or_list_element_captures_nothing() -> None:
    wanted = {
        "$one_of": [{"u": "kWh", "v": {"$capture": "x"}}, {"u": "Wh", "v": {"$capture": "y"}}]
    }
    assert match(wanted, {"u": "Wh", "v": "5"}).captured == {"y": "5"}
    values = {"$contains": [{"m": "E", "v": {"$capture": "e"}}]}
    got = [{"m": "P", "v": "1"}, {"m": "E", "v": "2"}]
    assert match(values, got).captured == {"e": "2"}


def test_each_element_of_a_list_must_match() -> None:
    contexts = {"$each": {"context": {"$one_of": ["Sample.Periodic", "$absent"]}}}
    got = [{"context": "Sample.Periodic"}, {}, {"context": "Sample.Clock"}]
    assert match(contexts, got).problems == [
        "[2].context: expected one of ['Sample.Periodic', '$absent'], got 'Sample.Clock'"
    ]
    assert match(contexts, []).problems == []
    assert match(contexts, "x").problems == ["expected a list, got 'x'"]


def test_comparisons_read_numbers_and_numeric_strings_with_a_tolerance() -> None:
    assert match({"$ge": 1000}, "1000.5").problems == []
    assert match({"$gt": 1000}, 1000).problems == ["expected > 1000, got 1000"]
    assert match({"$lt": 5, "$le": 5}, 4).problems == []
    assert match({"$eq": 1000, "$tolerance": 10}, 1009).problems == []
    assert match({"$eq": 1000, "$tolerance": 10}, 1011).problems == [
        "expected = 1000 (± 10), got 1011"
    ]
    assert match({"$ge": 1000, "$tolerance": 10}, 991).problems == []
    # Two bounds of one kind, each with its own tolerance.
    both = {"$all": [{"$ge": 1000}, {"$ge": 1200, "$tolerance": 10}]}
    assert match(both, 1195).problems == []
    assert match(both, 999).problems == [
        "expected >= 1000, got 999",
        "expected >= 1200 (± 10), got 999",
    ]
    # $eq of two other values is plain equality; a boolean is no number.
    assert match({"$eq": "Wh"}, "Wh").problems == []
    assert match({"$eq": "Wh"}, "kWh").problems == ["expected 'Wh', got 'kWh'"]
    assert match({"$ge": 1}, True).problems == ["expected a value comparable with 1, got True"]


def test_timestamps_compare_in_seconds_with_the_runs_slack() -> None:
    later = "2026-01-01T00:00:31Z"
    assert match({"$gt": T0}, later).problems == []
    assert match({"$eq": T0}, "2026-01-01T00:00:01.5Z").problems == [
        f"expected = {T0!r}, got '2026-01-01T00:00:01.5Z'"
    ]
    assert match({"$eq": T0}, "2026-01-01T00:00:01.5Z", slack=2).problems == []
    # A number and a timestamp are not comparable.
    assert match({"$ge": 5}, T0).problems == [f"expected a value comparable with 5, got {T0!r}"]


def test_interval_checks_the_spacing_of_two_timestamps() -> None:
    spaced = {"$interval": {"after": T0, "seconds": 30}}
    assert match(spaced, "2026-01-01T00:00:30Z").problems == []
    assert match(spaced, "2026-01-01T00:00:31Z").problems == [
        f"expected 30 s (± 0) after {T0}, got '2026-01-01T00:00:31Z', 31 s after it"
    ]
    assert match(spaced, "2026-01-01T00:00:31Z", slack=1).problems == []
    assert match({**spaced, "$tolerance": 1}, "2026-01-01T00:00:29Z").problems == []
    # The interval may be a captured configuration value (a string, as GetConfiguration has it).
    assert (
        match({"$interval": {"after": T0, "seconds": "30"}}, "2026-01-01T00:00:30Z").problems == []
    )
    assert match(spaced, "soon").problems == ["expected a timestamp, got 'soon'"]
    assert match({"$interval": {"after": "x", "seconds": 30}}, T0).problems == [
        "$interval needs a timestamp after and a number of seconds, not "
        "{'after': 'x', 'seconds': 30}"
    ]


def test_an_operand_nothing_captured_is_named() -> None:
    assert match({"$ge": "$meter_start"}, 5).problems == [
        "nothing was captured as 'meter_start' to compare with"
    ]
    assert match({"$interval": {"after": "$t", "seconds": 30}}, T0).problems == [
        "nothing was captured as 't' to compare with"
    ]
    assert match({"$gte": 5}, 5).problems == ["unknown matcher '$gte'"]


def test_substitute_fills_operands_from_captures_and_leaves_captures_alone() -> None:
    captured = {"meter_start": 1000, "t": T0}
    expected = {
        "meterStop": {"$ge": "$meter_start", "$capture": "meter_start"},
        "timestamp": {"$interval": {"after": "$t", "seconds": 30}},
        "idTag": "$id_tag",
        "other": "$meter_start",  # not an operand: only placeholders fill it
    }
    filled = substitute(expected, 0.0, {"id_tag": "TAG"}, captured)
    assert filled == {
        "meterStop": {"$ge": 1000, "$capture": "meter_start"},
        "timestamp": {"$interval": {"after": T0, "seconds": 30}},
        "idTag": "TAG",
        "other": "$meter_start",
    }


def test_a_send_steps_answer_may_capture() -> None:
    wanted = {"configurationKey": [{"key": "K", "value": {"$capture": "k"}}]}
    answer = CallOutcome(result={"configurationKey": [{"key": "K", "value": "30"}]})
    assert outcome_captures(wanted, answer) == {"k": "30"}
    assert outcome_captures({"$error": "NotSupported"}, answer) == {}
    assert outcome_captures(wanted, CallOutcome(error_code="NotSupported")) == {}


def _sample(at: str, value: str) -> tuple[str, dict[str, Any]]:
    meter = [{"timestamp": at, "sampledValue": [{"value": value}]}]
    return ("MeterValues", {"connectorId": 1, "meterValue": meter})


SPACED = expect(
    "MeterValues",
    {
        "meterValue": [
            {
                "timestamp": {
                    "$interval": {"after": "$at", "seconds": 30},
                    "$capture": "at",
                },
                "sampledValue": [{"value": {"$ge": "$energy", "$capture": "energy"}}],
            }
        ]
    },
)
FIRST = expect(
    "MeterValues",
    {
        "meterValue": [
            {"timestamp": {"$capture": "at"}, "sampledValue": [{"value": {"$capture": "energy"}}]}
        ]
    },
)


async def test_the_runner_compares_each_message_with_the_values_before_it() -> None:
    calls = [
        _sample(T0, "100"),
        _sample("2026-01-01T00:00:30Z", "150"),
        _sample("2026-01-01T00:01:00Z", "150"),
    ]
    await run_scenario(scenario(FIRST, SPACED, SPACED), ScriptedDut(calls, []))
    # The register ran backwards in the third sample.
    calls[2] = _sample("2026-01-01T00:01:00Z", "149")
    with pytest.raises(ScenarioFailed, match=r"value: expected >= '150', got '149'"):
        await run_scenario(scenario(FIRST, SPACED, SPACED), ScriptedDut(calls, []))


async def test_timestamps_may_be_off_by_the_timing_tolerance_against_a_device() -> None:
    calls = [(0.0, *_sample(T0, "1")), (31.0, *_sample("2026-01-01T00:00:31.800Z", "2"))]
    late = {**SPACED, "seconds": 32}
    with pytest.raises(ScenarioFailed, match=r"31\.8 s after it"):
        await run_scenario(scenario(FIRST, late), TimedDut(calls))
    await run_scenario(scenario(FIRST, late), TimedDut(calls), timing=Timing(tolerance=2))


class MeterDut(ScriptedDut):
    """A scripted charge point whose energy register reads 1000 Wh."""

    async def observe(self, name: str, payload: dict[str, Any]) -> Any:
        return 1000 if name == "energy_register" else await super().observe(name, payload)


def _observe(expected: object) -> dict[str, Any]:
    payload = {"connector": 1}
    return {
        "kind": "observe",
        "name": "energy_register",
        "payload": payload,
        "reply": {"$is": expected},
    }


async def test_an_observation_may_capture_and_compare() -> None:
    start = ("StartTransaction", {"connectorId": 1, "meterStart": 1000})
    compared = expect("StartTransaction", {"meterStart": {"$ge": "$before", "$tolerance": 10}})
    steps = [_observe({"$capture": "before"}), compared, _observe({"$eq": 1000})]
    await run_scenario(scenario(*steps), MeterDut([start], []))
    with pytest.raises(ScenarioFailed, match="energy_register is 1000, expected >= 2000"):
        await run_scenario(scenario(_observe({"$ge": 2000})), MeterDut([], []))
    with pytest.raises(ScenarioFailed, match="energy_register is 1000, expected 999"):
        await run_scenario(scenario(_observe(999)), MeterDut([], []))


def test_the_energy_register_observation_reads_the_meter_now() -> None:
    hardware = SimulatedHardware(power_w=3600.0, start_wh=1000.0)
    assert observe_hardware(hardware, 1, "energy_register", {"connector": 1}, 0.0) == 1000
    hardware.set_energy_flow(1, True, 0.0)
    # 3600 W for 10 s is 10 Wh.
    assert observe_hardware(hardware, 1, "energy_register", {"connector": 1}, 10.0) == 1010
