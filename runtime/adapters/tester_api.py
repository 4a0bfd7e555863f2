"""The tester API: how the test system asks a rig to perform a scenario's physical steps.

A hardware-in-the-loop rig (or our simulator) serves it; the test system's
:class:`~runtime.conformance.tester_api_client.TesterApiClient` calls it. Transport and framing:
JSON-RPC 2.0 (https://www.jsonrpc.org/specification) in WebSocket text frames, one JSON-RPC
message per frame, WebSocket subprotocol :data:`SUBPROTOCOL`. The methods come from the
registry, i.e. from events.yaml:

* ``tester.<action>`` for each tester action (``tester.plug_in {"connector": 1}``), result
  ``null`` once the action was applied;
* ``observe.<name>`` for each observation (``observe.cable_locked {"connector": 1}``), result
  the value read (its JSON type is the observation's ``returns``);
* ``describe``: the API version and every method with its description, params schema,
  operator prompt and result type.

Params are by name (a JSON object, or omitted for none) and are checked against the event's
``params_schema`` before anything runs. Errors (JSON-RPC §5.1 and one application code):

=======  ==================  ===================================================================
-32700   parse error         the frame is not JSON
-32600   invalid request     not a JSON-RPC 2.0 request object (or an empty batch)
-32601   method not found    no such method; the message names the closest one
-32602   invalid params      params are not an object, or do not fit the schema (field named)
-32603   internal error      the rig failed in a way it did not foresee
-32000   action refused      the rig refused the action or observation; ``data.reason`` says why
=======  ==================  ===================================================================

A notification (a request without ``id``) is performed but never answered. A batch (a JSON
array of requests) is performed in order and answered with an array of the responses.

Sans-IO: :meth:`TesterApi.handle` takes a frame's text and returns the text to answer with
(``None`` for none), given a :class:`Dispatcher` that performs the steps; the client side
builds requests with :func:`encode_request` and reads answers with :func:`decode_response`.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from jsonschema import Draft202012Validator

from runtime.errors import ChargespecError
from runtime.spec.names import did_you_mean
from runtime.spec.registry import SpecRegistry, TesterEventSpec
from runtime.station.tester import TesterError

__all__ = [
    "ACTION_REFUSED",
    "API_VERSION",
    "INTERNAL_ERROR",
    "INVALID_PARAMS",
    "INVALID_REQUEST",
    "METHOD_NOT_FOUND",
    "PARSE_ERROR",
    "SUBPROTOCOL",
    "ActionRefused",
    "Dispatcher",
    "Method",
    "RpcError",
    "TesterApi",
    "decode_response",
    "encode_request",
]

logger = logging.getLogger(__name__)

#: The protocol's version, reported by ``describe``; a change that breaks a rig or a client
#: raises the major number and the subprotocol name with it.
API_VERSION = "1.0"
#: The WebSocket subprotocol both sides must agree to.
SUBPROTOCOL = "chargespec-tester.v1"

PARSE_ERROR = -32700
INVALID_REQUEST = -32600
METHOD_NOT_FOUND = -32601
INVALID_PARAMS = -32602
INTERNAL_ERROR = -32603
ACTION_REFUSED = -32000

RequestId = str | int | float | None


class RpcError(ChargespecError):
    """A JSON-RPC error: the answer to a request, or what a client got back.

    Attributes:
        code: The JSON-RPC error code (see the module table).
        message: One line saying what went wrong.
        data: Details (``method``, ``field``, ``reason`` …), or ``None``.
    """

    def __init__(self, code: int, message: str, data: Mapping[str, Any] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = dict(data) if data is not None else None

    def as_json(self) -> dict[str, Any]:
        """The ``error`` member of a response."""
        error: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            error["data"] = self.data
        return error


class ActionRefused(ChargespecError):
    """A dispatcher refuses a step (the connector does not exist, the rig cannot do it);
    answered with :data:`ACTION_REFUSED` and the message as the reason."""


class Dispatcher(Protocol):
    """Performs the steps on the station or rig; called only with checked params."""

    async def act(self, name: str, params: dict[str, Any]) -> None:
        """Perform the tester action ``name``; return once it was applied.

        Raises:
            ActionRefused: (or a station's ``TesterError``) the action cannot be performed.
        """
        ...

    async def observe(self, name: str, params: dict[str, Any]) -> Any:
        """Read the observation ``name``.

        Raises:
            ActionRefused: (or a station's ``TesterError``) it cannot be read.
        """
        ...


def _lists(value: Any) -> Any:
    """The registry keeps schemas immutable (tuples); JSON Schema wants arrays (lists)."""
    if isinstance(value, Mapping):
        return {key: _lists(item) for key, item in value.items()}
    if isinstance(value, tuple | list):
        return [_lists(item) for item in value]
    return value


@dataclass(frozen=True, slots=True)
class Method:
    """One method of the API.

    Attributes:
        name: The JSON-RPC method name (``tester.plug_in``).
        kind: What it does: a tester ``action``, an ``observation`` or ``describe``.
        event: The events.yaml entry it performs (``None`` for describe).
        params_schema: JSON Schema of its params, with arrays as lists.
    """

    name: str
    kind: Literal["action", "observation", "describe"]
    event: TesterEventSpec | None
    params_schema: dict[str, Any]

    @property
    def result(self) -> str:
        """The JSON type of the result: ``null`` for an action, the observation's type."""
        if self.kind == "describe":
            return "object"
        return self.event.returns if self.event is not None and self.event.returns else "null"

    def description(self) -> dict[str, Any]:
        """This method as ``describe`` lists it."""
        event = self.event
        return {
            "name": self.name,
            "kind": self.kind,
            "description": event.description if event is not None else _DESCRIBE_TEXT,
            "prompt": event.prompt if event is not None else "",
            "params": self.params_schema,
            "result": self.result,
        }


_DESCRIBE_TEXT = "The API version and every method with its params, prompt and result."
_NO_PARAMS: dict[str, Any] = {"type": "object", "properties": {}, "additionalProperties": False}


def _methods(registry: SpecRegistry) -> dict[str, Method]:
    methods = {"describe": Method("describe", "describe", None, dict(_NO_PARAMS))}
    for name, event in sorted(registry.tester_events.items()):
        methods[f"tester.{name}"] = Method(
            f"tester.{name}", "action", event, _lists(event.params_schema)
        )
    for name, event in sorted(registry.observations.items()):
        methods[f"observe.{name}"] = Method(
            f"observe.{name}", "observation", event, _lists(event.params_schema)
        )
    return methods


@dataclass(frozen=True, slots=True)
class _Request:
    id: RequestId
    method: str
    params: Any
    notification: bool


def _field_of(error: Any, params: Mapping[str, Any], schema: Mapping[str, Any]) -> str:
    """The params field a jsonschema error is about."""
    if error.path:
        return str(error.path[0])
    if error.validator == "required":
        return next((f for f in error.validator_value if f not in params), "")
    if error.validator == "additionalProperties":
        known = schema.get("properties", {})
        return next((f for f in params if f not in known), "")
    return ""


class TesterApi:
    """The tester API of one spec set: its methods, checks and answers.

    Args:
        registry: The compiled spec set; its tester events and observations are the methods.
    """

    __test__ = False  # not a pytest test class, whatever its name

    def __init__(self, registry: SpecRegistry) -> None:
        self.registry = registry
        self.methods = _methods(registry)
        self._validators = {
            name: Draft202012Validator(method.params_schema)
            for name, method in self.methods.items()
        }

    def describe(self) -> dict[str, Any]:
        """The result of ``describe``: version, subprotocol and every method."""
        return {
            "api": "chargespec-tester",
            "version": API_VERSION,
            "subprotocol": SUBPROTOCOL,
            "spec": self.registry.name,
            "methods": [self.methods[name].description() for name in sorted(self.methods)],
        }

    async def handle(self, text: str, dispatcher: Dispatcher) -> str | None:
        """Answer one WebSocket text frame.

        Args:
            text: The frame: a request, a notification or a batch.
            dispatcher: Performs the checked steps.

        Returns:
            The response frame, or ``None`` when nothing is to be answered (notifications).
        """
        try:
            message = json.loads(text)
        except ValueError as error:
            return _dump(_error_response(None, RpcError(PARSE_ERROR, f"parse error: {error}")))
        if not isinstance(message, list):
            response = await self._one(message, dispatcher)
            return _dump(response) if response is not None else None
        if not message:
            return _dump(_error_response(None, RpcError(INVALID_REQUEST, "empty batch")))
        responses = [await self._one(item, dispatcher) for item in message]
        answered = [response for response in responses if response is not None]
        return _dump(answered) if answered else None

    async def _one(self, message: Any, dispatcher: Dispatcher) -> dict[str, Any] | None:
        """Check and perform one request; its response, ``None`` for a notification."""
        try:
            request = _request(message)
        except RpcError as error:
            return _error_response(_readable_id(message), error)
        try:
            result = await self.perform(request.method, request.params, dispatcher)
        except RpcError as error:
            response = _error_response(request.id, error)
        else:
            response = {"jsonrpc": "2.0", "id": request.id, "result": result}
        return None if request.notification else response

    async def perform(self, method_name: str, params: Any, dispatcher: Dispatcher) -> Any:
        """Check ``params`` for ``method_name``, then perform it.

        Returns:
            The method's result.

        Raises:
            RpcError: unknown method, invalid params, refused or failed step.
        """
        method = self.method(method_name)
        checked = self.check_params(method, params)
        event = method.event
        try:
            if event is None:
                return self.describe()
            if method.kind == "action":
                await dispatcher.act(event.name, checked)
                return None
            return await dispatcher.observe(event.name, checked)
        except (ActionRefused, TesterError) as error:
            raise RpcError(
                ACTION_REFUSED,
                f"action refused: {error}",
                {"method": method.name, "reason": str(error), "error": type(error).__name__},
            ) from error
        except Exception as error:  # a rig's own failure is reported, not fatal to the API
            logger.exception("%s failed", method.name)
            raise RpcError(
                INTERNAL_ERROR,
                f"internal error: {type(error).__name__}: {error}",
                {"method": method.name},
            ) from error

    def method(self, name: str) -> Method:
        """The method called ``name``.

        Raises:
            RpcError: :data:`METHOD_NOT_FOUND`, naming the closest method.
        """
        method = self.methods.get(name)
        if method is None:
            hint = did_you_mean(name, self.methods)
            text = f"unknown method {name!r}" + (f"; {hint}" if hint else "; see 'describe'")
            raise RpcError(METHOD_NOT_FOUND, text, {"method": name})
        return method

    def check_params(self, method: Method, params: Any) -> dict[str, Any]:
        """``params`` as checked against the method's schema (omitted means none).

        Raises:
            RpcError: :data:`INVALID_PARAMS`, naming the field and what it must be.
        """
        if params is None:
            params = {}
        if not isinstance(params, dict):
            raise RpcError(
                INVALID_PARAMS,
                "invalid params: params must be an object (by name)",
                {"method": method.name, "field": ""},
            )
        errors = sorted(
            self._validators[method.name].iter_errors(params), key=lambda e: list(e.path)
        )
        if not errors:
            return params
        fields = [_field_of(error, params, method.params_schema) for error in errors]
        problems = [
            f"{field}: {error.message}" if field else error.message
            for field, error in zip(fields, errors, strict=True)
        ]
        raise RpcError(
            INVALID_PARAMS,
            f"invalid params: {'; '.join(problems)}",
            {"method": method.name, "field": fields[0], "problems": problems},
        )


def _request(message: Any) -> _Request:
    """One request object, checked against JSON-RPC 2.0 §4.

    Raises:
        RpcError: :data:`INVALID_REQUEST`.
    """
    if not isinstance(message, dict):
        raise RpcError(INVALID_REQUEST, "invalid request: not a JSON object")
    if message.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, 'invalid request: "jsonrpc" must be "2.0"')
    method = message.get("method")
    if not isinstance(method, str):
        raise RpcError(INVALID_REQUEST, 'invalid request: "method" must be a string')
    if not _valid_id(message.get("id")):
        raise RpcError(INVALID_REQUEST, 'invalid request: "id" must be a string or a number')
    params = message.get("params")
    if params is not None and not isinstance(params, dict | list):
        raise RpcError(INVALID_REQUEST, 'invalid request: "params" must be an object')
    return _Request(message.get("id"), method, params, "id" not in message)


def _valid_id(value: Any) -> bool:
    # JSON-RPC 2.0 §4: a String, Number or Null; true/false are not numbers.
    return value is None or (isinstance(value, str | int | float) and not isinstance(value, bool))


def _readable_id(message: Any) -> RequestId:
    """The id to answer an invalid request with: its own when readable, else null (§5)."""
    if isinstance(message, dict) and _valid_id(message.get("id")):
        request_id: RequestId = message.get("id")
        return request_id
    return None


def _error_response(request_id: RequestId, error: RpcError) -> dict[str, Any]:
    return {"jsonrpc": "2.0", "id": request_id, "error": error.as_json()}


def _dump(message: Any) -> str:
    return json.dumps(message, ensure_ascii=False, separators=(",", ":"))


def encode_request(request_id: int | str, method: str, params: Mapping[str, Any]) -> str:
    """A JSON-RPC 2.0 request frame (client side)."""
    return _dump({"jsonrpc": "2.0", "id": request_id, "method": method, "params": dict(params)})


def decode_response(text: str) -> tuple[RequestId, Any]:
    """Read a response frame (client side).

    Returns:
        ``(id, result)`` of a successful response.

    Raises:
        RpcError: the error the response carries, or :data:`PARSE_ERROR` /
            :data:`INVALID_REQUEST` for a frame that is not a JSON-RPC 2.0 response.
    """
    try:
        message = json.loads(text)
    except ValueError as error:
        raise RpcError(PARSE_ERROR, f"the answer is not JSON: {error}") from None
    if not isinstance(message, dict) or message.get("jsonrpc") != "2.0":
        raise RpcError(INVALID_REQUEST, f"the answer is not a JSON-RPC 2.0 response: {text}")
    failure = message.get("error")
    if isinstance(failure, dict):
        data = failure.get("data")
        code = failure.get("code")
        raise RpcError(
            code if isinstance(code, int) else INTERNAL_ERROR,
            str(failure.get("message", "")),
            data if isinstance(data, dict) else None,
        )
    if "result" not in message:
        raise RpcError(INVALID_REQUEST, f"the answer has neither result nor error: {text}")
    return message.get("id"), message["result"]
