"""``chargespec sim`` tells a CI job the truth: its exit code and a one-line reason on stderr.

Each test starts ``chargespec sim`` as a separate process, as a user would, against a small
Central System on 127.0.0.1 written with raw websockets, whose misbehaviour each test picks:
nothing listening, a certificate the station cannot trust, BootNotification Rejected,
StartTransaction refused, Ctrl-C mid-session. Every run is bounded in time.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import socket
import ssl
import sys
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from websockets.asyncio.server import ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.http11 import Response

from generated.ocpp16.registry import SPEC
from runtime.adapters.connecting import describe_failure
from runtime.sim.simulator import SimulatedStation
from tests.tls_certs import self_signed

pytestmark = pytest.mark.timeout(90)

CHARGESPEC = (sys.executable, "-c", "from compiler.cli import main; main()")
ROOT = Path(__file__).resolve().parents[2]
RUN_LIMIT = 45.0

#: The answer to one CALL: a CALLRESULT payload, a CALLERROR ``(code, description)``, or
#: ``None`` for no answer at all.
Answer = dict[str, Any] | tuple[str, str] | None


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _accept(action: str, payload: dict[str, Any], count: int) -> Answer:
    """What a Central System that accepts everything answers."""
    del count
    if action == "BootNotification":
        return {"status": "Accepted", "currentTime": _now(), "interval": 300}
    if action == "Heartbeat":
        return {"currentTime": _now()}
    if action == "Authorize":
        return {"idTagInfo": {"status": "Accepted"}}
    if action == "StartTransaction":
        return {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}
    del payload
    return {}


@dataclass
class Csms:
    """The Central System's side: what it answers, and every CALL it received."""

    answer: Callable[[str, dict[str, Any], int], Answer] = _accept
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    to_send: list[str] = field(default_factory=list)

    def of(self, action: str) -> list[dict[str, Any]]:
        return [payload for name, payload in self.calls if name == action]

    async def handle(self, connection: ServerConnection) -> None:
        sender = asyncio.create_task(self._send_later(connection))
        try:
            async for text in connection:
                frame = json.loads(text)
                if frame[0] != 2:
                    continue
                _, unique_id, action, payload = frame
                self.calls.append((action, payload))
                reply = self.answer(action, payload, len(self.of(action)))
                if isinstance(reply, dict):
                    await connection.send(json.dumps([3, unique_id, reply]))
                elif reply is not None:
                    await connection.send(json.dumps([4, unique_id, *reply, {}]))
        except ConnectionClosed:
            pass
        finally:
            sender.cancel()

    async def _send_later(self, connection: ServerConnection) -> None:
        """Send the queued CALLs once the station has booted."""
        while not self.of("BootNotification"):
            await asyncio.sleep(0.05)
        for text in self.to_send:
            await connection.send(text)
            self.sent.append(text)


