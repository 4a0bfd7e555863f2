"""Files a test leaves for a person to look at (screenshots), named at the end of the run by
the terminal summary of tests/conftest.py."""

from __future__ import annotations

from pathlib import Path

__all__ = ["ARTIFACTS", "keep"]

ARTIFACTS: list[tuple[str, Path]] = []


def keep(label: str, path: Path) -> Path:
    """Name ``path`` in the run's summary under ``label``; returns it."""
    ARTIFACTS.append((label, path.resolve()))
    return path
