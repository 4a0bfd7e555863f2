"""The work behind ``chargespec test``: check the inputs, start the Central System for a real
charge point, record the run, write the reports. Imported only when ``test`` runs."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from runtime.conformance.applicability import PICS_ENV, load_device_pics, pics_file_problems
from runtime.conformance.case_log import LOGS
from runtime.conformance.coverage import COVERAGE_ENV
from runtime.conformance.dut_file import DutFileError, load_dut_file
from runtime.conformance.external import DUT_ENV, ExternalSession, install_session
from runtime.conformance.measurements import measure
from runtime.conformance.recorder import RunRecorder
from runtime.conformance.run_record import Coverage, RunRecord, Target
from runtime.spec.registry import SpecRegistry

__all__ = ["TestRun", "prepare"]


@dataclass
class TestRun:
    """One ``chargespec test`` run: the device's PICS, the record, the external session."""

    __test__ = False  # not a pytest test class, whatever its name says

    device: dict[str, Any]
    record: RunRecord
    recorder: RunRecorder
    session: ExternalSession | None
    coverage_file: Path | None = None

    def finish(self, *, junit: Path | None, html: Path | None, record: Path | None) -> None:
        """Stop the Central System, measure, and write what was asked for."""
        if self.session is not None:
            self.session.close()
            install_session(None)
        self.record.finished = time.time()
        frames = [LOGS[c.case_id].frames for c in self.record.cases if c.case_id in LOGS]
        if self.session is not None:
            self.record.measurements = measure(frames, self.device)
        if self.coverage_file is not None and self.coverage_file.exists():
            # The reference run: the transitions the cases took in our runtime.
            data = json.loads(self.coverage_file.read_text(encoding="utf-8"))
            self.record.coverage = Coverage(**data)
            self.coverage_file.unlink()
        if record is not None:
            self.record.write(record)
            click.echo(f"run record: {record}")
        if junit is not None:
            from runtime.conformance.report.junit import write_junit

            write_junit(self.record, junit)
            click.echo(f"JUnit XML: {junit}")
        if html is not None:
            from runtime.conformance.report.html import write_html

            write_html(self.record, html)
            click.echo(f"HTML report: {html}")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chargespec")
    except PackageNotFoundError:  # run from a source tree that is not installed
        return "(source)"


def _fail(problems: list[str]) -> None:
    click.echo("\n".join(problems), err=True)
    sys.exit(1)


def prepare(spec: SpecRegistry, name: str, pics_file: Path, dut_file: Path | None) -> TestRun:
    """Check the PICS file (and dut.yaml), set the environment the generated tests read, and
    for a real charge point start listening as its Central System."""
    problems = pics_file_problems(pics_file, spec)
    if problems:
        _fail(problems)
    device = load_device_pics(pics_file, spec)
    os.environ[PICS_ENV] = str(pics_file.resolve())
    target = Target()
    session = None
    if dut_file is not None:
        try:
            config = load_dut_file(dut_file)
        except DutFileError as error:
            _fail(error.problems)
        session = ExternalSession(spec, config)
        session.start()
        install_session(session)
        os.environ[DUT_ENV] = str(dut_file.resolve())
        target = Target(
            kind="external",
            description=f"charge point {config.identity} at {session.url}",
            url=session.url,
            identity=config.identity,
            backend=config.backend,
            time_scale=config.time_scale,
            tolerance=config.tolerance,
        )
    else:
        os.environ.pop(DUT_ENV, None)
    record = RunRecord(
        tool=f"chargespec {_version()}",
        spec=name,
        started=time.time(),
        target=target,
        pics_file=str(pics_file),
        pics=dict(device),
    )
    coverage_file = None
    if session is None:
        handle, name_ = tempfile.mkstemp(prefix="chargespec-coverage-", suffix=".json")
        os.close(handle)
        coverage_file = Path(name_)
        coverage_file.unlink()
        os.environ[COVERAGE_ENV] = str(coverage_file)
    return TestRun(device, record, RunRecorder(record, spec, device), session, coverage_file)
