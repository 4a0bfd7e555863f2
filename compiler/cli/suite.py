"""``chargespec test --pics FILE [--dut dut.yaml]``: run the generated conformance tests a
device's PICS select, against the device or against our reference charge point.

The PICS file (and dut.yaml) are checked first (problems are printed as ``file:line:col``
lines, exit 1). Without ``--dut`` the cases run against the built-in reference charge point
(our runtime, in process, virtual time) and the output says so. With ``--dut`` the test
system listens as the device's Central System on the address dut.yaml gives, prints the URL
the charge point must connect to, and plays every case against it in real time, the tester
backend of dut.yaml performing the physical steps.

pytest runs the generated tests with ``CHARGESPEC_PICS`` naming the PICS file (and
``CHARGESPEC_DUT`` the dut.yaml); this command's plugin deselects every test whose PICS
conditions (its ``pics`` mark) the device does not meet, so exactly the applicable set runs,
and prints a table per test case: applicable or not and why, and the results. The run is
recorded (``--record run.json``) and reported as JUnit XML (``--junit``) and a
self-contained HTML page (``--html``). The exit status is pytest's.
"""

from __future__ import annotations

import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import click

from compiler.cli.generated_spec import spec_registry
from compiler.diagnostics import format_diagnostics
from compiler.frontend.yaml import load_file

__all__ = ["PicsSelection", "register"]


@dataclass
class _Case:
    """One test case's tests: how many apply, why the others do not, their results."""

    applicable: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    results: Counter[str] = field(default_factory=Counter)


class PicsSelection:
    """pytest plugin: deselects the tests a device's PICS make inapplicable and records, per
    test case, what applied and what happened."""

    def __init__(self, device: dict[str, Any]) -> None:
        self.device = device
        self.cases: dict[str, _Case] = {}
        self._case_of: dict[str, str] = {}
        self._results: dict[str, str] = {}

    def pytest_collection_modifyitems(self, config: Any, items: list[Any]) -> None:
        """Runs after the generated conftest's hook (plugins given to pytest.main are
        registered first, so they are called last)."""
        from runtime.conformance.applicability import marker_conditions
        from runtime.spec.applicability import inapplicable_reason

        keep, drop = [], []
        for item in items:
            mark = item.get_closest_marker("case")
            case_id = str(mark.args[0]) if mark is not None else item.nodeid.split("::")[0]
            case = self.cases.setdefault(case_id, _Case())
            conditions = marker_conditions(item.iter_markers("pics"))
            reason = inapplicable_reason(conditions, self.device)
            if reason is None:
                case.applicable += 1
                self._case_of[item.nodeid] = case_id
                keep.append(item)
            else:
                case.reasons[reason] += 1
                drop.append(item)
        if drop:
            config.hook.pytest_deselected(items=drop)
            items[:] = keep

    def pytest_runtest_logreport(self, report: Any) -> None:
        """The worst outcome of a test's phases: failed, then skipped, then passed."""
        if report.nodeid not in self._case_of:
            return
        previous = self._results.get(report.nodeid)
        if report.failed:
            self._results[report.nodeid] = "failed"
        elif report.skipped and previous != "failed":
            self._results[report.nodeid] = "skipped"
        elif report.when == "call" and previous is None:
            self._results[report.nodeid] = "passed"

    def finish(self) -> None:
        """Count each applicable test's result under its case ("not run" when it did not)."""
        for nodeid, case_id in self._case_of.items():
            self.cases[case_id].results[self._results.get(nodeid, "not run")] += 1

    def table(self) -> str:
        """The report: one row per test case, then the totals."""
        rows = [("test case", "applicable", "result", "reason")]
        totals: Counter[str] = Counter()
        for case_id in sorted(self.cases, key=lambda c: (c.startswith("model "), c)):
            case = self.cases[case_id]
            skipped = sum(case.reasons.values())
            total = case.applicable + skipped
            totals["applicable"] += case.applicable
            totals["not applicable"] += skipped
            totals.update(case.results)
            if total == 1:
                shown = "yes" if case.applicable else "no"
            else:
                shown = f"{case.applicable} of {total}"
            result = ", ".join(f"{n} {r}" for r, n in sorted(case.results.items()))
            if total == 1:
                result = next(iter(case.results), "-")
            reason = "; ".join(
                r if total == 1 else f"{n} {r}" for r, n in sorted(case.reasons.items())
            )
            rows.append((case_id, shown, result, reason))
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        lines = [
            "  ".join(cell.ljust(width) for cell, width in zip(row[:3], widths, strict=True))
            + f"  {row[3]}"
            for row in rows
        ]
        summary = ", ".join(
            f"{name} {totals[name]}"
            for name in ("passed", "failed", "skipped", "not run")
            if totals[name] or name in ("passed", "failed")
        )
        lines.append(
            f"applicable {totals['applicable']}, not applicable {totals['not applicable']}; "
            + summary
        )
        return "\n".join(line.rstrip() for line in lines) + "\n"


