"""Which tests apply to a device: the rule that compares a test's PICS conditions with the
PICS a device declares.

Every generated test declares its PICS conditions, the value each item it depends on must have:

- a scenario: each ``requires`` item needs true (``not Item``: false), and each ``setup.pics``
  item needs the value the scenario sets;
- a model-test variant: each PICS value the variant fixes.

A test applies to a device iff the device's PICS agree with every one of its conditions (a
boolean condition with the item's truth, any other with its value). The reason an inapplicable
test gives names the first item that disagrees, the device's value and the value the test
needs. The compiler computes the conditions it writes into the generated tests with the same
functions the test system selects them with.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from runtime.spec.registry import SpecRegistry

__all__ = ["full_pics", "inapplicable_reason", "scenario_conditions"]


def full_pics(registry: SpecRegistry) -> dict[str, Any]:
    """A PICS that declares every boolean item supported (the default for the suite)."""
    return {p.name: True if p.kind == "boolean" else p.default for p in registry.pics_items}


def scenario_conditions(
    requires: Sequence[str], setup_pics: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A scenario's PICS conditions, in order: its ``requires`` items (``Item`` needs true,
    ``not Item`` false), then the items its ``setup.pics`` sets."""
    conditions: dict[str, Any] = {}
    for item in requires:
        name = item.removeprefix("not ")
        conditions[name] = name == item
    for name, value in (setup_pics or {}).items():
        conditions.setdefault(name, value)
    return conditions


def _shown(value: Any) -> str:
    """A PICS value as it is written in a PICS file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return "not declared" if value is None else str(value)


def _agrees(needed: Any, declared: Any) -> bool:
    if isinstance(needed, bool):
        return bool(declared) == needed
    return bool(declared == needed)


def inapplicable_reason(conditions: Mapping[str, Any], pics: Mapping[str, Any]) -> str | None:
    """Why a test with these conditions does not apply to a device with these PICS values,
    naming the first item that disagrees; None when it applies."""
    for name, needed in conditions.items():
        declared = pics.get(name)
        if not _agrees(needed, declared):
            return (
                f"not applicable: PICS {name} = {_shown(declared)} "
                f"(the test needs {_shown(needed)})"
            )
    return None
