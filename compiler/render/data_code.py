"""Views for the data modules: message classes, enums, configuration keys, PICS items."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.ir.model import FieldDef, Message, SpecSet

__all__ = ["FieldView", "PayloadView", "payload_views"]

_ANNOTATIONS = {
    "string": "str",
    "integer": "int",
    "decimal": "Decimal",
    "boolean": "bool",
    "datetime": "datetime",
}


@dataclass(frozen=True, slots=True)
class FieldView:
    name: str
    py_name: str
    required: bool
    annotation: str
    to_wire: str
    from_wire: str


@dataclass(frozen=True, slots=True)
class PayloadView:
    message: Message
    kind: str
    class_name: str
    fields: tuple[FieldView, ...]


def _field(f: FieldDef) -> FieldView:
    base = f.enum if f.kind == "enum" and f.enum else _ANNOTATIONS[f.kind]
    annotation = base if f.required else f"{base} | None"
    attr = f"self.{f.py_name}"
    raw = f"payload[{f.name!r}]"
    if f.kind == "datetime":
        to_wire, from_wire = f"datetime_to_wire({attr})", f"datetime_from_wire({raw})"
    elif f.kind == "enum":
        to_wire, from_wire = f"str({attr})", f"{base}({raw})"
    elif f.kind == "decimal":
        # Decimal keeps the one-decimal values of charging profiles exact (STYLE §2).
        to_wire, from_wire = attr, f"Decimal(str({raw}))"
    else:
        to_wire, from_wire = attr, f"{_ANNOTATIONS[f.kind]}({raw})"
    return FieldView(f.name, f.py_name, f.required, annotation, to_wire, from_wire)


def payload_views(spec: SpecSet) -> list[PayloadView]:
    """One view per request and per response of every message, in name order."""
    views = []
    for m in spec.messages:
        views.append(PayloadView(m, "req", f"{m.name}Request", tuple(map(_field, m.request))))
        views.append(PayloadView(m, "conf", f"{m.name}Response", tuple(map(_field, m.response))))
    return views
