"""Tests for the WebSocket adapters (runtime.adapters) over real sockets on 127.0.0.1.

Every wait is bounded by a timeout and every loop by a count, so a regression fails fast
instead of hanging.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import random
import ssl
import time
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest
from websockets.asyncio.client import connect
from websockets.asyncio.server import ServerConnection, serve
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.typing import Subprotocol

from runtime.adapters.connecting import Backoff, basic_auth_header, connection_url
from runtime.adapters.ws_client import ChargePointConnection
from runtime.adapters.ws_server import (
    CsmsConnection,
    CsmsServer,
    PeerGone,
    charge_point_id_from_path,
)

pytestmark = pytest.mark.timeout(10)

HEARTBEAT = "Heartbeat"
TIMER_FRAME = json.dumps([2, "timer-1", "StatusNotification", {}])


class FakeChargePoint:
    """Minimal SansIOChargePoint: sends a Heartbeat CALL per connection, has one timer."""

    def __init__(self, timer_at: float | None = None) -> None:
        self.events: list[str] = []
        self.received: list[str] = []
        self.polls: list[float] = []
        self.fired: list[float] = []
        self.deadline = timer_at
        self._outbox: list[str] = []
        self._seq = 0

    def connected(self, now: float) -> None:
        self.events.append("connected")
        self._seq += 1
        self._outbox.append(json.dumps([2, str(self._seq), HEARTBEAT, {}]))

    def disconnected(self, now: float) -> None:
        self.events.append("disconnected")

    def receive(self, text: str, now: float) -> None:
        self.received.append(text)

    def poll(self, now: float) -> None:
        self.polls.append(now)
        if self.deadline is not None and now >= self.deadline:
            self.fired.append(now)
            self.deadline = None
            self._outbox.append(TIMER_FRAME)

    def data_to_send(self) -> list[str]:
        out, self._outbox = self._outbox, []
        return out

    def next_deadline(self) -> float | None:
        return self.deadline


async def eventually(predicate: Callable[[], bool], timeout: float = 3.0) -> None:
    """Wait (bounded) until ``predicate()`` holds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.01)


@contextlib.asynccontextmanager
async def running(conn: ChargePointConnection) -> AsyncIterator[asyncio.Event]:
    """Run ``conn`` in a task; on exit set stop and require run() to end within 2 s."""
    stop = asyncio.Event()
    task = asyncio.create_task(conn.run(stop))
    try:
        yield stop
    finally:
        stop.set()
        await asyncio.wait_for(task, 2.0)


class Recorder:
    """CSMS handler: records frames, answers each CALL, sends one CALL of its own."""

    def __init__(self) -> None:
        self.frames: list[tuple[str, str]] = []
        self.connections: list[CsmsConnection] = []

    async def __call__(self, conn: CsmsConnection) -> None:
        self.connections.append(conn)
        await conn.send(json.dumps([2, "srv-1", "GetLocalListVersion", {}]))
        for _ in range(1000):
            text = await conn.recv(timeout=0.2)
            if text is None:
                continue
            self.frames.append((conn.charge_point_id, text))
            message = json.loads(text)
            if message[0] == 2:
                await conn.send(
                    json.dumps([3, message[1], {"currentTime": "2024-01-01T00:00:00Z"}])
                )

    def actions(self) -> list[str]:
        return [json.loads(text)[2] for _, text in self.frames if json.loads(text)[0] == 2]


def client(
    fake: FakeChargePoint, url: str, cp_id: str = "CP1", **kwargs: Any
) -> ChargePointConnection:
    options: dict[str, Any] = {"rng": random.Random(7), "reconnect_min": 0.05, "reconnect_max": 0.4}
    options.update(kwargs)
    return ChargePointConnection(fake, url, cp_id, **options)


# -- pure helpers -------------------------------------------------------------------------------


def test_connection_url_percent_encodes_identity_and_server_decodes_it() -> None:
    # OCPP-J §3.1.1 example 2.
    url = connection_url("wss://centralsystem.example.com/ocppj/", "RDAM 123")
    assert url == "wss://centralsystem.example.com/ocppj/RDAM%20123"
    assert charge_point_id_from_path("/ocppj/RDAM%20123?x=1") == "RDAM 123"
    assert charge_point_id_from_path("/ocppj/") == ""


def test_basic_auth_header_matches_ocpp_j_example() -> None:
    # OCPP-J §6.2.2 example: identity AL1000 and a 20-byte binary key.
    key = bytes.fromhex("0001020304050607FFFFFFFFFFFFFFFFFFFFFFFF")
    assert basic_auth_header("AL1000", key) == "Basic QUwxMDAwOgABAgMEBQYH////////////////"
    with pytest.raises(ValueError):
        basic_auth_header("A:B", "x")


