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
"""

from __future__ import annotations

import functools
import logging
from collections import Counter, deque
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

from runtime.clock import from_iso8601
from runtime.config import ConfigError, ConfigStore
from runtime.endpoint import (
    CallAborted,
    CallReceived,
    CallTimedOut,
    Endpoint,
    EndpointEvent,
    ErrorReceived,
    LocalProtocolError,
    ProtocolViolation,
    ResultInvalid,
    ResultReceived,
)
from runtime.hardware import Hardware, SimulatedHardware
from runtime.machine import (
    CancelTimer,
    Effect,
    Invoke,
    RaiseEvent,
    Reply,
    SendCall,
    SetConfig,
    SpecMachine,
    StartTimer,
    SyncClock,
    TransitionNotAllowed,
)
from runtime.ocppj import Call, ErrorCode, FrameError, decode_frame
from runtime.pics import PicsValues
from runtime.registry import SpecRegistry
from runtime.services import StationServices
from runtime.store import Store
from runtime.txqueue import TransactionQueue

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
        with self.store.batch():
            return method(self, *args, **kwargs)

    return step


log = logging.getLogger(__name__)

InstanceKey = tuple[str, int]  # (machine name, connector id; 0 for station-level machines)
StateListener = Callable[[str, int, str], None]
CallHandler = Callable[[Call], Mapping[str, Any]]
"""Application code answering one CSMS action (e.g. vendor DataTransfer): the received CALL
in, the response payload (wire JSON values) out."""
# A loop guard: a spec whose internal events raise each other forever is a spec bug, and the
# station must stop rather than hang.
_MAX_EVENTS_PER_STEP = 10_000


@dataclass(frozen=True, slots=True)
class StationIdentity:
    """What the Charge Point says about itself in BootNotification."""

    charge_point_id: str
    vendor: str = "chargespec"
    model: str = "SimStation"
    serial_number: str | None = None
    firmware_version: str | None = None


def _is_call(text: str) -> bool:
    try:
        return isinstance(decode_frame(text), Call)
    except FrameError:
        return False


class TesterError(ValueError):
    """A tester action that does not exist or is missing a field."""


class Station:
    """One charge point. See the module docstring for how it works."""

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
        store: Store | None = None,
        hardware: Hardware | None = None,
    ) -> None:
        self.registry = registry
        self.identity = identity
        self.connectors = connectors
        self.now = now
        self.pics = PicsValues(registry.pics_items, pics)
        # What must survive a power loss lives in the store (OCPP 1.6 §3.7, errata E3.37):
        # configuration the Central System set, the cache, transactions and their messages.
        self.store = store if store is not None else Store(":memory:")
        self.hardware: Hardware = hardware if hardware is not None else SimulatedHardware()
        self.config = ConfigStore(
            registry.config_keys, {**(config or {}), "NumberOfConnectors": connectors}
        )
        for key, value in self.store.load_config().items():
            try:
                self.config.set(key, value)
            except ConfigError as error:  # a key this spec set no longer accepts
                log.warning("stored configuration %s ignored: %s", key, error)
        self.services = StationServices(self)
        # Strict unless declared leniencies are switched on by name (ValueError otherwise).
        self.validator = registry.validator(lenient)
        self.handlers = dict(handlers or {})
        self.lenient_frames: Counter[str] = Counter()
        """Frames accepted only thanks to a leniency, per leniency name, since power-on."""
        self.response_timeout = response_timeout
        self.id_factory = id_factory
        self.on_state_change = on_state_change
        self.clock_offset = 0.0
        self.suppressed: list[str] = []
        self.endpoint: Endpoint | None = None
        self.reconnect_requested = False
        with self.store.batch():
            self._boot()

    # --- MachineEnv: what the generated guards and actions read -----------------------------
    def config_int(self, key: str) -> int:
        return self.config.get_int(key)

    def config_bool(self, key: str) -> bool:
        return self.config.get_bool(key)

    def config_str(self, key: str) -> str:
        return self.config.get_str(key)

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
        self.machines: dict[InstanceKey, SpecMachine] = {}
        self.timers: dict[tuple[InstanceKey, str], tuple[float, int]] = {}
        self._timer_seq = 0
        self._origin: dict[str, InstanceKey] = {}
        self._queued_in_flight: dict[str, int] = {}
        self._queue: deque[tuple[tuple[InstanceKey, ...], str, Mapping[str, Any]]] = deque()
        self._busy = False
        self._open_calls: dict[str, Call] = {}
        self._tx_origin: dict[int, InstanceKey] = {}
        self.reboot_pending: str | None = None
        # Transactions with a lower reference were open before this boot (interrupted).
        self.boot_ref = self.store.next_transaction_ref()
        self.queue = TransactionQueue(
            self.store,
            attempts=lambda: self.config.get_int("TransactionMessageAttempts") or 1,
            retry_interval=lambda: self.config.get_int("TransactionMessageRetryInterval"),
        )
        for binding in self.registry.machines:
            ids = [0] if binding.instance == "station" else range(1, self.connectors + 1)
            for connector in ids:
                self.machines[(binding.name, connector)] = binding.create(
                    self, self._params(connector)
                )
        for key, machine in self.machines.items():
            self._apply(key, machine.take_effects())
            # From now on effects are carried out as they are produced, so a query in a
            # later action of the same transition sees what an earlier operation did.
            machine.effect_sink = self._sink(key)
        self._broadcast("internal.powered_on", {})
        for connector in range(1, self.connectors + 1):
            if self.hardware.plugged(connector):
                # A cable left in across the reboot is detected at power-on, as if plugged
                # in now (the connector reports Preparing, OCPP 1.6 §4.9, errata E3.22).
                keys = tuple(k for k in self.machines if k[1] == connector)
                self._deliver(keys, "tester.plug_in", {"connector": connector})
                self._drain()

    def _sink(self, key: InstanceKey) -> Callable[[Effect], None]:
        return lambda effect: self._apply(key, [effect])

    def state(self, machine: str, connector: int = 0) -> str:
        """The current state of one machine instance."""
        return self.machines[(machine, connector)].state_name

    # --- transport (called by an adapter or an in-process harness) -----------------------
    @_atomic
    def connected(self, now: float) -> None:
        self.now = now
        reasons = self._unsupported_reasons()
        self.endpoint = Endpoint(
            validator=self.validator,
            response_timeout=self.response_timeout,
            id_factory=self.id_factory,
            supported_actions=frozenset(self.registry.messages) - reasons.keys(),
            unsupported_reasons=reasons,
        )
        self.reconnect_requested = False
        self._broadcast("internal.connected", {})

    def _unsupported_reasons(self) -> dict[str, str]:
        """Known actions this charge point refuses with NotSupported, and why.

        OCPP-J 1.6 §4.2.3 table 7: NotSupported is for an action the receiver recognises but
        does not support — one the Central System may not send, one of a feature profile the
        PICS does not declare (OCPP 1.6 §3.3), or one nothing here handles yet.
        """
        handled = set(self.handlers) | {
            event.partition(".")[2]
            for machine in self.machines.values()
            for event in machine.EVENTS
            if event.startswith("ocpp.")
        }
        reasons = {}
        for name, info in self.registry.messages.items():
            if not info.sent_by_central_system():
                reasons[name] = "is sent by the Charge Point, not to it"
            elif not self._profile_supported(info.profile):
                reasons[name] = (
                    f"belongs to the {info.profile} profile, which this charge point does not "
                    "support"
                )
            elif name not in handled:
                reasons[name] = "is not supported by this charge point"
        return reasons

    def _profile_supported(self, profile: str) -> bool:
        # A profile with a PICS item is gated by it; one without (the security extension's
        # messages) is not declared in the PICS form's profile list.
        known = {item.name for item in self.registry.pics_items}
        return self.pics.get_bool(profile) if profile in known else True

    @_atomic
    def disconnected(self, now: float) -> None:
        self.now = now
        if self.endpoint is None:
            return
        events = self.endpoint.connection_lost()
        self.endpoint = None
        for event in events:
            self._on_endpoint_event(event)
        self._broadcast("internal.connection_lost", {})

    @_atomic
    def receive(self, text: str, now: float) -> None:
        self.now = now
        if self.endpoint is None:
            return
        if not self._answers_calls() and _is_call(text):
            # Registration Rejected: the Charge Point answers nothing at all (OCPP 1.6 §4.2),
            # not even the CALLERROR the endpoint would give an unsupported action.
            log.info("CALL from the Central System left unanswered (Rejected): %s", text[:80])
            return
        for event in self.endpoint.receive(text, now):
            self._on_endpoint_event(event)
        self._drain()

    @_atomic
    def poll(self, now: float) -> None:
        """Let time pass: fire due timers in order, then time out unanswered CALLs."""
        self.now = now
        for _ in range(_MAX_EVENTS_PER_STEP):
            due = [(at, seq, key) for key, (at, seq) in self.timers.items() if at <= now]
            if not due:
                break
            _, _, (instance, name) = min(due)
            del self.timers[(instance, name)]
            self._deliver((instance,), f"timer.{name}", {})
        if self.endpoint is not None:
            for event in self.endpoint.poll(now):
                self._on_endpoint_event(event)
        self._drain()
        if self.reboot_pending is not None:
            log.info("%s reset: rebooting", self.reboot_pending)
            self.power_cycle()

    def data_to_send(self) -> list[str]:
        return self.endpoint.data_to_send() if self.endpoint is not None else []

    def next_deadline(self) -> float | None:
        deadlines = [at for at, _ in self.timers.values()]
        if self.endpoint is not None and (limit := self.endpoint.next_deadline()) is not None:
            deadlines.append(limit)
        if self.endpoint is not None and (retry := self.queue.next_deadline()) is not None:
            deadlines.append(retry)
        return min(deadlines, default=None)

    # --- tester actions -------------------------------------------------------------------
    @_atomic
    def tester(self, name: str, /, **payload: Any) -> bool:
        """Apply a physical stimulus; returns whether any machine accepted it.

        Raises:
            TesterError: unknown action, missing field, or a connector that does not exist.
        """
        spec = self.registry.tester_events.get(name)
        if spec is None:
            known = ", ".join(sorted(self.registry.tester_events))
            raise TesterError(f"unknown tester action {name!r}; expected one of: {known}")
        missing = [f for f in spec.required if f not in payload]
        unknown = [f for f in payload if f not in spec.fields]
        if missing or unknown:
            raise TesterError(
                f"tester action {name!r} takes {', '.join(spec.fields) or 'no fields'}; "
                f"missing: {', '.join(missing) or '-'}, unknown: {', '.join(unknown) or '-'}"
            )
        if name == "power_cycle":
            self.power_cycle()
            return True
        if name == "jam_lock":
            self.hardware.jam_lock(int(payload["connector"]))
            return True
        if name in ("plug_in", "unplug"):
            self.hardware.set_plugged(int(payload["connector"]), name == "plug_in")
        connector = payload.get("connector")
        if connector is not None and not 0 <= int(connector) <= self.connectors:
            raise TesterError(f"connector {connector} does not exist (1..{self.connectors})")
        keys = tuple(k for k in self.machines if connector is None or k[1] == connector)
        accepted = self._deliver(keys, f"tester.{name}", payload)
        self._drain()
        return accepted

    @_atomic
    def power_cycle(self) -> None:
        """Power lost and restored (or a reset): the connection drops and every machine
        starts over; the store keeps what must survive."""
        self.disconnected(self.now)
        for connector in range(1, self.connectors + 1):
            self.hardware.set_energy_flow(connector, False, self.now)
        self._boot()
        self.reconnect_requested = True

    # --- event processing -----------------------------------------------------------------
    def _broadcast(self, event: str, payload: Mapping[str, Any]) -> None:
        self._queue.append((tuple(self.machines), event, payload))
        self._drain()

    def _addressees(self, payload: Mapping[str, Any]) -> tuple[InstanceKey, ...]:
        """An internal event about connector n > 0 goes to that connector's machines and the
        station-level ones; one about connector 0 (the whole Charge Point) or no connector
        goes to every machine."""
        connector = payload.get("connector")
        if not isinstance(connector, int) or connector <= 0:
            return tuple(self.machines)
        return tuple(k for k in self.machines if k[1] in (0, connector))

    def raise_event(self, event: str, payload: Mapping[str, Any]) -> None:
        """Queue an internal event (used by station operations)."""
        self._queue.append((self._addressees(payload), event, dict(payload)))

    def connector_faulted(self, connector: int) -> bool:
        """Whether any machine of the connector is in a Faulted or Unavailable state."""
        return any(
            m.state_name in ("Faulted", "Unavailable")
            for (_, n), m in self.machines.items()
            if n == connector
        )

    def _deliver(self, keys: tuple[InstanceKey, ...], event: str, msg: Mapping[str, Any]) -> bool:
        accepted = False
        for key in keys:
            machine = self.machines[key]
            if not machine.accepts(event):
                continue
            before = machine.state_name
            try:
                machine.fire(event, msg)
            except TransitionNotAllowed:
                continue  # every guard was false
            accepted = True
            if machine.state_name != before:
                self._state_changed(key, machine.state_name)
            self._apply(key, machine.take_effects())
        return accepted

    def _state_changed(self, key: InstanceKey, state: str) -> None:
        if key[1] > 0:
            # The contactor follows the connector status: energy flows only while Charging.
            self.hardware.set_energy_flow(key[1], state == "Charging", self.now)
        if self.on_state_change is not None:
            self.on_state_change(key[0], key[1], state)

    def _drain(self) -> None:
        if self._busy:
            return
        self._busy = True
        try:
            for _ in range(_MAX_EVENTS_PER_STEP):
                if not self._queue:
                    self._flush_queue()
                    return
                keys, event, msg = self._queue.popleft()
                self._deliver(keys, event, msg)
            raise RuntimeError("internal events keep raising each other; check the specs")
        finally:
            self._busy = False

    def _apply(self, key: InstanceKey, effects: list[Effect]) -> None:
        for effect in effects:
            if isinstance(effect, SendCall):
                self._send(key, effect)
            elif isinstance(effect, StartTimer):
                self._timer_seq += 1
                self.timers[(key, effect.name)] = (self.now + effect.seconds, self._timer_seq)
            elif isinstance(effect, CancelTimer):
                self.timers.pop((key, effect.name), None)
            elif isinstance(effect, RaiseEvent):
                self.raise_event(effect.event, effect.payload)
            elif isinstance(effect, SetConfig):
                self.set_config(effect.key, effect.value)
            elif isinstance(effect, SyncClock):
                self.clock_offset = from_iso8601(effect.timestamp) - self.now
            elif isinstance(effect, Reply):
                self._reply(effect)
            elif isinstance(effect, Invoke):
                self.services.invoke(effect.operation, effect.args)

    def set_config(self, key: str, value: Any) -> None:
        """Store a configuration value and persist it (it survives reboots, OCPP 1.6 §5.3)."""
        try:
            self.config.set(key, value)
        except ConfigError as error:
            # A value from the Central System that the key cannot take (e.g. a negative
            # heartbeat interval): the key keeps its value; the station carries on.
            log.warning("configuration %s not changed: %s", key, error)
            return
        self.store.save_config(key, self.config.wire_value(key))

    def request_reboot(self, kind: str) -> None:
        """Reboot at the end of the current step, after the frames produced so far."""
        self.reboot_pending = kind

    def _reply(self, effect: Reply) -> None:
        call = self._open_calls.pop(effect.action, None)
        if call is None or self.endpoint is None:
            log.error("%s: a machine answered a CALL that is not open", effect.action)
            return
        try:
            self.endpoint.reply(call, effect.payload)
        except LocalProtocolError as error:
            # The spec produced an answer its own schema refuses: a spec bug, reported as
            # the receiver's internal error (OCPP-J 1.6 §4.2.3).
            log.error("%s: invalid answer from the spec: %s", effect.action, error)
            reason = f"{effect.action} produced an invalid response"
            self.endpoint.reply_error(call, ErrorCode.INTERNAL_ERROR, reason, {"cause": str(error)})

    def may_send(self, action: str) -> bool:
        """Whether every station-level machine's state allows sending ``action`` now."""
        return all(m.may_send(action) for (_, n), m in self.machines.items() if n == 0)

    def _send(self, key: InstanceKey, effect: SendCall) -> None:
        if effect.tx_ref is not None:
            # Transaction-related (OCPP 1.6 §3.7): persisted first, delivered in order, even
            # across reboots and while offline.
            message = self.queue.push(effect.action, effect.payload, effect.tx_ref, self.now)
            self._tx_origin[message.seq] = key
            self._flush_queue()
            return
        if not self.may_send(effect.action):
            # e.g. a StatusNotification while the registration is Pending (§4.2): not sent.
            self.suppressed.append(effect.action)
            log.info("%s not sent: not allowed in the current registration state", effect.action)
            return
        if self.endpoint is None:
            # Offline: a CALL that cannot be sent fails at once (its machine sees error.X).
            self._queue.append(((key,), f"error.{effect.action}", {"errorCode": "Offline"}))
            return
        call = self.endpoint.call(effect.action, effect.payload, self.now)
        self._origin[call.unique_id] = key

    def _answers_calls(self) -> bool:
        return all(m.answers_calls() for (_, n), m in self.machines.items() if n == 0)

    def _flush_queue(self) -> None:
        """Send the head of the transaction message queue when it is due and allowed."""
        if self.endpoint is None or self._queued_in_flight:
            return
        ready = self.queue.ready(self.now)
        if ready is None or not self.may_send(ready[0].action):
            return  # e.g. not before BootNotification is Accepted (OCPP 1.6 §4.2)
        message, payload = ready
        call = self.endpoint.call(message.action, payload, self.now)
        self.queue.mark_sent(message.seq)
        self._queued_in_flight[call.unique_id] = message.seq

    def _queued_outcome(self, event: EndpointEvent, seq: int) -> None:
        """A queued message was answered, refused or lost: the queue decides what's next;
        the machine that sent it hears only the final outcome."""
        request = event.request  # type: ignore[union-attr]
        origin = self._tx_origin.get(seq)
        keys = (origin,) if origin is not None else self._tx_connector_machines(seq)
        if isinstance(event, ResultReceived):
            self.lenient_frames.update(event.lenient)
            self.queue.on_result(seq, event.result.payload)
            outcome, msg = f"result.{request.action}", event.result.payload
        elif isinstance(event, ErrorReceived | ResultInvalid):
            if not self.queue.on_error(seq, self.now):
                return  # retried later (§3.7.1)
            outcome, msg = f"error.{request.action}", {"errorCode": "GivenUp"}
        else:
            self.queue.on_lost(seq)  # timeout or connection lost: sent again later
            return
        self._tx_origin.pop(seq, None)
        if keys:
            self._queue.append((keys, outcome, msg))

    def _tx_connector_machines(self, seq: int) -> tuple[InstanceKey, ...]:
        """After a reboot the sender is gone: the machines of its transaction's connector
        hear the outcome (those with a transition for it take it)."""
        message = next((m for m in self.store.queued() if m.seq == seq), None)
        record = self.store.transaction(message.tx_ref) if message and message.tx_ref else None
        return () if record is None else self._addressees({"connector": record.connector})

    def _on_endpoint_event(self, event: EndpointEvent) -> None:
        if isinstance(event, CallReceived):
            self._on_call(event)
            return
        if isinstance(event, ProtocolViolation):
            log.warning("protocol violation from the Central System: %s", event.description)
            return
        request = event.request
        seq = self._queued_in_flight.pop(request.unique_id, None)
        if seq is not None:
            self._queued_outcome(event, seq)
            return
        origin = self._origin.pop(request.unique_id, None)
        if origin is None:
            return
        if isinstance(event, ResultReceived):
            self.lenient_frames.update(event.lenient)
            outcome, msg = f"result.{request.action}", event.result.payload
        elif isinstance(event, ErrorReceived):
            outcome = f"error.{request.action}"
            msg = {"errorCode": str(event.error.error_code)}
        elif isinstance(event, ResultInvalid):
            log.warning("invalid %s.conf: %s", request.action, event.error)
            outcome, msg = f"error.{request.action}", {"errorCode": str(event.error.code)}
        elif isinstance(event, CallTimedOut):
            outcome, msg = f"timeout.{request.action}", {}
        else:
            assert isinstance(event, CallAborted)
            outcome, msg = f"error.{request.action}", {"errorCode": "ConnectionLost"}
        self._queue.append(((origin,), outcome, msg))

    def _on_call(self, event: CallReceived) -> None:
        self.lenient_frames.update(event.lenient)
        call = event.call
        handler = self.handlers.get(call.action)
        if handler is not None:
            self._run_handler(call, handler)
            return
        # The machine that handles the CALL answers it with a reply action; the answer is
        # due before anything else is processed (OCPP-J 1.6 §4.1.1).
        self._open_calls[call.action] = call
        accepted = self._deliver(tuple(self.machines), f"ocpp.{call.action}", call.payload)
        self._drain()
        if self._open_calls.pop(call.action, None) is not None and self.endpoint is not None:
            # No transition answered: every guard was false, a gap in the spec set.
            reason = f"no answer to {call.action} in the current state"
            log.error("%s (accepted by a machine: %s)", reason, accepted)
            self.endpoint.reply_error(call, ErrorCode.INTERNAL_ERROR, reason)

    def _run_handler(self, call: Call, handler: CallHandler) -> None:
        endpoint = self.endpoint
        assert endpoint is not None  # a CALL arrives only over an open connection
        try:
            payload = dict(handler(call))
        except Exception as error:  # application code: any failure is the receiver's fault
            log.exception("handler for %s failed", call.action)
            # OCPP-J 1.6 §4.2.3 table 7: InternalError, an error in the receiver's handling.
            reason = f"{call.action} handler failed: {type(error).__name__}"
            endpoint.reply_error(call, ErrorCode.INTERNAL_ERROR, reason)
            return
        try:
            endpoint.reply(call, payload)
        except LocalProtocolError as error:
            log.error("handler for %s answered an invalid payload: %s", call.action, error)
            reason = f"{call.action} handler produced an invalid response"
            endpoint.reply_error(call, ErrorCode.INTERNAL_ERROR, reason, {"cause": str(error)})
