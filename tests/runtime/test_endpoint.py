"""Tests for the sans-IO OCPP-J RPC endpoint (runtime.ocppj.endpoint)."""

from __future__ import annotations

import functools
import itertools
import json
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import ocpp  # type: ignore[import-untyped]
import pytest

from runtime.conformance.schema_oracle import SchemaPayloadValidator
from runtime.ocppj.endpoint import Endpoint
from runtime.ocppj.errors import ErrorCode, LocalProtocolError
from runtime.ocppj.events import (
    CallAborted,
    CallReceived,
    CallTimedOut,
    EndpointEvent,
    ErrorReceived,
    ProtocolViolation,
    ResultInvalid,
    ResultReceived,
)
from runtime.ocppj.frames import Call, CallError, CallResult, decode_frame

SCHEMA_DIR = Path(ocpp.__file__).parent / "v16" / "schemas"
TIMEOUT = 30.0
T0 = 1_700_000_000.0

BOOT_REQ = {"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}
BOOT_CONF = {"status": "Accepted", "currentTime": "2013-02-01T20:53:32.486Z", "interval": 300}
HEARTBEAT_CONF = {"currentTime": "2013-02-01T20:53:32Z"}


@functools.cache
def validator() -> SchemaPayloadValidator:
    """Validator over the official OCPP 1.6 schemas shipped in the ``ocpp`` package."""
    schemas: dict[tuple[str, str], dict[str, Any]] = {}
    for path in sorted(SCHEMA_DIR.glob("*.json")):
        name = path.stem
        key = (name.removesuffix("Response"), "conf" if name.endswith("Response") else "req")
        schemas[key] = json.loads(path.read_text(encoding="utf-8"))
    return SchemaPayloadValidator(schemas)


def counter_ids(prefix: str) -> Callable[[], str]:
    numbers = itertools.count(1)
    return lambda: f"{prefix}{next(numbers)}"


def make_endpoint(prefix: str = "id-", **kwargs: Any) -> Endpoint:
    kwargs.setdefault("id_factory", counter_ids(prefix))
    return Endpoint(validator=validator(), response_timeout=TIMEOUT, **kwargs)


def pump(
    a: Endpoint, b: Endpoint, now: float, max_rounds: int = 10
) -> tuple[list[EndpointEvent], list[EndpointEvent]]:
    """Carry frames both ways until both outboxes are empty; returns (a's, b's) events."""
    events_a: list[EndpointEvent] = []
    events_b: list[EndpointEvent] = []
    for _ in range(max_rounds):
        out_a, out_b = a.data_to_send(), b.data_to_send()
        if not out_a and not out_b:
            return events_a, events_b
        for text in out_a:
            events_b.extend(b.receive(text, now))
        for text in out_b:
            events_a.extend(a.receive(text, now))
    raise AssertionError("endpoints kept talking")


def only_reply(endpoint: Endpoint) -> list[Any]:
    sent = endpoint.data_to_send()
    assert len(sent) == 1, sent
    decoded: list[Any] = json.loads(sent[0])
    return decoded


def call_error_reply(endpoint: Endpoint, text: str) -> tuple[list[EndpointEvent], list[Any]]:
    events = endpoint.receive(text, T0)
    assert len(events) == 1 and isinstance(events[0], ProtocolViolation)
    assert events[0].frame_text == text
    reply = only_reply(endpoint)
    assert reply[0] == 4
    return events, reply


# -- a full exchange -------------------------------------------------------------------------


def test_boot_notification_exchange() -> None:
    cp, cs = make_endpoint("cp-"), make_endpoint("cs-")
    request = cp.call("BootNotification", dict(BOOT_REQ), T0)
    assert request == Call("cp-1", "BootNotification", BOOT_REQ)
    assert cp.outstanding == request
    assert cp.next_deadline() == T0 + TIMEOUT

    cp_events, cs_events = pump(cp, cs, T0)
    assert cp_events == []
    assert cs_events == [CallReceived(request)]
    assert cs.awaiting_reply == (request,)

    cs.reply(request, dict(BOOT_CONF))
    assert not cs.awaiting_reply
    cp_events, cs_events = pump(cp, cs, T0 + 1)
    assert cp_events == [ResultReceived(request, CallResult("cp-1", BOOT_CONF))]
    assert cs_events == []
    assert cp.outstanding is None
    assert cp.next_deadline() is None


def test_spec_example_frame_is_accepted() -> None:
    cs = make_endpoint()
    text = (
        '[2, "19223201", "BootNotification", '
        '{"chargePointVendor": "VendorX", "chargePointModel": "SingleSocketCharger"}]'
    )
    assert cs.receive(text, T0) == [CallReceived(Call("19223201", "BootNotification", BOOT_REQ))]
    assert cs.data_to_send() == []


def test_calls_crossing_each_other_are_both_handled() -> None:
    # OCPP-J 1.6 §4.1.1 note: CALLs from both sides may cross.
    cp, cs = make_endpoint("cp-"), make_endpoint("cs-")
    cp_call = cp.call("Heartbeat", {}, T0)
    cs_call = cs.call("ClearCache", {}, T0)
    cp_events, cs_events = pump(cp, cs, T0)
    assert cp_events == [CallReceived(cs_call)]
    assert cs_events == [CallReceived(cp_call)]
    cp.reply(cs_call, {"status": "Accepted"})
    cs.reply(cp_call, dict(HEARTBEAT_CONF))
    cp_events, cs_events = pump(cp, cs, T0)
    assert [type(e) for e in cp_events + cs_events] == [ResultReceived, ResultReceived]


def test_decimal_round_trip_between_endpoints() -> None:
    cp, cs = make_endpoint("cp-"), make_endpoint("cs-")
    period = {"startPeriod": 0, "limit": Decimal("16.1")}
    schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [period]}
    profile = {
        "chargingProfileId": 1,
        "stackLevel": 0,
        "chargingProfilePurpose": "TxDefaultProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": schedule,
    }
    cs.call("SetChargingProfile", {"connectorId": 1, "csChargingProfiles": profile}, T0)
    (text,) = cs.data_to_send()
    assert '"limit":16.1}' in text
    (event,) = cp.receive(text, T0)
    assert isinstance(event, CallReceived)
    received = event.call.payload["csChargingProfiles"]["chargingSchedule"]
    limit = received["chargingSchedulePeriod"][0]["limit"]
    assert isinstance(limit, Decimal) and limit == Decimal("16.1")


