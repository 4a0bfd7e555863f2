"""``chargespec demo`` end to end: a CSMS and a simulated station over a real WebSocket; and
the same demo session (specs/ocpp16/demo.yaml, compiled to generated/ocpp16/demo.py) against
the in-process station on virtual time."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from compiler.cli.live import register
from generated.ocpp16.demo import DEMO
from generated.ocpp16.registry import SPEC
from runtime.conformance import InProcessDut, run_scenario


@click.group()
def _cli() -> None:
    """A bare group carrying only the live commands."""


register(_cli)


@pytest.mark.timeout(60)
def test_demo_plays_the_scripted_session() -> None:
    result = CliRunner().invoke(_cli, ["demo"])
    assert result.exit_code == 0, result.output
    out = result.output
    assert "BootNotification" in out
    assert "StatusNotification" in out
    assert '"status": "Preparing"' in out
    assert '"status": "Faulted"' in out
    assert "CP → CSMS  Heartbeat" in out
    assert "Heartbeat.conf" in out
    assert "demo passed" in out
    assert "diagrams:" in out


async def test_demo_session_passes_in_process_on_virtual_time() -> None:
    connectors = DEMO["setup"]["connectors"]
    assert connectors == 2
    dut = InProcessDut(SPEC, connectors=connectors)
    await dut.start()
    transcript = await run_scenario(DEMO, dut)
    sent = [line.split("] ", 1)[1] for line in transcript.lines if "] > " in line]
    statuses = [line for line in sent if line.startswith("> StatusNotification")]
    # connector 0..2 Available, then Preparing/Available, Faulted/Available
    assert len(statuses) == 3 + 2 + 2
    assert sent[-1].startswith("> Heartbeat")
    assert dut.now() >= 5.0  # the first Heartbeat comes after the 5 s interval the boot set


def test_sim_rejects_a_bad_url() -> None:
    result = CliRunner().invoke(_cli, ["sim", "--csms", "http://nowhere", "--duration", "0"])
    assert result.exit_code == 2
    assert "not a ws:// or wss:// URL" in result.output
    assert "Traceback" not in result.output
