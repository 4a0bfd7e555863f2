"""IR node types: everything the renderers and checks need, and nothing they must recompute.

Nodes are frozen and slotted, hold tuples in a stable order, and keep the position of the spec
element they came from, so a check can point at the YAML and a generated test can cite it.
They are split by concern (``data``, ``pics``, ``machine``, ``scenario``, ``test_state``,
``spec_set``) and all importable from here.
"""

from compiler.ir.data import (
    ConfigKey,
    DatatypeDef,
    EnumDef,
    EventDef,
    FieldDef,
    LeniencyDef,
    Manifest,
    Message,
    StationCall,
)
from compiler.ir.machine import (
    Action,
    Condition,
    ContextVar,
    Machine,
    State,
    TestVariants,
    Transition,
)
from compiler.ir.pics import PicsItem
from compiler.ir.scenario import Scenario, ScenarioStep, StateSelection
from compiler.ir.spec_set import SpecSet
from compiler.ir.test_state import ALWAYS, TestParameter, TestState

__all__ = [
    "ALWAYS",
    "Action",
    "Condition",
    "ConfigKey",
    "ContextVar",
    "DatatypeDef",
    "EnumDef",
    "EventDef",
    "FieldDef",
    "LeniencyDef",
    "Machine",
    "Manifest",
    "Message",
    "PicsItem",
    "Scenario",
    "ScenarioStep",
    "SpecSet",
    "State",
    "StateSelection",
    "StationCall",
    "TestParameter",
    "TestState",
    "TestVariants",
    "Transition",
]
