"""The machines of one boot of a station: instances, timers and run-to-completion delivery.

Theory of operation: a :class:`MachineSet` holds one instance of every station-level machine
of a spec set and one per connector of every per-connector machine. An event goes to the
instances it is addressed to that accept it in their current state; each answers with
effects. Timers (kept per instance) and internal events (queued) are handled here; every
other effect goes to the station's ``on_effect`` as it is produced, so a query in a later
action of the same transition sees what an earlier operation did. Queued events are delivered
one at a time after the current one has been processed (run to completion), in FIFO order;
when the queue is empty the station's ``on_idle`` runs. No clock: ``now`` is read from the
station, which is told the time by its caller.
"""

from __future__ import annotations

import heapq
from collections import deque
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from runtime.spec.effects import CancelTimer, Effect, MachineEnv, RaiseEvent, StartTimer
from runtime.spec.machine import SpecMachine, TransitionHook, TransitionNotAllowed
from runtime.spec.registry import SpecRegistry
from runtime.station.txqueue import Delivery, InstanceKey

__all__ = ["MAX_EVENTS_PER_STEP", "MachineSet"]

# A loop guard: a spec whose internal events raise each other forever is a spec bug, and the
# station must stop rather than hang.
MAX_EVENTS_PER_STEP = 10_000


