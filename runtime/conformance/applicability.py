"""Which tests apply to a device: PICS selection of the generated tests.

Every generated test declares its PICS conditions, the value each item it depends on must have
(``pytest.mark.pics(Item=value, ...)`` in the generated modules):

- a scenario: each ``requires`` item needs true (``not Item``: false), and each ``setup.pics``
  item needs the value the scenario sets;
- a model-test variant: each PICS value the variant fixes.

A test applies to a device iff the device's PICS agree with every one of its conditions; an
inapplicable test is skipped, and the reason names the item, the device's value and the value
the test needs.

The device's PICS come from the file named by the environment variable ``CHARGESPEC_PICS``
(``chargespec test --pics FILE`` sets it). Without it the suite runs against our own runtime
with every boolean item supported and a scenario's ``setup.pics`` laid over that, so both
hardware variants (fixed cable or not, backup power or not) are exercised; then only
``requires`` can make a scenario inapplicable.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from runtime.registry import SpecRegistry
from runtime.testing import full_pics

__all__ = [
    "PICS_ENV",
    "device_pics",
    "inapplicable_reason",
    "load_device_pics",
    "marker_conditions",
    "pics_file_problems",
    "scenario_conditions",
    "scenario_run_pics",
]

PICS_ENV = "CHARGESPEC_PICS"

# One load per (file, registry) and process: the generated tests ask for every test.
_loaded: dict[tuple[str, int], dict[str, Any]] = {}


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


def marker_conditions(marks: Iterable[Any]) -> dict[str, Any]:
    """The conditions of a collected test: the keyword arguments of its ``pics`` marks
    (pytest's ``item.iter_markers("pics")``, closest first, so the closest one wins)."""
    conditions: dict[str, Any] = {}
    for mark in marks:
        for name, value in mark.kwargs.items():
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


def load_device_pics(path: Path, registry: SpecRegistry) -> dict[str, Any]:
    """A device's PICS file, every item's value with defaults filled in.

    Raises:
        PicsFileError: the file is missing, malformed or declares a bad value; ``problems``
            holds one ``file:line:col: error[...]`` line each.
    """
    # Imported here: a run without a PICS file does not need the loader.
    from runtime.pics_file import load_pics_file

    key = (str(path), id(registry))
    if key not in _loaded:
        _loaded[key] = dict(load_pics_file(path, registry.pics_items))
    return _loaded[key]


def pics_file_problems(path: Path, registry: SpecRegistry) -> list[str]:
    """What is wrong with a PICS file, one ``file:line:col: error[...]`` line each; empty
    when the file is good."""
    from runtime.pics_file import PicsFileError

    try:
        load_device_pics(path, registry)
    except PicsFileError as exc:
        return list(exc.problems)
    return []


def device_pics(registry: SpecRegistry) -> dict[str, Any] | None:
    """The PICS of the device under test from the file ``CHARGESPEC_PICS`` names, or None
    when the variable is unset or empty (the suite then runs with its own full PICS)."""
    path = os.environ.get(PICS_ENV, "")
    return load_device_pics(Path(path), registry) if path else None


def scenario_run_pics(
    registry: SpecRegistry, requires: Sequence[str], setup_pics: Mapping[str, Any]
) -> tuple[dict[str, Any], str | None]:
    """The PICS the in-process station runs a scenario with, and why the scenario does not
    apply (None when it does).

    With a device PICS the scenario's setup.pics are conditions and the station runs with the
    device's values; without one they are laid over the full PICS and only ``requires`` is
    checked.
    """
    device = device_pics(registry)
    if device is None:
        pics = {**full_pics(registry), **setup_pics}
        return pics, inapplicable_reason(scenario_conditions(requires), pics)
    return dict(device), inapplicable_reason(scenario_conditions(requires, setup_pics), device)
