"""Run a scenario (steps as data) against a DUT, playing the Central System.

Steps (see docs/spec-language.md): ``tester`` applies a physical stimulus; ``observe`` reads
the hardware (is the cable locked?) and compares; ``expect`` waits for
the next CALL of the charge point and matches its payload partially, then answers it;
``any_order`` does the same for several CALLs that may come in any order; ``silence`` requires
that no CALL arrives for a while; ``advance`` lets time pass while answering Heartbeats;
``send`` makes the test system send a CALL and checks the answer. Payloads are matched by
:func:`runtime.conformance.matching.mismatches`. A scenario's ``setup_steps`` are played
first: the compiler writes there the steps of the reusable test states its setup selects
(test_states.yaml), so the runner knows no test state. A mismatch raises
:class:`ScenarioFailed` naming the step and where it is in the spec.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.conformance.dut import CallOutcome, Dut, ReceivedCall
from runtime.conformance.matching import mismatches
from runtime.errors import ChargespecError
from runtime.ocppj.datetime import to_iso8601
from runtime.ocppj.errors import LocalProtocolError

__all__ = ["ScenarioFailed", "Transcript", "run_scenario"]

DEFAULT_WITHIN = 30.0

Step = Mapping[str, Any]


class ScenarioFailed(ChargespecError, AssertionError):
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
    """``value`` as JSON data (generated modules hold lists as tuples) with ``$now`` and
    ``$<name>`` of ``values`` filled in."""
    if isinstance(value, dict):
        return {k: _substitute(v, now, values) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_substitute(v, now, values) for v in value]
    if value == "$now":
        return to_iso8601(now)
    if isinstance(value, str) and value.startswith("$") and value[1:] in values:
        return values[value[1:]]
    return value


def _outcome_problem(expectation: Mapping[str, Any], outcome: CallOutcome) -> str | None:
    """What is wrong with the answer to a CALL of the test system, or None.

    ``expectation`` is the IR form: ``{"$none": True}`` (no answer at all), ``{"$error": code}``
    (a CALLERROR), ``{"$result": {...}, "$error": code}`` (either), or a result payload.
    """
    if "$none" in expectation:
        answered = outcome.result is not None or outcome.error_code is not None
        return f"expected no answer, got {outcome}" if answered else None
    wanted_error = expectation.get("$error")
    error_only = "$error" in expectation and "$result" not in expectation
    wanted_result = None if error_only else expectation.get("$result", expectation)
    error_ok = (
        wanted_error is not None
        and outcome.error_code is not None
        and not mismatches({"code": wanted_error}, {"code": outcome.error_code})
    )
    result_ok = (
        wanted_result is not None
        and outcome.result is not None
        and not mismatches(wanted_result, outcome.result)
    )
    if error_ok or result_ok:
        return None
    wanted = []
    if wanted_result is not None:
        wanted.append(f"a result matching {wanted_result}")
    if wanted_error is not None:
        wanted.append(f"CALLERROR {wanted_error}")
    return f"expected {' or '.join(wanted)}, got {outcome}"


class _Run:
    def __init__(self, dut: Dut, values: Mapping[str, Any], transcript: Transcript) -> None:
        self.dut = dut
        self.values = values
        self.t = transcript

    def fail(self, step: Step, message: str) -> ScenarioFailed:
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

    def _problems(self, wanted: Step, call: ReceivedCall) -> list[str]:
        """Why ``call`` is not the CALL ``wanted`` (an expect step or an any_order item)."""
        if call.action != wanted["name"]:
            return [f"expected {wanted['name']}, got {call.action} {call.payload}"]
        expected = _substitute(wanted.get("payload") or {}, self.dut.now(), self.values)
        problems = mismatches(expected, call.payload)
        return [f"{call.action} does not match: {'; '.join(problems)}"] if problems else []

    async def _receive(self, step: Step, wanted: Sequence[Step]) -> None:
        """Take CALLs until each of ``wanted`` matched one (in any order), answering each;
        Heartbeats nobody waits for are answered and skipped."""
        within = float(step.get("seconds") or DEFAULT_WITHIN)
        started = self.dut.now()
        pending = list(wanted)
        for _ in range(1000):
            if not pending:
                return
            remaining = within - (self.dut.now() - started)
            call = await self.dut.next_call(max(remaining, 0.0))
            names = " and ".join(str(w["name"]) for w in pending)
            if call is None:
                raise self.fail(step, f"no {names} within {within:g} s")
            self.t.add(self.dut.now(), f"> {call.action} {call.payload}")
            reasons = [self._problems(w, call) for w in pending]
            match = next((w for w, r in zip(pending, reasons, strict=True) if not r), None)
            if match is not None:
                pending.remove(match)
                await self.answer(call, match.get("reply"))
            elif call.action == "Heartbeat":
                await self.answer(call, None)  # heartbeats may come at any time
            else:
                raise self.fail(step, " / ".join(r[0] for r in reasons))
        raise self.fail(step, "too many messages")

    async def expect(self, step: Step) -> None:
        await self._receive(step, [step])

    async def any_order(self, step: Step) -> None:
        await self._receive(step, step["items"])

    async def quiet(self, step: Step, allow_heartbeat: bool) -> None:
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

    async def silence(self, step: Step) -> None:
        await self.quiet(step, allow_heartbeat=False)

    async def advance(self, step: Step) -> None:
        await self.quiet(step, allow_heartbeat=True)

    async def send(self, step: Step) -> None:
        expectation = _substitute(step.get("reply") or {}, self.dut.now(), self.values)
        wait = float(step.get("seconds") or DEFAULT_WITHIN)
        payload = _substitute(step.get("payload") or {}, self.dut.now(), self.values)
        unchecked = bool(step.get("unchecked"))
        self.t.add(self.dut.now(), f"< {step['name']} {payload}{' (unchecked)' * unchecked}")
        try:
            outcome = await self.dut.send_call(step["name"], payload, wait, check=not unchecked)
        except LocalProtocolError as error:
            hint = "mark the step unchecked: true to send it anyway"
            raise self.fail(
                step, f"the test system refuses its own CALL: {error}; {hint}"
            ) from None
        self.t.add(self.dut.now(), f"> answer {outcome.result or outcome.error_code or 'none'}")
        problem = _outcome_problem(expectation, outcome)
        if problem is not None:
            raise self.fail(step, problem)

    async def tester(self, step: Step) -> None:
        self.t.add(self.dut.now(), f"* tester {step['name']} {step.get('payload') or {}}")
        await self.dut.tester(step["name"], dict(step.get("payload") or {}))

    async def observe(self, step: Step) -> None:
        expected = (step.get("reply") or {}).get("$is")
        try:
            seen = await self.dut.observe(step["name"], dict(step.get("payload") or {}))
        except (LookupError, ValueError) as error:  # no observer; unknown name or connector
            raise self.fail(step, f"cannot observe {step['name']}: {error}") from None
        self.t.add(self.dut.now(), f"* observe {step['name']} {step.get('payload') or {}} = {seen}")
        if seen != expected:
            raise self.fail(step, f"{step['name']} is {seen!r}, expected {expected!r}")


async def run_scenario(
    scenario: Mapping[str, Any],
    dut: Dut,
    *,
    values: Mapping[str, Any] | None = None,
    on_line: Callable[[str], None] | None = None,
) -> Transcript:
    """Play one scenario against a started DUT: its ``setup_steps``, then its ``steps``.

    Raises:
        ScenarioFailed: on the first step that does not hold.
    """
    transcript = Transcript()
    run = _Run(dut, values or {}, transcript)
    handlers: dict[str, Callable[[Step], Awaitable[None]]] = {
        "expect": run.expect,
        "any_order": run.any_order,
        "send": run.send,
        "tester": run.tester,
        "observe": run.observe,
        "silence": run.silence,
        "advance": run.advance,
    }
    for step in (*scenario.get("setup_steps", ()), *scenario["steps"]):
        if step.get("comment"):
            transcript.add(dut.now(), f"# {step['comment']}")
        handler = handlers.get(step["kind"])
        if handler is not None:
            await handler(step)
    if on_line is not None:
        for line in transcript.lines:
            on_line(line)
    return transcript
