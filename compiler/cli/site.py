"""``chargespec diagram --html OUT [--coverage RUN]``: write the browsable diagram site.

The coverage files are read here (the command's edge), checked, and merged: a run record of
``chargespec test``, the coverage file of a pytest session of the generated tests, or the one
``chargespec sim --coverage`` writes. A file that is none of these is a one-line error.
"""

from __future__ import annotations

from pathlib import Path

import click

from compiler.ir import SpecSet

__all__ = ["write_site"]


def _coverage(spec: SpecSet, runs: tuple[Path, ...]) -> object | None:
    """The merged coverage of ``runs``, with the tests that would reach each transition."""
    if not runs:
        return None
    # Imported here: only this command reads run files, and only with --coverage.
    from compiler.derive.reaching import reaching_paths, reaching_tests
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
    reaching = reaching_tests(spec)
    missing = known - fired - set(reaching)
    return Coverage(
        fired=frozenset(fired & known),
        reaching=reaching,
        paths=reaching_paths(spec, missing),
        sources=tuple(str(r) for r in runs),
    )


def write_site(spec: SpecSet, out: Path, runs: tuple[Path, ...]) -> list[Path]:
    """Write the site into ``out`` (created when missing); return the pages written.

    Raises:
        click.ClickException: a coverage file is unreadable or of an unknown kind; Graphviz is
            missing.
    """
    from compiler.render.diagrams import GraphvizMissing, render_svg
    from compiler.render.site import Coverage, site_files

    cov = _coverage(spec, runs)
    assert cov is None or isinstance(cov, Coverage)
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
