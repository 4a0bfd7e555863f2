"""The compiler verbs: ``validate``, ``build``, ``check`` and ``diagram``.

Every verb takes the spec directory as an optional argument (default ``specs/ocpp16``) and runs
the same pipeline. Spec mistakes are printed as diagnostics with exit status 1; a crash inside
the compiler is a bug and keeps its traceback. None of them imports ``generated/``: the
compiler must be able to rebuild its own output when that output is missing or broken.

``check`` compares exactly the files the pipeline returns. The SVG diagrams are not among them
(they depend on the installed Graphviz): ``build`` and ``diagram`` draw them next to the .dot
files after writing, ``build`` skips them with a note when Graphviz is missing, ``diagram``
fails without it.

``validate``, ``build`` and ``check`` keep what they compiled in a content-addressed cache
(:mod:`compiler.emit.cache`, ``--cache-dir``, default ``.chargespec-cache/``): with the same inputs
they take the output from there instead of compiling again, which is exact because equal
keys mean equal output. ``--no-cache`` neither reads nor writes it.
"""

from __future__ import annotations

import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from compiler.emit import write_tree
from compiler.emit.cache import DEFAULT_CACHE_DIR, Store, input_key

if TYPE_CHECKING:
    from compiler.pipeline import CompileResult

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
_no_cache = click.option(
    "--no-cache",
    is_flag=True,
    help="Compile from scratch: neither read nor write the build cache.",
)
_cache_dir = click.option(
    "--cache-dir",
    default=DEFAULT_CACHE_DIR,
    show_default=True,
    type=click.Path(path_type=Path, file_okay=False),
    help="Folder of the build cache (safe to delete).",
)


@dataclass
class _Output:
    """What a build writes and prints, compiled now or taken from the cache."""

    files: dict[str, str]
    managed: tuple[str, ...]
    ignore: tuple[str, ...]
    diagnostics: str
    summary: str
    cached: bool = False

    def payload(self) -> dict[str, Any]:
        return {
            "files": self.files,
            "managed": list(self.managed),
            "ignore": list(self.ignore),
            "diagnostics": self.diagnostics,
            "summary": self.summary,
        }

    @classmethod
    def from_payload(cls, payload: Any) -> _Output | None:
        """The output a cache entry holds; None when it is not one (then it is rebuilt)."""
        try:
            output = cls(
                dict(payload["files"]),
                tuple(payload["managed"]),
                tuple(payload["ignore"]),
                payload["diagnostics"],
                payload["summary"],
                cached=True,
            )
        except (KeyError, TypeError, ValueError):
            return None
        texts = [*output.files, *output.files.values(), *output.managed, *output.ignore]
        texts += [output.diagnostics, output.summary]
        return output if all(isinstance(t, str) for t in texts) else None


def _store(no_cache: bool, cache_dir: Path) -> Store | None:
    return None if no_cache else Store(cache_dir)


def _draw_svgs(
    out_dir: Path, output: _Output, changed: list[str], required: bool, store: Store | None
) -> list[str]:
    """Draw the SVG of every .dot in ``output`` next to it; return their paths under ``out_dir``.

    SVGs whose .dot is gone are removed. Without Graphviz, ``required`` makes it an error;
    otherwise it prints a one-line note and removes the SVGs of the .dot files in ``changed``
    (written or removed by this build), so no SVG on disk is an older drawing than its .dot.
    An SVG already drawn from the same .dot text by the same Graphviz comes from ``store``.
    """
    # Imported here so the verbs that draw nothing do not load the graphviz package.
    from compiler.render.diagrams import GraphvizMissing, svg_files

    try:
        svgs = svg_files(output.files, store)
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
        for pattern in output.ignore
        for deep in (pattern, pattern.replace("*.svg", "*/*.svg"))
        for p in out_dir.glob(deep)
    }
    _remove(out_dir, on_disk - set(svgs))
    return sorted(svgs)


def _remove(out_dir: Path, paths: set[str]) -> None:
    for path in sorted(paths):
        (out_dir / path).unlink(missing_ok=True)


def _report(result: CompileResult) -> str:
    """Print the diagnostics (exit 1 on an error); return what was printed."""
    from compiler.diagnostics import format_diagnostics

    shown = format_diagnostics(result.diagnostics) if result.diagnostics else ""
    if shown:
        click.echo(shown, nl=False, err=not result.ok)
    if not result.ok:
        sys.exit(1)
    return shown


