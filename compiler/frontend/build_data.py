"""Build the IR for the data files: manifest, enums, messages, configuration keys, PICS, events."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from compiler.diagnostics import Pos
from compiler.frontend.yaml import JsonPath, LoadedFile
from compiler.ir import (
    ConfigKey,
    DatatypeDef,
    EnumDef,
    EventDef,
    FieldDef,
    LeniencyDef,
    Manifest,
    Message,
    PicsItem,
    StationCall,
)
from compiler.naming import snake
from runtime.spec.config_keys import ConfigKeySpec
from runtime.spec.pics import PicsItemSpec, PicsRule
from runtime.spec.registry import MessageInfo

__all__ = [
    "BASE_KINDS",
    "build_config_keys",
    "build_datatypes",
    "build_enums",
    "build_events",
    "build_leniencies",
    "build_manifest",
    "build_messages",
    "build_payload",
    "build_pics",
    "build_station",
    "resolve_datatype_fields",
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


def build_datatypes(f: LoadedFile) -> list[DatatypeDef]:
    return [
        DatatypeDef(
            name,
            build_payload(f, ("datatypes", name, "fields"), d["fields"]),
            " ".join(d.get("description", "").split()),
            _refs(d),
            f.key_pos(("datatypes", name)),
        )
        for name, d in f.data.get("datatypes", {}).items()
    ]


def build_payload(f: LoadedFile, path: JsonPath, fields: dict[str, Any]) -> tuple[FieldDef, ...]:
    """Fields of one payload, in the order written (the order the wire schemas keep).

    A ``type`` that is not a base kind is recorded as an enum here; the front end turns it
    into an object field once it knows the datatypes of every file.
    """
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
                description=" ".join(spec.get("description", "").split()),
                pos=f.key_pos((*path, name)),
                multiple_of=spec.get("multiple_of"),
                is_list=bool(spec.get("list", False)),
                min_items=spec.get("min_items"),
                max_items=spec.get("max_items"),
            )
        )
    return tuple(built)


def resolve_datatype_fields(
    fields: tuple[FieldDef, ...], datatypes: frozenset[str]
) -> tuple[FieldDef, ...]:
    """Turn fields whose type names a datatype into object fields."""
    return tuple(
        replace(f, kind="object", enum=None, datatype=f.enum)
        if f.kind == "enum" and f.enum in datatypes
        else f
        for f in fields
    )


def build_messages(f: LoadedFile) -> list[Message]:
    built = []
    for name, m in f.data["messages"].items():
        path = ("messages", name)
        built.append(
            Message(
                info=MessageInfo(name, m["profile"], m["direction"]),
                py_name=snake(name),
                refs=_refs(m),
                description=" ".join(m.get("description", "").split()),
                request=build_payload(f, (*path, "request"), m["request"]),
                response=build_payload(f, (*path, "response"), m["response"]),
                pos=f.key_pos(path),
            )
        )
    return built


def _described(node: dict[str, Any]) -> str:
    """The description as one line, the clauses it restates in parentheses: what the runtime
    shows of a key."""
    text = " ".join(node.get("description", "").split())
    return f"{text} ({', '.join(_refs(node))})"


def build_config_keys(f: LoadedFile) -> list[ConfigKey]:
    return [
        ConfigKey(
            spec=ConfigKeySpec(
                name=name,
                profile=k["profile"],
                kind=k["type"],
                access=k["access"],
                required=k["required"],
                default=k.get("default"),
                minimum=k.get("minimum"),
                maximum=k.get("maximum"),
                unit=k.get("unit", ""),
                values=tuple(k.get("values", ())),
                pattern=k.get("pattern"),
                max_items_key=k.get("max_items_key"),
                reboot_required=bool(k.get("reboot_required", False)),
                pics=k.get("pics"),
                description=_described(k),
                pics_minimum=k.get("pics_range", {}).get("minimum"),
                pics_maximum=k.get("pics_range", {}).get("maximum"),
                off_value=k.get("off_value"),
                supplied_by=k.get("supplied_by"),
                pinned_by_pics=tuple(
                    (pin["item"], pin["is"], pin["value"]) for pin in k.get("pinned_by_pics", ())
                ),
            ),
            refs=_refs(k),
            pos=f.key_pos(("keys", name)),
        )
        for name, k in f.data["keys"].items()
    ]


def _pics_rules(
    f: LoadedFile, name: str, p: dict[str, Any]
) -> tuple[tuple[PicsRule, ...], tuple[Pos, ...]]:
    """The item's consistency rules, and where each is written."""
    rules, where = [], []
    for index, rule in enumerate(p.get("requires", ())):
        ((kind, names),) = rule.items()
        rules.append(PicsRule(kind, (names,) if isinstance(names, str) else tuple(names)))
        where.append(f.pos(("items", name, "requires", index, kind)))
    return tuple(rules), tuple(where)


