"""Transition coverage: the machines tell a hook each transition they take; a run of the
in-process charge point records them; coverage compares them with the registry."""

from __future__ import annotations

from typing import Any

from generated.ocpp16.machines.reset import ResetMachine, make_context
from generated.ocpp16.registry import SPEC
from runtime.conformance.coverage import TransitionRecorder, coverage, process_hook, recording
from runtime.conformance.inprocess import InProcessDut
from runtime.conformance.runner import run_scenario
from runtime.spec.effects import MachineEnv
from tests.runtime.setup_states import setup_steps_for


class _Env(MachineEnv):
    def config_int(self, key: str) -> int:
        return 0

    def config_bool(self, key: str) -> bool:
        return False

    def config_str(self, key: str) -> str:
        return ""

    def pics_bool(self, item: str) -> bool:
        return True

    def pics_int(self, item: str) -> int:
        return 0

    def pics_str(self, item: str) -> str:
        return ""

    def query(self, name: str, *args: Any) -> Any:
        return None


def _booted_then(*steps: dict[str, Any]) -> dict[str, Any]:
    return {
        "id": "T",
        "requires": [],
        "setup": {},
        "setup_steps": setup_steps_for(boot="accepted"),
        "steps": list(steps),
    }


def test_a_machine_tells_its_hook_the_key_of_each_transition_it_takes() -> None:
    machine = ResetMachine(_Env(), make_context({}))
    machine.fire("ocpp.Reset", {"type": "Hard"})  # nobody listens: nothing to do
    heard: list[tuple[str, str]] = []
    machine.on_transition = lambda name, key: heard.append((name, key))
    machine.fire("ocpp.Reset", {"type": "Soft"})
    machine.fire("internal.reset_failed")  # a transition without actions is heard too
    assert heard == [
        ("Reset", "RST3:Resetting:ocpp.Reset"),
        ("Reset", "RST5:Resetting:internal.reset_failed"),
    ]


def test_the_registry_lists_every_transition_with_where_it_is_written() -> None:
    (reset,) = [m for m in SPEC.machines if m.name == "Reset"]
    assert [t.id for t in reset.transitions] == ["RST1", "RST2", "RST3", "RST4", "RST5"]
    assert reset.transitions[2].label("Reset") == (
        "Reset RST3 Resetting --ocpp.Reset--> (internal) (specs/ocpp16/machines/reset.yaml:23)"
    )
    keys = [(m.name, t.key) for m in SPEC.machines for t in m.transitions]
    assert len(keys) == len(set(keys)) > 300


async def test_an_in_process_run_reports_the_transitions_its_station_takes() -> None:
    recorder = TransitionRecorder()
    dut = InProcessDut(SPEC, on_transition=recorder)
    await dut.start()
    send = {
        "kind": "send",
        "name": "Reset",
        "payload": {"type": "Hard"},
        "reply": {"status": "Accepted"},
        "at": "t:1",
    }
    await run_scenario(_booted_then(send), dut)
    assert ("Registration", "R1:Offline:internal.connected") in recorder.fired
    assert ("Reset", "RST2:Idle:ocpp.Reset") in recorder.fired
    assert ("Reset", "RST1:Idle:ocpp.Reset") not in recorder.fired
    found = coverage(SPEC, recorder.fired)
    assert found.total == sum(len(m.transitions) for m in SPEC.machines)
    assert found.exercised == len(recorder.fired)
    # Booted itself starts with a hard Reset: RST2, then the reboot timer RST4.
    assert ("Reset", "RST4:Resetting:timer.reboot") in recorder.fired
    assert found.machines["Reset"] == [2, 5]
    assert sum(done for done, _ in found.machines.values()) == found.exercised
    assert len(found.uncovered) == found.total - found.exercised
    assert "Reset RST1 Idle --ocpp.Reset--> Resetting (specs/ocpp16/machines/reset.yaml:20)" in (
        found.uncovered
    )


async def test_recording_catches_the_duts_created_inside_it_and_no_others() -> None:
    assert process_hook() is None
    with recording() as recorder:
        assert process_hook() is recorder
        inside = InProcessDut(SPEC)
        await inside.start()
    assert process_hook() is None
    outside = InProcessDut(SPEC)
    await outside.start()
    await run_scenario(_booted_then(), outside)
    # Power-on and connection only: the Booted steps were played by the DUT made outside.
    assert recorder.fired == {
        ("AuthorizationCache", "CE1:Ready:internal.powered_on"),
        ("Availability", "CA-restore:Ready:internal.powered_on"),
        ("Registration", "R1:Offline:internal.connected"),
    }
