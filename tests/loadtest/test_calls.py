"""CallTimer: each CALL the station sends becomes one outcome, from the frames alone."""

from __future__ import annotations

import pytest

from runtime.loadtest.calls import CONNECTION_LOST, TIMEOUT, CallFailed, CallOutcome, CallTimer

BOOT = '[2,"b1","BootNotification",{"chargePointVendor":"v","chargePointModel":"m"}]'
BOOT_CONF = '[3,"b1",{"status":"Accepted","currentTime":"2026-01-01T00:00:00Z","interval":60}]'


def test_a_callresult_answers_its_call_with_the_time_between() -> None:
    timer = CallTimer()
    timer.sent(BOOT, at=10.0, timeout=30.0)
    assert timer.open_calls == 1
    outcome = timer.received(BOOT_CONF, at=10.25)
    assert outcome == CallOutcome("BootNotification", 250.0, len(BOOT_CONF))
    assert timer.open_calls == 0


def test_a_callerror_fails_its_call_with_the_code() -> None:
    timer = CallTimer()
    timer.sent('[2,"d1","DataTransfer",{"vendorId":"x"}]', at=1.0, timeout=30.0)
    outcome = timer.received('[4,"d1","NotImplemented","no handler",{}]', at=1.5)
    assert outcome is not None
    assert (outcome.action, outcome.error, outcome.description) == (
        "DataTransfer",
        "NotImplemented",
        "no handler",
    )
    assert outcome.response_time_ms == pytest.approx(500.0)
    assert str(CallFailed(outcome)) == "CALLERROR NotImplemented"


def test_frames_that_are_not_our_calls_or_their_answers_are_passed_over() -> None:
    timer = CallTimer()
    # The Central System's own CALL, the station's answer to it, an answer to no CALL of
    # ours, and text that is no frame at all.
    timer.sent('[3,"csms-1",{"status":"Accepted"}]', at=0.0, timeout=30.0)
    assert timer.received('[2,"csms-2","Reset",{"type":"Soft"}]', at=0.1) is None
    assert timer.received('[3,"unknown",{}]', at=0.2) is None
    assert timer.received("not json", at=0.3) is None
    assert timer.open_calls == 0


def test_an_unanswered_call_times_out_at_the_deadline_it_was_sent_with() -> None:
    timer = CallTimer()
    timer.sent('[2,"h1","Heartbeat",{}]', at=100.0, timeout=5.0)
    timer.sent('[2,"h2","Heartbeat",{}]', at=102.0, timeout=30.0)
    assert timer.expired(104.9) == []
    (late,) = timer.expired(105.0)
    assert (late.action, late.error, late.response_time_ms, late.response_length) == (
        "Heartbeat",
        TIMEOUT,
        5000.0,
        0,
    )
    assert str(CallFailed(late)) == TIMEOUT
    # The answer that comes after all is no longer counted.
    assert timer.received('[3,"h1",{"currentTime":"2026-01-01T00:00:00Z"}]', at=106.0) is None
    assert timer.open_calls == 1


def test_a_lost_connection_fails_every_open_call() -> None:
    timer = CallTimer()
    timer.sent('[2,"a","Heartbeat",{}]', at=0.0, timeout=30.0)
    timer.sent('[2,"b","StatusNotification",{}]', at=1.0, timeout=30.0)
    lost = timer.lost(2.0)
    assert sorted((o.action, o.error, o.response_time_ms) for o in lost) == [
        ("Heartbeat", CONNECTION_LOST, 2000.0),
        ("StatusNotification", CONNECTION_LOST, 1000.0),
    ]
    assert timer.open_calls == 0 and timer.lost(3.0) == []
