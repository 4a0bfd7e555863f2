"""IR nodes of the PICS form (pics.yaml): its items and their consistency rules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compiler.diagnostics import Pos

__all__ = ["PicsItem", "PicsRule"]


@dataclass(frozen=True, slots=True)
class PicsRule:
    """A consistency rule of a PICS item, checked when the item is claimed.

    Attributes:
        kind: ``all_of`` / ``any_of`` / ``none_of`` (the named items must all / at least one /
            none be claimed) or ``at_most`` (this integer may not exceed the named one).
        items: the items the rule names.
    """

    kind: str
    items: tuple[str, ...]
    pos: Pos


@dataclass(frozen=True, slots=True)
class PicsItem:
    """An item of the PICS form, in the form's order.

    Attributes:
        kind: boolean, integer, string, enum or list (a subset of ``values``).
        label: the item's text on the form.
        section: the form section; ``section_title`` its heading on the form.
        document: id of the PICS document (ocpp16, security, performance); ``document_title``
            its title.
        group: a sub-heading inside the section ("" for none).
        default: the value of a device that does not declare the item (None: not declared).
        mandatory: every device must claim the item.
        sets: the configuration key the item sets (for a boolean and a CSL key: the item's
            name is one of the key's values when true).
        requires: the consistency rules checked when the item is claimed.
        section_index: the section's place on the form (-1: the form does not list it);
            ``document_title`` is "" when the section names an unknown document.
        section_pos: where the item names its section.
    """

    name: str
    section: str
    kind: str
    default: Any
    values: tuple[str, ...]
    minimum: int | None
    maximum: int | None
    sets: str | None
    description: str
    refs: tuple[str, ...]
    pos: Pos
    label: str = ""
    unit: str = ""
    group: str = ""
    mandatory: bool = False
    requires: tuple[PicsRule, ...] = ()
    section_title: str = ""
    document: str = ""
    document_title: str = ""
    section_index: int = -1
    section_pos: Pos | None = None
