"""``chargespec frames check``: check a real charger's OCPP-J message log against the spec.

The log holds one frame per line, optionally prefixed by ``>`` (sent by the Charge Point) or
``<`` (sent by the Central System); blank lines and ``#`` comments are skipped. Every frame gets
one output line, then a summary; the checking itself is :mod:`runtime.conformance.framelog`.

Exit status: 0 when every frame is ok (or ignored), 1 when any frame is bad, 2 for usage errors
(an unreadable file, an unknown leniency).
"""

from __future__ import annotations

import sys
from typing import BinaryIO

import click

from compiler.cli.generated_spec import spec_registry
from runtime.ocppj.payload import PayloadValidator
from runtime.spec.registry import SpecRegistry

__all__ = ["frames", "register"]


def _validator(spec: SpecRegistry, lenient: tuple[str, ...]) -> PayloadValidator:
    # Checked here too: the registry's transitional schema validator ignores the names.
    declared = spec.leniencies
    unknown = sorted(set(lenient) - declared.keys())
    if unknown:
        known = ", ".join(sorted(declared)) or "none"
        raise click.BadParameter(
            f"unknown leniency {', '.join(unknown)}; declared: {known}", param_hint="'--lenient'"
        )
    return spec.validator(lenient)


@click.group()
def frames() -> None:
    """Work with recorded OCPP-J frames."""


@frames.command()
@click.argument("log", metavar="[FILE|-]", required=False, default="-", type=click.File("rb"))
@click.option(
    "--lenient",
    multiple=True,
    metavar="NAME",
    help="Switch on a leniency the spec declares (repeatable).",
)
def check(log: BinaryIO, lenient: tuple[str, ...]) -> None:
    """Check every frame of a message log (FILE, or stdin for - or nothing).

    One line per frame: `<line>: <dir> <kind> <action> <id>: ok`, or the CALLERROR code the
    receiver should answer with, the field path and the reason. Exit 1 if any frame is bad.
    """
    from runtime.conformance.framelog import FrameLogChecker, format_report, format_summary

    spec = spec_registry()
    checker = FrameLogChecker(_validator(spec, lenient), spec.messages)
    try:
        for number, raw in enumerate(log, start=1):
            report = checker.feed(number, raw)
            if report is not None:
                click.echo(format_report(report))
    except OSError as error:
        raise click.BadParameter(
            f"cannot read {log.name!r}: {error.strerror or error}", param_hint="'[FILE|-]'"
        ) from None
    summary = checker.summary()
    click.echo(format_summary(summary))
    sys.exit(1 if summary.bad else 0)


def register(main: click.Group) -> None:
    """Add the ``frames`` command group to the ``chargespec`` command group."""
    main.add_command(frames)
