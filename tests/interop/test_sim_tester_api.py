"""``chargespec sim --tester-api`` end to end: the tester API over a real WebSocket.

The simulated station runs as a separate process, exactly as CI starts it; the test process is
its Central System (our :class:`CsmsServer` on 127.0.0.1) and its test system, performing the
physical steps through :class:`TesterApiClient`, as it would on a hardware-in-the-loop rig.
Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import sys
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.adapters.ws_server import CsmsConnection, CsmsServer
from runtime.conformance import tester_backend  # not its Tester* class: pytest would collect it
from runtime.conformance.tester_api_client import TesterApiClient

pytestmark = pytest.mark.timeout(30)

CHARGESPEC = (sys.executable, "-c", "from compiler.cli import main; main()")
ROOT = Path(__file__).resolve().parents[2]
CP_ID = "CP-API"
_START_LIMIT = 15.0
_WAIT = 5.0
_TICK = 0.02


@dataclass
class Central:
    """A Central System that accepts everything and records each CALL with its arrival time.

    Attributes:
        heartbeat: The interval BootNotification.conf hands out.
        calls: (monotonic time, connection number, action, payload) per CALL received.
        connections: Every connection the station opened, in order.
    """

    heartbeat: int = 300
    calls: list[tuple[float, int, str, dict[str, Any]]] = field(default_factory=list)
    connections: list[CsmsConnection] = field(default_factory=list)

    async def handle(self, conn: CsmsConnection) -> None:
        self.connections.append(conn)
        number = len(self.connections)
        while (text := await conn.recv()) is not None:
            _, unique_id, action, payload = json.loads(text)
            self.calls.append((time.monotonic(), number, action, payload))
            await conn.send(json.dumps([3, unique_id, self._answer(action)]))

    def _answer(self, action: str) -> dict[str, Any]:
        now = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
        if action == "BootNotification":
            return {"status": "Accepted", "currentTime": now, "interval": self.heartbeat}
        if action == "Heartbeat":
            return {"currentTime": now}
        if action == "Authorize":
            return {"idTagInfo": {"status": "Accepted"}}
        return {}

    def of(self, action: str) -> list[tuple[float, int, dict[str, Any]]]:
        return [(at, n, payload) for at, n, name, payload in self.calls if name == action]

    async def until(self, condition: Callable[[], bool], what: str, limit: float = _WAIT) -> None:
        """Wait (at most ``limit`` seconds) until ``condition`` holds."""
        for _ in range(int(limit / _TICK)):
            if condition():
                return
            await asyncio.sleep(_TICK)
        raise AssertionError(f"{what}: not within {limit:g} s; calls: {self.calls}")


@dataclass
class Running:
    central: Central
    api: TesterApiClient
    server: CsmsServer
    output: list[str]


async def _tester_api_url(process: asyncio.subprocess.Process, output: list[str]) -> str:
    assert process.stdout is not None
    async with asyncio.timeout(_START_LIMIT):
        while line := (await process.stdout.readline()).decode():
            output.append(line)
            if line.startswith("tester API on "):
                return line.split()[-1]
    raise AssertionError("".join(output))


@contextlib.asynccontextmanager
async def _sim(
    *args: str, heartbeat: int = 300, basic_auth: str | None = None
) -> AsyncIterator[Running]:
    """A CSMS here, ``chargespec sim --tester-api 127.0.0.1:0 ...`` as a subprocess, booted."""
    central = Central(heartbeat)
    check = None if basic_auth is None else (lambda _id, password: password == basic_auth)
    async with CsmsServer(central.handle, "127.0.0.1", 0, basic_auth=check) as server:
        process = await asyncio.create_subprocess_exec(
            *CHARGESPEC,
            *("sim", "--csms", server.url, "--id", CP_ID, "--tester-api", "127.0.0.1:0"),
            *args,
            cwd=ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
        )
        output: list[str] = []
        drain: asyncio.Task[None] | None = None
        api: TesterApiClient | None = None
        try:
            url = await _tester_api_url(process, output)
            drain = asyncio.create_task(_keep(process, output))
            api = TesterApiClient(url, SPEC, timeout=_WAIT)
            await central.until(lambda: bool(central.of("StatusNotification")), "booted", 10.0)
            yield Running(central, api, server, output)
        finally:
            if api is not None:
                await api.close()
            if process.returncode is None:
                process.terminate()
                try:
                    await asyncio.wait_for(process.wait(), _WAIT)
                except TimeoutError:
                    process.kill()
                    await process.wait()
            if drain is not None:
                await asyncio.wait_for(drain, _WAIT)


async def _keep(process: asyncio.subprocess.Process, output: list[str]) -> None:
    """Read the station's transcript to the end, so its pipe never fills."""
    assert process.stdout is not None
    while line := await process.stdout.readline():
        output.append(line.decode())


