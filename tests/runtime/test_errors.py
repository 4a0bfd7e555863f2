"""The runtime's error family: one base, and OCPP-J errors that say whose fault and what to
answer (runtime/errors.py, runtime/ocppj/errors.py)."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import runtime
from runtime.errors import ChargespecError
from runtime.ocppj.errors import (
    ErrorCode,
    LocalProtocolError,
    PayloadError,
    ProtocolError,
    RemoteProtocolError,
)
from runtime.ocppj.frames import FrameError, decode_frame


def _runtime_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(runtime.__path__, "runtime."):
        module = importlib.import_module(info.name)
        for _, value in inspect.getmembers(module, inspect.isclass):
            if issubclass(value, BaseException) and value.__module__ == info.name:
                found.append(value)
    return found


def test_every_runtime_error_derives_from_chargespec_error() -> None:
    errors = _runtime_exceptions()
    assert len(errors) >= 15  # the walk really found the family
    assert [e.__qualname__ for e in errors if not issubclass(e, ChargespecError)] == []


def test_a_bad_received_frame_is_a_remote_error_with_the_code_to_answer() -> None:
    try:
        decode_frame('[2, "id-1", "Heartbeat"]')
    except RemoteProtocolError as error:
        assert isinstance(error, FrameError)
        assert error.code is ErrorCode.PROTOCOL_ERROR  # OCPP-J 1.6 §4.2.3: incomplete CALL
    else:
        raise AssertionError("an incomplete CALL must not decode")


def test_a_local_error_takes_the_code_of_the_payload_problem_it_wraps() -> None:
    problem = PayloadError(ErrorCode.TYPE_CONSTRAINT_VIOLATION, "interval", "not an integer")
    local = LocalProtocolError(problem)
    assert isinstance(local, ProtocolError) and not isinstance(local, RemoteProtocolError)
    assert (local.code, local.payload_error, str(local)) == (
        ErrorCode.TYPE_CONSTRAINT_VIOLATION,
        problem,
        "interval: not an integer",
    )
    assert LocalProtocolError("closed").code is ErrorCode.PROTOCOL_ERROR
