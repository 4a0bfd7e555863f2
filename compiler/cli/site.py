"""``chargespec diagram --html OUT [--coverage RUN]``: write the browsable diagram site.

The coverage files are read here (the command's edge), checked, and merged: a run record of
``chargespec test``, the coverage file of a pytest session of the generated tests, or the one
``chargespec sim --coverage`` writes. A file that is none of these is a one-line error.
"""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compiler.ir import SpecSet

if TYPE_CHECKING:
    from compiler.render.site import Coverage

__all__ = ["write_site"]


def _step(event: str, msg: dict[str, Any]) -> str:
    """One step of an event path as the page shows it."""
    if event == "$config":
        return "configure " + ", ".join(f"{k}={v}" for k, v in msg.items())
    return event


def _coverage(spec: SpecSet, runs: tuple[Path, ...], generated: Path) -> Coverage | None:
    """The merged coverage of ``runs``, with the tests that would reach each transition (the
    wire tests, and the regression tests of the build in ``generated``), and an event path
    to each transition no test reaches."""
    if not runs:
        return None
    # Imported here: only this command reads run files, and only with --coverage.
    from compiler.derive.reaching import event_path, reaching_tests
    from compiler.frontend.setup_steps import resolve_scenario
    from compiler.render.site import Coverage
    from runtime.conformance.coverage import load_fired
    from runtime.errors import ChargespecError

    fired: set[tuple[str, str]] = set()
    for run in runs:
        try:
            fired |= load_fired(run)
        except ChargespecError as exc:
            raise click.ClickException(str(exc)) from exc
    known = {(m.name, t.key) for m in spec.machines for t in m.transitions}
    reaching = reaching_tests(spec, partial(resolve_scenario, spec.test_states), generated)
    # No generated test reaches these: search a path for each (bounded, about a second at
    # most per transition on the largest machines; none today, all have a test).
    paths = {}
    for machine, key in sorted(known - fired - set(reaching)):
        path = event_path(spec, machine, key, generated)
        if path is not None:
            paths[machine, key] = tuple(_step(event, msg) for event, msg in path.steps)
    return Coverage(
        fired=frozenset(fired & known),
        reaching=reaching,
        paths=paths,
        sources=tuple(str(r) for r in runs),
    )


def write_site(spec: SpecSet, out: Path, runs: tuple[Path, ...], generated: Path) -> list[Path]:
    """Write the site into ``out`` (created when missing); return the files written.

    Args:
        spec: the spec set.
        out: the site's folder.
        runs: coverage files to merge and colour; none draws no coverage.
        generated: the spec set's ``generated/`` folder; its regression tests tell which
            tests reach a transition.

    Raises:
        click.ClickException: a coverage file is unreadable or of an unknown kind; Graphviz is
            missing.
    """
    from compiler.render.diagrams import GraphvizMissing, render_svg
    from compiler.render.site import site_files

    cov = _coverage(spec, runs, generated)
    try:
        files = site_files(spec, render_svg, cov)
    except GraphvizMissing as exc:
        raise click.ClickException(str(exc)) from exc
    written = []
    for rel, text in files.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        written.append(path)
    return written