def _statuses(central: Central, connector: int) -> list[str]:
    return [
        p["status"] for _, _, p in central.of("StatusNotification") if p["connectorId"] == connector
    ]


async def test_plug_in_reaches_the_central_system_and_observations_read_the_hardware(
    tmp_path: Path,
) -> None:
    pics = tmp_path / "pics.yaml"
    pics.write_text("pics:\n  NumberOfConnectors: 3\n")
    async with _sim("--pics", str(pics)) as run:
        central, api = run.central, run.api
        described = await api.describe()
        assert described["version"] == "1.0"
        # Three connectors, from the PICS file: each reported Available after the boot.
        await central.until(lambda: _statuses(central, 3) == ["Available"], "connector 3")

        await api.act("plug_in", {"connector": 3})
        # The answer comes after the frames were written; they arrive promptly.
        await central.until(lambda: "Preparing" in _statuses(central, 3), "Preparing", 2.0)
        assert await api.observe("cable_locked", {"connector": 3}) is False

        with pytest.raises(tester_backend.TesterFailed) as refused:
            await api.act("plug_in", {"connector": 4})
        assert str(refused.value) == (
            "tester.plug_in: action refused: connector 4 does not exist (1..3)"
        )
        with pytest.raises(tester_backend.TesterFailed) as invalid:
            await api.act("present_id_tag", {"connector": 1})
        assert str(invalid.value) == (
            "tester.present_id_tag: invalid params: idTag: 'idTag' is a required property"
        )
    assert "Traceback" not in "".join(run.output)


async def test_connection_lost_keeps_the_link_down_until_restored() -> None:
    async with _sim("--connectors", "1") as run:
        central, api = run.central, run.api
        first = central.connections[0]
        await api.act("connection_lost", {})
        await central.until(lambda: first.closed, "socket dropped", 2.0)
        # The station's own back-off would have reconnected by now (0.5 s); it must not.
        await asyncio.sleep(1.5)
        assert len(central.connections) == 1
        assert CP_ID not in run.server.connections

        await api.act("connection_restored", {})
        second = await run.server.wait_for_connection(CP_ID, _WAIT)
        assert len(central.connections) == 2
        # Online on the new connection (a frame came on it), reconnected, not rebooted.
        await api.act("plug_in", {"connector": 1})
        await central.until(lambda: "Preparing" in _statuses(central, 1), "Preparing", 2.0)
        assert central.of("StatusNotification")[-1][1] == 2
        assert len(central.of("BootNotification")) == 1

        # A power cycle drops the link, and the station boots again on a new one.
        await api.act("power_cycle", {})
        await central.until(lambda: len(central.of("BootNotification")) == 2, "reboot")
        assert central.of("BootNotification")[-1][1] == 3, "".join(run.output)
        assert second.closed


async def test_time_scale_runs_the_heartbeat_interval_faster() -> None:
    # Heartbeat interval 20 s at ten times the wall clock: every 2 s. With Basic auth
    # (security profile 1) on the way.
    async with _sim(
        *("--connectors", "1", "--time-scale", "10", "--basic-auth-password", "s3cret-key"),
        heartbeat=20,
        basic_auth="s3cret-key",
    ) as run:
        central = run.central
        await central.until(lambda: bool(central.of("Heartbeat")), "a heartbeat", 4.0)
        booted = central.of("BootNotification")[0][0]
        beat = central.of("Heartbeat")[0][0]
        assert 1.5 <= beat - booted <= 3.0, beat - booted
