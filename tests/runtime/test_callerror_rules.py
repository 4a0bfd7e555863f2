"""One test per CALLERROR rule (OCPP-J 1.6 §4.2.3 table 7), through a real Station.

The station is booted and Accepted, then receives CALLs from the Central System as text. The
answer must be exactly one frame for the CALL's id with the code the rule names, and a payload
error must name the offending field's path in its details and description.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.ocppj.errors import ErrorCode
from runtime.ocppj.frames import Call
from runtime.station.station import CallHandler, Station, StationIdentity

T0 = 1_700_000_000.0
CURRENT_TIME = "2024-05-01T12:00:00Z"
EVERY_PROFILE = {
    "Core": True,
    "FirmwareManagement": True,
    "LocalAuthListManagement": True,
    "Reservation": True,
    "SmartCharging": True,
    "RemoteTrigger": True,
}


def _answer(response: Mapping[str, Any]) -> CallHandler:
    def handler(call: Call) -> Mapping[str, Any]:
        return response

    return handler


HANDLERS: dict[str, CallHandler] = {
    "ChangeAvailability": _answer({"status": "Accepted"}),
    "ChangeConfiguration": _answer({"status": "Accepted"}),
    "UnlockConnector": _answer({"status": "Unlocked"}),
    "SetChargingProfile": _answer({"status": "Accepted"}),
    "SendLocalList": _answer({"status": "Accepted"}),
    "ReserveNow": _answer({"status": "Accepted"}),
    "UpdateFirmware": _answer({}),
}


def accepted_station(
    pics: Mapping[str, Any] | None = None, handlers: Mapping[str, CallHandler] | None = None
) -> Station:
    """A two-connector station, connected, its BootNotification Accepted, outbox drained."""
    station = Station(
        SPEC,
        StationIdentity("CP-RULES"),
        connectors=2,
        now=T0,
        pics=EVERY_PROFILE if pics is None else pics,
        handlers=HANDLERS if handlers is None else handlers,
    )
    station.connected(T0)
    for _ in range(10):  # boot, then one StatusNotification per connector and connector 0
        sent = station.data_to_send()
        if not sent:
            break
        for text in sent:
            _, unique_id, action, _ = json.loads(text)
            result: dict[str, Any] = {}
            if action == "BootNotification":
                result = {"status": "Accepted", "currentTime": CURRENT_TIME, "interval": 300}
            station.receive(json.dumps([3, unique_id, result]), T0)
    assert station.state("Registration") == "Accepted"
    assert station.data_to_send() == []
    return station


def reply_to(station: Station, text: str) -> list[Any]:
    """Feed one frame; the single frame answered (decoded)."""
    station.receive(text, T0)
    sent = station.data_to_send()
    assert len(sent) == 1, sent
    reply: list[Any] = json.loads(sent[0])
    return reply


def call_error(station: Station, text: str, unique_id: str = "m1") -> tuple[str, str, Any]:
    reply = reply_to(station, text)
    assert reply[0] == 4 and reply[1] == unique_id, reply
    return reply[2], reply[3], reply[4]


def call(action: str, payload: object, unique_id: str = "m1") -> str:
    return json.dumps([2, unique_id, action, payload])


@pytest.fixture
def station() -> Station:
    return accepted_station()


# --- frame level ----------------------------------------------------------------------------


def test_malformed_json_with_readable_id_is_formation_violation(station: Station) -> None:
    code, _, _ = call_error(station, '[2,"m1","ChangeAvailability",{"connectorId":1,')
    assert code == ErrorCode.FORMATION_VIOLATION


def test_malformed_json_without_readable_id_is_not_answered(station: Station) -> None:
    station.receive('{"broken": [2,"m1"', T0)
    assert station.data_to_send() == []


def test_call_of_the_wrong_shape_is_formation_violation(station: Station) -> None:
    code, _, _ = call_error(station, '[2,"m1","ChangeAvailability",[1,"Operative"]]')
    assert code == ErrorCode.FORMATION_VIOLATION
    code, _, _ = call_error(station, '[2,"m1","ChangeAvailability",{},{}]')
    assert code == ErrorCode.FORMATION_VIOLATION


def test_call_without_payload_is_protocol_error(station: Station) -> None:
    code, _, _ = call_error(station, '[2,"m1","ChangeAvailability"]')
    assert code == ErrorCode.PROTOCOL_ERROR


def test_too_long_message_id_is_protocol_error(station: Station) -> None:
    long_id = "x" * 37
    code, _, _ = call_error(station, call("ClearCache", {}, long_id), long_id)
    assert code == ErrorCode.PROTOCOL_ERROR


# --- payload level --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "payload", "path"),
    [
        ("ChangeAvailability", {"connectorId": "1", "type": "Operative"}, "connectorId"),
        ("ChangeAvailability", {"connectorId": True, "type": "Operative"}, "connectorId"),
        ("ChangeAvailability", {"connectorId": 1.5, "type": "Operative"}, "connectorId"),
        ("ChangeAvailability", {"connectorId": 1, "type": None}, "type"),
        (
            "SendLocalList",
            {"listVersion": 2, "updateType": "Full", "localAuthorizationList": {}},
            "localAuthorizationList",
        ),
    ],
)
def test_wrong_type_is_type_constraint_violation(
    station: Station, action: str, payload: dict[str, Any], path: str
) -> None:
    code, description, details = call_error(station, call(action, payload))
    assert code == ErrorCode.TYPE_CONSTRAINT_VIOLATION
    assert details == {"path": path}
    assert description.startswith(f"{path}: ")


def _profile(limit: object, periods: int = 1) -> dict[str, Any]:
    return {
        "connectorId": 1,
        "csChargingProfiles": {
            "chargingProfileId": 7,
            "stackLevel": 0,
            "chargingProfilePurpose": "TxDefaultProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": {
                "chargingRateUnit": "A",
                "chargingSchedulePeriod": [
                    {"startPeriod": 3600 * i, "limit": limit} for i in range(periods)
                ],
            },
        },
    }


_PERIOD = "csChargingProfiles.chargingSchedule.chargingSchedulePeriod"


@pytest.mark.parametrize(
    ("action", "text_payload", "path"),
    [
        # enumeration
        ("ChangeAvailability", '{"connectorId":1,"type":"Sometimes"}', "type"),
        # length: CiString50Type key (OCPP 1.6 §6.9)
        ("ChangeConfiguration", json.dumps({"key": "K" * 51, "value": "1"}), "key"),
        # range: connectorId >= 0 (OCPP 1.6 §6.9)
        ("ChangeAvailability", '{"connectorId":-1,"type":"Operative"}', "connectorId"),
        # one decimal: a limit of 16.15 A is not a multiple of 0.1 (OCPP 1.6 §7.14)
        (
            "SetChargingProfile",
            json.dumps(_profile(16.1)).replace("16.1", "16.15"),
            f"{_PERIOD}[0].limit",
        ),
        # date-time with an offset (OCPP 1.6 §3.15, errata E3.10)
        (
            "ReserveNow",
            '{"connectorId":1,"expiryDate":"tomorrow","idTag":"TAG","reservationId":1}',
            "expiryDate",
        ),
    ],
)
def test_bad_value_is_property_constraint_violation(
    station: Station, action: str, text_payload: str, path: str
) -> None:
    text = f'[2,"m1","{action}",{text_payload}]'
    code, description, details = call_error(station, text)
    assert code == ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert details == {"path": path}
    assert description.startswith(f"{path}: ")


def test_a_decimal_limit_with_one_decimal_is_accepted(station: Station) -> None:
    reply = reply_to(station, call("SetChargingProfile", _profile(16.1, periods=24)))
    assert reply == [3, "m1", {"status": "Accepted"}]


def test_missing_required_field_is_occurence_constraint_violation(station: Station) -> None:
    code, description, details = call_error(
        station, call("ChangeAvailability", {"type": "Operative"})
    )
    assert code == ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION
    assert details == {"path": "connectorId"}
    assert "required" in description


def test_too_few_items_is_occurence_constraint_violation(station: Station) -> None:
    # chargingSchedulePeriod has cardinality 1..* (OCPP 1.6 §7.13).
    code, _, details = call_error(station, call("SetChargingProfile", _profile(16, periods=0)))
    assert code == ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION
    assert details == {"path": _PERIOD}


def test_unknown_field_is_formation_violation(station: Station) -> None:
    payload = {"connectorId": 1, "type": "Operative", "priority": "high"}
    code, _, details = call_error(station, call("ChangeAvailability", payload))
    assert code == ErrorCode.FORMATION_VIOLATION
    assert details == {"path": "priority"}


def test_nested_error_names_the_full_path(station: Station) -> None:
    payload = _profile(16)
    payload["csChargingProfiles"]["chargingSchedule"]["chargingSchedulePeriod"].append(
        {"startPeriod": "later", "limit": 8}
    )
    code, _, details = call_error(station, call("SetChargingProfile", payload))
    assert code == ErrorCode.TYPE_CONSTRAINT_VIOLATION
    assert details == {"path": f"{_PERIOD}[1].startPeriod"}


# --- action level ---------------------------------------------------------------------------


def test_unknown_action_is_not_implemented(station: Station) -> None:
    code, description, _ = call_error(station, call("TransactionEvent", {}))
    assert code == ErrorCode.NOT_IMPLEMENTED
    assert "TransactionEvent" in description


def test_action_of_an_undeclared_profile_is_not_supported() -> None:
    # errata E3.39: without smart charging, SetChargingProfile is CALLERROR NotSupported; the
    # application handler does not count for a profile the PICS does not declare.
    station = accepted_station(pics={**EVERY_PROFILE, "SmartCharging": False})
    code, description, _ = call_error(station, call("SetChargingProfile", _profile(16)))
    assert code == ErrorCode.NOT_SUPPORTED
    assert "SmartCharging profile" in description


def test_undeclared_profile_answer_prescribed_by_the_spec_wins_over_a_handler() -> None:
    # OCPP 1.6 §5.13, §7.40: not configured to accept reservations -> Rejected.
    station = accepted_station(pics={**EVERY_PROFILE, "Reservation": False})
    payload = {"connectorId": 1, "expiryDate": CURRENT_TIME, "idTag": "TAG", "reservationId": 1}
    assert reply_to(station, call("ReserveNow", payload)) == [3, "m1", {"status": "Rejected"}]


def test_action_the_central_system_may_not_send_is_not_supported(station: Station) -> None:
    code, _, _ = call_error(station, call("Heartbeat", {}))
    assert code == ErrorCode.NOT_SUPPORTED


def test_known_action_nothing_handles_is_not_supported(station: Station) -> None:
    # FirmwareManagement is there (a handler answers UpdateFirmware), but nothing answers
    # GetDiagnostics.
    code, description, _ = call_error(station, call("GetDiagnostics", {"location": "ftp://x/"}))
    assert code == ErrorCode.NOT_SUPPORTED
    assert "not supported by this charge point" in description


def test_unsupported_action_is_refused_before_its_payload_is_checked() -> None:
    station = accepted_station(pics={**EVERY_PROFILE, "SmartCharging": False})
    code, _, _ = call_error(station, call("SetChargingProfile", {"bogus": 1}))
    assert code == ErrorCode.NOT_SUPPORTED


def test_undeclared_profile_request_answered_by_the_spec_is_checked_first() -> None:
    # ReserveNow has an answer for a Charge Point without reservations (Rejected, §5.13),
    # so it is a request like any other: a malformed one is a payload error.
    station = accepted_station(pics={**EVERY_PROFILE, "Reservation": False})
    code, _, _ = call_error(station, call("ReserveNow", {"bogus": 1}))
    assert code == ErrorCode.FORMATION_VIOLATION


def test_failing_handler_is_internal_error() -> None:
    def broken(call: Call) -> Mapping[str, Any]:
        raise RuntimeError("relay driver not responding")

    station = accepted_station(handlers={"UnlockConnector": broken})
    code, description, _ = call_error(station, call("UnlockConnector", {"connectorId": 1}))
    assert code == ErrorCode.INTERNAL_ERROR
    assert "RuntimeError" in description
    # The station carries on: the next CALL is answered normally.
    station.handlers["UnlockConnector"] = _answer({"status": "Unlocked"})
    reply = reply_to(station, call("UnlockConnector", {"connectorId": 1}, "m2"))
    assert reply == [3, "m2", {"status": "Unlocked"}]


def test_handler_answering_an_invalid_payload_is_internal_error() -> None:
    station = accepted_station(handlers={"UnlockConnector": _answer({"status": "Opened"})})
    code, _, details = call_error(station, call("UnlockConnector", {"connectorId": 1}))
    assert code == ErrorCode.INTERNAL_ERROR
    assert "status" in details["cause"]


def test_rejected_frames_leave_the_station_unchanged(station: Station) -> None:
    before = {key: m.state_name for key, m in station.machines.items()}
    timers = dict(station.timers)
    for text in (
        '[2,"m1","ChangeAvailability",{"connectorId":"x","type":"Operative"}]',
        '[2,"m2","Nope",{}]',
        '[2,"m3","ChangeAvailability"]',
    ):
        station.receive(text, T0)
    assert len(station.data_to_send()) == 3
    assert {key: m.state_name for key, m in station.machines.items()} == before
    assert station.timers == timers


def test_a_rejected_charge_point_answers_no_frame_at_all() -> None:
    # OCPP 1.6 §4.2: while the registration is Rejected the Charge Point responds to nothing
    # the Central System sends: not to well-formed CALLs, and not with a CALLERROR to broken
    # ones either (a CALLERROR is a response too).
    station = Station(SPEC, StationIdentity("CP-REJ"), connectors=1, now=T0, pics=EVERY_PROFILE)
    station.connected(T0)
    (boot,) = station.data_to_send()
    _, unique_id, _, _ = json.loads(boot)
    rejected = {"status": "Rejected", "currentTime": CURRENT_TIME, "interval": 600}
    station.receive(json.dumps([3, unique_id, rejected]), T0)
    assert station.state("Registration") == "Rejected"
    for text in (
        '[2,"m1","ChangeAvailability",{"connectorId":1,',
        '[2,"m2","ClearCache"]',
        '[2,"m3","Nope",{}]',
        '[2,"m4","ClearCache",{}]',
        "not json",
    ):
        station.receive(text, T0)
        assert station.data_to_send() == [], text
