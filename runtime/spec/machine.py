"""Base class of the generated state machines.

Theory of operation: a generated machine is a python-statemachine class whose guards and
actions were compiled from the spec. It never performs I/O. Every action produces an
:data:`Effect` (send a CALL, answer a received CALL, start or cancel a timer, raise an
internal event, set a configuration key, set the clock, run a station operation). Alone (the
model tests) a machine collects them in ``effects``; in a station, ``effect_sink`` hands each
one to the station at once, so later actions of a transition see its result. Context
variables live in a per-instance dataclass (``ctx``); the configuration, the PICS and the
station's queries are read through :class:`MachineEnv`.

Every transition's ``on`` callback first calls :meth:`SpecMachine._fired` with the
transition's key, which tells ``on_transition`` (when someone listens: the transition coverage
of a conformance run) which spec transition fired; ``TRANSITIONS`` lists them all.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

from statemachine import State, StateMachine
from statemachine.exceptions import TransitionNotAllowed as _LibraryTransitionNotAllowed

from runtime.errors import ChargespecError
from runtime.spec.builtins import EMPTY_MSG
from runtime.spec.effects import (
    CancelTimer,
    Effect,
    Invoke,
    MachineEnv,
    RaiseEvent,
    Reply,
    SendCall,
    SetConfig,
    StartTimer,
    SyncClock,
)
from runtime.spec.transition_table import TransitionTable, build_table, call

__all__ = [
    "SpecMachine",
    "TransitionHook",
    "TransitionInfo",
    "TransitionNotAllowed",
    "UnknownEvent",
]

TransitionHook = Callable[[str, str], None]
"""Told (machine name, transition key) of every transition that fires."""


@dataclass(frozen=True, slots=True)
class TransitionInfo:
    """One spec transition of a generated machine (one source and one event).

    Attributes:
        key: unique inside the machine (``id:source:event``); what a hook is told.
        id: the spec's transition id (A2, RST1), shared by the entries of one spec line.
        target: None for an internal transition.
        at: where the transition is written (``file:line``).
    """

    key: str
    id: str
    source: str
    event: str
    target: str | None
    at: str

    def label(self, machine: str) -> str:
        """``<Machine> <id> <source> --<event>--> <target> (file:line)``."""
        target = self.target if self.target is not None else "(internal)"
        return f"{machine} {self.id} {self.source} --{self.event}--> {target} ({self.at})"


class TransitionNotAllowed(ChargespecError, _LibraryTransitionNotAllowed):
    """No transition of the current state fires on the event (every guard was false, or the
    state has none). A subclass of python-statemachine's, so code written against the
    library's engine catches it too."""

    def __init__(self, event: str, state: State) -> None:
        self.event_name = event
        self.state = state
        Exception.__init__(self, f"Can't {event} when in {state.name}.")


class UnknownEvent(ChargespecError, KeyError):
    """The event is not one the machine's spec mentions at all."""


def _drop_none(payload: Mapping[str, Any]) -> dict[str, Any]:
    # Optional OCPP fields are left out of the JSON rather than sent as null (OCPP-J §4.1.2).
    return {k: v for k, v in payload.items() if v is not None}


