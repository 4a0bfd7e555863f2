"""The tester API protocol (runtime.adapters.tester_api), sans-IO: frames in, frames out.

Every JSON-RPC error code it answers with, notifications and batches, and ``describe`` against
events.yaml read on its own. The dispatcher is a real in-process :class:`Station`, so a refused
action carries the station's own reason.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.adapters.tester_api import (
    ACTION_REFUSED,
    API_VERSION,
    INTERNAL_ERROR,
    INVALID_PARAMS,
    INVALID_REQUEST,
    METHOD_NOT_FOUND,
    PARSE_ERROR,
    SUBPROTOCOL,
    ActionRefused,
    RpcError,
    TesterApi,
    decode_response,
    encode_request,
)
from runtime.spec.located_yaml import load_yaml_file
from runtime.station.station import Station, StationIdentity

EVENTS_YAML = Path(__file__).resolve().parents[2] / "specs" / "ocpp16" / "events.yaml"
API = TesterApi(SPEC)


class StationRig:
    """The tester steps performed on an in-process station, recording what was asked."""

    def __init__(self, connectors: int = 2) -> None:
        self.station = Station(SPEC, StationIdentity("CP1"), connectors=connectors, now=0.0)
        self.calls: list[tuple[str, dict[str, Any]]] = []

    async def act(self, name: str, params: dict[str, Any]) -> None:
        self.calls.append((name, params))
        self.station.tester(name, **params)

    async def observe(self, name: str, params: dict[str, Any]) -> Any:
        self.calls.append((name, params))
        return self.station.observe(name, **params)


class BrokenRig(StationRig):
    async def act(self, name: str, params: dict[str, Any]) -> None:
        if name == "jam_lock":
            raise ActionRefused("this rig has no lock actuator")
        raise RuntimeError("relay board not answering")


def _request(method: str, params: Any = None, request_id: Any = 1) -> str:
    message: dict[str, Any] = {"jsonrpc": "2.0", "method": method, "id": request_id}
    if params is not None:
        message["params"] = params
    return json.dumps(message)


async def _answer(text: str, rig: StationRig | None = None) -> Any:
    response = await API.handle(text, rig or StationRig())
    assert response is not None
    return json.loads(response)


async def _error(text: str, rig: StationRig | None = None) -> dict[str, Any]:
    answer = await _answer(text, rig)
    assert answer["jsonrpc"] == "2.0"
    assert "result" not in answer, answer
    error: dict[str, Any] = answer["error"]
    return error


async def test_an_action_is_performed_and_answered_null() -> None:
    rig = StationRig()
    answer = await _answer(_request("tester.plug_in", {"connector": 1}, "a-1"), rig)
    assert answer == {"jsonrpc": "2.0", "id": "a-1", "result": None}
    assert rig.calls == [("plug_in", {"connector": 1})]
    assert rig.station.hardware.plugged(1)


async def test_an_observation_answers_its_value() -> None:
    rig = StationRig()
    answer = await _answer(_request("observe.cable_locked", {"connector": 2}, 7), rig)
    assert answer == {"jsonrpc": "2.0", "id": 7, "result": False}


async def test_omitted_params_mean_none() -> None:
    rig = StationRig()
    answer = await _answer(_request("tester.power_cycle"), rig)
    assert answer["result"] is None
    assert rig.calls == [("power_cycle", {})]
    assert rig.station.reconnect_requested


async def test_parse_error() -> None:
    answer = await _answer('{"jsonrpc": "2.0", "method": ')
    assert answer["id"] is None
    assert answer["error"]["code"] == PARSE_ERROR


@pytest.mark.parametrize(
    "text",
    [
        '"tester.plug_in"',
        '{"jsonrpc": "1.0", "method": "describe", "id": 1}',
        '{"method": "describe", "id": 1}',
        '{"jsonrpc": "2.0", "method": 5, "id": 1}',
        '{"jsonrpc": "2.0", "method": "describe", "id": true}',
        '{"jsonrpc": "2.0", "method": "describe", "id": {"n": 1}}',
        '{"jsonrpc": "2.0", "method": "describe", "params": "x", "id": 1}',
        "[]",
    ],
)
async def test_invalid_request(text: str) -> None:
    error = await _error(text)
    assert error["code"] == INVALID_REQUEST, error


async def test_invalid_request_keeps_a_readable_id() -> None:
    answer = await _answer('{"jsonrpc": "2.0", "method": 5, "id": 9}')
    assert (answer["id"], answer["error"]["code"]) == (9, INVALID_REQUEST)


async def test_unknown_method_names_the_closest() -> None:
    error = await _error(_request("tester.plug_inn", {"connector": 1}))
    assert error["code"] == METHOD_NOT_FOUND
    assert "did you mean 'tester.plug_in'?" in error["message"]
    assert error["data"] == {"method": "tester.plug_inn"}


async def test_unknown_method_without_a_close_one_points_at_describe() -> None:
    error = await _error(_request("reboot_everything"))
    assert error["code"] == METHOD_NOT_FOUND
    assert "see 'describe'" in error["message"]


@pytest.mark.parametrize(
    ("method", "params", "field", "words"),
    [
        ("tester.plug_in", {}, "connector", "required"),
        ("tester.plug_in", {"connector": "1"}, "connector", "not of type 'integer'"),
        ("tester.plug_in", {"connector": 0}, "connector", "minimum of 1"),
        ("tester.plug_in", {"connector": 1, "cable": "x"}, "cable", "'cable' was unexpected"),
        ("tester.present_id_tag", {"connector": 1, "idTag": "T" * 21}, "idTag", "too long"),
        ("tester.fault", {"connector": 1, "errorCode": "Smoke"}, "errorCode", "is not one of"),
        ("tester.plug_in", [1], "", "must be an object"),
        ("describe", {"verbose": True}, "verbose", "unexpected"),
    ],
)
async def test_invalid_params_name_the_field(
    method: str, params: Any, field: str, words: str
) -> None:
    rig = StationRig()
    error = await _error(_request(method, params), rig)
    assert error["code"] == INVALID_PARAMS, error
    assert error["data"]["field"] == field
    assert words in error["message"]
    assert rig.calls == []  # nothing was performed


async def test_a_refused_action_carries_the_stations_reason() -> None:
    error = await _error(_request("tester.plug_in", {"connector": 3}))
    assert error["code"] == ACTION_REFUSED
    assert error["message"] == "action refused: connector 3 does not exist (1..2)"
    assert error["data"] == {
        "method": "tester.plug_in",
        "reason": "connector 3 does not exist (1..2)",
        "error": "TesterError",
    }


async def test_a_refused_observation_carries_the_stations_reason() -> None:
    error = await _error(_request("observe.cable_locked", {"connector": 5}))
    assert error["code"] == ACTION_REFUSED
    assert "a connector 1..2" in error["data"]["reason"]


async def test_a_rig_refusal_and_a_rig_failure() -> None:
    refused = await _error(_request("tester.jam_lock", {"connector": 1}), BrokenRig())
    assert (refused["code"], refused["data"]["reason"]) == (
        ACTION_REFUSED,
        "this rig has no lock actuator",
    )
    failed = await _error(_request("tester.plug_in", {"connector": 1}), BrokenRig())
    assert failed["code"] == INTERNAL_ERROR
    assert "RuntimeError: relay board not answering" in failed["message"]


async def test_a_notification_is_performed_but_not_answered() -> None:
    rig = StationRig()
    text = json.dumps({"jsonrpc": "2.0", "method": "tester.plug_in", "params": {"connector": 2}})
    assert await API.handle(text, rig) is None
    assert rig.calls == [("plug_in", {"connector": 2})]
    # Not even an error is answered to a notification (JSON-RPC 2.0 §4.1).
    bad = json.dumps({"jsonrpc": "2.0", "method": "tester.plug_in", "params": {}})
    assert await API.handle(bad, rig) is None


async def test_a_batch_is_performed_in_order_and_answered_together() -> None:
    rig = StationRig()
    batch = [
        json.loads(_request("tester.plug_in", {"connector": 1}, 1)),
        {"jsonrpc": "2.0", "method": "tester.unplug", "params": {"connector": 1}},
        json.loads(_request("observe.cable_locked", {"connector": 1}, 2)),
        json.loads(_request("tester.nope", {}, 3)),
    ]
    answers = await _answer(json.dumps(batch), rig)
    assert [a["id"] for a in answers] == [1, 2, 3]
    assert answers[0]["result"] is None
    assert answers[1]["result"] is False
    assert answers[2]["error"]["code"] == METHOD_NOT_FOUND
    assert [name for name, _ in rig.calls] == ["plug_in", "unplug", "cable_locked"]


async def test_describe_lists_exactly_the_events_of_events_yaml() -> None:
    events = load_yaml_file(EVENTS_YAML, str(EVENTS_YAML)).data
    answer = await _answer(_request("describe"))
    result = answer["result"]
    assert (result["version"], result["subprotocol"]) == (API_VERSION, SUBPROTOCOL)
    assert result["spec"] == SPEC.name
    methods = {m["name"]: m for m in result["methods"]}
    expected = (
        {"describe"}
        | {f"tester.{name}" for name in events["tester"]}
        | {f"observe.{name}" for name in events["observations"]}
    )
    assert set(methods) == expected
    for name, entry in events["tester"].items():
        method = methods[f"tester.{name}"]
        assert (method["kind"], method["result"]) == ("action", "null")
        assert method["prompt"] == entry["prompt"]
        assert set(method["params"]["properties"]) == set(entry.get("payload") or {})
    for name, entry in events["observations"].items():
        method = methods[f"observe.{name}"]
        assert (method["kind"], method["result"]) == ("observation", entry["returns"])
        assert method["prompt"] == entry["prompt"]
    # Schemas are plain JSON: arrays, not the registry's tuples.
    assert methods["tester.plug_in"]["params"]["required"] == ["connector"]
    assert json.loads(json.dumps(result)) == result


def test_client_frames_round_trip() -> None:
    request = json.loads(encode_request(4, "tester.plug_in", {"connector": 1}))
    assert request == {
        "jsonrpc": "2.0",
        "id": 4,
        "method": "tester.plug_in",
        "params": {"connector": 1},
    }
    assert decode_response('{"jsonrpc": "2.0", "id": 4, "result": true}') == (4, True)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"jsonrpc": "2.0", "id": 1, "error": {"code": -32000, "message": "no"}}', -32000),
        ('{"jsonrpc": "2.0", "id": 1, "error": {"code": "x", "message": "no"}}', INTERNAL_ERROR),
        ("not json", PARSE_ERROR),
        ('{"id": 1, "result": null}', INVALID_REQUEST),
        ('{"jsonrpc": "2.0", "id": 1}', INVALID_REQUEST),
    ],
)
def test_client_reads_error_answers(text: str, code: int) -> None:
    with pytest.raises(RpcError) as raised:
        decode_response(text)
    assert raised.value.code == code
