"""The configuration store: typed values for the keys the spec declares (OCPP 1.6 chapter 9).

Keys, types, defaults and limits come from the generated registry; this module only enforces
them. Values are kept typed (int, bool, str, list of str) and shown as strings on the wire by
whoever answers GetConfiguration.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

__all__ = ["ConfigError", "ConfigKeySpec", "ConfigStore"]


@dataclass(frozen=True, slots=True)
class ConfigKeySpec:
    """A configuration key as declared in config_keys.yaml."""

    name: str
    profile: str
    kind: str
    access: str
    required: bool
    default: Any
    minimum: int | None = None
    maximum: int | None = None
    unit: str = ""
    description: str = ""


class ConfigError(ValueError):
    """A value that the key's declared type or limits do not allow, or an unknown key."""


def _coerce(spec: ConfigKeySpec, value: Any) -> Any:
    if spec.kind == "integer":
        if isinstance(value, bool):
            raise ConfigError(f"{spec.name} takes an integer, not {value!r}")
        try:
            # An integral JSON number may arrive as Decimal("3E+2") or 300.0.
            exact = value if isinstance(value, str) else Decimal(str(value))
            number = int(exact.strip()) if isinstance(exact, str) else int(exact)
            if not isinstance(exact, str) and number != exact:
                raise ValueError(value)
        except (ValueError, ArithmeticError):
            raise ConfigError(f"{spec.name} takes an integer, not {value!r}") from None
        if spec.minimum is not None and number < spec.minimum:
            raise ConfigError(f"{spec.name} must be at least {spec.minimum}, not {number}")
        if spec.maximum is not None and number > spec.maximum:
            raise ConfigError(f"{spec.name} must be at most {spec.maximum}, not {number}")
        return number
    if spec.kind == "boolean":
        text = str(value).strip().lower()
        if isinstance(value, bool) or text in ("true", "false"):
            return value if isinstance(value, bool) else text == "true"
        raise ConfigError(f"{spec.name} takes true or false, not {value!r}")
    if spec.kind == "csl":
        items = value if isinstance(value, list) else str(value).split(",")
        return [str(i).strip() for i in items if str(i).strip()]
    return str(value)


class ConfigStore:
    """Current configuration values of one Charge Point."""

    def __init__(
        self, specs: Iterable[ConfigKeySpec], overrides: Mapping[str, Any] | None = None
    ) -> None:
        self.specs = {s.name: s for s in specs}
        self._values: dict[str, Any] = {
            s.name: _coerce(s, s.default) for s in self.specs.values() if s.default is not None
        }
        for key, value in (overrides or {}).items():
            self.set(key, value)

    def spec(self, key: str) -> ConfigKeySpec:
        try:
            return self.specs[key]
        except KeyError:
            raise ConfigError(f"unknown configuration key {key!r}") from None

    def set(self, key: str, value: Any) -> None:
        """Store a value after checking it against the key's type and limits."""
        self._values[key] = _coerce(self.spec(key), value)

    def get(self, key: str) -> Any:
        self.spec(key)
        return self._values.get(key)

    def get_int(self, key: str) -> int:
        value = self.get(key)
        return int(value) if value is not None else 0

    def get_bool(self, key: str) -> bool:
        return bool(self.get(key))

    def get_str(self, key: str) -> str:
        value = self.get(key)
        return "" if value is None else str(value)

    def snapshot(self) -> dict[str, Any]:
        """All values, for persistence and display."""
        return dict(sorted(self._values.items()))
