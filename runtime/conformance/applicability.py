"""Which tests apply to a device: the pytest side of PICS selection.

Every generated test carries its PICS conditions as a mark,
``pytest.mark.pics(Item=value, ...)``; the rule that decides whether they apply to a device is
:mod:`runtime.spec.applicability`. An inapplicable test is skipped with that rule's reason.

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

from runtime.spec.applicability import full_pics, inapplicable_reason, scenario_conditions
from runtime.spec.registry import SpecRegistry

__all__ = [
    "PICS_ENV",
    "device_pics",
    "load_device_pics",
    "marker_conditions",
    "pics_file_problems",
    "pics_placeholders",
    "scenario_run_pics",
]

PICS_ENV = "CHARGESPEC_PICS"

# One load per (file, registry) and process: the generated tests ask for every test.
_loaded: dict[tuple[str, int], dict[str, Any]] = {}


def marker_conditions(marks: Iterable[Any]) -> dict[str, Any]:
    """The conditions of a collected test: the keyword arguments of its ``pics`` marks
    (pytest's ``item.iter_markers("pics")``, closest first, so the closest one wins)."""
    conditions: dict[str, Any] = {}
    for mark in marks:
        for name, value in mark.kwargs.items():
            conditions.setdefault(name, value)
    return conditions


def load_device_pics(path: Path, registry: SpecRegistry) -> dict[str, Any]:
    """A device's PICS file, every item's value with defaults filled in.

    Raises:
        PicsFileError: the file is missing, malformed or declares a bad value; ``problems``
            holds one ``file:line:col: error[...]`` line each.
    """
    # Imported here: a run without a PICS file does not need the loader.
    from runtime.conformance.pics_file import load_pics_file

    key = (str(path), id(registry))
    if key not in _loaded:
        _loaded[key] = dict(load_pics_file(path, registry.pics_items))
    return _loaded[key]


def pics_file_problems(path: Path, registry: SpecRegistry) -> list[str]:
    """What is wrong with a PICS file, one ``file:line:col: error[...]`` line each; empty
    when the file is good."""
    from runtime.conformance.pics_file import PicsFileError

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


def pics_placeholders(pics: Mapping[str, Any]) -> dict[str, str]:
    """What ``$pics.<Item>``, ``$over.<Item>`` and ``$under.<Item>`` stand for in a case run
    against a device with these PICS values: each integer item's value, one more and one
    less, as strings (a ChangeConfiguration value is a string, OCPP 1.6 §6.9). A scenario
    that uses one ``requires`` the item, so it is declared whenever the case runs."""
    values: dict[str, str] = {}
    for name, value in pics.items():
        if isinstance(value, int) and not isinstance(value, bool):
            values[f"pics.{name}"] = str(value)
            values[f"over.{name}"] = str(value + 1)
            values[f"under.{name}"] = str(value - 1)
    return values
