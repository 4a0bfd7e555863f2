"""The compiler and the runtime describe a configuration key, a PICS item, a message, a tester
event and a leniency with one set of types: the IR holds (or builds, in one place) the
runtime's own object, and the generated registry holds exactly those objects."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from compiler.frontend.load import load_spec_set
from compiler.ir import ConfigKey, Message, PicsItem, SpecSet
from compiler.render.env import constructor_call
from compiler.render.schemas import object_schema
from generated.ocpp16.registry import SPEC
from runtime.ocppj.checks import Leniency
from runtime.spec import registry
from runtime.spec.config_keys import ConfigKeySpec
from runtime.spec.pics import PicsItemSpec, PicsRule
from runtime.spec.registry import MessageInfo

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def spec() -> SpecSet:
    loaded, diagnostics = load_spec_set(ROOT / "specs" / "ocpp16")
    assert loaded is not None and not diagnostics
    return loaded


@pytest.mark.parametrize(
    ("node", "runtime_type"),
    [(ConfigKey, ConfigKeySpec), (PicsItem, PicsItemSpec), (Message, MessageInfo)],
)
def test_ir_nodes_wrap_the_runtime_type_and_repeat_none_of_its_fields(
    node: type, runtime_type: type
) -> None:
    # A new attribute is added once, to the runtime type; the IR cannot fall behind.
    own = {f.name for f in dataclasses.fields(node)}
    theirs = {f.name for f in dataclasses.fields(runtime_type)}
    assert not own & theirs
    assert any(f.type == runtime_type.__name__ for f in dataclasses.fields(node))


def test_generated_registry_holds_the_irs_runtime_objects(spec: SpecSet) -> None:
    assert tuple(k.spec for k in spec.config_keys) == SPEC.config_keys
    assert tuple(p.spec for p in spec.pics) == SPEC.pics_items
    assert {m.name: m.info for m in spec.messages} == dict(SPEC.messages)
    for namespace, held in (("tester", SPEC.tester_events), ("observation", SPEC.observations)):
        events = [e for e in spec.events if e.namespace == namespace]
        # The schema is printed as Python literals (lists become tuples): compare as JSON.
        ir = {e.short: _as_json(e.tester_spec(object_schema(spec, e.payload))) for e in events}
        assert ir == {name: _as_json(event) for name, event in held.items()}
    assert {item.name: item.runtime_spec for item in spec.leniencies} == dict(SPEC.leniencies)


def test_constructor_call_prints_any_frozen_dataclass_so_that_it_builds_an_equal_one() -> None:
    values = [
        ConfigKeySpec("K", "Core", "csl", "RW", True, "a,b", values=("a", "b"), description="x"),
        PicsItemSpec("I", "s", "integer", 3, requires=(PicsRule("at_most", ("J",)),)),
        MessageInfo("Heartbeat", "Core", "cp_to_csms"),
        registry.TesterEventSpec("plug_in", ("connector",), ("connector",), "plug in"),
        Leniency("long", "A.b", "max_length 255", "why"),
    ]
    names = {type(v).__name__: type(v) for v in values} | {"PicsRule": PicsRule}
    for value in values:
        assert eval(constructor_call(value), {}, names) == value


def _as_json(event: registry.TesterEventSpec) -> object:
    return json.loads(json.dumps(dataclasses.asdict(event)))
