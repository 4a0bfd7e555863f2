"""Fuzzing the sans-IO core: frames in, invariants checked, failures out as data.

Theory of operation: a :class:`FrameSource` makes OCPP-J frames for a spec registry, driven
by nothing but a ``random.Random``. It starts from valid seeds (a CALL of every action the
Central System may send, with a payload from :mod:`runtime.conformance.payload_corpus`; a
CALLRESULT or CALLERROR answering the charge point's outstanding CALL) and mutates their
structure (wrapper array, message type, unique id, action, payload fields) or their text
(flipped characters and bytes, truncation, insertions); some frames are random JSON or random
text. :func:`check_frame` feeds one frame to a :class:`FuzzTarget` and checks the invariants
of :data:`INVARIANTS` against an oracle of its own (it reads frames with the standard
library, never with :mod:`runtime.ocppj`). :class:`StationTarget` wraps a connected, Accepted
:class:`~runtime.station.Station`. Every problem comes back as a :class:`Failure` record, never
as an exception. ``tests/runtime/test_fuzz_frames.py`` runs ten thousand frames on every test
run; ``benchmarks/fuzz.py`` (``make fuzz``) runs long campaigns.

Everything is driven by the registry's messages and schemas, so new actions are fuzzed as
soon as the spec defines them.
"""

from __future__ import annotations

import copy
import itertools
import json
import random
import re
import traceback
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from decimal import Decimal
from typing import Any, Final, NoReturn, Protocol

from runtime.conformance.payload_corpus import corpus
from runtime.ocppj.datetime import to_iso8601
from runtime.ocppj.errors import ErrorCode
from runtime.ocppj.frames import MAX_UNIQUE_ID_LENGTH, Call
from runtime.spec.applicability import full_pics
from runtime.spec.registry import SpecRegistry
from runtime.station.station import CallHandler, Station, StationIdentity

__all__ = [
    "INVARIANTS",
    "Failure",
    "FrameSource",
    "FuzzFrame",
    "FuzzTarget",
    "StationSnapshot",
    "StationTarget",
    "check_frame",
    "snapshot_station",
]

INVARIANTS: Final[Mapping[str, str]] = {
    "no-exception": "no exception escapes the core while it handles a frame or time passes",
    "one-reply": (
        "a CALL with a readable id (a JSON array [2, <string of 1..36 characters>, ...], or "
        'text that is not JSON but starts with [2, "<such an id>") gets exactly one CALLRESULT '
        "or CALLERROR with that id, and no reply carries another id (OCPP-J 1.6 §4.1.1, "
        "§4.2.3); waived while the state answers nothing (OCPP 1.6 §4.2)"
    ),
    "unchanged": (
        "a frame the charge point rejected (answered with a CALLERROR) or ignored (anything "
        "but a CALL or the answer to its outstanding CALL) leaves its state unchanged"
    ),
    "well-formed-output": (
        "every frame the charge point sends is a JSON array that can be sent as UTF-8 "
        "WebSocket text (OCPP-J 1.6 §4.1.2)"
    ),
}
"""The invariants a :class:`Failure` can name, with what each one demands."""

_T0: Final = 1_700_000_000.0
_SEED_CORPUS: Final = 24
"""Valid and invalid payloads precomputed per schema."""


# --- frames ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class FuzzFrame:
    """One frame to feed, and how it was made (e.g. ``call:Reset+id:too_long+truncate``)."""

    text: str
    recipe: str


@dataclass(frozen=True, slots=True)
class _Token:
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

_ODD_TEXT: Final = (
    "\ud800", "\udfff", "\udc80x", "\ud83d", "\x00", "\ufeff", "\ufffe", "\uffff", "\u202e",
    "e\u0301", "Ã©Ã¨", "\U0001f50c", "中文", "\\", '"', "\n\t\r", "\x7f", " ", "",
)  # fmt: skip
"""Lone surrogates (not encodable as UTF-8), NUL, BOM, non-characters, bidi, mojibake."""

_INSERTS: Final = (*_TOKENS, *_ODD_TEXT, " ", "\\u0000", "\\ud800", "\\", ",null", "[]", "{}")

_BAD_TYPE_IDS: Final[tuple[object, ...]] = (
    0, 1, 5, 6, -1, 10**20, "2", "3", True, False, None, [], {}, _Token("2.0"), _Token("2e0"),
    _Token("NaN"), _Token("-0"),
)  # fmt: skip
"""Message type ids that are not 2, 3 or 4 (OCPP-J 1.6 §4.1.3) or not numbers at all."""

