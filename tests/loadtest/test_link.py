"""StationLink over a real socket, one thread per charge point, against the ``ocpp`` package's
Central System: a whole charging session, each CALL reported once with its answer's time."""

from __future__ import annotations

import socket
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from websockets.asyncio.server import ServerConnection

from generated.ocpp16.registry import SPEC
from runtime.loadtest.calls import CONNECTION_LOST, CallOutcome
from runtime.loadtest.link import StationLink, SubprotocolRefused
from runtime.loadtest.sessions import charge, ready_connectors, registered, wait_until
from runtime.station.station import Station, StationIdentity
from tests.interop.csms_recorder import Recorder
from tests.loadtest.csms_thread import csms_in_thread, serve_in_thread

_TICK = 0.05


def _station(identity: str, connectors: int = 1) -> Station:
    # MeterValues every second, so a short session sends some (OCPP 1.6 §4.7).
    config = {"MeterValueSampleInterval": "1"}
    return Station(
        SPEC, StationIdentity(identity), connectors=connectors, now=time.time(), config=config
    )


@contextmanager
def _running(link: StationLink) -> Iterator[threading.Thread]:
    thread = threading.Thread(target=link.run, daemon=True)
    thread.start()
    try:
        yield thread
    finally:
        link.close()
        thread.join(10.0)
    assert not thread.is_alive(), "the link did not stop"


def test_a_charging_session_reports_every_call_answered() -> None:
    recorder = Recorder(heartbeat_interval=1)
    outcomes: list[CallOutcome] = []
    connects: list[Exception | None] = []
    with csms_in_thread(recorder) as url:
        station = _station("LT-1")
        link = StationLink(
            station, url, on_call=outcomes.append, on_connect=lambda _ms, e: connects.append(e)
        )
        with _running(link):
            assert wait_until(lambda: registered(station), 10.0, _TICK, time.sleep)
            assert ready_connectors(station) == [1]
            session = charge(link, 1, "TAG-1", 2.5, sleep=time.sleep)
            assert session.started, session.reason
            assert 0 < session.time_to_start_ms < 10_000

            def stopped() -> bool:
                return any(o.action == "StopTransaction" for o in outcomes)

            assert wait_until(stopped, 10.0, _TICK, time.sleep)
    assert connects == [None]
    assert recorder.identities == ["LT-1"]
    assert [o for o in outcomes if o.error is not None] == []
    counts = Counter(o.action for o in outcomes)
    for action in ("BootNotification", "Authorize", "StartTransaction", "StopTransaction"):
        assert counts[action] == 1, counts
    assert counts["StatusNotification"] >= 4, counts  # Available x2, Preparing, Charging, ...
    assert counts["MeterValues"] >= 1 and counts["Heartbeat"] >= 1, counts
    # Each outcome is one CALL the Central System received, answered in a plausible time.
    assert sum(counts.values()) == len(recorder.calls)
    assert all(0 < o.response_time_ms < 5_000 and o.response_length > 2 for o in outcomes)


def test_a_callerror_is_reported_with_its_code() -> None:
    # The recording Central System has no DataTransfer handler: the ocpp package answers it
    # with a CALLERROR NotImplemented (OCPP-J 1.6 §4.2.3).
    recorder = Recorder()
    outcomes: list[CallOutcome] = []
    with csms_in_thread(recorder) as url:
        station = _station("LT-2")
        link = StationLink(station, url, on_call=outcomes.append)
        with _running(link):
            assert wait_until(lambda: registered(station), 10.0, _TICK, time.sleep)
            link.act("data_transfer", vendorId="chargespec", messageId="Hello", data="hi")

            def answered() -> bool:
                return any(o.action == "DataTransfer" for o in outcomes)

            assert wait_until(answered, 10.0, _TICK, time.sleep)
    (refused,) = [o for o in outcomes if o.action == "DataTransfer"]
    assert refused.error == "NotImplemented" and refused.response_length > 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def test_a_refused_connection_is_reported_and_retried_until_closed() -> None:
    errors: list[Exception | None] = []
    link = StationLink(
        _station("LT-3"),
        f"ws://127.0.0.1:{_free_port()}/ocpp",
        on_connect=lambda _ms, e: errors.append(e),
        reconnect_min=0.05,
        reconnect_max=0.05,
    )
    with _running(link):
        assert wait_until(lambda: len(errors) >= 2, 10.0, _TICK, time.sleep)
    assert all(isinstance(e, OSError) for e in errors)
    assert not link.online


def test_only_websocket_urls_are_taken() -> None:
    with pytest.raises(ValueError, match="ws:// or wss://"):
        StationLink(_station("LT-4"), "http://127.0.0.1:9000/ocpp")


def test_a_power_cycle_drops_the_link_and_the_station_boots_again() -> None:
    recorder = Recorder()
    outcomes: list[CallOutcome] = []
    with csms_in_thread(recorder) as url:
        station = _station("LT-5")
        link = StationLink(station, url, on_call=outcomes.append, reconnect_min=0.1)
        with _running(link):
            assert wait_until(lambda: registered(station), 10.0, _TICK, time.sleep)
            assert link.act("power_cycle")

            def booted_twice() -> bool:
                boots = [o for o in outcomes if o.action == "BootNotification"]
                return len(boots) == 2 and registered(station)

            assert wait_until(booted_twice, 10.0, _TICK, time.sleep)
    # A real charge point loses its connection with its power: the Central System saw two.
    assert recorder.identities == ["LT-5", "LT-5"]
    assert [o for o in outcomes if o.error is not None] == []


async def _close_after_first_call(connection: ServerConnection) -> None:
    await connection.recv()  # the BootNotification, never answered
    await connection.close()


async def _never_called(connection: ServerConnection) -> None:
    await connection.wait_closed()


def test_a_call_the_central_system_hung_up_on_is_lost() -> None:
    outcomes: list[CallOutcome] = []
    with serve_in_thread(_close_after_first_call) as url:
        link = StationLink(_station("LT-6"), url, on_call=outcomes.append, reconnect_min=5.0)
        with _running(link):
            assert wait_until(lambda: bool(outcomes), 10.0, _TICK, time.sleep)
    assert [(o.action, o.error) for o in outcomes] == [("BootNotification", CONNECTION_LOST)]


def test_a_server_without_the_ocpp16_subprotocol_is_a_failed_connection() -> None:
    # OCPP-J §3.2: the server did not agree to ocpp1.6, so the charge point closes.
    errors: list[Exception | None] = []
    with serve_in_thread(_never_called, subprotocols=()) as url:
        link = StationLink(
            _station("LT-7"), url, on_connect=lambda _ms, e: errors.append(e), reconnect_min=5.0
        )
        with _running(link):
            assert wait_until(lambda: bool(errors), 10.0, _TICK, time.sleep)
    assert len(errors) == 1 and isinstance(errors[0], SubprotocolRefused), errors
    assert not link.online
