"""A sans-IO charge point: the generated machines of a spec set, driven by frames, tester
actions and time.

Theory of operation: the station owns one instance of every station-level machine and one per
connector of every per-connector machine. Everything that happens becomes a spec event
(``tester.plug_in``, ``result.BootNotification``, ``timer.heartbeat``, ``internal.connected``)
delivered to the machines that accept it in their current state. Machines answer with effects;
the station carries them out: CALLs go to the OCPP-J endpoint (if every station-level machine's
state allows sending them, e.g. nothing but BootNotification before acceptance, OCPP 1.6 §4.2),
timers are kept per machine instance, internal events are queued and delivered after the
current event has been processed (run to completion). No sockets, no clock: the caller passes
``now`` and moves the frames (the h11 pattern).

Parts with one job each live beside this module: the machine instances, their timers and the
event queue (:mod:`runtime.station.machines`), transaction message delivery
(:mod:`runtime.station.txqueue`), the CALL rules that need no machine
(:mod:`runtime.station.calls`) and tester actions and observations
(:mod:`runtime.station.tester`).
"""

from __future__ import annotations

import functools
import logging
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from runtime.ocppj.datetime import from_iso8601
from runtime.ocppj.endpoint import Endpoint
from runtime.spec.config_keys import ConfigError
from runtime.spec.effects import Effect, Invoke, Reply, SendCall, SetConfig, SyncClock
from runtime.spec.machine import SpecMachine, TransitionHook
from runtime.spec.registry import SpecRegistry
from runtime.station.calls import CallHandler, CallRouter, unsupported
from runtime.station.config import (
    ConfigStore,
    pics_config_values,
    pinned_values,
)
from runtime.station.hardware import Hardware, SimulatedHardware, restart_with_retries
from runtime.station.machines import MachineSet
from runtime.station.metering import SUPPORTED_MEASURANDS
from runtime.station.services import StationServices
from runtime.station.shared import shared_parts
from runtime.station.store import StationStore
from runtime.station.store_memory import MemoryStore
from runtime.station.tester import TesterError, check_action, observe, tester_effect
from runtime.station.txqueue import InstanceKey, StationQueue

__all__ = ["CallHandler", "InstanceKey", "Station", "StationIdentity", "TesterError"]

_P = ParamSpec("_P")
_R = TypeVar("_R")


