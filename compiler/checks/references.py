"""Checks that every name a machine uses exists: events, messages, actions, timers, PICS items,
configuration keys, context variables and message fields."""

from __future__ import annotations

from collections.abc import Iterator

from compiler.checks.common import MESSAGE_NAMESPACES, NAMESPACES, did_you_mean, one_of
from compiler.diagnostics import Diagnostic, Pos
from compiler.expressions import Expr, Reference
from compiler.ir import (
    Action,
    FieldDef,
    Machine,
    SpecSet,
    Transition,
)
from runtime.spec.effects import OUTCOME_ID_TAG, OUTCOME_TX_REF

__all__ = ["check_references", "event_payload"]

# The outcome events of a CALL the Charge Point sent.
OUTCOME_NAMESPACES = ("result", "error", "timeout")


def event_payload(spec: SpecSet, event: str) -> tuple[FieldDef, ...] | None:
    """The payload fields ``msg`` has for an event (None when the event is unknown)."""
    namespace, _, name = event.partition(".")
    if namespace in MESSAGE_NAMESPACES:
        message = spec.message(name)
        if message is None:
            return None
        if namespace == "ocpp":
            return message.request
        return message.response if namespace == "result" else ()
    if namespace == "timer":
        return ()
    found = next((e for e in spec.events if e.name == event), None)
    return None if found is None else found.payload


def _event_problem(spec: SpecSet, machine: Machine, event: str, pos: Pos) -> Diagnostic | None:
    namespace, dot, name = event.partition(".")
    if not dot or namespace not in NAMESPACES:
        return Diagnostic(
            pos,
            "SPEC202",
            f"event '{event}' has unknown namespace '{namespace}'",
            "expected <namespace>.<name> with namespace one of: " + ", ".join(NAMESPACES),
            did_you_mean(namespace, NAMESPACES),
        )
    if namespace in MESSAGE_NAMESPACES:
        names = [m.name for m in spec.messages]
        if spec.unknown_message(name):
            return Diagnostic(
                pos,
                "SPEC203",
                f"event '{event}' names unknown message '{name}'",
                one_of(names),
                did_you_mean(name, names),
            )
        return None
    if namespace == "timer":
        if name not in machine.timers:
            return Diagnostic(
                pos,
                "SPEC210",
                f"event '{event}' names a timer this machine never starts",
                "timers started here: " + (", ".join(machine.timers) or "none"),
                did_you_mean(name, machine.timers),
            )
        return None
    known = [e.name for e in spec.events if e.namespace == namespace]
    if event not in known:
        return Diagnostic(
            pos,
            "SPEC210",
            f"unknown {namespace} event '{event}'",
            one_of(known) + " (events.yaml)",
            did_you_mean(event, known),
        )
    return None


def _expressions(machine: Machine) -> Iterator[tuple[Expr, Pos, str | None]]:
    """Every expression of the machine, its position, and the event whose msg it may read."""
    for t in machine.transitions:
        if t.guard is not None:
            yield t.guard, t.pos, t.event
    for a in machine.actions:
        exprs = [a.condition, a.after, a.sync_clock, a.transaction]
        exprs += [e for _, e in (*a.args, *a.set_config, *a.assignments)]
        for expr in exprs:
            if expr is not None:
                yield expr, a.pos, None


