"""Fleets of a few hundred stations against a Central System on 127.0.0.1, in one process.

The Central System is the benchmark's raw one (benchmarks/fleet_csms.py), which records what
it saw: the assertions are on its side of the wire. Every run is bounded by its duration and
the stop timeout; the whole module stays well under a minute.
"""

from __future__ import annotations

import asyncio
import json
import ssl
import sys
import time
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.fleet_csms import FleetCsms
from generated.ocpp16.registry import SPEC
from runtime.fleet.driver import Link
from runtime.fleet.fleet import Fleet, FleetOptions, FleetResult
from runtime.fleet.template import StationTemplate, TransactionPlan
from tests.tls_certs import self_signed

pytestmark = pytest.mark.timeout(60)

_QUICK = TransactionPlan(duration=(0.5, 1.5), pause=(0.1, 0.5), start_timeout=5.0)
_IDLE = TransactionPlan(enabled=False)
_ROOT = Path(__file__).resolve().parents[2]


async def _run(
    csms: FleetCsms,
    stations: int,
    plan: TransactionPlan,
    duration: float,
    *,
    ramp: float = 0.0,
    template: StationTemplate | None = None,
) -> tuple[Fleet, FleetResult]:
    options = FleetOptions(
        stations=stations, ramp=ramp, duration=duration, stop_timeout=10.0, seed=7
    )
    link = Link(csms.url, reconnect_min=0.2, reconnect_max=0.5)
    fleet = Fleet(SPEC, template or StationTemplate(), plan, link, options)
    result = await fleet.run(asyncio.Event())
    return fleet, result


async def test_200_stations_charge_and_stop_every_transaction_exactly_once() -> None:
    csms = FleetCsms(heartbeat_interval=2)
    await csms.start()
    tags = tuple(f"TAG{n:03d}" for n in range(7))
    plan = TransactionPlan(
        duration=(0.5, 1.5), pause=(0.1, 0.5), id_tags=tags, id_tag_mode="per-connector"
    )
    try:
        fleet, result = await _run(csms, 200, plan, duration=5.0)
    finally:
        await csms.stop()
    assert result.ok, result.problems
    summary = result.summary
    assert summary["stations"]["ever_accepted"] == 200 == len(csms.accepted)
    # Many sessions ran, several per connector, and each was stopped once: by its user, or
    # by the graceful stop for those still charging at the end.
    assert len(csms.started) > 300
    assert set(csms.stops) == set(csms.started)
    assert set(csms.stops.values()) == {1}
    assert summary["transactions"]["started"] == len(csms.started)
    assert summary["transactions"]["stopped"] == len(csms.started)
    assert summary["transactions"]["duplicate_stops"] == 0
    assert csms.stop_reasons.keys() == {"Local"}
    # per-connector: every session of a connector presented that connector's own tag.
    index = {driver.identity: driver.index for driver in fleet.drivers.values()}
    for identity, connector, tag in csms.started.values():
        assert tag == tags[(index[identity] * 2 + connector - 1) % len(tags)]
    # The response-time statistics cover the actions the stations sent.
    times = summary["response_times"]
    assert {"Authorize", "BootNotification", "StartTransaction", "StopTransaction"} <= set(times)
    assert times["all"]["count"] == sum(csms.actions.values())
    assert summary["stations"]["connected_at_end"] == 0


async def test_random_tags_come_from_the_list_and_the_probability_holds_sessions_back() -> None:
    csms = FleetCsms(heartbeat_interval=30)
    await csms.start()
    busy = TransactionPlan(
        duration=(0.5, 1.0), pause=(0.2, 0.4), id_tags=("A", "B", "C"), id_tag_mode="random"
    )
    rare = TransactionPlan(duration=(0.5, 1.0), pause=(0.2, 0.4), start_probability=0.1)
    try:
        await _run(csms, 50, busy, duration=3.0)
        busy_starts = len(csms.started)
        await _run(csms, 50, rare, duration=3.0)
        rare_starts = len(csms.started) - busy_starts
    finally:
        await csms.stop()
    tags = Counter(tag for _, _, tag in list(csms.started.values())[:busy_starts])
    assert set(tags) == {"A", "B", "C"}
    assert 0 < rare_starts < busy_starts / 3
    assert set(csms.stops.values()) == {1}


async def test_the_ramp_up_rate_is_kept() -> None:
    csms = FleetCsms(heartbeat_interval=30)
    await csms.start()
    seen: list[float] = []
    accept = csms._on_BootNotification

    def boot(identity: str, payload: dict[str, object]) -> dict[str, object]:
        seen.append(time.monotonic())
        return accept(identity, payload)

    csms._on_BootNotification = boot  # type: ignore[method-assign]
    try:
        _, result = await _run(csms, 30, _IDLE, duration=2.5, ramp=15.0)
    finally:
        await csms.stop()
    assert result.ok, result.problems
    assert len(seen) == 30
    # 30 stations at 15/s: the last boots ~2 s after the first, and never faster than the rate.
    spread = max(seen) - min(seen)
    assert 1.6 < spread < 4.0
    for n, moment in enumerate(sorted(seen)):
        assert moment - min(seen) >= n / 15.0 - 0.15


