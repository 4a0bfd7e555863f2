"""dut.yaml's Basic-auth password (OCPP-J §6.2.2, security profile 1): the test system, as
Central System, lets in only the charge point that sends it; one that does not connect stops
the run with a message saying what to check."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tests.interop.external_run import ROOT, new_lab, running, sim_args, suite_args

PICS = ROOT / "specs" / "ocpp16" / "pics" / "core-only.yaml"
pytestmark = pytest.mark.timeout(120)


def _run(tmp_path: Path, sim_password: str) -> tuple[subprocess.CompletedProcess[str], Path]:
    lab = new_lab(tmp_path / sim_password)
    text = lab.dut.read_text(encoding="utf-8").replace("connect_timeout: 60", "connect_timeout: 8")
    lab.dut.write_text(text + "  basic_auth_password: 'lab-secret-0001'\n", encoding="utf-8")
    sim = [*sim_args(lab, PICS), "--basic-auth-password", sim_password]
    with running(sim, tmp_path / f"sim-{sim_password}.log"):
        done = subprocess.run(
            suite_args(lab, PICS, "-k", "tc_019_cs"),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=90,
        )
    return done, tmp_path / f"sim-{sim_password}.log"


def test_the_charge_point_with_the_password_is_tested(tmp_path: Path) -> None:
    done, _ = _run(tmp_path, "lab-secret-0001")
    assert done.returncode == 0, done.stdout[-2000:]
    assert "TC_019_CS" in done.stdout and "1 passed" in done.stdout


def test_a_charge_point_with_a_wrong_password_is_refused_and_the_run_says_why(
    tmp_path: Path,
) -> None:
    done, sim_log = _run(tmp_path, "wrong-password-01")
    assert done.returncode == 2, done.stdout[-2000:]
    assert "did not connect to ws://127.0.0.1:" in done.stdout
    assert "Basic-auth password" in done.stdout
    assert "401" in sim_log.read_text(encoding="utf-8", errors="replace")
