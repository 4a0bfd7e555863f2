"""Remote Trigger through a real Station, frame by frame (OCPP 1.6 §5.17).

The scenarios can only wait for the TriggerMessage.conf before they expect the requested
message; these tests read the station's outgoing frames in the order it writes them, so a
requested message written before the answer fails here. They also check what no device
shows on the wire: a triggered MeterValues leaves the transaction message queue (§3.7)
alone, and a triggered Heartbeat restarts the heartbeat interval.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.station.station import Station, StationIdentity

T0 = 1_700_000_000.0
CURRENT_TIME = "2023-11-14T22:13:20Z"
PICS = {"Core": True, "RemoteTrigger": True}
ANSWERS: dict[str, dict[str, Any]] = {
    "BootNotification": {"status": "Accepted", "currentTime": CURRENT_TIME, "interval": 300},
    "Heartbeat": {"currentTime": CURRENT_TIME},
    "Authorize": {"idTagInfo": {"status": "Accepted"}},
    "StartTransaction": {"transactionId": 42, "idTagInfo": {"status": "Accepted"}},
}


def exchange(station: Station, now: float = T0) -> list[list[Any]]:
    """Every frame the station writes, decoded, in order; each CALL answered at once."""
    frames: list[list[Any]] = []
    for _ in range(20):  # one CALL in flight at a time (OCPP-J §4.1.1): a round per CALL
        sent = [json.loads(text) for text in station.data_to_send()]
        if not sent:
            return frames
        frames.extend(sent)
        for frame in sent:
            if frame[0] == 2:
                answer = ANSWERS.get(frame[2], {})
                station.receive(json.dumps([3, frame[1], answer]), now)
    raise AssertionError("the station keeps sending")


def booted(connectors: int = 2) -> Station:
    station = Station(SPEC, StationIdentity("CP-TRIGGER"), connectors=connectors, now=T0, pics=PICS)
    station.connected(T0)
    exchange(station)
    assert station.state("Registration") == "Accepted"
    return station


def trigger(station: Station, payload: dict[str, Any], now: float = T0) -> list[list[Any]]:
    station.receive(json.dumps([2, "t1", "TriggerMessage", payload]), now)
    return exchange(station, now)


def calls(frames: list[list[Any]], action: str) -> list[dict[str, Any]]:
    return [f[3] for f in frames if f[0] == 2 and f[2] == action]


@pytest.mark.parametrize(
    ("requested", "action"),
    [
        ("Heartbeat", "Heartbeat"),
        ("StatusNotification", "StatusNotification"),
        ("MeterValues", "MeterValues"),
        ("DiagnosticsStatusNotification", "DiagnosticsStatusNotification"),
        ("FirmwareStatusNotification", "FirmwareStatusNotification"),
    ],
)
def test_the_answer_is_written_before_the_requested_message(requested: str, action: str) -> None:
    frames = trigger(booted(), {"requestedMessage": requested, "connectorId": 1})
    assert frames[0] == [3, "t1", {"status": "Accepted"}]
    assert [f[2] for f in frames[1:]] == [action]


def test_status_notification_without_connector_reports_connector_0_and_each_connector() -> None:
    frames = trigger(booted(connectors=2), {"requestedMessage": "StatusNotification"})
    assert frames[0] == [3, "t1", {"status": "Accepted"}]
    assert sorted(p["connectorId"] for p in calls(frames, "StatusNotification")) == [0, 1, 2]


def test_meter_values_without_connector_come_from_every_connector() -> None:
    frames = trigger(booted(connectors=2), {"requestedMessage": "MeterValues"})
    sent = calls(frames, "MeterValues")
    assert sorted(p["connectorId"] for p in sent) == [1, 2]
    contexts = {v.get("context") for p in sent for v in p["meterValue"][0]["sampledValue"]}
    assert contexts == {"Trigger"}


@pytest.mark.parametrize(
    "payload",
    [
        {"requestedMessage": "MeterValues", "connectorId": 3},
        {"requestedMessage": "MeterValues", "connectorId": 0},
        {"requestedMessage": "StatusNotification", "connectorId": 3},
        {"requestedMessage": "BootNotification"},
    ],
)
def test_rejected_triggers_send_nothing(payload: dict[str, Any]) -> None:
    frames = trigger(booted(), payload)
    assert frames == [[3, "t1", {"status": "Rejected"}]]


def test_triggered_meter_values_carry_the_transaction_but_stay_out_of_its_queue() -> None:
    station = booted(connectors=1)
    station.tester("plug_in", connector=1)
    station.tester("present_id_tag", connector=1, idTag="TAG-0001")
    started = exchange(station)
    assert calls(started, "StartTransaction")
    queued = station.store.queue_length()
    frames = trigger(station, {"requestedMessage": "MeterValues", "connectorId": 1})
    (sent,) = calls(frames, "MeterValues")
    assert sent["transactionId"] == 42
    assert station.store.queue_length() == queued
    # Nor is the reading kept for StopTransaction.transactionData (§3.16.5 lists no Trigger).
    record = station.store.transaction(station.services.q_open_transaction(1))
    assert record is not None
    kept = [v.get("context") for s in record.samples for v in s["sampledValue"]]
    assert "Trigger" not in kept


def test_triggered_heartbeat_restarts_the_interval() -> None:
    station = booted(connectors=1)
    later = T0 + 100
    station.poll(later)
    frames = trigger(station, {"requestedMessage": "Heartbeat"}, later)
    assert len(calls(frames, "Heartbeat")) == 1
    station.poll(T0 + 300)  # the interval counted from boot has passed: no Heartbeat yet
    assert calls(exchange(station, T0 + 300), "Heartbeat") == []
    station.poll(later + 300)
    assert len(calls(exchange(station, later + 300), "Heartbeat")) == 1


@pytest.mark.parametrize(("pics", "listed"), [(PICS, True), ({"Core": True}, False)])
def test_supported_feature_profiles_names_remote_trigger_only_when_declared(
    pics: dict[str, bool], listed: bool
) -> None:
    station = Station(SPEC, StationIdentity("CP-TRIGGER"), connectors=1, now=T0, pics=pics)
    station.connected(T0)
    exchange(station)
    key = {"key": ["SupportedFeatureProfiles"]}
    station.receive(json.dumps([2, "g1", "GetConfiguration", key]), T0)
    (answer,) = exchange(station)
    (entry,) = answer[2]["configurationKey"]
    assert ("RemoteTrigger" in entry["value"].split(",")) is listed
    status = "Accepted" if listed else "NotImplemented"
    assert trigger(station, {"requestedMessage": "Heartbeat"})[0][2] == {"status": status}
