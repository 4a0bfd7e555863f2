"""Render the generated pytest modules: the conformance tests (scenario tests per scenario
file, under generated/tests/) and the compiler regression tests of the machines (internal-state
model tests per machine, under generated/regression/)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from compiler.derive.paths import Variant, derive_cases, witness_pics
from compiler.derive.semantics import initial_context
from compiler.derive.wire import WireSuite
from compiler.diagnostics import Pos
from compiler.ir import (
    Machine,
    Scenario,
    SpecSet,
)
from compiler.naming import class_name, snake
from compiler.render.env import header, py_literal, render_template
from compiler.render.parallel import run_all
from compiler.render.scenario_data import scenario_data, setup_pics
from runtime.spec.applicability import scenario_conditions

__all__ = ["regression_files", "test_files"]


def _pics_args(conditions: dict[str, Any]) -> str:
    """PICS conditions as the keyword arguments of a ``pytest.mark.pics`` mark."""
    return ", ".join(f"{name}={py_literal(value)}" for name, value in conditions.items())


def _scenario_module(spec: SpecSet, source: str, scenarios: list[Scenario]) -> str:
    views = [
        {
            "id": sc.id,
            "ident": snake(sc.id),
            "title": sc.title,
            "refs": ", ".join(sc.refs),
            "at": f"{sc.pos.file}:{sc.pos.line}",
            "data": scenario_data(spec, sc),
            "pics_args": _pics_args(scenario_conditions(sc.requires, setup_pics(spec, sc))),
        }
        for sc in scenarios
    ]
    return render_template(
        "test_scenarios.py.j2",
        header=header(source),
        source=source,
        package=spec.manifest.spec,
        scenarios=views,
    )


def _label(machine: Machine, key: str) -> str:
    t = next(t for t in machine.transitions if t.key == key)
    arrow = f"--{t.event}-->" + (f" {t.target}" if t.target else " (internal)")
    return f"{t.id} {t.source} {arrow} ({t.pos.file}:{t.pos.line})"


def _variant_view(variant: Variant) -> dict[str, Any]:
    return {
        "config": variant.config,
        "pics": variant.pics,
        "queries": variant.queries,
        "pics_args": _pics_args(variant.pics),
    }


def _model_module(spec: SpecSet, machine: Machine) -> str:
    cases = derive_cases(spec, machine)

    def at(name: str) -> Pos:
        return machine.state(name).pos

    def entries(kind: str) -> list[tuple[str, Any, dict[str, Any], str]]:
        """Each witness of each case of a kind: (key, witness, PICS it needs, id suffix).
        A case with witnesses under several PICS values names them in its ids."""
        out = []
        for key, first in sorted(getattr(cases, kind).items()):
            witnesses = [first, *cases.more.get((kind, key), [])]
            for witness in witnesses:
                needs = witness_pics(machine, cases, kind, witness)
                shown = ", ".join(f"{k}={v}" for k, v in needs.items())
                suffix = f" [{shown}]" if len(witnesses) > 1 else ""
                out.append((key, witness, needs, suffix))
        return out

    reach = [
        {
            "variant": v,
            "path": p,
            "state": s,
            "pics": _pics_args(needs),
            "id": f"{s} ({at(s).file}:{at(s).line}){suffix}",
        }
        for s, (v, p), needs, suffix in entries("states")
    ]
    fire = [
        {
            "variant": v,
            "path": p,
            "step": st,
            "target": tgt,
            "effects": eff,
            "pics": _pics_args(needs),
            "id": _label(machine, key) + suffix,
        }
        for key, (v, p, st, tgt, eff), needs, suffix in entries("transitions")
    ]
    guards = [
        {
            "variant": v,
            "path": p,
            "step": st,
            "outcome": None if fired is None else out,
            "pics": _pics_args(needs),
            "id": f"not {_label(machine, key)}{suffix}",
        }
        for key, (v, p, st, fired, out), needs, suffix in entries("guard_false")
    ]
    rejections = [
        {
            "variant": v,
            "path": p,
            "state": s,
            "event": e,
            "pics": _pics_args(needs),
            "id": f"{s} rejects {e} ({at(s).file}:{at(s).line}){suffix}",
        }
        for s, (v, p, e), needs, suffix in entries("rejections")
    ]
    params = {
        k: v
        for k, v in initial_context(machine).items()
        if any(c.name == k and c.param for c in machine.context)
    }
    return render_template(
        "test_model.py.j2",
        header=header(machine.source_file),
        m=machine,
        package=spec.manifest.spec,
        class_name=f"{class_name(machine.name)}Machine",
        params=params,
        variants=[_variant_view(v) for v in cases.variants],
        reach=reach,
        fire=fire,
        guards=guards,
        rejections=rejections,
    )


def _support_files(spec: SpecSet, doc: str, coverage: bool) -> dict[str, str]:
    """The package files and the conftest (it registers the ``pics``/``case`` marks and, for
    the conformance tests, records the transition coverage) of one generated test folder."""
    name = spec.manifest.spec
    init = header(spec.root) + f'"""{doc}"""\n'
    conftest = render_template(
        "conftest.py.j2", header=header(spec.root), package=name, coverage=coverage
    )
    return {"__init__.py": init, "conftest.py": conftest, f"{name}/__init__.py": init}


def test_files(spec: SpecSet, wire: Sequence[WireSuite] = ()) -> dict[str, str]:
    """Relative path under generated/tests → text: the conformance tests only (what
    ``chargespec test`` runs against a device)."""
    name = spec.manifest.spec
    files = _support_files(spec, "Generated conformance tests.", coverage=True)
    by_source: dict[str, list[Scenario]] = defaultdict(list)
    for sc in spec.scenarios:
        by_source[sc.source_file].append(sc)
    for source, scenarios in sorted(by_source.items()):
        stem = source.rsplit("/", 1)[-1].removesuffix(".yaml")
        files[f"{name}/test_{stem}.py"] = _scenario_module(spec, source, scenarios)
    for suite in wire:
        if suite.cases:
            path = f"{name}/test_wire_{suite.machine.module}.py"
            scenarios = [case.scenario for case in suite.cases]
            files[path] = _scenario_module(spec, suite.machine.source_file, scenarios)
    return files


def regression_files(spec: SpecSet) -> dict[str, str]:
    """Relative path under generated/regression → text: the model tests of every machine,
    which check the generated machine classes against the compiler's own interpreter of the
    spec. They are compiler regression tests, not conformance tests: they read internal
    states, which no device shows on the wire."""
    name = spec.manifest.spec
    files = _support_files(
        spec, "Generated compiler regression tests of the machines.", coverage=False
    )
    # The search behind each module is most of a build's time; machines run side by side.
    texts = run_all(lambda index: _model_module(spec, spec.machines[index]), len(spec.machines))
    for machine, text in zip(spec.machines, texts, strict=True):
        files[f"{name}/test_model_{machine.module}.py"] = text
    return files