_ERROR_CODES: Final = tuple(code.value for code in ErrorCode)


def _dumps(value: object, ascii_only: bool) -> str:
    """JSON text of ``value``; :class:`_Token` values are written verbatim."""
    if isinstance(value, _Token):
        return value.text
    if isinstance(value, dict):
        items = (f"{_dumps(str(k), ascii_only)}:{_dumps(v, ascii_only)}" for k, v in value.items())
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(_dumps(v, ascii_only) for v in value) + "]"
    if isinstance(value, Decimal):
        return str(value)
    return json.dumps(value, ensure_ascii=ascii_only)


def _random_id(rng: random.Random) -> str:
    if rng.random() < 0.5:
        text = f"{rng.getrandbits(128):032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return f"cs-{rng.randrange(10**6)}"


def _random_text(rng: random.Random, length: int) -> str:
    alphabet = 'abcXYZ019 []{}",:-.\\/\n' + "".join(_ODD_TEXT)
    return "".join(rng.choice(alphabet) for _ in range(length))


def _random_json(rng: random.Random, depth: int = 0) -> object:
    kind = rng.randrange(8 if depth < 3 else 6)
    if kind == 0:
        return _random_text(rng, rng.randint(0, 12))
    if kind == 1:
        return rng.choice((0, 1, 2, 3, 4, -1, 2**31, 2**63, 10**25, rng.randint(-999, 999)))
    if kind == 2:
        return rng.choice((0.5, -0.0, 1e308, 21.4, 1e-7))
    if kind == 3:
        return rng.choice((True, False))
    if kind == 4:
        return None
    if kind == 5:
        return _Token(rng.choice(_TOKENS))
    if kind == 6:
        return [_random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))]
    return {_random_text(rng, 4): _random_json(rng, depth + 1) for _ in range(rng.randint(0, 4))}


def _nested(rng: random.Random) -> _Token:
    # 500 parses, the deeper ones exceed the interpreter's recursion limit; none is near
    # that limit, where two readers at different stack depths could disagree.
    depth = rng.choice((64, 500, 5000, 50_000))
    opener, closer = rng.choice((("[", "]"), ('{"a":', "}")))
    return _Token(opener * depth + "1" + closer * depth)


def _bad_value(rng: random.Random) -> object:
    """A value that breaks (almost) any payload field."""
    kind = rng.randrange(9)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice((10**20, 2**63, -(2**63) - 1, 10**300, -1, 0, 1e308, -1e308))
    if kind == 2:
        return _Token(rng.choice(_NUMBER_TOKENS))
    if kind == 3:
        return "x" * rng.choice((21, 26, 51, 256, 501, 10_000, 100_000))
    if kind == 4:
        return _nested(rng)
    if kind == 5:
        return rng.choice(_ODD_TEXT) * rng.randint(1, 3)
    if kind == 6:
        return rng.choice(("", [], {}, [None], {"": None}, True, False, "2013-02-01T20:53:32"))
    return _random_json(rng)


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


def _mutate_payload(payload: object, rng: random.Random) -> tuple[object, str]:
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
            name = rng.choice(("unknownField", "", "__proto__", "$ref", _random_text(rng, 5)))
            node[name] = _random_json(rng)
            return payload, "unknown_field"
        node[rng.choice(keys)] = _bad_value(rng)
        return payload, "bad_value"
    if node and rng.random() < 0.7:
        node[rng.randrange(len(node))] = _bad_value(rng)
        return payload, "bad_item"
    node.extend(_bad_value(rng) for _ in range(rng.choice((1, 2, 30))))
    return payload, "extra_items"


def _payload_index(wrapper: list[object]) -> int | None:
    kinds = {2: 3, 3: 2, 4: 4}
    head = wrapper[0] if wrapper else None
    index = kinds.get(head) if type(head) is int else None
    return index if index is not None and index < len(wrapper) else None