# -- incoming CALLs that are refused ---------------------------------------------------------


@pytest.mark.parametrize(
    ("payload", "code", "path"),
    [
        ({"chargePointVendor": "v"}, ErrorCode.OCCURENCE_CONSTRAINT_VIOLATION, "chargePointModel"),
        (
            {"chargePointVendor": 12, "chargePointModel": "m"},
            ErrorCode.TYPE_CONSTRAINT_VIOLATION,
            "chargePointVendor",
        ),
        (
            {"chargePointVendor": "v" * 21, "chargePointModel": "m"},
            ErrorCode.PROPERTY_CONSTRAINT_VIOLATION,
            "chargePointVendor",
        ),
        (
            {"chargePointVendor": "v", "chargePointModel": "m", "x": 1},
            ErrorCode.FORMATION_VIOLATION,
            "x",
        ),
    ],
)
def test_invalid_call_payload_is_answered_with_call_error(
    payload: dict[str, Any], code: ErrorCode, path: str
) -> None:
    cs = make_endpoint()
    text = json.dumps([2, "1", "BootNotification", payload])
    _, reply = call_error_reply(cs, text)
    assert reply[1:3] == ["1", code.value]
    assert path in reply[3]
    assert reply[4] == {"path": path}
    assert cs.awaiting_reply == ()


def test_boot_notification_missing_model_exact_frame() -> None:
    cs = make_endpoint()
    _, reply = call_error_reply(cs, '[2,"1","BootNotification",{"chargePointVendor":"v"}]')
    assert reply[2] == "OccurenceConstraintViolation"
    assert reply[4] == {"path": "chargePointModel"}


def test_invalid_json_is_reported_but_not_answered() -> None:
    cs = make_endpoint()
    events = cs.receive('{"not": "an array", ', T0)
    assert len(events) == 1 and isinstance(events[0], ProtocolViolation)
    assert "FormationViolation" in events[0].description
    assert cs.data_to_send() == []


def test_invalid_json_with_readable_call_id_is_answered() -> None:
    cs = make_endpoint()
    _, reply = call_error_reply(cs, '[2,"1","Heartbeat",')
    assert reply[1:3] == ["1", "FormationViolation"]


def test_badly_formed_call_with_readable_id_gets_formation_violation() -> None:
    cs = make_endpoint()
    _, reply = call_error_reply(cs, '[2,"42","Heartbeat",[]]')
    assert reply[1:3] == ["42", "FormationViolation"]


def test_unknown_action_is_not_implemented() -> None:
    cs = make_endpoint()
    _, reply = call_error_reply(cs, '[2,"1","MakeCoffee",{}]')
    assert reply[1:3] == ["1", "NotImplemented"]


