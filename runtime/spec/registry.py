"""What a station needs to know about a spec set, handed over as data.

``runtime`` never imports ``generated`` by name (STYLE §1): the generated registry module
builds a :class:`SpecRegistry` and whoever creates a station passes it in.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.ocppj.checks import CheckFn, CompiledPayloadValidator, Leniency
from runtime.ocppj.payload import PayloadValidator
from runtime.spec.config_keys import ConfigKeySpec
from runtime.spec.effects import MachineEnv
from runtime.spec.machine import SpecMachine, TransitionInfo
from runtime.spec.pics import PicsItemSpec

__all__ = ["MachineBinding", "MessageInfo", "SpecRegistry", "TesterEventSpec"]


@dataclass(frozen=True, slots=True)
class MessageInfo:
    """An OCPP action: its feature profile and who sends the CALL."""

    name: str
    profile: str
    direction: str  # cp_to_csms, csms_to_cp or both

    def sent_by_charge_point(self) -> bool:
        """Whether the Charge Point may send this action as a CALL."""
        return self.direction in ("cp_to_csms", "both")

    def sent_by_central_system(self) -> bool:
        """Whether the Central System may send this action as a CALL."""
        return self.direction in ("csms_to_cp", "both")


@dataclass(frozen=True, slots=True)
class MachineBinding:
    """A generated machine class and how to instantiate it.

    Attributes:
        instance: ``station`` (one per Charge Point) or ``per_connector``.
        profile: the feature profile the machine implements (OCPP 1.6 §3.3).
        make_context: builds the machine's context from station parameters.
        transitions: every spec transition of the machine (for transition coverage).
    """

    name: str
    instance: str
    machine_class: Callable[[MachineEnv, Any], SpecMachine]
    make_context: Callable[[Mapping[str, Any]], Any]
    transitions: tuple[TransitionInfo, ...] = ()
    profile: str = "Core"

    def create(self, env: MachineEnv, params: Mapping[str, Any]) -> SpecMachine:
        return self.machine_class(env, self.make_context(params))


@dataclass(frozen=True, slots=True)
class TesterEventSpec:
    """A physical stimulus a tester or the hardware can produce, or (``returns`` set) an
    observation a tester reads off the hardware (events.yaml).

    Attributes:
        prompt: what an operator is asked to do or answer; ``{field}`` stands for a
            payload value (``Plug the cable into connector {connector}``).
        params_schema: JSON Schema of the payload, for the tester API.
        returns: the observation's value type (boolean, integer, string); "" for an action.
    """

    name: str
    fields: tuple[str, ...]
    required: tuple[str, ...]
    description: str
    prompt: str = ""
    params_schema: Mapping[str, Any] = field(default_factory=dict)
    returns: str = ""


@dataclass(frozen=True, slots=True)
class SpecRegistry:
    """A compiled spec set: messages, schemas, machines, configuration keys, PICS items.

    Attributes:
        checks: The generated payload check of every ``(action, "req"|"conf")``.
        leniencies: The declared per-field relaxations, by name.
    """

    name: str
    title: str
    messages: Mapping[str, MessageInfo]
    schemas: Mapping[tuple[str, str], Mapping[str, Any]]
    machines: tuple[MachineBinding, ...]
    config_keys: tuple[ConfigKeySpec, ...]
    pics_items: tuple[PicsItemSpec, ...]
    tester_events: Mapping[str, TesterEventSpec]
    checks: Mapping[tuple[str, str], CheckFn]
    leniencies: Mapping[str, Leniency]
    observations: Mapping[str, TesterEventSpec] = field(default_factory=dict)

    def validator(self, lenient: Iterable[str] = ()) -> PayloadValidator:
        """A payload validator made of the generated checks.

        Args:
            lenient: Names of declared leniencies to switch on; strict by default.

        Raises:
            ValueError: If a name is not a declared leniency.
        """
        return CompiledPayloadValidator(self.checks, self.leniencies, lenient)

    @property
    def implemented_profiles(self) -> frozenset[str]:
        """The feature profiles this spec set implements: those some machine belongs to.

        The one list of implemented profiles (OCPP 1.6 §3.3): a profile gets machines, and
        with them a place here, when it is implemented.
        """
        return frozenset(m.profile for m in self.machines)