def test_backoff_doubles_to_maximum_with_jitter_and_resets() -> None:
    backoff = Backoff(1.0, 8.0, random.Random(3))
    delays = [backoff.next() for _ in range(6)]
    for delay, base in zip(delays, [1, 2, 4, 8, 8, 8], strict=True):
        assert base * 0.8 <= delay <= base * 1.2
    assert len(set(delays)) == len(delays)  # jittered, not lockstep
    backoff.reset()
    assert 0.8 <= backoff.next() <= 1.2
    with pytest.raises(ValueError):
        Backoff(2.0, 1.0, random.Random())


def test_client_rejects_bad_configuration() -> None:
    with pytest.raises(ValueError):
        ChargePointConnection(FakeChargePoint(), "http://example.com/ocpp", "CP1")
    with pytest.raises(ValueError):
        ChargePointConnection(FakeChargePoint(), "ws://example.com/ocpp", "")
    with pytest.raises(ValueError):
        ChargePointConnection(
            FakeChargePoint(), "ws://example.com/ocpp", "CP1", ssl=ssl.create_default_context()
        )


async def test_wss_without_ssl_context_retries_tls_failures(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # A plain TCP peer makes the TLS handshake fail; that must be a retried attempt, not a
    # ValueError about ssl=None escaping run().
    async def hang_up(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        writer.close()

    tcp = await asyncio.start_server(hang_up, "127.0.0.1", 0)
    port = tcp.sockets[0].getsockname()[1]
    try:
        with caplog.at_level(logging.WARNING, logger="runtime.adapters.ws_client"):
            async with running(client(FakeChargePoint(), f"wss://127.0.0.1:{port}")):
                await eventually(lambda: caplog.text.count("connection attempt failed") >= 2)
    finally:
        tcp.close()


# -- frames, subprotocol, path ----------------------------------------------------------------


async def test_frames_flow_both_ways_with_ocpp16_on_path_cp1() -> None:
    recorder = Recorder()
    transcript: list[tuple[str, str]] = []
    fake = FakeChargePoint()
    async with CsmsServer(recorder) as server:
        assert server.url.startswith("ws://127.0.0.1:") and server.port != 0
        conn = client(fake, server.url, on_frame=lambda d, t: transcript.append((d, t)))
        assert conn.url == f"{server.url}/CP1"
        async with running(conn):
            await eventually(lambda: len(fake.received) >= 2 and bool(recorder.frames))
            assert conn.connected
            csms_side = await server.wait_for_connection("CP1", 1.0)
            assert csms_side.subprotocol == "ocpp1.6"
            assert csms_side.charge_point_id == "CP1"
            assert set(server.connections) == {"CP1"}
    assert recorder.actions() == [HEARTBEAT]
    assert json.loads(fake.received[0])[2] == "GetLocalListVersion"
    assert json.loads(fake.received[1])[:2] == [3, "1"]
    assert (">", recorder.frames[0][1]) in transcript
    assert ("<", fake.received[1]) in transcript
    assert fake.events == ["connected", "disconnected"]
    assert not conn.connected


async def test_identity_is_percent_encoded_on_the_wire() -> None:
    recorder = Recorder()
    async with (
        CsmsServer(recorder) as server,
        running(client(FakeChargePoint(), server.url, "RDAM 123")),
    ):
        await eventually(lambda: bool(recorder.frames))
    assert recorder.frames[0][0] == "RDAM 123"


async def test_binary_frames_are_ignored_by_client(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(conn: CsmsConnection) -> None:
        await conn._ws.send(b"\x00\x01")
        await conn.send('[2,"srv-2","ClearCache",{}]')
        await conn.recv(timeout=2.0)

    fake = FakeChargePoint()
    with caplog.at_level(logging.WARNING, logger="runtime.adapters.ws_client"):
        async with CsmsServer(handler) as server, running(client(fake, server.url)):
            await eventually(lambda: bool(fake.received))
    assert fake.received == ['[2,"srv-2","ClearCache",{}]']
    assert "binary frame" in caplog.text


# -- CSMS side ----------------------------------------------------------------------------------


async def test_csms_connection_recv_timeout_binary_and_peer_gone() -> None:
    seen: list[CsmsConnection] = []
    results: list[str | None] = []

    async def handler(conn: CsmsConnection) -> None:
        seen.append(conn)
        results.append(await conn.recv(timeout=0.05))
        results.append(await conn.recv(timeout=2.0))
        with pytest.raises(PeerGone):
            await conn.recv(timeout=2.0)
        assert conn.closed
        with pytest.raises(PeerGone):
            await conn.send("[]")

    async with CsmsServer(handler) as server:
        async with connect(
            f"{server.url}/CP9", subprotocols=[Subprotocol("ocpp1.6")], proxy=None
        ) as ws:
            await eventually(lambda: len(results) == 1)
            await ws.send(b"\xff")  # binary: ignored by the CSMS side
            await ws.send('[2,"a","Heartbeat",{}]')
            await eventually(lambda: len(results) == 2)
        await eventually(lambda: not server.connections)
    assert results == [None, '[2,"a","Heartbeat",{}]']
    assert seen[0].close_code == 1000


async def test_unknown_identity_gets_http_404() -> None:
    async with CsmsServer(Recorder(), accept_id=lambda cp_id: cp_id == "CP1") as server:
        with pytest.raises(InvalidStatus) as info:
            await connect(f"{server.url}/nobody", subprotocols=[Subprotocol("ocpp1.6")], proxy=None)
    assert info.value.response.status_code == 404


async def test_csms_completes_handshake_without_subprotocol_then_closes() -> None:
    # OCPP-J §3.2: not HTTP 400, but a handshake without Sec-WebSocket-Protocol, then close.
    recorder = Recorder()
    async with (
        CsmsServer(recorder) as server,
        connect(f"{server.url}/CP1", subprotocols=[Subprotocol("ocpp1.5")], proxy=None) as ws,
    ):
        assert ws.subprotocol is None
        with pytest.raises(ConnectionClosed):
            await asyncio.wait_for(ws.recv(), 2.0)
        assert ws.close_code == 1002
    assert recorder.connections == []


async def test_wait_for_connection_times_out() -> None:
    async with CsmsServer(Recorder()) as server:
        with pytest.raises(TimeoutError):
            await server.wait_for_connection("CP1", 0.05)


# -- reconnect and back-off -------------------------------------------------------------------


async def test_404_is_retried_with_growing_back_off() -> None:
    loop = asyncio.get_running_loop()
    attempts: list[float] = []

    def accept_id(cp_id: str) -> bool:
        attempts.append(loop.time())
        return False

    fake = FakeChargePoint()
    async with (
        CsmsServer(Recorder(), accept_id=accept_id) as server,
        running(client(fake, server.url, reconnect_max=1.0)),
    ):
        await eventually(lambda: len(attempts) >= 4)
    gaps = [b - a for a, b in itertools.pairwise(attempts)][:3]
    # Bases 0.05, 0.1, 0.2 s with ±20% jitter: each gap is longer than the one before.
    assert gaps[0] >= 0.04
    assert gaps[0] < gaps[1] < gaps[2]
    assert fake.events == []  # never connected, so never disconnected either
    assert fake.polls  # timers still polled while offline


async def test_client_treats_server_without_ocpp16_as_failure() -> None:
    handshakes: list[int | None] = []

    async def plain(ws: ServerConnection) -> None:
        with contextlib.suppress(ConnectionClosed):
            await ws.recv()
        handshakes.append(ws.close_code)

    fake = FakeChargePoint()
    async with serve(plain, "127.0.0.1", 0) as server:  # offers no subprotocol at all
        port = server.sockets[0].getsockname()[1]
        async with running(client(fake, f"ws://127.0.0.1:{port}")):
            await eventually(lambda: len(handshakes) >= 2)
    assert handshakes[:2] == [1002, 1002]
    assert fake.events == []


async def test_drop_connection_reconnects() -> None:
    recorder = Recorder()
    fake = FakeChargePoint()
    async with CsmsServer(recorder) as server:
        conn = client(fake, server.url)
        async with running(conn):
            await eventually(lambda: recorder.actions() == [HEARTBEAT])
            await conn.drop_connection()
            await eventually(lambda: fake.events == ["connected", "disconnected", "connected"])
            await eventually(lambda: recorder.actions() == [HEARTBEAT, HEARTBEAT])
            assert conn.connected
    assert len(recorder.connections) == 2


# -- basic auth -----------------------------------------------------------------------------------


async def test_basic_auth_accepted() -> None:
    recorder = Recorder()
    checks: list[tuple[str, str]] = []

    def check(cp_id: str, password: str) -> bool:
        checks.append((cp_id, password))
        return password == "s3cret"

    async with (
        CsmsServer(recorder, basic_auth=check) as server,
        running(client(FakeChargePoint(), server.url, basic_auth_password="s3cret")),
    ):
        await eventually(lambda: bool(recorder.frames))
    assert checks == [("CP1", "s3cret")]


async def test_basic_auth_rejected() -> None:
    checks: list[str] = []

    def check(cp_id: str, password: str) -> bool:
        checks.append(password)
        return (cp_id, password) in {("CP1", "s3cret"), ("CP2", "other")}

    fake = FakeChargePoint()
    async with CsmsServer(Recorder(), basic_auth=check) as server:
        async with running(client(fake, server.url, basic_auth_password="wrong")):
            await eventually(lambda: len(checks) >= 2)  # rejected, then retried
        assert fake.events == []
        url = f"{server.url}/CP1"
        for headers in ({}, {"Authorization": basic_auth_header("CP2", "other")}):
            # Missing header, and valid credentials for another identity (OCPP-J §6.2.2).
            with pytest.raises(InvalidStatus) as info:
                await connect(
                    url,
                    subprotocols=[Subprotocol("ocpp1.6")],
                    additional_headers=headers,
                    proxy=None,
                )
            assert info.value.response.status_code == 401


# -- stop and timers ------------------------------------------------------------------------------


async def test_stop_closes_with_1000_promptly() -> None:
    recorder = Recorder()
    fake = FakeChargePoint()
    async with CsmsServer(recorder) as server:
        conn = client(fake, server.url)
        stop = asyncio.Event()
        task = asyncio.create_task(conn.run(stop))
        await eventually(lambda: bool(recorder.frames))
        started = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, 2.0)
        assert time.monotonic() - started < 0.5
        await eventually(lambda: recorder.connections[0].closed)
    assert recorder.connections[0].close_code == 1000
    assert fake.events == ["connected", "disconnected"]


async def test_stop_is_prompt_while_waiting_to_reconnect() -> None:
    async with CsmsServer(Recorder(), accept_id=lambda cp_id: False) as server:
        conn = client(FakeChargePoint(), server.url, reconnect_min=5.0, reconnect_max=5.0)
        stop = asyncio.Event()
        task = asyncio.create_task(conn.run(stop))
        await asyncio.sleep(0.2)  # first attempt fails, then a 4-6 s back-off starts
        started = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, 2.0)
    assert time.monotonic() - started < 0.5


async def test_stop_is_prompt_during_a_stalled_handshake() -> None:
    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(65536)  # never answers the upgrade request
        writer.close()

    tcp = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = tcp.sockets[0].getsockname()[1]
    try:
        fake = FakeChargePoint(timer_at=time.time() + 0.1)
        conn = client(fake, f"ws://127.0.0.1:{port}", open_timeout=30.0)
        stop = asyncio.Event()
        task = asyncio.create_task(conn.run(stop))
        await eventually(lambda: bool(fake.fired))  # timers run during the stalled handshake
        assert fake.events == []
        with pytest.raises(RuntimeError):
            await conn.run(stop)  # one run() per connection object
        started = time.monotonic()
        stop.set()
        await asyncio.wait_for(task, 2.0)
        assert time.monotonic() - started < 0.5
    finally:
        tcp.close()


async def test_timer_fires_offline_and_its_frame_is_sent_after_connecting() -> None:
    recorder = Recorder()
    accept = False
    deadline = time.time() + 0.15
    fake = FakeChargePoint(timer_at=deadline)
    async with (
        CsmsServer(recorder, accept_id=lambda cp_id: accept) as server,
        running(client(fake, server.url)),
    ):
        await eventually(lambda: bool(fake.fired))
        assert fake.events == []
        # poll() woke near the deadline although no socket event happened.
        assert 0 <= fake.fired[0] - deadline < 0.1
        assert any(p < deadline for p in fake.polls)
        accept = True
        await eventually(lambda: len(recorder.actions()) == 2)
    # The frame queued offline stayed in the core and went out after connected().
    assert sorted(recorder.actions()) == sorted([HEARTBEAT, "StatusNotification"])


async def test_timer_fires_online_without_any_incoming_frame() -> None:
    frames: list[str] = []

    async def listener(conn: CsmsConnection) -> None:
        for _ in range(100):
            text = await conn.recv(timeout=0.2)
            if text is not None:
                frames.append(text)

    deadline = time.time() + 0.3
    fake = FakeChargePoint(timer_at=deadline)
    async with CsmsServer(listener) as server, running(client(fake, server.url)):
        await eventually(lambda: len(frames) == 1)
        assert not fake.fired  # connected well before the deadline
        await eventually(lambda: len(frames) == 2)
    assert frames[1] == TIMER_FRAME
    assert 0 <= fake.fired[0] - deadline < 0.1
