"""The Locust mode end to end: a master and two workers load a Central System.

``examples/locustfile.py`` runs as users would run it: ``locust --master --headless`` with two
``locust --worker`` processes on 127.0.0.1, against the recording Central System of the interop
tests (the ``ocpp`` package, which checks every CALL against its own OCPP 1.6 schemas). The run
must end by itself with exit code 0 (Locust's code for "no failure"), its CSV must list every
message of a charging day with no failure, and the Central System must have seen charge points
of both workers.

Locust and gevent are imported only by those subprocesses, never by this one (gevent's
monkey-patching would change the test process).
"""

from __future__ import annotations

import csv
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.interop.csms_recorder import Recorder
from tests.loadtest.csms_thread import csms_in_thread

ROOT = Path(__file__).resolve().parents[2]
LOCUSTFILE = ROOT / "examples" / "locustfile.py"
USERS = 10
# Heartbeats every 2 s and MeterValues every second, so a 15 s run sends both many times.
HEARTBEAT_INTERVAL = 2
_CHARGE_POINT_OPTIONS = (
    "--cp-charge-min=2",
    "--cp-charge-max=4",
    "--cp-wait-min=0.5",
    "--cp-wait-max=1.5",
    "--cp-config=MeterValueSampleInterval=1",
)
_RUN_TIMEOUT = 60.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@contextmanager
def _processes() -> Iterator[list[subprocess.Popen[str]]]:
    """Start nothing; kill whatever the test started in the list, however it ends."""
    started: list[subprocess.Popen[str]] = []
    try:
        yield started
    finally:
        for process in started:
            if process.poll() is None:
                process.kill()
            process.wait(timeout=10)


def _locust(args: list[str], log: Path) -> subprocess.Popen[str]:
    command = [sys.executable, "-m", "locust", "-f", str(LOCUSTFILE), *args]
    # The child keeps its own copy of the file; the parent's closes at once.
    with log.open("w", encoding="utf-8") as output:
        return subprocess.Popen(
            command, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT, text=True
        )


def _stats(prefix: Path) -> dict[tuple[str, str], dict[str, str]]:
    with (prefix.parent / f"{prefix.name}_stats.csv").open(encoding="utf-8") as rows:
        return {(row["Type"], row["Name"]): row for row in csv.DictReader(rows)}


@pytest.mark.timeout(120)
def test_a_master_and_two_workers_load_a_central_system(tmp_path: Path) -> None:
    recorder = Recorder(heartbeat_interval=HEARTBEAT_INTERVAL)
    port = str(_free_port())
    stats = tmp_path / "stats"
    with csms_in_thread(recorder) as url, _processes() as started:
        master_args = [
            "--master",
            "--master-bind-host=127.0.0.1",
            f"--master-bind-port={port}",
            "--headless",
            f"--users={USERS}",
            "--spawn-rate=5",
            "--run-time=15s",
            "--expect-workers=2",
            "--expect-workers-max-wait=30",
            f"--csv={stats}",
            f"--host={url}",
            *_CHARGE_POINT_OPTIONS,
        ]
        started.append(_locust(master_args, tmp_path / "master.log"))
        for number in (1, 2):
            worker_args = ["--worker", "--master-host=127.0.0.1", f"--master-port={port}"]
            started.append(_locust(worker_args, tmp_path / f"worker{number}.log"))
        codes = [process.wait(timeout=_RUN_TIMEOUT) for process in started]
    master_log = (tmp_path / "master.log").read_text(encoding="utf-8")
    assert codes == [0, 0, 0], master_log[-3000:]

    rows = _stats(stats)
    ocpp = {name: row for (kind, name), row in rows.items() if kind == "OCPP"}
    counts = {name: int(row["Request Count"]) for name, row in ocpp.items()}
    # Every charge point booted once and reported its connectors (0, 1, 2); heartbeats ran
    # throughout; and whole sessions were played (the ocpp package validated each of these).
    assert counts["BootNotification"] >= USERS, counts
    assert counts["StatusNotification"] >= 3 * USERS, counts
    assert counts["Heartbeat"] >= USERS, counts
    for action in ("Authorize", "StartTransaction", "MeterValues", "StopTransaction"):
        assert counts.get(action, 0) >= 1, counts
    assert all(int(row["Failure Count"]) == 0 for row in rows.values()), rows
    # Locust counted what the Central System answered (a CALL open at the end is not counted).
    for action, count in counts.items():
        assert count <= recorder.handled[action], (action, count, recorder.handled)
    assert 0 < float(ocpp["BootNotification"]["Average Response Time"]) < 5_000

    # Both workers ran charge points: identities CP{worker}-{n}, each user its own.
    identities = set(recorder.identities)
    assert len(identities) == USERS, identities
    assert {identity.split("-")[0] for identity in identities} == {"CP0", "CP1"}
