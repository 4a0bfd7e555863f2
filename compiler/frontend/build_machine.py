"""Build a Machine from a validated machines/<name>.yaml.

A spec transition may list several sources (or ``"*"`` for every state) and several events;
the IR keeps one Transition per (source, event) so every later stage — checks, code, diagrams,
tests — deals with the simplest unit. A target state gated by a PICS item adds that item to the
guard here, once. Named conditions and bare enum literals are substituted into every
expression, and ``guard: else`` is resolved once all transitions are built
(:mod:`compiler.frontend.conditions`).
"""

from __future__ import annotations

import ast
from dataclasses import replace
from typing import Any

from compiler.diagnostics import Diagnostic, Pos
from compiler.expressions import Expr, ExprProblem, parse_expression
from compiler.frontend.conditions import ELSE, Vocabulary, else_guard, expand, is_reserved
from compiler.frontend.yaml import (
    JsonPath,
    LoadedFile,
)
from compiler.ir import (
    Action,
    Condition,
    ContextVar,
    Machine,
    State,
    TestVariants,
    Transition,
)
from compiler.naming import module_name, snake, transition_attr

__all__ = ["build_machine"]


def _refused(source: object) -> Expr:
    """A stand-in for a guard that was refused (SPEC209, already reported): it reads nothing,
    so no name check follows from it, and the transition still counts as guarded, so no
    SPEC208 or SPEC237 follows either. A spec with errors is never rendered."""
    return Expr(str(source), ast.parse("False", mode="eval"), ())


_EXPECTED = (
    "expected one expression over config.*, pics.*, ctx.*, msg.*, state, source, "
    "station.<query>(...), lower(...)"
)


