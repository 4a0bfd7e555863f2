"""PICS selection of the generated tests: conditions, reasons and the device PICS file."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance.applicability import (
    PICS_ENV,
    device_pics,
    marker_conditions,
    pics_file_problems,
    pics_placeholders,
    scenario_run_pics,
)
from runtime.spec.applicability import inapplicable_reason, requirement, scenario_conditions


def test_scenario_conditions_take_requires_then_setup_pics() -> None:
    conditions = scenario_conditions(["Core", "not FixedCable"], {"BackupPower": True})
    assert conditions == {"Core": True, "FixedCable": False, "BackupPower": True}
    assert list(conditions) == ["Core", "FixedCable", "BackupPower"]
    assert scenario_conditions(["Core"]) == {"Core": True}


def test_marker_conditions_merge_marks_closest_first() -> None:
    marks = [
        SimpleNamespace(kwargs={"Reservation": True}),
        SimpleNamespace(kwargs={"Reservation": False, "Core": True}),
    ]
    assert marker_conditions(marks) == {"Reservation": True, "Core": True}
    assert marker_conditions([]) == {}


def test_inapplicable_reason_names_item_declared_and_needed_value() -> None:
    pics = {"Core": True, "Reservation": False, "NumberOfConnectors": 1}
    assert inapplicable_reason({"Core": True, "Reservation": False}, pics) is None
    assert inapplicable_reason({"Core": True, "Reservation": True}, pics) == (
        "not applicable: PICS Reservation = false (the test needs true)"
    )
    assert inapplicable_reason({"NumberOfConnectors": 2}, pics) == (
        "not applicable: PICS NumberOfConnectors = 1 (the test needs 2)"
    )
    assert inapplicable_reason({"Unknown": True}, pics) == (
        "not applicable: PICS Unknown = not declared (the test needs true)"
    )


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_without_a_device_pics_setup_pics_override_the_full_pics(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(PICS_ENV, raising=False)
    assert device_pics(SPEC) is None
    pics, reason = scenario_run_pics(SPEC, ["Core", "not FixedCable"], {"FixedCable": False})
    assert reason is None
    assert pics["FixedCable"] is False and pics["BackupPower"] is True
    _, reason = scenario_run_pics(SPEC, ["not BackupPower"], {})
    assert reason == "not applicable: PICS BackupPower = true (the test needs false)"
    # Of the profiles, only those with machines: the in-process station has no others.
    assert pics["Core"] is True and pics["Reservation"] is (
        "Reservation" in SPEC.implemented_profiles
    )


def test_requires_an_enum_item_to_be_one_of_several_values() -> None:
    assert requirement("FixedCable") == ("FixedCable", True)
    assert requirement("not FixedCable") == ("FixedCable", False)
    needed = requirement("StopTransactionOnEVSideDisconnect = always | configurable")
    assert needed == ("StopTransactionOnEVSideDisconnect", ("always", "configurable"))
    item = "StopTransactionOnEVSideDisconnect"
    conditions = scenario_conditions(["Core", f"{item} = always | configurable"])
    assert inapplicable_reason(conditions, {"Core": True, item: "always"}) is None
    assert inapplicable_reason(conditions, {"Core": True, item: "never"}) == (
        "not applicable: PICS StopTransactionOnEVSideDisconnect = never "
        "(the test needs always or configurable)"
    )
    # A list item in setup.pics still compares equal, tuple to tuple.
    assert inapplicable_reason({"Units": ("Current",)}, {"Units": ("Current",)}) is None


def test_pics_placeholders_give_each_integer_item_and_its_neighbours() -> None:
    values = pics_placeholders({"MaxHeartbeatInterval": 3600, "Core": True, "Vendor": "x"})
    assert values == {
        "pics.MaxHeartbeatInterval": "3600",
        "over.MaxHeartbeatInterval": "3601",
        "under.MaxHeartbeatInterval": "3599",
    }


def test_with_a_device_pics_setup_pics_are_conditions(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    path = _write(tmp_path, "wallbox.yaml", "pics:\n  Core: true\n  FixedCable: true\n")
    monkeypatch.setenv(PICS_ENV, str(path))
    device = device_pics(SPEC)
    assert device is not None and device["FixedCable"] is True
    assert device["Reservation"] is False  # the default, filled in
    pics, reason = scenario_run_pics(SPEC, ["Core"], {"FixedCable": True})
    assert reason is None and pics == device
    _, reason = scenario_run_pics(SPEC, ["Core", "not FixedCable"], {"FixedCable": False})
    assert reason == "not applicable: PICS FixedCable = true (the test needs false)"


def test_a_bad_pics_file_gives_its_problems_with_positions(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.yaml", "pics:\n  Core: true\n  Reservaton: true\n")
    problems = pics_file_problems(path, SPEC)
    assert len(problems) == 1
    assert problems[0].startswith(f"{path}:3:3: error[")
    assert "Reservaton" in problems[0]
    good = _write(tmp_path, "good.yaml", "pics:\n  Core: true\n")
    assert pics_file_problems(good, SPEC) == []
