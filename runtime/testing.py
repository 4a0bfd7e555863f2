"""Support for the generated tests: a plain machine environment and effect comparison."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from runtime.machine import (
    CancelTimer,
    Effect,
    RaiseEvent,
    SendCall,
    SetConfig,
    SpecMachine,
    StartTimer,
    SyncClock,
)
from runtime.registry import SpecRegistry

__all__ = ["ModelEnv", "effect_tuple", "full_pics", "replay"]


def full_pics(registry: SpecRegistry) -> dict[str, Any]:
    """A PICS that declares every boolean item supported (the default for the suite)."""
    return {p.name: True if p.kind == "boolean" else p.default for p in registry.pics_items}


class ModelEnv:
    """Configuration and PICS as plain dicts, for running one machine alone."""

    def __init__(self, config: Mapping[str, Any], pics: Mapping[str, Any]) -> None:
        self.config = dict(config)
        self.pics = dict(pics)

    def config_int(self, key: str) -> int:
        return int(self.config.get(key) or 0)

    def config_bool(self, key: str) -> bool:
        return bool(self.config.get(key))

    def config_str(self, key: str) -> str:
        return str(self.config.get(key) or "")

    def pics_bool(self, item: str) -> bool:
        return bool(self.pics.get(item))

    def pics_int(self, item: str) -> int:
        return int(self.pics.get(item) or 0)

    def pics_str(self, item: str) -> str:
        return str(self.pics.get(item) or "")


def effect_tuple(effect: Effect) -> tuple[Any, ...]:
    """An effect as a plain tuple, the form the generated tests write expectations in."""
    if isinstance(effect, SendCall):
        return ("send", effect.action, effect.payload)
    if isinstance(effect, StartTimer):
        return ("start_timer", effect.name, effect.seconds)
    if isinstance(effect, CancelTimer):
        return ("cancel_timer", effect.name)
    if isinstance(effect, RaiseEvent):
        return ("raise", effect.event, effect.payload)
    if isinstance(effect, SetConfig):
        return ("set_config", effect.key, effect.value)
    assert isinstance(effect, SyncClock)
    return ("sync_clock", effect.timestamp)


def replay(
    machine: SpecMachine, env: ModelEnv, path: list[tuple[str, dict[str, Any]]]
) -> list[tuple[Any, ...]]:
    """Fire each (event, payload) in order; configuration writes take effect like in a
    station. Returns the effects of the last event."""
    effects: list[tuple[Any, ...]] = []
    for event, msg in path:
        if event == "$config":  # a configuration change between events
            env.config.update(msg)
            effects = []
            continue
        machine.fire(event, msg)
        effects = [effect_tuple(e) for e in machine.take_effects()]
        for effect in effects:
            if effect[0] == "set_config":
                env.config[effect[1]] = effect[2]
    return effects