class FrameSource:
    """Seeds and mutations of OCPP-J frames for one spec registry.

    Args:
        registry: The spec set; its messages say which actions the Central System sends
            (``direction`` ``csms_to_cp`` or ``both``), its schemas give the payloads.
        seed: Seed of the payload corpora (the frames themselves come from the ``rng``
            passed to :meth:`frame`).
        corpus_size: Valid and invalid payloads precomputed per schema.
    """

    def __init__(self, registry: SpecRegistry, *, seed: int = 0, corpus_size: int = _SEED_CORPUS):
        self.csms_actions = sorted(
            name
            for name, info in registry.messages.items()
            if info.direction in ("csms_to_cp", "both") and (name, "req") in registry.schemas
        )
        # CALLs of charge-point-only actions are seeds too: the wrong direction must be
        # answered with NotSupported (OCPP-J 1.6 §4.2.3 table 7), never handled.
        self.other_actions = sorted(
            name
            for name in registry.messages
            if name not in self.csms_actions and (name, "req") in registry.schemas
        )
        self._payloads: dict[tuple[str, str], tuple[list[dict[str, Any]], list[object]]] = {}
        for index, (key, schema) in enumerate(sorted(registry.schemas.items())):
            self._payloads[key] = corpus(
                schema, seed=seed + index, valid=corpus_size, invalid=corpus_size
            )
        self._recent_ids: list[str] = []

    def handlers(self) -> dict[str, CallHandler]:
        """Application handlers for every Central System action, answering each CALL with
        the next valid response payload of the corpus (so that accepted CALLs are fuzzed
        too: request validation, the handler, response validation)."""
        made: dict[str, CallHandler] = {}
        for action in self.csms_actions:
            valid = self._payloads.get((action, "conf"), ([], []))[0]
            if valid:
                made[action] = _cycling_handler(valid)
        return made

    def reset(self) -> None:
        """Forget the ids handed out so far (duplicate-id mutations reuse them)."""
        self._recent_ids = []

    def frame(self, rng: random.Random, outstanding: Call | None = None) -> FuzzFrame:
        """Make one frame.

        Args:
            rng: The only source of randomness; equal states give equal frames.
            outstanding: The charge point's CALL awaiting an answer, if any; answers to it
                are among the seeds.

        Returns:
            The frame text and its recipe.
        """
        roll = rng.random()
        if roll < 0.06:
            return FuzzFrame(_dumps(_random_json(rng), rng.random() < 0.5), "random_json")
        if roll < 0.09:
            return FuzzFrame(_random_text(rng, rng.randint(0, 80)), "random_text")
        wrapper, recipe = self._seed(rng, outstanding)
        if roll < 0.35:
            return FuzzFrame(_dumps(wrapper, rng.random() < 0.7), recipe)
        steps = [recipe]
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            steps.append(self._mutate_structure(wrapper, rng))
        text = _dumps(wrapper, rng.random() < 0.5)
        if rng.random() < 0.3:
            text, step = _mutate_text(text, rng)
            steps.append(step)
        return FuzzFrame(text, "+".join(steps))

    # -- seeds -------------------------------------------------------------------------------

    def _payload(self, rng: random.Random, action: str, kind: str) -> object:
        valid, invalid = self._payloads.get((action, kind), ([], []))
        pool: Sequence[object] = invalid if invalid and (not valid or rng.random() < 0.3) else valid
        return copy.deepcopy(rng.choice(pool)) if pool else {}

    def _new_id(self, rng: random.Random) -> str:
        unique_id = _random_id(rng)
        self._recent_ids = [*self._recent_ids[-15:], unique_id]
        return unique_id

    def _seed(self, rng: random.Random, outstanding: Call | None) -> tuple[list[object], str]:
        roll = rng.random()
        if outstanding is not None and roll < 0.35:
            if rng.random() < 0.8:
                payload = self._payload(rng, outstanding.action, "conf")
                return [3, outstanding.unique_id, payload], f"result:{outstanding.action}"
            code = rng.choice((*_ERROR_CODES, "Unknown", "InternalErrror", ""))
            details = rng.choice(({}, {"why": "fuzz"}))
            return [4, outstanding.unique_id, code, "fuzzed", details], "error"
        actions = self.csms_actions if self.csms_actions and roll < 0.9 else self.other_actions
        if not actions:
            return [2, self._new_id(rng), "Unknown", {}], "call:Unknown"
        action = rng.choice(actions)
        return [2, self._new_id(rng), action, self._payload(rng, action, "req")], f"call:{action}"

    # -- mutations ---------------------------------------------------------------------------

    def _mutate_structure(self, wrapper: list[object], rng: random.Random) -> str:
        choice = rng.randrange(7)
        if choice == 0 and wrapper:
            wrapper[rng.randrange(len(wrapper))] = _random_json(rng)
            return "element_type"
        if choice == 1:
            if wrapper and rng.random() < 0.5:
                del wrapper[rng.randrange(len(wrapper)) :]
            else:
                wrapper.extend(_random_json(rng) for _ in range(rng.randint(1, 3)))
            return "length"
        if choice == 2 and wrapper:
            wrapper[0] = copy.deepcopy(rng.choice(_BAD_TYPE_IDS))
            return "type_id"
        if choice == 3 and len(wrapper) > 1:
            wrapper[1] = self._bad_id(rng)
            return "id"
        if choice == 4 and len(wrapper) > 2 and wrapper[0] == 2:
            wrapper[2] = self._bad_action(rng, wrapper[2])
            return "action"
        index = _payload_index(wrapper)
        if index is None:
            return "none"
        wrapper[index], step = _mutate_payload(wrapper[index], rng)
        return f"payload:{step}"

    def _bad_id(self, rng: random.Random) -> object:
        choice = rng.randrange(6)
        if choice == 0:
            length = rng.choice((MAX_UNIQUE_ID_LENGTH, MAX_UNIQUE_ID_LENGTH + 1, 100, 10_000))
            return "i" * length
        if choice == 1 and self._recent_ids:
            return rng.choice(self._recent_ids)  # a duplicate of an earlier id
        if choice == 2:
            return rng.choice(("", " ", "\x00", "\ud800", "\udfffid", "é" * 36, "中" * 37))
        return rng.choice((1, 0, -1, None, True, [], {}, ["id"], 2.5, _Token("1e999")))

    def _bad_action(self, rng: random.Random, action: object) -> object:
        name = action if isinstance(action, str) else "Reset"
        known = self.csms_actions + self.other_actions
        return rng.choice(
            (
                "",
                "UnknownAction",
                name.lower(),
                name.upper(),
                f"{name} ",
                f" {name}",
                name[:-1],
                f"{name}\x00",
                "A" * 10_000,
                rng.choice(known) if known else "Reset",
                rng.choice(_ODD_TEXT),
                None,
                42,
                ["Reset"],
                {},
            )
        )


