"""Names the files tests left to look at (tests/artifacts.py) at the end of the run."""

from __future__ import annotations

import pytest

from tests.artifacts import ARTIFACTS


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """One line per kept file: what it shows and where it is."""
    for label, path in ARTIFACTS:
        terminalreporter.write_line(f"{label}: {path}")
