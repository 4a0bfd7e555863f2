"""Derive conformance tests that see only the wire from each machine's transitions.

Theory of operation: a wire test drives a transition through what a test system can do from
outside — a tester action (``tester``) or a CALL of the Central System (``send``) — starting
from a reusable test state (Booted), and checks only what the charge point shows: the answer
to the CALL (from the transition's ``reply`` effect) and the CALLs it sends (its ``send``
effects, as ``expect`` steps). Internal events (``internal.*``) have no cause on the wire, so a
transition on one is covered only through another transition's wire-level cause.

Where the machine stands after the test state is computed, not assumed: the events the test
state causes (power-on, connection, each answer of the test system, each tester action) are
delivered to every machine with the spec's own semantics (:func:`compiler.derive.paths.fire`),
internal events raised on the way included. From there a breadth-first search over the
machine's wire-level stimuli (the payload examples its ``test`` block and events.yaml give)
finds a short path to the transition's source on which it fires.

Checks hold only values the spec determines: a payload field computed from literals, the
test's own inputs (``msg``), the configuration or the PICS. Fields computed from the context or
from the station's answers are left out. The station's answers are modelled only where the test
setup fixes them (:data:`STATION`); a guard reading any other leaves the transition without a
wire test, and the reason is reported. ``send`` effects are expected only when nothing else
may come first: the firing raised no internal event and ran no station operation, and no other
machine takes the stimulus.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from compiler.derive.paths import Firing, Node, Variant
from compiler.derive.wire_world import (
    STATION,
    Undetermined,
    after_setup,
    deliver,
    determined_reply,
    fire_step,
)
from compiler.diagnostics import Pos
from compiler.ir import (
    FieldDef,
    Machine,
    Scenario,
    ScenarioStep,
    SpecSet,
    StateSelection,
    Transition,
)

__all__ = ["Resolve", "WireCase", "WireGap", "WireSuite", "case_id", "derive_wire"]

Step = tuple[str, dict[str, Any]]
Resolve = Callable[[Scenario], Scenario]

# Stimuli a test system produces: a CALL of the Central System, a tester action.
WIRE_NAMESPACES = ("ocpp", "tester")
MAX_DEPTH = 2
# The test state the derived tests start from, and the one connector they use.
SETUP = ("boot", "accepted")


@dataclass(frozen=True, slots=True)
class WireCase:
    """A derived wire test: the transition it drives and the scenario that drives it."""

    transition: Transition
    scenario: Scenario


@dataclass(frozen=True, slots=True)
class WireGap:
    """A transition no wire test drives, and why."""

    transition: Transition
    reason: str


@dataclass
class WireSuite:
    """The wire tests of one machine and the transitions left without one."""

    machine: Machine
    cases: list[WireCase] = field(default_factory=list)
    gaps: list[WireGap] = field(default_factory=list)


def case_id(machine: Machine, t: Transition) -> str:
    """``WIRE <Machine> <id>``; the source and event are added when the id is shared."""
    shared = sum(1 for other in machine.transitions if other.id == t.id) > 1
    return f"WIRE {machine.name} {t.id}" + (f" {t.source} {t.event}" if shared else "")


def _stimuli(spec: SpecSet, machine: Machine) -> list[Step]:
    """The machine's wire-level events with the payloads to try: its test examples, then
    those of events.yaml, then for a tester action with only a connector, that connector.
    A tester action names the connector it happens at: 0 for a station-level machine (the
    whole Charge Point), 1 for a per-connector one (the station delivers it to those only)."""
    examples = dict(machine.test.events)
    catalogue = {e.name: e for e in spec.events}
    connector = 0 if machine.instance == "station" else 1
    found: list[Step] = []
    for event in machine.events:
        if event.partition(".")[0] not in WIRE_NAMESPACES:
            continue
        known = catalogue.get(event)
        payloads: tuple[dict[str, Any], ...] = examples.get(event) or ()
        if known is None:
            action = event.partition(".")[2]
            tried = [dict(p) for p in payloads or ({},)]
            found += [(event, p) for p in tried if _valid_request(spec, action, p)]
            continue
        fields = {f.name: f for f in known.payload}
        if "connector" in fields:
            lowest = fields["connector"].minimum
            if lowest is not None and connector < lowest:
                continue  # it cannot happen at the connector this machine is for
            required = {f.name for f in known.payload if f.required}
            defaults = ({"connector": connector},) if required <= {"connector"} else ()
            payloads = payloads or known.examples or defaults
            payloads = tuple({**p, "connector": connector} for p in payloads)
        found += [(event, dict(p)) for p in payloads or known.examples]
    return found


def _variants(spec: SpecSet, machine: Machine) -> Iterator[Variant]:
    """The in-process charge point's configuration and PICS (every boolean item supported),
    then each value the machine's test block lists for a PICS item or a configuration key."""
    config = {k.name: k.spec.default for k in spec.config_keys}
    pics = {p.name: p.spec.default for p in spec.pics}
    pics |= {p.name: True for p in spec.pics if p.spec.kind == "boolean"}
    yield Variant(config, pics, STATION)
    for item, values in machine.test.pics:
        for value in values:
            if pics.get(item) != value:
                yield Variant(config, {**pics, item: value}, STATION)
    for key, values in machine.test.config:
        for value in values:
            if config.get(key) != value:
                yield Variant({**config, key: value}, pics, STATION)


