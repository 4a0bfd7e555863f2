"""The operator tester backend: a person answering prompts at a terminal.

The main test drives a real pseudo-terminal: ``operator_session.py`` runs in a child process
with the pty's slave as its terminal, and the test reads the master side (each read bounded
in time and count), checks every prompt with its payload values filled in, and types the
answers as a person would. The smaller tests use an in-memory pipe or an in-process pty.
"""

from __future__ import annotations

import asyncio
import dataclasses
import io
import json
import os
import pty
import select
import subprocess
import sys
import termios
import time
import tty
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance import tester_backend
from runtime.conformance.operator import OperatorBackend, fill_prompt
from runtime.conformance.tester_backend import CaseAborted
from runtime.spec import registry as spec_registry
from runtime.spec.registry import SpecRegistry

# Imported through their modules: pytest would try to collect names starting with "Test".
EventSpec = spec_registry.TesterEventSpec

pytestmark = pytest.mark.timeout(30)

SESSION = Path(__file__).with_name("operator_session.py")
_MAX_READS = 2_000


class Terminal:
    """The master side of a pseudo-terminal, read with bounded waits."""

    def __init__(self, fd: int, child: subprocess.Popen[bytes], errors: Path) -> None:
        self.fd = fd
        self.child = child
        self.errors = errors
        self.seen = ""
        self._pos = 0

    def expect(self, text: str, timeout: float = 10.0) -> str:
        """Wait until ``text`` is shown after what was matched so far; return what led to it."""
        deadline = time.monotonic() + timeout
        for _ in range(_MAX_READS):
            found = self.seen.find(text, self._pos)
            if found >= 0:
                before = self.seen[self._pos : found]
                self._pos = found + len(text)
                return before
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._read(remaining):
                break
        raise AssertionError(
            f"{text!r} not shown within {timeout} s; the terminal shows:\n{self.seen}"
        )

    def outcome(self) -> dict[str, Any]:
        """The next ``@@ {json}`` line of the session."""
        self.expect("@@ ")
        line = self.expect("\n")
        parsed: dict[str, Any] = json.loads(line.strip())
        return parsed

    def exit_code(self) -> int:
        """The session's exit code, once it has ended (its stderr shown if it failed)."""
        code = self.child.wait(timeout=10)
        assert code == 0, self.errors.read_text()
        return code

    def type(self, text: str) -> None:
        os.write(self.fd, text.encode())

    def _read(self, wait: float) -> bool:
        ready, _, _ = select.select([self.fd], [], [], wait)
        if not ready:
            return True
        try:
            data = os.read(self.fd, 4096)
        except OSError:  # EIO: the session closed its terminal
            return False
        self.seen += data.decode("utf-8", "replace").replace("\r\n", "\n")
        return bool(data)


@pytest.fixture
def session(tmp_path: Path) -> Iterator[Terminal]:
    """operator_session.py running on a fresh pseudo-terminal."""
    master, slave = pty.openpty()
    errors = (tmp_path / "stderr.txt").open("w")
    child = subprocess.Popen(
        [sys.executable, str(SESSION)],
        stdin=slave,
        stdout=slave,
        stderr=errors,
        start_new_session=True,
    )
    os.close(slave)
    try:
        yield Terminal(master, child, tmp_path / "stderr.txt")
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        os.close(master)
        errors.close()


def test_operator_session_on_a_real_terminal(session: Terminal) -> None:
    term = session
    # The case header, then the action's prompt with the connector filled in.
    term.expect("== TC_OPERATOR_1: Plug in and look at the lock ==")
    term.expect("Plug the EV's cable into connector 1 (and into the EV).")
    term.expect("press Enter when done (a = abort this case) > ")
    time.sleep(0.3)  # the person walks to the charger; the event loop keeps ticking
    term.type("\n")
    done = term.outcome()
    assert done["step"] == "plug_in" and done["result"] is None
    assert done["ticks"] >= 5, done

    term.expect("Is the cable in connector 2 locked (it cannot be pulled out of the socket)?")
    term.expect("[y/n] (a = abort this case) > ")
    term.type("Y\n")
    assert term.outcome() == {"step": "locked", "result": True, "ticks": 0}

    term.expect("Present the card (or app token) with idTag TAG42 at connector 1.")
    term.expect("press Enter when done")
    term.type("a\n")
    aborted = term.outcome()
    assert aborted["aborted"] == (
        "aborted by the operator at present_id_tag(connector=1, idTag='TAG42')"
    )

    # A new case gets its own header; an unreadable answer is asked again.
    term.expect("== TC_OPERATOR_2: Answer again ==")
    term.expect("Is the cable in connector 1 locked")
    term.expect("[y/n]")
    term.type("maybe\n")
    term.expect("please answer y or n")
    term.expect("[y/n]")
    term.type("no\n")
    assert term.outcome()["result"] is False
    term.expect("  ... waiting up to 5 s for StatusNotification")

    # No answer at all: the case is abandoned once the (short) timeout has passed.
    term.expect("Unplug the cable of connector 1 completely")
    before = term.expect("case abandoned: no answer within 0.5 s", timeout=5)
    assert "press Enter when done" in before
    timed_out = term.outcome()
    assert timed_out["aborted"] == "no answer within 0.5 s"
    assert timed_out["ticks"] >= 10, timed_out

    # Ctrl-D at the start of the line: end of input abandons the case.
    term.expect("Plug the EV's cable into connector 2")
    term.expect("press Enter when done")
    term.type("\x04")
    assert term.outcome()["aborted"] == "input ended (end of file) at plug_in(connector=2)"
    assert term.outcome() == {"step": "done", "mode_kept": True}
    assert term.exit_code() == 0


