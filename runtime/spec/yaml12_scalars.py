"""YAML 1.2 scalars typed as ruamel.yaml types them, for the fast reader of
:mod:`runtime.spec.located_yaml` (libyaml leaves every scalar a string).

The rules are ruamel's implicit resolvers for YAML 1.2 (``ruamel/yaml/resolver.py``), tried in
its order and only for the first characters it lists (bool, float, int, null, timestamp), and
its ``construct_yaml_int``/``construct_yaml_float``: only ``true``/``false`` are booleans (never
``on``/``yes``), a leading zero is decimal, ``0o``/``0x``/``0b`` change the base, ``_`` is
dropped. What only ruamel can give (a timestamp's text) raises :class:`NotCovered`.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from runtime.errors import ChargespecError

__all__ = ["EXPLICIT", "NotCovered", "plain_scalar"]


class NotCovered(ChargespecError):
    """Only the reference reader (ruamel.yaml) gives this value (a signal inside the loader,
    never shown to a user: the loader then reads the file with the reference)."""


# ruamel.yaml's implicit resolvers for YAML 1.2 (ruamel/yaml/resolver.py), tried in its order
# and only for the first characters it lists: bool, float, int, merge, null, timestamp.
_TRUE = frozenset({"true", "True", "TRUE"})
_FALSE = frozenset({"false", "False", "FALSE"})
_NULL = frozenset({"~", "null", "Null", "NULL"})
_FLOAT = re.compile(
    r"""^(?:
     [-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |[-+]?\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_INT = re.compile(
    r"""^(?:[-+]?0b[0-1_]+
    |[-+]?0o?[0-7_]+
    |[-+]?[0-9_]+
    |[-+]?0x[0-9a-fA-F_]+)$""",
    re.X,
)
_TIMESTAMP = re.compile(
    r"""^(?:[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]
    |[0-9][0-9][0-9][0-9] -[0-9][0-9]? -[0-9][0-9]?
    (?:[Tt]|[ \t]+)[0-9][0-9]?
    :[0-9][0-9] :[0-9][0-9] (?:\.[0-9]*)?
    (?:[ \t]*(?:Z|[-+][0-9][0-9]?(?::[0-9][0-9])?))?)$""",
    re.X,
)
_BASES = {"0b": 2, "0x": 16, "0o": 8}


def _to_int(text: str) -> int:
    """ruamel's ``construct_yaml_int`` in 1.2 mode, as a plain int."""
    digits = text.replace("_", "")
    sign = -1 if digits[:1] == "-" else 1
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    base = _BASES.get(digits[:2], 10)
    if base != 10:
        if len(digits) < 3:
            raise NotCovered  # the reference fails on it (IndexError)
        return sign * int(digits[2:], base)
    return sign * int(digits)


def _to_float(text: str) -> float:
    """ruamel's ``construct_yaml_float``, as a plain float."""
    digits = text.replace("_", "").lower()
    sign = -1.0 if digits[:1] == "-" else 1.0
    digits = digits[1:] if digits[:1] in ("-", "+") else digits
    if digits == ".inf":
        return sign * float("inf")
    if digits == ".nan":
        return float("nan")
    return sign * float(digits)


def plain_scalar(text: str) -> Any:
    """A plain scalar typed by the YAML 1.2 rules of ruamel's resolver.

    Args:
        text: the scalar as written (not empty: an empty value is placed by the reference).

    Raises:
        NotCovered: a timestamp; a number ruamel fails on.
        ValueError: a number ruamel fails on (``+_``).
    """
    if not text:
        return None
    first = text[0]
    if first in "tTfF" and (text in _TRUE or text in _FALSE):
        return text in _TRUE
    if first in "-+0123456789.":
        if _FLOAT.match(text):
            return _to_float(text)
        if first != "." and _INT.match(text):
            return _to_int(text)
    if first in "~nN" and text in _NULL:
        return None
    if first in "0123456789" and _TIMESTAMP.match(text):
        raise NotCovered  # ruamel's TimeStamp text is the reference's to give
    return text


EXPLICIT: dict[str, Callable[[str], Any]] = {  # the tags written as !!str, !!int, ...
    "tag:yaml.org,2002:str": str,
    "tag:yaml.org,2002:int": _to_int,
    "tag:yaml.org,2002:float": _to_float,
    "tag:yaml.org,2002:null": lambda _text: None,
}
