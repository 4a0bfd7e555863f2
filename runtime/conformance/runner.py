"""Run a scenario (steps as data) against a DUT, playing the Central System.

Steps (see docs/spec-language.md): ``tester`` applies a physical stimulus; ``observe`` reads
the hardware (is the cable locked?) and compares; ``expect`` waits for
the next CALL of the charge point and matches its payload partially, then answers it;
``any_order`` does the same for several CALLs that may come in any order; ``silence`` requires
that no CALL arrives for a while; ``advance`` lets time pass while answering Heartbeats;
``send`` makes the test system send a CALL and checks the answer; ``settle`` answers
whatever comes until the charge point is quiet. Payloads are matched by
:func:`runtime.conformance.matching.mismatches`. A step marked ``for_each_connector`` is
played once per connector of the device (``$connector`` its id). A scenario's
``setup_steps`` are played first: the compiler writes there the steps of the reusable test
states its setup selects (test_states.yaml), so the runner knows no test state.

A mismatch in the scenario's own steps raises :class:`ScenarioFailed`; one in its setup
steps raises :class:`PreconditionNotReached` (the case is inconclusive: the device was not
brought where the case starts). Both carry a :class:`StepFailure` naming the step, where it
is in the spec and the differing fields.

Timing (OCPP 1.6 gives intervals as minimums: a Charge Point sends its Heartbeat *after*
the interval, §4.6): a real device's clock and network add jitter, so with a :class:`Timing`
tolerance a message that ends a ``silence`` less than the tolerance early is taken by the next
step instead of failing it, and each ``within`` is that much longer; waits longer than
``progress_every`` seconds report progress.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from runtime.conformance.default_replies import DefaultReplies
from runtime.conformance.dut import Dut, ReceivedCall
from runtime.conformance.matching import Match, match, mismatches
from runtime.conformance.run_record import StepFailure
from runtime.conformance.steps import (
    Step,
    expand_connectors,
    outcome_captures,
    outcome_problem,
    step_text,
    substitute,
)
from runtime.errors import ChargespecError
from runtime.ocppj.datetime import to_iso8601
from runtime.ocppj.errors import LocalProtocolError
from runtime.spec.matchers import is_matcher

__all__ = [
    "PreconditionNotReached",
    "ScenarioFailed",
    "Timing",
    "Transcript",
    "run_scenario",
]

DEFAULT_WITHIN = 30.0
_SETTLE_LIMIT = 300.0
# The reports a charge point makes about each connector on its own.
_PER_CONNECTOR = frozenset({"StatusNotification", "MeterValues"})


class ScenarioFailed(ChargespecError, AssertionError):
    """A step of a scenario did not hold.

    Attributes:
        failure: the step, what was expected and what came.
    """

    def __init__(self, message: str, failure: StepFailure | None = None) -> None:
        super().__init__(message)
        self.failure = failure


class PreconditionNotReached(ChargespecError):
    """A setup step did not hold: the case could not start (inconclusive, not failed)."""

    def __init__(self, message: str, failure: StepFailure | None = None) -> None:
        super().__init__(message)
        self.failure = failure


@dataclass(frozen=True, slots=True)
class Timing:
    """How strictly times are read (seconds of DUT time).

    Attributes:
        tolerance: how early a message may come after a ``silence`` and how late after a
            ``within``; 0 on virtual time.
        progress_every: waits longer than this report progress.
    """

    tolerance: float = 0.0
    progress_every: float = 60.0


@dataclass
class Transcript:
    """What happened, step by step, for the report (``lines`` may be a list the caller
    keeps, so it sees the lines even when the scenario stops half-way)."""

    lines: list[str] = field(default_factory=list)

    def add(self, now: float, text: str) -> None:
        self.lines.append(f"[{to_iso8601(now)}] {text}")

    def __str__(self) -> str:
        return "\n".join(self.lines)


class _Run:
    def __init__(
        self,
        dut: Dut,
        values: Mapping[str, Any],
        transcript: Transcript,
        timing: Timing,
        on_progress: Callable[[str], None] | None,
    ) -> None:
        self.dut = dut
        self.values = values
        self.t = transcript
        self.timing = timing
        self.on_progress = on_progress
        self.defaults = DefaultReplies()
        # Connectors above this one are not part of the case (None: every one is).
        self.spare_above: int | None = None
        # A CALL that ended a silence within the tolerance, for the next step.
        self.held: ReceivedCall | None = None
        # What `$capture` matchers of the steps so far took, by name.
        self.captured: dict[str, Any] = {}

    def fail(
        self,
        step: Step,
        message: str,
        *,
        expected: Any = None,
        received: Any = None,
        fields: Sequence[str] = (),
    ) -> ScenarioFailed:
        self.t.add(self.dut.now(), f"FAILED: {message}")
        failure = StepFailure(
            at=str(step.get("at", "?")),
            step=step_text(step),
            message=message,
            expected=expected,
            received=received,
            fields=list(fields),
        )
        return ScenarioFailed(
            f"{step.get('at', '?')}: {message}\n--- transcript ---\n{self.t}", failure
        )

    async def wait_call(self, seconds: float, what: str) -> ReceivedCall | None:
        """The next CALL within ``seconds``; a long wait reports progress as it goes."""
        if self.held is not None:
            held, self.held = self.held, None
            return held
        every = self.timing.progress_every
        if self.on_progress is None or seconds <= every:
            return await self.dut.next_call(seconds)
        end = self.dut.now() + seconds
        self.on_progress(f"waiting up to {seconds:g} s: {what}")
        for _ in range(int(seconds / every) + 2):
            remaining = end - self.dut.now()
            call = await self.dut.next_call(max(min(remaining, every), 0.0))
            if call is not None or remaining <= every:
                return call
            self.on_progress(f"  {end - self.dut.now():.0f} s left: {what}")
        return None

    async def answer(self, call: ReceivedCall, reply: Mapping[str, Any] | None) -> None:
        if reply is not None and "$none" in reply:
            # no_reply: the Charge Point's response timeout runs out (OCPP-J 1.6 §4.1.1).
            self.t.add(self.dut.now(), f"  ({call.action} left unanswered)")
            return
        if reply is not None and "$error" in reply:
            await self.dut.reply_error(call, str(reply["$error"]), "test system error reply")
            self.t.add(self.dut.now(), f"< CALLERROR {reply['$error']}")
            return
        if reply is None:
            reply = {"currentTime": "$now"} if call.action == "Heartbeat" else {}
        payload = substitute(dict(reply), self.dut.now(), self.values)
        await self.dut.reply(call, payload)
        self.t.add(self.dut.now(), f"< {call.action}.conf {payload}")

    def _expected(self, wanted: Step) -> dict[str, Any]:
        payload = wanted.get("payload") or {}
        return dict(substitute(payload, self.dut.now(), self.values, self.captured))

    def _match(self, wanted: Step, call: ReceivedCall) -> Match:
        """How ``call`` matches the CALL ``wanted`` (an expect step or an any_order item);
        compared timestamps may be off by the timing tolerance."""
        if call.action != wanted["name"]:
            return Match([f"expected {wanted['name']}, got {call.action}"])
        return match(self._expected(wanted), call.payload, slack=self.timing.tolerance)

    def _problems(self, wanted: Step, call: ReceivedCall) -> list[str]:
        """Why ``call`` is not the CALL ``wanted``."""
        return self._match(wanted, call).problems

    def _mismatch(self, step: Step, pending: Sequence[Step], call: ReceivedCall) -> ScenarioFailed:
        """The failure for a CALL that matches none of ``pending``: the closest expectation
        (same action) with its differing fields named."""
        same = [w for w in pending if w["name"] == call.action]
        if not same:
            names = " or ".join(str(w["name"]) for w in pending)
            return self.fail(
                step,
                f"expected {names}, got {call.action}",
                expected={str(w["name"]): self._expected(w) for w in pending},
                received={call.action: call.payload},
            )
        wanted = min(same, key=lambda w: len(self._problems(w, call)))
        fields = self._problems(wanted, call)
        return self.fail(
            step,
            f"{call.action} does not match: {'; '.join(fields)}",
            expected=self._expected(wanted),
            received=call.payload,
            fields=fields,
        )

    async def _receive(self, step: Step, wanted: Sequence[Step]) -> None:
        """Take CALLs until each of ``wanted`` matched one (in any order), answering each;
        Heartbeats nobody waits for are answered and skipped, and with ``others: answer``
        every other CALL too."""
        within = float(step.get("seconds") or DEFAULT_WITHIN) + self.timing.tolerance
        answer_others = step.get("others") == "answer"
        started = self.dut.now()
        pending = list(wanted)
        for _ in range(1000):
            if not pending:
                return
            remaining = within - (self.dut.now() - started)
            names = " and ".join(str(w["name"]) for w in pending)
            call = await self.wait_call(max(remaining, 0.0), f"{names} ({step.get('at', '?')})")
            if call is None:
                raise self.fail(step, f"no {names} within {within:g} s")
            self.t.add(self.dut.now(), f"> {call.action} {call.payload}")
            matched = next((w for w in pending if not self._problems(w, call)), None)
            if matched is not None:
                pending.remove(matched)
                self.captured.update(self._match(matched, call).captured)
                await self.answer(call, matched.get("reply"))
            elif call.action == "Heartbeat":
                await self.answer(call, None)  # heartbeats may come at any time
            elif answer_others or self.is_spare(call):
                await self.answer_default(call)
            else:
                raise self._mismatch(step, pending, call)
        raise self.fail(step, "too many messages")

    def is_spare(self, call: ReceivedCall) -> bool:
        """A report about a connector the case does not involve: a device with more
        connectors than the scenario's setup reports them too (StatusNotification after a
        boot, §4.2; clock-aligned MeterValues, §3.16.2)."""
        if self.spare_above is None or call.action not in _PER_CONNECTOR:
            return False
        connector = call.payload.get("connectorId")
        return isinstance(connector, int) and connector > self.spare_above

    async def answer_default(self, call: ReceivedCall) -> None:
        """Answer a CALL nobody waits for with the test system's default answer."""
        payload = self.defaults.answer(call.action, self.dut.now())
        await self.dut.reply(call, payload)
        self.t.add(self.dut.now(), f"< {call.action}.conf {payload} (default answer)")

    async def settle(self, step: Step) -> None:
        """Answer whatever comes until nothing has come for ``seconds`` while the charge
        point is connected (one rebooting from an earlier case's Reset is waited for)."""
        quiet = float(step["seconds"])
        started = self.dut.now()
        for _ in range(1000):
            call = await self.wait_call(quiet, "the charge point to fall quiet")
            if call is None and self.dut.connected():
                self.t.add(self.dut.now(), f"  (quiet for {quiet:g} s)")
                return
            if call is None:
                if self.dut.now() - started > _SETTLE_LIMIT:
                    break
                continue
            self.t.add(self.dut.now(), f"> {call.action} {call.payload}")
            await self.answer_default(call)
            if self.dut.now() - started > _SETTLE_LIMIT:
                break
        raise self.fail(
            step, f"the charge point did not connect and fall quiet within {_SETTLE_LIMIT:g} s"
        )

    async def expect(self, step: Step) -> None:
        await self._receive(step, [step])

    async def any_order(self, step: Step) -> None:
        await self._receive(step, step["items"])

    async def quiet(self, step: Step, allow_heartbeat: bool) -> None:
        seconds = float(step["seconds"])
        end = self.dut.now() + seconds
        for _ in range(1000):
            what = f"no message for {seconds:g} s ({step.get('at', '?')})"
            call = await self.wait_call(max(end - self.dut.now(), 0.0), what)
            if call is None:
                self.t.add(self.dut.now(), f"  ({seconds:g} s passed)")
                return
            if end - self.dut.now() <= self.timing.tolerance:
                # A minimum interval (§4.6) met within the tolerance: the message belongs to
                # the next step.
                self.held = call
                self.t.add(self.dut.now(), f"  ({seconds:g} s passed, within the tolerance)")
                return
            self.t.add(self.dut.now(), f"> {call.action} {call.payload}")
            if self.is_spare(call):
                await self.answer_default(call)
                continue
            if not (allow_heartbeat and call.action == "Heartbeat"):
                raise self.fail(
                    step,
                    f"expected no message for {seconds:g} s, got {call.action}",
                    received={call.action: call.payload},
                )
            await self.answer(call, None)
        raise self.fail(step, "too many messages")

    async def silence(self, step: Step) -> None:
        await self.quiet(step, allow_heartbeat=False)

    async def advance(self, step: Step) -> None:
        await self.quiet(step, allow_heartbeat=True)

    async def send(self, step: Step) -> None:
        expectation = substitute(
            step.get("reply") or {}, self.dut.now(), self.values, self.captured
        )
        wait = float(step.get("seconds") or DEFAULT_WITHIN)
        payload = substitute(step.get("payload") or {}, self.dut.now(), self.values)
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
        problem = outcome_problem(expectation, outcome)
        if problem is not None:
            wanted = expectation.get("$result", expectation)
            got = outcome.result if outcome.result is not None else outcome.error_code
            fields = []
            if isinstance(wanted, dict) and outcome.result is not None and "$none" not in wanted:
                fields = mismatches(wanted, outcome.result)
            raise self.fail(step, problem, expected=expectation, received=got, fields=fields)
        self.captured.update(outcome_captures(expectation, outcome))

    def _payload(self, step: Step) -> dict[str, Any]:
        return dict(substitute(step.get("payload") or {}, self.dut.now(), self.values))

    async def tester(self, step: Step) -> None:
        payload = self._payload(step)
        self.t.add(self.dut.now(), f"* tester {step['name']} {payload}")
        await self.dut.tester(step["name"], payload)

    async def observe(self, step: Step) -> None:
        is_ = (step.get("reply") or {}).get("$is")
        expected = substitute(is_, self.dut.now(), self.values, self.captured)
        try:
            seen = await self.dut.observe(step["name"], self._payload(step))
        except (LookupError, ValueError) as error:  # no observer; unknown name or connector
            raise self.fail(step, f"cannot observe {step['name']}: {error}") from None
        self.t.add(self.dut.now(), f"* observe {step['name']} {self._payload(step)} = {seen}")
        outcome = match(expected, seen, slack=self.timing.tolerance)
        if outcome.problems:
            why = "; ".join(outcome.problems) if is_matcher(expected) else f"expected {expected!r}"
            raise self.fail(
                step,
                f"{step['name']} is {seen!r}, {why}",
                expected=expected,
                received=seen,
            )
        self.captured.update(outcome.captured)


