"""The functions compiled spec expressions call at run time.

The compiler turns ``msg.a.b`` into ``msg_field(msg_field(msg, "a"), "b")`` and ``lower(x)``
into ``text_lower(x)``, and evaluates the same functions itself when it interprets an
expression, so compiled and interpreted expressions cannot disagree.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

__all__ = ["EMPTY_MSG", "msg_field", "text_lower"]

EMPTY_MSG: Mapping[str, Any] = MappingProxyType({})
"""The payload of an event that carries none."""


def msg_field(msg: Any, name: str) -> Any:
    """A payload field as read by a compiled expression (None when the field is absent, or
    when ``msg`` is not an object, e.g. ``msg.idTagInfo.status`` without an idTagInfo)."""
    return msg.get(name) if isinstance(msg, Mapping) else None


def text_lower(value: object) -> str:
    """The spec expression ``lower(x)``: the text in lower case, '' for None. idTags are
    compared through it because they are case-insensitive (OCPP 1.6 §3.9, §7.28)."""
    return "" if value is None else str(value).lower()