class _RefChecker:
    def __init__(self, spec: SpecSet, machine: Machine) -> None:
        self.spec = spec
        self.machine = machine
        self.found: list[Diagnostic] = []

    def report(self, pos: Pos, code: str, found: str, options: list[str], name: str) -> None:
        self.found.append(
            Diagnostic(pos, code, found, one_of(options), did_you_mean(name, options))
        )

    def station_call(self, kind: str, name: str, arity: int, pos: Pos) -> None:
        found = self.spec.station_call(name, kind)
        if found is None:
            known = [c.name for c in self.spec.station if c.kind == kind]
            self.report(pos, "SPEC230", f"unknown station {kind} '{name}'", known, name)
        elif len(found.args) != arity:
            self.found.append(
                Diagnostic(
                    pos,
                    "SPEC231",
                    f"station {kind} '{name}' takes {len(found.args)} argument(s), given {arity}",
                    f"{name}({', '.join(found.args)}) (station.yaml)",
                )
            )

    def name(self, ref: Reference, pos: Pos, event: str | None) -> None:
        spec = self.spec
        namespace, name = ref.namespace, ref.name
        if namespace == "station":
            self.station_call("query", name, ref.arity, pos)
        elif namespace == "config" and spec.config_key(name) is None:
            keys = [k.name for k in spec.config_keys]
            self.report(pos, "SPEC205", f"unknown configuration key '{name}'", keys, name)
        elif namespace == "pics" and spec.pics_item(name) is None:
            items = [p.name for p in spec.pics]
            self.report(pos, "SPEC204", f"unknown PICS item '{name}'", items, name)
        elif namespace == "ctx" and name not in {c.name for c in self.machine.context}:
            names = [c.name for c in self.machine.context]
            self.report(pos, "SPEC217", f"unknown context variable 'ctx.{name}'", names, name)
        elif namespace == "msg" and event is not None:
            payload = event_payload(spec, event)
            if payload is None:
                return  # the unknown event itself is reported
            fields = [f.name for f in payload]
            if event.partition(".")[0] in OUTCOME_NAMESPACES:
                fields += [OUTCOME_TX_REF, OUTCOME_ID_TAG]  # added by the station
            if name not in fields:
                self.report(
                    pos, "SPEC212", f"'{event}' carries no field 'msg.{name}'", fields, name
                )

    def action_names(self, names: tuple[str, ...], pos: Pos, where: str) -> None:
        defined = [a.name for a in self.machine.actions]
        for name in names:
            if name not in defined:
                self.report(pos, "SPEC211", f"unknown action '{name}' in {where}", defined, name)

    def send(self, a: Action) -> None:
        """A CALL the machine sends: a known message, and only fields of its request."""
        assert a.send is not None
        sent = self.spec.message(a.send)
        if sent is None and not self.spec.unknown_message(a.send):
            return  # its definition is broken, and reported
        if sent is None:
            messages = [m.name for m in self.spec.messages]
            self.report(
                a.pos,
                "SPEC203",
                f"action {a.name} sends unknown message '{a.send}'",
                messages,
                a.send,
            )
            return
        fields = [f.name for f in sent.request]
        for key, _ in a.args:
            if key not in fields:
                self.report(a.pos, "SPEC212", f"{a.send}.req has no field '{key}'", fields, key)

    def action(self, a: Action) -> None:
        if a.send is not None:
            self.send(a)
        if a.reply is not None:
            self.reply(a)
        if a.invoke is not None:
            self.invoke(a)
        if a.raise_event is not None:
            problem = _event_problem(self.spec, self.machine, a.raise_event, a.pos)
            if problem is not None:
                self.found.append(problem)
        keys = [k.name for k in self.spec.config_keys]
        for key, _ in a.set_config:
            if self.spec.config_key(key) is None:
                self.report(a.pos, "SPEC205", f"unknown configuration key '{key}'", keys, key)
        ctx = [c.name for c in self.machine.context]
        for var, _ in a.assignments:
            if var not in ctx:
                self.report(a.pos, "SPEC217", f"unknown context variable '{var}'", ctx, var)

    def reply(self, a: Action) -> None:
        """A reply answers a CALL this machine receives, with fields of that response."""
        assert a.reply is not None
        message = self.spec.message(a.reply)
        if message is None and not self.spec.unknown_message(a.reply):
            return  # its definition is broken, and reported
        if message is None:
            names = [m.name for m in self.spec.messages]
            self.report(
                a.pos, "SPEC203", f"action {a.name} replies to unknown message", names, a.reply
            )
            return
        if f"ocpp.{a.reply}" not in self.machine.events:
            self.found.append(
                Diagnostic(
                    a.pos,
                    "SPEC232",
                    f"action {a.name} replies to {a.reply}, but no transition of "
                    f"{self.machine.name} receives ocpp.{a.reply}",
                    f"a machine answers only the CALLs it handles (on: ocpp.{a.reply})",
                )
            )
        fields = [f.name for f in message.response]
        for key, _ in a.args:
            if key not in fields:
                self.report(a.pos, "SPEC212", f"{a.reply}.conf has no field '{key}'", fields, key)

    def invoke(self, a: Action) -> None:
        assert a.invoke is not None
        found = self.spec.station_call(a.invoke, "operation")
        given = [k for k, _ in a.args]
        if found is None:
            known = [c.name for c in self.spec.station if c.kind == "operation"]
            self.report(
                a.pos, "SPEC230", f"unknown station operation '{a.invoke}'", known, a.invoke
            )
        elif sorted(given) != sorted(found.args):
            self.found.append(
                Diagnostic(
                    a.pos,
                    "SPEC231",
                    f"action {a.name} invokes '{a.invoke}' with {', '.join(given) or 'nothing'}",
                    f"{a.invoke}({', '.join(found.args)}) (station.yaml)",
                )
            )

    def outcome_paths(self, a: Action) -> None:
        """A CALL we send must have result, error and timeout handling (or say it ignores it)."""
        if a.send is None or not a.outcome_handled or self.spec.message(a.send) is None:
            return
        events = set(self.machine.events)
        missing = [
            f"{ns}.{a.send}"
            for ns in ("result", "error", "timeout")
            if f"{ns}.{a.send}" not in events
        ]
        if missing:
            self.found.append(
                Diagnostic(
                    a.pos,
                    "SPEC215",
                    f"action {a.name} sends {a.send} but no transition handles "
                    f"{', '.join(missing)}",
                    "a sent CALL needs result, error and timeout transitions",
                    "add them, or mark the action 'outcome: ignored'",
                )
            )

    def transition(self, t: Transition) -> None:
        problem = _event_problem(self.spec, self.machine, t.event, t.pos)
        if problem is not None:
            self.found.append(problem)
        self.action_names(t.actions, t.pos, f"transition {t.id}")


def check_references(spec: SpecSet, machine: Machine) -> list[Diagnostic]:
    """Every name used by ``machine`` must be defined somewhere in ``spec``."""
    checker = _RefChecker(spec, machine)
    for t in machine.transitions:
        checker.transition(t)
    for s in machine.states:
        checker.action_names(s.entry + s.exit, s.pos, f"state {s.name}")
        if s.pics and spec.pics_item(s.pics) is None:
            items = [p.name for p in spec.pics]
            checker.report(
                s.pos,
                "SPEC204",
                f"state {s.name} is gated by unknown PICS item '{s.pics}'",
                items,
                s.pics,
            )
        for name in s.may_send or ():
            if spec.unknown_message(name):
                checker.report(
                    s.pos,
                    "SPEC203",
                    f"state {s.name} may send unknown message '{name}'",
                    [m.name for m in spec.messages],
                    name,
                )
    checker.action_names(machine.entry, machine.pos, f"machine {machine.name} entry")
    for a in machine.actions:
        checker.action(a)
        checker.outcome_paths(a)
    gates = {s.pics for s in machine.states if s.pics}
    for expr, pos, event in _expressions(machine):
        for ref in expr.references:
            if ref.namespace == "pics" and ref.name in gates:
                continue  # checked once, at the gated state

            checker.name(ref, pos, event)
    return checker.found