def test_known_but_unsupported_action_is_not_supported() -> None:
    cp = make_endpoint(supported_actions=frozenset({"Reset"}))
    _, reply = call_error_reply(cp, '[2,"1","BootNotification",{}]')
    assert reply[1:3] == ["1", "NotSupported"]
    (event,) = cp.receive('[2,"2","Reset",{"type":"Soft"}]', T0)
    assert isinstance(event, CallReceived)


def test_action_without_request_schema_is_not_implemented() -> None:
    only_conf = SchemaPayloadValidator({("Heartbeat", "conf"): {"type": "object"}})
    endpoint = Endpoint(validator=only_conf, response_timeout=TIMEOUT)
    _, reply = call_error_reply(endpoint, '[2,"1","Heartbeat",{}]')
    assert reply[2] == "NotImplemented"


def test_unique_id_longer_than_36_is_protocol_error() -> None:
    cs = make_endpoint()
    long_id = "x" * 37
    _, reply = call_error_reply(cs, f'[2,"{long_id}","Heartbeat",{{}}]')
    assert reply[1:3] == [long_id, "ProtocolError"]


def test_unknown_message_type_is_ignored_without_reply() -> None:
    cs = make_endpoint()
    events = cs.receive('[7,"1","Heartbeat",{}]', T0)
    assert all(isinstance(e, ProtocolViolation) for e in events)
    assert cs.data_to_send() == []
    assert cs.awaiting_reply == ()


def test_duplicate_incoming_id_while_processing_is_protocol_error() -> None:
    cs = make_endpoint()
    (event,) = cs.receive('[2,"dup","Heartbeat",{}]', T0)
    assert isinstance(event, CallReceived)
    _, reply = call_error_reply(cs, '[2,"dup","Heartbeat",{}]')
    assert reply[1:3] == ["dup", "ProtocolError"]
    # The first CALL is still ours to answer.
    assert cs.awaiting_reply == (event.call,)
    cs.reply(event.call, dict(HEARTBEAT_CONF))
    assert json.loads(cs.data_to_send()[0])[0:2] == [3, "dup"]


# -- responses to our CALLs ------------------------------------------------------------------


def test_call_result_with_unknown_id_is_reported_not_answered() -> None:
    cp = make_endpoint()
    request = cp.call("Heartbeat", {}, T0)
    cp.data_to_send()
    events = cp.receive('[3,"other",{"currentTime":"2013-02-01T20:53:32Z"}]', T0)
    assert len(events) == 1 and isinstance(events[0], ProtocolViolation)
    assert cp.data_to_send() == []
    assert cp.outstanding == request


def test_responses_when_nothing_is_outstanding_are_reported() -> None:
    cp = make_endpoint()
    for text in ('[3,"1",{}]', '[4,"1","GenericError","",{}]'):
        (event,) = cp.receive(text, T0)
        assert isinstance(event, ProtocolViolation)
    assert cp.data_to_send() == []


def test_malformed_response_is_not_answered_and_call_stays_outstanding() -> None:
    cp = make_endpoint()
    request = cp.call("Heartbeat", {}, T0)
    cp.data_to_send()
    (event,) = cp.receive(f'[3,"{request.unique_id}",[]]', T0)
    assert isinstance(event, ProtocolViolation)
    assert cp.data_to_send() == []
    assert cp.outstanding == request


def test_invalid_call_result_settles_call_as_result_invalid() -> None:
    cp = make_endpoint()
    request = cp.call("BootNotification", dict(BOOT_REQ), T0)
    nxt = cp.call("Heartbeat", {}, T0)
    cp.data_to_send()
    bad = {**BOOT_CONF, "currentTime": "2013-02-01T20:53:32"}
    (event,) = cp.receive(json.dumps([3, request.unique_id, bad]), T0 + 2)
    assert isinstance(event, ResultInvalid)
    assert event.request == request
    assert event.error.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert event.error.path == "currentTime"
    assert event.result == CallResult(request.unique_id, bad)
    # Settled: no reply to the response, and the next CALL goes out.
    assert cp.outstanding == nxt
    assert [json.loads(t)[1] for t in cp.data_to_send()] == [nxt.unique_id]


def test_result_without_response_schema_is_result_invalid() -> None:
    only_req = SchemaPayloadValidator({("Heartbeat", "req"): {"type": "object"}})
    cp = Endpoint(validator=only_req, response_timeout=TIMEOUT)
    request = cp.call("Heartbeat", {}, T0)
    (event,) = cp.receive(json.dumps([3, request.unique_id, {}]), T0)
    assert isinstance(event, ResultInvalid)
    assert event.error.code is ErrorCode.INTERNAL_ERROR


