"""JSON Schemas emitted from the message specs, in the shape of the official OCPP 1.6 schemas
(draft-04, additionalProperties false, one file per request and per response)."""

from __future__ import annotations

import json
from typing import Any

from compiler.ir import (
    FieldDef,
    Message,
    SpecSet,
)

__all__ = ["field_schema", "message_schemas", "object_schema", "schema_file_name"]

DRAFT_04 = "http://json-schema.org/draft-04/schema#"


def field_schema(spec: SpecSet, f: FieldDef) -> dict[str, Any]:
    """The JSON Schema of one field; a list field is an array of its item schema."""
    item = _value_schema(spec, f)
    if not f.is_list:
        return item
    schema: dict[str, Any] = {"type": "array"}
    if f.min_items is not None:
        schema["minItems"] = f.min_items
    if f.max_items is not None:
        schema["maxItems"] = f.max_items
    schema["items"] = item
    return schema


def object_schema(spec: SpecSet, fields: tuple[FieldDef, ...]) -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "properties": {f.name: field_schema(spec, f) for f in fields},
        "additionalProperties": False,
    }
    required = [f.name for f in fields if f.required]
    if required:
        schema["required"] = required
    return schema


def _value_schema(spec: SpecSet, f: FieldDef) -> dict[str, Any]:
    if f.kind == "enum":
        enum = spec.enum(f.enum or "")
        return {"type": "string", "enum": list(enum.values) if enum else []}
    if f.kind == "object":
        # Datatypes are inlined, as in most official schemas: one self-contained file each.
        datatype = spec.datatype(f.datatype or "")
        return object_schema(spec, datatype.fields if datatype else ())
    schema: dict[str, Any] = {
        "string": {"type": "string"},
        "datetime": {"type": "string", "format": "date-time"},
        "integer": {"type": "integer"},
        "decimal": {"type": "number"},
        "boolean": {"type": "boolean"},
    }[f.kind].copy()
    if f.max_length is not None:
        schema["maxLength"] = f.max_length
    if f.minimum is not None:
        schema["minimum"] = f.minimum
    if f.maximum is not None:
        schema["maximum"] = f.maximum
    if f.multiple_of is not None:
        schema["multipleOf"] = f.multiple_of
    return schema


def _payload_schema(spec: SpecSet, title: str, fields: tuple[FieldDef, ...]) -> dict[str, Any]:
    return {"$schema": DRAFT_04, "title": title, **object_schema(spec, fields)}


def schema_file_name(action: str, kind: str) -> str:
    """``BootNotification.json`` for the request, ``BootNotificationResponse.json`` for the
    response — the official file names, so the two sets can be compared one to one."""
    return f"{action}.json" if kind == "req" else f"{action}Response.json"


def message_schemas(spec: SpecSet, message: Message) -> dict[str, str]:
    """File name → JSON text for the request and response schemas of one message."""
    req = _payload_schema(spec, f"{message.name}Request", message.request)
    conf = _payload_schema(spec, f"{message.name}Response", message.response)
    return {
        schema_file_name(message.name, "req"): json.dumps(req, indent=2) + "\n",
        schema_file_name(message.name, "conf"): json.dumps(conf, indent=2) + "\n",
    }
