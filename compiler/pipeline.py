"""The one pipeline every CLI verb runs: load → validate → IR → check → render → format."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path

from compiler.checks import check_spec_set
from compiler.diagnostics import Diagnostic, Severity
from compiler.emit import format_python
from compiler.emit.cache import Store
from compiler.frontend.load import load_spec_set
from compiler.frontend.yaml import ParsedCache
from compiler.ir import SpecSet

__all__ = ["CompileResult", "compile_specs", "managed_folders", "unchecked_globs"]


@dataclass
class CompileResult:
    """What the pipeline produced: the IR, every diagnostic, and the rendered files.

    ``files`` is exactly the drift-checked output: the same on every machine, whatever tools
    are installed. The SVG diagrams are not among them; the build verbs draw those afterwards.
    """

    spec: SpecSet | None
    diagnostics: list[Diagnostic]
    files: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not any(d.severity is Severity.ERROR for d in self.diagnostics)


def managed_folders(spec: SpecSet) -> tuple[str, ...]:
    """The folders under generated/ that a build of this spec set owns."""
    name = spec.manifest.spec
    return (name, f"diagrams/{name}", f"tests/{name}", f"regression/{name}")


def unchecked_globs(spec: SpecSet) -> tuple[str, ...]:
    """Globs of files the build draws inside the managed folders but never checks: the SVGs.

    An SVG depends on the installed Graphviz (its version comment and its layout), so it is
    neither committed nor compared, and a build never removes it as "no longer generated".
    """
    return (f"diagrams/{spec.manifest.spec}/*.svg",)


def _render(spec: SpecSet, with_diagrams: bool, with_tests: bool) -> dict[str, str]:
    # Imported here so `validate` does not pay for the renderers.
    from compiler.render.env import header
    from compiler.render.pics_doc import pics_doc_files
    from compiler.render.python_modules import python_files

    name = spec.manifest.spec
    files = {"__init__.py": header(spec.root) + '"""Compiler output of chargespec."""\n'}
    files |= {f"{name}/{p}": t for p, t in python_files(spec, f"generated.{name}").items()}
    files |= {f"{name}/{p}": t for p, t in pics_doc_files(spec).items()}
    if with_diagrams:
        from compiler.render.diagrams import diagram_files

        files |= {f"diagrams/{name}/{p}": t for p, t in diagram_files(spec).items()}
    if with_tests:
        from compiler.frontend.setup_steps import resolve_scenario
        from compiler.render.test_modules import regression_files, test_files
        from compiler.render.wire_modules import wire_coverage_doc, wire_suites

        wire = wire_suites(spec, partial(resolve_scenario, spec.test_states))
        files |= {f"tests/{p}": t for p, t in test_files(spec, wire).items()}
        files[f"{name}/wire-coverage.md"] = wire_coverage_doc(spec, wire)
        files |= {f"regression/{p}": t for p, t in regression_files(spec).items()}
    return format_python(files)


def compile_specs(
    spec_dir: Path,
    *,
    render: bool = True,
    diagrams: bool = True,
    tests: bool = True,
    store: Store | None = None,
) -> CompileResult:
    """Run the pipeline on a spec directory; rendering happens only when there are no errors.

    With ``store`` (the build cache), spec files parsed before are taken from it.
    """
    spec, diagnostics = load_spec_set(spec_dir, ParsedCache(store) if store else None)
    if spec is not None:
        diagnostics += check_spec_set(spec)
    result = CompileResult(spec, diagnostics)
    if spec is not None and result.ok and render:
        result.files = _render(spec, diagrams, tests)
    return result
