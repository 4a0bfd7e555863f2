"""Raw material and damage for fuzzed OCPP-J frames.

Tokens that no JSON encoder would write (NaN-ish and malformed numbers, non-JSON words, stray
punctuation), odd text (lone surrogates, NUL, BOM, bidi, mojibake), random JSON and values
that break almost any payload field; and the two kinds of damage that do not depend on the
spec: :func:`mutate_payload` breaks one field of a payload, :func:`mutate_text` damages the
encoded text itself. :mod:`~runtime.conformance.fuzzing.source` builds frames from these;
keeping them apart leaves the source with the spec-driven seeds and the wrapper mutations.
Everything is driven by a ``random.Random`` passed in.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Final

__all__ = [
    "ODD_TEXT",
    "Token",
    "dumps",
    "mutate_payload",
    "mutate_text",
    "random_json",
    "random_text",
]


@dataclass(frozen=True, slots=True)
class Token:
    """Raw text spliced into a frame as is: tokens that no JSON encoder would write."""

    text: str


_NUMBER_TOKENS: Final = (
    "NaN", "-NaN", "Infinity", "-Infinity", "nan", "inf", "1e999", "-1e999", "1E+400",
    "1E-400", "1E+100000", "1E+9999999999999999999", "1e-9999999999999999999", "-0", "-0.0",
    "0e0", "00", "01", ".5", "5.", "+1", "0x10", "1_000", "9" * 300, "9" * 4301,
    "123456789012345678901234567890.5",
)  # fmt: skip
"""NaN-ish, huge and malformed numbers (RFC 8259 §6 has no NaN, Infinity, hex or '+')."""

_TOKENS: Final = (
    *_NUMBER_TOKENS, "undefined", "None", "True", "'single'", "tru", "nul",
    "[", "{", "]", "}", ",", ":", '"', "",
)  # fmt: skip
"""Raw tokens to splice into frames: numbers as above, non-JSON words, stray punctuation."""

ODD_TEXT: Final = (
    "\ud800", "\udfff", "\udc80x", "\ud83d", "\x00", "\ufeff", "\ufffe", "\uffff", "\u202e",
    "e\u0301", "Ã©Ã¨", "\U0001f50c", "中文", "\\", '"', "\n\t\r", "\x7f", " ", "",
)  # fmt: skip
"""Lone surrogates (not encodable as UTF-8), NUL, BOM, non-characters, bidi, mojibake."""

_INSERTS: Final = (*_TOKENS, *ODD_TEXT, " ", "\\u0000", "\\ud800", "\\", ",null", "[]", "{}")


def dumps(value: object, ascii_only: bool) -> str:
    """JSON text of ``value``; :class:`Token` values are written verbatim."""
    if isinstance(value, Token):
        return value.text
    if isinstance(value, dict):
        items = (f"{dumps(str(k), ascii_only)}:{dumps(v, ascii_only)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v, ascii_only) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=ascii_only)


def random_text(rng: random.Random, length: int) -> str:
    """``length`` random characters, the odd text of :data:`ODD_TEXT` among them."""
    alphabet = 'abcXYZ019 []{}",:-.\\/\n' + "".join(ODD_TEXT)
    return "".join(rng.choice(alphabet) for _ in range(length))


def random_json(rng: random.Random, depth: int = 0) -> object:
    """A random JSON value, raw :class:`Token` values included, nested at most 3 deep."""
    kind = rng.randrange(8 if depth < 3 else 6)
    if kind == 0:
        return random_text(rng, rng.randint(0, 12))
    if kind == 1:
        return rng.choice((0, 1, 2, 3, 4, -1, 2**31, 2**63, 10**25, rng.randint(-999, 999)))
    if kind == 2:
        return rng.choice((0.5, -0.0, 1e308, 21.4, 1e-7))
    if kind == 3:
        return rng.choice((True, False))
    if kind == 4:
        return None
    if kind == 5:
        return Token(rng.choice(_TOKENS))
    if kind == 6:
        return [random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {random_text(rng, 4): random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _nested(rng: random.Random) -> Token:
    # 500 parses, the deeper ones exceed the interpreter's recursion limit; none is near
    # that limit, where two readers at different stack depths could disagree.
    depth = rng.choice((64, 500, 5000, 50_000))
    opener, closer = rng.choice((("[", "]"), ('{"a":', "}")))
    return Token(opener * depth + "1" + closer * depth)


def _bad_value(rng: random.Random) -> object:
    """A value that breaks (almost) any payload field."""
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice((10**20, 2**63, -(2**63) - 1, 10**300, -1, 0, 1e308, -1e308))
    if kind == 2:
        return Token(rng.choice(_NUMBER_TOKENS))
    if kind == 3:
        return "x" * rng.choice((21, 26, 51, 256, 501, 10_000, 100_000))
    if kind == 4:
        return _nested(rng)
    if kind == 5:
        return rng.choice(ODD_TEXT) * rng.randint(1, 3)
    if kind == 6:
        return rng.choice(("", [], {}, [None], {"": None}, True, False, "2013-02-01T20:53:32"))
    return random_json(rng)


def _containers(payload: object) -> list[dict[str, Any] | list[Any]]:
    """Every object and array inside ``payload``, outermost first (bounded)."""
    found: list[dict[str, Any] | list[Any]] = []
    pending: list[object] = [payload]
    while pending and len(found) < 200:
        node = pending.pop(0)
        if isinstance(node, dict):
            found.append(node)
            pending.extend(node.values())
        elif isinstance(node, list):
            found.append(node)
            pending.extend(node)
    return found


def mutate_payload(payload: object, rng: random.Random) -> tuple[object, str]:
    """Break one field: wrong type, null, huge, NaN-ish, long, deep, unknown or dropped."""
    nodes = _containers(payload)
    if not nodes or rng.random() < 0.1:
        return rng.choice((None, [], "payload", 0, True, [payload], _nested(rng))), "replace"
    node = rng.choice(nodes)
    if isinstance(node, dict):
        keys = list(node)
        choice = rng.randrange(3) if keys else 1
        if choice == 0:
            del node[rng.choice(keys)]
            return payload, "drop_field"
        if choice == 1:
            name = rng.choice(("unknownField", "", "__proto__", "$ref", random_text(rng, 5)))
            node[name] = random_json(rng)
            return payload, "unknown_field"
        node[rng.choice(keys)] = _bad_value(rng)
        return payload, "bad_value"
    if node and rng.random() < 0.7:
        node[rng.randrange(len(node))] = _bad_value(rng)
        return payload, "bad_item"
    node.extend(_bad_value(rng) for _ in range(rng.choice((1, 2, 30))))
    return payload, "extra_items"


def mutate_text(text: str, rng: random.Random) -> tuple[str, str]:
    """Damage the text itself: character or bit flips, truncation, insertion, deletion."""
    at = rng.randrange(len(text) + 1)
    choice = rng.randrange(6)
    if choice == 0 and text:
        pos = min(at, len(text) - 1)
        return text[:pos] + random_text(rng, 1) + text[pos + 1 :], "flip_char"
    if choice == 1 and text:
        # Flip a bit of the UTF-8 form; bytes that no longer decode become lone surrogates
        # (surrogateescape), the way a lenient reader would hand invalid UTF-8 on.
        raw = bytearray(text.encode("utf-8", "surrogatepass"))
        raw[rng.randrange(len(raw))] ^= 1 << rng.randrange(8)
        return bytes(raw).decode("utf-8", "surrogateescape"), "flip_byte"
    if choice == 2:
        return text[:at], "truncate"
    if choice == 3:
        return text[:at] + rng.choice(_INSERTS) + text[at:], "insert"
    if choice == 4:
        end = min(len(text), at + rng.randint(1, 8))
        return text[:at] + text[end:], "delete"
    return rng.choice(("\ufeff", " ", "\n", "[]")) + text + rng.choice(("", " ", "]", "x")), "wrap"
