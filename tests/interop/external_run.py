"""Helpers for running ``chargespec test --dut`` against a charge point in another process.

The charge point (``chargespec sim --tester-api``, or the deliberately broken station) and
the test system are separate processes on 127.0.0.1 that meet over real WebSockets; the
station's clock runs ``TIME_SCALE`` times faster so OCPP's long intervals pass quickly, and
dut.yaml tells the test system the same factor.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CHARGESPEC = str(Path(sys.executable).with_name("chargespec"))
TIME_SCALE = 20
# Device seconds; at TIME_SCALE 20 this is 0.2 wall seconds of scheduling jitter.
TOLERANCE = 4
RUN_TIMEOUT = 900  # wall seconds, a bound far above the ~3 minutes a run takes


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Lab:
    """One charge point and the files of the run against it."""

    work: Path
    csms_port: int
    api_port: int

    @property
    def dut(self) -> Path:
        return self.work / "dut.yaml"

    def write_dut(self) -> None:
        self.dut.write_text(
            "dut:\n"
            "  identity: CP1\n"
            f"  listen: {{host: 127.0.0.1, port: {self.csms_port}, path: /ocpp}}\n"
            f"  timing: {{tolerance: {TOLERANCE}, time_scale: {TIME_SCALE}, connect_timeout: 60}}\n"
            f"  tester: {{backend: api, url: 'ws://127.0.0.1:{self.api_port}/'}}\n",
            encoding="utf-8",
        )

    @property
    def csms_url(self) -> str:
        return f"ws://127.0.0.1:{self.csms_port}/ocpp"


def new_lab(work: Path) -> Lab:
    work.mkdir(parents=True, exist_ok=True)
    lab = Lab(work, free_port(), free_port())
    lab.write_dut()
    return lab


@contextlib.contextmanager
def running(args: Sequence[str], log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A process for the length of the block, stopped (and reaped) after it."""
    with log.open("wb") as out:
        process = subprocess.Popen(list(args), cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            yield process
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)


def sim_args(lab: Lab, pics: Path) -> list[str]:
    """``chargespec sim`` as the device under test, serving the tester API."""
    return [
        CHARGESPEC,
        "sim",
        "--csms",
        lab.csms_url,
        "--id",
        "CP1",
        "--pics",
        str(pics),
        "--tester-api",
        f"127.0.0.1:{lab.api_port}",
        "--time-scale",
        str(TIME_SCALE),
    ]


def broken_station_args(lab: Lab, pics: Path, bug: str = "skip-finishing") -> list[str]:
    """The deliberately broken station (tests/interop/broken_station.py) as the DUT."""
    return [
        sys.executable,
        "-m",
        "tests.interop.broken_station",
        "--csms",
        lab.csms_url,
        "--pics",
        str(pics),
        "--tester-api",
        str(lab.api_port),
        "--time-scale",
        str(TIME_SCALE),
        "--bug",
        bug,
    ]


def suite_args(lab: Lab, pics: Path, *pytest_args: str) -> list[str]:
    """``chargespec test`` against the lab's charge point, writing every report."""
    return [
        CHARGESPEC,
        "test",
        "--pics",
        str(pics),
        "--dut",
        str(lab.dut),
        "--record",
        str(lab.work / "run.json"),
        "--junit",
        str(lab.work / "junit.xml"),
        "--html",
        str(lab.work / "report.html"),
        "--",
        "-q",
        "-p",
        "no:cacheprovider",
        *pytest_args,
    ]
