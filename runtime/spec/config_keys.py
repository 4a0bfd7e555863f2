"""Configuration keys as a spec set declares them, and the rules every value must pass.

A :class:`ConfigKeySpec` is the one definition of a key: the compiler builds it from
config_keys.yaml (and checks each default with :func:`coerce_value`), the generated registry
holds it, and the station's configuration store enforces it, the same way for a
ChangeConfiguration from the Central System and for a value the Charge Point sets itself.
Values are typed (int, bool, str, list of str); :func:`wire_text` gives the string
GetConfiguration shows.

Rules (OCPP 1.6 §5.3, §7.29, chapter 9):

- Keys are CiString50: looked up case-insensitively, always reported in the declared spelling.
- A value is CiString500: at most 500 printable ASCII characters in its wire form.
- integer: a decimal integer ("1.5" and "abc" are rejected), within ``minimum``/``maximum``.
- boolean: "true" or "false", in any case; shown as "true"/"false".
- csl: items separated by ","; blanks around items are dropped, an empty item is an error, the
  empty string is the empty list. Each item must be one of ``values`` and match ``pattern``
  (when given). A key with a ``max_items_key`` companion (``<Key>MaxLength``) may hold at most
  as many items as the companion's current value, or 1 item when the companion is unknown or
  unset (§5.3: "a safe value of 1 (one) item SHOULD be assumed").
- string: one of ``values`` and matching ``pattern``, when given.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from runtime.errors import ChargespecError

__all__ = [
    "MAX_VALUE_LENGTH",
    "ConfigError",
    "ConfigKeySpec",
    "coerce_value",
    "wire_text",
]

MAX_VALUE_LENGTH = 500
"""KeyValue.value and ChangeConfiguration.req value are CiString500Type (§6.9, §7.29)."""

_INTEGER = re.compile(r"[+-]?[0-9]+")
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


@dataclass(frozen=True, slots=True)
class ConfigKeySpec:
    """A configuration key as declared in config_keys.yaml (OCPP 1.6 chapter 9).

    The one definition of a key: the compiler's IR holds this object (built once, from the
    YAML), the generated registry prints it, and the station enforces it.

    Attributes:
        kind: integer, boolean, string or csl (comma-separated list).
        required: the key is required for its feature profile (chapter 9).
        default: the simulated Charge Point's value (a csl in its wire form), or None.
        minimum, maximum, unit: the range of an integer key.
        access: R (read-only for the Central System), RW, or W.
        values: allowed values of a string key, or allowed items of a csl key ('' = any).
        pattern: regular expression the whole value (string) or each item (csl) must match.
        max_items_key: the ``<Key>MaxLength`` key bounding the items of a csl key.
        reboot_required: a ChangeConfiguration of this key takes effect after a reboot.
        pics: the PICS item (an optional feature) without which the Charge Point does not
            have the key at all; None when only the key's profile decides.
        description: what the key is for, with the clauses it restates in parentheses.
        pics_minimum, pics_maximum: integer PICS items that, when a device declares them,
            narrow ``minimum``/``maximum`` (its supported range of the key).
        off_value: the value that switches the feature off, taken whatever the range says.
        supplied_by: for a csl key, the part of the Charge Point whose abilities bound the
            items (``meter``: the measurands it supplies, OCPP 1.6 §3.16.4).
        pinned_by_pics: (PICS item, its value, key value): a device whose PICS item has that
            value has the key read-only at the key value (errata E3.80, E3.84).
    """

    name: str
    profile: str
    kind: str
    access: str
    required: bool
    default: Any
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    values: tuple[str, ...] = ()
    pattern: str | None = None
    max_items_key: str | None = None
    reboot_required: bool = False
    pics: str | None = None
    description: str = ""
    pics_minimum: str | None = None
    pics_maximum: str | None = None
    off_value: int | None = None
    supplied_by: str | None = None
    pinned_by_pics: tuple[tuple[str, Any, Any], ...] = ()

    @property
    def read_only(self) -> bool:
        """Whether the Central System may only read the key (GetConfiguration readonly)."""
        return self.access == "R"


class ConfigError(ChargespecError, ValueError):
    """A value that the key's declared type or limits do not allow, or an unknown key."""


