"""Crash safety: SIGKILL the simulated station again and again; no transaction may be lost.

``chargespec sim --db FILE --sessions …`` runs as a separate process against a Central System
built with PyPI ``ocpp`` in this test (127.0.0.1, a free port). With a fixed seed the test kills
the process with SIGKILL at fifty points, most of them while a transaction runs (a
random 0.2–2.5 s after the Central System saw a StartTransaction or a MeterValues), the rest
around boots, stops and start-up, and restarts it on the same database each time. A last run
plays no session and exits once the station's transaction message queue is empty.

What OCPP 1.6 requires, checked on everything the Central System received:

* §3.7 / §4.2: transaction-related messages are kept across a power loss and delivered in
  order: each transaction's StartTransaction comes before its MeterValues and its
  StopTransaction, and its MeterValues are in timestamp order within [start, stop].
* §4.10 / §5.14: a transaction left open by the power loss is stopped with reason PowerLoss
  once the Charge Point is accepted again, so every started transaction gets exactly one
  StopTransaction: none is lost.
* §3.7 retries: a message whose answer was lost in the kill is sent again, identical, after the
  restart. Such duplicates are allowed and counted; any other repeat is an error.
* errata E3.9: the energy register never goes back (meterStart ≤ samples ≤ meterStop).

Random kills seldom land in the milliseconds between two SQLite commits of one step, so a second
test runs the station in process on virtual time and kills it after every single store write of
a session, and of the restart that stops an interrupted transaction, with the same checks.

Every wait is bounded; the SIGKILL test takes two to three minutes, the other a few seconds.
Select both with ``-k crash``.
"""

from __future__ import annotations

import asyncio
import json
import random
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from runtime.station.store import Store
from tests.interop.csms_recorder import Received, Recorder, serve_csms

pytestmark = pytest.mark.timeout(330)

CHARGESPEC = (sys.executable, "-c", "from compiler.cli import main; main()")
ROOT = Path(__file__).resolve().parents[2]
SEED = 1616
KILLS = 50
CHARGE_SECONDS = 3.0
# What a kill waits for in the run it ends, how often, and how long after it the kill comes.
TRIGGERS: dict[str, tuple[int, float, float]] = {
    "StartTransaction": (30, 0.2, 2.5),
    "MeterValues": (30, 0.2, 2.5),
    "StopTransaction": (10, 0.0, 1.0),
    "BootNotification": (15, 0.0, 0.5),
    "spawn": (15, 0.3, 1.5),
}
TRIGGER_WAIT = 12.0  # the longest wait for a trigger; the kill comes anyway after it
POLL = 0.01
FINAL_RUN_LIMIT = 60.0


@dataclass
class KillPoint:
    """One SIGKILL: what it waited for, and how many transactions of its run were open."""

    run: int
    trigger: str
    delay: float
    triggered: bool = False
    open_transactions: int = 0
    exited: int | None = None  # the station's exit code, had it ended before the kill


@dataclass
class Figures:
    """What the run produced, for the report and the assertions."""

    kills: list[KillPoint] = field(default_factory=list)
    transactions: int = 0
    stops: Counter[str] = field(default_factory=Counter)
    duplicates: Counter[str] = field(default_factory=Counter)
    meter_values: int = 0
    # Started at the Central System but never stopped there, or recorded by the station but
    # never heard of at the Central System.
    lost: int = 0
    problems: list[str] = field(default_factory=list)
    wall: float = 0.0

    def report(self) -> str:
        kinds = Counter(k.trigger for k in self.kills)
        mid = sum(1 for k in self.kills if k.open_transactions)
        return (
            f"kill points: {len(self.kills)} ({mid} while a transaction of that run was open; "
            f"by trigger {dict(sorted(kinds.items()))}); transactions: {self.transactions}; "
            f"stops by reason: {dict(sorted(self.stops.items()))}; meter values: "
            f"{self.meter_values}; duplicates: {sum(self.duplicates.values())} "
            f"{dict(sorted(self.duplicates.items()))}; lost: {self.lost}; "
            f"problems: {len(self.problems)}; wall time: {self.wall:.1f} s"
        )