def _cycling_handler(payloads: Sequence[dict[str, Any]]) -> CallHandler:
    answers = itertools.cycle(payloads)

    def handle(call: Call) -> Mapping[str, Any]:
        return copy.deepcopy(next(answers))

    return handle


def _mutate_text(text: str, rng: random.Random) -> tuple[str, str]:
    """Damage the text itself: character or bit flips, truncation, insertion, deletion."""
    at = rng.randrange(len(text) + 1)
    choice = rng.randrange(6)
    if choice == 0 and text:
        pos = min(at, len(text) - 1)
        return text[:pos] + _random_text(rng, 1) + text[pos + 1 :], "flip_char"
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


# --- invariants -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Failure:
    """A broken invariant.

    Attributes:
        index: Number of the frame in its run (0-based).
        frame: The full text of the frame that broke it.
        recipe: How the frame was made.
        invariant: A key of :data:`INVARIANTS`.
        details: What went wrong, e.g. the changed state or the traceback.
    """

    index: int
    frame: str
    recipe: str
    invariant: str
    details: str

    def summary(self, width: int = 160) -> str:
        """One line: index, invariant, details and the start of the frame."""
        shown = self.frame if len(self.frame) <= width else self.frame[:width] + "..."
        first = self.details.splitlines()[0] if self.details else ""
        return f"#{self.index} [{self.invariant}] {first} <- {shown!r} ({self.recipe})"


class FuzzTarget(Protocol):
    """A sans-IO charge point as the invariant checker sees it."""

    def feed(self, text: str) -> list[str]:
        """Receive one frame; return the frames sent in response, in order."""
        ...

    def observe(self) -> object:
        """A comparable snapshot of the observable state."""
        ...

    def outstanding(self) -> Call | None:
        """The CALL of ours awaiting an answer, if any."""
        ...

    def answers_calls(self) -> bool:
        """Whether CALLs are answered in the current state (OCPP 1.6 §4.2)."""
        ...


def _reject_constant(name: str) -> NoReturn:
    raise ValueError(name)


def _strict_json(text: str) -> object:
    """The oracle's own reading of a frame; ``ValueError`` if it is not strict JSON."""
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except RecursionError:
        raise ValueError("nested too deeply for the oracle") from None


def _as_header(array: object) -> tuple[int, object] | None:
    if not isinstance(array, list) or len(array) < 2 or type(array[0]) is not int:
        return None
    return array[0], array[1]


def _header(text: str) -> tuple[int, object] | None:
    """``(message type, unique id)`` of a strict JSON array frame with an integer type."""
    try:
        return _as_header(_strict_json(text))
    except ValueError:
        return None


