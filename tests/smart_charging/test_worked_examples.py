"""The worked examples of examples.yaml: hand-computed composite schedules, each citing the
clause it shows, against the runtime and against the naive model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from runtime.ocppj.datetime import from_iso8601
from runtime.station.smart_charging.composite import composite_schedule
from runtime.station.smart_charging.profiles import Installed, Period, Profile, Session, Supply
from tests.smart_charging.naive_model import naive_composite

CORPUS = Path(__file__).with_name("examples.yaml")


@dataclass(frozen=True)
class Example:
    """One example, read into runtime values."""

    id: str
    clause: str
    installed: tuple[Installed, ...]
    sessions: dict[int, Session]
    supply: Supply
    connectors: int
    connector: int
    now: float
    duration: int
    unit: Any
    expected: tuple[Period, ...]


def _example(raw: dict[str, Any], defaults: dict[str, Any]) -> Example:
    spec = {**defaults, **raw}
    sessions = {
        int(c): Session(from_iso8601(s["start"]), s.get("transactionId"))
        for c, s in spec["sessions"].items()
    }
    return Example(
        id=spec["id"],
        clause=spec["clause"],
        installed=tuple(
            Installed(p["connector"], Profile.from_payload(p["profile"])) for p in spec["profiles"]
        ),
        sessions=sessions,
        supply=Supply(**spec["supply"]),
        connectors=spec["connectors"],
        connector=spec["connector"],
        now=from_iso8601(spec["now"]),
        duration=spec["duration"],
        unit=spec["unit"],
        expected=tuple(
            Period(row[0], float(row[1]), row[2] if len(row) > 2 else None)
            for row in spec["expected"]
        ),
    )


def _load() -> list[Example]:
    data = YAML(typ="safe").load(CORPUS.read_text(encoding="utf-8"))
    return [_example(raw, data["defaults"]) for raw in data["examples"]]


EXAMPLES = _load()


def test_the_corpus_is_large_and_every_example_cites_a_clause() -> None:
    assert len(EXAMPLES) >= 25
    assert len({e.id for e in EXAMPLES}) == len(EXAMPLES)
    for example in EXAMPLES:
        assert "OCPP 1.6 §" in example.clause or "errata E" in example.clause, example.id


@pytest.mark.parametrize("compute", [composite_schedule, naive_composite], ids=["runtime", "naive"])
@pytest.mark.parametrize("example", EXAMPLES, ids=[e.id for e in EXAMPLES])
def test_composite_schedule_matches_the_hand_computed_one(
    example: Example, compute: Callable[..., tuple[Period, ...]]
) -> None:
    """The runtime and the naive model each give the schedule worked out by hand."""
    got = compute(
        example.installed,
        example.connector,
        example.now,
        example.duration,
        example.unit,
        sessions=example.sessions,
        supply=example.supply,
        connectors=example.connectors,
    )
    assert got == example.expected
