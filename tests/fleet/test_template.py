"""Station templates and the idTag distributions of the transaction generator."""

from __future__ import annotations

import random
from collections import Counter

import pytest

from runtime.fleet.template import IdTagPicker, StationTemplate, TransactionPlan


def test_identities_and_passwords_follow_their_patterns() -> None:
    template = StationTemplate(identity="CP{N:05d}", password="{identity}-secret")
    assert [template.identity_of(n) for n in range(3)] == ["CP00001", "CP00002", "CP00003"]
    assert template.password_of(1) == "CP00002-secret"
    assert StationTemplate().password_of(0) is None


@pytest.mark.parametrize(
    ("pattern", "message"),
    [("CP", "every station one name"), ("CP{x}", "cannot be filled"), ("X" * 49, "1 to 48")],
)
def test_a_bad_identity_pattern_is_refused(pattern: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        StationTemplate(identity=pattern + "{n}" if message == "1 to 48" else pattern)


def test_round_robin_hands_the_tags_out_in_turn_fleet_wide() -> None:
    plan = TransactionPlan(id_tags=("A", "B", "C"))
    picker = IdTagPicker(plan, 2, random.Random(0))
    picks = [picker.pick(station, 1) for station in (0, 5, 0, 9, 1, 1, 2)]
    assert picks == ["A", "B", "C", "A", "B", "C", "A"]


def test_per_connector_keeps_one_tag_per_connector() -> None:
    plan = TransactionPlan(id_tags=("A", "B", "C"), id_tag_mode="per-connector")
    picker = IdTagPicker(plan, 2, random.Random(0))
    first = {(s, c): picker.pick(s, c) for s in range(3) for c in (1, 2)}
    again = {(s, c): picker.pick(s, c) for s in range(3) for c in (1, 2)}
    assert first == again
    assert first[(0, 1)] == "A" and first[(0, 2)] == "B" and first[(1, 1)] == "C"


def test_random_draws_every_tag_of_the_list() -> None:
    plan = TransactionPlan(id_tags=("A", "B", "C"), id_tag_mode="random")
    picker = IdTagPicker(plan, 2, random.Random(0))
    counts = Counter(picker.pick(0, 1) for _ in range(300))
    assert set(counts) == {"A", "B", "C"} and min(counts.values()) > 50


@pytest.mark.parametrize(
    "bad",
    [
        {"start_probability": 1.5},
        {"duration": (5.0, 1.0)},
        {"id_tags": ()},
        {"id_tags": ("X" * 21,)},
    ],
)
def test_a_bad_plan_is_refused(bad: dict[str, object]) -> None:
    with pytest.raises(ValueError):
        TransactionPlan(**bad)  # type: ignore[arg-type]