# A received text that is not JSON but starts like a CALL, ``[2, "<id>"``: the id is readable,
# so the CALL is answered with a FormationViolation all the same (OCPP-J 1.6 §4.2.3).
_BROKEN_CALL_START: Final = re.compile(r'\s*\[\s*2\s*,\s*"([^"\\]*)"')


@dataclass(frozen=True, slots=True)
class _Reading:
    """The oracle's view of a received frame."""

    header: tuple[int, object] | None
    """Message type and id of a strict JSON array frame."""
    call_id: object
    """The id a reply may carry (``None``: no reply allowed)."""
    must_answer: bool
    """Whether exactly one reply with ``call_id`` is required."""


def _readable(unique_id: object) -> bool:
    # OCPP-J 1.6 §4.1.4: a unique id is a string of at most 36 characters.
    return isinstance(unique_id, str) and 0 < len(unique_id) <= MAX_UNIQUE_ID_LENGTH


def _read(text: str) -> _Reading:
    try:
        header = _as_header(_strict_json(text))
    except ValueError:
        match = _BROKEN_CALL_START.match(text)
        if match is None:
            return _Reading(None, None, False)
        # Raw control characters cannot be in a JSON string, so such an id is not readable.
        unique_id = match.group(1)
        must = _readable(unique_id) and not any(char < " " for char in unique_id)
        return _Reading(None, unique_id, must)
    if header is None or header[0] != 2:
        return _Reading(header, None, False)
    return _Reading(header, header[1], _readable(header[1]))


def _check_replies(
    reading: _Reading, sent: list[str], answers: bool
) -> tuple[list[tuple[str, str]], bool]:
    """Problems with the replies in ``sent``, and whether the CALL got a CALLRESULT."""
    problems: list[tuple[str, str]] = []
    replies: list[tuple[int, object]] = []
    for text in sent:
        try:
            text.encode("utf-8")
        except UnicodeEncodeError as exc:
            problems.append(("well-formed-output", f"not UTF-8 encodable ({exc}): {text[:200]!r}"))
        reply = _header(text)
        if reply is None:
            problems.append(("well-formed-output", f"not a JSON array frame: {text[:200]!r}"))
        elif reply[0] in (3, 4):
            replies.append(reply)
    call_id = reading.call_id
    matching = [kind for kind, unique_id in replies if call_id is not None and unique_id == call_id]
    stray = [unique_id for _, unique_id in replies if call_id is None or unique_id != call_id]
    if stray:
        problems.append(("one-reply", f"replies with ids {stray!r} answer no received CALL"))
    if reading.must_answer and answers and len(matching) != 1:
        problems.append(("one-reply", f"{len(matching)} replies to CALL {call_id!r}: {sent!r}"))
    return problems, 3 in matching


def check_frame(target: FuzzTarget, frame: FuzzFrame | str, *, index: int = 0) -> list[Failure]:
    """Feed one frame to ``target`` and check every invariant of :data:`INVARIANTS`.

    Args:
        target: The charge point under test.
        frame: The frame (a bare string has the recipe ``"given"``).
        index: Number of the frame, copied into the failures.

    Returns:
        The broken invariants; empty when all hold. After a ``no-exception`` failure the
        target's state is undefined and it should be replaced.
    """
    if isinstance(frame, str):
        frame = FuzzFrame(frame, "given")

    def failure(invariant: str, details: str) -> Failure:
        return Failure(index, frame.text, frame.recipe, invariant, details)

    before, outstanding, answers = target.observe(), target.outstanding(), target.answers_calls()
    try:
        sent = target.feed(frame.text)
    except Exception as exc:  # the invariant: nothing at all may escape
        return [failure("no-exception", "".join(traceback.format_exception(exc)))]
    reading = _read(frame.text)
    problems, accepted_call = _check_replies(reading, sent, answers)
    found = [failure(invariant, details) for invariant, details in problems]
    header = reading.header
    answers_outstanding = (
        header is not None
        and outstanding is not None
        and header[0] in (3, 4)
        and header[1] == outstanding.unique_id
    )
    if not (accepted_call or answers_outstanding):
        after = target.observe()
        if after != before:
            found.append(failure("unchanged", _describe_change(before, after)))
    return found


def _describe_change(before: object, after: object) -> str:
    if isinstance(before, StationSnapshot) and isinstance(after, StationSnapshot):
        return "; ".join(before.changes(after))
    return f"{before!r} -> {after!r}"


