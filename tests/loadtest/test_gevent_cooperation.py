"""Many charge points in one gevent process do not wait for each other.

A Locust worker runs all its users in one thread, as greenlets; a blocking call that did not
yield to gevent would make every charge point wait for the slowest. Here the Central System
takes a whole second to answer each BootNotification; 20 charge points in one process must all
be registered in about that second, not in twenty.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
from pathlib import Path

import pytest
from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from tests.interop.csms_recorder import wire_now
from tests.loadtest.csms_thread import serve_in_thread

ROOT = Path(__file__).resolve().parents[2]
CHARGE_POINTS = 20
BOOT_DELAY = 1.0


async def _slow_central_system(connection: ServerConnection) -> None:
    """Answers each BootNotification after BOOT_DELAY, every other CALL at once."""
    with contextlib.suppress(ConnectionClosed):
        async for text in connection:
            message_type, unique_id, action, _payload = json.loads(text)
            if message_type != 2:
                continue
            if action == "BootNotification":
                await asyncio.sleep(BOOT_DELAY)
                answer = {"status": "Accepted", "currentTime": wire_now(), "interval": 300}
            elif action == "Heartbeat":
                answer = {"currentTime": wire_now()}
            else:
                answer = {}
            await connection.send(json.dumps([3, unique_id, answer]))


@pytest.mark.timeout(90)
def test_charge_points_in_one_gevent_process_wait_side_by_side() -> None:
    with serve_in_thread(_slow_central_system) as url:
        run = subprocess.run(
            [sys.executable, "-m", "tests.loadtest.gevent_fleet", url, str(CHARGE_POINTS), "30"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
    assert run.returncode == 0, run.stderr[-3000:]
    result = json.loads(run.stdout.strip().splitlines()[-1])
    assert result["registered"] == CHARGE_POINTS, result
    assert result["stopped"] == CHARGE_POINTS, result
    # One second of waiting for all of them, plus the handshakes (slow on a busy machine);
    # one after another it would be CHARGE_POINTS seconds.
    assert BOOT_DELAY <= result["seconds"] < CHARGE_POINTS * BOOT_DELAY / 3, result