def _integer(spec: ConfigKeySpec, value: Any) -> int:
    wrong = ConfigError(f"{spec.name} takes an integer, not {value!r}")
    if isinstance(value, bool):
        raise wrong
    if isinstance(value, int):
        number = value
    elif isinstance(value, str):
        if not _INTEGER.fullmatch(value.strip()):
            raise wrong
        number = int(value.strip())
    elif isinstance(value, float | Decimal):
        # An integral JSON number may arrive as Decimal("3E+2") or 300.0.
        exact = Decimal(str(value))
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise wrong
        number = int(exact)
    else:
        raise wrong
    if number == spec.off_value:
        return number
    if spec.minimum is not None and number < spec.minimum:
        raise ConfigError(f"{spec.name} must be at least {spec.minimum}, not {number}")
    if spec.maximum is not None and number > spec.maximum:
        raise ConfigError(f"{spec.name} must be at most {spec.maximum}, not {number}")
    return number


def _boolean(spec: ConfigKeySpec, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConfigError(f"{spec.name} takes true or false, not {value!r}")


def _check_text(spec: ConfigKeySpec, text: str, what: str) -> None:
    """A string value or one csl item against ``values`` and ``pattern``."""
    if spec.values and text not in spec.values:
        raise ConfigError(
            f"{spec.name} does not take {what} {text!r}; expected one of: {', '.join(spec.values)}"
        )
    if spec.pattern is not None and not re.fullmatch(spec.pattern, text):
        raise ConfigError(f"{spec.name} does not take {what} {text!r}; expected {spec.pattern}")


def _items(spec: ConfigKeySpec, value: Any) -> list[str]:
    if isinstance(value, str):
        if not value.strip():
            return []
        raw: list[Any] = value.split(",")
    elif isinstance(value, list | tuple):
        raw = list(value)
    else:
        raise ConfigError(f"{spec.name} takes a comma-separated list, not {value!r}")
    if not all(isinstance(item, str) for item in raw):
        raise ConfigError(f"{spec.name} takes a list of strings, not {value!r}")
    items = [item.strip() for item in raw]
    if "" in items:
        raise ConfigError(f"{spec.name} has an empty item in {value!r}")
    return items


def _csl(spec: ConfigKeySpec, value: Any, max_items: int | None) -> list[str]:
    items = _items(spec, value)
    for item in items:
        _check_text(spec, item, "item")
    if max_items is not None and len(items) > max_items:
        raise ConfigError(
            f"{spec.name} holds at most {max_items} item(s) ({spec.max_items_key}), "
            f"not {len(items)}"
        )
    return items


def _string(spec: ConfigKeySpec, value: Any) -> str:
    if not isinstance(value, str):
        raise ConfigError(f"{spec.name} takes a string, not {value!r}")
    _check_text(spec, value, "value")
    return value


def coerce_value(spec: ConfigKeySpec, value: Any, max_items: int | None = None) -> Any:
    """The typed value of ``value`` (wire string or Python value) for the key.

    Args:
        spec: the key.
        value: a string as ChangeConfiguration carries it, or an int, bool, str or list.
        max_items: the item limit of a csl key (its companion's value), None for no limit.

    Raises:
        ConfigError: if the key cannot take the value (ChangeConfiguration answers Rejected).
    """
    if spec.kind == "integer":
        typed: Any = _integer(spec, value)
    elif spec.kind == "boolean":
        typed = _boolean(spec, value)
    elif spec.kind == "csl":
        typed = _csl(spec, value, max_items)
    else:
        typed = _string(spec, value)
    text = wire_text(spec, typed)
    if len(text) > MAX_VALUE_LENGTH:
        raise ConfigError(
            f"{spec.name} value has {len(text)} characters; at most {MAX_VALUE_LENGTH} fit"
        )
    if not _PRINTABLE_ASCII.fullmatch(text):
        raise ConfigError(f"{spec.name} value {text!r} is not printable ASCII (CiString)")
    return typed


def wire_text(spec: ConfigKeySpec, value: Any) -> str:
    """A typed value as GetConfiguration shows it: decimal, "true"/"false", items joined by ","."""
    if spec.kind == "boolean":
        return "true" if value else "false"
    if spec.kind == "csl":
        return ",".join(value)
    return str(value)
