"""Diagnostics: what the compiler reports about a spec, with a stable code and a source position.

A diagnostic is data, never an exception that escapes to the user: every stage returns the
diagnostics it found, the pipeline collects them all, sorts them by position and prints them as
``path:line:col: error[CODE]: found; expected (hint)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from runtime.spec.located_yaml import SourcePos as Pos

__all__ = ["CODES", "Diagnostic", "Pos", "Severity", "format_diagnostics", "value_kind"]


class Severity(StrEnum):
    """How bad a diagnostic is; only errors make the compiler exit non-zero."""

    ERROR = "error"
    WARNING = "warning"


# Every code the compiler can emit, with what it means. The bad-spec corpus in tests/ holds one
# fixture per code; a test fails when a code here has no fixture.
CODES: dict[str, str] = {
    "SPEC001": "YAML syntax error",
    "SPEC002": "duplicate key in a mapping",
    "SPEC003": "file cannot be read or is missing",
    "SPEC101": "unknown field",
    "SPEC102": "missing required field",
    "SPEC103": "value of the wrong type",
    "SPEC104": "value not allowed here",
    "SPEC201": "transition to or from an unknown state",
    "SPEC202": "unknown event namespace",
    "SPEC203": "unknown message",
    "SPEC204": "unknown PICS item",
    "SPEC205": "unknown configuration key",
    "SPEC206": "not exactly one initial state",
    "SPEC207": "unreachable state",
    "SPEC208": "two unguarded transitions on the same event from one state",
    "SPEC209": "forbidden construct in an expression",
    "SPEC210": "unknown event",
    "SPEC211": "unknown action",
    "SPEC212": "unknown name in an expression",
    "SPEC213": "unknown enum or type",
    "SPEC214": "duplicate definition",
    "SPEC215": "a CALL we send has no result, error or timeout path",
    "SPEC216": "unknown scenario step",
    "SPEC217": "unknown context variable",
    "SPEC218": "trap state: no way out and not marked final",
    "SPEC219": "field constraint that does not fit the field's type",
    "SPEC220": "datatype that contains itself",
    "SPEC221": "leniency for an unknown field, or one that does not fit the field",
    "SPEC222": "configuration key attribute that does not fit the key's type",
    "SPEC223": "configuration key default that the key itself rejects",
    "SPEC230": "unknown station query or operation",
    "SPEC231": "station query or operation used with the wrong arguments",
    "SPEC232": "reply to a CALL the machine never receives",
    "SPEC233": "scenario step observes something events.yaml does not declare",
    "SPEC234": "two transitions with the same id, source state and event",
    "SPEC235": "unknown parameter of a reusable test state",
    "SPEC236": "test state after an unknown test state, or after itself",
    "SPEC237": "transition that can never fire: an unguarded one written before it takes its event",
    "SPEC238": "scenario step payload that does not fit its message, tester action or observation",
    "SPEC240": "PICS item attribute that does not fit the item's type",
    "SPEC241": "PICS consistency rule that does not fit its items, or defaults that break one",
    "SPEC242": "PICS item outside the form's sections or out of the form's order",
    "SPEC243": "unknown named condition in an expression",
    "SPEC244": "named condition used before it is declared, or by itself",
    "SPEC245": "named condition never used",
    "SPEC246": "named condition whose name the expression language already uses",
    "SPEC247": "bare name that is no enum value and no state (a string literal needs quotes)",
    "SPEC248": "'else' guard with no other transition to complement, or one that can never fire",
    "SPEC250": "scenario step compares with a value no earlier step captures",
    "SPEC251": "unknown or ill-formed matcher in a scenario's expected payload",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    """One problem found in a spec.

    Attributes:
        pos: where it is.
        code: stable code from :data:`CODES`.
        found: what was found, in spec terms.
        expected: what was expected instead ("" when nothing useful can be said).
        hint: an optional suggestion, e.g. a close spelling.
        severity: error or warning.
    """

    pos: Pos
    code: str
    found: str
    expected: str = ""
    hint: str = ""
    severity: Severity = Severity.ERROR

    def render(self) -> str:
        """The one-line form printed to the user."""
        text = f"{self.pos}: {self.severity}[{self.code}]: {self.found}"
        if self.expected:
            text += f"; {self.expected}"
        if self.hint:
            text += f" ({self.hint})"
        return text

    def sort_key(self) -> tuple[Pos, str, str]:
        return (self.pos, self.code, self.found)


def format_diagnostics(diagnostics: list[Diagnostic]) -> str:
    """Sort by position and render one diagnostic per line, with a closing count."""
    ordered = sorted(set(diagnostics), key=Diagnostic.sort_key)
    lines = [d.render() for d in ordered]
    errors = sum(1 for d in ordered if d.severity is Severity.ERROR)
    lines.append(f"{errors} error(s) found")
    return "\n".join(lines) + "\n"


# How a YAML/JSON value is named in a message ("… is an integer, not a string").
_VALUE_KINDS = {
    bool: "a boolean",
    int: "an integer",
    float: "a number",
    str: "a string",
    list: "a list",
    dict: "a mapping",
    type(None): "empty (null)",
}


def value_kind(value: object) -> str:
    """What ``value`` is, in words, for a diagnostic ("an integer", "a list", …)."""
    return _VALUE_KINDS.get(type(value), "a " + type(value).__name__)
