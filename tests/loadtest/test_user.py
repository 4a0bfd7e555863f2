"""The charge point user, in this process without Locust: a fake environment stands in for
Locust's (its request event, its runner's worker index, its parsed options)."""

from __future__ import annotations

import argparse
import dataclasses
import subprocess
import sys
from collections.abc import Mapping
from types import SimpleNamespace
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.loadtest.calls import CallFailed, CallOutcome
from runtime.loadtest.sessions import registered
from runtime.loadtest.user import (
    ChargePointOptions,
    ChargePointUser,
    add_arguments,
    parse_config,
)
from tests.interop.csms_recorder import Recorder
from tests.loadtest.csms_thread import csms_in_thread


class _Requests:
    """Locust's ``events.request``: keeps what is fired."""

    def __init__(self) -> None:
        self.fired: list[dict[str, Any]] = []

    def fire(self, **fields: Any) -> None:
        self.fired.append(fields)

    def named(self, request_type: str, name: str) -> list[dict[str, Any]]:
        return [f for f in self.fired if (f["request_type"], f["name"]) == (request_type, name)]


def _environment(options: Mapping[str, Any] | None, worker: int = 3) -> Any:
    parsed = None if options is None else SimpleNamespace(**options)
    return SimpleNamespace(
        parsed_options=parsed,
        runner=SimpleNamespace(worker_index=worker),
        events=SimpleNamespace(request=_Requests()),
    )


class _ChargePoint(ChargePointUser):
    registry = SPEC

    def __init__(self, environment: Any, host: str) -> None:
        self.environment = environment
        self.host = host

    def pics_from_file(self, path: str) -> Mapping[str, Any]:
        return {"NumberOfConnectors": 1} if path == "one.yaml" else {}


def test_config_items_are_key_value_pairs() -> None:
    assert parse_config("") == {}
    assert parse_config(" MeterValueSampleInterval=10 , HeartbeatInterval = 60,") == {
        "MeterValueSampleInterval": "10",
        "HeartbeatInterval": "60",
    }
    with pytest.raises(ValueError, match="'HeartbeatInterval' is not KEY=VALUE"):
        parse_config("HeartbeatInterval")
    with pytest.raises(ValueError, match="is not KEY=VALUE"):
        parse_config("=5")


class _LocustParser(argparse.ArgumentParser):
    """Locust's parser takes ``is_secret`` (mask the value in the web UI) besides argparse's."""

    def __init__(self) -> None:
        super().__init__()
        self.secret: list[str] = []

    def add_argument(self, *args: Any, **kwargs: Any) -> Any:
        if kwargs.pop("is_secret", False):
            self.secret.extend(args)
        return super().add_argument(*args, **kwargs)


def test_every_option_is_on_the_command_line_with_its_default() -> None:
    parser = _LocustParser()
    add_arguments(parser)
    assert parser.secret == ["--cp-password"]
    defaults = vars(parser.parse_args([]))
    fields = [field.name for field in dataclasses.fields(ChargePointOptions)]
    assert defaults == {f"cp_{name}": getattr(ChargePointOptions(), name) for name in fields}
    parsed = parser.parse_args(["--cp-connectors", "3", "--cp-charge-max", "90"])
    options = ChargePointOptions.of(_environment(vars(parsed)))
    assert (options.connectors, options.charge_max) == (3, 90.0)


def test_options_come_from_locust_converted_to_their_types() -> None:
    assert ChargePointOptions.of(_environment(None)) == ChargePointOptions()
    # The web UI hands values back as text; options Locust did not parse keep defaults.
    parsed = {"cp_connectors": "1", "cp_charge_min": "2.5", "cp_identity": "X{n}"}
    options = ChargePointOptions.of(_environment(parsed))
    assert (options.connectors, options.charge_min, options.identity) == (1, 2.5, "X{n}")
    assert options.wait_max == ChargePointOptions().wait_max


def test_a_user_boots_charges_and_reports_each_request_to_locust() -> None:
    recorder = Recorder()
    options = {
        "cp_pics": "one.yaml",
        "cp_charge_min": 0.5,
        "cp_charge_max": 0.5,
        "cp_config": "MeterValueSampleInterval=1",
    }
    environment = _environment(options)
    with csms_in_thread(recorder) as url:
        user = _ChargePoint(environment, url)
        user.on_start()
        try:
            assert user.link is not None and registered(user.link.station)
            assert user.link.station.connectors == 1  # from the PICS file
            user.charge()  # returns as the StopTransaction goes out
        finally:
            # A stopping user waits for the answers to what it sent, then closes.
            user.on_stop()
    requests = environment.events.request
    assert user.identity.startswith("CP3-") and user.id_tag.startswith("T3-")
    assert recorder.identities == [user.identity]
    fired = environment.events.request.fired
    assert all(f["exception"] is None for f in fired), fired
    assert all(f["context"] == {"charge_point": user.identity} for f in fired)
    for action in ("BootNotification", "Authorize", "StartTransaction", "StopTransaction"):
        assert len(requests.named("OCPP", action)) == 1, action
    assert len(requests.named("WebSocket", "connect")) == 1
    (session,) = requests.named("Session", "start")
    assert 0 < session["response_time"] < 10_000
    assert 0.0 < user.wait_time() <= ChargePointOptions().wait_max


def test_a_user_without_a_spec_or_a_host_says_what_is_missing() -> None:
    user = _ChargePoint(_environment(None), "")
    with pytest.raises(RuntimeError, match="--host"):
        user.on_start()
    bare = ChargePointUser()
    bare.environment, bare.host = _environment(None), "ws://127.0.0.1:9000/ocpp"
    with pytest.raises(RuntimeError, match="registry is not set"):
        bare.on_start()
    with pytest.raises(NotImplementedError, match="--cp-pics"):
        bare.pics_from_file("device.yaml")


def test_a_failed_call_is_reported_by_its_cause() -> None:
    environment = _environment(None)
    user = _ChargePoint(environment, "ws://127.0.0.1:1/ocpp")
    user._report_call(CallOutcome("Heartbeat", 30_000.0, 0, "Timeout", "no answer in time"))
    (fired,) = environment.events.request.fired
    assert isinstance(fired["exception"], CallFailed) and str(fired["exception"]) == "Timeout"


def test_the_load_test_modules_import_neither_locust_nor_gevent() -> None:
    # Importing Locust monkey-patches the standard library for gevent; the test process and
    # anything else importing runtime/ must not get that by the way.
    probe = (
        "import sys, runtime.loadtest.user, runtime.loadtest.link\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('locust', 'gevent')))"
    )
    run = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=True
    )
    assert run.stdout.strip() == "[]"
