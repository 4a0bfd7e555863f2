"""IR nodes of the reusable test states (test_states.yaml): the starting points, like the
OCTT's Booted and Charging, that a scenario's ``setup`` selects instead of spelling out."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.diagnostics import Pos
from compiler.ir.scenario import ScenarioStep

__all__ = ["ALWAYS", "TestParameter", "TestState"]

#: The ``key`` of a test state every scenario plays first (``selected_by: {always: true}``).
ALWAYS = ""


@dataclass(frozen=True, slots=True)
class TestParameter:
    """A parameter of a test state, written ``$<name>`` in its steps.

    Attributes:
        name: the parameter's name, as a scenario's setup gives it.
        description: what it means.
        type: ``integer`` or ``string``.
        limits: further JSON Schema limits of its values (``minimum``, ``minLength``,
            ``maxLength``).
        default: the value when a scenario gives none (None: no default).
        optional: without a value, mapping entries whose value is ``$<name>`` are left out.
        pos: where it is declared.
    """

    __test__ = False  # not a pytest test class, whatever its name says

    name: str
    description: str
    type: str
    limits: dict[str, int]
    default: int | str | None
    optional: bool
    pos: Pos

    @property
    def required(self) -> bool:
        """Whether a scenario selecting the state must give it."""
        return self.default is None and not self.optional


@dataclass(frozen=True, slots=True)
class TestState:
    """A reusable test state: steps in the scenario language, selected by a setup key.

    Attributes:
        name: e.g. ``Booted``.
        description: what holds once its steps are played.
        refs: the spec clauses and OCTT sections it restates.
        key: the setup key that selects it; :data:`ALWAYS` for a state every scenario plays
            first.
        value: the setup value that selects it (``accepted``); None when the setup value is
            a mapping of its parameters.
        after: the test states played before it (with their defaults).
        parameters: its parameters, in file order.
        steps: its steps, ``$<parameter>`` placeholders and connector loops as written.
        source_file: the spec file it is declared in.
        pos: where it is declared.
    """

    __test__ = False  # not a pytest test class, whatever its name says

    name: str
    description: str
    refs: tuple[str, ...]
    key: str
    value: str | None
    after: tuple[str, ...]
    parameters: tuple[TestParameter, ...]
    steps: tuple[ScenarioStep, ...]
    source_file: str
    pos: Pos

    def parameter(self, name: str) -> TestParameter | None:
        return next((p for p in self.parameters if p.name == name), None)
