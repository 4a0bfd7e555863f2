"""The station answers every query and runs every operation station.yaml declares."""

from __future__ import annotations

from pathlib import Path

from compiler.frontend.load import load_spec_set
from generated.ocpp16.registry import SPEC
from runtime.spec.pics import PicsValues
from runtime.station.config import ConfigStore
from runtime.station.services import StationServices
from runtime.station.station import Station, StationIdentity
from runtime.station.store import Store
from runtime.station.tester import OBSERVATIONS, TESTER_EFFECTS
from tests.runtime.fake_port import FakeStationPort

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


def test_every_tester_effect_belongs_to_a_declared_tester_action() -> None:
    # TESTER_EFFECTS adds hardware changes to tester actions; one for an action events.yaml
    # does not declare could never run (check_action refuses the action first).
    assert set(TESTER_EFFECTS) <= set(SPEC.tester_events)


def test_services_run_on_a_small_fake_station_through_the_port(tmp_path: Path) -> None:
    # The seam StationPort exists for: no Station, a real SQLite store, the registry's keys.
    with Store(tmp_path / "services.db") as store:
        port = FakeStationPort(ConfigStore(SPEC.config_keys), PicsValues(SPEC.pics_items), store)
        services = StationServices(port)
        assert services.query("online", ()) is False  # no connection (OCPP 1.6 §3.5)
        assert services.query("now", ()) == "2023-11-14T22:13:20Z"
        # ChangeAvailability Inoperative is kept across a reboot and restored (§5.2).
        services.invoke("set_availability", {"connector": 2, "availability": "Inoperative"})
        services.invoke("restore_availability", {})
        assert port.raised == [("internal.inoperative", {"connector": 2})]
        services.invoke("change_configuration", {"key": "HeartbeatInterval", "value": "90"})
        assert port.config.get("HeartbeatInterval") == 90


def test_vendor_and_message_ids_compare_without_case(tmp_path: Path) -> None:
    # DataTransfer.req vendorId is CiString255, messageId CiString50 (OCPP 1.6 §6.17, §7.17,
    # §7.18): the simulated vendor extension knows them in any letter case.
    with Store(tmp_path / "services.db") as store:
        port = FakeStationPort(ConfigStore(SPEC.config_keys), PicsValues(SPEC.pics_items), store)
        services = StationServices(port)
        assert services.query("data_transfer_status", ("ChargeSpec", "ECHO")) == "Accepted"
        assert services.query("data_transfer_data", ("CHARGESPEC", "echo", "hi")) == "hi"
        assert services.query("data_transfer_status", ("chargespec", "Refuse")) == "Rejected"
        assert services.query("data_transfer_status", ("other", "Echo")) == "UnknownVendorId"
        assert services.query("data_transfer_status", ("chargespec", "Nope")) == "UnknownMessageId"
        # Configuration keys too (§7.17): the declared spelling comes back.
        assert services.query("config_name", ("heartbeatINTERVAL",)) == "HeartbeatInterval"


def test_startable_and_in_use_follow_the_statuses_the_machines_note(tmp_path: Path) -> None:
    # OCPP 1.6 §5.2/§7.7: no transaction begins on an Unavailable or Faulted connector nor on
    # any connector of an Unavailable or Faulted Charge Point (connector 0); §4.9: a connector
    # in a session cannot go Unavailable at once, so Inoperative waits.
    with Store(tmp_path / "services.db") as store:
        port = FakeStationPort(ConfigStore(SPEC.config_keys), PicsValues(SPEC.pics_items), store)
        services = StationServices(port)
        assert services.query("connector_startable", (1,)) is True
        assert services.query("connector_in_use", (0,)) is False
        services.invoke("set_startable", {"connector": 2, "startable": False})
        assert services.query("connector_startable", (1,)) is True
        assert services.query("connector_startable", (2,)) is False
        services.invoke("set_startable", {"connector": 0, "startable": False})
        assert services.query("connector_startable", (1,)) is False
        services.invoke("set_connector_status", {"connector": 2, "status": "Preparing"})
        assert services.query("connector_in_use", (1,)) is False
        assert services.query("connector_in_use", (2,)) is True
        assert services.query("connector_in_use", (0,)) is True
        services.invoke("set_connector_status", {"connector": 2, "status": "Unavailable"})
        assert services.query("connector_in_use", (0,)) is False
