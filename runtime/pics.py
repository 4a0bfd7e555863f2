"""PICS values of a device: what it declares it supports (the PICS form, as data)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["PicsError", "PicsItemSpec", "PicsValues"]


@dataclass(frozen=True, slots=True)
class PicsItemSpec:
    """A PICS item as declared in pics.yaml."""

    name: str
    section: str
    kind: str
    default: Any
    values: tuple[str, ...] = ()
    minimum: int | None = None
    maximum: int | None = None
    sets: str | None = None
    description: str = ""


class PicsError(ValueError):
    """An unknown PICS item or a value the item does not allow; names both."""


def _check(spec: PicsItemSpec, value: Any) -> Any:
    if spec.kind == "boolean":
        if not isinstance(value, bool):
            raise PicsError(f"PICS item {spec.name} takes true or false, not {value!r}")
        return value
    if spec.kind == "integer":
        if isinstance(value, bool) or not isinstance(value, int):
            raise PicsError(f"PICS item {spec.name} takes an integer, not {value!r}")
        low = spec.minimum if spec.minimum is not None else value
        high = spec.maximum if spec.maximum is not None else value
        if not low <= value <= high:
            raise PicsError(
                f"PICS item {spec.name} must be between {spec.minimum} and {spec.maximum}, "
                f"not {value}"
            )
        return value
    if spec.values and value not in spec.values:
        raise PicsError(
            f"PICS item {spec.name} must be one of {', '.join(spec.values)}, not {value!r}"
        )
    return str(value)


class PicsValues:
    """A device's PICS: every item's value, defaults filled in."""

    def __init__(self, specs: Iterable[PicsItemSpec], values: Mapping[str, Any] | None = None):
        self.specs = {s.name: s for s in specs}
        self._values = {s.name: s.default for s in self.specs.values()}
        for name, value in (values or {}).items():
            if name not in self.specs:
                raise PicsError(
                    f"unknown PICS item {name!r}; expected one of: {', '.join(sorted(self.specs))}"
                )
            self._values[name] = _check(self.specs[name], value)

    def get(self, name: str) -> Any:
        if name not in self._values:
            raise PicsError(f"unknown PICS item {name!r}")
        return self._values[name]

    def get_bool(self, name: str) -> bool:
        return bool(self.get(name))

    def get_int(self, name: str) -> int:
        return int(self.get(name))

    def get_str(self, name: str) -> str:
        return str(self.get(name))

    def as_dict(self) -> dict[str, Any]:
        return dict(self._values)
