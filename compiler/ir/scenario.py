"""IR nodes of a certification-style test case (scenarios/<profile>.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Pos

__all__ = ["Scenario", "ScenarioStep"]


@dataclass(frozen=True, slots=True)
class ScenarioStep:
    """One step of a scenario; ``kind`` names which of the fields matter.

    ``items`` holds the expected CALLs of an ``any_order`` step (each an ``expect`` step);
    ``unchecked`` marks a ``send`` whose payload the test system does not validate.
    """

    kind: str
    name: str
    payload: dict[str, Any]
    reply: dict[str, Any] | None
    seconds: float | None
    comment: str
    pos: Pos
    items: tuple[ScenarioStep, ...] = ()
    unchecked: bool = False


@dataclass(frozen=True, slots=True)
class Scenario:
    """A certification-style test case."""

    id: str
    title: str
    refs: tuple[str, ...]
    description: str
    requires: tuple[str, ...]
    setup: dict[str, Any]
    steps: tuple[ScenarioStep, ...]
    source_file: str
    pos: Pos
