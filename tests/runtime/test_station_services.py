"""The station answers every query and runs every operation station.yaml declares."""

from __future__ import annotations

from pathlib import Path

from compiler.frontend.load import load_spec_set
from generated.ocpp16.registry import SPEC
from runtime.station.services import StationServices
from runtime.station.station import Station, StationIdentity
from runtime.station.tester import OBSERVATIONS

SPEC_DIR = Path(__file__).resolve().parents[2] / "specs" / "ocpp16"


def test_every_declared_query_and_operation_is_implemented() -> None:
    spec, _ = load_spec_set(SPEC_DIR)
    assert spec is not None
    station = Station(SPEC, StationIdentity("CP"), connectors=1, now=0.0)
    queries, operations = StationServices(station).implemented()
    declared_queries = {c.name for c in spec.station if c.kind == "query"}
    declared_operations = {c.name for c in spec.station if c.kind == "operation"}
    assert declared_queries - queries == set(), "declared but not implemented"
    assert declared_operations - operations == set(), "declared but not implemented"
    assert queries - declared_queries == set(), "implemented but not declared"
    assert operations - declared_operations == set(), "implemented but not declared"


def test_the_station_answers_exactly_the_declared_observations() -> None:
    # events.yaml `observations:` is what a scenario's observe step may read; the in-process
    # station's hardware must answer each of them and nothing undeclared.
    spec, _ = load_spec_set(SPEC_DIR)
    assert spec is not None
    declared = {e.short for e in spec.events if e.namespace == "observation"}
    assert declared == set(OBSERVATIONS)
