"""The search behind the wire tests: a breadth-first walk of one machine from where the test
state leaves it, over what a test system can make happen.

Theory of operation: besides the stimuli a test system produces itself (a CALL of the
Central System, a tester action), two more move a machine, and both only when the path makes
them observable. A timer the machine has running fires when the test waits for it — only
when its firing sends a CALL, since waiting for nothing shows nothing on the wire (the wait
is the timer's own duration, so only its upper bound is checked: OCPP 1.6 §4.6 gives
intervals as minimums and the setup's own duration is not known). The answer of the test
system to a CALL the machine just sent — a CALLRESULT from the spec's examples, or a
CALLERROR — fires a ``result.``/``error.`` transition; the test gives that answer to the
``expect`` step of the CALL. No answer at all (``timeout.``) is not derived: the runner
answers every CALL it takes.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from compiler.derive.semantics import Firing, Node, Variant
from compiler.derive.wire_world import Timers, Undetermined, armed, fire_step
from compiler.ir import FieldDef, Machine, SpecSet
from runtime.spec.effects import OUTCOME_ID_TAG, OUTCOME_TX_REF

__all__ = [
    "ERROR_CODE",
    "MAX_DEPTH",
    "MAX_WAIT",
    "Hop",
    "Search",
    "answer_payloads",
    "default_answers",
]

Step = tuple[str, dict[str, Any]]
OUTCOME_FIELDS = frozenset({OUTCOME_TX_REF, OUTCOME_ID_TAG})
Hop = tuple[Step, Firing, float]
"""A stimulus, what it fired, and the seconds it may take to come (a timer's; else 0)."""
MAX_DEPTH = 2
# The longest timer a derived test waits for (device seconds; 300 is a Heartbeat interval).
MAX_WAIT = 600.0
# The CALLERROR the test system answers with (OCPP-J §4.2.3: a generic error).
ERROR_CODE = "InternalError"


@dataclass(frozen=True, slots=True)
class _At:
    """Where the search stands: the machine's node, its running timers, the CALLs it sent
    with the last stimulus (whose answers may come next)."""

    node: Node
    timers: Timers = ()
    awaiting: tuple[str, ...] = ()


def answer_payloads(spec: SpecSet, machine: Machine) -> dict[str, list[dict[str, Any]]]:
    """The CALLRESULTs the test system may give each CALL: the machine's ``result.X``
    examples (a datetime as the test system's own time, so no device clock is set into
    another year), else the first example of any machine."""
    found: dict[str, list[dict[str, Any]]] = {}
    for m in (machine, *spec.machines):
        for event, examples in m.test.events:
            action = event.removeprefix("result.")
            if event.startswith("result.") and examples and action not in found:
                found[action] = [_now_for_datetimes(spec, action, _answer(e)) for e in examples]
    return found


def _answer(example: Any) -> dict[str, Any]:
    """An outcome example as the test system's answer: without what the station adds to the
    outcome event about the request (msg.txRef, msg.sentIdTag), which no answer carries."""
    return {k: v for k, v in dict(example).items() if k not in OUTCOME_FIELDS}


def _now_for_datetimes(spec: SpecSet, action: str, payload: dict[str, Any]) -> dict[str, Any]:
    message = spec.message(action)
    kinds = {f.name: f.kind for f in message.response} if message is not None else {}
    return {k: "$now" if kinds.get(k) == "datetime" else v for k, v in payload.items()}


def default_answers(spec: SpecSet) -> dict[str, dict[str, Any] | None]:
    """The answer the test system gives a CALL of the charge point: the first ``result.X``
    example of any machine's test block; else its required fields with a first valid value
    (an enum's first value, the current time); else the runner's default answer."""
    found: dict[str, dict[str, Any] | None] = {}
    for m in spec.machines:
        for event, examples in m.test.events:
            if event.startswith("result.") and examples:
                found.setdefault(event.removeprefix("result."), _answer(examples[0]))
    for message in spec.messages:
        if message.name not in found:
            found[message.name] = _minimal_answer(spec, message.response)
    return found


def _minimal_answer(spec: SpecSet, fields: tuple[FieldDef, ...]) -> dict[str, Any] | None:
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


@dataclass
class Search:
    """A breadth-first search of one machine for a path that fires a transition."""

    machine: Machine
    stimuli: list[Step]
    answers: dict[str, list[dict[str, Any]]] = field(default_factory=dict)
    undetermined: set[str] = field(default_factory=set)

    def paths(
        self, start: Node, variant: Variant, timers: Timers = (), waits: bool = False
    ) -> dict[str, list[Hop]]:
        """The first path found to each transition (key), at most MAX_DEPTH + 1 steps;
        with ``waits``, timers and answers to the machine's CALLs move it too."""
        found: dict[str, list[Hop]] = {}
        first = _At(start, timers)
        queue: deque[tuple[_At, list[Hop]]] = deque([(first, [])])
        seen = {first}
        while queue:
            at, path = queue.popleft()
            for step, wait in self._moves(at, waits):
                firing = self._fire(variant, at.node, step)
                if firing is None or firing.transition is None:
                    continue
                if wait and not any(e[0] == "send" for e in firing.effects):
                    continue  # waiting for a timer that sends nothing shows nothing
                walked = [*path, (step, firing, wait)]
                found.setdefault(firing.transition.key, walked)
                sent = tuple(e[1] for e in firing.effects if e[0] == "send")
                after = _At(firing.node, armed(at.timers, firing.effects), sent)
                if len(walked) <= MAX_DEPTH and after not in seen:
                    seen.add(after)
                    queue.append((after, walked))
        return found

    def _fire(self, variant: Variant, node: Node, step: Step) -> Firing | None:
        try:
            return fire_step(self.machine, variant, node, step)
        except Undetermined as unknown:
            self.undetermined.add(str(unknown))
            return None

    def _answer_moves_it(self, at: _At) -> bool:
        """Whether the machine reacts to the answer of a CALL it just sent: the runner
        answers that CALL at its expect step, before the next stimulus, so the next move
        must be that answer."""
        events = {f"{kind}.{a}" for a in at.awaiting for kind in ("result", "error")}
        return any(
            t.source == at.node.state and t.event in events for t in self.machine.transitions
        )

    def _moves(self, at: _At, waits: bool) -> Iterator[tuple[Step, float]]:
        if not self._answer_moves_it(at):
            yield from ((step, 0.0) for step in self.stimuli)
        if not waits:
            return
        for name, seconds in at.timers:
            if 0 < seconds <= MAX_WAIT:
                yield (f"timer.{name}", {}), seconds
        for action in at.awaiting:
            for payload in self.answers.get(action, []):
                yield (f"result.{action}", payload), 0.0
            yield (f"error.{action}", {"errorCode": ERROR_CODE}), 0.0