class MachineSet:
    """The machine instances of one boot and their timers.

    Args:
        registry: The spec set whose machines are instantiated.
        env: What the machines' guards and actions read (the station).
        connectors: Number of connectors (per-connector machines get ids 1..N).
        params: The construction parameters of the instances for connector ``n``.
        now: The station's current time.
        on_effect: Carries out an effect that is not a timer or an internal event.
        on_state: Told of every state change of an instance.
        on_idle: Runs when the internal event queue has been drained.
        on_transition: Told (machine, transition key) of every transition that fires.
    """

    def __init__(
        self,
        registry: SpecRegistry,
        env: MachineEnv,
        connectors: int,
        params: Callable[[int], Mapping[str, Any]],
        *,
        now: Callable[[], float],
        on_effect: Callable[[InstanceKey, Effect], None],
        on_state: Callable[[InstanceKey, str], None],
        on_idle: Callable[[], None],
        on_transition: TransitionHook | None = None,
    ) -> None:
        self._registry = registry
        self._env = env
        self._connectors = connectors
        self._params = params
        self._now = now
        self._on_effect = on_effect
        self._on_state = on_state
        self._on_idle = on_idle
        self._on_transition = on_transition
        self.instances: dict[InstanceKey, SpecMachine] = {}
        self.timers: dict[tuple[InstanceKey, str], tuple[float, int]] = {}
        """(instance, timer name) -> (due time, start order); ties fire in start order."""
        self._timer_seq = 0
        self._due: list[tuple[float, int, InstanceKey, str]] = []
        """A heap of (due, start order, instance, name); entries whose timer was cancelled or
        restarted since are skipped when they come up (``timers`` is the truth)."""
        self._queue: deque[Delivery] = deque()
        self._busy = False
        self._gatekeepers: list[SpecMachine] = []
        self._takers: dict[str, _Takers] = {}
        """Per event, the instances whose machine's spec mentions it (built at first use)."""

    def start(self) -> None:
        """Create the instances and carry out what their initial states do."""
        for binding in self._registry.machines:
            ids = [0] if binding.instance == "station" else range(1, self._connectors + 1)
            for connector in ids:
                machine = binding.create(self._env, self._params(connector))
                machine.on_transition = self._on_transition
                self.instances[(binding.name, connector)] = machine
        # Only station-level machines whose states restrict sending or answering are asked
        # (the Registration machine, §4.2); the others allow everything in every state.
        self._gatekeepers = [
            m
            for (_, n), m in self.instances.items()
            if n == 0 and (_restricts(m.MAY_SEND.values()) or not all(m.ANSWERS_CALLS.values()))
        ]
        for key, machine in self.instances.items():
            self._apply(key, machine.take_effects())
            # From now on effects are carried out as they are produced.
            machine.effect_sink = self._sink(key)

    def _sink(self, key: InstanceKey) -> Callable[[Effect], None]:
        return _Sink(self._apply, key)

    # --- addressing -------------------------------------------------------------------------
    def addressees(self, payload: Mapping[str, Any]) -> tuple[InstanceKey, ...]:
        """An internal event about connector n > 0 goes to that connector's machines and the
        station-level ones; one about connector 0 (the whole Charge Point) or no connector
        goes to every machine."""
        connector = payload.get("connector")
        if not isinstance(connector, int) or connector <= 0:
            return tuple(self.instances)
        return tuple(k for k in self.instances if k[1] in (0, connector))

    def of_connector(self, connector: int | None) -> tuple[InstanceKey, ...]:
        """The instances of one connector (0: the station-level ones); all for ``None``."""
        return tuple(k for k in self.instances if connector is None or k[1] == connector)

    def ocpp_actions(self) -> dict[str, set[str]]:
        """The actions some machine takes as a CALL from the Central System (``ocpp.X``),
        each with the feature profiles of the machines that take it."""
        actions: dict[str, set[str]] = {}
        for machine in self.instances.values():
            for event in machine.EVENTS:
                if event.startswith("ocpp."):
                    actions.setdefault(event.partition(".")[2], set()).add(machine.PROFILE)
        return actions

    def may_send(self, action: str) -> bool:
        """Whether every station-level machine's state allows sending ``action`` now."""
        return all(m.may_send(action) for m in self._gatekeepers)

    def answers_calls(self) -> bool:
        """Whether every station-level machine's state lets CALLs be answered (not so
        while the registration is Rejected, OCPP 1.6 §4.2)."""
        return all(m.answers_calls() for m in self._gatekeepers)

    # --- delivery ---------------------------------------------------------------------------
    def post(self, delivery: Delivery) -> None:
        """Queue an event; it is delivered by the next :meth:`drain`."""
        self._queue.append(delivery)

    def raise_event(self, event: str, payload: Mapping[str, Any]) -> None:
        """Queue an internal event for the machines :meth:`addressees` names."""
        self._queue.append((self.addressees(payload), event, dict(payload)))

    def broadcast(self, event: str, payload: Mapping[str, Any]) -> None:
        """Deliver an event to every machine, then everything it caused."""
        self._queue.append((tuple(self.instances), event, payload))
        self.drain()

    def deliver(self, keys: tuple[InstanceKey, ...], event: str, msg: Mapping[str, Any]) -> bool:
        """Fire ``event`` on each of ``keys`` that accepts it; whether any took a transition."""
        accepted = False
        takers = self._takers.get(event)
        if takers is None:
            takers = self._takers[event] = _Takers(self.instances, event)
        # Every instance (a broadcast, a tester action on the whole station) or a few of them.
        chosen = takers.ordered if len(keys) == len(self.instances) else keys
        for key in chosen:
            if key not in takers.keys:
                continue
            machine = self.instances[key]
            if not machine.accepts(event):
                continue
            before = machine.state_name
            try:
                machine.fire(event, msg)
            except TransitionNotAllowed:
                continue  # every guard was false
            accepted = True
            if machine.state_name != before:
                self._on_state(key, machine.state_name)
            self._apply(key, machine.take_effects())
        return accepted

    def drain(self) -> None:
        """Deliver queued events until none is left, then run ``on_idle``.

        A call made while draining (an effect that delivers) returns at once: the outer
        drain delivers what it queued, in order.

        Raises:
            RuntimeError: the events keep raising each other (a spec bug).
        """
        if self._busy:
            return
        self._busy = True
        try:
            for _ in range(MAX_EVENTS_PER_STEP):
                if not self._queue:
                    self._on_idle()
                    return
                keys, event, msg = self._queue.popleft()
                self.deliver(keys, event, msg)
            raise RuntimeError("internal events keep raising each other; check the specs")
        finally:
            self._busy = False

    def _apply(self, key: InstanceKey, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, StartTimer):
                self._timer_seq += 1
                due = self._now() + effect.seconds
                self.timers[(key, effect.name)] = (due, self._timer_seq)
                heapq.heappush(self._due, (due, self._timer_seq, key, effect.name))
            elif isinstance(effect, CancelTimer):
                self.timers.pop((key, effect.name), None)
            elif isinstance(effect, RaiseEvent):
                self.raise_event(effect.event, effect.payload)
            else:
                self._on_effect(key, effect)

    # --- time -------------------------------------------------------------------------------
    def fire_due_timers(self, now: float) -> None:
        """Deliver ``timer.<name>`` for every timer due at ``now``, earliest first (ties in
        the order they were started)."""
        for _ in range(MAX_EVENTS_PER_STEP):
            head = self._head()
            if head is None or head[0] > now:
                return
            _, _, instance, name = heapq.heappop(self._due)
            del self.timers[(instance, name)]
            self.deliver((instance,), f"timer.{name}", {})

    def next_timer(self) -> float | None:
        """When the earliest timer is due, or ``None`` if none runs."""
        head = self._head()
        return None if head is None else head[0]

    def _head(self) -> tuple[float, int, InstanceKey, str] | None:
        """The earliest running timer's heap entry, dropping stale entries on the way."""
        due = self._due
        while due:
            at, seq, instance, name = due[0]
            if self.timers.get((instance, name)) == (at, seq):
                return due[0]
            heapq.heappop(due)
        return None


class _Takers:
    """The instances whose machine's spec mentions an event, in instance order and as a set."""

    __slots__ = ("keys", "ordered")

    def __init__(self, instances: Mapping[InstanceKey, SpecMachine], event: str) -> None:
        self.ordered = tuple(k for k, m in instances.items() if event in m.EVENTS)
        self.keys = frozenset(self.ordered)


class _Sink:
    """Carries out one instance's effects as they are produced (a slotted object: a fleet
    holds one per machine instance, and a closure costs three times as much)."""

    __slots__ = ("_apply", "_key")

    def __init__(self, apply: Callable[[InstanceKey, list[Effect]], None], key: InstanceKey):
        self._apply = apply
        self._key = key

    def __call__(self, effect: Effect) -> None:
        self._apply(self._key, [effect])


def _restricts(may_send: Iterable[tuple[str, ...] | None]) -> bool:
    return any(allowed is not None for allowed in may_send)
