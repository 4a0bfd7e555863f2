"""Operator mode end to end: ``chargespec test --dut`` with ``backend: operator`` on a
pseudo-terminal, against ``chargespec sim`` in another process.

The test is the person at the terminal: it reads each prompt off the pty, performs the
physical step it asks for on the simulated charge point (through the simulator's tester API,
as a hand on the hardware would), reads the hardware for a question, and answers: Enter when
done, ``y``/``n`` for an observation. The prompts are matched against the events.yaml prompt
texts, so a prompt that does not say what to do fails the test.
"""

from __future__ import annotations

import asyncio
import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance.run_record import RunRecord
from runtime.conformance.tester_api_client import TesterApiClient
from tests.interop.external_run import CHARGESPEC, ROOT, TIME_SCALE, new_lab, running, sim_args

PICS = ROOT / "specs" / "ocpp16" / "pics" / "core-only.yaml"
DEADLINE = 240.0  # wall seconds for the whole conversation
pytestmark = pytest.mark.timeout(300)


def _patterns() -> list[tuple[str, str, re.Pattern[str]]]:
    """(kind, name, regex) of every prompt: ``{field}`` becomes a named group."""
    found = []
    for kind, events in (("act", SPEC.tester_events), ("observe", SPEC.observations)):
        for name, event in events.items():
            parts = re.split(r"\{(\w+)\}", event.prompt)
            regex = "".join(
                re.escape(part) if i % 2 == 0 else f"(?P<{part}>\\S+?)"
                for i, part in enumerate(parts)
            )
            found.append((kind, name, re.compile(regex)))
    return found


def _typed(name: str, fields: dict[str, str], events: Any) -> dict[str, Any]:
    schema = events[name].params_schema["properties"]
    return {k: int(v) if schema[k].get("type") == "integer" else v for k, v in fields.items()}


def _perform(url: str, kind: str, name: str, payload: dict[str, Any]) -> Any:
    async def go() -> Any:
        client = TesterApiClient(url, SPEC, timeout=10)
        try:
            if kind == "act":
                return await client.act(name, payload)
            return await client.observe(name, payload)
        finally:
            await client.close()

    return asyncio.run(go())


def test_an_operator_at_the_terminal_performs_every_physical_step(tmp_path: Path) -> None:
    lab = new_lab(tmp_path / "op")
    text = lab.dut.read_text(encoding="utf-8")
    lab.dut.write_text(
        re.sub(r"  tester: .*\n", "  tester: {backend: operator, prompt_timeout: 60}\n", text),
        encoding="utf-8",
    )
    api = f"ws://127.0.0.1:{lab.api_port}/"
    patterns = _patterns()
    performed: list[tuple[str, str, dict[str, Any]]] = []
    master, slave = pty.openpty()
    args = [
        CHARGESPEC, "test", "--pics", str(PICS), "--dut", str(lab.dut),
        "--record", str(lab.work / "run.json"), "--", "-q", "-p", "no:cacheprovider",
        "-k", "tc_005_1_cs",
    ]  # fmt: skip
    with running(sim_args(lab, PICS), tmp_path / "sim.log"):
        process = subprocess.Popen(args, cwd=ROOT, stdin=slave, stdout=slave, stderr=slave)
        os.close(slave)
        screen = ""
        end = time.monotonic() + DEADLINE
        try:
            for _ in range(10_000):
                if process.poll() is not None or time.monotonic() > end:
                    break
                ready, _, _ = select.select([master], [], [], 0.5)
                if not ready:
                    continue
                try:
                    chunk = os.read(master, 4096).decode("utf-8", "replace")
                except OSError:  # the child closed the terminal
                    break
                screen += chunk
                line = screen.rstrip().splitlines()[-1] if screen.strip() else ""
                if not line.endswith("(a = abort this case) >"):
                    continue
                for kind, name, regex in patterns:
                    match = regex.search(screen[-600:])
                    if match is None:
                        continue
                    events = SPEC.tester_events if kind == "act" else SPEC.observations
                    payload = _typed(name, match.groupdict(), events)
                    seen = _perform(api, kind, name, payload)
                    performed.append((kind, name, payload))
                    answer = "\n" if kind == "act" else ("y\n" if seen else "n\n")
                    os.write(master, answer.encode())
                    screen = ""
                    break
            code = process.wait(timeout=30)
        finally:
            if process.poll() is None:
                process.kill()
            os.close(master)
    record = RunRecord.read(lab.work / "run.json")
    (case,) = [c for c in record.cases if c.case_id == "TC_005_1_CS"]
    assert code == 0 and case.verdict == "passed", (case.reason, screen[-2000:])
    names = [name for _, name, _ in performed]
    # Started unplugs, Charging plugs in and presents the card, the case unplugs at the EV
    # and asks whether the lock opened.
    assert names[:3] == ["unplug", "plug_in", "present_id_tag"], names
    assert "ev_unplug" in names and ("observe", "cable_locked", {"connector": 1}) in performed
    assert ("act", "present_id_tag", {"connector": 1, "idTag": "TAG-0001"}) in performed
    assert TIME_SCALE > 1  # the simulator's clock runs fast; the operator's answers do not
