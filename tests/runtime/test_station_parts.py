"""The station's parts alone: the outcome rules of CALLs (runtime.station.calls) and the
transaction message wiring (runtime.station.txqueue), with real endpoints and a real SQLite
store, no Station around them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.ocppj.endpoint import Endpoint
from runtime.ocppj.errors import ErrorCode
from runtime.ocppj.events import CallAborted, CallTimedOut, ErrorReceived, ResultReceived
from runtime.ocppj.frames import CallError, CallResult
from runtime.spec.effects import SendCall
from runtime.spec.pics import PicsValues
from runtime.station.calls import call_outcome, is_answer, unsupported
from runtime.station.config import ConfigStore
from runtime.station.store import Store
from runtime.station.txqueue import InstanceKey, StationQueue

T0 = 1_700_000_000.0
SENDER: InstanceKey = ("Transaction", 1)


def _endpoint() -> Endpoint:
    return Endpoint(validator=SPEC.validator(), response_timeout=30.0)


def test_call_outcome_names_the_event_the_sender_hears() -> None:
    endpoint = _endpoint()
    call = endpoint.call("Heartbeat", {}, T0)
    result = CallResult(call.unique_id, {"currentTime": "2024-05-01T12:00:00Z"})
    # Not a transaction message (txRef 0), no idTag sent.
    sent = {"txRef": 0, "sentIdTag": ""}
    assert call_outcome(ResultReceived(call, result)) == (
        "result.Heartbeat",
        {**result.payload, **sent},
    )
    error = CallError(call.unique_id, ErrorCode.NOT_SUPPORTED, "", {})
    assert call_outcome(ErrorReceived(call, error)) == (
        "error.Heartbeat",
        {"errorCode": "NotSupported", **sent},
    )
    assert call_outcome(CallTimedOut(call)) == ("timeout.Heartbeat", sent)
    assert call_outcome(CallAborted(call)) == (
        "error.Heartbeat",
        {"errorCode": "ConnectionLost", **sent},
    )
    authorize = endpoint.call("Authorize", {"idTag": "TAG-1"}, T0)
    assert call_outcome(CallTimedOut(authorize)) == (
        "timeout.Authorize",
        {"txRef": 0, "sentIdTag": "TAG-1"},
    )


def test_is_answer_only_for_well_formed_results_and_errors() -> None:
    assert is_answer('[3,"a",{}]')
    assert is_answer('[4,"a","InternalError","",{}]')
    assert not is_answer('[2,"a","Reset",{"type":"Soft"}]')
    assert not is_answer('[2,"a","Reset"')
    assert not is_answer('[3,"a"')


def test_unsupported_gives_the_reason_per_action() -> None:
    pics = PicsValues(SPEC.pics_items, {"Core": True, "Reservation": False})
    reasons = unsupported(SPEC, pics, handled={"Reset"})
    assert "Reset" not in reasons
    assert reasons["BootNotification"] == "is sent by the Charge Point, not to it"
    assert "Reservation profile" in reasons["ReserveNow"]
    assert reasons["UnlockConnector"] == "is not supported by this charge point"


# --- StationQueue -----------------------------------------------------------------------------


@pytest.fixture
def store() -> Iterator[Store]:
    with Store(":memory:") as opened:
        yield opened


def _queue(store: Store, attempts: int = 2) -> StationQueue:
    config = ConfigStore(
        SPEC.config_keys,
        {"TransactionMessageAttempts": attempts, "TransactionMessageRetryInterval": 10},
    )
    return StationQueue(store, config, lambda connector: (("Transaction", connector),))


def _start(store: Store) -> SendCall:
    ref = store.begin_transaction(2, "TAG", 100, "2024-05-01T12:00:00Z", None).ref
    payload = {"connectorId": 2, "idTag": "TAG", "meterStart": 100}
    return SendCall("StartTransaction", {**payload, "timestamp": "2024-05-01T12:00:00Z"}, ref)


def _sent(endpoint: Endpoint) -> list[Any]:
    return [json.loads(text) for text in endpoint.data_to_send()]


def test_only_when_allowed_and_one_at_a_time(store: Store) -> None:
    tx, endpoint = _queue(store), _endpoint()
    tx.push(SENDER, _start(store), T0)
    tx.push(SENDER, _start(store), T0)
    tx.flush(None, lambda action: True, T0)  # offline
    tx.flush(endpoint, lambda action: False, T0)  # e.g. registration Pending (§4.2)
    assert _sent(endpoint) == []
    tx.flush(endpoint, lambda action: True, T0)
    tx.flush(endpoint, lambda action: True, T0)
    [frame] = _sent(endpoint)
    assert frame[2] == "StartTransaction" and tx.owns(frame[1])


def test_result_goes_to_the_sender_and_settles_the_transaction_id(store: Store) -> None:
    tx, endpoint = _queue(store), _endpoint()
    start = _start(store)
    tx.push(SENDER, start, T0)
    tx.flush(endpoint, lambda action: True, T0)
    [frame] = _sent(endpoint)
    answer = {"transactionId": 42, "idTagInfo": {"status": "Accepted"}}
    [event] = endpoint.receive(json.dumps([3, frame[1], answer]), T0)
    assert isinstance(event, ResultReceived)
    # The outcome names the transaction and idTag it answers (the connector may run another
    # one by now, OCPP 1.6 §3.7).
    about = {"txRef": start.tx_ref, "sentIdTag": "TAG"}
    assert tx.settle(event, T0) == ((SENDER,), "result.StartTransaction", {**answer, **about})
    assert not tx.owns(frame[1]) and tx.queue.pending() == 0
    assert start.tx_ref is not None and tx.queue.transaction_id(start.tx_ref) == 42


def test_errors_retry_then_give_up_to_the_connector_after_a_reboot(store: Store) -> None:
    _queue(store).push(SENDER, _start(store), T0)  # pushed before a reboot
    tx, endpoint = _queue(store, attempts=2), _endpoint()  # the next boot: sender unknown
    now = T0
    outcomes = []
    for _ in range(2):
        tx.flush(endpoint, lambda action: True, now)
        [frame] = _sent(endpoint)
        [event] = endpoint.receive(json.dumps([4, frame[1], "InternalError", "", {}]), now)
        assert isinstance(event, ErrorReceived)
        outcomes.append(tx.settle(event, now))
        now += 10.0  # TransactionMessageRetryInterval × 1 failure
    # The first failure is retried later (§3.7.1); the second drops it for good, and the
    # machines of the transaction's connector hear it (the sender is gone).
    assert outcomes == [
        None,
        (
            (("Transaction", 2),),
            "error.StartTransaction",
            {"errorCode": "GivenUp", "txRef": 1, "sentIdTag": "TAG"},
        ),
    ]
    assert tx.queue.pending() == 0


def test_timeouts_are_failures_and_the_last_one_gives_up(store: Store) -> None:
    """OCPP 1.6 §4.8 + §3.7.1, errata E3.18: no StartTransaction.conf in time is a failure."""
    tx, endpoint = _queue(store), _endpoint()  # 2 attempts, 10 s interval
    start = _start(store)
    tx.push(SENDER, start, T0)
    tx.flush(endpoint, lambda action: True, T0)
    assert len(_sent(endpoint)) == 1
    [timed_out] = endpoint.poll(T0 + 30.0)
    assert isinstance(timed_out, CallTimedOut)
    assert tx.settle(timed_out, T0 + 30.0) is None  # first failure: retried later
    tx.flush(endpoint, lambda action: True, T0 + 39.0)
    assert _sent(endpoint) == []  # the retry waits 10 s × 1 after the timeout
    tx.flush(endpoint, lambda action: True, T0 + 40.0)
    [frame] = _sent(endpoint)
    assert frame[2] == "StartTransaction"
    [timed_out] = endpoint.poll(T0 + 70.0)
    assert isinstance(timed_out, CallTimedOut)
    about = {"txRef": start.tx_ref, "sentIdTag": "TAG"}
    given_up = ((SENDER,), "error.StartTransaction", {"errorCode": "GivenUp", **about})
    assert tx.settle(timed_out, T0 + 70.0) == given_up
    assert tx.queue.pending() == 0
    assert start.tx_ref is not None and tx.queue.transaction_id(start.tx_ref) == -1


def test_lost_connection_resends_without_an_outcome(store: Store) -> None:
    """§3.7: offline, the message stays queued; losing the link is no failure to count."""
    tx = _queue(store)
    tx.push(SENDER, _start(store), T0)
    for attempt in range(3):  # more losses than TransactionMessageAttempts allows failures
        endpoint = _endpoint()
        tx.flush(endpoint, lambda action: True, T0 + attempt)
        [frame] = _sent(endpoint)  # sent again at once on the new connection
        assert frame[2] == "StartTransaction"
        [aborted] = endpoint.connection_lost()
        assert isinstance(aborted, CallAborted)
        assert tx.settle(aborted, T0 + attempt) is None
    assert tx.queue.pending() == 1 and store.queued()[0].attempts == 0
