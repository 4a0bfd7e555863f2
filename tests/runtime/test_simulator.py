"""The simulator's pieces and the ``chargespec sim`` options, without a Central System."""

from __future__ import annotations

import socket
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from compiler.cli.live import register
from generated.ocpp16.registry import SPEC
from runtime.sim.sessions import settled
from runtime.sim.simulator import NonVolatileMeter, StateRecorder
from runtime.station.hardware import SimulatedHardware
from runtime.station.station import Station, StationIdentity
from runtime.station.store import Store

UNREACHABLE = "ws://127.0.0.1:9/ocpp"  # discard port: nothing listens


@click.group()
def _cli() -> None:
    """A bare group carrying only the live commands."""


register(_cli)


def _sim(*args: str) -> Result:
    return CliRunner().invoke(_cli, ["sim", "--csms", UNREACHABLE, *args])


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--config", "MeterValueSampleInterval"], "is not KEY=VALUE"),
        (["--config", "=5"], "is not KEY=VALUE"),
        (["--config", "NoSuchKey=1"], "unknown configuration key 'NoSuchKey'"),
        (["--config", "MeterValueSampleInterval=-1"], "must be at least 0"),
        (["--config", "MeterValueSampleInterval=soon"], "takes an integer"),
        (["--id-tag", "X" * 21], "is not an idTag"),
        (["--sessions", "-1"], "--sessions"),
        (["--db", "/nonexistent-dir/station.db"], "cannot use"),
    ],
)
def test_sim_reports_user_mistakes_without_a_traceback(args: list[str], message: str) -> None:
    result = _sim("--duration", "0", *args)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert "Traceback" not in result.output


def test_sim_bad_url_closes_the_store(tmp_path: Path) -> None:
    result = CliRunner().invoke(_cli, ["sim", "--csms", "http://x", "--db", str(tmp_path / "a")])
    assert result.exit_code == 2
    assert "not a ws:// or wss:// URL" in result.output


def test_sim_that_never_connected_within_duration_exit_3(tmp_path: Path) -> None:
    # Nothing listens: the sessions were not done, and the reason is the connection.
    result = _sim("--sessions", "1", "--duration", "0.3", "--db", str(tmp_path / "s.db"))
    assert result.exit_code == 3, result.output
    assert "chargespec sim: error: never connected to ws://127.0.0.1:9/ocpp/CP1 within 0.3 s" in (
        result.output
    )
    assert "Traceback" not in result.output


def test_sim_without_sessions_stops_after_duration() -> None:
    result = _sim("--duration", "0.2", "--config", "MeterValueSampleInterval=2", "--seed", "7")
    # It never connected, so it did not run as asked.
    assert result.exit_code == 3, result.output
    assert "connecting to ws://127.0.0.1:9/ocpp/CP1" in result.output
    assert "(1 attempt(s), last: connection refused)" in result.output


def test_meter_register_survives_a_restart(tmp_path: Path) -> None:
    db = tmp_path / "meter.db"
    with Store(db) as store:
        meter = NonVolatileMeter(store)
        start = meter.read_meter(1, 0.0).energy_wh
        meter.set_energy_flow(1, True, 0.0)
        charged = meter.read_meter(1, 3600.0).energy_wh  # one hour at 11 kW
        assert charged == start + 11_000
        assert meter.lock(1) and meter.unlock(1) and meter.lock_works(1)
        meter.jam_lock(1)
        assert not meter.lock_works(1)
    with Store(db) as store:
        # A new process: the simulated meter starts from scratch, the register does not.
        again = NonVolatileMeter(store, SimulatedHardware(start_wh=0.0))
        assert again.read_meter(1, 0.0).energy_wh == charged
        assert again.read_meter(2, 0.0).energy_wh == 0  # another connector, its own register
        again.set_energy_flow(1, True, 0.0)
        assert again.read_meter(1, 360.0).energy_wh == charged + 1_100


def test_state_recorder_follows_the_station() -> None:
    recorder = StateRecorder(clock=lambda: 42.0)
    station = Station(
        SPEC, StationIdentity("CP-REC"), connectors=1, now=0.0, on_state_change=recorder
    )
    station.connected(0.0)
    assert recorder.state("Registration") == station.state("Registration")
    assert recorder.state("NoSuchMachine") is None
    assert all(change.at == 42.0 for change in recorder.changes)
    # Not registered yet (BootNotification unanswered): the station is not settled.
    assert not settled(station)


def test_sim_refuses_a_bad_pics_file_with_its_problems(tmp_path: Path) -> None:
    pics = tmp_path / "bad.yaml"
    pics.write_text("pics:\n  NumberOfConnectors: 0\n  Reservaton: true\n")
    result = _sim("--duration", "0", "--pics", str(pics))
    assert result.exit_code == 1, result.output
    lines = result.output.splitlines()
    assert lines[0].startswith(f"{pics}:2:") and "NumberOfConnectors" in lines[0]
    assert lines[1].startswith(f"{pics}:3:") and "did you mean 'Reservation'?" in lines[1]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("value", ["9001", "host:", ":9001", "h:99999", "h:port"])
def test_sim_tester_api_wants_host_and_port(value: str) -> None:
    result = _sim("--duration", "0", "--tester-api", value)
    assert result.exit_code == 2
    assert "is not HOST:PORT" in result.output


def test_sim_time_scale_is_at_least_one() -> None:
    result = _sim("--duration", "0", "--time-scale", "0.5")
    assert result.exit_code == 2
    assert "--time-scale" in result.output


def test_sim_serves_the_tester_api_and_takes_the_pics(tmp_path: Path) -> None:
    pics = tmp_path / "device.yaml"
    pics.write_text("pics:\n  NumberOfConnectors: 3\n")
    result = _sim(
        *("--duration", "0.2", "--pics", str(pics), "--tester-api", "127.0.0.1:0"),
        *("--time-scale", "10", "--basic-auth-password", "key"),
    )
    assert result.exit_code == 3, result.output  # nothing listens at UNREACHABLE
    assert "tester API on ws://127.0.0.1:" in result.output


def test_sim_reports_a_tester_api_port_in_use() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        result = _sim("--duration", "0.2", "--tester-api", f"127.0.0.1:{port}")
    assert result.exit_code == 2, result.output
    assert "cannot serve on 127.0.0.1" in result.output
