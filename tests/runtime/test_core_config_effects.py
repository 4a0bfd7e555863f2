"""Core configuration keys that change what the station does: MessageTimeout (errata E3.83)
and ResetRetries (OCPP 1.6 §9.1.22, §5.14), through a real Station on virtual time.

WebSocketPingInterval needs a real socket; see test_ws_ping_interval.py.
"""

from __future__ import annotations

import json
import logging
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.ocppj.endpoint import Endpoint
from runtime.sim.simulator import NonVolatileMeter
from runtime.station.hardware import SimulatedHardware, restart_with_retries
from runtime.station.station import Station, StationIdentity
from runtime.station.store import Store

T0 = 1_700_000_000.0
CURRENT_TIME = "2024-05-01T12:00:00Z"
# The Registration machine retries a BootNotification that got no answer after this long.
BOOT_RETRY = 60.0


def _station(config: dict[str, Any], **options: Any) -> Station:
    return Station(SPEC, StationIdentity("CP-KEYS"), connectors=1, now=T0, config=config, **options)


def _answer_boot(station: Station, now: float) -> None:
    """Answer every CALL sent so far (BootNotification Accepted, the rest with {})."""
    for _ in range(10):
        sent = station.data_to_send()
        if not sent:
            return
        for text in sent:
            _, unique_id, action, _ = json.loads(text)
            result: dict[str, Any] = {}
            if action == "BootNotification":
                result = {"status": "Accepted", "currentTime": CURRENT_TIME, "interval": 300}
            station.receive(json.dumps([3, unique_id, result]), now)
    raise AssertionError("the station kept sending")


def _sent_actions(station: Station) -> list[str]:
    return [json.loads(text)[2] for text in station.data_to_send()]


# --- MessageTimeout -------------------------------------------------------------------------


def test_message_timeout_is_the_wait_for_an_answer() -> None:
    station = _station({"MessageTimeout": 7})
    station.connected(T0)
    assert _sent_actions(station) == ["BootNotification"]
    station.poll(T0 + 6.999)
    assert station.state("Registration") == "BootSent"  # no timeout.BootNotification yet
    station.poll(T0 + 7.0)
    assert station.state("Registration") == "BootFailed"  # timeout.BootNotification (R5)


def test_changed_message_timeout_applies_to_the_next_request() -> None:
    station = _station({"MessageTimeout": 7})
    station.connected(T0)
    station.data_to_send()
    station.poll(T0 + 7.0)
    assert station.state("Registration") == "BootFailed"
    # The Central System changes the key (OCPP 1.6 §5.3); answers are allowed after a failed
    # boot, only a Rejected registration answers nothing (§4.2).
    change = {"key": "MessageTimeout", "value": "12"}
    station.receive(json.dumps([2, "c1", "ChangeConfiguration", change]), T0 + 8.0)
    assert [json.loads(t) for t in station.data_to_send()] == [[3, "c1", {"status": "Accepted"}]]
    retry = T0 + 7.0 + BOOT_RETRY
    station.poll(retry)
    assert _sent_actions(station) == ["BootNotification"]
    station.poll(retry + 11.999)
    assert station.state("Registration") == "BootSent"
    station.poll(retry + 12.0)
    assert station.state("Registration") == "BootFailed"


def test_message_timeout_zero_leaves_the_station_default() -> None:
    # MessageTimeout 0 (the key allows it) is no wait at all; the station keeps its own.
    station = _station({"MessageTimeout": 0}, response_timeout=5.0)
    assert station.message_timeout() == 5.0
    station.connected(T0)
    station.poll(T0 + 4.999)
    assert station.state("Registration") == "BootSent"
    station.poll(T0 + 5.0)
    assert station.state("Registration") == "BootFailed"


def test_endpoint_timeout_change_keeps_the_outstanding_deadline() -> None:
    endpoint = Endpoint(validator=SPEC.validator(), response_timeout=30.0)
    first = endpoint.call("Heartbeat", {}, T0)
    endpoint.response_timeout = 5.0
    assert endpoint.next_deadline() == T0 + 30.0  # sent before the change
    endpoint.call("Heartbeat", {}, T0)  # waits behind the first (OCPP-J 1.6 §4.1.1)
    assert [e.request for e in endpoint.poll(T0 + 30.0)] == [first]
    assert endpoint.next_deadline() == T0 + 35.0  # released now, with the new timeout
    for bad in (0.0, -1.0, float("inf"), float("nan")):
        with pytest.raises(ValueError, match="response_timeout must be > 0"):
            endpoint.response_timeout = bad
    assert endpoint.response_timeout == 5.0


# --- ResetRetries ---------------------------------------------------------------------------


def _accepted(retries: int, failing: int) -> tuple[Station, SimulatedHardware]:
    hardware = SimulatedHardware(failing_resets=failing)
    station = _station({"ResetRetries": retries}, hardware=hardware)
    station.connected(T0)
    _answer_boot(station, T0)
    assert station.state("Registration") == "Accepted"
    return station, hardware


