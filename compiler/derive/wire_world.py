"""The world a wire test runs in, as the compiler sees it: every machine of the spec set
driven together with the spec's own semantics (:func:`compiler.derive.semantics.fire`), as a
one-connector station would deliver events to them, and which values of what they send the
spec determines.

Theory of operation: :func:`deliver` takes one stimulus to every machine the station would
give it (a tester action at connector n goes to that connector's machines, 0 to the
station-level ones), then the internal events raised, run to completion; the configuration
the machines set is shared. The station's answers are modelled only where the test setup fixes
them (:data:`STATION`); a guard that asks for any other raises :class:`Undetermined`, and the
delivery says it is no longer ``certain``, as it does after a station operation whose
consequences the machines may see (:data:`QUIET_OPERATIONS` lists those that have none).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from compiler.derive.semantics import Firing, Node, Variant, fire, initial_context
from compiler.expressions import Expr
from compiler.ir import Action, Machine, Scenario, SpecSet, Transition

__all__ = [
    "CONNECTORS",
    "STATION",
    "Delivery",
    "Timers",
    "Undetermined",
    "after_setup",
    "armed",
    "deliver",
    "determined_reply",
    "fire_step",
    "transition_actions",
]

Step = tuple[str, dict[str, Any]]
# The derived tests use a one-connector station.
CONNECTORS = 1


class Undetermined(Exception):
    """A guard read a station answer the test setup does not fix."""


def _unknown_query(name: str) -> Callable[..., Any]:
    def query(*_: Any) -> Any:
        raise Undetermined(name)

    return query


class StationModel(dict[str, Callable[..., Any]]):
    """The station answers the setup fixes; asking for any other raises Undetermined."""

    def get(self, key: str, default: Any = None) -> Callable[..., Any]:
        return self[key] if key in self else _unknown_query(key)


def _profile_answer(connector: Any, profile: dict[str, Any]) -> str:
    """SetChargingProfile answers every Started device gives whatever its limits: a
    connectorId it does not have is a CALLERROR (errata E3.39); a ChargePointMaxProfile
    only goes on connector 0 and a TxProfile only on a connector with a transaction, which
    no connector of a Started device has (§3.13.1, errata E3.53)."""
    purpose = profile.get("chargingProfilePurpose")
    if not isinstance(connector, int) or not 0 <= connector <= CONNECTORS:
        return "PropertyConstraintViolation"
    if purpose == "TxProfile" or (purpose == "ChargePointMaxProfile" and connector != 0):
        return "Rejected"
    raise Undetermined("charging_profile_answer")


def _remote_start_profile(profile: dict[str, Any]) -> bool:
    """A RemoteStartTransaction profile that is no TxProfile, or names a transaction, is
    refused whatever the device (§5.16.2, errata E3.41)."""
    if profile.get("chargingProfilePurpose") != "TxProfile" or "transactionId" in profile:
        return False
    raise Undetermined("remote_start_profile_ok")


# The station's answers a Booted one-connector charge point gives whatever its make; the
# others depend on the hardware or on what the device keeps, so no derived test relies on them.
STATION = StationModel(
    {
        # OCPP 1.6 §5.3/§5.17: connector ids run 1..NumberOfConnectors (0 = the whole station).
        "connector_exists": lambda n: isinstance(n, int) and 1 <= n <= CONNECTORS,
        # Booted: no transaction runs on any connector (OCTT reusable state Booted).
        "connector_busy": lambda n: False,
        # Booted: every connector and the Charge Point Available (OCPP 1.6 §4.9), so a
        # transaction may begin anywhere and no connector is in a session.
        "connector_startable": lambda n: True,
        "connector_in_use": lambda n: False,
        "transactions_open": lambda: 0,
        # Started: availability Operative everywhere (specs/ocpp16/test_states.yaml).
        "availability": lambda n: "Operative",
        "transaction_running": lambda tx: False,
        "open_transaction": lambda n: 0,
        "interrupted_transaction": lambda n: 0,
        # The test system is connected throughout.
        "online": lambda: True,
        # Started cancels the reservations the cases make (specs/ocpp16/test_states.yaml),
        # so no reservation holds a connector (OCPP 1.6 §5.13) and a free one can be reserved.
        "reserved": lambda n: False,
        "reservation_exists": lambda reservation_id: False,
        "reservation_answer": lambda n, reservation_id: "Accepted",
        "reservation_check": lambda n, id_tag: "Free",
        "reservation_allows": lambda n, id_tag, parent: True,
        "reservation_used": lambda n, id_tag, parent: 0,
        # Started clears every charging profile (ClearChargingProfile without fields, §5.5),
        # and no transaction runs, so no limit is being followed.
        "charging_profiles_match": lambda profile_id, n, purpose, stack: False,
        "charging_profile_answer": _profile_answer,
        "remote_start_profile_ok": _remote_start_profile,
        "charging_session": lambda n: False,
        "connector_status": lambda n: "Available",
    }
)


def takes(machine: Machine, step: Step, first: bool) -> bool:
    """Whether the station delivers ``step`` to ``machine``: a tester action at connector n
    goes to that connector's machines (0: the station-level ones); everything else, and
    the internal events raised, to every machine of the one connector the tests use."""
    connector = step[1].get("connector")
    if not first or not step[0].startswith("tester.") or connector is None:
        return True
    return (machine.instance == "station") == bool(connector == 0)


def fire_step(machine: Machine, variant: Variant, node: Node, step: Step) -> Firing | None:
    return fire(machine, variant, node, step[0], step[1])


# Station operations with no consequence the machines see (they set what later queries read
# or drive the hardware's outputs); any other (reboot, lock, unlock, transactions) may raise
# events the derivation does not follow, so nothing after it is expected.
QUIET_OPERATIONS = frozenset(
    {
        "set_startable",
        "set_connector_claimed",
        "set_connector_status",
        "set_energy_flow",
        "update_cache",
        "expire_cache",
        "clear_cache",
        "change_configuration",
        "set_availability",
        "mark_interrupted",
        # No reservation holds a connector (STATION), so a start uses none up.
        "use_reservation",
        # Smart Charging: they cap the hardware or drop TxProfiles, which a Started device
        # has none of, and raise no event.
        "apply_charging_limit",
        "end_charging_session",
        "restore_charging_profiles",
    }
)


@dataclass
class Delivery:
    """What delivering one stimulus did to every machine."""

    variant: Variant
    sends: list[tuple[str, tuple[str, dict[str, Any]] | None]] = field(default_factory=list)
    """(machine, (action, the fields the spec determines) or None when not determined)."""
    fired: dict[str, str] = field(default_factory=dict)
    certain: bool = True
    timers: list[tuple[str, tuple[Any, ...]]] = field(default_factory=list)
    """(machine, its start_timer or cancel_timer effect), in order."""


def deliver(
    spec: SpecSet, nodes: dict[str, Node], variant: Variant, step: Step, only: str = ""
) -> Delivery:
    """Deliver an event to every machine that takes it, then the internal events raised, in
    order (run to completion); the configuration they set is shared. ``certain`` is False
    when a guard read an answer the setup does not fix (that machine is left where it is) or
    a station operation with consequences ran. ``only`` names the one machine the first
    event is for: a timer of its own, or the answer to a CALL it sent."""
    done = Delivery(variant)
    config = dict(variant.config)
    queue = deque([step])
    for index in range(100):  # raised events are finite in a checked spec; this only bounds it
        if not queue:
            break
        event, msg = queue.popleft()
        for m in spec.machines:
            if not takes(m, (event, msg), index == 0) or (index == 0 and only not in ("", m.name)):
                continue
            node = Node(nodes[m.name].state, nodes[m.name].ctx, tuple(config.items()))
            try:
                fired = fire_step(m, Variant(config, variant.pics, STATION), node, (event, msg))
            except Undetermined:
                done.certain = False
                continue
            if fired is None or fired.transition is None:
                continue
            nodes[m.name] = fired.node
            config = dict(fired.node.config)
            done.fired.setdefault(m.name, fired.transition.key)
            queue += _take_effects(done, m, fired)
    done.variant = Variant(config, variant.pics, STATION)
    return done


def _take_effects(done: Delivery, machine: Machine, fired: Firing) -> list[Step]:
    """Note a firing's sends and uncertain operations; return the events it raised."""
    raised: list[Step] = []
    for effect in fired.effects:
        if effect[0] == "raise":
            raised.append((effect[1], effect[2]))
        elif effect[0] == "send":
            done.sends.append((machine.name, determined_send(machine, fired, effect)))
        elif effect[0] == "invoke" and effect[1] not in QUIET_OPERATIONS:
            done.certain = False
        elif effect[0] in ("start_timer", "cancel_timer"):
            done.timers.append((machine.name, effect))
    return raised