# What a check may be computed from: the test's inputs, the configuration and the PICS it
# sets, the state names (plain names), and the connector id the instance was made for.
@dataclass
class _Search:
    """A breadth-first search of one machine for a path that fires a transition."""

    spec: SpecSet
    machine: Machine
    stimuli: list[Step]
    undetermined: set[str] = field(default_factory=set)

    def paths(self, start: Node, variant: Variant) -> dict[str, list[tuple[Step, Firing]]]:
        """The first path found to each transition (key), at most MAX_DEPTH + 1 steps."""
        found: dict[str, list[tuple[Step, Firing]]] = {}
        queue: deque[tuple[Node, list[tuple[Step, Firing]]]] = deque([(start, [])])
        seen = {start}
        while queue:
            node, path = queue.popleft()
            for step in self.stimuli:
                try:
                    firing = fire_step(self.machine, variant, node, step)
                except Undetermined as unknown:
                    self.undetermined.add(str(unknown))
                    continue
                if firing is None or firing.transition is None:
                    continue
                walked = [*path, (step, firing)]
                found.setdefault(firing.transition.key, walked)
                if len(walked) <= MAX_DEPTH and firing.node not in seen:
                    seen.add(firing.node)
                    queue.append((firing.node, walked))
        return found


def _reads(machine: Machine, path: list[tuple[Step, Firing]], namespace: str) -> set[str]:
    """The names of ``namespace`` the guards tried along a path read."""
    names: set[str] = set()
    for (event, _), firing in path:
        assert firing.transition is not None
        for t in machine.transitions:
            if t.source == firing.transition.source and t.event == event and t.guard:
                names |= {r.name for r in t.guard.references if r.namespace == namespace}
    return names


def _replies(spec: SpecSet) -> dict[str, dict[str, Any] | None]:
    """The answer the test system gives a CALL of the charge point: the first ``result.X``
    example of any machine's test block; else its required fields with a first valid value
    (an enum's first value, the current time); else the runner's default answer."""
    found: dict[str, dict[str, Any] | None] = {}
    for m in spec.machines:
        for event, examples in m.test.events:
            if event.startswith("result.") and examples:
                found.setdefault(event.removeprefix("result."), dict(examples[0]))
    for message in spec.messages:
        if message.name not in found:
            found[message.name] = _minimal(spec, message.response)
    return found


def _minimal(spec: SpecSet, fields: tuple[FieldDef, ...]) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    for f in fields:
        if not f.required:
            continue
        enum = spec.enum(f.enum) if f.enum else None
        value = {"datetime": "$now", "integer": 0, "string": "chargespec"}.get(f.kind)
        value = enum.values[0] if enum is not None else value
        if value is None or f.is_list:
            return None  # not worth guessing: the runner's default answer
        values[f.name] = value
    return values or None


def _valid_request(spec: SpecSet, action: str, payload: dict[str, Any]) -> bool:
    """Whether an example CALL is one the test system sends (the machines' test blocks also
    hold invalid payloads, for the model tests): required fields present, numbers in range."""
    message = spec.message(action)
    if message is None:
        return False
    for f in message.request:
        value = payload.get(f.name)
        if value is None:
            if f.required:
                return False
            continue
        too_low = f.minimum is not None and isinstance(value, int) and value < f.minimum
        if too_low or (f.maximum is not None and isinstance(value, int) and value > f.maximum):
            return False
    return True


def _step(kind: str, name: str, payload: dict[str, Any], reply: Any, pos: Pos) -> ScenarioStep:
    return ScenarioStep(kind, name, payload, reply, None, "", pos)


def _expects(
    sends: list[Any], answers: dict[str, dict[str, Any] | None], pos: Pos
) -> list[ScenarioStep]:
    """The CALLs one stimulus makes the charge point send: one ``expect``, or an
    ``any_order`` when several machines send (their order is the station's choice)."""
    items = [_step("expect", name, fields, answers.get(name), pos) for _, (name, fields) in sends]
    if len(items) <= 1:
        return items
    return [ScenarioStep("any_order", "", {}, None, None, "", pos, items=tuple(items))]


