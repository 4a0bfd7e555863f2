"""Checks on configuration keys: attributes that fit the key's type, a ``<Key>MaxLength``
companion that is a declared integer key, and a default the key itself accepts.

The default is checked by the runtime's own value check
(:func:`runtime.spec.config_keys.coerce_value`), so "the key accepts its default" means exactly
what a ChangeConfiguration would accept.
"""

from __future__ import annotations

import re

from compiler.checks.common import did_you_mean, one_of
from compiler.diagnostics import Diagnostic
from compiler.ir import (
    ConfigKey,
    SpecSet,
)
from runtime.spec.config_keys import ConfigError, coerce_value

__all__ = ["check_config_keys"]

# Which attribute applies to which key types.
_FITS: dict[str, frozenset[str]] = {
    "values": frozenset({"string", "csl"}),
    "pattern": frozenset({"string", "csl"}),
    "minimum": frozenset({"integer"}),
    "maximum": frozenset({"integer"}),
    "max_items_key": frozenset({"csl"}),
}

# How a default must be written in YAML, per key type (a csl in its wire form, "a,b").
_DEFAULT_TYPES: dict[str, tuple[type, str]] = {
    "integer": (int, "an integer"),
    "boolean": (bool, "true or false"),
    "string": (str, "a string"),
    "csl": (str, "a string of items joined by ','"),
}


def _misfit(key: ConfigKey, found: str, expected: str) -> Diagnostic:
    return Diagnostic(key.pos, "SPEC222", f"configuration key '{key.name}' {found}", expected)


def _attribute_misfits(key: ConfigKey) -> list[Diagnostic]:
    found = [
        _misfit(
            key,
            f"has {attr} but is of type '{key.spec.kind}'",
            f"{attr} applies to: " + ", ".join(sorted(kinds)),
        )
        for attr, kinds in _FITS.items()
        if getattr(key.spec, attr) not in (None, ()) and key.spec.kind not in kinds
    ]
    if (
        key.spec.minimum is not None
        and key.spec.maximum is not None
        and key.spec.minimum > key.spec.maximum
    ):
        found.append(
            _misfit(
                key,
                f"has minimum {key.spec.minimum} above maximum {key.spec.maximum}",
                "no value could be valid",
            )
        )
    if key.spec.pattern is not None:
        try:
            re.compile(key.spec.pattern)
        except re.error as error:
            found.append(
                _misfit(
                    key, f"has pattern {key.spec.pattern!r}: {error}", "a Python regular expression"
                )
            )
    return found


def _companion(spec: SpecSet, key: ConfigKey) -> list[Diagnostic]:
    """``max_items_key`` names a declared integer key."""
    if key.spec.max_items_key is None or key.spec.kind != "csl":
        return []
    companion = spec.config_key(key.spec.max_items_key)
    if companion is None:
        names = [k.name for k in spec.config_keys]
        return [
            Diagnostic(
                key.pos,
                "SPEC205",
                f"configuration key '{key.name}' has max_items_key naming unknown configuration "
                f"key '{key.spec.max_items_key}'",
                one_of(names),
                did_you_mean(key.spec.max_items_key, names),
            )
        ]
    if companion.spec.kind != "integer":
        return [
            _misfit(
                key,
                f"has max_items_key '{companion.name}', a key of type '{companion.spec.kind}'",
                "an integer key giving the maximum number of items",
            )
        ]
    return []


def _item_limit(spec: SpecSet, key: ConfigKey) -> int | None:
    """The item limit of a csl default: its companion's default, or 1 when it has none (§5.3)."""
    if key.spec.kind != "csl" or key.spec.max_items_key is None:
        return None
    companion = spec.config_key(key.spec.max_items_key)
    limit = companion.spec.default if companion is not None else None
    return limit if isinstance(limit, int) and not isinstance(limit, bool) else 1


def _default_misfit(spec: SpecSet, key: ConfigKey) -> list[Diagnostic]:
    default = key.spec.default
    if default is None:
        return []
    wanted, words = _DEFAULT_TYPES[key.spec.kind]
    if not isinstance(default, wanted) or (wanted is int and isinstance(default, bool)):
        problem = f"is written as {default!r}"
        expected = f"{words}, as the key is of type '{key.spec.kind}'"
    else:
        try:
            coerce_value(key.spec, key.spec.default, _item_limit(spec, key))
            return []
        except ConfigError as error:
            problem, expected = (
                str(error),
                "a default the key accepts, as ChangeConfiguration would",
            )
    return [
        Diagnostic(
            key.pos,
            "SPEC223",
            f"default {default!r} of configuration key '{key.name}' does not fit: {problem}",
            expected,
        )
    ]


def check_config_keys(spec: SpecSet) -> list[Diagnostic]:
    """Attributes fit each key's type, companions exist, and every default fits its key."""
    found = []
    for key in spec.config_keys:
        problems = _attribute_misfits(key) + _companion(spec, key)
        # A default is only judged against attributes that make sense.
        found += problems or _default_misfit(spec, key)
    return found