def setup_events(scenario: Scenario) -> list[Step]:
    """What playing the setup delivers to the machines: power-on and the connection, then
    each answer of the test system and each tester action."""
    events: list[Step] = [("internal.powered_on", {}), ("internal.connected", {})]
    for st in scenario.setup_steps:
        if st.kind == "expect":
            events.append((f"result.{st.name}", dict(st.reply or {})))
        elif st.kind == "tester":
            events.append((f"tester.{st.name}", dict(st.payload)))
    return events


def initial_node(machine: Machine, config: dict[str, Any]) -> Node:
    ctx = initial_context(machine)
    if "connector_id" in ctx:
        # The per-connector instance the tests use; 0 for the whole Charge Point.
        ctx["connector_id"] = 0 if machine.instance == "station" else 1
    return Node(machine.initial.name, tuple(ctx.items()), tuple(config.items()))


Timers = tuple[tuple[str, float], ...]


def armed(timers: Timers, effects: list[tuple[Any, ...]]) -> Timers:
    """The timers still running (name, seconds it was set to) after ``effects``."""
    running = dict(timers)
    for effect in effects:
        if effect[0] == "start_timer":
            running[effect[1]] = float(effect[2])
        elif effect[0] == "cancel_timer":
            running.pop(effect[1], None)
    return tuple(sorted(running.items()))