def test_call_error_settles_call() -> None:
    cp, cs = make_endpoint("cp-"), make_endpoint("cs-")
    request = cp.call("Heartbeat", {}, T0)
    pump(cp, cs, T0)
    cs.reply_error(request, ErrorCode.INTERNAL_ERROR, "db down", {"retry": True})
    cp_events, _ = pump(cp, cs, T0)
    expected = CallError(request.unique_id, ErrorCode.INTERNAL_ERROR, "db down", {"retry": True})
    assert cp_events == [ErrorReceived(request, expected)]
    assert cp.outstanding is None


def test_received_call_error_with_unknown_code_is_kept() -> None:
    cp = make_endpoint()
    request = cp.call("Heartbeat", {}, T0)
    (event,) = cp.receive(f'[4,"{request.unique_id}","Oops","",{{}}]', T0)
    assert isinstance(event, ErrorReceived)
    assert event.error.error_code is ErrorCode.GENERIC_ERROR
    assert event.error.error_details == {"receivedErrorCode": "Oops"}


# -- one outstanding CALL, queueing and timeouts ---------------------------------------------


def test_only_one_call_outstanding_rest_queued_in_order() -> None:
    cp, cs = make_endpoint("cp-"), make_endpoint("cs-")
    calls = [cp.call("Heartbeat", {}, T0 + i) for i in range(3)]
    assert cp.outstanding == calls[0]
    assert cp.queued == (calls[1], calls[2])
    seen: list[str] = []
    for step in range(len(calls)):
        sent = cp.data_to_send()
        assert len(sent) == 1
        frame = decode_frame(sent[0])
        seen.append(frame.unique_id)
        (event,) = cs.receive(sent[0], T0 + 10 + step)
        assert isinstance(event, CallReceived)
        cs.reply(event.call, dict(HEARTBEAT_CONF))
        (result,) = cp.receive(cs.data_to_send()[0], T0 + 10 + step)
        assert isinstance(result, ResultReceived)
        # The next CALL's timer starts when it is released.
        assert cp.next_deadline() == (T0 + 10 + step + TIMEOUT if step < 2 else None)
    assert seen == [c.unique_id for c in calls]
    assert cp.outstanding is None and cp.queued == ()
    assert cp.data_to_send() == []


def test_timeout_releases_next_call() -> None:
    cp = make_endpoint()
    first = cp.call("Heartbeat", {}, T0)
    second = cp.call("Heartbeat", {}, T0 + 5)
    assert [decode_frame(t) for t in cp.data_to_send()] == [first]
    assert cp.poll(T0 + TIMEOUT - 0.001) == []
    assert cp.poll(T0 + TIMEOUT) == [CallTimedOut(first)]
    assert cp.outstanding == second
    assert cp.next_deadline() == T0 + 2 * TIMEOUT
    assert [decode_frame(t) for t in cp.data_to_send()] == [second]
    assert cp.poll(T0 + 2 * TIMEOUT + 1) == [CallTimedOut(second)]
    assert cp.poll(T0 + 10 * TIMEOUT) == []
    assert cp.next_deadline() is None


def test_late_result_after_timeout_is_protocol_violation() -> None:
    cp = make_endpoint()
    first = cp.call("Heartbeat", {}, T0)
    assert cp.data_to_send() == [f'[2,"{first.unique_id}","Heartbeat",{{}}]']
    assert cp.poll(T0 + TIMEOUT) == [CallTimedOut(first)]
    (event,) = cp.receive(json.dumps([3, first.unique_id, HEARTBEAT_CONF]), T0 + TIMEOUT + 1)
    assert isinstance(event, ProtocolViolation)
    assert cp.data_to_send() == []


def test_response_timeout_must_be_positive() -> None:
    for bad in (0.0, -1.0, float("nan"), float("inf")):
        with pytest.raises(ValueError):
            Endpoint(validator=validator(), response_timeout=bad)


# -- local errors ----------------------------------------------------------------------------


def test_reply_twice_is_rejected() -> None:
    cs = make_endpoint()
    (event,) = cs.receive('[2,"1","Heartbeat",{}]', T0)
    assert isinstance(event, CallReceived)
    cs.reply(event.call, dict(HEARTBEAT_CONF))
    with pytest.raises(LocalProtocolError):
        cs.reply(event.call, dict(HEARTBEAT_CONF))
    with pytest.raises(LocalProtocolError):
        cs.reply_error(event.call, ErrorCode.GENERIC_ERROR)
    assert len(cs.data_to_send()) == 1


