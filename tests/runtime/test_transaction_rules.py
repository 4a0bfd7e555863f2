"""Transaction and Authorization Cache rules whose effect a conformance scenario cannot see
on the wire: a malformed Authorize.conf (the test system only sends valid answers) and the
status an expired cache entry has in the store (OCPP 1.6 §3.5.1)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance import InProcessDut, run_scenario
from runtime.ocppj.datetime import to_iso8601
from runtime.spec.applicability import full_pics
from runtime.station.store import CacheEntry, Store
from tests.runtime.setup_states import setup_steps_for


def _step(kind: str, name: str = "", **fields: Any) -> dict[str, Any]:
    return {"kind": kind, "name": name, "at": "test", **fields}


async def _run(dut: InProcessDut, steps: list[dict[str, Any]]) -> None:
    await run_scenario({"id": "T", "requires": [], "setup": {}, "steps": steps}, dut)


async def _booted(config: dict[str, Any]) -> InProcessDut:
    dut = InProcessDut(SPEC, connectors=1, pics=full_pics(SPEC), config=config)
    await dut.start()
    steps = setup_steps_for(boot="accepted")
    await run_scenario(
        {"id": "T", "requires": [], "setup": {}, "setup_steps": steps, "steps": []}, dut
    )
    return dut


async def test_a_malformed_authorize_conf_is_not_an_offline_situation() -> None:
    # §3.5: the offline rules (AllowOfflineTxForUnknownId) are for a Charge Point that cannot
    # reach the Central System. An Authorize.conf whose idTagInfo lacks its status
    # (OCPP-J §4.2.3: a .conf the schema refuses) came from a reachable Central System, so it
    # authorizes nobody and no transaction starts.
    config = {
        "LocalPreAuthorize": False,
        "LocalAuthorizeOffline": True,
        "AllowOfflineTxForUnknownId": True,
    }
    dut = await _booted(config)
    await _run(dut, [_step("tester", "plug_in", payload={"connector": 1})])
    await dut.tester("present_id_tag", {"connector": 1, "idTag": "TAG-UNKNOWN"})
    call = None
    for _ in range(5):  # the Preparing StatusNotification may come first
        call = await dut.next_call(5.0)
        if call is None or call.action == "Authorize":
            break
        await dut.reply(call, {})
    assert call is not None and call.action == "Authorize"
    dut.station.receive(json.dumps([3, call.unique_id, {"idTagInfo": {}}]), dut.now())
    assert dut.station.state("Transaction", 1) == "Idle"
    sent_before = len(dut.frames)
    await _run(dut, [_step("advance", seconds=20.0)])
    later = [text for _, direction, text in dut.frames[sent_before:] if direction == ">"]
    assert not any('"StartTransaction"' in text for text in later)


async def test_an_expired_cache_entry_is_changed_to_expired_in_the_cache() -> None:
    # §3.5.1: when the validity of a cache entry expires it is changed to Expired in the cache,
    # not only reported as Expired when looked up.
    dut = await _booted({"AuthorizationCacheEnabled": True})
    store = dut.station.store
    expiry = to_iso8601(dut.now() + dut.station.clock_offset + 30)
    store.cache_put(CacheEntry("TAG-EXP", "Accepted", expiry, None, dut.now()), capacity=10)
    store.cache_put(CacheEntry("TAG-OK", "Accepted", None, None, dut.now()), capacity=10)
    await _run(dut, [_step("advance", seconds=10.0)])
    entry = store.cache_get("tag-exp")
    assert entry is not None and entry.status == "Accepted"  # not yet expired
    await _run(dut, [_step("advance", seconds=120.0)])
    entry = store.cache_get("tag-exp")
    assert entry is not None and (entry.status, entry.expiry) == ("Expired", expiry)
    kept = store.cache_get("TAG-OK")
    assert kept is not None and kept.status == "Accepted"


def test_cache_set_status_folds_case_and_refuses_an_unknown_id_tag(tmp_path: Path) -> None:
    with Store(tmp_path / "cache.db") as store:
        store.cache_put(CacheEntry("AbC", "Accepted", "2020-01-01T00:00:00Z", "P", 1.0), capacity=5)
        store.cache_set_status("abc", "Expired")
        assert store.cache_get("ABC") == CacheEntry(
            "AbC", "Expired", "2020-01-01T00:00:00Z", "P", 1.0
        )
        with pytest.raises(KeyError):
            store.cache_set_status("nobody", "Expired")