# --- formatting, through an in-memory pipe ----------------------------------------------------


def _registry(**extra: EventSpec) -> SpecRegistry:
    """The real registry plus a few made-up observations and actions."""
    actions = {n: s for n, s in extra.items() if not s.returns}
    observations = {n: s for n, s in extra.items() if s.returns}
    return dataclasses.replace(
        SPEC,
        tester_events={**SPEC.tester_events, **actions},
        observations={**SPEC.observations, **observations},
    )


def _spec(name: str, prompt: str = "", returns: str = "", description: str = "") -> EventSpec:
    return EventSpec(name, ("connector",), (), description, prompt=prompt, returns=returns)


class Pipe:
    """An operator whose answers were typed in advance into a pipe."""

    def __init__(self, registry: SpecRegistry = SPEC, **options: Any) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.out = io.StringIO()
        self.backend = OperatorBackend(registry, input=self.read_fd, output=self.out, **options)

    def answer(self, text: str) -> None:
        os.write(self.write_fd, text.encode())

    def end(self) -> None:
        os.close(self.write_fd)
        self.write_fd = -1

    def close(self) -> None:
        for fd in (self.read_fd, self.write_fd):
            if fd >= 0:
                os.close(fd)


@pytest.fixture
def pipe() -> Iterator[Pipe]:
    made = Pipe()
    yield made
    made.close()


def test_fill_prompt() -> None:
    assert fill_prompt("connector {connector}, tag {idTag}", {"connector": 2, "idTag": "T"}) == (
        "connector 2, tag T"
    )
    assert fill_prompt("connector {connector} of {station}", {"connector": 2}) == (
        "connector 2 of {station}"
    )
    assert fill_prompt("a stray { brace", {"connector": 2}) == "a stray { brace"
    assert fill_prompt("{connector.real}", {}) == "{connector.real}"


async def test_act_prints_the_prompt_then_waits_for_enter(pipe: Pipe) -> None:
    pipe.answer("\n")
    pipe.backend.set_context("TC_001", "Start")
    await pipe.backend.act("fault", {"connector": 0, "errorCode": "GroundFailure"})
    assert pipe.out.getvalue() == (
        "\n== TC_001: Start ==\n"
        "Cause the fault GroundFailure on connector 0 (0 = the whole Charge Point).\n"
        "  press Enter when done (a = abort this case) > "
    )


async def test_header_once_per_case_and_the_context_callable() -> None:
    current = ["TC_A", "First"]
    made = Pipe(context=lambda: (current[0], current[1]))
    try:
        made.answer("\n\n\n")
        await made.backend.act("power_cycle", {})
        await made.backend.act("power_cycle", {})
        current[:] = ["TC_B", "Second"]
        await made.backend.act("power_cycle", {})
    finally:
        made.close()
    shown = made.out.getvalue()
    assert shown.count("== TC_A: First ==") == 1
    assert shown.count("== TC_B: Second ==") == 1
    assert shown.count("Switch the Charge Point's power off, then on again.") == 3


async def test_act_without_prompt_uses_the_description_and_asks_again_for_text() -> None:
    made = Pipe(_registry(wave=_spec("wave", description="Wave at connector {connector}.")))
    try:
        made.answer("done\n\n")
        await made.backend.act("wave", {"connector": 3})
    finally:
        made.close()
    shown = made.out.getvalue()
    assert shown.startswith("Wave at connector 3.\n")
    assert "(press Enter alone when done, or a to abort this case)" in shown
    assert shown.count("press Enter when done") == 2


