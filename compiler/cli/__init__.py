"""The ``chargespec`` command line.

One click group; each module of this package adds its verbs: ``build`` (validate, build,
check, diagram), ``pics`` (pics new/check/render), ``suite`` (test), ``live`` (sim, demo),
``frames`` (frames check) and ``report`` (JUnit XML and HTML from a run record). This package
is the only compiler code that uses ``generated/`` or the runtime layers above
``runtime.spec`` (station, adapters, simulator, test system), and it imports them only inside
command bodies, so ``chargespec build`` works with ``generated/`` missing or broken.
"""

from __future__ import annotations

import click

from compiler.cli import build, fleet, frames, live, pics, report, suite

__all__ = ["main"]


@click.group()
@click.version_option(package_name="chargespec")
def main() -> None:
    """chargespec: OCPP 1.6 state-machine specs → runtime, diagrams and conformance tests."""


for _module in (build, live, fleet, frames, pics, suite, report):
    _module.register(main)
