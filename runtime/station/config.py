"""The configuration of one Charge Point: its keys, their values, and what its PICS gives them.

:class:`ConfigStore` holds the current values of the keys a spec set declares
(:class:`~runtime.spec.config_keys.ConfigKeySpec`) and enforces their types and limits
(:func:`~runtime.spec.config_keys.coerce_value`). Keys are CiString50: looked up
case-insensitively, always reported in the declared spelling (OCPP 1.6 §5.3, §7.29, chapter 9).

Which keys a Charge Point has, and their start values, follow from its PICS
(:func:`supported_keys`, :func:`pics_config_values`): the spec set declares every key with its
feature profile and, for a key tied to an optional feature, the PICS item of that feature.
A Charge Point has
the keys of the profiles its PICS declares (§9: each profile's keys are listed under it; a
Core-only Charge Point has no ReserveConnectorZeroSupported) and, of those, the optional keys
whose feature its PICS declares. What the PICS states about the device is the start value of
its keys: an item with ``sets: <Key>`` gives that key's value (typically a read-only limit
such as LocalAuthListMaxLength), and the profile items, which set SupportedFeatureProfiles,
make it list the profiles the PICS declares (§9.1.29; the key's tokens are the item names).

The PICS also narrows keys (:func:`shaped_keys`): a declared supported range bounds an integer
key (``pics_range``), and some answers pin a key read-only at a value (``pinned_by_pics``: a
fixed cable makes UnlockConnectorOnEVSideDisconnect false, errata E3.84; "always" / "never"
stopping on an EV-side unplug makes StopTransactionOnEVSideDisconnect true / false, errata
E3.80). A csl key ``supplied_by: meter`` takes only items the store's ``supplies`` list for
the meter (§3.16.4: a measurand the Charge Point cannot supply is Rejected, nothing changed).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from runtime.spec.config_keys import ConfigError, ConfigKeySpec, coerce_value, wire_text
from runtime.spec.pics import PicsValues

__all__ = ["ConfigStore", "pics_config_values", "pinned_values", "shaped_keys", "supported_keys"]


@dataclass(slots=True)
class _Index:
    """The keys by name, their lower-case names, and their checked default values."""

    specs: dict[str, ConfigKeySpec]
    names: dict[str, str]
    defaults: dict[str, Any] | None = None


SuppliesKey = tuple[tuple[str, frozenset[str]], ...]


def _frozen_supplies(supplies: Mapping[str, frozenset[str]]) -> SuppliesKey:
    return tuple(sorted((part, frozenset(items)) for part, items in supplies.items()))


@functools.lru_cache(maxsize=64)
def _index(specs: tuple[ConfigKeySpec, ...], supplies: SuppliesKey) -> _Index:
    # Keyed by the keys' values (frozen dataclasses), so stations whose PICS shapes the keys
    # the same way share one index; the defaults depend on the supplies too (csl checks).
    del supplies
    by_name = {s.name: s for s in specs}
    return _Index(by_name, {name.lower(): name for name in by_name})


class ConfigStore:
    """Current configuration values of one Charge Point.

    Defaults come first, then ``overrides``; in each, the other keys are set before csl keys,
    so a list is checked against the length its ``<Key>MaxLength`` companion allows.
    ``supplies`` names, per part of the Charge Point (``meter``), the items a csl key
    ``supplied_by`` it may hold; a part it does not name bounds nothing.
    """

    def __init__(
        self,
        specs: Iterable[ConfigKeySpec],
        overrides: Mapping[str, Any] | None = None,
        supplies: Mapping[str, frozenset[str]] | None = None,
    ) -> None:
        self.supplies = dict(supplies or {})
        index = _index(tuple(specs), _frozen_supplies(self.supplies))
        # Shared by every store of the same keys (a fleet's stations); never mutated.
        self.specs: Mapping[str, ConfigKeySpec] = index.specs
        self._names = index.names
        self._values: dict[str, Any] = {}
        if index.defaults is None:
            self._set_all({s.name: s.default for s in self.specs.values() if s.default is not None})
            index.defaults = dict(self._values)
        else:
            self._values = dict(index.defaults)
        self._set_all(overrides or {})

    def _set_all(self, values: Mapping[str, Any]) -> None:
        ordered = sorted(values.items(), key=lambda item: self.spec(item[0]).kind == "csl")
        for key, value in ordered:
            self.set(key, value)

    def spec(self, key: str) -> ConfigKeySpec:
        """The declared key; the name is compared case-insensitively (CiString50, §7.29)."""
        name = self._names.get(key.lower())
        if name is None:
            raise ConfigError(f"unknown configuration key {key!r}")
        return self.specs[name]

    def is_known(self, key: str) -> bool:
        """Whether the key is declared (otherwise GetConfiguration lists it as unknownKey)."""
        return key.lower() in self._names

    def is_read_only(self, key: str) -> bool:
        """Whether the Central System may only read the key. Raises ConfigError if unknown."""
        return self.spec(key).read_only

    def max_items(self, key: str) -> int | None:
        """How many items a csl key may hold now; None when nothing bounds it.

        The companion ``<Key>MaxLength`` gives the limit; when it is unknown or unset, 1
        (OCPP 1.6 §5.3).
        """
        spec = self.spec(key)
        if spec.kind != "csl" or spec.max_items_key is None:
            return None
        if not self.is_known(spec.max_items_key):
            return 1
        limit = self.get(spec.max_items_key)
        return limit if isinstance(limit, int) and not isinstance(limit, bool) else 1

    def set(self, key: str, value: Any) -> None:
        """Store a value after checking it against the key's type and limits.

        Access is not checked: the Charge Point may set its read-only keys.

        Raises:
            ConfigError: if the key is unknown or cannot take the value; the old value stays.
        """
        self._values[self.spec(key).name] = self.check(key, value)

    def check(self, key: str, value: Any) -> Any:
        """The typed value ``set`` would store, without storing it.

        What ChangeConfiguration needs before it answers (OCPP 1.6 §5.3): a ConfigError means
        Rejected (or NotSupported for an unknown key, see :meth:`is_known`).

        Raises:
            ConfigError: if the key is unknown or cannot take the value.
        """
        spec = self.spec(key)
        typed = coerce_value(spec, value, self.max_items(spec.name))
        supplied = self.supplies.get(spec.supplied_by or "")
        if supplied is not None and isinstance(typed, list):
            missing = [item for item in typed if item not in supplied]
            if missing:
                # §3.16.4: one measurand the Charge Point does not support rejects the list.
                raise ConfigError(f"{spec.name}: the {spec.supplied_by} cannot supply {missing[0]}")
        return typed

    def nearest(self, key: str, value: Any) -> int | None:
        """For an integer key and an integer ``value`` outside its range, the nearest bound;
        None otherwise (nothing to bring into range)."""
        spec = self.spec(key)
        if spec.kind != "integer" or isinstance(value, bool):
            return None
        try:
            number = int(str(value).strip())
        except ValueError:
            return None
        if spec.minimum is not None and number < spec.minimum:
            return spec.minimum
        if spec.maximum is not None and number > spec.maximum:
            return spec.maximum
        return None

    def get(self, key: str) -> Any:
        """The typed value (a copy for a list), or None when the key has no value."""
        value = self._values.get(self.spec(key).name)
        return list(value) if isinstance(value, list) else value

    def get_int(self, key: str) -> int:
        value = self.get(key)
        return int(value) if value is not None else 0

    def get_bool(self, key: str) -> bool:
        return bool(self.get(key))

    def get_str(self, key: str) -> str:
        """The value in its wire form ('' when unset)."""
        return self.wire_value(key)

    def wire_value(self, key: str) -> str:
        """The value as GetConfiguration shows it; '' when the key has no value.

        Integers in decimal, booleans "true"/"false", csl items joined by "," without blanks.
        """
        spec = self.spec(key)
        value = self._values.get(spec.name)
        return "" if value is None else wire_text(spec, value)

    def snapshot(self) -> dict[str, Any]:
        """All values, for persistence and display."""
        return {k: list(v) if isinstance(v, list) else v for k, v in sorted(self._values.items())}


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


def _narrowed(key: ConfigKeySpec, pics: PicsValues) -> ConfigKeySpec:
    """The key with the supported range the PICS declares (none declared: as it is)."""
    low = pics.get(key.pics_minimum) if key.pics_minimum in pics.specs else None
    high = pics.get(key.pics_maximum) if key.pics_maximum in pics.specs else None
    if low is None and high is None:
        return key
    # The PICS can only narrow what the spec allows: the stricter bound of the two holds.
    minimum = max((b for b in (key.minimum, low) if b is not None), default=None)
    maximum = min((b for b in (key.maximum, high) if b is not None), default=None)
    default = key.default
    if isinstance(default, int) and default != key.off_value:
        # A start value outside what the device supports starts at the nearest bound.
        default = max(default, minimum) if minimum is not None else default
        default = min(default, maximum) if maximum is not None else default
    return replace(key, minimum=minimum, maximum=maximum, default=default)


def _pin(key: ConfigKeySpec, pics: PicsValues) -> tuple[bool, Any]:
    """Whether the PICS pins the key, and at which value."""
    for item, answer, value in key.pinned_by_pics:
        if item in pics.specs and pics.get(item) == answer:
            return True, value
    return False, None


def shaped_keys(keys: Iterable[ConfigKeySpec], pics: PicsValues) -> tuple[ConfigKeySpec, ...]:
    """The keys as this PICS makes them: ranges narrowed, pinned keys read-only at their
    value (see the module docstring)."""
    shaped = []
    for key in keys:
        key = _narrowed(key, pics)
        pinned, value = _pin(key, pics)
        shaped.append(replace(key, access="R", default=value) if pinned else key)
    return tuple(shaped)


def pinned_values(keys: Iterable[ConfigKeySpec], pics: PicsValues) -> dict[str, Any]:
    """The values the PICS pins (they win over any other start value: a PICS fact)."""
    values = {}
    for key in keys:
        pinned, value = _pin(key, pics)
        if pinned:
            values[key.name] = value
    return values
