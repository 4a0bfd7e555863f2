"""The layer contract of runtime/ and compiler/, checked on the source (a short AST walk).

Runtime layers, each importing only layers below it (DESIGN.md, "Layers"):
``runtime.errors`` < ``runtime.ocppj`` < ``runtime.spec`` < ``runtime.station`` <
``runtime.adapters`` < ``runtime.sim`` | ``runtime.conformance`` | ``runtime.loadtest`` (the
last three are siblings and never import each other). Nothing inside ``runtime`` imports the
public face (``runtime/__init__.py``).

Compiler parts: the base modules (``diagnostics``, ``naming``, ``expressions``, ``emit``) < ``ir``
< ``frontend`` | ``checks`` | ``derive`` < ``render`` < ``pipeline`` < ``cli``. Of the runtime,
the compiler's core (everything but ``cli``) imports only errors, ocppj and spec; only ``cli``
may use ``generated/`` and the runtime above spec, and only when a command runs: importing
``compiler.cli`` loads neither, so ``chargespec build`` works with ``generated/`` missing.

No import cycle anywhere in runtime/ or compiler/: every import counts, including those inside
functions and under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("runtime", "compiler")

# --- the contract, as tables ------------------------------------------------------------------

_RUNTIME_RANK = {
    "runtime.errors": 0,
    "runtime.ocppj": 1,
    "runtime.spec": 2,
    "runtime.station": 3,
    "runtime.adapters": 4,
    "runtime.sim": 5,
    "runtime.conformance": 5,
    "runtime.loadtest": 5,
}
_RUNTIME_CORE = ("runtime.errors", "runtime.ocppj", "runtime.spec")
_COMPILER_BASE = (
    "compiler.diagnostics",
    "compiler.naming",
    "compiler.expressions",
    "compiler.emit",
)
# What each compiler part may import besides itself, the base modules and the runtime core.
_COMPILER_ALLOWED: Mapping[str, tuple[str, ...]] = {
    "base": _COMPILER_BASE,
    "compiler.ir": (),
    "compiler.frontend": ("compiler.ir",),
    "compiler.checks": ("compiler.ir",),
    "compiler.derive": ("compiler.ir",),
    "compiler.render": ("compiler.ir", "compiler.derive"),
    "compiler.pipeline": (
        "compiler.ir",
        "compiler.frontend",
        "compiler.checks",
        "compiler.derive",
        "compiler.render",
    ),
}
# Loaded by `import compiler.cli` only at a user's peril: these need a built generated/ or a
# socket, and the compiler's own verbs must run without them.
_NOT_AT_CLI_IMPORT = (
    "generated",
    "runtime.station",
    "runtime.adapters",
    "runtime.sim",
    "runtime.conformance",
    "runtime.loadtest",
)


# --- reading the imports ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Import:
    """One import statement: the importing module, the module imported, the line. Imports
    inside functions and under ``if TYPE_CHECKING`` count like any other."""

    source: str
    target: str
    line: int


def _module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _resolve(node: ast.ImportFrom, module: str, is_package: bool, known: set[str]) -> Iterator[str]:
    if node.level:
        base = module.split(".") if is_package else module.split(".")[:-1]
        base = base[: len(base) - node.level + 1]
        prefix = ".".join([*base, node.module] if node.module else base)
    else:
        prefix = node.module or ""
    for alias in node.names:
        # `from pkg import sub` imports the module pkg.sub when there is one.
        candidate = f"{prefix}.{alias.name}"
        yield candidate if candidate in known else prefix


def _imports(tree: ast.AST, module: str, is_package: bool, known: set[str]) -> Iterator[Import]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom):
            for target in _resolve(node, module, is_package, known):
                yield Import(module, target, node.lineno)


def read_imports(root: Path) -> list[Import]:
    """Every import of every module under ``root``'s runtime/ and compiler/ that names one of
    our own packages (runtime, compiler, generated)."""
    files = {
        _module_name(root, path): path
        for package in PACKAGES
        for path in sorted((root / package).rglob("*.py"))
    }
    known = set(files)
    found = []
    for module, path in files.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        for item in _imports(tree, module, is_package, known):
            if item.target.split(".")[0] in (*PACKAGES, "generated"):
                found.append(item)
    return found


# --- judging them -----------------------------------------------------------------------------


def _layer(module: str) -> str | None:
    return next((name for name in _RUNTIME_RANK if _within(module, name)), None)


def _within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def _compiler_part(module: str) -> str:
    if any(_within(module, base) for base in _COMPILER_BASE):
        return "base"
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 else module


def _runtime_problem(item: Import) -> str | None:
    if item.target == "runtime":
        return "imports the public face runtime/__init__.py; import from the layer instead"
    source, target = _layer(item.source), _layer(item.target)
    if source is None or target is None:
        return None
    siblings = source != target and _RUNTIME_RANK[source] == _RUNTIME_RANK[target]
    if _RUNTIME_RANK[target] > _RUNTIME_RANK[source] or siblings:
        return f"layer {source} may not import layer {target}"
    return None


def _compiler_problem(item: Import) -> str | None:
    part = _compiler_part(item.source)
    if part == "compiler.cli":
        return None
    if _within(item.target, "generated"):
        return "only compiler.cli may import generated/"
    if _within(item.target, "runtime"):
        core = any(_within(item.target, layer) for layer in _RUNTIME_CORE)
        return None if core else f"the compiler core may import only {', '.join(_RUNTIME_CORE)}"
    allowed = (part, *_COMPILER_BASE, *_COMPILER_ALLOWED.get(part, ()))
    if not any(_within(item.target, name) for name in allowed):
        return f"{part} may not import {item.target}"
    return None


def layer_problems(imports: list[Import]) -> list[str]:
    """Every import that breaks the layer contract, one readable line each."""
    problems = []
    for item in imports:
        if item.target == "runtime" and not _within(item.source, "runtime"):
            continue  # outside runtime/, the public face is the way in
        judge = _runtime_problem if _within(item.source, "runtime") else _compiler_problem
        problem = judge(item)
        if problem is not None:
            problems.append(f"{item.source}:{item.line}: imports {item.target}: {problem}")
    return problems


def import_cycles(imports: list[Import]) -> list[list[str]]:
    """The modules on or between import cycles (empty when there is none), sorted.

    Peels off, round by round, every module that imports nothing left or that nothing left
    imports; only modules in a cycle (or joining two) survive.
    """
    graph: dict[str, set[str]] = {}
    for item in imports:
        graph.setdefault(item.source, set()).add(item.target)
        graph.setdefault(item.target, set())
    left = set(graph)
    for _ in range(len(graph) + 1):
        imported = {t for m in left for t in graph[m] if t in left}
        keep = {m for m in left if m in imported and graph[m] & left}
        if keep == left:
            break
        left = keep
    return [sorted(left)] if left else []


# --- the tests --------------------------------------------------------------------------------


def test_every_import_respects_the_layers() -> None:
    imports = read_imports(ROOT)
    assert len(imports) > 300  # the walk really reads the code
    assert layer_problems(imports) == []


def test_there_is_no_import_cycle_in_runtime_or_compiler() -> None:
    assert import_cycles(read_imports(ROOT)) == []


def _copy_sources(tmp_path: Path) -> Path:
    for package in PACKAGES:
        shutil.copytree(
            ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__")
        )
    return tmp_path


@pytest.mark.parametrize(
    ("path", "added", "expected"),
    [
        (
            "runtime/ocppj/frames.py",
            "from runtime.station.station import Station\n",
            "runtime.ocppj.frames:",
        ),
        ("runtime/sim/sessions.py", "import runtime.conformance.runner\n", "runtime.sim.sessions:"),
        ("runtime/loadtest/link.py", "import runtime.sim.simulator\n", "runtime.loadtest.link:"),
        ("runtime/station/store.py", "from runtime import Station\n", "runtime.station.store:"),
        (
            "compiler/frontend/yaml.py",
            "from compiler.render import env\n",
            "compiler.frontend.yaml:",
        ),
        (
            "compiler/render/env.py",
            "def _later() -> None:\n    from runtime.station.config import ConfigStore\n",
            "compiler.render.env:",
        ),
        (
            "compiler/checks/graph.py",
            "from generated.ocpp16.registry import SPEC\n",
            "compiler.checks.graph:",
        ),
    ],
)
def test_a_forbidden_import_is_reported(
    tmp_path: Path, path: str, added: str, expected: str
) -> None:
    root = _copy_sources(tmp_path)
    target = root / path
    target.write_text(target.read_text(encoding="utf-8") + "\n" + added, encoding="utf-8")
    problems = layer_problems(read_imports(root))
    assert len(problems) == 1 and problems[0].startswith(expected), problems


def test_an_import_cycle_is_reported_even_under_type_checking(tmp_path: Path) -> None:
    root = _copy_sources(tmp_path)
    errors = root / "runtime" / "ocppj" / "errors.py"
    errors.write_text(
        errors.read_text(encoding="utf-8")
        + "\nfrom typing import TYPE_CHECKING\nif TYPE_CHECKING:\n"
        + "    from runtime.ocppj.endpoint import Endpoint\n",
        encoding="utf-8",
    )
    cycles = import_cycles(read_imports(root))
    assert any({"runtime.ocppj.errors", "runtime.ocppj.endpoint"} <= set(c) for c in cycles)


_PROBE = """
import sys
import compiler.cli
loaded = sorted(m for m in sys.modules if m.split(".")[0] in ("generated", "runtime"))
print("\\n".join(loaded))
compiler.cli.main(["build", "--help"])
"""


@pytest.mark.timeout(180)
def test_the_compiler_runs_and_rebuilds_with_generated_removed(tmp_path: Path) -> None:
    # A copy of the project without generated/: the compiler must start, show its help, and
    # rebuild and check its own output (a broken generated/ must never stop `build`).
    for name in (*PACKAGES, "specs"):
        shutil.copytree(ROOT / name, tmp_path / name, ignore=shutil.ignore_patterns("__pycache__"))
    env = {**os.environ, "PYTHONPATH": str(tmp_path)}

    def run(*code: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", *code],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=150,
            check=False,
        )

    probe = run(_PROBE)
    assert probe.returncode == 0, probe.stderr
    loaded = probe.stdout.split("Usage:")[0].split()
    assert loaded, probe.stdout
    assert not [m for m in loaded if any(_within(m, p) for p in _NOT_AT_CLI_IMPORT)]
    assert "build [OPTIONS] [SPEC_DIR]" in probe.stdout
    build = run("import compiler.cli; compiler.cli.main(['build'])")
    assert build.returncode == 0, build.stdout + build.stderr
    assert (tmp_path / "generated" / "ocpp16" / "registry.py").is_file()
    check = run("import compiler.cli; compiler.cli.main(['check'])")
    assert check.returncode == 0 and "up to date" in check.stdout, check.stdout + check.stderr
