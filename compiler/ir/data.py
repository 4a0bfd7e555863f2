"""IR nodes of the spec set's data: the manifest, enums, datatypes, messages and their
fields, leniencies, configuration keys, station calls and events.

Where the runtime has a type for the same concept, the IR holds the runtime's object
(``ConfigKey.spec``, ``Message.info``) or builds it in exactly one place
(``LeniencyDef.runtime_spec``, ``EventDef.tester_spec``), so the compiler and the runtime
cannot describe one thing two ways.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Pos
from runtime.ocppj.checks import Leniency
from runtime.spec.config_keys import ConfigKeySpec
from runtime.spec.registry import MessageInfo, TesterEventSpec

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

    @property
    def runtime_spec(self) -> Leniency:
        """The leniency as the runtime lists it (``LENIENCIES`` of the generated validators);
        the one place the compiler turns its node into the runtime's."""
        return Leniency(self.name, self.where, self.rule, self.description)


@dataclass(frozen=True, slots=True)
class Message:
    """An OCPP action with its request (.req) and response (.conf) payloads.

    Attributes:
        info: what the runtime knows of the action (name, feature profile, who sends the
            CALL); the generated registry prints it as it is.
    """

    info: MessageInfo
    py_name: str
    refs: tuple[str, ...]
    description: str
    request: tuple[FieldDef, ...]
    response: tuple[FieldDef, ...]
    pos: Pos

    @property
    def name(self) -> str:
        return self.info.name

    @property
    def profile(self) -> str:
        return self.info.profile

    @property
    def direction(self) -> str:
        return self.info.direction


@dataclass(frozen=True, slots=True)
class ConfigKey:
    """A configuration key (OCPP 1.6 chapter 9).

    Attributes:
        spec: the key itself, the runtime's own definition (type, access, default, limits,
            values, companion key, PICS gate); built once by the front end, checked with the
            runtime's value rules, printed as it is into the generated registry.
        refs: the clauses the key restates.
        pos: where the key is written.
    """

    spec: ConfigKeySpec
    refs: tuple[str, ...]
    pos: Pos

    @property
    def name(self) -> str:
        return self.spec.name


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
    prompt: str = ""
    returns: str = ""

    def tester_spec(self, params_schema: dict[str, Any]) -> TesterEventSpec:
        """The stimulus or observation as the runtime's registry lists it (tester events
        and observations only), its payload's JSON Schema given; the one place the compiler
        turns its node into the runtime's."""
        return TesterEventSpec(
            name=self.short,
            fields=tuple(f.name for f in self.payload),
            required=tuple(f.name for f in self.payload if f.required),
            description=self.description,
            prompt=self.prompt,
            params_schema=params_schema,
            returns=self.returns,
        )
