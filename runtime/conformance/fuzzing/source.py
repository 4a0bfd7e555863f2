"""Frames to fuzz with: valid seeds from the spec registry, then mutations of the wrapper.

:class:`FrameSource` knows the registry: which actions the Central System sends, and a payload
corpus (:func:`~runtime.conformance.payload_corpus.generator.corpus`) of valid and invalid
payloads per schema. It seeds CALLs, and answers to the charge point's outstanding CALL, and
breaks the OCPP-J wrapper (message type, unique id, action, length; OCPP-J 1.6 §4.1); the
damage to payloads and text comes from :mod:`~runtime.conformance.fuzzing.mutations`. Each
:class:`FuzzFrame` carries its recipe, so a failure says how its frame was made.
"""

from __future__ import annotations

import copy
import itertools
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

from runtime.conformance.fuzzing.mutations import (
    ODD_TEXT,
    Token,
    dumps,
    mutate_payload,
    mutate_text,
    random_json,
    random_text,
)
from runtime.conformance.payload_corpus.generator import corpus
from runtime.ocppj.errors import ErrorCode
from runtime.ocppj.frames import MAX_UNIQUE_ID_LENGTH, Call
from runtime.spec.registry import SpecRegistry
from runtime.station.station import CallHandler

__all__ = ["FrameSource", "FuzzFrame"]

_SEED_CORPUS: Final = 24
"""Valid and invalid payloads precomputed per schema."""


@dataclass(frozen=True, slots=True)
class FuzzFrame:
    """One frame to feed, and how it was made (e.g. ``call:Reset+id:too_long+truncate``)."""

    text: str
    recipe: str


_BAD_TYPE_IDS: Final[tuple[object, ...]] = (
    0, 1, 5, 6, -1, 10**20, "2", "3", True, False, None, [], {}, Token("2.0"), Token("2e0"),
    Token("NaN"), Token("-0"),
)  # fmt: skip
"""Message type ids that are not 2, 3 or 4 (OCPP-J 1.6 §4.1.3) or not numbers at all."""

_ERROR_CODES: Final = tuple(code.value for code in ErrorCode)


def _random_id(rng: random.Random) -> str:
    if rng.random() < 0.5:
        text = f"{rng.getrandbits(128):032x}"
        return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
    return f"cs-{rng.randrange(10**6)}"


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
            return FuzzFrame(dumps(random_json(rng), rng.random() < 0.5), "random_json")
        if roll < 0.09:
            return FuzzFrame(random_text(rng, rng.randint(0, 80)), "random_text")
        wrapper, recipe = self._seed(rng, outstanding)
        if roll < 0.35:
            return FuzzFrame(dumps(wrapper, rng.random() < 0.7), recipe)
        steps = [recipe]
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            steps.append(self._mutate_structure(wrapper, rng))
        text = dumps(wrapper, rng.random() < 0.5)
        if rng.random() < 0.3:
            text, step = mutate_text(text, rng)
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
            wrapper[rng.randrange(len(wrapper))] = random_json(rng)
            return "element_type"
        if choice == 1:
            if wrapper and rng.random() < 0.5:
                del wrapper[rng.randrange(len(wrapper)) :]
            else:
                wrapper.extend(random_json(rng) for _ in range(rng.randint(1, 3)))
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
        wrapper[index], step = mutate_payload(wrapper[index], rng)
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
        return rng.choice((1, 0, -1, None, True, [], {}, ["id"], 2.5, Token("1e999")))

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
                rng.choice(ODD_TEXT),
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