def test_reply_to_unknown_call_is_rejected() -> None:
    cs = make_endpoint()
    with pytest.raises(LocalProtocolError):
        cs.reply(Call("nope", "Heartbeat", {}), dict(HEARTBEAT_CONF))
    (event,) = cs.receive('[2,"1","Heartbeat",{}]', T0)
    assert isinstance(event, CallReceived)
    with pytest.raises(LocalProtocolError):
        cs.reply(Call("1", "Authorize", {}), {"idTagInfo": {"status": "Accepted"}})


def test_invalid_reply_payload_is_local_error_and_call_stays_open() -> None:
    cs = make_endpoint()
    (event,) = cs.receive('[2,"1","Heartbeat",{}]', T0)
    assert isinstance(event, CallReceived)
    with pytest.raises(LocalProtocolError) as info:
        cs.reply(event.call, {"currentTime": "not a time"})
    assert info.value.payload_error is not None
    assert info.value.payload_error.code is ErrorCode.PROPERTY_CONSTRAINT_VIOLATION
    assert cs.awaiting_reply == (event.call,)
    cs.reply_error(event.call, ErrorCode.INTERNAL_ERROR)
    assert cs.data_to_send() == ['[4,"1","InternalError","",{}]']


def test_invalid_outgoing_call_is_local_error_and_not_queued() -> None:
    cp = make_endpoint()
    with pytest.raises(LocalProtocolError) as info:
        cp.call("BootNotification", {"chargePointVendor": "v"}, T0)
    assert info.value.payload_error is not None
    assert info.value.payload_error.path == "chargePointModel"
    with pytest.raises(LocalProtocolError) as unknown:
        cp.call("MakeCoffee", {}, T0)
    assert unknown.value.payload_error is None
    with pytest.raises(LocalProtocolError):
        cp.call("DataTransfer", {"vendorId": "v", "data": "x", "extra": float("nan")}, T0)
    assert cp.outstanding is None and cp.queued == ()
    assert cp.data_to_send() == []


def test_id_factory_must_not_repeat_or_exceed_36_chars() -> None:
    repeating = make_endpoint(id_factory=lambda: "same")
    repeating.call("Heartbeat", {}, T0)
    with pytest.raises(LocalProtocolError):
        repeating.call("Heartbeat", {}, T0)
    for bad in ("x" * 37, ""):
        endpoint = make_endpoint(id_factory=functools.partial(str, bad))
        with pytest.raises(LocalProtocolError):
            endpoint.call("Heartbeat", {}, T0)


def test_default_ids_are_unique_uuid_strings() -> None:
    endpoint = Endpoint(validator=validator(), response_timeout=TIMEOUT)
    ids = {endpoint.call("Heartbeat", {}, T0).unique_id for _ in range(50)}
    assert len(ids) == 50
    assert all(len(i) == 36 for i in ids)


def test_payload_is_frozen_into_the_frame_at_call_time() -> None:
    cp = make_endpoint()
    cp.call("Heartbeat", {}, T0)
    payload = {"chargePointVendor": "v", "chargePointModel": "m"}
    cp.call("BootNotification", payload, T0)
    payload["chargePointModel"] = "changed"
    cp.poll(T0 + TIMEOUT)
    sent = [decode_frame(t) for t in cp.data_to_send()]
    assert isinstance(sent[-1], Call)
    assert sent[-1].payload["chargePointModel"] == "m"


# -- connection loss -------------------------------------------------------------------------


def test_connection_lost_aborts_everything() -> None:
    cp = make_endpoint()
    calls = [cp.call("Heartbeat", {}, T0) for _ in range(3)]
    (incoming,) = cp.receive('[2,"in-1","Reset",{"type":"Hard"}]', T0)
    assert isinstance(incoming, CallReceived)
    assert cp.connection_lost() == [CallAborted(c) for c in calls]
    assert cp.outstanding is None and cp.queued == () and cp.awaiting_reply == ()
    assert cp.data_to_send() == []
    assert cp.next_deadline() is None
    assert cp.poll(T0 + 10 * TIMEOUT) == []
    with pytest.raises(LocalProtocolError):
        cp.call("Heartbeat", {}, T0)
    with pytest.raises(LocalProtocolError):
        cp.reply(incoming.call, {"status": "Accepted"})
    with pytest.raises(LocalProtocolError):
        cp.receive('[2,"x","Heartbeat",{}]', T0)


def test_connection_lost_with_nothing_pending() -> None:
    assert make_endpoint().connection_lost() == []


def test_local_protocol_error_from_string() -> None:
    error = LocalProtocolError("boom")
    assert (str(error), error.message, error.payload_error) == ("boom", "boom", None)