async def _tear_down(
    play: Callable[[Sequence[Step]], Awaitable[None]],
    steps: Sequence[Step],
    transcript: Transcript,
    dut: Dut,
) -> None:
    """Undo what the case did to the device; a step that fails is noted, the verdict stays
    the case's own."""
    if not steps:
        return
    transcript.add(dut.now(), "# teardown")
    try:
        await play(steps)
    except ScenarioFailed as failed:
        transcript.add(dut.now(), f"teardown did not complete: {failed.failure or failed}")


async def run_scenario(
    scenario: Mapping[str, Any],
    dut: Dut,
    *,
    values: Mapping[str, Any] | None = None,
    on_line: Callable[[str], None] | None = None,
    connectors: int | None = None,
    timing: Timing | None = None,
    on_progress: Callable[[str], None] | None = None,
    transcript: Transcript | None = None,
) -> Transcript:
    """Play one scenario against a started DUT: its ``setup_steps``, then its ``steps``.

    Args:
        scenario: the generated scenario data.
        dut: the device under test, started.
        values: what ``$<name>`` placeholders stand for (the lab's idTags …).
        on_line: called with each transcript line at the end.
        connectors: the device's number of connectors (default: the scenario's setup).
        timing: tolerances for a real-time device.
        on_progress: called with a line of progress during long waits.
        transcript: where the lines go (a fresh one by default).

    Raises:
        PreconditionNotReached: a setup step did not hold.
        ScenarioFailed: on the first of its own steps that does not hold.
    """
    transcript = transcript if transcript is not None else Transcript()
    run = _Run(dut, values or {}, transcript, timing or Timing(), on_progress)
    handlers: dict[str, Callable[[Step], Awaitable[None]]] = {
        "expect": run.expect,
        "any_order": run.any_order,
        "send": run.send,
        "tester": run.tester,
        "observe": run.observe,
        "silence": run.silence,
        "advance": run.advance,
        "settle": run.settle,
    }
    count = connectors if connectors is not None else int(scenario["setup"].get("connectors", 1))
    # What the device's configuration says of its connectors (§9.1.18, a string).
    # and a connector id it does not have (§5.18: answered NotSupported, errata E3.87).
    run.values = {
        "number_of_connectors": str(count),
        "unknown_connector": count + 1,
        **(values or {}),
    }
    involved = int(scenario["setup"].get("connectors", count))
    run.spare_above = involved if involved < count else None

    async def play(steps: Sequence[Step]) -> None:
        for step in expand_connectors(steps, count):
            if step.get("comment"):
                transcript.add(dut.now(), f"# {step['comment']}")
            handler = handlers.get(step["kind"])
            if handler is not None:
                await handler(step)

    try:
        try:
            await play(scenario.get("setup_steps", ()))
        except ScenarioFailed as failed:
            message = (
                f"precondition not reached: {failed.failure.message if failed.failure else failed}"
            )
            raise PreconditionNotReached(message, failed.failure) from None
        try:
            await play(scenario["steps"])
        finally:
            await _tear_down(play, scenario.get("teardown", ()), transcript, dut)
    finally:
        if on_line is not None:
            for line in transcript.lines:
                on_line(line)
    return transcript
