"""Checks on the payloads a scenario step writes (SPEC238): what an ``expect`` step wants the
Charge Point to send and the ``reply`` it gets, what a ``send`` step sends and the
``expect_reply`` it wants, a ``tester`` stimulus and an ``observe`` step, against the message
schemas (messages/*.yaml, types.yaml) and events.yaml.

Why at validate: a misspelt field or enum value in an expectation fails only when the test
runs, against a device, and then reads like the device's fault. A field must be one the
message (or datatype, tester action, observation) has; a value must fit its type and, for an
enum, be one of its values. Expectations match partially (docs/spec-language.md, Matching),
so only what the test system sends itself (``send`` payloads, tester and observation
arguments) must give every required field; ``unchecked: true`` sends a payload unchecked on
purpose (negative tests). CALLERROR codes (``reply_error``, ``expect_error``) must be those of
OCPP-J 1.6 §4.2.3.

Values the run fills in or matches are accepted wherever a value goes: any ``$name`` string
(``$now``, ``"$now+<seconds>"`` - date-time fields only -, ``$any``, ``$absent``, the lab's
idTags, ``$connector``, a test state's parameters; the placeholders themselves are checked
elsewhere) and any mapping with a ``$`` key (a matcher). The alternatives of ``$one_of`` and
the items of ``$contains`` are checked like the value they stand for; other matchers
(``$matches``) are left to the runner.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from compiler.checks.common import did_you_mean, one_of
from compiler.diagnostics import Diagnostic, Pos, value_kind
from compiler.ir import FieldDef, ScenarioStep, SpecSet
from runtime.ocppj.errors import ErrorCode
from runtime.spec.matchers import NOW_OFFSET

__all__ = ["check_step_payloads"]

Path = tuple[str | int, ...]

_CALLERROR_CODES = tuple(code.value for code in ErrorCode)
# A scalar kind's Python types (bool is an int in Python, never in JSON) and its name.
_SCALARS: dict[str, tuple[tuple[type, ...], str]] = {
    "string": ((str,), "a string"),
    "datetime": ((str,), "a date-time string"),
    "integer": ((int,), "an integer"),
    "decimal": ((int, float), "a number"),
    "boolean": ((bool,), "a boolean"),
}


def _run_time(value: object) -> bool:
    """A placeholder or a matcher: a value only the run knows or compares."""
    if isinstance(value, str):
        return value.startswith("$")
    return isinstance(value, dict) and any(str(k).startswith("$") for k in value)


def _shown(value: object) -> str:
    return f"'{value}'" if isinstance(value, str) else json.dumps(value)


@dataclass(frozen=True, slots=True)
class _Payload:
    """One payload of a step: whose fields it holds and where it is written in the step."""

    step: ScenarioStep
    owner: str  # "BootNotification.req", "tester action plug_in"
    prefix: Path  # the payload's path from the step

    def pos(self, rel: Path) -> Pos:
        """Where the node at ``rel`` inside the payload is written (or its nearest ancestor)."""
        full = (*self.prefix, *rel)
        for end in range(len(full), -1, -1):
            found = self.step.positions.get(full[:end])
            if found is not None:
                return found
        return self.step.pos


@dataclass
class _Checker:
    spec: SpecSet
    found: list[Diagnostic] = field(default_factory=list)

    def report(self, pos: Pos, found: str, expected: str = "", hint: str = "") -> None:
        self.found.append(Diagnostic(pos, "SPEC238", found, expected, hint))

    def fields(
        self,
        where: _Payload,
        fields: tuple[FieldDef, ...],
        payload: Any,
        rel: Path = (),
        label: str = "",
    ) -> None:
        """The fields of one mapping (a payload, or a datatype's value inside one)."""
        if not isinstance(payload, dict):  # a datatype's value was checked to be one
            self.report(
                where.pos(rel),
                f"{where.owner} payload is {value_kind(payload)}",
                "expected a mapping of fields",
            )
            return
        names = [f.name for f in fields]
        for key, value in payload.items():
            known = next((f for f in fields if f.name == key), None)
            if known is None:
                self.report(
                    where.pos((*rel, key)),
                    f"{where.owner} has no field '{label}{key}'",
                    one_of(names),
                    did_you_mean(str(key), names),
                )
            else:
                self.value(where, known, value, (*rel, key), f"{label}{key}")

    def required(self, where: _Payload, fields: tuple[FieldDef, ...], payload: Any) -> None:
        """Every required field of a payload the test system sends itself is given."""
        given = payload if isinstance(payload, dict) else {}
        for f in fields:
            if f.required and f.name not in given:
                self.report(
                    where.pos(()),
                    f"{where.owner} lacks the required field '{f.name}'",
                    "the test system sends every required field",
                )

    def value(self, where: _Payload, f: FieldDef, value: Any, rel: Path, label: str) -> None:
        """One value of field ``f`` (an item of it when ``label`` ends with ``]``)."""
        if isinstance(value, str) and NOW_OFFSET.fullmatch(value) and f.kind != "datetime":
            # "$now+<seconds>" is a timestamp: only a date-time field takes it.
            self.misfit(where, rel, label, value, "a date-time (the only kind $now+N fills)")
        elif _run_time(value):
            self.matcher(where, f, value, rel, label)
        elif f.is_list and not label.endswith("]"):
            self.items(where, f, value, rel, label)
        elif f.kind == "object":
            datatype = self.spec.datatype(f.datatype or "")
            if datatype is not None and isinstance(value, dict):
                self.fields(where, datatype.fields, value, rel, f"{label}.")
            elif datatype is not None:
                self.misfit(where, rel, label, value, f"a mapping ({datatype.name})")
        elif f.kind == "enum":
            self.enum_value(where, f, value, rel, label)
        elif f.kind in _SCALARS:
            types, name = _SCALARS[f.kind]
            if not isinstance(value, types) or (isinstance(value, bool) and bool not in types):
                self.misfit(where, rel, label, value, name)

    def items(self, where: _Payload, f: FieldDef, value: Any, rel: Path, label: str) -> None:
        """The value of a list field: a list, each item a value of the field's type."""
        if not isinstance(value, list):
            self.misfit(where, rel, label, value, "a list")
            return
        for index, item in enumerate(value):
            self.value(where, f, item, (*rel, index), f"{label}[{index}]")

    def matcher(self, where: _Payload, f: FieldDef, value: Any, rel: Path, label: str) -> None:
        """The values inside ``$one_of`` and ``$contains``; other run-time values pass."""
        if not isinstance(value, dict) or len(value) != 1:
            return
        ((operator, argument),) = value.items()
        if not isinstance(argument, list):
            return
        if operator == "$one_of":
            for index, alternative in enumerate(argument):
                self.value(where, f, alternative, (*rel, operator, index), label)
        elif operator == "$contains" and f.is_list and not label.endswith("]"):
            for index, item in enumerate(argument):
                self.value(where, f, item, (*rel, operator, index), f"{label}[]")

    def enum_value(self, where: _Payload, f: FieldDef, value: Any, rel: Path, label: str) -> None:
        enum = self.spec.enum(f.enum or "")
        if enum is None or value in enum.values:
            return  # an unknown enum is reported where the field is declared
        if not isinstance(value, str):
            self.misfit(where, rel, label, value, f"a string ({enum.name})")
            return
        self.report(
            where.pos(rel),
            f"{where.owner} field '{label}' is {_shown(value)}, not a value of {enum.name}",
            one_of(list(enum.values)),
            did_you_mean(value, enum.values),
        )

    def misfit(self, where: _Payload, rel: Path, label: str, value: Any, wanted: str) -> None:
        self.report(
            where.pos(rel), f"{where.owner} field '{label}' is {value_kind(value)}, not {wanted}"
        )

    def error_code(self, step: ScenarioStep, key: str, code: Any) -> None:
        """A CALLERROR code a step expects or answers with (OCPP-J 1.6 §4.2.3 table 7)."""
        codes = code.get("$one_of", []) if isinstance(code, dict) else [code]
        for one in codes if isinstance(codes, list) else []:
            if isinstance(one, str) and (one.startswith("$") or one in _CALLERROR_CODES):
                continue
            self.report(
                step.positions.get((key,), step.pos),
                f"{key} {_shown(one)} is not a CALLERROR code",
                one_of(list(_CALLERROR_CODES)),
                did_you_mean(str(one), _CALLERROR_CODES),
            )


def _answer(checker: _Checker, step: ScenarioStep, response: tuple[FieldDef, ...]) -> None:
    """The reply an ``expect`` step gives, or the answer a ``send`` step wants."""
    reply = step.reply
    if reply is None or "$none" in reply:
        return
    error_key = "reply_error" if step.kind == "expect" else "expect_error"
    if "$error" in reply:
        checker.error_code(step, error_key, reply["$error"])
    payload = reply.get("$result") if "$error" in reply else reply
    if payload is not None:
        key = "reply" if step.kind == "expect" else "expect_reply"
        where = _Payload(step, f"{step.name}.conf", (key,))
        checker.fields(where, response, payload)


def _call(checker: _Checker, step: ScenarioStep) -> None:
    message = checker.spec.message(step.name)
    if message is None:
        return  # an unknown message is SPEC203; a broken one is reported where it is defined
    if not step.unchecked:
        where = _Payload(step, f"{step.name}.req", (step.kind, step.name))
        before = len(checker.found)
        checker.fields(where, message.request, step.payload)
        if step.kind == "send" and len(checker.found) == before:
            checker.required(where, message.request, step.payload)
    _answer(checker, step, message.response)


def _stimulus(checker: _Checker, step: ScenarioStep) -> None:
    namespace = "tester" if step.kind == "tester" else "observation"
    events = checker.spec.events
    event = next((e for e in events if (e.namespace, e.short) == (namespace, step.name)), None)
    if event is None:
        return  # SPEC216 / SPEC233
    owner = "tester action" if step.kind == "tester" else "observation"
    where = _Payload(step, f"{owner} {step.name}", (step.kind, step.name))
    before = len(checker.found)
    checker.fields(where, event.payload, step.payload)
    if len(checker.found) == before:  # a misspelt field is one mistake, not two
        checker.required(where, event.payload, step.payload)


def check_step_payloads(spec: SpecSet, step: ScenarioStep) -> list[Diagnostic]:
    """SPEC238 for one step (an ``any_order`` step's CALLs are steps of their own)."""
    checker = _Checker(spec)
    if step.kind in ("expect", "send"):
        _call(checker, step)
    elif step.kind in ("tester", "observe"):
        _stimulus(checker, step)
    return checker.found