# --- the station as a target ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StationSnapshot:
    """What a Central System could ever notice about a charge point's state.

    Calls and contexts are kept as their ``repr`` so that a payload changed in place
    cannot compare equal to itself.
    """

    machines: tuple[tuple[str, int, str, str], ...]
    config: str
    timers: tuple[tuple[tuple[tuple[str, int], str], tuple[float, int]], ...]
    outstanding: str
    queued: str
    awaiting_reply: str
    connected: bool
    clock_offset: float
    reconnect_requested: bool

    def changes(self, other: StationSnapshot) -> list[str]:
        """``field: before -> after`` for every field that differs."""
        return [
            f"{item.name}: {getattr(self, item.name)!r} -> {getattr(other, item.name)!r}"
            for item in fields(self)
            if getattr(self, item.name) != getattr(other, item.name)
        ]


def snapshot_station(station: Station) -> StationSnapshot:
    """Take a :class:`StationSnapshot` of ``station`` (read only)."""
    endpoint = station.endpoint
    return StationSnapshot(
        machines=tuple(
            (name, connector, machine.state_name, repr(getattr(machine, "ctx", None)))
            for (name, connector), machine in sorted(station.machines.items())
        ),
        config=repr(station.config.snapshot()),
        timers=tuple(sorted(station.timers.items())),
        outstanding=repr(endpoint.outstanding if endpoint else None),
        queued=repr(endpoint.queued if endpoint else ()),
        awaiting_reply=repr(endpoint.awaiting_reply if endpoint else ()),
        connected=endpoint is not None,
        clock_offset=station.clock_offset,
        reconnect_requested=station.reconnect_requested,
    )


class StationTarget:
    """A :class:`~runtime.station.Station` on a virtual clock, connected and registered.

    The target plays the Central System only to answer the first BootNotification with
    Accepted (OCPP 1.6 §4.2); after that, the frames fed in are all the station hears.

    Args:
        registry: The spec set.
        connectors: Number of connectors.
        accept: ``False`` leaves the station in its first BootNotification, unanswered (the
            registration phase is then what gets fuzzed).
        pics: The PICS; default: every boolean item supported.
        config: Configuration overrides.
        handlers: Application handlers answering Central System CALLs, by action.

    Raises:
        ValueError: If the station does not start with a BootNotification.
    """

    def __init__(
        self,
        registry: SpecRegistry,
        *,
        connectors: int = 2,
        accept: bool = True,
        pics: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        handlers: Mapping[str, CallHandler] | None = None,
    ) -> None:
        self.now = _T0
        counter = itertools.count(1)
        self.station = Station(
            registry,
            StationIdentity("FUZZ-CP"),
            connectors=connectors,
            now=self.now,
            config=config,
            pics=full_pics(registry) if pics is None else pics,
            id_factory=lambda: f"cp-{next(counter)}",
            handlers=handlers,
        )
        self.accept = accept
        self._register()

    def _register(self) -> None:
        """Connect and (if ``accept``) answer the BootNotification with Accepted."""
        self.station.connected(self.now)
        self.station.data_to_send()
        boot = self.outstanding()
        if boot is None or boot.action != "BootNotification":
            raise ValueError(f"the station did not start with a BootNotification: {boot!r}")
        if self.accept:
            result = {"status": "Accepted", "currentTime": to_iso8601(self.now), "interval": 300}
            self.feed(json.dumps([3, boot.unique_id, result]))

    def feed(self, text: str) -> list[str]:
        """Hand one frame to the station; return what it sends."""
        self.station.receive(text, self.now)
        return self.station.data_to_send()

    def observe(self) -> StationSnapshot:
        """The station's observable state."""
        return snapshot_station(self.station)

    def outstanding(self) -> Call | None:
        """The station's CALL awaiting an answer."""
        endpoint = self.station.endpoint
        return endpoint.outstanding if endpoint is not None else None

    def answers_calls(self) -> bool:
        """Whether every station-level machine's state lets the station answer CALLs."""
        return all(m.answers_calls() for (_, n), m in self.station.machines.items() if n == 0)

    def advance(self) -> list[str]:
        """Let time run to the next deadline (timers fire, CALLs time out); return frames."""
        deadline = self.station.next_deadline()
        if deadline is not None:
            self.now = max(self.now, deadline)
        self.station.poll(self.now)
        sent = self.station.data_to_send()
        if self.station.reconnect_requested:
            # A Reset rebooted the station: it connects and registers again, as after power-on.
            self._register()
            sent += self.station.data_to_send()
        return sent
