"""Render the wire-level tests derived from the machines (generated/tests/<spec>/
test_wire_<machine>.py, played like the hand-written scenarios) and the report of the
transitions left without one (generated/<spec>/wire-coverage.md)."""

from __future__ import annotations

from compiler.derive.wire import Resolve, WireSuite, derive_wire
from compiler.ir import SpecSet
from compiler.render.env import header, render_template

__all__ = ["wire_coverage_doc", "wire_suites"]


def wire_suites(spec: SpecSet, resolve: Resolve) -> list[WireSuite]:
    """The wire tests and the gaps of every machine, in spec order (see
    :func:`compiler.derive.wire.derive_wire` for ``resolve``)."""
    return [derive_wire(spec, machine, resolve) for machine in spec.machines]


def wire_coverage_doc(spec: SpecSet, suites: list[WireSuite]) -> str:
    """The count of wire tests and transitions covered, and every transition without a wire
    test with the reason."""
    return render_template(
        "wire_coverage.md.j2",
        header="<!--\n" + header(f"{spec.root}/machines", comment="") + "-->\n",
        title=spec.manifest.title,
        package=spec.manifest.spec,
        suites=suites,
        cases=sum(len(s.cases) for s in suites),
        driven=sum(len({c.transition.key for c in s.cases}) for s in suites),
        total=sum(len(s.machine.transitions) for s in suites),
    )