def _atomic(
    method: Callable[Concatenate[Station, _P], _R],
) -> Callable[Concatenate[Station, _P], _R]:
    """Run one station step as one store batch: its writes reach the disk together, before
    any frame it produced is handed out (OCPP 1.6 §3.7: nothing lost, nothing half-stored)."""

    @functools.wraps(method)
    def step(self: Station, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        try:
            with self.store.batch():
                return method(self, *args, **kwargs)
        except BaseException:
            self.queue.forget_head()  # the rollback may have undone a change of the queue
            raise

    return step


log = logging.getLogger(__name__)

StateListener = Callable[[str, int, str], None]


@dataclass(frozen=True, slots=True)
class StationIdentity:
    """What the Charge Point says about itself in BootNotification."""

    charge_point_id: str
    vendor: str = "chargespec"
    model: str = "SimStation"
    serial_number: str | None = None
    firmware_version: str | None = None


class Station:
    """One charge point. See the module docstring for how it works.

    ``response_timeout`` is the wait for the answer to a request when the configuration
    holds no MessageTimeout above 0 (see :meth:`message_timeout`). ``on_transition`` is told
    of every spec transition the machines take, across reboots (transition coverage).
    """

    def __init__(
        self,
        registry: SpecRegistry,
        identity: StationIdentity,
        *,
        connectors: int,
        now: float,
        config: Mapping[str, Any] | None = None,
        pics: Mapping[str, Any] | None = None,
        response_timeout: float = 30.0,
        id_factory: Callable[[], str] | None = None,
        on_state_change: StateListener | None = None,
        lenient: Iterable[str] = (),
        handlers: Mapping[str, CallHandler] | None = None,
        store: StationStore | None = None,
        hardware: Hardware | None = None,
        on_transition: TransitionHook | None = None,
    ) -> None:
        self.registry = registry
        self.on_transition = on_transition
        self.identity = identity
        self.connectors = connectors
        self.now = now
        handled = {registry.messages[a].profile for a in handlers or {} if a in registry.messages}
        shared = shared_parts(registry, pics, frozenset(handled), frozenset(lenient))
        self.pics = shared.pics
        # What must survive a power loss lives in the store (OCPP 1.6 §3.7, errata E3.37):
        # configuration the Central System set, the cache, transactions and their messages.
        # Without a store the station keeps its memory in the process (a fleet's stations):
        # nothing survives the process, exactly as with an SQLite ":memory:" database, at a
        # tenth of the cost.
        self.store = store if store is not None else MemoryStore()
        self.hardware: Hardware = hardware if hardware is not None else SimulatedHardware()
        # The PICS decides which keys the Charge Point has and what its limits are (OCPP 1.6
        # §3.3, chapter 9); the caller's values come over those, the connectors over all.
        # The PICS also narrows ranges and pins keys (errata E3.80, E3.84); a pinned value is
        # a fact of the device, so it wins over the caller's.
        keys = shared.keys
        self.config = ConfigStore(
            keys,
            {
                **pics_config_values(keys, self.pics),
                **(config or {}),
                **pinned_values(keys, self.pics),
                "NumberOfConnectors": connectors,
            },
            supplies={"meter": SUPPORTED_MEASURANDS},
        )
        for key, value in self.store.load_config().items():
            try:
                self.config.set(key, value)
            except ConfigError as error:  # a key this spec set no longer accepts
                log.warning("stored configuration %s ignored: %s", key, error)
        self.services = StationServices(self)
        # Strict unless declared leniencies are switched on by name (ValueError otherwise).
        self.validator = shared.validator
        self.handlers = dict(handlers or {})
        self.lenient_frames: Counter[str] = Counter()
        """Frames accepted only thanks to a leniency, per leniency name, since power-on."""
        self.response_timeout = response_timeout
        self.id_factory = id_factory
        self.on_state_change = on_state_change
        self.clock_offset = 0.0
        self.suppressed: list[str] = []
        self.reconnect_requested = False
        with self.store.batch():
            self._boot()

    # --- MachineEnv: what the generated guards and actions read -----------------------------
    # A key this Charge Point does not have (its profile or feature is not in the PICS) reads
    # as unset: 0, false, ''.
    def config_int(self, key: str) -> int:
        return self.config.get_int(key) if self.config.is_known(key) else 0

    def config_bool(self, key: str) -> bool:
        return self.config.get_bool(key) if self.config.is_known(key) else False

    def config_str(self, key: str) -> str:
        return self.config.get_str(key) if self.config.is_known(key) else ""

    def pics_bool(self, item: str) -> bool:
        return self.pics.get_bool(item)

    def pics_int(self, item: str) -> int:
        return self.pics.get_int(item)

    def pics_str(self, item: str) -> str:
        return self.pics.get_str(item)

    def query(self, name: str, *args: Any) -> Any:
        return self.services.query(name, args)

    # --- lifecycle ------------------------------------------------------------------------
    def _params(self, connector: int) -> dict[str, Any]:
        ident = self.identity
        return {
            "connector_id": connector,
            "vendor": ident.vendor,
            "model": ident.model,
            "serial_number": ident.serial_number,
            "firmware_version": ident.firmware_version,
        }

    def _boot(self) -> None:
        """Power on: fresh machines and timers; what is stored survives (configuration,
        cache, transactions, queued transaction messages, availability)."""
        self.reboot_pending: str | None = None
        # Transactions with a lower reference were open before this boot (interrupted).
        self.boot_ref = self.store.next_transaction_ref()
        self._machines = MachineSet(
            self.registry,
            self,
            self.connectors,
            self._params,
            now=lambda: self.now,
            on_effect=self._apply,
            on_state=self._state_changed,
            on_idle=lambda: self._calls.flush(),
            on_transition=self.on_transition,
        )
        tx = StationQueue(
            self.store, self.config, lambda n: self._machines.addressees({"connector": n})
        )
        self.queue = tx.queue
        self._calls = CallRouter(
            self._machines,
            tx,
            self._handlers,
            now=lambda: self.now,
            lenient_frames=self.lenient_frames,
            suppressed=self.suppressed,
            name=self.identity.charge_point_id,
        )
        self._machines.start()
        self._machines.broadcast("internal.powered_on", {})
        for connector in range(1, self.connectors + 1):
            if self.hardware.plugged(connector):
                # A cable left in across the reboot is detected at power-on, as if plugged
                # in now (the connector reports Preparing, OCPP 1.6 §4.9, errata E3.22).
                keys = self._machines.of_connector(connector)
                self._machines.deliver(keys, "tester.plug_in", {"connector": connector})
                self._machines.drain()

    def _handlers(self) -> dict[str, CallHandler]:
        """The application handlers in force: none for an action of a feature profile the
        PICS does not declare (OCPP 1.6 §3.3), which the spec's machines answer, or
        NotSupported."""
        known = {item.name for item in self.registry.pics_items}
        messages = self.registry.messages
        return {
            action: handler
            for action, handler in self.handlers.items()
            if action not in messages
            or messages[action].profile not in known
            or self.pics.get_bool(messages[action].profile)
        }

    @property
    def endpoint(self) -> Endpoint | None:
        """The OCPP-J state of the current connection; ``None`` while offline."""
        return self._calls.endpoint

    @property
    def machines(self) -> dict[InstanceKey, SpecMachine]:
        """The machine instances of this boot, by (machine name, connector)."""
        return self._machines.instances

    @property
    def timers(self) -> dict[tuple[InstanceKey, str], tuple[float, int]]:
        """Running timers: (instance, timer name) -> (due time, start order)."""
        return self._machines.timers

    def state(self, machine: str, connector: int = 0) -> str:
        """The current state of one machine instance."""
        return self.machines[(machine, connector)].state_name

    # --- transport (called by an adapter or an in-process harness) -----------------------
    @_atomic
    def connected(self, now: float) -> None:
        self.now = now
        reasons = unsupported(
            self.registry, self.pics, self._handlers(), self._machines.ocpp_actions()
        )
        endpoint = Endpoint(
            validator=self.validator,
            response_timeout=self.message_timeout(),
            id_factory=self.id_factory,
            supported_actions=frozenset(self.registry.messages) - reasons.keys(),
            unsupported_reasons=reasons,
        )
        self._calls.open(endpoint)
        self.reconnect_requested = False
        self._machines.broadcast("internal.connected", {})

    @_atomic
    def disconnected(self, now: float) -> None:
        self.now = now
        if self.endpoint is None:
            return
        self._calls.lost()
        self._machines.broadcast("internal.connection_lost", {})

    @_atomic
    def receive(self, text: str, now: float) -> None:
        self.now = now
        if self.endpoint is None:
            return
        self._calls.receive(text, now)
        self._machines.drain()

    @_atomic
    def poll(self, now: float) -> None:
        """Let time pass: fire due timers in order, then time out unanswered CALLs."""
        self.now = now
        self._machines.fire_due_timers(now)
        self._calls.poll(now)
        self._machines.drain()
        if self.reboot_pending is not None:
            self._reset(self.reboot_pending)

    def data_to_send(self) -> list[str]:
        return self.endpoint.data_to_send() if self.endpoint is not None else []

    def next_deadline(self) -> float | None:
        deadlines = [] if (timer := self._machines.next_timer()) is None else [timer]
        if self.endpoint is not None and (limit := self.endpoint.next_deadline()) is not None:
            deadlines.append(limit)
        if self.endpoint is not None and (retry := self.queue.next_deadline()) is not None:
            deadlines.append(retry)
        return min(deadlines, default=None)

    # --- tester actions and observations --------------------------------------------------
    @_atomic
    def tester(self, name: str, /, **payload: Any) -> bool:
        """Apply a physical stimulus; returns whether any machine accepted it.

        Raises:
            TesterError: unknown action, missing field, or a connector that does not exist.
        """
        check_action(self.registry, name, payload)
        effect = tester_effect(name)
        if effect.power_cycle:
            self.power_cycle()
            return True
        connector = payload.get("connector")
        if connector is not None and not 0 <= int(connector) <= self.connectors:
            raise TesterError(f"connector {connector} does not exist (1..{self.connectors})")
        if effect.hardware is not None:
            effect.hardware(self.hardware, int(payload["connector"]))
        if not effect.machine_event:
            return True
        keys = self._machines.of_connector(connector)
        accepted = self._machines.deliver(keys, f"tester.{name}", payload)
        self._machines.drain()
        return accepted

    def observe(self, name: str, /, **payload: Any) -> Any:
        """Answer a tester's observation of the hardware, e.g. ``observe("cable_locked",
        connector=1)`` (see :data:`runtime.station.tester.OBSERVATIONS`).

        Raises:
            TesterError: unknown observation or connector; the message lists the known ones.
        """
        return observe(self.hardware, self.connectors, name, payload, self.now)

    @_atomic
    def power_cycle(self) -> None:
        """Power lost and restored (or a reset): the connection drops and every machine
        starts over; the store keeps what must survive."""
        self.disconnected(self.now)
        for connector in range(1, self.connectors + 1):
            self.hardware.set_energy_flow(connector, False, self.now)
        self._boot()
        self.reconnect_requested = True

    def request_reboot(self, kind: str) -> None:
        """Reboot at the end of the current step, after the frames produced so far."""
        self.reboot_pending = kind

    def _reset(self, kind: str) -> None:
        """Restart the hardware for a reset and reboot, retrying a failed restart
        ResetRetries times (OCPP 1.6 §9.1.22).

        When every attempt failed the Charge Point stays up as it is: the Reset was answered
        Accepted already (§5.14), its connection and transactions are unchanged, and the
        machines hear ``internal.reset_failed`` (the specs report it with errorCode
        ResetFailure, §7.6, and take the next Reset again).
        """
        self.reboot_pending = None
        known = self.config.is_known("ResetRetries")
        retries = self.config.get_int("ResetRetries") if known else 0
        attempt = restart_with_retries(self.hardware, retries)
        if attempt is None:
            log.error("%s reset failed %d time(s); the Charge Point stays up", kind, retries + 1)
            self._machines.raise_event("internal.reset_failed", {"kind": kind})
            self._machines.drain()
            return
        log.info("%s reset: rebooting (restart attempt %d)", kind, attempt)
        self.power_cycle()

    # --- effects and internal events ------------------------------------------------------
    def raise_event(self, event: str, payload: Mapping[str, Any]) -> None:
        """Queue an internal event (used by station operations)."""
        self._machines.raise_event(event, payload)

    def _state_changed(self, key: InstanceKey, state: str) -> None:
        if self.on_state_change is not None:
            self.on_state_change(key[0], key[1], state)

    def _apply(self, key: InstanceKey, effect: Effect) -> None:
        """Carry out one effect other than a timer or an internal event (see MachineSet)."""
        if isinstance(effect, SendCall):
            self._calls.send(key, effect)
        elif isinstance(effect, SetConfig):
            self.set_config(effect.key, effect.value)
        elif isinstance(effect, SyncClock):
            self.clock_offset = from_iso8601(effect.timestamp) - self.now
        elif isinstance(effect, Reply):
            self._calls.reply(effect)
        elif isinstance(effect, Invoke):
            self.services.invoke(effect.operation, effect.args)

    def set_config(self, key: str, value: Any) -> None:
        """Store a configuration value and persist it (it survives reboots, OCPP 1.6 §5.3)."""
        try:
            self.config.set(key, value)
        except ConfigError as error:
            # A value from the Central System that the key cannot take. One outside the range
            # the device supports (the BootNotification.conf interval, which §4.2 says the
            # Charge Point SHALL adopt, beyond the PICS Maximum HeartbeatInterval) is adopted
            # as far as it can be: the nearest bound. Anything else (not a number): the key
            # keeps its value; the station carries on.
            bound = self.config.nearest(key, value)
            if bound is None:
                log.warning("configuration %s not changed: %s", key, error)
                return
            log.warning("configuration %s set to %s, the nearest it takes: %s", key, bound, error)
            self.config.set(key, bound)
        self.store.save_config(key, self.config.wire_value(key))
        if self.endpoint is not None:
            # A changed MessageTimeout applies from the next request on; one already sent
            # keeps the deadline it was sent with.
            self.endpoint.response_timeout = self.message_timeout()

    def message_timeout(self) -> float:
        """Seconds to wait for the answer to a request before it counts as timed out:
        MessageTimeout (errata E3.83, an optional key) when the configuration holds it
        above 0, else the ``response_timeout`` the station was made with."""
        known = self.config.is_known("MessageTimeout")
        seconds = self.config.get_int("MessageTimeout") if known else 0
        return float(seconds) if seconds > 0 else self.response_timeout

    def may_send(self, action: str) -> bool:
        """Whether every station-level machine's state allows sending ``action`` now."""
        return self._machines.may_send(action)
