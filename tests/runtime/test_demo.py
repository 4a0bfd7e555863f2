"""``chargespec demo`` end to end: a CSMS and a simulated station over a real WebSocket."""

from __future__ import annotations

import click
import pytest
from click.testing import CliRunner

from compiler.cli.live import register


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


def test_sim_rejects_a_bad_url() -> None:
    result = CliRunner().invoke(_cli, ["sim", "--csms", "http://nowhere", "--duration", "0"])
    assert result.exit_code == 2
    assert "not a ws:// or wss:// URL" in result.output
    assert "Traceback" not in result.output
