"""What the PICS says about a station's configuration keys (OCPP 1.6 §3.3, chapter 9).

Theory of operation: the spec set declares every configuration key with its feature profile
and, for a key tied to an optional feature, the PICS item of that feature. A Charge Point has
the keys of the profiles its PICS declares (§9: each profile's keys are listed under it; a
Core-only Charge Point has no ReserveConnectorZeroSupported) and, of those, the optional keys
whose feature its PICS declares. What the PICS states about the device is the start value of
its keys: an item with ``sets: <Key>`` gives that key's value (typically a read-only limit
such as LocalAuthListMaxLength), and the profile items, which set SupportedFeatureProfiles,
make it list the profiles the PICS declares (§9.1.29; the key's tokens are the item names).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from runtime.config import ConfigKeySpec
from runtime.pics import PicsValues

__all__ = ["pics_config_values", "supported_keys"]


def _declared(pics: PicsValues, item: str) -> bool:
    """Whether a boolean PICS item holds; a name that is no boolean PICS item gates nothing
    (e.g. the security extension's keys, whose profile is not in the PICS form's list)."""
    spec = pics.specs.get(item)
    return spec is None or spec.kind != "boolean" or pics.get_bool(item)


def supported_keys(keys: Iterable[ConfigKeySpec], pics: PicsValues) -> tuple[ConfigKeySpec, ...]:
    """The keys a Charge Point with this PICS has: those of a profile it declares and, for a
    key tied to an optional feature (``pics:``), only when it declares the feature."""
    return tuple(
        key
        for key in keys
        if _declared(pics, key.profile) and (key.pics is None or _declared(pics, key.pics))
    )


def pics_config_values(keys: Iterable[ConfigKeySpec], pics: PicsValues) -> dict[str, Any]:
    """The start values the PICS gives the keys in ``keys`` (items with ``sets: <Key>``).

    An item the PICS leaves unset (None) gives nothing. A boolean item that sets a
    comma-separated list key names itself in the list when true (the profile items give
    SupportedFeatureProfiles, §9.1.29), in the order of the key's declared ``values``;
    any other item gives its value as it is (LocalAuthListMaxLength from its PICS limit).
    """
    present = {key.name: key for key in keys}
    values: dict[str, Any] = {}
    listed: dict[str, list[str]] = {}
    for item in pics.specs.values():
        key = present.get(item.sets) if item.sets is not None else None
        if key is None:
            continue
        value = pics.get(item.name)
        if key.kind == "csl" and item.kind == "boolean":
            names = listed.setdefault(key.name, [])
            if value:
                names.append(item.name)
        elif value is not None:
            values[key.name] = value
    for name, items in listed.items():
        order = {value: index for index, value in enumerate(present[name].values)}
        values[name] = sorted(items, key=lambda item: order.get(item, len(order)))
    return values