def _reset(station: Station, kind: str) -> None:
    """Reset from the Central System, answered Accepted, then the reboot delay passes."""
    station.receive(json.dumps([2, "r1", "Reset", {"type": kind}]), T0 + 1.0)
    assert json.loads(station.data_to_send()[0]) == [3, "r1", {"status": "Accepted"}]
    station.poll(T0 + 10.0)  # past the Reset machine's reboot delay


@pytest.mark.parametrize("kind", ["Soft", "Hard"])
def test_reset_retried_until_the_restart_succeeds(kind: str) -> None:
    station, hardware = _accepted(retries=2, failing=2)
    _reset(station, kind)
    # Two failures, the third attempt restarts: the station rebooted.
    assert hardware.failing_resets == 0
    assert station.endpoint is None and station.reconnect_requested
    assert station.state("Registration") == "Offline"
    assert station.state("Reset") == "Idle"


def test_reset_given_up_after_the_retries(caplog: pytest.LogCaptureFixture) -> None:
    station, hardware = _accepted(retries=2, failing=5)
    with caplog.at_level(logging.WARNING):
        _reset(station, "Soft")
    assert hardware.failing_resets == 2  # 1 attempt + 2 retries, no more
    # The Charge Point stays up as it was: connected, registered, not rebooted.
    assert station.endpoint is not None and not station.reconnect_requested
    assert station.state("Registration") == "Accepted"
    assert station.reboot_pending is None
    assert "Soft reset failed 3 time(s); the Charge Point stays up" in caplog.text
    station.poll(T0 + 100.0)
    assert hardware.failing_resets == 2  # not tried again on its own


def test_failed_reset_is_reported_and_the_next_reset_runs() -> None:
    station, _ = _accepted(retries=0, failing=1)
    _reset(station, "Hard")
    # §7.6 ResetFailure, on connector 0 in its current status (a warning, not Faulted)
    notifications = [json.loads(text) for text in station.data_to_send()]
    assert [n[2:] for n in notifications] == [
        [
            "StatusNotification",
            {"connectorId": 0, "status": "Available", "errorCode": "ResetFailure"},
        ]
    ]
    assert station.state("Reset") == "Idle"
    station.receive(json.dumps([2, "r2", "Reset", {"type": "Soft"}]), T0 + 20.0)
    assert json.loads(station.data_to_send()[0]) == [3, "r2", {"status": "Accepted"}]
    station.poll(T0 + 30.0)
    assert station.endpoint is None and station.reconnect_requested  # this time it rebooted


def test_reset_retries_read_when_the_reset_happens() -> None:
    station, hardware = _accepted(retries=0, failing=1)
    station.set_config("ResetRetries", 1)  # as ChangeConfiguration does
    _reset(station, "Hard")
    assert hardware.failing_resets == 0 and station.endpoint is None


def test_restart_with_retries_counts_attempts() -> None:
    assert restart_with_retries(SimulatedHardware(), 0) == 1
    assert restart_with_retries(SimulatedHardware(failing_resets=3), 3) == 4
    failing = SimulatedHardware(failing_resets=3)
    assert restart_with_retries(failing, 2) is None
    assert failing.failing_resets == 0
    assert restart_with_retries(SimulatedHardware(failing_resets=1), -5) is None  # as 0


def test_non_volatile_meter_passes_restart_and_lock_state_through() -> None:
    with Store(":memory:") as store:
        meter = NonVolatileMeter(store, SimulatedHardware(failing_resets=1))
        assert not meter.restart() and meter.restart()
        assert not meter.locked(1)
        assert meter.lock(1) and meter.locked(1)


async def test_get_configuration_beyond_the_max_keys_answers_every_key() -> None:
    # §5.8: each requested key is in configurationKey or in unknownKey; none is dropped,
    # also when the request names more than GetConfigurationMaxKeys.
    from generated.ocpp16.registry import SPEC
    from runtime.conformance.inprocess import InProcessDut
    from runtime.conformance.runner import run_scenario
    from runtime.spec.applicability import full_pics

    dut = InProcessDut(SPEC, pics={**full_pics(SPEC), "GetConfigurationMaxKeys": 2})
    await dut.start()
    names = ["HeartbeatInterval", "ConnectionTimeOut", "ResetRetries", "NoSuchKey"]
    boot = {
        "kind": "expect",
        "name": "BootNotification",
        "payload": {},
        "reply": {"status": "Accepted", "currentTime": "$now", "interval": 300},
        "at": "t:1",
    }
    ask = {
        "kind": "send",
        "name": "GetConfiguration",
        "payload": {"key": names},
        "reply": {
            "configurationKey": {"$contains": [{"key": name} for name in names[:3]]},
            "unknownKey": ["NoSuchKey"],
        },
        "at": "t:2",
    }
    await run_scenario({"id": "T", "requires": [], "setup": {}, "steps": [boot, ask]}, dut)
