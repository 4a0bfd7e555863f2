"""An operator session on this process's terminal, for tests/runtime/test_operator.py.

Run as ``python operator_session.py`` with a pseudo-terminal as standard input and output.
It plays a fixed sequence of prompts through :class:`OperatorBackend` with the real registry
and prints each outcome as a line ``@@ {json}``; the test types the answers.
"""

from __future__ import annotations

import asyncio
import json
import sys
import termios
from collections.abc import Awaitable, Callable
from typing import Any

from generated.ocpp16.registry import SPEC
from runtime.conformance.operator import OperatorBackend
from runtime.conformance.tester_backend import CaseAborted

_TICK = 0.02
_MAX_TICKS = 50_000


def report(**outcome: Any) -> None:
    """One outcome line for the test to parse."""
    sys.stdout.write("@@ " + json.dumps(outcome, sort_keys=True) + "\n")
    sys.stdout.flush()


async def play(step: str, ask: Callable[[], Awaitable[Any]]) -> None:
    """Ask one question and report its answer or its abort, with the loop's ticks meanwhile.

    The ticks stand for the Heartbeats the test system answers while the operator walks to
    the charge point: they only advance if the prompt does not block the event loop.
    """
    ticks = 0

    async def heartbeat() -> None:
        nonlocal ticks
        for _ in range(_MAX_TICKS):
            await asyncio.sleep(_TICK)
            ticks += 1

    beating = asyncio.create_task(heartbeat())
    try:
        report(step=step, result=await ask(), ticks=ticks)
    except CaseAborted as exc:
        report(step=step, aborted=str(exc), ticks=ticks)
    finally:
        beating.cancel()


async def main() -> None:
    """The fixed sequence test_operator.py answers."""
    mode = termios.tcgetattr(0)
    patient = OperatorBackend(SPEC, timeout=60)
    patient.set_context("TC_OPERATOR_1", "Plug in and look at the lock")
    await play("plug_in", lambda: patient.act("plug_in", {"connector": 1}))
    await play("locked", lambda: patient.observe("cable_locked", {"connector": 2}))
    await play("id_tag", lambda: patient.act("present_id_tag", {"connector": 1, "idTag": "TAG42"}))
    patient.set_context("TC_OPERATOR_2", "Answer again")
    await play("retry", lambda: patient.observe("cable_locked", {"connector": 1}))
    patient.progress("waiting up to 5 s for StatusNotification")
    await patient.close()

    hasty = OperatorBackend(SPEC, timeout=0.5)
    await play("timeout", lambda: hasty.act("unplug", {"connector": 1}))
    await play("eof", lambda: hasty.act("plug_in", {"connector": 2}))
    await hasty.close()
    report(step="done", mode_kept=termios.tcgetattr(0) == mode)


if __name__ == "__main__":
    asyncio.run(main())
