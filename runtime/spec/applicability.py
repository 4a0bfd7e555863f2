"""Which tests apply to a device: the rule that compares a test's PICS conditions with the
PICS a device declares.

Every generated test declares its PICS conditions, the value each item it depends on must have:

- a scenario: each ``requires`` item needs true (``not Item``: false; ``Item = a | b``: one of
  those values, for an enum item), and each ``setup.pics`` item needs the value the scenario
  sets;
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

from runtime.spec.pics import PicsItemSpec, implemented_pics
from runtime.spec.registry import SpecRegistry

__all__ = ["full_pics", "inapplicable_reason", "requirement", "scenario_conditions"]


def full_pics(registry: SpecRegistry) -> dict[str, Any]:
    """A PICS that declares every boolean item supported (the default for the suite), and
    every value of a list item (e.g. both charging rate units), but of the feature profiles
    only those the spec set implements (that have machines): the in-process Charge Point has
    no others, so a case that needs one does not apply to it."""
    values = {p.name: _fullest(p) for p in registry.pics_items}
    return implemented_pics(registry.pics_items, values, registry.implemented_profiles)


def _fullest(item: PicsItemSpec) -> Any:
    if item.kind == "boolean":
        return True
    if item.kind == "list" and not item.default:
        return item.values
    return item.default


def requirement(text: str) -> tuple[str, bool | tuple[str, ...]]:
    """A ``requires`` entry as (item, what it needs): ``Item`` true, ``not Item`` false,
    ``Item = a | b`` one of the values a, b (an enum item, e.g. the OCTT's "is not read-only
    false" for StopTransactionOnEVSideDisconnect: ``= always | configurable``)."""
    name, equals, values = text.partition("=")
    if equals:
        return name.strip(), tuple(v.strip() for v in values.split("|"))
    return text.removeprefix("not "), not text.startswith("not ")


def scenario_conditions(
    requires: Sequence[str], setup_pics: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """A scenario's PICS conditions, in order: its ``requires`` items (see
    :func:`requirement`), then the items its ``setup.pics`` sets."""
    conditions: dict[str, Any] = {}
    for item in requires:
        name, needed = requirement(item)
        conditions[name] = needed
    for name, value in (setup_pics or {}).items():
        conditions.setdefault(name, value)
    return conditions


def _shown(value: Any) -> str:
    """A PICS value as it is written in a PICS file."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, tuple):
        return " or ".join(value)
    return "not declared" if value is None else str(value)


def _agrees(needed: Any, declared: Any) -> bool:
    if isinstance(needed, bool):
        return bool(declared) == needed
    if isinstance(needed, tuple) and not isinstance(declared, tuple):
        return declared in needed  # ``Item = a | b``; a list item compares equal below
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
