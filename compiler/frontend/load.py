"""Load, validate and build a spec directory into a SpecSet, collecting every diagnostic.

The stages run per file so that one broken file does not hide another's problems: a file that
does not parse or does not match its schema is left out of the IR, the rest is still built and
checked. A messages file whose only mistakes lie inside some messages keeps the others; the
broken ones are listed in ``SpecSet.broken_messages`` so their uses are not reported again.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from compiler.diagnostics import Diagnostic, Pos
from compiler.frontend import build_data
from compiler.frontend.build_machine import build_machine
from compiler.frontend.build_scenarios import build_demo, build_scenarios
from compiler.frontend.build_test_states import build_test_states
from compiler.frontend.schema import (
    salvage_entries,
    schema_kind_for,
    validate_file,
)
from compiler.frontend.setup_steps import config_baseline, resolve_scenario
from compiler.frontend.yaml import (
    LoadedFile,
    ParsedCache,
    load_file,
)
from compiler.ir import (
    ALWAYS,
    ConfigKey,
    DatatypeDef,
    EnumDef,
    EventDef,
    LeniencyDef,
    Machine,
    Manifest,
    Message,
    PicsItem,
    Scenario,
    SpecSet,
    StationCall,
    TestState,
)

__all__ = ["display_path", "load_spec_set"]


def display_path(path: Path) -> str:
    """The path as printed: relative to the working directory when inside it."""
    resolved = path.resolve()
    try:
        return resolved.relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return resolved.as_posix()


@dataclass
class _Parts:
    manifest: Manifest | None = None
    enums: list[EnumDef] = field(default_factory=list)
    datatypes: list[DatatypeDef] = field(default_factory=list)
    leniencies: list[LeniencyDef] = field(default_factory=list)
    messages: list[Message] = field(default_factory=list)
    config_keys: list[ConfigKey] = field(default_factory=list)
    pics: list[PicsItem] = field(default_factory=list)
    events: list[EventDef] = field(default_factory=list)
    machines: list[Machine] = field(default_factory=list)
    scenarios: list[Scenario] = field(default_factory=list)
    station: list[StationCall] = field(default_factory=list)
    test_states: list[TestState] = field(default_factory=list)
    demo: Scenario | None = None
    machine_files: list[LoadedFile] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    broken_messages: set[str] = field(default_factory=set)

    def add(self, kind: str, f: LoadedFile) -> None:
        if kind in _LIST_KINDS:
            field_name, build = _LIST_KINDS[kind]
            getattr(self, field_name).extend(build(f))
        elif kind == "manifest":
            self.manifest = build_data.build_manifest(f)
        elif kind == "types":
            self.enums += build_data.build_enums(f)
            self.datatypes += build_data.build_datatypes(f)
        elif kind == "demo":
            self.demo = build_demo(f)
        else:
            # built once every file is read: a bare enum literal needs types.yaml's values
            self.machine_files.append(f)

    def build_machines(self) -> None:
        values = frozenset(v for e in self.enums for v in e.values)
        for f in self.machine_files:
            machine, found = build_machine(f, values)
            self.machines.append(machine)
            self.diagnostics += found


# File kinds whose IR nodes are added to one list of _Parts: kind → (field, builder).
_LIST_KINDS: dict[str, tuple[str, Callable[[LoadedFile], Sequence[object]]]] = {
    "messages": ("messages", build_data.build_messages),
    "config_keys": ("config_keys", build_data.build_config_keys),
    "pics": ("pics", build_data.build_pics),
    "events": ("events", build_data.build_events),
    "leniencies": ("leniencies", build_data.build_leniencies),
    "station": ("station", build_data.build_station),
    "test_states": ("test_states", build_test_states),
    "scenarios": ("scenarios", build_scenarios),
}


def _spec_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*.yaml") if p.is_file())


def load_spec_set(
    root: Path, parsed: ParsedCache | None = None
) -> tuple[SpecSet | None, list[Diagnostic]]:
    """Load every YAML file under ``root`` (files in unknown places are reported, not read).

    ``parsed`` (from the build cache) gives the files parsed before, by content.

    Returns:
        The SpecSet (None when the manifest is unusable) and the diagnostics found so far;
        semantic checks run later, on the SpecSet.
    """
    shown_root = display_path(root)
    if not (root / "spec.yaml").is_file():
        return None, [
            Diagnostic(
                Pos(f"{shown_root}/spec.yaml"),
                "SPEC003",
                f"no spec.yaml in '{shown_root}'",
                "a spec directory starts with a spec.yaml manifest",
            )
        ]
    parts = _Parts()
    files = []
    for path in _spec_files(root):
        relative = path.relative_to(root).as_posix()
        shown = f"{shown_root}/{relative}"
        kind = schema_kind_for(relative)
        if kind is None or relative.startswith("pics/"):
            continue  # PICS files of devices and other data live beside the specs
        files.append(shown)
        loaded, found = load_file(path, shown, parsed)
        parts.diagnostics += found
        if loaded is None:
            continue
        problems = validate_file(kind, loaded)
        parts.diagnostics += problems
        if not problems:
            parts.add(kind, loaded)
        else:
            _add_salvaged(parts, kind, loaded)
    parts.build_machines()
    if parts.manifest is None:
        return None, parts.diagnostics
    _resolve_datatypes(parts)
    # The demo plays a short session against a fresh simulator: no case came before it.
    fresh_states = [s for s in parts.test_states if s.key != ALWAYS]
    demo = parts.demo and resolve_scenario(fresh_states, parts.demo)
    # The Central System cannot set a read-only key (OCPP 1.6 §5.3), so no setup restores one.
    defaults = {k.name: k.spec.default for k in parts.config_keys if not k.spec.read_only}
    baseline = config_baseline(parts.scenarios, defaults)
    spec = SpecSet(
        root=os.path.normpath(shown_root),
        manifest=parts.manifest,
        enums=tuple(sorted(parts.enums, key=lambda e: e.name)),
        messages=tuple(sorted(parts.messages, key=lambda m: m.name)),
        config_keys=tuple(sorted(parts.config_keys, key=lambda k: k.name)),
        pics=tuple(parts.pics),
        events=tuple(sorted(parts.events, key=lambda e: e.name)),
        machines=tuple(sorted(parts.machines, key=lambda m: m.name)),
        scenarios=tuple(
            resolve_scenario(parts.test_states, sc, baseline) for sc in parts.scenarios
        ),
        files=tuple(files),
        datatypes=tuple(sorted(parts.datatypes, key=lambda d: d.name)),
        leniencies=tuple(sorted(parts.leniencies, key=lambda item: item.name)),
        station=tuple(sorted(parts.station, key=lambda c: (c.kind, c.name))),
        test_states=tuple(parts.test_states),
        demo=demo,
        broken_messages=frozenset(parts.broken_messages),
    )
    return spec, parts.diagnostics


def _add_salvaged(parts: _Parts, kind: str, loaded: LoadedFile) -> None:
    """Add what is sound of a file that failed its schema: its definitions without the broken
    ones, which are remembered so no check reports their uses as unknown (one mistake, one
    error). A file broken elsewhere is left out whole."""
    salvaged = salvage_entries(kind, loaded)
    if salvaged is None:
        return
    kept, broken = salvaged
    parts.add(kind, kept)
    if kind == "messages":
        parts.broken_messages |= broken


def _resolve_datatypes(parts: _Parts) -> None:
    """Fields naming a datatype become object fields, wherever they are declared."""
    names = frozenset(d.name for d in parts.datatypes)
    if not names:
        return
    resolve = build_data.resolve_datatype_fields
    parts.datatypes = [replace(d, fields=resolve(d.fields, names)) for d in parts.datatypes]
    parts.messages = [
        replace(m, request=resolve(m.request, names), response=resolve(m.response, names))
        for m in parts.messages
    ]
    parts.events = [replace(e, payload=resolve(e.payload, names)) for e in parts.events]