def _steps(
    spec: SpecSet,
    machine: Machine,
    start: dict[str, Node],
    variant: Variant,
    path: list[tuple[Step, Firing]],
    pos: Pos,
) -> tuple[list[ScenarioStep], bool]:
    """The path as scenario steps, each stimulus with its checks: the answer to a CALL of
    the test system; the CALLs every machine sends in answer, while the derivation can follow
    what happens (afterwards a CALL nobody expects could come first). Also returns whether
    the steps check anything."""
    steps: list[ScenarioStep] = []
    answers = _replies(spec)
    nodes = dict(start)
    following, checked = True, False
    for (event, msg), firing in path:
        namespace, _, name = event.partition(".")
        if namespace == "tester":
            steps.append(_step("tester", name, msg, None, pos))
        else:
            reply = determined_reply(machine, firing, name)
            steps.append(_step("send", name, msg, reply, pos))
            checked = True
        done = deliver(spec, nodes, variant, (event, msg))
        variant = done.variant
        following = following and done.certain and all(f is not None for _, f in done.sends)
        fired = firing.transition.key if firing.transition is not None else None
        following = following and done.fired.get(machine.name) == fired
        if following and done.sends:
            steps += _expects(done.sends, answers, pos)
            checked = True
    return steps, checked


def _scenario(
    spec: SpecSet,
    machine: Machine,
    t: Transition,
    setup: dict[str, Any],
    steps: tuple[ScenarioStep, ...] = (),
) -> Scenario:
    target = t.target or "(internal)"
    profile = machine.profile if spec.pics_item(machine.profile) is not None else None
    return Scenario(
        id=case_id(machine, t),
        title=f"{machine.name} {t.id} {t.source} --{t.event}--> {target}, seen on the wire",
        refs=t.refs or machine.refs,
        description=t.description,
        requires=(profile,) if profile else (),
        setup=setup,
        steps=steps,
        source_file=machine.source_file,
        pos=t.pos,
        selections=(StateSelection(SETUP[0], SETUP[1], t.pos, t.pos),),
    )


def _setup(machine: Machine, variant: Variant, path: list[tuple[Step, Firing]]) -> dict[str, Any]:
    """The scenario's setup: the test state, and the PICS items and configuration keys the
    path's guards read, with the values it was found with."""
    setup: dict[str, Any] = {SETUP[0]: SETUP[1]}
    if pics := {k: variant.pics[k] for k in sorted(_reads(machine, path, "pics"))}:
        setup["pics"] = pics
    if config := {k: variant.config[k] for k in sorted(_reads(machine, path, "config"))}:
        setup["config"] = config
    return setup


def _reason(machine: Machine, t: Transition, undetermined: set[str]) -> str:
    """Why no wire test drives ``t``."""
    namespace = t.event.partition(".")[0]
    if namespace == "internal":
        return "internal event: no cause on the wire; covered only through another cause"
    if namespace not in WIRE_NAMESPACES:
        return (
            f"{namespace} event: the derivation drives only tester actions and CALLs of the "
            "Central System"
        )
    reads = {r.name for r in t.guard.references if r.namespace == "station"} if t.guard else set()
    if reads & undetermined:
        names = ", ".join(f"station.{q}" for q in sorted(reads & undetermined))
        return f"its guard reads {names}, which the test setup does not fix"
    return (
        f"no path of at most {MAX_DEPTH + 1} wire-level stimuli from Booted, with the spec's "
        "payload examples, fires it"
    )


def derive_wire(spec: SpecSet, machine: Machine, resolve: Resolve) -> WireSuite:
    """The wire tests of ``machine``: one per transition a wire-level path from Booted fires
    with something to check, and the reason for each other transition.

    Args:
        resolve: writes out a scenario's setup steps and its steps as they are played (the
            frontend's ``resolve_scenario`` with the spec's test states, handed in by the
            pipeline: derivation comes before the frontend's helpers in the layers).
    """
    suite = WireSuite(machine)
    search = _Search(spec, machine, _stimuli(spec, machine))
    first = machine.transitions[0]
    booted = resolve(_scenario(spec, machine, first, {}))
    found: dict[str, tuple[dict[str, Node], Variant, list[tuple[Step, Firing]]]] = {}
    for variant in _variants(spec, machine):
        nodes, after = after_setup(spec, booted, variant)
        for key, path in search.paths(nodes[machine.name], after).items():
            found.setdefault(key, (nodes, after, path))
    for t in machine.transitions:
        if t.key not in found:
            suite.gaps.append(WireGap(t, _reason(machine, t, search.undetermined)))
            continue
        nodes, variant, path = found[t.key]
        steps, checked = _steps(spec, machine, nodes, variant, path, t.pos)
        if not checked:
            reason = "its path shows nothing on the wire the spec determines"
            suite.gaps.append(WireGap(t, reason))
            continue
        sc = _scenario(spec, machine, t, _setup(machine, variant, path), tuple(steps))
        suite.cases.append(WireCase(t, resolve(sc)))
    return suite