class _Builder:
    def __init__(self, f: LoadedFile, vocab: Vocabulary) -> None:
        self.f = f
        self.vocab = vocab
        self.diagnostics: list[Diagnostic] = []

    def report(self, pos: Pos, code: str, found: str, expected: str) -> None:
        self.diagnostics.append(Diagnostic(pos, code, found, expected))

    def expr(self, value: Any, path: JsonPath) -> Expr | None:
        parsed = expand(value, self.vocab)
        if isinstance(parsed, ExprProblem):
            pos = self.f.pos(path)
            found = f"expression {str(value)!r} is refused: {parsed.message}"
            if parsed.code != "SPEC209":
                found = f"in expression {str(value)!r}: {parsed.message}"
            self.diagnostics.append(
                Diagnostic(
                    Pos(pos.file, pos.line, pos.col + parsed.col),
                    parsed.code,
                    found,
                    parsed.expected or _EXPECTED,
                    parsed.hint,
                )
            )
            return None
        return parsed

    def conditions(self, declared: dict[str, Any]) -> list[Condition]:
        """Build the named conditions in order; each may use only those above it."""
        names = list(declared)
        built = []
        for index, name in enumerate(names):
            raw = declared[name]
            text = raw["expr"] if isinstance(raw, dict) else raw
            path: JsonPath = (
                ("conditions", name, "expr") if isinstance(raw, dict) else ("conditions", name)
            )
            if is_reserved(name):
                self.report(
                    self.f.key_pos(("conditions", name)),
                    "SPEC246",
                    f"condition name '{name}' is taken by the expression language",
                    "a name other than config, pics, ctx, msg, station, state, source, the "
                    "built-in functions and Python keywords",
                )
                continue
            self.vocab.later = frozenset(names[index:])
            expr = self.expr(text, path) or _refused(False)  # uses add no error of their own
            self.vocab.conditions[name] = expr
            description = raw.get("description", "") if isinstance(raw, dict) else ""
            built.append(
                Condition(
                    name=name,
                    expr=expr,
                    text=" ".join(str(text).split()),
                    description=" ".join(description.split()),
                    pos=self.f.key_pos(("conditions", name)),
                )
            )
        self.vocab.later = frozenset()
        return built

    def unused(self, conditions: list[Condition]) -> None:
        for c in conditions:
            if c.name not in self.vocab.used:
                self.report(
                    c.pos,
                    "SPEC245",
                    f"condition '{c.name}' is never used",
                    "use it in a guard, an action's 'if' or another condition, or remove it",
                )

    def resolve_else(self, transitions: list[Transition]) -> list[Transition]:
        """Give each ``guard: else`` transition the complement of its siblings' guards."""
        resolved = []
        reported: set[int] = set()
        for t in transitions:
            if t.condition != ELSE:
                resolved.append(t)
                continue
            siblings = [
                s for s in transitions if s.source == t.source and s.event == t.event and s is not t
            ]
            guard = else_guard(t, siblings)
            if isinstance(guard, str) and t.entry in reported:
                guard = _refused(ELSE)  # one error per spec entry
            if isinstance(guard, str):
                reported.add(t.entry)
                self.report(
                    self.f.pos(("transitions", t.entry, "guard")),
                    "SPEC248",
                    guard,
                    "'else' needs at least one other transition on the same event from the same "
                    "state, each of them guarded",
                )
                guard = _refused(ELSE)
            resolved.append(replace(t, guard=guard))
        return resolved

    def pairs(self, mapping: dict[str, Any], path: JsonPath) -> tuple[tuple[str, Expr], ...]:
        built = []
        for key, value in mapping.items():
            parsed = self.expr(value, (*path, key))
            if parsed is not None:
                built.append((key, parsed))
        return tuple(built)

    def optional_expr(self, node: dict[str, Any], key: str, path: JsonPath) -> Expr | None:
        return self.expr(node[key], (*path, key)) if key in node else None

    def action(self, name: str, a: dict[str, Any]) -> Action:
        path = ("actions", name)
        send = a.get("send")
        raised = a.get("raise")
        return Action(
            name=name,
            condition=self.optional_expr(a, "if", path),
            send=send,
            outcome_handled=a.get("outcome", "handled") == "handled",
            raise_event=raised,
            args=self.pairs(a.get("with", {}), (*path, "with")),
            start_timer=a.get("start_timer"),
            after=self.optional_expr(a, "after", path),
            cancel_timer=a.get("cancel_timer"),
            set_config=self.pairs(a.get("set_config", {}), (*path, "set_config")),
            sync_clock=self.optional_expr(a, "sync_clock", path),
            assignments=self.pairs(a.get("set", {}), (*path, "set")),
            pos=self.f.key_pos(path),
            reply=a.get("reply"),
            reply_error=a.get("error"),
            invoke=a.get("invoke"),
            transaction=self.optional_expr(a, "transaction", path),
        )

    def state(self, name: str, s: dict[str, Any]) -> State:
        may_send = s.get("may_send", "all")
        return State(
            name=name,
            py_name=snake(name),
            initial=bool(s.get("initial", False)),
            final=bool(s.get("final", False)),
            description=" ".join(s.get("description", "").split()),
            refs=tuple(s.get("refs", ())),
            pics=s.get("pics"),
            entry=tuple(s.get("entry", ())),
            exit=tuple(s.get("exit", ())),
            may_send=None if may_send == "all" else tuple(may_send),
            answers_calls=bool(s.get("answers_calls", True)),
            group=s.get("group", ""),
            pos=self.f.key_pos(("states", name)),
        )

    def guard(self, t: dict[str, Any], index: int, gate: str | None) -> Expr | None:
        path: JsonPath = ("transitions", index, "guard")
        if t.get("guard") == ELSE:
            return None  # resolved against the siblings once all are built
        written = self.expr(t["guard"], path) if "guard" in t else None
        if "guard" in t and written is None:
            written = _refused(t["guard"])
        if gate is None:
            return written
        text = f"pics.{gate}" if written is None else f"pics.{gate} and ({written.text})"
        gated = parse_expression(text)
        if isinstance(gated, ExprProblem):
            # e.g. 'pics: None': no PICS item can have that name; the state's own check
            # reports it (SPEC204), so the gate is simply not added here.
            return written
        return gated

    def transitions(self, index: int, t: dict[str, Any], states: list[State]) -> list[Transition]:
        names = [s.name for s in states]
        sources = t["from"] if isinstance(t["from"], list) else [t["from"]]
        from_any = sources == ["*"]
        if from_any:
            sources = names
        events = t["on"] if isinstance(t["on"], list) else [t["on"]]
        target = t.get("to")
        gate = next((s.pics for s in states if s.name == target), None)
        guard = self.guard(t, index, gate)
        condition = " ".join(str(t["guard"]).split()) if "guard" in t else None
        pos = self.f.pos(("transitions", index))
        built = []
        for source in sources:
            for event in events:
                built.append(
                    Transition(
                        id=t["id"],
                        key=f"{t['id']}:{source}:{event}",
                        py_name=transition_attr(t["id"], source, event),
                        source=source,
                        target=target,
                        event=event,
                        guard=guard,
                        actions=tuple(t.get("do", ())),
                        description=" ".join(t.get("description", "").split()),
                        refs=tuple(t.get("refs", ())),
                        pos=pos,
                        condition=condition,
                        gate=gate,
                        entry=index,
                        from_any=from_any,
                    )
                )
        return built