class SpecMachine(StateMachine):
    """Base of every generated machine; sets the engine flags the generated code relies on.

    The flags are set explicitly rather than inherited so a change of library defaults cannot
    change behaviour: an event a state does not accept raises ``TransitionNotAllowed``;
    exceptions in guards and actions propagate; an internal transition runs no entry/exit.
    """

    allow_event_without_transition = False
    catch_errors_as_events = False
    atomic_configuration_update = True
    enable_self_transition_entries = False
    # Our compiler checks trap states itself (SPEC218) and allows states marked final, which
    # only a reboot (a new machine instance) leaves.
    validate_trap_states = False

    NAME: ClassVar[str] = ""
    SOURCE: ClassVar[str] = ""
    PROFILE: ClassVar[str] = ""
    """The feature profile the machine belongs to (an action of a declared profile is
    implemented only by a machine of that profile)."""
    EVENTS: ClassVar[Mapping[str, str]] = {}
    ACCEPTS: ClassVar[Mapping[str, frozenset[str]]] = {}
    MAY_SEND: ClassVar[Mapping[str, tuple[str, ...] | None]] = {}
    ANSWERS_CALLS: ClassVar[Mapping[str, bool]] = {}
    TRANSITIONS: ClassVar[tuple[TransitionInfo, ...]] = ()
    _TABLE: ClassVar[TransitionTable | None] = None

    def __init__(self, env: MachineEnv) -> None:
        # python-statemachine's own __init__ is deliberately not called: it would give this
        # instance its own callback registry, dispatcher and event queue (~60 KB, ~1.5 ms).
        # The class's shared TransitionTable runs the same definition (transition_table.py).
        table = type(self)._table()
        self.env = env
        self.effects: list[Effect] = []
        self.effect_sink: Callable[[Effect], None] | None = None
        """Set by a station: effects are carried out at once instead of collected."""
        self.on_transition: TransitionHook | None = None
        """Set by whoever measures transition coverage; None (nothing to do) otherwise."""
        self._state: State = table.initial
        self.state_name: str = str(table.initial.value)
        """The current state's spec name."""
        arguments = {"source": None, "msg": EMPTY_MSG}
        for bound in table.initial_enter:
            call(self, bound, arguments)

    @classmethod
    def _table(cls) -> TransitionTable:
        """The class's transition table, built at its first instance."""
        table = cls.__dict__.get("_TABLE")
        if table is None:
            table = build_table(cls)
            cls._TABLE = table
        return table

    def _fired(self, key: str) -> None:
        """Called first by every transition's callback with the transition's key."""
        if self.on_transition is not None:
            self.on_transition(self.NAME, key)

    def _emit(self, effect: Effect) -> None:
        if self.effect_sink is not None:
            self.effect_sink(effect)
        else:
            self.effects.append(effect)

    # python-statemachine guards against assigning over a state attribute; our instances never
    # do (the generated classes name their states), and every state change assigns twice.
    __setattr__ = object.__setattr__

    def __repr__(self) -> str:
        return f"{type(self).__name__}(state={self.state_name!r})"

    def accepts(self, event: str) -> bool:
        """Whether the current state has any transition on ``event`` (guards not evaluated)."""
        return event in self.ACCEPTS.get(self.state_name, frozenset())

    def fire(self, event: str, msg: Mapping[str, Any] | None = None) -> None:
        """Process one spec event (e.g. ``tester.plug_in``) with its payload.

        Raises:
            UnknownEvent: the spec never mentions this event.
            TransitionNotAllowed: no transition of the current state fires on it.
        """
        attr = self.EVENTS.get(event)
        if attr is None:
            raise UnknownEvent(event)
        self._step(attr, msg if msg is not None else EMPTY_MSG)

    def _step(self, attr: str, msg: Mapping[str, Any]) -> None:
        source = self._state
        candidates = self._table().candidates.get((source.value, attr), ())
        for candidate in candidates:
            arguments = {"source": source, "target": candidate.target, "msg": msg}
            # A guard holds when its truth is the expected one (python-statemachine's rule).
            if all(bool(call(self, g, arguments)) is g.expected for g in candidate.guards):
                for bound in candidate.before:
                    call(self, bound, arguments)
                self._state = candidate.target
                self.state_name = candidate.target_name
                for bound in candidate.after:
                    call(self, bound, arguments)
                return
        raise TransitionNotAllowed(attr, source)

    def take_effects(self) -> list[Effect]:
        """Return and clear the effects produced since the last call."""
        taken, self.effects = self.effects, []
        return taken

    def may_send(self, action: str) -> bool:
        """Whether this machine's current state lets the station send ``action``."""
        allowed = self.MAY_SEND.get(self.state_name)
        return allowed is None or action in allowed

    def answers_calls(self) -> bool:
        """Whether incoming CALLs get an answer in the current state."""
        return self.ANSWERS_CALLS.get(self.state_name, True)

    # Helpers the generated actions call; kept here so the generated code stays declarative.
    def emit_send(self, action: str, payload: Mapping[str, Any], tx_ref: int | None = None) -> None:
        self._emit(SendCall(action, _drop_none(payload), tx_ref))

    def emit_reply(self, action: str, payload: Mapping[str, Any]) -> None:
        self._emit(Reply(action, _drop_none(payload)))

    def emit_reply_error(self, action: str, code: str) -> None:
        self._emit(Reply(action, {}, error=code))

    def emit_invoke(self, operation: str, args: Mapping[str, Any]) -> None:
        self._emit(Invoke(operation, dict(args)))

    def emit_raise(self, event: str, payload: Mapping[str, Any]) -> None:
        self._emit(RaiseEvent(event, _drop_none(payload)))

    def emit_start_timer(self, name: str, seconds: float) -> None:
        self._emit(StartTimer(name, float(seconds)))

    def emit_cancel_timer(self, name: str) -> None:
        self._emit(CancelTimer(name))

    def emit_set_config(self, key: str, value: Any) -> None:
        self._emit(SetConfig(key, value))

    def emit_sync_clock(self, timestamp: Any) -> None:
        self._emit(SyncClock(str(timestamp)))
