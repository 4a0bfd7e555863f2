"""The payload corpus itself: rounds of pinned payloads, deduplicated and bounded.

:func:`corpus` pins every boundary value (valid side) and every bad value (invalid side)
once in its first round, then repeats them on fresh random backgrounds, with two bad values
at once on the invalid side, until it has as many distinct payloads as asked or a bounded
number of rounds have passed.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from typing import Any, Final

from runtime.conformance.payload_corpus.invalid import bad_values
from runtime.conformance.payload_corpus.schema import (
    Schema,
    SchemaPath,
    json_key,
    resolve_refs,
    resolved_sites,
)
from runtime.conformance.payload_corpus.valid import good_values, pinned_value

__all__ = ["corpus"]

_MAX_ROUNDS: Final = 200
"""Bound on generation rounds; a round adds at least one candidate per site."""

_RANDOM_PER_ROUND: Final = 4
"""Fully random payloads added per round, besides the pinned ones."""


class _Collector:
    """Deduplicating, bounded payload list."""

    def __init__(self, limit: int, exclude: Iterable[str] = ()) -> None:
        self.limit = limit
        self.items: list[object] = []
        self._seen: set[str] = set(exclude)

    @property
    def full(self) -> bool:
        return len(self.items) >= self.limit

    def add(self, payload: object) -> None:
        key = json_key(payload)
        if not self.full and key not in self._seen:
            self._seen.add(key)
            self.items.append(payload)


def _valid_round(
    schema: Schema, rng: random.Random, targets: list[tuple[SchemaPath, object]]
) -> list[object]:
    payloads = [pinned_value(schema, rng, 0, {}, 0.0), pinned_value(schema, rng, 0, {}, 1.0)]
    payloads += [pinned_value(schema, rng, 0, {path: v}, rng.random()) for path, v in targets]
    payloads += [pinned_value(schema, rng, 0, {}, rng.random()) for _ in range(_RANDOM_PER_ROUND)]
    return payloads


def _independent(first: SchemaPath, second: SchemaPath) -> bool:
    shortest = min(len(first), len(second))
    return first[:shortest] != second[:shortest]


def _invalid_round(
    schema: Schema, rng: random.Random, sites: list[tuple[SchemaPath, Schema]], double: bool
) -> list[object]:
    targets = [(path, bad) for path, sub in sites for bad in bad_values(sub, rng)]
    payloads = [pinned_value(schema, rng, 0, {path: bad}, rng.random()) for path, bad in targets]
    if double and len(targets) > 1:
        for _ in range(max(1, len(targets) // 4)):
            (path_a, bad_a), (path_b, bad_b) = rng.sample(targets, 2)
            if _independent(path_a, path_b):
                pins = {path_a: bad_a, path_b: bad_b}
                payloads.append(pinned_value(schema, rng, 0, pins, rng.random()))
    return payloads


def corpus(
    schema: Schema, *, seed: int, valid: int, invalid: int
) -> tuple[list[dict[str, Any]], list[object]]:
    """Generate valid and invalid payloads for a draft-04 ``schema``.

    The first round pins every boundary value (valid side) and every bad value (invalid
    side) once, so with counts larger than those lists every case is covered; later rounds
    repeat them on fresh random backgrounds, with double mutations on the invalid side.

    Args:
        schema: An object schema (the draft-04 subset that
            :mod:`runtime.conformance.payload_corpus` describes); local ``$ref`` pointers are
            resolved against it first.
        seed: Seed of the ``random.Random`` used; equal seeds give equal corpora.
        valid: Number of valid payloads wanted.
        invalid: Number of invalid payloads wanted.

    Returns:
        ``(valid_payloads, invalid_payloads)``, deduplicated by canonical JSON text and
        disjoint. A list is shorter than asked only when the schema does not admit that many
        distinct payloads (e.g. ``{}`` is the only valid Heartbeat.req).

    Raises:
        ValueError: If a ``$ref`` is not a local pointer or does not resolve.
    """
    rng = random.Random(seed)
    schema = resolve_refs(schema)
    sites = resolved_sites(schema)
    targets = [(path, v) for path, sub in sites if path for v in good_values(sub)]
    good = _Collector(valid)
    for _ in range(_MAX_ROUNDS):
        if good.full:
            break
        for payload in _valid_round(schema, rng, targets):
            good.add(payload)
    bad = _Collector(invalid, exclude=(json_key(p) for p in good.items))
    for round_number in range(_MAX_ROUNDS):
        if bad.full:
            break
        for payload in _invalid_round(schema, rng, sites, double=round_number > 0):
            bad.add(payload)
    return [p for p in good.items if isinstance(p, dict)], bad.items