def _context(f: LoadedFile) -> tuple[ContextVar, ...]:
    return tuple(
        ContextVar(
            name=name,
            kind=c["type"],
            default=c.get("default"),
            param=bool(c.get("param", False)),
            optional=bool(c.get("optional", False)),
            description=" ".join(c.get("description", "").split()),
            pos=f.key_pos(("context", name)),
        )
        for name, c in f.data.get("context", {}).items()
    )


def _test_variants(d: dict[str, Any]) -> TestVariants:
    test = d.get("test", {})
    return TestVariants(
        config=tuple((k, tuple(v)) for k, v in sorted(test.get("config", {}).items())),
        pics=tuple((k, tuple(v)) for k, v in sorted(test.get("pics", {}).items())),
        events=tuple((k, tuple(v)) for k, v in sorted(test.get("events", {}).items())),
        queries=tuple((k, tuple(v)) for k, v in sorted(test.get("queries", {}).items())),
    )


def build_machine(
    f: LoadedFile, enum_values: frozenset[str] = frozenset()
) -> tuple[Machine, list[Diagnostic]]:
    """Build one machine; expression problems come back as diagnostics.

    Args:
        f: the validated machine file.
        enum_values: every value of the enums of types.yaml; a bare PascalCase name in an
            expression stands for the string when it is one of these or a state name.
    """
    d = f.data
    b = _Builder(f, Vocabulary(literals=enum_values | frozenset(d["states"])))
    conditions = b.conditions(d.get("conditions", {}))
    states = [b.state(name, s) for name, s in d["states"].items()]
    transitions: list[Transition] = []
    for index, t in enumerate(d["transitions"]):
        transitions.extend(b.transitions(index, t, states))
    transitions = b.resolve_else(transitions)
    actions = [b.action(name, a) for name, a in sorted(d.get("actions", {}).items())]
    b.unused(conditions)
    timers = sorted({a.start_timer for a in actions if a.start_timer})
    events = sorted({t.event for t in transitions})
    machine = Machine(
        name=d["machine"],
        module=module_name(d["machine"]),
        profile=d["profile"],
        instance=d["instance"],
        refs=tuple(d.get("refs", ())),
        description=" ".join(d.get("description", "").split()),
        context=_context(f),
        states=tuple(states),
        entry=tuple(d.get("entry", ())),
        transitions=tuple(transitions),
        actions=tuple(actions),
        events=tuple(events),
        timers=tuple(timers),
        test=_test_variants(d),
        source_file=f.path,
        pos=f.pos(()),
        conditions=tuple(conditions),
    )
    return machine, b.diagnostics
