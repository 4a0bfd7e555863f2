"""One mistake, one error: a message whose definition breaks the schema is left out alone,
and later checks take its name as known (compiler.frontend.load, compiler.checks)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from compiler.checks import check_spec_set
from compiler.frontend.load import load_spec_set
from tests.compiler.test_checks import ACTIONS as ACTIONS_BASE
from tests.compiler.test_checks import BASE, SCENARIO, codes, machine_yaml
from tests.compiler.test_checks import STATES as STATES_BASE
from tests.compiler.test_checks import TRANSITIONS as TRANSITIONS_BASE

# Every other use of BootNotification: a state that may send it, a transition that receives
# it and an action that answers it, a leniency on one of its fields.
STATES = STATES_BASE.replace("BootSent: {}", "BootSent: {may_send: [BootNotification]}")
TRANSITIONS = (
    TRANSITIONS_BASE + "  - {id: T9, from: Offline, on: ocpp.BootNotification, do: [answer]}\n"
)
ACTIONS = ACTIONS_BASE + "  answer: {reply: BootNotification, with: {status: \"'Accepted'\"}}\n"
LENIENCIES = """\
leniencies:
  refused:
    field: BootNotification.response.status
    allow: {values: [Refused]}
    description: A Central System that refuses in its own words.
"""


def _write(tmp_path: Path, messages: str) -> Path:
    root = tmp_path / "spec"
    files = dict(BASE) | {
        "messages/core.yaml": messages,
        "machines/boot.yaml": machine_yaml(STATES, TRANSITIONS, ACTIONS),
        "scenarios/core.yaml": SCENARIO,
        "leniencies.yaml": LENIENCIES,
    }
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return root


def test_a_broken_message_is_left_out_alone(tmp_path: Path) -> None:
    messages = BASE["messages/core.yaml"].replace("direction: cp_to_csms", "direction: cp", 1)
    spec, found = load_spec_set(_write(tmp_path, messages))
    assert codes(found) == ["SPEC104"]
    assert spec is not None
    # Heartbeat, in the same file, is still there; BootNotification is known to be broken.
    assert [m.name for m in spec.messages] == ["Heartbeat"]
    assert spec.broken_messages == frozenset({"BootNotification"})
    # The machine sends, receives and answers it, a state may send it, a leniency relaxes it,
    # the scenario expects it: no cascade.
    assert check_spec_set(spec) == []
    # Without the list, each of those uses would be an error of its own.
    unknown = codes(check_spec_set(replace(spec, broken_messages=frozenset())))
    assert unknown == ["SPEC203"] * 9 + ["SPEC221"]


def test_a_broken_message_name_is_left_out_alone(tmp_path: Path) -> None:
    messages = BASE["messages/core.yaml"].replace("  Heartbeat:", "  heart_beat:")
    spec, found = load_spec_set(_write(tmp_path, messages))
    assert codes(found) == ["SPEC104"]
    assert spec is not None
    assert spec.broken_messages == frozenset({"heart_beat"})
    assert [m.name for m in spec.messages] == ["BootNotification"]
    # The scenario's Heartbeat step names a message that is not there, and is told so.
    assert codes(check_spec_set(spec)) == ["SPEC203"]


def test_a_mistake_outside_the_messages_leaves_the_file_out(tmp_path: Path) -> None:
    messages = "profile: Core\n" + BASE["messages/core.yaml"]
    spec, found = load_spec_set(_write(tmp_path, messages))
    assert codes(found) == ["SPEC101"]
    assert spec is not None
    assert spec.messages == ()
    assert spec.broken_messages == frozenset()