@contextlib.asynccontextmanager
async def serving(csms: Csms, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    async with serve(csms.handle, "127.0.0.1", 0, subprotocols=["ocpp1.6"], ssl=tls) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"{'wss' if tls else 'ws'}://127.0.0.1:{port}/ocpp"


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str

    @property
    def reason(self) -> str:
        """The last line on stderr: the one-line reason."""
        return self.err.strip().splitlines()[-1] if self.err.strip() else ""


async def _start(url: str, *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        *CHARGESPEC,
        *("sim", "--csms", url, *args),
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )


async def _finish(process: asyncio.subprocess.Process) -> Run:
    try:
        out, err = await asyncio.wait_for(process.communicate(), RUN_LIMIT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Run(process.returncode, out.decode(), err.decode())


async def _sim(url: str, *args: str) -> Run:
    return await _finish(await _start(url, *args))


async def _until(condition: Callable[[], bool], what: str, limit: float = 20.0) -> None:
    for _ in range(int(limit / 0.05)):
        if condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not seen within {limit} s: {what}")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


async def test_sim_exit_3_when_it_never_connects() -> None:
    url = f"ws://127.0.0.1:{_free_port()}/ocpp"
    run = await _sim(url, "--id", "CP-GONE", "--sessions", "1", "--connect-attempts", "2")
    assert run.code == 3, run
    assert run.reason == (
        f"chargespec sim: error: never connected to {url}/CP-GONE after 2 attempt(s) "
        "(last: connection refused)"
    )
    # The failed attempt before the last was logged as it happened, with its number.
    assert "connection attempt failed: connection refused (attempt 1 to" in run.err
    assert "Traceback" not in run.err


def _self_signed(folder: Path, ip: str | None = None) -> ssl.SSLContext:
    """A server context with a new self-signed certificate for csms.test (and ``ip``), kept
    as ``folder/cert.pem``."""
    cert, key = self_signed(folder, "csms.test", ip=ip)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


async def test_sim_says_why_the_tls_handshake_failed(tmp_path: Path) -> None:
    async with serving(Csms(), _self_signed(tmp_path)) as url:
        run = await _sim(url, "--id", "CP-TLS", "--connect-attempts", "1", "--duration", "20")
    assert run.code == 3, run
    assert run.reason == (
        f"chargespec sim: error: never connected to {url}/CP-TLS after 1 attempt(s) "
        "(last: TLS: certificate verify failed: self-signed certificate)"
    )


async def test_sim_says_when_the_certificate_is_for_another_host(tmp_path: Path) -> None:
    # Trusted through --ca, but issued to csms.test, not to the address connected to.
    async with serving(Csms(), _self_signed(tmp_path)) as url:
        run = await _sim(
            url,
            *("--id", "CP-HOST", "--ca", str(tmp_path / "cert.pem")),
            *("--connect-attempts", "1", "--duration", "20"),
        )
    assert run.code == 3, run
    assert run.reason.endswith(
        "(last: TLS: certificate verify failed: IP address mismatch, certificate is not "
        "valid for '127.0.0.1'.)"
    ), run.reason


async def test_sim_connects_over_tls_with_its_trust_anchor(tmp_path: Path) -> None:
    csms = Csms()
    tls = _self_signed(tmp_path, ip="127.0.0.1")
    async with serving(csms, tls) as url:
        run = await _sim(
            url, "--id", "CP-CA", "--ca", str(tmp_path / "cert.pem"), "--duration", "2"
        )
    assert run.code == 0, run
    assert len(csms.of("BootNotification")) == 1


async def test_sim_exit_1_when_the_id_tag_is_refused() -> None:
    def invalid(action: str, payload: dict[str, Any], count: int) -> Answer:
        if action == "Authorize":
            return {"idTagInfo": {"status": "Invalid"}}
        return _accept(action, payload, count)

    csms = Csms(invalid)
    async with serving(csms) as url:
        run = await _sim(url, "--id", "CP-CARD", "--sessions", "1", "--id-tag", "BAD-CARD")
    assert run.code == 1, run
    assert run.reason == (
        "chargespec sim: error: the Central System answered Authorize for BAD-CARD with Invalid"
    )
    assert len(csms.of("Authorize")) == 1
    assert not csms.of("StartTransaction")


async def test_sim_exit_3_when_every_boot_is_rejected() -> None:
    def reject(action: str, payload: dict[str, Any], count: int) -> Answer:
        if action == "BootNotification":
            return {"status": "Rejected", "currentTime": _now(), "interval": 1}
        return _accept(action, payload, count)

    csms = Csms(reject)
    async with serving(csms) as url:
        run = await _sim(url, "--id", "CP-NO", "--sessions", "1", "--connect-attempts", "2")
    assert run.code == 3, run
    assert run.reason == (
        f"chargespec sim: error: the Central System rejected BootNotification 2 time(s) "
        f"at {url}/CP-NO"
    )
    assert len(csms.of("BootNotification")) == 2
    assert not csms.of("Authorize"), "a session started without an accepted boot"


async def test_sim_exit_1_when_start_transaction_never_gets_through() -> None:
    """The first StartTransaction is not answered (a timeout), the next two are refused:
    with TransactionMessageAttempts=3 the transaction goes on with id -1 (errata E3.18),
    and the run is a failure, logged step by step as it happened."""

    def refuse_start(action: str, payload: dict[str, Any], count: int) -> Answer:
        if action == "StartTransaction":
            return None if count == 1 else ("InternalError", f"database down ({count})")
        return _accept(action, payload, count)

    csms = Csms(refuse_start)
    async with serving(csms) as url:
        run = await _sim(
            url,
            *("--id", "CP-REFUSED", "--sessions", "1", "--charge-seconds", "1"),
            *("--config", "MessageTimeout=2", "--config", "TransactionMessageAttempts=3"),
            *("--config", "TransactionMessageRetryInterval=1"),
        )
    assert run.code == 1, run
    assert run.reason == (
        "chargespec sim: error: session 1 on connector 1: the Central System refused "
        "StartTransaction 3 time(s) (last: CALLERROR InternalError 'database down (3)'); "
        "the transaction went on with id -1"
    )
    assert len(csms.of("StartTransaction")) == 3
    assert "CP-REFUSED: no answer to StartTransaction within 2 s (attempt 1)" in run.err
    assert "CP-REFUSED: sending StartTransaction again (attempt 2)" in run.err
    assert (
        "CP-REFUSED: the Central System answered StartTransaction (attempt 3) with "
        "CALLERROR InternalError 'database down (3)'"
    ) in run.err


async def test_sim_ctrl_c_ends_the_transaction_once_and_exits_130() -> None:
    csms = Csms()
    async with serving(csms) as url:
        process = await _start(url, "--id", "CP-INT", "--sessions", "1", "--charge-seconds", "60")
        try:
            await _until(lambda: bool(csms.of("StartTransaction")), "a StartTransaction")
            await asyncio.sleep(0.3)  # the transaction is running
        finally:
            process.send_signal(signal.SIGINT)
        run = await _finish(process)
    assert run.code == 130, run
    assert run.reason == "chargespec sim: error: SIGINT: ended 1 running transaction(s); closed"
    stops = csms.of("StopTransaction")
    assert len(stops) == 1, stops
    assert stops[0]["transactionId"] == 7
    assert stops[0]["reason"] == "Local"
    assert "Traceback" not in run.err


async def test_sim_logs_its_own_not_supported_answer_as_such() -> None:
    csms = Csms()
    csms.to_send.append(json.dumps([2, "diag-1", "GetDiagnostics", {"location": "ftp://x/"}]))
    async with serving(csms) as url:
        run = await _sim(url, "--id", "CP-NS", "--duration", "3")
    # Without --sessions a run that connected until --duration did what was asked.
    assert run.code == 0, run
    assert csms.sent, "the CALL was never sent"
    assert (
        "CP-NS: answered the Central System's GetDiagnostics with CALLERROR NotSupported: "
        "action 'GetDiagnostics' belongs to the FirmwareManagement profile"
    ) in run.err
    assert "protocol violation" not in run.err


async def test_sim_exit_an_idle_station_sleeps_until_something_happens() -> None:
    """No poll on a timer: an idle, booted station is not woken (it was 10 times a second),
    yet a tester action from outside reaches the Central System at once."""
    csms = Csms()
    polls: list[float] = []
    async with serving(csms) as url:
        sim = SimulatedStation(SPEC, url, "CP-IDLE", 1)
        poll = sim.station.poll

        def counted(now: float) -> None:
            polls.append(now)
            poll(now)

        sim.station.poll = counted  # type: ignore[method-assign]
        stop = asyncio.Event()
        running = asyncio.create_task(sim.run(stop))
        try:
            await _until(lambda: len(csms.of("StatusNotification")) >= 2, "the boot statuses")
            await asyncio.sleep(0.3)
            polls.clear()
            await asyncio.sleep(2.0)
            idle = len(polls)
            sim.station.tester("plug_in", connector=1)
            await _until(
                lambda: any(p["status"] == "Preparing" for p in csms.of("StatusNotification")),
                "StatusNotification Preparing",
                limit=1.0,
            )
        finally:
            stop.set()
            await asyncio.wait_for(running, 5.0)
    assert idle == 0, f"woken {idle} times in 2 s of idling"


@pytest.mark.parametrize(
    ("error", "secure", "reason"),
    [
        (ConnectionRefusedError(111, "Connect call failed"), False, "connection refused"),
        (ConnectionResetError(), True, "connection reset during the TLS handshake"),
        (InvalidStatus(Response(401, "Unauthorized", Headers())), False, "HTTP 401 (Basic"),
        (InvalidStatus(Response(404, "Not Found", Headers())), False, "HTTP 404 (unknown"),
        (InvalidStatus(Response(500, "Oops", Headers())), False, "HTTP 500"),
        (TimeoutError(), False, "timed out opening the connection"),
        (ssl.SSLError(1, "[SSL] wrong version number"), True, "TLS: "),
    ],
)
def test_sim_exit_reasons_are_never_empty(error: BaseException, secure: bool, reason: str) -> None:
    said = describe_failure(error, secure=secure)
    assert said.startswith(reason), said
