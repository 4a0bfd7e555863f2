"""Coverage files: the fired transitions in the run record (per case and in total), in the
CHARGESPEC_COVERAGE file and in ``chargespec sim --coverage``'s file, all read by one loader
that refuses anything else with the file and what it expected."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance.coverage import (
    CoverageFileError,
    TransitionRecorder,
    coverage,
    load_fired,
    process_hook,
    recording,
    write_coverage,
)
from runtime.conformance.inprocess import InProcessDut
from runtime.conformance.run_record import CaseRecord, Coverage, RunRecord

ROOT = Path(__file__).resolve().parents[2]
CONNECTED = ("Registration", "R1:Offline:internal.connected")
POWERED = ("AuthorizationCache", "CE1:Ready:internal.powered_on")


def _record(tmp_path: Path, **record: object) -> Path:
    path = tmp_path / "run.json"
    RunRecord(tool="chargespec", spec="ocpp16", started=1.0, **record).write(path)  # type: ignore[arg-type]
    return path


def test_coverage_keeps_the_fired_set_sorted_and_the_file_reads_back(tmp_path: Path) -> None:
    fired = {CONNECTED, POWERED, ("Reset", "RST2:Idle:ocpp.Reset")}
    result = coverage(SPEC, fired)
    assert result.fired == [list(p) for p in sorted(fired)]
    path = tmp_path / "coverage.json"
    write_coverage(path, result)
    assert load_fired(path) == fired
    assert Coverage(**json.loads(path.read_text(encoding="utf-8"))) == result


def test_a_run_record_gives_the_union_of_its_cases_and_its_coverage(tmp_path: Path) -> None:
    cases = [
        CaseRecord("A", "a", "t::a", fired=[list(CONNECTED)]),
        CaseRecord("B", "b", "t::b", fired=[["Reset", "RST2:Idle:ocpp.Reset"]]),
    ]
    path = _record(tmp_path, cases=cases, coverage=coverage(SPEC, {POWERED}))
    assert load_fired(path) == {CONNECTED, POWERED, ("Reset", "RST2:Idle:ocpp.Reset")}
    assert RunRecord.read(path).cases[0].fired == [list(CONNECTED)]


def test_files_written_before_the_fired_set_still_read_as_run_records(tmp_path: Path) -> None:
    path = _record(tmp_path, cases=[CaseRecord("A", "a", "t::a")], coverage=Coverage(3, 1))
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["coverage"]["fired"], data["cases"][0]["fired"]
    path.write_text(json.dumps(data), encoding="utf-8")
    old = RunRecord.read(path)
    assert old.coverage == Coverage(3, 1) and old.cases[0].fired == []
    with pytest.raises(CoverageFileError, match="holds only totals") as caught:
        load_fired(path)
    assert str(path) in str(caught.value)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "not JSON"),
        ("[1, 2]", "not a JSON object"),
        ('{"dut": {}}', "neither a run record nor a coverage file"),
        ('{"total": 1, "exercised": 0, "uncovered": []}', "holds only totals"),
        ('{"total": 1, "exercised": 1, "uncovered": [], "fired": [["A"]]}', "pairs"),
    ],
)
def test_anything_else_is_refused_naming_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "other.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CoverageFileError, match=expected) as caught:
        load_fired(path)
    assert str(caught.value).startswith(f"{path}: ")


def test_a_missing_file_and_an_external_run_are_refused(tmp_path: Path) -> None:
    with pytest.raises(CoverageFileError, match="cannot read it"):
        load_fired(tmp_path / "absent.json")
    external = _record(tmp_path, cases=[CaseRecord("A", "a", "t::a")])
    with pytest.raises(CoverageFileError, match="a real device shows only frames"):
        load_fired(external)


async def test_nested_recorders_both_hear_the_transitions_of_a_dut() -> None:
    session = TransitionRecorder()
    with recording(session), recording() as case:
        hook = process_hook()
        assert hook is not None and hook is not case
        dut = InProcessDut(SPEC)
        await dut.start()
    assert case.fired == session.fired and POWERED in case.fired


def test_chargespec_test_records_the_transitions_of_each_case(tmp_path: Path) -> None:
    pics = tmp_path / "device.yaml"
    pics.write_text("pics:\n  Core: true\n", encoding="utf-8")
    record = tmp_path / "run.json"
    command = [sys.executable, "-c", "from compiler.cli import main; main()", "test"]
    args = ["--pics", str(pics), "--record", str(record), "--", "-q", "-k", "wire_reset_rst2"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHARGESPEC_")}
    done = subprocess.run(
        [*command, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    run = RunRecord.read(record)
    (case,) = [c for c in run.cases if c.case_id == "WIRE Reset RST2"]
    assert ["Reset", "RST2:Idle:ocpp.Reset"] in case.fired and list(CONNECTED) in case.fired
    assert run.coverage is not None
    assert {tuple(p) for p in case.fired} <= {tuple(p) for p in run.coverage.fired}
    assert load_fired(record) >= {("Reset", "RST2:Idle:ocpp.Reset"), CONNECTED}
    skipped = [c for c in run.cases if c.verdict == "not applicable"]
    assert skipped and all(c.fired == [] for c in skipped)


def test_sim_writes_its_coverage_file_when_its_duration_is_over(tmp_path: Path) -> None:
    path = tmp_path / "sim.json"
    command = [sys.executable, "-c", "from compiler.cli import main; main()", "sim"]
    args = ["--csms", "ws://127.0.0.1:9/ocpp", "--duration", "0.5", "--coverage", str(path)]
    done = subprocess.run([*command, *args], cwd=ROOT, capture_output=True, text=True, timeout=120)
    # Never connected within --duration: exit 3 and one line saying so, the coverage written.
    assert done.returncode == 3, done.stderr[-2000:]
    assert "chargespec sim: error: never connected to ws://127.0.0.1:9/ocpp" in done.stderr
    assert f"written to {path}" in done.stdout
    # Powered on, never connected: the power-on transitions, no registration.
    fired = load_fired(path)
    assert POWERED in fired and CONNECTED not in fired
    assert asdict(coverage(SPEC, fired)) == json.loads(path.read_text(encoding="utf-8"))
