"""Views for the typed payload modules: one dataclass per datatype and per request/response.

Each field gets its Python annotation and the two conversion expressions the templates paste
in: wire → Python (``from_wire``, reading ``payload[...]``) and Python → wire (``to_wire``,
reading ``self.<field>``). Lists become tuples, datatypes nested classes, decimals ``Decimal``
and date-times aware ``datetime`` objects (OCPP 1.6 §3.15, errata E3.10).
"""

from __future__ import annotations

from dataclasses import dataclass

from compiler.ir import (
    DatatypeDef,
    FieldDef,
    Message,
    SpecSet,
)
from compiler.naming import module_name

__all__ = [
    "ClassView",
    "FieldView",
    "PayloadView",
    "datatype_views",
    "payload_views",
    "profile_module",
]

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
    type_name: str
    """The enum, datatype or Python type the field holds (what the module must import)."""


@dataclass(frozen=True, slots=True)
class ClassView:
    """A datatype class, e.g. ``IdTagInfo``."""

    class_name: str
    doc: str
    fields: tuple[FieldView, ...]


@dataclass(frozen=True, slots=True)
class PayloadView:
    message: Message
    kind: str
    class_name: str
    fields: tuple[FieldView, ...]


def _base(f: FieldDef) -> str:
    if f.kind == "enum" and f.enum:
        return f.enum
    if f.kind == "object" and f.datatype:
        return f.datatype
    return _ANNOTATIONS[f.kind]


def _convert(f: FieldDef, value: str) -> tuple[str, str]:
    """(to_wire, from_wire) expressions converting one value held in ``value``."""
    base = _base(f)
    if f.kind == "datetime":
        return f"datetime_to_wire({value})", f"datetime_from_wire({value})"
    if f.kind == "enum":
        return f"str({value})", f"{base}({value})"
    if f.kind == "object":
        return f"{value}.to_wire()", f"{base}.from_wire({value})"
    if f.kind == "decimal":
        # Decimal keeps the one-decimal values of charging profiles exact (STYLE §2).
        return value, f"Decimal(str({value}))"
    return value, f"{base}({value})"


def _field(f: FieldDef) -> FieldView:
    base = _base(f)
    annotation = f"tuple[{base}, ...]" if f.is_list else base
    if not f.required:
        annotation += " | None"
    attr, raw = f"self.{f.py_name}", f"payload[{f.name!r}]"
    if f.is_list:
        item_to, item_from = _convert(f, "item")
        to_wire = f"[{item_to} for item in {attr}]"
        from_wire = f"tuple({item_from} for item in {raw})"
    else:
        to_wire, from_wire = _convert(f, attr)[0], _convert(f, raw)[1]
    return FieldView(f.name, f.py_name, f.required, annotation, to_wire, from_wire, base)


def payload_views(spec: SpecSet, messages: tuple[Message, ...] | None = None) -> list[PayloadView]:
    """One view per request and per response of every message, in name order."""
    views = []
    for m in spec.messages if messages is None else messages:
        views.append(PayloadView(m, "req", f"{m.name}Request", tuple(map(_field, m.request))))
        views.append(PayloadView(m, "conf", f"{m.name}Response", tuple(map(_field, m.response))))
    return views


def datatype_views(spec: SpecSet) -> list[ClassView]:
    return [_datatype(d) for d in spec.datatypes]


def _datatype(d: DatatypeDef) -> ClassView:
    refs = f" ({', '.join(d.refs)})" if d.refs else ""
    doc = (d.description or f"The {d.name} datatype.").rstrip(".") + "." + refs
    return ClassView(d.name, doc, tuple(map(_field, d.fields)))


def profile_module(profile: str) -> str:
    """The module that holds one feature profile's messages: ``SmartCharging`` →
    ``smart_charging``."""
    return module_name(profile)
