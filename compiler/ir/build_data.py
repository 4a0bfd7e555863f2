"""Build the IR for the data files: manifest, enums, messages, configuration keys, PICS, events."""

from __future__ import annotations

from typing import Any

from compiler.ir.model import ConfigKey, EnumDef, EventDef, FieldDef, Manifest, Message, PicsItem
from compiler.loader import JsonPath, LoadedFile
from compiler.naming import snake

__all__ = [
    "BASE_KINDS",
    "build_config_keys",
    "build_enums",
    "build_events",
    "build_manifest",
    "build_messages",
    "build_payload",
    "build_pics",
]

BASE_KINDS = frozenset({"string", "integer", "decimal", "boolean", "datetime"})


def _refs(node: dict[str, Any]) -> tuple[str, ...]:
    return tuple(node.get("refs", ()))


def build_manifest(f: LoadedFile) -> Manifest:
    d = f.data
    return Manifest(
        d["spec"],
        d["title"],
        d["edition"],
        tuple(d.get("errata", ())),
        tuple(d["profiles"]),
        f.pos(()),
    )


def build_enums(f: LoadedFile) -> list[EnumDef]:
    return [
        EnumDef(
            name, tuple(e["values"]), e.get("description", ""), _refs(e), f.key_pos(("enums", name))
        )
        for name, e in f.data["enums"].items()
    ]


def build_payload(f: LoadedFile, path: JsonPath, fields: dict[str, Any]) -> tuple[FieldDef, ...]:
    """Fields of one payload, in the order written (the order the wire schemas keep)."""
    built = []
    for name, spec in fields.items():
        kind = spec["type"] if spec["type"] in BASE_KINDS else "enum"
        built.append(
            FieldDef(
                name=name,
                py_name=snake(name),
                kind=kind,
                enum=None if kind != "enum" else spec["type"],
                required=bool(spec.get("required", False)),
                max_length=spec.get("max_length"),
                minimum=spec.get("minimum"),
                maximum=spec.get("maximum"),
                description=spec.get("description", ""),
                pos=f.key_pos((*path, name)),
            )
        )
    return tuple(built)


def build_messages(f: LoadedFile) -> list[Message]:
    built = []
    for name, m in f.data["messages"].items():
        path = ("messages", name)
        built.append(
            Message(
                name=name,
                py_name=snake(name),
                profile=m["profile"],
                direction=m["direction"],
                refs=_refs(m),
                description=" ".join(m.get("description", "").split()),
                request=build_payload(f, (*path, "request"), m["request"]),
                response=build_payload(f, (*path, "response"), m["response"]),
                pos=f.key_pos(path),
            )
        )
    return built


def build_config_keys(f: LoadedFile) -> list[ConfigKey]:
    return [
        ConfigKey(
            name=name,
            profile=k["profile"],
            kind=k["type"],
            access=k["access"],
            required=k["required"],
            default=k.get("default"),
            minimum=k.get("minimum"),
            maximum=k.get("maximum"),
            unit=k.get("unit", ""),
            pics=k.get("pics"),
            description=" ".join(k.get("description", "").split()),
            refs=_refs(k),
            pos=f.key_pos(("keys", name)),
        )
        for name, k in f.data["keys"].items()
    ]


def build_pics(f: LoadedFile) -> list[PicsItem]:
    return [
        PicsItem(
            name=name,
            section=p["section"],
            kind=p["type"],
            default=p["default"],
            values=tuple(p.get("values", ())),
            minimum=p.get("minimum"),
            maximum=p.get("maximum"),
            sets=p.get("sets"),
            description=" ".join(p.get("description", "").split()),
            refs=_refs(p),
            pos=f.key_pos(("items", name)),
        )
        for name, p in f.data["items"].items()
    ]


def build_events(f: LoadedFile) -> list[EventDef]:
    built = []
    for namespace in ("tester", "internal"):
        for short, e in f.data.get(namespace, {}).items():
            path = (namespace, short)
            built.append(
                EventDef(
                    name=f"{namespace}.{short}",
                    namespace=namespace,
                    short=short,
                    payload=build_payload(f, (*path, "payload"), e.get("payload", {})),
                    description=" ".join(e["description"].split()),
                    examples=tuple(e.get("examples", ())),
                    pos=f.key_pos(path),
                )
            )
    return built
