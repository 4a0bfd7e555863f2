"""``chargespec report RUN.json [--junit FILE] [--html FILE]``: reports from a run record.

``chargespec test`` writes what a run found as ``run.json``
(:class:`runtime.conformance.run_record.RunRecord`); this command turns that file, at any later
time, into JUnit XML for CI and a self-contained HTML report for people
(:mod:`runtime.conformance.report`). It prints the totals and the files written.

Exit status: 0 when the reports were written — whatever the verdicts, which ``chargespec test``
already reported —, 1 when the run record cannot be read or a report cannot be written (one
``error:`` line, no traceback).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn

import click

__all__ = ["register", "report"]


def _fail(message: str) -> NoReturn:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


@click.command()
@click.argument("run", metavar="RUN.json", type=click.Path(path_type=Path))
@click.option(
    "--junit",
    "junit_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write JUnit XML here.",
)
@click.option(
    "--html",
    "html_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the self-contained HTML report here.",
)
def report(run: Path, junit_path: Path | None, html_path: Path | None) -> None:
    """Write the JUnit XML and/or HTML report of a conformance run (RUN.json)."""
    from runtime.conformance.report import RunFileError, read_run, write_html, write_junit
    from runtime.conformance.report.summary import totals

    try:
        record = read_run(run)
    except RunFileError as exc:
        _fail(str(exc))
    counts = ", ".join(f"{n} {verdict}" for verdict, n in totals(record.cases).items() if n)
    click.echo(
        f"{run}: {len(record.cases)} cases ({counts or 'none'}); target: {record.target.kind}"
    )
    for path, write in ((junit_path, write_junit), (html_path, write_html)):
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            write(record, path)
        except OSError as exc:
            _fail(f"{path}: cannot write the report: {exc.strerror or exc}")
        click.echo(f"wrote {path}")
    if junit_path is None and html_path is None:
        click.echo("no report asked for: give --junit FILE and/or --html FILE")


def register(main: click.Group) -> None:
    """Add the ``report`` command to the ``chargespec`` command."""
    main.add_command(report)
