"""Named conditions, ``guard: else`` and bare enum literals (compiler.frontend.conditions):
they are substituted in the frontend, so the IR guard is the plain expression every later stage
already reads, while Transition.condition keeps what the author wrote."""

from __future__ import annotations

from pathlib import Path

from compiler.diagnostics import Diagnostic
from compiler.expressions import evaluate
from compiler.frontend.build_machine import build_machine
from compiler.frontend.yaml import load_file
from compiler.ir import Machine, Transition

ENUM_VALUES = frozenset({"Accepted", "Rejected", "Pending"})

MACHINE = """\
machine: Boot
profile: Core
instance: station
context:
  attempts: {type: integer, default: 0}
conditions:
  accepted: msg.status == Accepted
  worth_retrying: {expr: "not accepted and ctx.attempts < 3", description: Try again.}
states:
  Offline: {initial: true}
  BootSent: {}
  Booted: {pics: Core}
  Broken: {}
transitions:
  - {id: T1, from: Offline, to: BootSent, on: internal.connected, do: [send_boot]}
  - {id: T2, from: BootSent, to: Booted, on: result.BootNotification, guard: accepted}
  - {id: T3, from: BootSent, to: Offline, on: result.BootNotification, guard: worth_retrying}
  - {id: T4, from: BootSent, to: Broken, on: result.BootNotification, guard: else}
  - {id: T5, from: Broken, to: Offline, on: internal.connected, guard: state == Broken}
actions:
  send_boot:
    if: not accepted
    send: BootNotification
    with: {status: Pending, vendor: "'ACME'"}
"""


def _build(tmp_path: Path, text: str) -> tuple[Machine, list[Diagnostic]]:
    path = tmp_path / "boot.yaml"
    path.write_text(text, encoding="utf-8")
    loaded, found = load_file(path, "machines/boot.yaml")
    assert loaded is not None and found == []
    return build_machine(loaded, ENUM_VALUES)


def _transition(machine: Machine, id_: str) -> Transition:
    return next(t for t in machine.transitions if t.id == id_)


def _holds(t: Transition, status: str, attempts: int = 0, core: bool = True) -> bool:
    assert t.guard is not None
    names = {"msg": {"status": status}, "ctx": {"attempts": attempts}, "pics": {"Core": core}}
    return bool(evaluate(t.guard, names))


def test_a_named_condition_is_expanded_and_keeps_its_name(tmp_path: Path) -> None:
    machine, found = _build(tmp_path, MACHINE)
    assert found == []
    t2 = _transition(machine, "T2")
    assert t2.condition == "accepted"
    assert t2.guard is not None and t2.guard.text == "pics.Core and (msg.status == 'Accepted')"
    t3 = _transition(machine, "T3")
    assert t3.guard is not None
    assert t3.guard.text == "msg.status != 'Accepted' and ctx.attempts < 3"
    assert [r.name for r in t3.guard.references] == ["status", "attempts"]
    assert machine.action("send_boot").condition is not None
    assert machine.action("send_boot").condition.text == "msg.status != 'Accepted'"


def test_conditions_are_in_the_ir_as_written_and_expanded(tmp_path: Path) -> None:
    machine, _ = _build(tmp_path, MACHINE)
    [accepted, retry] = machine.conditions
    assert (accepted.name, accepted.text, accepted.description) == (
        "accepted",
        "msg.status == Accepted",
        "",
    )
    assert retry.text == "not accepted and ctx.attempts < 3"
    assert retry.expr.text == "msg.status != 'Accepted' and ctx.attempts < 3"
    assert retry.description == "Try again."


def test_bare_enum_values_and_state_names_are_strings(tmp_path: Path) -> None:
    machine, _ = _build(tmp_path, MACHINE)
    t5 = _transition(machine, "T5")
    assert t5.guard is not None and t5.guard.text == "state == 'Broken'"
    args = dict(machine.action("send_boot").args)
    assert args["status"].text == "'Pending'"
    assert args["vendor"].text == "'ACME'"  # quoted literals keep working


def test_else_holds_exactly_when_no_sibling_does(tmp_path: Path) -> None:
    machine, _ = _build(tmp_path, MACHINE)
    t2, t3, t4 = (_transition(machine, i) for i in ("T2", "T3", "T4"))
    assert t4.condition == "else"
    for status in ("Accepted", "Rejected", "Pending"):
        for attempts in (0, 3):
            for core in (True, False):
                siblings = [_holds(t, status, attempts, core) for t in (t2, t3)]
                assert _holds(t4, status, attempts, core) == (not any(siblings))


def test_else_next_to_an_unguarded_sibling_is_refused(tmp_path: Path) -> None:
    text = MACHINE.replace("guard: worth_retrying}", "}").replace(
        "  worth_retrying: {expr:", "  unused_one: {expr:"
    )
    _, found = _build(tmp_path, text)
    codes = sorted(d.code for d in found)
    assert codes == ["SPEC245", "SPEC248"]
    [else_problem] = [d for d in found if d.code == "SPEC248"]
    assert "T3" in else_problem.found and "no guard" in else_problem.found


def test_unknown_bare_name_suggests_the_nearest_value(tmp_path: Path) -> None:
    _, found = _build(tmp_path, MACHINE.replace("== Accepted", "== Acepted"))
    [problem] = found
    assert problem.code == "SPEC247"
    assert "'Accepted'" in problem.hint
    assert "quote it" in problem.expected


def test_a_condition_cannot_use_itself(tmp_path: Path) -> None:
    _, found = _build(tmp_path, MACHINE.replace("msg.status == Accepted", "accepted"))
    assert [d.code for d in found] == ["SPEC244"]