def _summary(result: CompileResult) -> str:
    assert result.spec is not None
    spec = result.spec
    return (
        f"{spec.root}: {len(spec.files)} files, {len(spec.machines)} machines, "
        f"{len(spec.messages)} messages, {len(spec.scenarios)} scenarios: ok"
    )


def _compiled(spec_dir: Path, store: Store | None) -> _Output:
    """The output of a build: from the cache when its inputs were compiled before, else
    compiled (diagnostics printed, exit 1 on an error) and stored."""
    key = input_key(spec_dir) if store is not None else ""
    if store is not None:
        cached = _Output.from_payload(store.get(key, "build"))
        if cached is not None:
            click.echo(cached.diagnostics, nl=False)
            return cached
    from compiler.pipeline import compile_specs, managed_folders, unchecked_globs

    result = compile_specs(spec_dir, store=store)
    shown = _report(result)
    assert result.spec is not None
    output = _Output(
        result.files,
        managed_folders(result.spec),
        unchecked_globs(result.spec),
        shown,
        _summary(result),
    )
    _keep(store, spec_dir, key, "build", output)
    return output


def _keep(store: Store | None, spec_dir: Path, key: str, kind: str, output: _Output) -> None:
    """Store ``output`` under ``key`` unless an input changed while it was compiled (it would
    be the output of other inputs than the key says)."""
    if store is not None and input_key(spec_dir) == key:
        store.put(key, kind, output.payload())


@click.command()
@_spec_dir
@_no_cache
@_cache_dir
def validate(spec_dir: Path, no_cache: bool, cache_dir: Path) -> None:
    """Check the specs and print every problem found."""
    store = _store(no_cache, cache_dir)
    key = input_key(spec_dir) if store is not None else ""
    if store is not None:
        for kind in ("validate", "build"):
            cached = _Output.from_payload(store.get(key, kind))
            if cached is not None:
                click.echo(cached.diagnostics + cached.summary)
                return
    from compiler.pipeline import compile_specs

    result = compile_specs(spec_dir, render=False, store=store)
    shown = _report(result)
    output = _Output({}, (), (), shown, _summary(result))
    _keep(store, spec_dir, key, "validate", output)
    click.echo(output.summary)


@click.command()
@_spec_dir
@_out_dir
@_no_cache
@_cache_dir
def build(spec_dir: Path, out_dir: Path, no_cache: bool, cache_dir: Path) -> None:
    """Compile the specs and write generated/ (only files that changed)."""
    started = time.perf_counter()
    store = _store(no_cache, cache_dir)
    output = _compiled(spec_dir, store)
    report = write_tree(out_dir, output.files, output.managed, ignore=output.ignore)
    svgs = _draw_svgs(out_dir, output, report.written + report.removed, False, store)
    source = " from the cache" if output.cached else ""
    click.echo(
        f"built {len(output.files)} files{source} into {out_dir}/ ({len(report.written)} "
        f"written, {len(report.removed)} removed, {report.unchanged} unchanged) "
        f"and drew {len(svgs)} SVG diagrams in {time.perf_counter() - started:.2f}s"
    )


@click.command()
@_spec_dir
@_out_dir
@_no_cache
@_cache_dir
def check(spec_dir: Path, out_dir: Path, no_cache: bool, cache_dir: Path) -> None:
    """Exit 1 with a unified diff when generated/ is not what a build would write."""
    output = _compiled(spec_dir, _store(no_cache, cache_dir))
    report = write_tree(out_dir, output.files, output.managed, check=True, ignore=output.ignore)
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
    from compiler.pipeline import compile_specs, unchecked_globs

    result = compile_specs(spec_dir, tests=False)
    _report(result)
    assert result.spec is not None
    prefix = f"diagrams/{result.spec.manifest.spec}/"
    files = {p: t for p, t in result.files.items() if p.startswith(prefix)}
    ignore = unchecked_globs(result.spec)
    report = write_tree(out_dir, files, (prefix.rstrip("/"),), ignore=ignore)
    output = _Output(files, (prefix.rstrip("/"),), ignore, "", "")
    svgs = _draw_svgs(out_dir, output, report.written + report.removed, True, None)
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