def _pics_sections(f: LoadedFile) -> dict[str, tuple[int, str, str, str]]:
    """Section name → (place on the form, heading, document id, document title)."""
    documents = {d["id"]: d["title"] for d in f.data.get("documents", ())}
    return {
        s["name"]: (index, s["form"], s["document"], documents.get(s["document"], ""))
        for index, s in enumerate(f.data.get("sections", ()))
    }


def build_pics(f: LoadedFile) -> list[PicsItem]:
    """The PICS items in the file's (the form's) order, with their section resolved.

    Without a ``sections`` list every section is its own heading, in no document.
    """
    sections = _pics_sections(f)
    built = []
    for name, p in f.data["items"].items():
        section = p["section"]
        if "sections" in f.data:
            index, title, document, document_title = sections.get(section, (-1, "", "", ""))
        else:
            index, title, document, document_title = 0, section, "", ""
        rules, rule_pos = _pics_rules(f, name, p)
        built.append(
            PicsItem(
                spec=PicsItemSpec(
                    name=name,
                    section=section,
                    kind=p["type"],
                    # a list default becomes a tuple: IR nodes are hashable
                    default=tuple(p["default"]) if isinstance(p["default"], list) else p["default"],
                    values=tuple(p.get("values", ())),
                    minimum=p.get("minimum"),
                    maximum=p.get("maximum"),
                    sets=p.get("sets"),
                    description=" ".join(p.get("description", "").split()),
                    label=p.get("label", name),
                    unit=p.get("unit", ""),
                    group=p.get("group", ""),
                    mandatory=p.get("mandatory", False),
                    requires=rules,
                    section_title=title,
                    document=document,
                    document_title=document_title,
                ),
                refs=_refs(p),
                pos=f.key_pos(("items", name)),
                rule_pos=rule_pos,
                section_index=index,
                section_pos=f.pos(("items", name, "section")),
            )
        )
    return built


def build_events(f: LoadedFile) -> list[EventDef]:
    built = []
    # observations (what a tester reads off the hardware) live beside the stimuli; they are
    # never machine events, so the namespace is one no machine can name.
    sections = {"tester": "tester", "internal": "internal", "observations": "observation"}
    for section, namespace in sections.items():
        for short, e in f.data.get(section, {}).items():
            path = (section, short)
            built.append(
                EventDef(
                    name=f"{namespace}.{short}",
                    namespace=namespace,
                    short=short,
                    payload=build_payload(f, (*path, "payload"), e.get("payload", {})),
                    description=" ".join(e["description"].split()),
                    examples=tuple(e.get("examples", ())),
                    pos=f.key_pos(path),
                    prompt=" ".join(str(e.get("prompt", "")).split()),
                    returns=str(e.get("returns", "")),
                )
            )
    return built


def build_leniencies(f: LoadedFile) -> list[LeniencyDef]:
    built = []
    for name, item in f.data["leniencies"].items():
        owner, _, field_name = item["field"].rpartition(".")
        ((allow, value),) = item["allow"].items()
        built.append(
            LeniencyDef(
                name=name,
                owner=owner,
                field=field_name,
                allow=allow,
                value=value,
                description=" ".join(item["description"].split()),
                refs=_refs(item),
                pos=f.key_pos(("leniencies", name)),
            )
        )
    return built


def build_station(f: LoadedFile) -> list[StationCall]:
    """The queries and operations of station.yaml."""
    built = []
    for kind, section in (("query", "queries"), ("operation", "operations")):
        for name, c in f.data.get(section, {}).items():
            built.append(
                StationCall(
                    name=name,
                    kind=kind,
                    args=tuple(c.get("args", ())),
                    returns=c.get("returns", "none"),
                    description=" ".join(c.get("description", "").split()),
                    refs=_refs(c),
                    pos=f.key_pos((section, name)),
                )
            )
    return built