async def test_observation_kinds() -> None:
    registry = _registry(
        volts=_spec("volts", "Voltage on connector {connector}?", returns="integer"),
        colour=_spec("colour", "LED colour of connector {connector}?", returns="string"),
    )
    made = Pipe(registry)
    try:
        made.answer("230V\n 231 \n\nred\n")
        assert await made.backend.observe("volts", {"connector": 1}) == 231
        assert await made.backend.observe("colour", {"connector": 1}) == "red"
    finally:
        made.close()
    shown = made.out.getvalue()
    assert "Voltage on connector 1?\n  enter a whole number (a = abort this case) > " in shown
    assert "please type a whole number" in shown
    assert "please type a non-empty answer" in shown


async def test_unreadable_answers_are_bounded(pipe: Pipe) -> None:
    pipe.answer("maybe\n" * 5)
    with pytest.raises(CaseAborted, match=r"no usable answer in 5 tries at cable_locked"):
        await pipe.backend.observe("cable_locked", {"connector": 1})
    assert pipe.out.getvalue().count("please answer y or n") == 5


async def test_unknown_steps_fail(pipe: Pipe) -> None:
    with pytest.raises(
        tester_backend.TesterFailed, match="unknown tester action 'dance'; expected one of"
    ):
        await pipe.backend.act("dance", {})
    with pytest.raises(tester_backend.TesterFailed, match="unknown observation 'plug_in'"):
        await pipe.backend.observe("plug_in", {"connector": 1})
    made = Pipe(_registry(hue=_spec("hue", "Hue?", returns="colour")))
    try:
        with pytest.raises(
            tester_backend.TesterFailed, match="returns 'colour', which an operator cannot"
        ):
            await made.backend.observe("hue", {})
    finally:
        made.close()
    assert pipe.out.getvalue() == ""


async def test_timeout_then_a_late_answer_and_end_of_input() -> None:
    made = Pipe(timeout=0.05)
    try:
        with pytest.raises(CaseAborted, match=r"^no answer within 0.05 s$"):
            await made.backend.act("plug_in", {"connector": 1})
        # Not a terminal: input is a script, consumed in order, so nothing typed is lost.
        made.answer("y\n")
        assert await made.backend.observe("cable_locked", {"connector": 1}) is True
        made.end()
        with pytest.raises(CaseAborted, match=r"input ended \(end of file\) at plug_in"):
            await made.backend.act("plug_in", {"connector": 1})
    finally:
        made.close()
    assert "case abandoned: no answer within 0.05 s" in made.out.getvalue()


async def test_progress(pipe: Pipe) -> None:
    pipe.backend.progress("waiting up to 60 s for BootNotification")
    assert pipe.out.getvalue() == "  ... waiting up to 60 s for BootNotification\n"


async def test_a_stream_without_a_descriptor_is_read_in_a_thread(tmp_path: Path) -> None:
    out = io.StringIO()
    backend = OperatorBackend(SPEC, input=io.StringIO("\nN\nA\n"), output=out, timeout=5)
    await backend.act("plug_in", {"connector": 1})
    assert await backend.observe("cable_locked", {"connector": 1}) is False
    with pytest.raises(CaseAborted, match="aborted by the operator"):
        await backend.act("unplug", {"connector": 1})
    with pytest.raises(CaseAborted, match="input ended"):
        await backend.act("unplug", {"connector": 1})
    # A regular file cannot be watched by the event loop either.
    answers = tmp_path / "answers.txt"
    answers.write_text("yes\n")
    with answers.open() as stream:
        from_file = OperatorBackend(SPEC, input=stream, output=out)
        assert await from_file.observe("cable_locked", {"connector": 1}) is True
        fd_backend = OperatorBackend(SPEC, input=stream.fileno(), output=out, timeout=5)
        with pytest.raises(CaseAborted, match="input ended"):
            await fd_backend.act("unplug", {"connector": 1})


# --- terminal handling, on an in-process pseudo-terminal --------------------------------------


@pytest.fixture
def terminal() -> Iterator[tuple[int, int]]:
    master, slave = pty.openpty()
    yield master, slave
    os.close(master)
    os.close(slave)


async def test_typeahead_is_discarded_and_raw_mode_restored(terminal: tuple[int, int]) -> None:
    master, slave = terminal
    tty.setraw(slave)
    raw = termios.tcgetattr(slave)
    backend = OperatorBackend(SPEC, input=slave, output=io.StringIO(), timeout=5)
    cooked = termios.tcgetattr(slave)
    assert cooked[3] & termios.ICANON and cooked[3] & termios.ECHO

    os.write(master, b"\n")  # Enter pressed before the question was shown
    await asyncio.sleep(0.05)
    asking = asyncio.create_task(backend.act("plug_in", {"connector": 1}))
    await asyncio.sleep(0.2)
    assert not asking.done(), "typeahead answered a question it came before"
    os.write(master, b"\n")
    await asyncio.wait_for(asking, 5)

    await backend.close()
    assert termios.tcgetattr(slave) == raw