def after_setup(
    spec: SpecSet, scenario: Scenario, variant: Variant
) -> tuple[dict[str, Node], Variant, dict[str, Timers]]:
    """Every machine's node after the setup is played, the configuration then, and the
    timers each machine left running."""
    nodes = {m.name: initial_node(m, variant.config) for m in spec.machines}
    timers: dict[str, Timers] = {m.name: () for m in spec.machines}
    for step in setup_events(scenario):
        done = deliver(spec, nodes, variant, step)
        variant = done.variant
        for name, effect in done.timers:
            timers[name] = armed(timers[name], [effect])
    return nodes, variant, timers


DETERMINED = frozenset({"msg", "config", "pics", ""})
DETERMINED_CTX = frozenset({"connector_id"})


def isdetermined(expr: Expr) -> bool:
    return all(
        r.namespace in DETERMINED or (r.namespace == "ctx" and r.name in DETERMINED_CTX)
        for r in expr.references
    )


def determined(action: Action, values: dict[str, Any]) -> dict[str, Any] | None:
    """The fields of an effect the spec determines (see :data:`DETERMINED`); None when
    whether the action runs is not determined."""
    if action.condition is not None and not isdetermined(action.condition):
        return None
    return {
        name: values[name] for name, expr in action.args if name in values and isdetermined(expr)
    }


def transition_actions(machine: Machine, t: Transition) -> list[Action]:
    names = list(t.actions)
    if t.target is not None:
        names = [*machine.state(t.source).exit, *names, *machine.entry]
        names += machine.state(t.target).entry
    return [machine.action(n) for n in names]


def determined_reply(machine: Machine, firing: Firing, action: str) -> dict[str, Any]:
    """The determined fields of the firing's answer to ``action`` ({} when none is);
    ``{"$error": code}`` when the answer is a CALLERROR."""
    for effect in firing.effects:
        if effect[0] == "reply_error" and effect[1] == action:
            return {"$error": effect[2]}
        if effect[0] == "reply" and effect[1] == action:
            return effect_fields(machine, firing, "reply", effect) or {}
    return {}


def determined_send(
    machine: Machine, firing: Firing, effect: tuple[Any, ...]
) -> tuple[str, dict[str, Any]] | None:
    fields = effect_fields(machine, firing, "send", effect)
    return None if fields is None else (effect[1], fields)


def effect_fields(
    machine: Machine, firing: Firing, kind: str, effect: tuple[Any, ...]
) -> dict[str, Any] | None:
    """The determined fields of a reply or send effect (see :func:`_determined`)."""
    assert firing.transition is not None
    for action in transition_actions(machine, firing.transition):
        if (action.reply if kind == "reply" else action.send) == effect[1]:
            return determined(action, effect[2])
    return None
