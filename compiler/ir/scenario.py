"""IR nodes of a certification-style test case (scenarios/<profile>.yaml) and of the demo
session (demo.yaml), which is written in the same language."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Pos

__all__ = ["DEMO_SETUP_KEYS", "SCENARIO_SETUP_KEYS", "Scenario", "ScenarioStep", "StateSelection"]

# The setup keys the test system itself reads; every other key selects test states.
SCENARIO_SETUP_KEYS = ("config", "connectors", "pics", "values")
# The demo runs a simulated station over a socket: only its number of connectors is set.
DEMO_SETUP_KEYS = ("connectors",)


@dataclass(frozen=True, slots=True)
class ScenarioStep:
    """One step of a scenario or a test state; ``kind`` names which of the fields matter.

    ``items`` holds the expected CALLs of an ``any_order`` step (each an ``expect`` step);
    ``unchecked`` marks a ``send`` whose payload the test system does not validate;
    ``answer_others`` an ``expect``/``any_order`` that answers and skips other CALLs.
    ``for_each_connector`` (the first connector id, 0 or 1) marks a step written once for
    every connector; the steps a scenario plays have it unrolled, each copy naming its
    ``connector``. ``state`` names the test state a setup step comes from. ``positions``
    holds where each node under the step is written, by its path from the step (a mapping
    entry's key, a list item's value), so a check can point at the field it means.
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
    answer_others: bool = False
    for_each_connector: int | None = None
    state: str = ""
    connector: int | None = None
    positions: dict[tuple[str | int, ...], Pos] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class StateSelection:
    """A ``setup`` entry that selects reusable test states (test_states.yaml).

    Attributes:
        key: the setup key, e.g. ``boot`` or ``charging``.
        value: what the scenario wrote: a value (``accepted``) or a mapping of parameters.
        pos: where the value is.
        key_pos: where the key is.
        argument_pos: where each parameter name of a mapping value is.
    """

    key: str
    value: Any
    pos: Pos
    key_pos: Pos
    argument_pos: dict[str, Pos] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A certification-style test case (or the demo session).

    ``setup`` is the scenario's setup as written; ``selections`` are its entries that select
    test states, and ``setup_steps`` what those states expand to (parameters substituted),
    played before ``steps``; ``teardown`` is played after them, whatever the outcome.
    """

    id: str
    title: str
    refs: tuple[str, ...]
    description: str
    requires: tuple[str, ...]
    setup: dict[str, Any]
    steps: tuple[ScenarioStep, ...]
    source_file: str
    pos: Pos
    selections: tuple[StateSelection, ...] = ()
    setup_steps: tuple[ScenarioStep, ...] = ()
    teardown: tuple[ScenarioStep, ...] = ()