def _package(spec_dir: Path) -> str:
    """The generated package of a spec set: the manifest's ``spec`` name."""
    loaded, diagnostics = load_file(spec_dir / "spec.yaml", str(spec_dir / "spec.yaml"))
    if loaded is None or not isinstance(loaded.data, dict) or "spec" not in loaded.data:
        click.echo(format_diagnostics(diagnostics), nl=False, err=True)
        click.echo(f"error: {spec_dir / 'spec.yaml'} names no spec set", err=True)
        sys.exit(1)
    return str(loaded.data["spec"])


@click.command("test", context_settings={"ignore_unknown_options": True})
@click.option(
    "--pics",
    "pics_file",
    required=True,
    type=click.Path(path_type=Path, dir_okay=False),
    help="The device's PICS file (pics: {Item: value, ...}).",
)
@click.option(
    "--spec-dir",
    default="specs/ocpp16",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="The spec set whose generated tests run.",
)
@click.option(
    "--out",
    "out_dir",
    default="generated",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Root of the generated tree.",
)
@click.option(
    "--dut",
    "dut_file",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Test a real charge point: its dut.yaml (identity, idTags, listen address, tester "
    "backend). Without it the cases run against the built-in reference charge point.",
)
@click.option("--junit", type=click.Path(path_type=Path, dir_okay=False), help="Write JUnit XML.")
@click.option(
    "--html", type=click.Path(path_type=Path, dir_okay=False), help="Write the HTML report."
)
@click.option(
    "--record",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the run record (JSON; `chargespec report` makes reports from it again).",
)
@click.argument("pytest_args", nargs=-1, type=click.UNPROCESSED)
def test(
    pics_file: Path,
    spec_dir: Path,
    out_dir: Path,
    dut_file: Path | None,
    junit: Path | None,
    html: Path | None,
    record: Path | None,
    pytest_args: tuple[str, ...],
) -> None:
    """Run the generated tests a device's PICS select; extra arguments go to pytest."""
    try:
        import pytest
    except ImportError:  # a dev dependency: pip install chargespec[dev]
        click.echo("error: chargespec test needs pytest (pip install 'chargespec[dev]')", err=True)
        sys.exit(1)

    from compiler.cli import test_run

    name = _package(spec_dir)
    spec = spec_registry(name)
    run = test_run.prepare(spec, name, pics_file, dut_file)
    selection = PicsSelection(run.device)
    click.echo(f"Target: {run.record.target.description}")
    code = pytest.main(
        [str(out_dir / "tests" / name), *pytest_args], plugins=[selection, run.recorder]
    )
    selection.finish()
    run.finish(junit=junit, html=html, record=record)
    click.echo(f"\nPICS selection by {pics_file} — {run.record.target.description}:")
    click.echo(selection.table(), nl=False)
    sys.exit(int(code))


def register(main: click.Group) -> None:
    """Add ``test`` to the command line."""
    main.add_command(test)
