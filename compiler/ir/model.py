"""IR node types. Everything the renderers and checks need, and nothing they must recompute.

Nodes are frozen and slotted, hold tuples in a stable order, and keep the position of the spec
element they came from, so a check can point at the YAML and a generated test can cite it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compiler.diagnostics import Pos
from compiler.expressions import Expr

__all__ = [
    "Action",
    "ConfigKey",
    "ContextVar",
    "DatatypeDef",
    "EnumDef",
    "EventDef",
    "FieldDef",
    "LeniencyDef",
    "Machine",
    "Manifest",
    "Message",
    "PicsItem",
    "PicsRule",
    "Scenario",
    "ScenarioStep",
    "SpecSet",
    "State",
    "TestVariants",
    "Transition",
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
class PicsRule:
    """A consistency rule of a PICS item, checked when the item is claimed.

    Attributes:
        kind: ``all_of`` / ``any_of`` / ``none_of`` (the named items must all / at least one /
            none be claimed) or ``at_most`` (this integer may not exceed the named one).
        items: the items the rule names.
    """

    kind: str
    items: tuple[str, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class PicsItem:
    """An item of the PICS form, in the form's order.

    Attributes:
        kind: boolean, integer, string, enum or list (a subset of ``values``).
        label: the item's text on the form.
        section: the form section; ``section_title`` its heading on the form.
        document: id of the PICS document (ocpp16, security, performance); ``document_title``
            its title.
        group: a sub-heading inside the section ("" for none).
        default: the value of a device that does not declare the item (None: not declared).
        mandatory: every device must claim the item.
        sets: the configuration key the item sets (for a boolean and a CSL key: the item's
            name is one of the key's values when true).
        requires: the consistency rules checked when the item is claimed.
        section_index: the section's place on the form (-1: the form does not list it);
            ``document_title`` is "" when the section names an unknown document.
        section_pos: where the item names its section.
    """

    name: str
    section: str
    kind: str
    default: Any
    values: tuple[str, ...]
    minimum: int | None
    maximum: int | None
    sets: str | None
    description: str
    refs: tuple[str, ...]
    pos: Pos
    label: str = ""
    unit: str = ""
    group: str = ""
    mandatory: bool = False
    requires: tuple[PicsRule, ...] = ()
    section_title: str = ""
    document: str = ""
    document_title: str = ""
    section_index: int = -1
    section_pos: Pos | None = None


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


@dataclass(frozen=True, slots=True)
class ContextVar:
    """A variable of a machine instance's context."""

    name: str
    kind: str
    default: Any
    param: bool
    optional: bool
    description: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class Action:
    """A named bundle of effects, run in this order: send, raise, timers, config, clock, set.

    Attributes:
        condition: the action runs only when this holds.
        send: message to send as a CALL, with ``args`` as its payload fields; ``transaction``
            (the local transaction reference) makes it a queued transaction-related message.
        reply: the received CALL this action answers, with ``args`` as the response payload.
        invoke: station operation (station.yaml) to run, with ``args`` as its arguments.
        raise_event: internal event to raise, with ``args`` as its payload.
        assignments: context variables to set, evaluated before any is assigned.
    """

    name: str
    condition: Expr | None
    send: str | None
    outcome_handled: bool
    raise_event: str | None
    args: tuple[tuple[str, Expr], ...]
    start_timer: str | None
    after: Expr | None
    cancel_timer: str | None
    set_config: tuple[tuple[str, Expr], ...]
    sync_clock: Expr | None
    assignments: tuple[tuple[str, Expr], ...]
    pos: Pos
    reply: str | None = None
    invoke: str | None = None
    transaction: Expr | None = None


@dataclass(frozen=True, slots=True)
class State:
    """A state of a machine.

    Attributes:
        may_send: the CALLs the station may send while this state is active (None = all).
        answers_calls: False when incoming CALLs get no answer at all (Registration Rejected).
        pics: PICS item that must be true for the state to be entered.
    """

    name: str
    py_name: str
    initial: bool
    final: bool
    description: str
    refs: tuple[str, ...]
    pics: str | None
    entry: tuple[str, ...]
    exit: tuple[str, ...]
    may_send: tuple[str, ...] | None
    answers_calls: bool
    pos: Pos


@dataclass(frozen=True, slots=True)
class Transition:
    """One transition on one event (a spec entry with several events or sources gives several).

    Attributes:
        id: the spec's cell id (A2 … I8) or the author's id; not unique across events.
        key: unique name inside the machine: id, source and event.
        target: None for an internal transition (stays, runs actions, no entry/exit).
        guard: the condition as written, already including the PICS gate of the target.
    """

    id: str
    key: str
    py_name: str
    source: str
    target: str | None
    event: str
    guard: Expr | None
    actions: tuple[str, ...]
    description: str
    refs: tuple[str, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class TestVariants:
    """Values the model-derived tests try: config and PICS variants, event payload examples."""

    config: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    pics: tuple[tuple[str, tuple[Any, ...]], ...] = ()
    events: tuple[tuple[str, tuple[dict[str, Any], ...]], ...] = ()
    queries: tuple[tuple[str, tuple[Any, ...]], ...] = ()


@dataclass(frozen=True, slots=True)
class Machine:
    """A state machine spec (machines/<name>.yaml)."""

    name: str
    module: str
    profile: str
    instance: str
    refs: tuple[str, ...]
    description: str
    context: tuple[ContextVar, ...]
    states: tuple[State, ...]
    entry: tuple[str, ...]
    transitions: tuple[Transition, ...]
    actions: tuple[Action, ...]
    events: tuple[str, ...]
    timers: tuple[str, ...]
    test: TestVariants
    source_file: str
    pos: Pos

    @property
    def initial(self) -> State:
        return next(s for s in self.states if s.initial)

    def state(self, name: str) -> State:
        return next(s for s in self.states if s.name == name)

    def action(self, name: str) -> Action:
        return next(a for a in self.actions if a.name == name)


@dataclass(frozen=True, slots=True)
class ScenarioStep:
    """One step of a scenario; ``kind`` names which of the fields matter.

    ``items`` holds the expected CALLs of an ``any_order`` step (each an ``expect`` step);
    ``unchecked`` marks a ``send`` whose payload the test system does not validate.
    """

    kind: str
    name: str
    payload: dict[str, Any]
    reply: dict[str, Any] | None
    seconds: float | None
    comment: str
    pos: Pos
    items: tuple[ScenarioStep, ...] = ()
    unchecked: bool = False


@dataclass(frozen=True, slots=True)
class Scenario:
    """A certification-style test case."""

    id: str
    title: str
    refs: tuple[str, ...]
    description: str
    requires: tuple[str, ...]
    setup: dict[str, Any]
    steps: tuple[ScenarioStep, ...]
    source_file: str
    pos: Pos


@dataclass(frozen=True, slots=True)
class SpecSet:
    """The whole spec set; the contract between the front end and the renderers."""

    root: str
    manifest: Manifest
    enums: tuple[EnumDef, ...]
    messages: tuple[Message, ...]
    config_keys: tuple[ConfigKey, ...]
    pics: tuple[PicsItem, ...]
    events: tuple[EventDef, ...]
    machines: tuple[Machine, ...]
    scenarios: tuple[Scenario, ...]
    files: tuple[str, ...] = field(default=())
    datatypes: tuple[DatatypeDef, ...] = field(default=())
    leniencies: tuple[LeniencyDef, ...] = field(default=())
    station: tuple[StationCall, ...] = field(default=())

    def message(self, name: str) -> Message | None:
        return next((m for m in self.messages if m.name == name), None)

    def config_key(self, name: str) -> ConfigKey | None:
        return next((k for k in self.config_keys if k.name == name), None)

    def station_call(self, name: str, kind: str) -> StationCall | None:
        return next((c for c in self.station if c.name == name and c.kind == kind), None)

    def pics_item(self, name: str) -> PicsItem | None:
        return next((p for p in self.pics if p.name == name), None)

    def enum(self, name: str) -> EnumDef | None:
        return next((e for e in self.enums if e.name == name), None)

    def datatype(self, name: str) -> DatatypeDef | None:
        return next((d for d in self.datatypes if d.name == name), None)
