"""IR nodes of the spec set's data: the manifest, enums, datatypes, messages and their
fields, leniencies, configuration keys, station calls and events."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Pos

__all__ = [
    "ConfigKey",
    "DatatypeDef",
    "EnumDef",
    "EventDef",
    "FieldDef",
    "LeniencyDef",
    "Manifest",
    "Message",
    "StationCall",
]


@dataclass(frozen=True, slots=True)
class Manifest:
    """The spec set's identity (spec.yaml)."""

    spec: str
    title: str
    edition: str
    errata: tuple[str, ...]
    profiles: tuple[str, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class EnumDef:
    """A shared enumeration (types.yaml), e.g. RegistrationStatus."""

    name: str
    values: tuple[str, ...]
    description: str
    refs: tuple[str, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class FieldDef:
    """One payload field.

    Attributes:
        name: the wire (camelCase) name.
        py_name: the snake_case Python name.
        kind: string, integer, decimal, boolean, datetime, enum or object.
        enum: the enum's name when kind is enum.
        datatype: the datatype's name when kind is object.
        is_list: the field is a JSON array of values of this kind; ``max_length``,
            ``minimum``, ``maximum`` and ``multiple_of`` then constrain each item.
    """

    name: str
    py_name: str
    kind: str
    enum: str | None
    required: bool
    max_length: int | None
    minimum: float | None
    maximum: float | None
    description: str
    pos: Pos
    datatype: str | None = None
    multiple_of: float | None = None
    is_list: bool = False
    min_items: int | None = None
    max_items: int | None = None

    @property
    def type_name(self) -> str:
        """The name the spec wrote in ``type``."""
        return self.enum or self.datatype or self.kind


@dataclass(frozen=True, slots=True)
class DatatypeDef:
    """A shared composite type (types.yaml ``datatypes``), e.g. IdTagInfo."""

    name: str
    fields: tuple[FieldDef, ...]
    description: str
    refs: tuple[str, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class LeniencyDef:
    """A named relaxation of one field's rule, off unless switched on (leniencies.yaml).

    Attributes:
        owner: ``BootNotification.request`` / ``BootNotification.response`` for a message
            field, or a datatype name (every use of the datatype).
        field: The field's wire name.
        allow: ``max_length`` (value: the larger limit), ``values`` (value: extra enum
            values) or ``naive_datetime`` (value: True; no offset means UTC).
    """

    name: str
    owner: str
    field: str
    allow: str
    value: Any
    description: str
    refs: tuple[str, ...]
    pos: Pos

    @property
    def where(self) -> str:
        return f"{self.owner}.{self.field}"

    @property
    def rule(self) -> str:
        """The relaxation in words, e.g. ``max_length 255``."""
        if self.allow == "values":
            return "also " + ", ".join(self.value)
        if self.allow == "naive_datetime":
            return "a date-time without offset, read as UTC"
        return f"{self.allow} {self.value}"


@dataclass(frozen=True, slots=True)
class Message:
    """An OCPP action with its request (.req) and response (.conf) payloads."""

    name: str
    py_name: str
    profile: str
    direction: str
    refs: tuple[str, ...]
    description: str
    request: tuple[FieldDef, ...]
    response: tuple[FieldDef, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class ConfigKey:
    """A configuration key (OCPP 1.6 chapter 9).

    Attributes:
        kind: integer, boolean, string or csl (comma-separated list).
        default: the simulated Charge Point's value (a csl in its wire form), or None.
        values: allowed values of a string key or items of a csl key (empty: any).
        pattern: regular expression each csl item, or the string value, must match.
        max_items_key: the integer ``<Key>MaxLength`` key bounding a csl key's items.
        reboot_required: ChangeConfiguration answers RebootRequired (OCPP 1.6 §5.3).
    """

    name: str
    profile: str
    kind: str
    access: str
    required: bool
    default: Any
    minimum: int | None
    maximum: int | None
    unit: str
    pics: str | None
    description: str
    refs: tuple[str, ...]
    pos: Pos
    values: tuple[str, ...] = ()
    pattern: str | None = None
    max_items_key: str | None = None
    reboot_required: bool = False


@dataclass(frozen=True, slots=True)
class StationCall:
    """A query (read, used in expressions) or operation (effect, ``invoke``) the station
    offers to machines (station.yaml)."""

    name: str
    kind: str  # query | operation
    args: tuple[str, ...]
    returns: str
    description: str
    refs: tuple[str, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class EventDef:
    """A tester or internal event from events.yaml (``tester.plug_in``)."""

    name: str
    namespace: str
    short: str
    payload: tuple[FieldDef, ...]
    description: str
    examples: tuple[dict[str, Any], ...]
    pos: Pos
