"""The whole spec set: the contract between the front end and the renderers."""

from __future__ import annotations

from dataclasses import dataclass, field

from compiler.ir.data import (
    ConfigKey,
    DatatypeDef,
    EnumDef,
    EventDef,
    LeniencyDef,
    Manifest,
    Message,
    StationCall,
)
from compiler.ir.machine import Machine
from compiler.ir.pics import PicsItem
from compiler.ir.scenario import Scenario
from compiler.ir.test_state import TestState

__all__ = ["SpecSet"]


@dataclass(frozen=True, slots=True)
class SpecSet:
    """The whole spec set; the contract between the front end and the renderers.

    ``broken_messages`` names the messages whose definitions were refused (and left out): the
    checks take these names as known, so one mistake gives one error. A spec set with any is
    never rendered.
    """

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
    test_states: tuple[TestState, ...] = field(default=())
    demo: Scenario | None = None
    broken_messages: frozenset[str] = frozenset()

    def message(self, name: str) -> Message | None:
        return next((m for m in self.messages if m.name == name), None)

    def unknown_message(self, name: str) -> bool:
        """No message of this name is defined, not even a broken one."""
        return self.message(name) is None and name not in self.broken_messages

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

    def test_state(self, name: str) -> TestState | None:
        return next((s for s in self.test_states if s.name == name), None)
