"""A person at a terminal as the tester backend: the physical steps of a real charge point.

When a lab tests a real charge point, nobody but a person can plug a cable in or look at a
cable lock. :class:`OperatorBackend` asks them, step by step, with the texts of events.yaml
(each tester action's and observation's ``prompt``, its ``{field}`` placeholders filled from
the scenario step's payload):

    == TC_CP_001: Plug in, then start ==
    Plug the EV's cable into connector 1 (and into the EV).
      press Enter when done (a = abort this case) >
    Is the cable in connector 1 locked (it cannot be pulled out of the socket)?
      [y/n] (a = abort this case) >

Answering ``a`` abandons the case, and so do end of input (Ctrl-D) and no answer within the
timeout: :class:`CaseAborted`, an inconclusive verdict (the device was never shown to
misbehave). Reading never blocks the event loop (:mod:`runtime.conformance.terminal`), so
the test system keeps serving the charge point while the person walks over to it.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from runtime.conformance.terminal import TerminalLines
from runtime.conformance.tester_backend import CaseAborted, TesterBackend, TesterFailed
from runtime.spec.registry import SpecRegistry, TesterEventSpec

__all__ = ["ANSWERS", "Answer", "ContextFn", "OperatorBackend", "fill_prompt"]

#: Gives the case being played and its title, or None between cases.
ContextFn = Callable[[], tuple[str, str] | None]

_ABORT = frozenset({"a", "abort"})
_ABORT_HINT = "a = abort this case"
_DEFAULT_TIMEOUT = 300.0
_DEFAULT_ATTEMPTS = 5


@dataclass(frozen=True, slots=True)
class Answer:
    """How an observation of one ``returns`` type is asked for and read.

    Attributes:
        hint: Shown after the question (``[y/n]``).
        retry: Shown when an answer could not be read.
        parse: The answer's value, or None if the text is not one.
    """

    hint: str
    retry: str
    parse: Callable[[str], Any]


def _boolean(text: str) -> bool | None:
    return {"y": True, "yes": True, "n": False, "no": False}.get(text.lower())


def _integer(text: str) -> int | None:
    try:
        return int(text)
    except ValueError:
        return None


def _string(text: str) -> str | None:
    # An empty line is more likely an Enter pressed too soon than an answer.
    return text or None


#: The observation types an operator can be asked for, by events.yaml ``returns``.
ANSWERS: Mapping[str, Answer] = {
    "boolean": Answer("[y/n]", "please answer y or n", _boolean),
    "integer": Answer("enter a whole number", "please type a whole number", _integer),
    "string": Answer("type the answer", "please type a non-empty answer", _string),
}


class _Visible(dict[str, Any]):
    """Payload for :meth:`str.format_map` that prints an unknown ``{placeholder}`` as is."""

    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def fill_prompt(template: str, payload: Mapping[str, Any]) -> str:
    """``template`` with its ``{field}`` placeholders taken from ``payload``.

    An unknown placeholder stays visible (``{connector}``), so a prompt never fails because a
    scenario left a field out; a template that is not a valid format string is shown as it is.

    Args:
        template: An events.yaml ``prompt``.
        payload: The scenario step's payload.

    Returns:
        The text to show the operator.
    """
    try:
        return template.format_map(_Visible(payload))
    except (ValueError, AttributeError, IndexError, KeyError, TypeError):
        return template


def _step(name: str, payload: Mapping[str, Any]) -> str:
    """``plug_in(connector=1)``: how an abort message names the step."""
    args = ", ".join(f"{key}={value!r}" for key, value in payload.items())
    return f"{name}({args})"


class OperatorBackend:
    """The :class:`~runtime.conformance.tester_backend.TesterBackend` that asks a person.

    Args:
        registry: The spec set; gives each action's and observation's prompt.
        input: Where the answers come from: a file descriptor or a readable stream (a
            terminal, a pseudo-terminal, a pipe). Default: the process's standard input.
        output: Where the prompts go. Default: the process's standard output.
        timeout: Seconds the operator has to answer one prompt; None waits for ever.
        context: Gives ``(case id, title)`` of the case being played, or None; overrides
            what :meth:`set_context` was told.
        attempts: How often an observation is asked before an unreadable answer aborts
            the case.
    """

    def __init__(
        self,
        registry: SpecRegistry,
        *,
        input: int | IO[Any] | None = None,
        output: IO[str] | None = None,
        timeout: float | None = _DEFAULT_TIMEOUT,
        context: ContextFn | None = None,
        attempts: int = _DEFAULT_ATTEMPTS,
    ) -> None:
        self._registry = registry
        self._lines = TerminalLines(sys.stdin if input is None else input)
        self._out = sys.stdout if output is None else output
        self._timeout = timeout
        self._context_fn = context
        self._context: tuple[str, str] | None = None
        self._headed: str | None = None
        self._attempts = max(1, attempts)

    def set_context(self, case_id: str, title: str) -> None:
        """Name the case being played; its header is printed before its first prompt.

        Args:
            case_id: The scenario's id.
            title: Its title.
        """
        self._context = (case_id, title)

    def progress(self, text: str) -> None:
        """Tell the operator what the test system is waiting for (a long wait's progress).

        Args:
            text: One line, e.g. ``waiting up to 60 s for StatusNotification``.
        """
        self._print(f"  ... {text}")

    async def act(self, name: str, payload: dict[str, Any]) -> None:
        """Ask the operator to perform the tester action ``name``; return once they did.

        Raises:
            CaseAborted: they answered ``a``, input ended, or no answer within the timeout.
            TesterFailed: ``name`` is no tester action of the registry.
        """
        spec = self._spec(self._registry.tester_events, name, "tester action")
        self._ask(spec, payload)
        step = _step(name, payload)
        for _ in range(self._attempts):
            answer = await self._answer(f"  press Enter when done ({_ABORT_HINT}) > ", step)
            if not answer:
                return
            self._print("  (press Enter alone when done, or a to abort this case)")
        raise self._abort(f"no usable answer in {self._attempts} tries at {step}")

    async def observe(self, name: str, payload: dict[str, Any]) -> Any:
        """Ask the operator the observation ``name``; the answer typed as its ``returns``.

        Raises:
            CaseAborted: they answered ``a``, input ended, no answer within the timeout, or
                no readable answer after ``attempts`` tries.
            TesterFailed: ``name`` is no observation of the registry, or its ``returns`` is
                no type an operator can be asked for.
        """
        spec = self._spec(self._registry.observations, name, "observation")
        kind = ANSWERS.get(spec.returns)
        if kind is None:
            raise TesterFailed(
                f"observation {name!r} returns {spec.returns!r}, which an operator cannot "
                f"be asked for; expected one of: {', '.join(sorted(ANSWERS))}"
            )
        self._ask(spec, payload)
        step = _step(name, payload)
        for _ in range(self._attempts):
            text = await self._answer(f"  {kind.hint} ({_ABORT_HINT}) > ", step)
            value = kind.parse(text)
            if value is not None:
                return value
            self._print(f"  {kind.retry}")
        raise self._abort(f"no usable answer in {self._attempts} tries at {step}")

    async def close(self) -> None:
        """Put the terminal back as it was found."""
        self._lines.close()

    # --- asking -----------------------------------------------------------------------------

    @staticmethod
    def _spec(known: Mapping[str, TesterEventSpec], name: str, what: str) -> TesterEventSpec:
        spec = known.get(name)
        if spec is None:
            raise TesterFailed(f"unknown {what} {name!r}; expected one of: {', '.join(known)}")
        return spec

    def _ask(self, spec: TesterEventSpec, payload: Mapping[str, Any]) -> None:
        """Print the case header (once per case) and the step's prompt."""
        context = self._context_fn() if self._context_fn is not None else self._context
        if context is not None and context[0] != self._headed:
            self._headed = context[0]
            self._print(f"\n== {context[0]}: {context[1]} ==")
        # An action without a prompt falls back to its description, then to its name.
        self._print(fill_prompt(spec.prompt or spec.description or spec.name, payload))

    async def _answer(self, hint: str, step: str) -> str:
        """One line from the operator, stripped; raises CaseAborted for an abort."""
        self._lines.discard_typeahead()
        self._write(hint)
        try:
            async with asyncio.timeout(self._timeout):
                line = await self._lines.readline()
        except TimeoutError:
            self._write("\n")
            raise self._abort(f"no answer within {self._timeout:g} s") from None
        if line is None:
            self._write("\n")
            raise self._abort(f"input ended (end of file) at {step}")
        text = line.strip()
        if text.lower() in _ABORT:
            raise self._abort(f"aborted by the operator at {step}")
        return text

    def _abort(self, why: str) -> CaseAborted:
        self._print(f"  case abandoned: {why}")
        return CaseAborted(why)

    def _print(self, line: str) -> None:
        self._write(line + "\n")

    def _write(self, text: str) -> None:
        self._out.write(text)
        self._out.flush()


if TYPE_CHECKING:
    # mypy checks here that the operator is a complete TesterBackend.
    _CONFORMS: type[TesterBackend] = OperatorBackend
