"""Compile a Machine's guards and actions to Python source for the machine template.

Templates only lay out text; everything computed — method names, compiled expressions, the
event table — is prepared here from the IR.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass

from compiler.expressions import Expr, to_python
from compiler.ir import (
    Action,
    Machine,
    SpecSet,
)
from compiler.naming import class_name, event_attr, snake

__all__ = ["MachineView", "machine_view"]

_PY_TYPES = {"integer": "int", "boolean": "bool", "string": "str"}
_ENV_GETTERS = {"integer": "int", "boolean": "bool", "string": "str", "csl": "str", "enum": "str"}


@dataclass(frozen=True, slots=True)
class ContextField:
    name: str
    annotation: str
    default: str | None
    param: bool
    description: str


@dataclass(frozen=True, slots=True)
class TransitionCode:
    attr_source: str
    attr_target: str | None
    guard_method: str | None
    action_method: str | None


@dataclass(frozen=True, slots=True)
class MethodCode:
    name: str
    doc: str
    body: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class MachineView:
    """Everything the machine template prints, already computed."""

    machine: Machine
    class_name: str
    context_class: str
    state_type: str
    context: tuple[ContextField, ...]
    events: tuple[tuple[str, str, tuple[TransitionCode, ...]], ...]
    accepts: tuple[tuple[str, tuple[str, ...]], ...]
    guards: tuple[MethodCode, ...]
    transition_actions: tuple[MethodCode, ...]
    entries: tuple[tuple[str, str, tuple[str, ...]], ...]
    exits: tuple[tuple[str, str, tuple[str, ...]], ...]
    actions: tuple[MethodCode, ...]


class _Resolver:
    """How each expression name is read in generated code."""

    def __init__(self, spec: SpecSet, in_guard: bool) -> None:
        self.spec = spec
        self.in_guard = in_guard

    def __call__(self, namespace: str, name: str) -> str:
        if namespace == "config":
            key = self.spec.config_key(name)
            kind = _ENV_GETTERS[key.spec.kind] if key else "str"
            return f"self.env.config_{kind}({name!r})"
        if namespace == "pics":
            item = self.spec.pics_item(name)
            kind = _ENV_GETTERS[item.spec.kind] if item else "bool"
            return f"self.env.pics_{kind}({name!r})"
        if namespace == "ctx":
            return f"self.ctx.{name}"
        if namespace == "msg":
            return f"msg_field(msg, {name!r})"
        if namespace == "station":
            return "self.env.query"
        # plain names: in a guard the machine is still in the source state
        return "source.value" if self.in_guard else name


def _context(machine: Machine) -> tuple[ContextField, ...]:
    fields = []
    # Dataclass fields without defaults must come first.
    for var in sorted(machine.context, key=lambda v: (not v.param or v.optional, 0)):
        annotation = _PY_TYPES[var.kind] + (" | None" if var.optional else "")
        if var.param:
            default = "None" if var.optional else None
        else:
            default = repr(var.default if var.default is not None else _zero(var.kind))
        fields.append(ContextField(var.name, annotation, default, var.param, var.description))
    return tuple(fields)


def _zero(kind: str) -> object:
    return {"integer": 0, "boolean": False, "string": ""}[kind]


def _reply_line(action: Action, args: str) -> str:
    """A reply: with the response payload, or with the CALLERROR code the spec demands."""
    if action.reply_error:
        return f"self.emit_reply_error({action.reply!r}, {action.reply_error!r})"
    return f"self.emit_reply({action.reply!r}, {args})"


def _effect_lines(action: Action, code: Callable[[Expr], str]) -> list[str]:
    lines: list[str] = []
    args = "{" + ", ".join(f"{k!r}: {code(v)}" for k, v in action.args) + "}"
    if action.send and action.transaction is not None:
        tx_ref = code(action.transaction)
        lines.append(f"self.emit_send({action.send!r}, {args}, {tx_ref})")
    elif action.send:
        lines.append(f"self.emit_send({action.send!r}, {args})")
    if action.reply:
        lines.append(_reply_line(action, args))
    if action.invoke:
        lines.append(f"self.emit_invoke({action.invoke!r}, {args})")
    if action.raise_event:
        lines.append(f"self.emit_raise({action.raise_event!r}, {args})")
    if action.start_timer and action.after is not None:
        lines.append(f"self.emit_start_timer({action.start_timer!r}, {code(action.after)})")
    if action.cancel_timer:
        lines.append(f"self.emit_cancel_timer({action.cancel_timer!r})")
    lines += [f"self.emit_set_config({k!r}, {code(v)})" for k, v in action.set_config]
    if action.sync_clock is not None:
        lines.append(f"self.emit_sync_clock({code(action.sync_clock)})")
    # All values are computed before any is assigned, so 'set' reads the old context.
    values = [(var, code(expr)) for var, expr in action.assignments]
    if values:
        targets = ", ".join(f"self.ctx.{v}" for v, _ in values)
        lines.append(f"{targets} = {', '.join(c for _, c in values)}")
    return lines


def _action_body(spec: SpecSet, action: Action) -> tuple[str, ...]:
    resolve = _Resolver(spec, in_guard=False)

    def code(expr: Expr) -> str:
        return to_python(expr, resolve)

    lines = _effect_lines(action, code) or ["pass"]
    if action.condition is None:
        return tuple(lines)
    return (f"if {code(action.condition)}:", *(f"    {line}" for line in lines))


def _calls(names: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(f"self._a_{n}(source_name, state_name, msg)" for n in names)


def machine_view(spec: SpecSet, machine: Machine) -> MachineView:
    """Prepare the template context for one machine."""
    guard_resolver = _Resolver(spec, in_guard=True)
    by_event: dict[str, list[TransitionCode]] = defaultdict(list)
    guards, transition_actions = [], []
    accepts: dict[str, set[str]] = defaultdict(set)
    for t in machine.transitions:
        guard_method = f"_g_{t.py_name}" if t.guard is not None else None
        # Every transition has a callback, if only to tell the coverage hook it fired.
        action_method = f"_t_{t.py_name}"
        if t.guard is not None and guard_method:
            body = (f"return bool({to_python(t.guard, guard_resolver)})",)
            guards.append(MethodCode(guard_method, f"{t.id}: {t.guard.text}", body))
        lines: tuple[str, ...] = (f"self._fired({t.key!r})",)
        if t.actions:
            lines += ("source_name, state_name = source.value, target.value", *_calls(t.actions))
        transition_actions.append(MethodCode(action_method, f"{t.id} on {t.event}", lines))
        target = snake(t.target) if t.target else None
        code = TransitionCode(snake(t.source), target, guard_method, action_method)
        by_event[t.event].append(code)
        accepts[t.source].add(t.event)
    entries, exits = [], []
    for s in machine.states:
        entry_actions = machine.entry + s.entry
        if entry_actions:
            entries.append((s.py_name, s.name, _calls(entry_actions)))
        if s.exit:
            exits.append((s.py_name, s.name, _calls(s.exit)))
    actions = tuple(
        MethodCode(f"_a_{a.name}", a.name, _action_body(spec, a)) for a in machine.actions
    )
    return MachineView(
        machine=machine,
        class_name=f"{class_name(machine.name)}Machine",
        context_class=f"{class_name(machine.name)}Context",
        state_type=f"{class_name(machine.name)}State",
        context=_context(machine),
        events=tuple((e, event_attr(e), tuple(by_event[e])) for e in sorted(by_event)),
        accepts=tuple((s.name, tuple(sorted(accepts[s.name]))) for s in machine.states),
        guards=tuple(guards),
        transition_actions=tuple(transition_actions),
        entries=tuple(entries),
        exits=tuple(exits),
        actions=actions,
    )
