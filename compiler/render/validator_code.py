"""Generate the payload validators: plain Python, one function per datatype and per payload.

The code checks what the emitted JSON Schema says, in the order
:class:`runtime.conformance.schema_oracle.SchemaPayloadValidator` reports problems (see
runtime/ocppj/checks.py):
an object's fields in name order, each value's type before its value, a list's length before
its items. Unknown fields are found with one set comparison and reported where their name
falls in that order. Nothing is interpreted at run time; paths are built only on failure.

Leniencies declared in the spec become an extra branch at the check they relax.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from compiler.ir import (
    DatatypeDef,
    FieldDef,
    LeniencyDef,
    Message,
    SpecSet,
)
from compiler.naming import snake

__all__ = ["CheckFunction", "ValidatorViews", "validator_views"]


@dataclass(frozen=True, slots=True)
class CheckFunction:
    """One generated function: its signature line, docstring and body lines (unindented)."""

    signature: str
    doc: str
    body: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ValidatorViews:
    """What the validator templates need."""

    enum_sets: tuple[tuple[str, tuple[str, ...]], ...]
    steps: tuple[tuple[str, str], ...]
    datatype_key_sets: tuple[tuple[str, tuple[str, ...]], ...]
    datatype_functions: tuple[CheckFunction, ...]
    payload_key_sets: dict[str, tuple[tuple[str, tuple[str, ...]], ...]]
    payload_functions: dict[str, tuple[CheckFunction, ...]]
    checks: dict[str, tuple[tuple[str, str, str], ...]]


def datatype_function(name: str) -> str:
    return f"check_{snake(name)}"


def payload_function(message: Message, kind: str) -> str:
    return f"check_{snake(message.name)}_{kind}"


def enum_set(name: str) -> str:
    return f"{snake(name).upper()}_VALUES"


def key_set(owner: str) -> str:
    return f"_{snake(owner).upper()}_FIELDS"


def step_name(step: float) -> str:
    return "STEP_" + str(step).replace(".", "_").replace("-", "M")


def _num(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(value)


class _Body:
    """Collects indented lines."""

    def __init__(self) -> None:
        self.lines: list[str] = []
        self.depth = 0

    def add(self, line: str) -> None:
        self.lines.append("    " * self.depth + line)

    def block(self, head: str, *lines: str) -> None:
        self.add(head)
        self.depth += 1
        for line in lines:
            self.add(line)
        self.depth -= 1


class _Generator:
    def __init__(self, spec: SpecSet, leniencies: tuple[LeniencyDef, ...]) -> None:
        self.spec = spec
        self.leniencies = leniencies

    def lenient(self, owner: str, field: str, allow: str) -> LeniencyDef | None:
        return next(
            (
                item
                for item in self.leniencies
                if item.owner == owner and item.field == field and item.allow == allow
            ),
            None,
        )

    def object_body(self, owner: str, fields: tuple[FieldDef, ...], top: bool) -> tuple[str, ...]:
        out = _Body()
        if top:
            out.add('path = ""')
            # OCPP-J 1.6 §4.2.1: a payload is a JSON object; anything else is not a PDU.
            out.block("if not isinstance(v, dict):", "return payload_not_object(v)")
        else:
            out.block("if not isinstance(v, dict):", 'return type_error(path, "object", v)')
        keys = key_set(owner)
        out.add(f"first = None if v.keys() <= {keys} else min(v.keys() - {keys})")
        for f in sorted(fields, key=lambda f: f.name):
            name = repr(f.name)
            out.block(f"if first is not None and first < {name}:", "return unexpected(path, first)")
            out.add(f"x = v.get({name}, MISSING)")
            if f.required:
                out.block("if x is MISSING:", f"return missing(path, {name})")
                self.value(out, owner, f, "x", f"join(path, {name})")
            else:
                out.add("if x is not MISSING:")
                out.depth += 1
                self.value(out, owner, f, "x", f"join(path, {name})")
                out.depth -= 1
        out.block("if first is not None:", "return unexpected(path, first)")
        out.add("return None")
        return tuple(out.lines)

    def value(self, out: _Body, owner: str, f: FieldDef, var: str, path: str) -> None:
        if not f.is_list:
            self.scalar(out, owner, f, var, path)
            return
        out.block(f"if not isinstance({var}, list):", f'return type_error({path}, "array", {var})')
        if f.min_items is not None:
            out.block(
                f"if len({var}) < {f.min_items}:",
                f"return too_few_items({path}, {f.min_items}, len({var}))",
            )
        if f.max_items is not None:
            out.block(
                f"if len({var}) > {f.max_items}:",
                f"return too_many_items({path}, {f.max_items}, len({var}))",
            )
        out.add(f"for i, y in enumerate({var}):")
        out.depth += 1
        self.scalar(out, owner, f, "y", f'f"{{{path}}}[{{i}}]"')
        out.depth -= 1

    def scalar(self, out: _Body, owner: str, f: FieldDef, x: str, path: str) -> None:
        if f.kind == "object":
            out.add(f"e = {datatype_function(f.datatype or '')}({x}, {path}, r)")
            out.block("if e is not None:", "return e")
        elif f.kind == "boolean":
            out.block(
                f"if not isinstance({x}, bool):", f'return type_error({path}, "boolean", {x})'
            )
        elif f.kind in ("integer", "decimal"):
            self.number(out, f, x, path)
        else:
            out.block(f"if not isinstance({x}, str):", f'return type_error({path}, "string", {x})')
            if f.kind == "datetime":
                self.datetime(out, owner, f, x, path)
            elif f.kind == "enum":
                self.enum(out, owner, f, x, path)
            elif f.max_length is not None:
                self.length(out, owner, f, x, path)

    def number(self, out: _Body, f: FieldDef, x: str, path: str) -> None:
        test, kind = ("is_integer", "integer") if f.kind == "integer" else ("is_number", "number")
        out.block(f"if not {test}({x}):", f'return type_error({path}, "{kind}", {x})')
        if f.minimum is not None:
            low = _num(f.minimum)
            out.block(f"if {x} < {low}:", f'return out_of_range({path}, ">= {low}", {x})')
        if f.maximum is not None:
            high = _num(f.maximum)
            out.block(f"if {x} > {high}:", f'return out_of_range({path}, "<= {high}", {x})')
        if f.multiple_of is not None:
            step = _num(f.multiple_of)
            out.block(
                f"if not is_multiple({x}, {step_name(f.multiple_of)}):",
                f'return not_multiple({path}, "{step}", {x})',
            )

    def length(self, out: _Body, owner: str, f: FieldDef, x: str, path: str) -> None:
        relax = self.lenient(owner, f.name, "max_length")
        wider = f"len({x}) <= {relax.value}" if relax else ""
        fail = f"return too_long({path}, {f.max_length}, {x})"
        self.guarded(out, f"len({x}) > {f.max_length}", fail, relax, wider)

    def enum(self, out: _Body, owner: str, f: FieldDef, x: str, path: str) -> None:
        relax = self.lenient(owner, f.name, "values")
        extra = f"{x} in {tuple(relax.value)!r}" if relax else ""
        fail = f"return not_in_enum({path}, {f.enum!r}, {x})"
        self.guarded(out, f"{x} not in {enum_set(f.enum or '')}", fail, relax, extra)

    def datetime(self, out: _Body, owner: str, f: FieldDef, x: str, path: str) -> None:
        relax = self.lenient(owner, f.name, "naive_datetime")
        naive = f"is_naive_datetime({x})" if relax else ""
        fail = f"return bad_datetime({path}, {x})"
        self.guarded(out, f"not is_datetime({x})", fail, relax, naive)

    def guarded(
        self, out: _Body, test: str, fail: str, relax: LeniencyDef | None, relaxed_ok: str
    ) -> None:
        """``if test: fail``, or with a leniency: accept (and record it) when relaxed_ok."""
        out.add(f"if {test}:")
        out.depth += 1
        if relax is None:
            out.add(fail)
        else:
            self.relaxed(out, relax, relaxed_ok, fail)
        out.depth -= 1

    @staticmethod
    def relaxed(out: _Body, relax: LeniencyDef, condition: str, fail: str) -> None:
        out.block(
            f"if {relax.name!r} in r.enabled and {condition}:", f"r.used.append({relax.name!r})"
        )
        out.block("else:", fail)


def _fields_of(spec: SpecSet) -> list[FieldDef]:
    found = [f for d in spec.datatypes for f in d.fields]
    found += [f for m in spec.messages for f in (*m.request, *m.response)]
    return found


def _datatype_function(gen: _Generator, d: DatatypeDef) -> CheckFunction:
    return CheckFunction(
        f"def {datatype_function(d.name)}(v: object, path: str, r: Relax) -> PayloadError | None:",
        f"The {d.name} object at ``path``.",
        gen.object_body(d.name, d.fields, top=False),
    )


def _payload_function(gen: _Generator, m: Message, kind: str) -> CheckFunction:
    fields = m.request if kind == "req" else m.response
    part = "request" if kind == "req" else "response"
    return CheckFunction(
        f"def {payload_function(m, kind)}(v: object, r: Relax) -> PayloadError | None:",
        f"{m.name}.{kind} ({', '.join(m.refs) or m.name}).",
        gen.object_body(f"{m.name}.{part}", fields, top=True),
    )


def validator_views(spec: SpecSet, module_of: dict[str, str]) -> ValidatorViews:
    """Views for ``validators/datatypes.py`` and one module per feature profile.

    Args:
        module_of: message name → the module (per feature profile) that holds its checks.
    """
    gen = _Generator(spec, spec.leniencies)
    fields = _fields_of(spec)
    used_enums = sorted({f.enum for f in fields if f.kind == "enum" and f.enum})
    steps = sorted({f.multiple_of for f in fields if f.multiple_of is not None})
    payload_keys: dict[str, list[tuple[str, tuple[str, ...]]]] = {}
    payload_functions: dict[str, list[CheckFunction]] = {}
    checks: dict[str, list[tuple[str, str, str]]] = {}
    for m in spec.messages:
        module = module_of[m.name]
        parts = (("req", "request", m.request), ("conf", "response", m.response))
        for kind, part, fields_ in parts:
            owner = f"{m.name}.{part}"
            payload_keys.setdefault(module, []).append(
                (key_set(owner), tuple(sorted(f.name for f in fields_)))
            )
            payload_functions.setdefault(module, []).append(_payload_function(gen, m, kind))
            checks.setdefault(module, []).append((m.name, kind, payload_function(m, kind)))
    return ValidatorViews(
        enum_sets=tuple(
            (enum_set(name), e.values) for name in used_enums if (e := spec.enum(name)) is not None
        ),
        steps=tuple((step_name(s), _fraction(s)) for s in steps),
        datatype_key_sets=tuple(
            (key_set(d.name), tuple(sorted(f.name for f in d.fields))) for d in spec.datatypes
        ),
        datatype_functions=tuple(_datatype_function(gen, d) for d in spec.datatypes),
        payload_key_sets={k: tuple(v) for k, v in payload_keys.items()},
        payload_functions={k: tuple(v) for k, v in payload_functions.items()},
        checks={k: tuple(v) for k, v in checks.items()},
    )


def _fraction(step: float) -> str:
    exact = Fraction(repr(step))
    return f"Fraction({exact.numerator}, {exact.denominator})"
