"""Render the generated pytest modules (scenario tests and model-derived tests)."""

from __future__ import annotations

from compiler.ir.model import SpecSet

__all__ = ["test_files"]


def test_files(spec: SpecSet) -> dict[str, str]:
    """Relative path under generated/tests → text (filled in by the test renderers)."""
    return {}
