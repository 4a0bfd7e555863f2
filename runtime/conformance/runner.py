"""Run a scenario (steps as data) against a DUT, playing the Central System.

Steps (see docs/spec-language.md): ``tester`` applies a physical stimulus; ``expect`` waits for
the next CALL of the charge point and matches its payload partially, then answers it;
``silence`` requires that no CALL arrives for a while; ``advance`` lets time pass while
answering Heartbeats; ``send`` makes the test system send a CALL and checks the answer.
A mismatch raises :class:`ScenarioFailed` naming the step and where it is in the spec.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from runtime.clock import to_iso8601
from runtime.conformance.dut import Dut, ReceivedCall

__all__ = ["ScenarioFailed", "Transcript", "run_scenario"]

DEFAULT_WITHIN = 30.0
BOOT_INTERVAL = 300


class ScenarioFailed(AssertionError):
    """A step of a scenario did not hold."""


@dataclass
class Transcript:
    """What happened, step by step, for the report."""

    lines: list[str] = field(default_factory=list)

    def add(self, now: float, text: str) -> None:
        self.lines.append(f"[{to_iso8601(now)}] {text}")

    def __str__(self) -> str:
        return "\n".join(self.lines)


def _substitute(value: Any, now: float, values: Mapping[str, Any]) -> Any:
    if isinstance(value, dict):
        return {k: _substitute(v, now, values) for k, v in value.items()}
    if isinstance(value, list):
        return [_substitute(v, now, values) for v in value]
    if value == "$now":
        return to_iso8601(now)
    if isinstance(value, str) and value.startswith("$") and value[1:] in values:
        return values[value[1:]]
    return value


def _matches(expected: Mapping[str, Any], actual: Mapping[str, Any]) -> list[str]:
    """Fields of ``expected`` that ``actual`` does not have (partial match, recursive)."""
    problems = []
    for key, want in expected.items():
        got = actual.get(key)
        if isinstance(want, dict) and isinstance(got, dict):
            problems += [f"{key}.{p}" for p in _matches(want, got)]
        elif got != want:
            problems.append(f"{key}: expected {want!r}, got {got!r}")
    return problems


class _Run:
    def __init__(self, dut: Dut, values: Mapping[str, Any], transcript: Transcript) -> None:
        self.dut = dut
        self.values = values
        self.t = transcript

    def fail(self, step: Mapping[str, Any], message: str) -> ScenarioFailed:
        self.t.add(self.dut.now(), f"FAILED: {message}")
        return ScenarioFailed(f"{step.get('at', '?')}: {message}\n--- transcript ---\n{self.t}")

    async def answer(self, call: ReceivedCall, reply: Mapping[str, Any] | None) -> None:
        if reply is not None and "$error" in reply:
            await self.dut.reply_error(call, str(reply["$error"]), "test system error reply")
            self.t.add(self.dut.now(), f"< CALLERROR {reply['$error']}")
            return
        if reply is None:
            reply = {"currentTime": "$now"} if call.action == "Heartbeat" else {}
        payload = _substitute(dict(reply), self.dut.now(), self.values)
        await self.dut.reply(call, payload)
        self.t.add(self.dut.now(), f"< {call.action}.conf {payload}")

    async def expect(self, step: Mapping[str, Any]) -> None:
        within = float(step.get("seconds") or DEFAULT_WITHIN)
        started = self.dut.now()
        for _ in range(1000):
            remaining = within - (self.dut.now() - started)
            call = await self.dut.next_call(max(remaining, 0.0))
            if call is None:
                raise self.fail(step, f"no {step['name']} within {within:g} s")
            self.t.add(self.dut.now(), f"> {call.action} {call.payload}")
            if call.action == "Heartbeat" and step["name"] != "Heartbeat":
                await self.answer(call, None)  # heartbeats may come at any time
                continue
            if call.action != step["name"]:
                raise self.fail(step, f"expected {step['name']}, got {call.action} {call.payload}")
            wanted = _substitute(step.get("payload") or {}, self.dut.now(), self.values)
            problems = _matches(wanted, call.payload)
            if problems:
                raise self.fail(step, f"{call.action} does not match: {'; '.join(problems)}")
            await self.answer(call, step.get("reply"))
            return
        raise self.fail(step, "too many heartbeats")

    async def quiet(self, step: Mapping[str, Any], allow_heartbeat: bool) -> None:
        seconds = float(step["seconds"])
        end = self.dut.now() + seconds
        for _ in range(1000):
            call = await self.dut.next_call(max(end - self.dut.now(), 0.0))
            if call is None:
                self.t.add(self.dut.now(), f"  ({seconds:g} s passed)")
                return
            self.t.add(self.dut.now(), f"> {call.action} {call.payload}")
            if not (allow_heartbeat and call.action == "Heartbeat"):
                raise self.fail(step, f"expected no message for {seconds:g} s, got {call.action}")
            await self.answer(call, None)
        raise self.fail(step, "too many messages")

    async def silence(self, step: Mapping[str, Any]) -> None:
        await self.quiet(step, allow_heartbeat=False)

    async def advance(self, step: Mapping[str, Any]) -> None:
        await self.quiet(step, allow_heartbeat=True)

    async def send(self, step: Mapping[str, Any]) -> None:
        expectation = step.get("reply") or {}
        wait = float(step.get("seconds") or DEFAULT_WITHIN)
        payload = _substitute(step.get("payload") or {}, self.dut.now(), self.values)
        self.t.add(self.dut.now(), f"< {step['name']} {payload}")
        outcome = await self.dut.send_call(step["name"], payload, wait)
        self.t.add(self.dut.now(), f"> answer {outcome.result or outcome.error_code or 'none'}")
        if "$none" in expectation:
            if outcome.result is not None or outcome.error_code is not None:
                raise self.fail(step, f"expected no answer, got {outcome}")
        elif "$error" in expectation:
            if outcome.error_code != expectation["$error"]:
                raise self.fail(step, f"expected CALLERROR {expectation['$error']}, got {outcome}")
        elif outcome.result is None or _matches(expectation, outcome.result):
            raise self.fail(step, f"expected a result matching {expectation}, got {outcome}")

    async def tester(self, step: Mapping[str, Any]) -> None:
        self.t.add(self.dut.now(), f"* tester {step['name']} {step.get('payload') or {}}")
        await self.dut.tester(step["name"], dict(step.get("payload") or {}))

    async def boot_accepted(self, connectors: int) -> None:
        """The reusable 'Booted' state: boot Accepted and every connector reported."""
        boot = {"kind": "expect", "name": "BootNotification", "at": "setup"}
        reply = {"status": "Accepted", "currentTime": "$now", "interval": BOOT_INTERVAL}
        await self.expect({**boot, "reply": reply})
        for connector in range(connectors + 1):
            payload = {"connectorId": connector}
            await self.expect(
                {"kind": "expect", "name": "StatusNotification", "payload": payload, "at": "setup"}
            )


async def run_scenario(
    scenario: Mapping[str, Any],
    dut: Dut,
    *,
    values: Mapping[str, Any] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Transcript:
    """Play one scenario against a started DUT; raises ScenarioFailed on the first mismatch."""
    transcript = Transcript()
    run = _Run(dut, values or {}, transcript)
    setup = scenario.get("setup", {})
    if setup.get("boot") == "accepted":
        await run.boot_accepted(int(setup.get("connectors", 1)))
    handlers: dict[str, Callable[[Mapping[str, Any]], Awaitable[None]]] = {
        "expect": run.expect,
        "send": run.send,
        "tester": run.tester,
        "silence": run.silence,
        "advance": run.advance,
    }
    for step in scenario["steps"]:
        if step.get("comment"):
            transcript.add(dut.now(), f"# {step['comment']}")
        handler = handlers.get(step["kind"])
        if handler is not None:
            await handler(step)
    if on_line is not None:
        for line in transcript.lines:
            on_line(line)
    return transcript