def _plan(rng: random.Random) -> list[KillPoint]:
    names = list(TRIGGERS)
    weights = [TRIGGERS[n][0] for n in names]
    plan = []
    for run in range(KILLS):
        trigger = rng.choices(names, weights)[0]
        _, low, high = TRIGGERS[trigger]
        plan.append(KillPoint(run, trigger, round(rng.uniform(low, high), 3)))
    # At least one of each, so every kind of moment is covered whatever the seed.
    for trigger, run in zip(names, range(0, KILLS, KILLS // len(names)), strict=False):
        _, low, high = TRIGGERS[trigger]
        plan[run] = KillPoint(run, trigger, round(rng.uniform(low, high), 3))
    return plan


def _command(url: str, db: Path, *extra: str) -> list[str]:
    return [
        *CHARGESPEC,
        "sim",
        *("--csms", url, "--id", "CP-CRASH", "--connectors", "2", "--round-robin"),
        *("--db", str(db), "--charge-seconds", str(CHARGE_SECONDS)),
        *("--config", "MeterValueSampleInterval=1", "--seed", str(SEED)),
        *extra,
    ]


async def _wait_for(condition: Callable[[], bool], limit: float) -> bool:
    for _ in range(int(limit / POLL)):
        if condition():
            return True
        await asyncio.sleep(POLL)
    return condition()


def _running_at_csms(recorder: Recorder, mark: int) -> int:
    """Transactions started on this run (CALLs from ``mark`` on) and not stopped yet."""
    stopped = {c.payload["transactionId"] for c in recorder.of("StopTransaction")}
    started = {
        recorder.known_transaction(c.payload)
        for c in recorder.calls[mark:]
        if c.action == "StartTransaction"
    }
    return len(started - stopped)


async def _kill_run(url: str, db: Path, log: Any, recorder: Recorder, point: KillPoint) -> None:
    """Start the station, wait for the point's trigger (bounded), wait its delay, SIGKILL."""
    mark = len(recorder.calls)
    log.write(f"\n===== run {point.run}: kill {point.delay} s after {point.trigger}\n")
    log.flush()
    process = await asyncio.create_subprocess_exec(
        *_command(url, db, "--sessions", "1000"), cwd=ROOT, stdout=log, stderr=log
    )
    try:
        if point.trigger == "spawn":
            point.triggered = True
        else:
            point.triggered = await _wait_for(
                lambda: recorder.first_since(mark, lambda c: c.action == point.trigger) is not None,
                TRIGGER_WAIT,
            )
        await asyncio.sleep(point.delay)
        point.open_transactions = _running_at_csms(recorder, mark)
    finally:
        if process.returncode is None:
            process.kill()  # SIGKILL: no clean-up of any kind in the station
        else:
            point.exited = process.returncode
        await process.wait()


async def _final_run(url: str, db: Path, log: Any) -> int:
    log.write("\n===== final run: no sessions, until the queue is empty\n")
    log.flush()
    process = await asyncio.create_subprocess_exec(
        *_command(url, db, "--sessions", "0", "--duration", str(FINAL_RUN_LIMIT - 10)),
        cwd=ROOT,
        stdout=log,
        stderr=log,
    )
    try:
        return await asyncio.wait_for(process.wait(), FINAL_RUN_LIMIT)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


# --- the checks --------------------------------------------------------------------------


def _canonical(call: Received) -> str:
    return call.action + json.dumps(call.payload, sort_keys=True)


def _time(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _energy(call: Received) -> list[tuple[datetime, int]]:
    return [
        (_time(value["timestamp"]), int(sample["value"]))
        for value in call.payload["meterValue"]
        for sample in value["sampledValue"]
        if sample.get("measurand", "Energy.Active.Import.Register")
        == "Energy.Active.Import.Register"
    ]


def _without_duplicates(recorder: Recorder, figures: Figures) -> list[Received]:
    """The transaction messages, each once; count the allowed resends, report the others.

    A resend after a kill is the head of the station's queue, sent again first thing on the
    next connection: identical to the message the Central System received just before it.
    """
    distinct: list[Received] = []
    seen: set[str] = set()
    for call in (c for c in recorder.calls if c.transaction_related):
        key = _canonical(call)
        if distinct and key == _canonical(distinct[-1]):
            if call.connection <= distinct[-1].connection:
                figures.problems.append(f"resent on the same connection: {call}")
            figures.duplicates[call.action] += 1
            continue
        if key in seen:
            figures.problems.append(f"repeated out of order: {call}")
            continue
        seen.add(key)
        distinct.append(call)
    return distinct


def _check_transaction(
    start: Received, stops: list[Received], samples: list[Received], figures: Figures
) -> None:
    """One transaction's messages: order, time window, energy register."""
    name = f"transaction of StartTransaction #{start.index}"
    if len(stops) != 1:
        figures.problems.append(f"{name}: {len(stops)} StopTransaction messages")
        if not stops:
            figures.lost += 1
        return
    stop = stops[0]
    figures.stops[stop.payload.get("reason", "Local")] += 1
    begin, end = _time(start.payload["timestamp"]), _time(stop.payload["timestamp"])
    if not start.index < stop.index or begin > end:
        figures.problems.append(f"{name}: stopped before it started ({stop})")
    readings = [(begin, start.payload["meterStart"])]
    for sample in samples:
        if not start.index < sample.index < stop.index:
            figures.problems.append(f"{name}: MeterValues outside start..stop: {sample}")
        readings.extend(_energy(sample))
    readings.append((end, stop.payload["meterStop"]))
    times, energy = [t for t, _ in readings], [e for _, e in readings]
    if times != sorted(times) or energy != sorted(energy) or not begin <= min(times):
        figures.problems.append(f"{name}: meter values out of order or window: {readings}")


def analyse(recorder: Recorder, figures: Figures) -> None:
    """Check everything the Central System received; fill in ``figures``."""
    distinct = _without_duplicates(recorder, figures)
    starts: dict[int, Received] = {}
    for call in distinct:
        if call.action == "StartTransaction":
            transaction_id = recorder.known_transaction(call.payload)
            assert transaction_id is not None
            starts[transaction_id] = call
    figures.transactions = len(starts)
    stops: dict[int, list[Received]] = {t: [] for t in starts}
    samples: dict[int, list[Received]] = {t: [] for t in starts}
    for call in distinct:
        if call.action == "StartTransaction":
            continue
        target = stops if call.action == "StopTransaction" else samples
        transaction_id = call.payload["transactionId"]
        if transaction_id not in target:
            figures.problems.append(f"{call.action} for an unknown transaction: {call}")
            continue
        target[transaction_id].append(call)
        figures.meter_values += call.action == "MeterValues"
    for transaction_id, start in starts.items():
        _check_transaction(start, stops[transaction_id], samples[transaction_id], figures)


def check_station_store(db: Path, recorder: Recorder, figures: Figures) -> None:
    """The station's own memory agrees: nothing open, nothing queued, every id known."""
    known = {recorder.known_transaction(c.payload) for c in recorder.of("StartTransaction")}
    with Store(db) as store:
        if store.open_transactions():
            figures.problems.append(f"still open in the station: {store.open_transactions()}")
        if store.queue_length():
            figures.problems.append(f"still queued in the station: {store.queued()}")
        ref = 1
        while ref < store.next_transaction_ref():
            record = store.transaction(ref)
            if record is not None and record.transaction_id not in known:
                figures.problems.append(f"the Central System never heard of {record}")
                figures.lost += 1
            ref += 1


async def test_crash_sigkill_loses_no_transaction(tmp_path: Path) -> None:
    began = time.monotonic()
    figures = Figures(kills=_plan(random.Random(SEED)))
    recorder = Recorder()
    db = tmp_path / "station.db"
    with (tmp_path / "sim.log").open("w") as log:
        async with serve_csms(recorder) as url:
            for point in figures.kills:
                await _kill_run(url, db, log, recorder, point)
            code = await _final_run(url, db, log)
    figures.wall = time.monotonic() - began
    analyse(recorder, figures)
    check_station_store(db, recorder, figures)
    print(figures.report())
    transcript = (tmp_path / "sim.log").read_text()
    assert code == 0, transcript[-3000:]
    assert "< [4," not in transcript, "the ocpp library refused a CALL"
    assert len(figures.kills) >= 50
    assert not [k for k in figures.kills if k.exited is not None], figures.kills
    assert sum(1 for k in figures.kills if k.open_transactions) >= KILLS // 3, figures.report()
    assert figures.stops["PowerLoss"] >= KILLS // 4, figures.report()
    assert figures.lost == 0, figures.report() + "\n" + "\n".join(figures.problems)
    assert not figures.problems, figures.report() + "\n" + "\n".join(figures.problems)


# --- a kill between every two commits, in process ----------------------------------------
#
# Random SIGKILLs rarely land in the few milliseconds between two SQLite commits of one step.
# Here the station runs in process on virtual time against an in-memory Central System, and
# "dies" right after its k-th store write, for every k of a full session: a kill at every
# commit boundary. The store is then reopened from the file, as after a restart.

_STORE_WRITES = (
    "save_config",
    "set_state",
    "cache_put",
    "cache_clear",
    "begin_transaction",
    "set_transaction_id",
    "set_stop_reason",
    "end_transaction",
    "add_sample",
    "enqueue",
    "update_queued",
    "dequeue",
)
_T0 = 1_700_000_000.0
_PUMP_LIMIT = 200


class _Killed(BaseException):
    """The process died (BaseException, so nothing in the station can catch it)."""


class _KillingStore(Store):
    """A store whose process dies right after its ``kill_after``-th committed write."""

    def __init__(self, path: Path, kill_after: int) -> None:
        super().__init__(path)
        self.kill_after = kill_after
        self.writes: list[str] = []
        for name in _STORE_WRITES:
            setattr(self, name, self._counted(name, getattr(self, name)))

    def _counted(self, name: str, method: Callable[..., Any]) -> Callable[..., Any]:
        def write(*args: Any, **kwargs: Any) -> Any:
            result = method(*args, **kwargs)
            self.writes.append(name)
            if len(self.writes) == self.kill_after:
                raise _Killed(name)
            return result

        return write


class _MemoryCsms:
    """Answers every CALL at once, recording it like :class:`RecordingCsms` does."""

    def __init__(self, recorder: Recorder) -> None:
        self.recorder = recorder

    def answer(self, text: str, now: float) -> str | None:
        from runtime.ocppj.datetime import to_iso8601
        from runtime.ocppj.frames import Call, decode_frame

        self.recorder.record(self.recorder.connections, text)
        frame = decode_frame(text)
        if not isinstance(frame, Call):
            return None
        accepted = {"idTagInfo": {"status": "Accepted"}}
        payload: dict[str, Any] = {
            "BootNotification": {"status": "Accepted", "currentTime": to_iso8601(now)},
            "Heartbeat": {"currentTime": to_iso8601(now)},
            "Authorize": accepted,
        }.get(frame.action, {})
        if frame.action == "BootNotification":
            payload["interval"] = 300
        if frame.action == "StartTransaction":
            p = frame.payload
            transaction_id = self.recorder.transaction_id(
                p["connectorId"], p["idTag"], p["meterStart"], p["timestamp"]
            )
            payload = {"transactionId": transaction_id, **accepted}
        return json.dumps([3, frame.unique_id, payload])


def _pump(station: Any, csms: _MemoryCsms, now: float) -> None:
    for _ in range(_PUMP_LIMIT):
        frames = station.data_to_send()
        if not frames:
            return
        for text in frames:
            reply = csms.answer(text, now)
            if reply is not None:
                station.receive(reply, now)
    raise AssertionError("the station kept sending")


def _life(store: Store, csms: _MemoryCsms, start: float, session: bool) -> float:
    """Power on, connect, optionally play one session; returns the virtual time at the end."""
    from generated.ocpp16.registry import SPEC
    from runtime.sim.simulator import NonVolatileMeter
    from runtime.station.station import Station, StationIdentity

    now = start
    station = Station(
        SPEC,
        StationIdentity("CP-MEMORY"),
        connectors=1,
        now=now,
        config={"MeterValueSampleInterval": 1},
        store=store,
        hardware=NonVolatileMeter(store),
    )
    csms.recorder.connections += 1
    station.connected(now)
    _pump(station, csms, now)
    if session:
        for name, extra in (("plug_in", {}), ("present_id_tag", {"idTag": "TAG-MEM"})):
            station.tester(name, connector=1, **extra)
            _pump(station, csms, now)
        for _ in range(3):
            now += 1.0
            station.poll(now)
            _pump(station, csms, now)
        for name, extra in (("present_id_tag", {"idTag": "TAG-MEM"}), ("unplug", {})):
            station.tester(name, connector=1, **extra)
            _pump(station, csms, now)
    for _ in range(_PUMP_LIMIT):  # let the queue drain (retries are due at once here)
        if not station.queue.pending():
            break
        now += 1.0
        station.poll(now)
        _pump(station, csms, now)
    return now + 10.0


def _lives(tmp_path: Path, kills: tuple[int, ...]) -> tuple[Figures, list[list[str]]]:
    """Lives on one database: the first plays a session, the others only power on; life
    ``i`` dies after its ``kills[i]``-th write (0: it does not die). A last life drains the
    queue. Returns the figures and the writes each killable life made."""
    db = tmp_path / ("kill-" + "-".join(map(str, kills)) + ".db")
    recorder = Recorder()
    csms = _MemoryCsms(recorder)
    figures = Figures()
    now, writes = _T0, []
    for number, kill_after in enumerate(kills):
        store = _KillingStore(db, kill_after)
        try:
            now = _life(store, csms, now, session=number == 0)
        except _Killed:
            now += 5.0
        finally:
            store.close()
            writes.append(store.writes)
    with Store(db) as restarted:
        _life(restarted, csms, now, session=False)
    analyse(recorder, figures)
    check_station_store(db, recorder, figures)
    return figures, writes


def _kill_everywhere(
    tmp_path: Path, before: tuple[int, ...], count: int, failures: list[str], dups: Counter[str]
) -> None:
    """Kill the life after ``before`` at each of its ``count`` writes in turn."""
    for kill_after in range(1, count + 1):
        figures, writes = _lives(tmp_path, (*before, kill_after))
        dups += figures.duplicates
        if figures.problems or figures.lost:
            where = f"lives {(*before, kill_after)}, killed after {writes[-1][-1]!r}"
            failures.append(f"{where}: lost {figures.lost}: {figures.problems}")


def test_crash_at_every_store_commit_loses_no_transaction(tmp_path: Path) -> None:
    """A kill after every write of a session, and after every write of the restart that
    stops a transaction interrupted mid-charge (PowerLoss)."""
    clean, (session_writes,) = _lives(tmp_path, (0,))
    assert not clean.problems and clean.stops == {"Local": 1}, clean.report()
    # Mid-charge: right after StartTransaction.conf was recorded.
    mid_charge = session_writes.index("set_transaction_id") + 1
    recovering, (_, recovery_writes) = _lives(tmp_path, (mid_charge, 0))
    assert not recovering.problems and recovering.stops == {"PowerLoss": 1}, recovering.report()
    failures: list[str] = []
    duplicates: Counter[str] = Counter()
    _kill_everywhere(tmp_path, (), len(session_writes), failures, duplicates)
    _kill_everywhere(tmp_path, (mid_charge,), len(recovery_writes), failures, duplicates)
    print(
        f"commit boundaries: {len(session_writes)} in a session, {len(recovery_writes)} in "
        f"a PowerLoss recovery; duplicates: {dict(duplicates)}; failing: {len(failures)}"
    )
    assert not failures, "\n".join(failures)