async def test_rejected_and_dropped_stations_are_counted_and_fail_the_run() -> None:
    def number(identity: str) -> int:
        return int(identity.removeprefix("CP"))

    csms = FleetCsms(
        heartbeat_interval=30,
        reject=lambda identity: number(identity) % 10 == 0,
        drop=lambda identity: number(identity) % 7 == 0,
    )
    await csms.start()
    try:
        _, result = await _run(csms, 40, _QUICK, duration=3.0)
    finally:
        await csms.stop()
    stations = result.summary["stations"]
    assert stations["rejected"] == 4  # CP00010, 20, 30, 40
    assert stations["never_accepted"] == 4
    assert stations["dropped"] == len(csms.dropped) == 5  # 7, 14, 21, 28, 35
    assert not result.ok
    assert result.problems[0].startswith("4 of 40 stations were never accepted (4 rejected")
    assert "the Central System dropped 5 connections" in result.problems
    # The dropped stations came back and were accepted again.
    assert stations["ever_accepted"] == 36
    assert set(csms.stops.values()) <= {1}


async def test_the_command_exits_1_with_one_line_and_writes_the_summary(tmp_path: Path) -> None:
    csms = FleetCsms(heartbeat_interval=30, reject=lambda identity: identity == "CP00003")
    await csms.start()
    summary = tmp_path / "summary.json"
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from compiler.cli import main; main()",
            "fleet",
            "--csms",
            csms.url,
            "--stations",
            "5",
            "--duration",
            "2",
            "--charge",
            "0.3:0.6",
            "--pause",
            "0.1:0.3",
            "--summary",
            str(summary),
            "--quiet",
            "--seed",
            "1",
            cwd=_ROOT,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), 40)
    finally:
        await csms.stop()
    assert process.returncode == 1
    assert err.decode().strip().splitlines()[-1] == (
        "fleet: 1 of 5 stations were never accepted (1 rejected, 0 failed connection attempts)"
    )
    data = json.loads(summary.read_text())
    assert data["stations"]["rejected"] == 1
    assert data["problems"][0].startswith("1 of 5 stations")
    assert data["transactions"]["started"] == data["transactions"]["stopped"] > 0


async def test_sigterm_stops_every_running_transaction_once_and_exits_0() -> None:
    csms = FleetCsms(heartbeat_interval=30)
    await csms.start()
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from compiler.cli import main; main()",
            "fleet",
            "--csms",
            csms.url,
            "--stations",
            "10",
            "--charge",
            "60:90",
            "--pause",
            "0.1:0.3",
            "--quiet",
            cwd=_ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        # Every connector charging, then SIGTERM (as a CI job's timeout or Ctrl-C would).
        for _ in range(300):
            if len(csms.started) == 20 or process.returncode is not None:
                break
            await asyncio.sleep(0.05)
        assert len(csms.started) == 20
        assert not csms.stops
        process.terminate()
        _, err = await asyncio.wait_for(process.communicate(), 30)
    finally:
        await csms.stop()
    assert process.returncode == 0, err.decode()
    assert set(csms.stops) == set(csms.started)
    assert set(csms.stops.values()) == {1}
    assert err.decode().strip().splitlines()[-1] == "fleet: 10 stations accepted"


def _tls(tmp_path: Path) -> tuple[ssl.SSLContext, Path]:
    """A Central System's TLS context with a self-signed certificate for 127.0.0.1, and that
    certificate as a file: its own trust anchor, what ``--ca`` is given."""
    cert, key = self_signed(tmp_path, "127.0.0.1", ip="127.0.0.1")
    server_tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_tls.load_cert_chain(cert, key)
    return server_tls, cert


async def test_basic_auth_over_tls_with_a_trust_anchor(tmp_path: Path) -> None:
    server_tls, ca = _tls(tmp_path)
    csms = FleetCsms(heartbeat_interval=30, passwords=lambda identity: f"{identity}-key")
    await csms.start(ssl=server_tls)
    client_tls = ssl.create_default_context(cafile=str(ca))  # what --ca builds
    try:
        right = StationTemplate(password="{identity}-key")
        wrong = StationTemplate(identity="BAD{N}", password="guess")
        options = FleetOptions(stations=5, duration=1.5, stop_timeout=5.0, seed=3)
        link = Link(csms.url, ssl=client_tls, reconnect_min=5.0, reconnect_max=5.0)
        good = await Fleet(SPEC, right, _IDLE, link, options).run(asyncio.Event())
        bad = await Fleet(SPEC, wrong, _IDLE, link, options).run(asyncio.Event())
    finally:
        await csms.stop()
    assert csms.url.startswith("wss://")
    assert good.ok, good.problems
    assert len(csms.accepted) == 5 and csms.unauthorized == 5
    assert bad.problems[0] == (
        "5 of 5 stations were never accepted (0 rejected, 5 failed connection attempts)"
    )
    assert any("401" in kind for kind in bad.summary["errors"])


async def test_several_pics_files_make_a_mixed_fleet() -> None:
    csms = FleetCsms(heartbeat_interval=30)
    await csms.start()
    pics = _ROOT / "specs" / "ocpp16" / "pics"
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            "from compiler.cli import main; main()",
            "fleet",
            "--csms",
            csms.url,
            "--stations",
            "4",
            "--pics",
            str(pics / "core-only.yaml"),
            "--pics",
            str(pics / "wallbox.yaml"),
            "--duration",
            "1.5",
            "--no-transactions",
            "--quiet",
            cwd=_ROOT,
            stderr=asyncio.subprocess.PIPE,
        )
        _, err = await asyncio.wait_for(process.communicate(), 40)
    finally:
        await csms.stop()
    assert process.returncode == 0, err.decode()
    # The stations take the files in turn, and say what their PICS says they are.
    assert csms.models == {
        "CP00001": "Core One",
        "CP00002": "Acme Duo 22",
        "CP00003": "Core One",
        "CP00004": "Acme Duo 22",
    }
    # One connector for the core-only device, two for the wallbox (StatusNotification 0..n).
    assert csms.actions["StatusNotification"] == 2 * 2 + 2 * 3
