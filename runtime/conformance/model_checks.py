"""Support for the generated tests: a plain machine environment and effect comparison."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from runtime.spec.effects import (
    CancelTimer,
    Effect,
    Invoke,
    RaiseEvent,
    Reply,
    SendCall,
    SetConfig,
    StartTimer,
    SyncClock,
)
from runtime.spec.machine import SpecMachine, TransitionNotAllowed

__all__ = [
    "MachineFactory",
    "ModelEnv",
    "check_event_rejected",
    "check_guard_false_side",
    "check_state_reached",
    "check_transition_fires",
    "effect_tuple",
    "replay",
]


class ModelEnv:
    """Configuration and PICS as plain dicts, for running one machine alone."""

    def __init__(
        self,
        config: Mapping[str, Any],
        pics: Mapping[str, Any],
        queries: Mapping[str, Any] | None = None,
    ) -> None:
        self.config = dict(config)
        self.pics = dict(pics)
        self.queries = dict(queries or {})

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

    def query(self, name: str, *args: Any) -> Any:
        """A station query answers with the value the test variant fixed for it (the
        model treats queries as inputs, like the configuration)."""
        del args
        return self.queries.get(name)


def effect_tuple(effect: Effect) -> tuple[Any, ...]:
    """An effect as a plain tuple, the form the generated tests write expectations in."""
    if isinstance(effect, SendCall):
        if effect.tx_ref is not None:
            return ("send", effect.action, effect.payload, effect.tx_ref)
        return ("send", effect.action, effect.payload)
    if isinstance(effect, Reply) and effect.error is not None:
        return ("reply_error", effect.action, effect.error)
    if isinstance(effect, Reply):
        return ("reply", effect.action, effect.payload)
    if isinstance(effect, Invoke):
        return ("invoke", effect.operation, effect.args)
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


# The four checks of the model-derived tests. Generated test modules only carry the cases
# (found by the compiler's search) and call these, so the checking logic exists once.
MachineFactory = Callable[[int], tuple[SpecMachine, ModelEnv]]
Path = list[tuple[str, dict[str, Any]]]
Step = tuple[str, dict[str, Any]]


def _expect(condition: bool, message: str) -> None:
    # Not `assert`: these run from generated tests and must not vanish under python -O.
    if not condition:
        raise AssertionError(message)


def check_state_reached(new: MachineFactory, variant: int, path: Path, state: str) -> None:
    """The path leads from the initial state to ``state``."""
    machine, env = new(variant)
    replay(machine, env, path)
    _expect(machine.state_name == state, f"reached {machine.state_name}, expected {state}")


def check_transition_fires(
    new: MachineFactory,
    variant: int,
    path: Path,
    step: Step,
    target: str,
    effects: list[tuple[Any, ...]],
) -> None:
    """After ``path``, ``step`` moves the machine to ``target`` with exactly ``effects``."""
    machine, env = new(variant)
    replay(machine, env, path)
    produced = replay(machine, env, [step])
    _expect(machine.state_name == target, f"went to {machine.state_name}, expected {target}")
    _expect(produced == list(effects), f"effects {produced}, expected {list(effects)}")


def check_guard_false_side(
    new: MachineFactory, variant: int, path: Path, step: Step, outcome: str | None
) -> None:
    """With the guard false, the step goes to ``outcome`` (another transition fired), or is
    rejected and leaves the state unchanged (``outcome`` None)."""
    machine, env = new(variant)
    replay(machine, env, path)
    before = machine.state_name
    if outcome is not None:
        replay(machine, env, [step])
        _expect(machine.state_name == outcome, f"went to {machine.state_name}, not {outcome}")
        return
    try:
        machine.fire(*step)
    except TransitionNotAllowed:
        _expect(machine.state_name == before, f"state changed to {machine.state_name}")
        return
    raise AssertionError(f"{step[0]} was accepted in {before} although the guard is false")


def check_event_rejected(
    new: MachineFactory, variant: int, path: Path, state: str, event: str
) -> None:
    """In ``state``, ``event`` raises TransitionNotAllowed, with no state change or effect."""
    machine, env = new(variant)
    replay(machine, env, path)
    try:
        machine.fire(event, {})
    except TransitionNotAllowed:
        _expect(machine.state_name == state, f"state changed to {machine.state_name}")
        _expect(machine.take_effects() == [], "a rejected event produced effects")
        return
    raise AssertionError(f"{event} was accepted in {state}")
