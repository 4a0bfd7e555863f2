"""A station's ledger: what its frames add to the fleet's statistics."""

from __future__ import annotations

from runtime.fleet.ledger import StationLedger
from runtime.fleet.stats import FleetStats


class _Station:
    def __init__(self) -> None:
        self.registered = False

    def may_send(self, action: str) -> bool:
        return self.registered

    def config_int(self, key: str) -> int:
        return 10 if key == "HeartbeatInterval" else 0


def _answer(ledger: StationLedger, text: str, now: float) -> None:
    call = ledger.answer_to(text)
    assert call is not None
    ledger.answered(text, call, now)


def test_a_second_stop_for_a_confirmed_transaction_is_a_duplicate() -> None:
    stats, station = FleetStats(stations=1), _Station()
    ledger = StationLedger(stats, station, started_at=0.0)
    ledger.sent('[2,"b1","BootNotification",{}]', 1.0)
    station.registered = True
    _answer(ledger, '[3,"b1",{"status":"Accepted","interval":10}]', 1.2)
    ledger.sent('[2,"s1","StartTransaction",{"connectorId":1}]', 2.0)
    _answer(ledger, '[3, "s1", {"transactionId": 7, "idTagInfo": {"status": "Accepted"}}]', 2.1)
    assert (stats.transactions_started, stats.transactions_running) == (1, 1)
    ledger.sent('[2,"t1","StopTransaction",{"transactionId":7}]', 3.0)
    _answer(ledger, '[3,"t1",{}]', 3.1)
    assert (stats.transactions_stopped, stats.transactions_running) == (1, 0)
    ledger.sent('[2,"t2","StopTransaction",{"transactionId":7}]', 4.0)
    assert stats.duplicate_stops == 1
    assert stats.accepted == stats.ever_accepted == 1
    assert stats.boot_seconds.count == 1
    assert stats.responses["StartTransaction"].count == 1


def test_heartbeats_are_on_time_within_the_interval_and_a_tenth() -> None:
    stats, station = FleetStats(stations=1), _Station()
    ledger = StationLedger(stats, station, started_at=0.0)
    ledger.sent('[2,"b1","BootNotification",{}]', 0.0)
    station.registered = True
    _answer(ledger, '[3,"b1",{"status":"Accepted"}]', 0.0)
    for n, at in enumerate((10.5, 21.4, 33.0)):  # gaps 10.5, 10.9, 11.6 s
        ledger.sent(f'[2,"h{n}","Heartbeat",{{}}]', at)
    assert (stats.heartbeats, stats.heartbeats_on_time) == (3, 2)


def test_a_rejected_boot_an_error_and_a_lost_link_are_counted() -> None:
    stats, station = FleetStats(stations=1), _Station()
    ledger = StationLedger(stats, station, started_at=0.0)
    ledger.sent('[2,"b1","BootNotification",{}]', 0.0)
    _answer(ledger, '[3,"b1",{"status":"Rejected","interval":3600}]', 0.1)
    ledger.sent('[2,"d1","DataTransfer",{"vendorId":"x"}]', 1.0)
    _answer(ledger, '[4,"d1","NotSupported","",{}]', 1.1)
    ledger.sent('[2,"d2","DataTransfer",{"vendorId":"x"}]', 2.0)
    ledger.went_offline()
    assert stats.rejected == 1 and stats.accepted == 0
    assert stats.call_errors == 1
    assert stats.errors == {
        "CALLERROR DataTransfer NotSupported": 1,
        "no answer before the link closed: DataTransfer": 1,
    }
    assert not ledger.pending
