"""The applicable conformance suite against a charge point in another process.

``chargespec sim --tester-api`` is the device under test, started as its own process for the
PICS ``full.yaml`` (two connectors, every profile declared) and ``core-only.yaml`` (one
connector, Core only); ``chargespec test --pics P --dut dut.yaml`` is its Central System, and
performs the physical steps through the tester API. Both runs go at once. Every applicable
case must pass, with nothing inconclusive, and the reports must say so.

The cases run in real (scaled) time, so in ``make test`` the generated test files are shared
out between the two devices (:data:`SHARES`): every case runs once against a device its PICS
makes it applicable to, in about half the time. ``make external`` runs every file against
both devices (``CHARGESPEC_EXTERNAL_WHOLE=1``).

A deliberately broken station (tests/interop/broken_station.py) shows the other side: the
case that sees the bug fails, with the differing field named in JUnit and in the HTML report.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import pytest
from click.testing import CliRunner

from compiler.cli import main as cli
from runtime.conformance.coverage import load_fired
from runtime.conformance.run_record import RunRecord
from tests.interop.external_run import (
    ROOT,
    RUN_TIMEOUT,
    TIME_SCALE,
    broken_station_args,
    new_lab,
    running,
    sim_args,
    suite_args,
)

PICS = ROOT / "specs" / "ocpp16" / "pics"
GENERATED = ROOT / "generated" / "tests" / "ocpp16"
WHOLE = os.environ.get("CHARGESPEC_EXTERNAL_WHOLE") == "1"
# Which device runs which generated test file. A case applicable to one PICS only goes to
# that device (full.yaml: UnknownOfflineAuthorization, MinimumStatusDuration, backup power,
# two connectors; core-only.yaml: the undeclared profiles and its PICS ranges); files holding
# cases of both kinds go to both. The rest is balanced by duration.
SHARES: dict[str, frozenset[str]] = {
    "full": frozenset(
        {
            "test_core.py",
            "test_core_authorization.py",
            "test_core_ev_disconnect.py",
            "test_core_offline.py",
            "test_core_recovery.py",
            "test_core_transaction_rules.py",
            "test_local_auth_list.py",
            "test_pics_supported.py",
            "test_pics_unsupported.py",
            "test_remote_trigger.py",
            "test_reservation.py",
            "test_smart_charging.py",
            "test_wire_authorization_cache.py",
            "test_wire_charge_point_status.py",
            "test_wire_connector_status.py",
            "test_wire_local_auth_list.py",
            "test_wire_remote_trigger.py",
            "test_wire_reservation.py",
            "test_wire_reset.py",
            "test_wire_smart_charging.py",
            "test_wire_transaction.py",
            "test_wire_unlock_connector.py",
            "test_wire_unsupported_profiles.py",
        }
    ),
    "core-only": frozenset(
        {
            "test_core_audit.py",
            "test_core_availability.py",
            "test_core_boot_status.py",
            "test_core_configuration.py",
            "test_core_configuration_rules.py",
            "test_core_meter_rules.py",
            "test_core_meter_values.py",
            "test_core_recovery.py",
            "test_core_remote.py",
            "test_core_transactions.py",
            "test_core_tx_delivery.py",
            "test_pics_unsupported.py",
            "test_wire_authorization_cache.py",
            "test_wire_availability.py",
            "test_wire_data_transfer.py",
            "test_wire_heartbeat.py",
            "test_wire_remote_control.py",
            "test_wire_unsupported_profiles.py",
        }
    ),
}


def _share_args(name: str) -> list[str]:
    """pytest arguments leaving out the generated files the device ``name`` does not run."""
    if WHOLE:
        return []
    return [f"--ignore={path}" for path in _generated_files() if path.name not in SHARES[name]]


def _generated_files() -> list[Path]:
    return sorted(GENERATED.glob("test_*.py"))


def test_every_generated_test_file_goes_to_a_device() -> None:
    shared = SHARES["full"] | SHARES["core-only"]
    missing = [p.name for p in _generated_files() if p.name not in shared]
    assert not missing, f"add to SHARES in {Path(__file__).name}: {missing}"
    assert shared <= {p.name for p in _generated_files()}, "SHARES names a file that is gone"


pytestmark = pytest.mark.timeout(RUN_TIMEOUT + 60)


def _junit_counts(path: Path) -> Counter[str]:
    counts: Counter[str] = Counter()
    for case in ET.parse(path).getroot().iter("testcase"):
        kinds = [child.tag for child in case if child.tag in ("failure", "error", "skipped")]
        counts[kinds[0] if kinds else "passed"] += 1
    return counts


def test_the_whole_applicable_suite_passes_against_the_simulator_in_another_process(
    tmp_path: Path,
) -> None:
    labs = {name: new_lab(tmp_path / name) for name in ("full", "core-only")}
    # Each simulator writes the spec transitions its machines took when it is stopped.
    covered = {name: tmp_path / f"sim-{name}-coverage.json" for name in labs}
    sims = {
        name: [*sim_args(lab, PICS / f"{name}.yaml"), "--coverage", str(covered[name])]
        for name, lab in labs.items()
    }
    started = time.monotonic()
    with (
        running(sims["full"], tmp_path / "sim-full.log"),
        running(sims["core-only"], tmp_path / "sim-core.log"),
    ):
        runs = {
            name: subprocess.Popen(
                suite_args(lab, PICS / f"{name}.yaml", *_share_args(name)),
                cwd=ROOT,
                stdout=(lab.work / "test.log").open("wb"),
                stderr=subprocess.STDOUT,
            )
            for name, lab in labs.items()
        }
        codes = {name: run.wait(timeout=RUN_TIMEOUT) for name, run in runs.items()}
    wall = time.monotonic() - started
    for name, lab in labs.items():
        log = (lab.work / "test.log").read_text(encoding="utf-8", errors="replace")
        record = RunRecord.read(lab.work / "run.json")
        verdicts = Counter(case.verdict for case in record.cases)
        bad = [
            f"{c.case_id}: {c.verdict}: {c.reason}"
            for c in record.cases
            if c.verdict in ("failed", "inconclusive", "error")
        ]
        assert codes[name] == 0 and not bad, f"{name}:\n" + "\n".join(bad) + "\n" + log[-3000:]
        assert record.target.kind == "external" and record.target.time_scale == TIME_SCALE
        assert verdicts["passed"] >= 40, verdicts
        assert "Central System listening on ws://127.0.0.1:" in log
        # Only what the PICS rule out is skipped, and the JUnit XML says the same.
        junit = _junit_counts(lab.work / "junit.xml")
        assert junit == Counter(
            {"passed": verdicts["passed"], "skipped": verdicts["not applicable"]}
        ), junit
        # The performance items were measured on the device.
        measured = {m.item: m for m in record.measurements}
        assert measured["ResponseTimeout"].samples > 0 and measured["ResponseTimeout"].ok
        assert measured["RemoteStartTransactionResponseTime"].samples > 0
        print(f"{name}: {dict(verdicts)} in {wall:.0f} s", file=sys.stderr)
    _assert_sim_coverage(covered)
    _assert_site_colours_the_sim_coverage(covered, tmp_path)
    full = RunRecord.read(labs["full"].work / "run.json")
    core = RunRecord.read(labs["core-only"].work / "run.json")

    # Each device gets the cases its PICS select: Reservation is declared by full.yaml only.
    unsupported = "CS_PICS_RESERVE_NOW_UNSUPPORTED"
    assert _verdict(full, unsupported) == "not applicable"
    assert _verdict(core, unsupported) == "passed"


def _assert_sim_coverage(covered: dict[str, Path]) -> None:
    """The simulators (stopped by SIGTERM) wrote the transitions the suite drove them through."""
    fired = {name: load_fired(path) for name, path in covered.items()}
    for name, found in fired.items():
        assert ("Registration", "R1:Offline:internal.connected") in found, name
        assert len(found) >= 50, f"{name}: only {len(found)} transitions fired"
    # The transactions are run against full.yaml only (SHARES): its station started one.
    assert any(machine == "Transaction" for machine, _ in fired["full"])


def _assert_site_colours_the_sim_coverage(covered: dict[str, Path], tmp_path: Path) -> None:
    """The diagram site draws what the two external devices exercised, merged."""
    site = tmp_path / "site"
    args = ["diagram", str(ROOT / "specs" / "ocpp16"), "--out", str(tmp_path / "generated")]
    args += ["--html", str(site)]
    args += [arg for path in covered.values() for arg in ("--coverage", str(path))]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    union = set().union(*(load_fired(path) for path in covered.values()))
    index = (site / "index.html").read_text(encoding="utf-8")
    assert f"<strong>{len(union)} of " in index


def _verdict(record: RunRecord, case_id: str) -> str:
    (verdict,) = {case.verdict for case in record.cases if case.case_id == case_id}
    return verdict


def test_a_station_that_skips_finishing_fails_the_right_case_with_a_readable_reason(
    tmp_path: Path,
) -> None:
    lab = new_lab(tmp_path / "broken")
    station = broken_station_args(lab, PICS / "core-only.yaml")
    with running(station, tmp_path / "station.log"):
        done = subprocess.run(
            suite_args(lab, PICS / "core-only.yaml", "-k", "tc_012_cs or tc_019_cs"),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=RUN_TIMEOUT,
        )
    assert done.returncode == 1, done.stdout[-3000:]
    record = RunRecord.read(lab.work / "run.json")
    by_id = {case.case_id: case for case in record.cases if case.verdict != "not applicable"}
    assert by_id["TC_019_CS"].verdict == "passed"
    remote_stop = by_id["TC_012_CS"]
    assert remote_stop.verdict == "failed"
    failure = remote_stop.failure
    assert failure is not None
    wrong = "status: expected 'Finishing', got 'Available'"
    assert failure.fields == [wrong]
    assert failure.at.startswith("specs/ocpp16/scenarios/core_remote.yaml:")
    assert failure.received == {
        "connectorId": 1,
        "status": "Available",
        "errorCode": "NoError",
    }
    # JUnit: the failure's message names the field; HTML: the case, the field, highlighted.
    (case,) = [
        c
        for c in ET.parse(lab.work / "junit.xml").getroot().iter("testcase")
        if "TC_012_CS" in c.get("name", "")
    ]
    message = case.find("failure")
    assert message is not None and wrong in message.get("message", "")
    html = (lab.work / "report.html").read_text(encoding="utf-8")
    assert (
        "TC_012_CS" in html and "expected &#x27;Finishing&#x27;, got &#x27;Available&#x27;" in html
    )
    assert "<mark" in html
