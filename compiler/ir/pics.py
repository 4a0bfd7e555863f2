"""IR node of the PICS form (pics.yaml): an item, as the runtime defines it, and where the
spec set wrote it."""

from __future__ import annotations

from dataclasses import dataclass

from compiler.diagnostics import Pos
from runtime.spec.pics import PicsItemSpec

__all__ = ["PicsItem"]


@dataclass(frozen=True, slots=True)
class PicsItem:
    """An item of the PICS form, in the form's order.

    Attributes:
        spec: the item itself, the runtime's own definition (type, values, range, default,
            the key it sets, its consistency rules, section, document); built once by the front
            end, judged with the runtime's value and rule functions, printed as it is into the
            generated registry.
        refs: the clauses the item restates.
        pos: where the item is written; ``rule_pos`` where each of ``spec.requires`` is, in
            order; ``section_pos`` where the item names its section.
        section_index: the section's place on the form (-1: the form does not list it);
            ``spec.document_title`` is "" when the section names an unknown document.
    """

    spec: PicsItemSpec
    refs: tuple[str, ...]
    pos: Pos
    rule_pos: tuple[Pos, ...] = ()
    section_index: int = -1
    section_pos: Pos | None = None

    @property
    def name(self) -> str:
        return self.spec.name
