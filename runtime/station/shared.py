"""What every station built from the same spec set, PICS and leniencies shares.

A fleet builds thousands of stations from one PICS. Everything that follows from the spec set
and the PICS alone — the PICS with its defaults filled in, the configuration keys the PICS
gives the Charge Point and their shape (OCPP 1.6 §3.3, chapter 9, errata E3.80, E3.84), the
payload validator — is the same for all of them, so it is derived once and shared; a station
keeps only what changes while it runs (its configuration values, its machines' states).
Everything shared here is read-only after it is built.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from runtime.ocppj.payload import PayloadValidator
from runtime.spec.config_keys import ConfigKeySpec
from runtime.spec.pics import PicsValues, implemented_pics
from runtime.spec.registry import SpecRegistry
from runtime.station.config import shaped_keys, supported_keys

__all__ = ["SharedParts", "shared_parts"]

# Bounded: a test run builds stations from a few dozen PICS; a fleet from a handful.
_MAX_ENTRIES = 64


@dataclass(frozen=True, slots=True)
class SharedParts:
    """The derived, read-only parts of a station.

    Attributes:
        pics: The PICS in force: declared profiles nothing implements are taken out.
        keys: The configuration keys the Charge Point has, shaped by the PICS.
        validator: The payload validator with the chosen leniencies.
    """

    registry: SpecRegistry
    pics: PicsValues
    keys: tuple[ConfigKeySpec, ...]
    validator: PayloadValidator


_CACHE: dict[tuple[int, str, frozenset[str], frozenset[str]], SharedParts] = {}


def _frozen(pics: Mapping[str, Any] | None) -> str:
    return json.dumps(dict(pics or {}), sort_keys=True, default=repr)


def shared_parts(
    registry: SpecRegistry,
    pics: Mapping[str, Any] | None,
    handled: frozenset[str],
    lenient: frozenset[str],
) -> SharedParts:
    """The parts of a station of ``registry`` with this PICS, application handlers for the
    profiles ``handled`` and these leniencies; built at the first request, then shared.

    Raises:
        ValueError: ``lenient`` names a leniency the spec set does not declare.
    """
    key = (id(registry), _frozen(pics), handled, lenient)
    found = _CACHE.get(key)
    if found is not None and found.registry is registry:
        return found
    # A profile the PICS declares but nothing implements (no machine of the spec set, no
    # application handler for one of its actions) is not there at all: not advertised in
    # SupportedFeatureProfiles, no keys, answered as without it (§3.3, §9.1.29).
    declared = PicsValues(registry.pics_items, pics).as_dict()
    implemented = registry.implemented_profiles | handled
    values = PicsValues(
        registry.pics_items, implemented_pics(registry.pics_items, declared, implemented)
    )
    keys = tuple(shaped_keys(supported_keys(registry.config_keys, values), values))
    parts = SharedParts(registry, values, keys, registry.validator(lenient))
    if len(_CACHE) >= _MAX_ENTRIES:
        _CACHE.clear()
    _CACHE[key] = parts
    return parts
