"""Semantic checks: what a JSON Schema cannot say about a spec set."""

from __future__ import annotations

from compiler.checks.captures import check_captures
from compiler.checks.data import check_data
from compiler.checks.graph import check_graph
from compiler.checks.pics import check_pics
from compiler.checks.references import check_references
from compiler.checks.scenarios import check_scenarios
from compiler.checks.test_states import check_test_states
from compiler.diagnostics import Diagnostic
from compiler.ir import SpecSet

__all__ = ["check_spec_set"]


def check_spec_set(spec: SpecSet) -> list[Diagnostic]:
    """Run every check over the whole spec set and return all diagnostics found."""
    found = check_data(spec)
    found += check_pics(spec)
    for machine in spec.machines:
        found += check_graph(machine)
        found += check_references(spec, machine)
    found += check_scenarios(spec)
    found += check_captures(spec)
    found += check_test_states(spec)
    return found
