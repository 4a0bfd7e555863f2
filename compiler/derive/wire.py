"""Derive conformance tests that see only the wire from each machine's transitions.

Theory of operation: a wire test drives a transition through what a test system can do from
outside — a tester action (``tester``) or a CALL of the Central System (``send``) — starting
from a reusable test state (Booted), and checks only what the charge point shows: the answer
to the CALL (from the transition's ``reply`` effect) and the CALLs it sends (its ``send``
effects, as ``expect`` steps). Internal events (``internal.*``) have no cause on the wire, so a
transition on one is covered only through another transition's wire-level cause.

Where the machine stands after the test state is computed, not assumed: the events the test
state causes (power-on, connection, each answer of the test system, each tester action) are
delivered to every machine with the spec's own semantics (:func:`compiler.derive.semantics.fire`),
internal events raised on the way included. From there a breadth-first search over the
machine's wire-level stimuli (the payload examples its ``test`` block and events.yaml give)
finds a short path to the transition's source on which it fires; where none does, a second
search also waits for the machine's timers and gives answers to the CALLs it sends
(:mod:`compiler.derive.wire_search`).

Checks hold only values the spec determines: a payload field computed from literals, the
test's own inputs (``msg``), the configuration or the PICS. Fields computed from the context or
from the station's answers are left out. The station's answers are modelled only where the test
setup fixes them (:data:`STATION`); a guard reading any other leaves the transition without a
wire test, and the reason is reported. ``send`` effects are expected only when nothing else
may come first: the firing raised no internal event and ran no station operation, and no other
machine takes the stimulus.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from compiler.derive.semantics import Node, Variant
from compiler.derive.wire_config import configurations, label, path_config_keys, variants
from compiler.derive.wire_search import (
    ERROR_CODE,
    MAX_DEPTH,
    Hop,
    Search,
    answer_payloads,
    default_answers,
)
from compiler.derive.wire_world import (
    after_setup,
    deliver,
    determined_reply,
)
from compiler.diagnostics import Pos
from compiler.ir import (
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
# What a test waits for a timer beyond its duration (device seconds; the runner adds its own
# timing tolerance on top).
TIMER_MARGIN = 5.0
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


def _reads(machine: Machine, path: list[Hop], namespace: str) -> set[str]:
    """The names of ``namespace`` the guards tried along a path read."""
    names: set[str] = set()
    for (event, _), firing, _ in path:
        assert firing.transition is not None
        for t in machine.transitions:
            if t.source == firing.transition.source and t.event == event and t.guard:
                names |= {r.name for r in t.guard.references if r.namespace == namespace}
    return names


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


@dataclass
class _Play:
    """The scenario steps of a path as they are built, and what the derivation still knows:
    every machine's node, whether it can follow what happens (afterwards a CALL nobody
    expects could come first), whether anything was checked, and where the expect steps
    of the last stimulus stand (the answer a ``result.``/``error.`` step gives goes there)."""

    spec: SpecSet
    machine: Machine
    nodes: dict[str, Node]
    variant: Variant
    pos: Pos
    answers: dict[str, dict[str, Any] | None]
    steps: list[ScenarioStep] = field(default_factory=list)
    following: bool = True
    checked: bool = False
    last: range = range(0)
    armed: set[str] = field(default_factory=set)

    def hop(self, hop: Hop) -> bool:
        """Add one stimulus and its checks; False when it cannot be played robustly."""
        (event, msg), firing, wait = hop
        namespace, _, name = event.partition(".")
        if namespace == "tester":
            self.steps.append(_step("tester", name, msg, None, self.pos))
        elif namespace == "ocpp":
            reply = determined_reply(self.machine, firing, name)
            self.steps.append(_step("send", name, msg, reply, self.pos))
            self.checked = True
        elif namespace in ("result", "error") and not self._answer(name, event, msg):
            return False
        # A timer and an answer are the machine's own; the test system's stimuli go to all.
        only = self.machine.name if namespace in ("timer", "result", "error") else ""
        done = deliver(self.spec, self.nodes, self.variant, (event, msg), only)
        self.variant = done.variant
        sends = done.sends
        self.following = self.following and done.certain and all(f is not None for _, f in sends)
        fired = firing.transition.key if firing.transition is not None else None
        self.following = self.following and done.fired.get(self.machine.name) == fired
        start = len(self.steps)
        if self.following and sends:
            early = self._not_before(name, wait) if namespace == "timer" else 0.0
            if early:
                self.steps.append(ScenarioStep("advance", "", {}, None, early, "", self.pos))
            self.steps += _expects(sends, self.answers, self.pos, wait - early)
            self.checked = True
        self._arm(done.timers)
        self.last = range(start, len(self.steps))
        return namespace != "timer" or bool(self.last)

    def _arm(self, timers: list[tuple[str, tuple[Any, ...]]]) -> None:
        """Note the timers of the machine under test the stimulus started or cancelled."""
        for owner, effect in timers:
            if owner == self.machine.name and effect[0] == "start_timer":
                self.armed.add(effect[1])
            elif owner == self.machine.name:
                self.armed.discard(effect[1])

    def _not_before(self, timer: str, wait: float) -> float:
        """How long nothing but Heartbeats may come before a timer's CALLs: its duration
        less the margin, when a stimulus of this test started it (a timer the test state
        left running started at a time the test does not know). Firing early is as wrong as
        firing late: the duration is the configured one (§9.1.6, §9.1.20)."""
        return wait - TIMER_MARGIN if timer in self.armed and wait > TIMER_MARGIN else 0.0

    def _answer(self, action: str, event: str, msg: dict[str, Any]) -> bool:
        """Give the answer of a ``result.``/``error.`` step to the last stimulus's expect
        step of ``action``; False when there is none to give it to."""
        reply = {"$error": ERROR_CODE} if event.startswith("error.") else msg
        for index in self.last:
            step = self.steps[index]
            if step.kind == "expect" and step.name == action:
                self.steps[index] = replace(step, reply=reply)
                return True
            items = [i for i in step.items if i.name == action]
            if step.kind == "any_order" and len(items) == 1:
                new = tuple(replace(i, reply=reply) if i.name == action else i for i in step.items)
                self.steps[index] = replace(step, items=new)
                return True
        return False


def _expects(
    sends: list[Any], answers: dict[str, dict[str, Any] | None], pos: Pos, wait: float = 0.0
) -> list[ScenarioStep]:
    """The CALLs one stimulus makes the charge point send: one ``expect``, or an
    ``any_order`` when several machines send (their order is the station's choice). A timer
    that sends them may take what is left of its duration (``wait``): the step allows it and
    a margin, and answers what else comes meanwhile (other timers run too)."""
    seconds = wait + TIMER_MARGIN if wait else None
    items = [
        ScenarioStep("expect", name, fields, answers.get(name), seconds, "", pos)
        for _, (name, fields) in sends
    ]
    if len(items) > 1:
        items = [ScenarioStep("any_order", "", {}, None, seconds, "", pos, items=tuple(items))]
    return [replace(i, answer_others=bool(wait)) for i in items]


def _steps(
    spec: SpecSet,
    machine: Machine,
    start: dict[str, Node],
    variant: Variant,
    path: list[Hop],
    pos: Pos,
) -> tuple[list[ScenarioStep], bool] | None:
    """The path as scenario steps, each stimulus with its checks: the answer to a CALL of
    the test system; the CALLs every machine sends in answer, while the derivation can follow
    what happens. Also returns whether the steps check anything; None when a timer or an
    answer on the path cannot be played robustly."""
    play = _Play(spec, machine, dict(start), variant, pos, default_answers(spec))
    for hop in path:
        if not play.hop(hop):
            return None
    return play.steps, play.checked


def _scenario(
    spec: SpecSet,
    machine: Machine,
    t: Transition,
    setup: dict[str, Any],
    steps: tuple[ScenarioStep, ...] = (),
    suffix: str = "",
) -> Scenario:
    target = t.target or "(internal)"
    profile = machine.profile if spec.pics_item(machine.profile) is not None else None
    title = f"{machine.name} {t.id} {t.source} --{t.event}--> {target}, seen on the wire"
    return Scenario(
        id=case_id(machine, t) + suffix,
        title=title + suffix,
        refs=t.refs or machine.refs,
        description=t.description,
        requires=(profile,) if profile else (),
        setup=setup,
        steps=steps,
        source_file=machine.source_file,
        pos=t.pos,
        selections=(StateSelection(SETUP[0], SETUP[1], t.pos, t.pos),),
    )


def _setup(machine: Machine, variant: Variant, path: list[Hop]) -> dict[str, Any]:
    """The scenario's setup: the test state, the PICS items the path's guards read and the
    configuration keys its guards and the durations of the timers it waits for read, with
    the values it was found with."""
    setup: dict[str, Any] = {SETUP[0]: SETUP[1]}
    if pics := {k: variant.pics[k] for k in sorted(_reads(machine, path, "pics"))}:
        setup["pics"] = pics
    if config := {k: variant.config[k] for k in sorted(path_config_keys(machine, path))}:
        setup["config"] = config
    return setup


def _reason(machine: Machine, t: Transition, undetermined: set[str]) -> str:
    """Why no wire test drives ``t``."""
    namespace = t.event.partition(".")[0]
    if namespace == "internal":
        return "internal event: no cause on the wire; covered only through another cause"
    if namespace == "timer":
        return (
            f"timer event: no path of at most {MAX_DEPTH + 1} steps from Booted starts its "
            "timer (at most 10 minutes) with a CALL to see when it fires"
        )
    if namespace in ("result", "error"):
        return (
            f"{namespace} event: no wire test path makes the charge point send the CALL it "
            "answers, with nothing else of its own to send first"
        )
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
    answers = answer_payloads(spec, machine)
    for action, reply in default_answers(spec).items():
        if reply is not None:
            answers.setdefault(action, [reply])
    search = Search(machine, _stimuli(spec, machine), answers)
    first = machine.transitions[0]
    booted = resolve(_scenario(spec, machine, first, {}))
    found: dict[str, list[tuple[dict[str, Node], Variant, list[Hop]]]] = {}
    # Stimuli of the test system first; then, for what they leave, timers and answers too.
    for waits in (False, True):
        for variant in variants(spec, machine):
            nodes, after, timers = after_setup(spec, booted, variant)
            start = nodes[machine.name]
            for key, path in search.paths(start, after, timers[machine.name], waits).items():
                found.setdefault(key, []).append((nodes, after, path))
    for t in machine.transitions:
        ways = configurations(spec, machine, found.get(t.key, []))
        if not ways:
            _derive_one(spec, machine, t, None, search, resolve, suite)
        for world, configured, hops, assignment in ways:
            suffix = label(assignment) if len(ways) > 1 else ""
            way = (world, configured, list(hops))
            _derive_one(spec, machine, t, way, search, resolve, suite, suffix)
    # A transition with a test under one configuration is covered; each gap is named once.
    driven = {c.transition.key for c in suite.cases}
    gaps = {g.transition.key: g for g in reversed(suite.gaps) if g.transition.key not in driven}
    suite.gaps = [g for g in suite.gaps if gaps.get(g.transition.key) is g]
    return suite


def _derive_one(
    spec: SpecSet,
    machine: Machine,
    t: Transition,
    found: tuple[dict[str, Node], Variant, list[Hop]] | None,
    search: Search,
    resolve: Resolve,
    suite: WireSuite,
    suffix: str = "",
) -> None:
    """Add the wire test of ``t`` to ``suite`` (its id ending in ``suffix``, which names its
    configuration when it has several), or the reason it has none."""
    if found is None:
        suite.gaps.append(WireGap(t, _reason(machine, t, search.undetermined)))
        return
    nodes, variant, path = found
    played = _steps(spec, machine, nodes, variant, path, t.pos)
    if played is None:
        reason = "the answer or timer that fires it comes after a CALL the derivation cannot follow"
        suite.gaps.append(WireGap(t, reason))
        return
    steps, checked = played
    if not checked:
        reason = "its path shows nothing on the wire the spec determines"
        suite.gaps.append(WireGap(t, reason))
        return
    sc = _scenario(spec, machine, t, _setup(machine, variant, path), tuple(steps), suffix)
    suite.cases.append(WireCase(t, resolve(sc)))
