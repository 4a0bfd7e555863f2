"""The compiler verbs: ``validate``, ``build``, ``check`` and ``diagram``.

Every verb takes the spec directory as an optional argument (default ``specs/ocpp16``) and runs
the same pipeline. Spec mistakes are printed as diagnostics with exit status 1; a crash inside
the compiler is a bug and keeps its traceback. None of them imports ``generated/``: the
compiler must be able to rebuild its own output when that output is missing or broken.

``check`` compares exactly the files the pipeline returns. The SVG diagrams are not among them
(they depend on the installed Graphviz): ``build`` and ``diagram`` draw them next to the .dot
files after writing, ``build`` skips them with a note when Graphviz is missing, ``diagram``
fails without it.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import click

from compiler.diagnostics import format_diagnostics
from compiler.emit import write_tree
from compiler.pipeline import CompileResult, compile_specs, managed_folders, unchecked_globs

__all__ = ["DEFAULT_SPECS", "register"]

DEFAULT_SPECS = "specs/ocpp16"
_spec_dir = click.argument(
    "spec_dir", required=False, default=DEFAULT_SPECS, type=click.Path(path_type=Path)
)
_out_dir = click.option(
    "--out",
    "out_dir",
    default="generated",
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Output root.",
)


def _draw_svgs(
    out_dir: Path, result: CompileResult, changed: list[str], required: bool
) -> list[str]:
    """Draw the SVG of every .dot in ``result`` next to it; return their paths under ``out_dir``.

    SVGs whose .dot is gone are removed. Without Graphviz, ``required`` makes it an error;
    otherwise it prints a one-line note and removes the SVGs of the .dot files in ``changed``
    (written or removed by this build), so no SVG on disk is an older drawing than its .dot.
    """
    # Imported here so the verbs that draw nothing do not load the graphviz package.
    from compiler.render.diagrams import GraphvizMissing, svg_files

    assert result.spec is not None
    try:
        svgs = svg_files(result.files)
    except GraphvizMissing as exc:
        if required:
            raise click.ClickException(str(exc)) from exc
        click.echo(f"note: SVG diagrams not drawn: {exc}", err=True)
        _remove(out_dir, {p.removesuffix(".dot") + ".svg" for p in changed if p.endswith(".dot")})
        return []
    write_tree(out_dir, svgs, ())
    # The focus views sit one folder down (<machine>/<State>.svg); fnmatch's `*` (the drift
    # check's) crosses folders, pathlib's does not, so look one level deeper too.
    on_disk = {
        p.relative_to(out_dir).as_posix()
        for pattern in unchecked_globs(result.spec)
        for deep in (pattern, pattern.replace("*.svg", "*/*.svg"))
        for p in out_dir.glob(deep)
    }
    _remove(out_dir, on_disk - set(svgs))
    return sorted(svgs)


def _remove(out_dir: Path, paths: set[str]) -> None:
    for path in sorted(paths):
        (out_dir / path).unlink(missing_ok=True)


def _report(result: CompileResult) -> None:
    if result.diagnostics:
        click.echo(format_diagnostics(result.diagnostics), nl=False, err=not result.ok)
    if not result.ok:
        sys.exit(1)


@click.command()
@_spec_dir
def validate(spec_dir: Path) -> None:
    """Check the specs and print every problem found."""
    result = compile_specs(spec_dir, render=False)
    _report(result)
    assert result.spec is not None
    click.echo(
        f"{result.spec.root}: {len(result.spec.files)} files, {len(result.spec.machines)} "
        f"machines, {len(result.spec.messages)} messages, {len(result.spec.scenarios)} "
        "scenarios: ok"
    )


@click.command()
@_spec_dir
@_out_dir
def build(spec_dir: Path, out_dir: Path) -> None:
    """Compile the specs and write generated/ (only files that changed)."""
    started = time.perf_counter()
    result = compile_specs(spec_dir)
    _report(result)
    assert result.spec is not None
    report = write_tree(
        out_dir, result.files, managed_folders(result.spec), ignore=unchecked_globs(result.spec)
    )
    svgs = _draw_svgs(out_dir, result, report.written + report.removed, required=False)
    click.echo(
        f"built {len(result.files)} files into {out_dir}/ ({len(report.written)} written, "
        f"{len(report.removed)} removed, {report.unchanged} unchanged) "
        f"and drew {len(svgs)} SVG diagrams in {time.perf_counter() - started:.2f}s"
    )


@click.command()
@_spec_dir
@_out_dir
def check(spec_dir: Path, out_dir: Path) -> None:
    """Exit 1 with a unified diff when generated/ is not what a build would write."""
    result = compile_specs(spec_dir)
    _report(result)
    assert result.spec is not None
    report = write_tree(
        out_dir,
        result.files,
        managed_folders(result.spec),
        check=True,
        ignore=unchecked_globs(result.spec),
    )
    if report.stale:
        click.echo(report.diff, nl=False)
        click.echo(
            f"{out_dir}/ is stale: {len(report.written)} file(s) differ, "
            f"{len(report.removed)} file(s) no longer generated; run: chargespec build",
            err=True,
        )
        sys.exit(1)
    click.echo(f"{out_dir}/ is up to date ({report.unchanged} files)")


@click.command()
@_spec_dir
@_out_dir
@click.option(
    "--html",
    "html_dir",
    type=click.Path(path_type=Path, file_okay=False),
    help="Also write the browsable diagram site into this folder (open its index.html).",
)
@click.option(
    "--coverage",
    "runs",
    multiple=True,
    type=click.Path(path_type=Path, dir_okay=False, exists=True),
    help="With --html: colour what this test run exercised (a run record of `chargespec test`, "
    "a coverage file of the generated tests or of `chargespec sim --coverage`; repeatable).",
)
def diagram(spec_dir: Path, out_dir: Path, html_dir: Path | None, runs: tuple[Path, ...]) -> None:
    """Write only the diagrams (.dot, .mmd, index.md), draw the .svg, print where they are;
    with ``--html OUT`` also the browsable site.

    Drawing the SVGs needs the Graphviz ``dot`` binary; without it this exits 1 after writing
    the other diagram files.
    """
    if runs and html_dir is None:
        raise click.UsageError("--coverage colours the site: give --html OUT as well")
    result = compile_specs(spec_dir, tests=False)
    _report(result)
    assert result.spec is not None
    prefix = f"diagrams/{result.spec.manifest.spec}/"
    files = {p: t for p, t in result.files.items() if p.startswith(prefix)}
    report = write_tree(out_dir, files, (prefix.rstrip("/"),), ignore=unchecked_globs(result.spec))
    svgs = _draw_svgs(out_dir, result, report.written + report.removed, required=True)
    click.echo(f"diagrams: {out_dir / prefix / 'index.md'}")
    for path in svgs:
        click.echo(f"  {out_dir / path}")
    if html_dir is not None:
        from compiler.cli.site import write_site

        pages = write_site(result.spec, html_dir, runs, out_dir)
        click.echo(f"site: {html_dir / 'index.html'} ({len(pages)} files)")


def register(main: click.Group) -> None:
    """Add ``validate``, ``build``, ``check`` and ``diagram`` to the command group."""
    for command in (validate, build, check, diagram):
        main.add_command(command)
