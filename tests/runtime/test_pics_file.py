"""Device PICS files: every kind of problem is reported with its exact file:line:col and code."""

from __future__ import annotations

from pathlib import Path

import pytest

from generated.ocpp16.registry import SPEC
from runtime.conformance.pics_file import PicsFileError, load_pics_file
from runtime.spec.pics import PicsValues

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "specs" / "ocpp16" / "pics"


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "device.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _problems(tmp_path: Path, text: str) -> list[str]:
    path = _write(tmp_path, text)
    with pytest.raises(PicsFileError) as caught:
        load_pics_file(path, SPEC.pics_items)
    assert str(caught.value) == "\n".join(caught.value.problems)
    return [p.removeprefix(f"{path}:") for p in caught.value.problems]


def test_defaults_are_filled_in(tmp_path: Path) -> None:
    values = load_pics_file(_write(tmp_path, "pics:\n  Reservation: true\n"), SPEC.pics_items)
    assert values["Reservation"] is True
    assert values["Core"] is True
    assert values["AuthorizationCache"] is True
    assert values["FixedCable"] is False
    assert values["GetConfigurationMaxKeys"] is None
    assert list(values) == [item.name for item in SPEC.pics_items]


@pytest.mark.parametrize("name", ["full", "core-only", "wallbox"])
def test_examples_validate_and_feed_a_station(name: str) -> None:
    values = load_pics_file(EXAMPLES / f"{name}.yaml", SPEC.pics_items)
    pics = PicsValues(SPEC.pics_items, values)
    assert pics.get_bool("Core")


def test_wallbox_values() -> None:
    values = load_pics_file(EXAMPLES / "wallbox.yaml", SPEC.pics_items)
    assert values["NumberOfConnectors"] == 2
    assert values["SupportedFileTransferProtocols"] == ("HTTP", "HTTPS", "FTP")
    assert values["SecurityProfile2"] is True


def test_unknown_item_with_did_you_mean(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, "pics:\n  Core: true\n  Reservaton: true\n")
    assert problem.startswith(
        "3:3: error[PICS101]: unknown PICS item 'Reservaton'; expected one of:"
    )
    assert problem.endswith("(did you mean 'Reservation'?)")
    assert "SmartCharging" in problem


def test_wrong_type_yaml_12_yes_is_a_string(tmp_path: Path) -> None:
    assert _problems(tmp_path, "pics:\n  FixedCable: yes\n") == [
        "2:15: error[PICS102]: FixedCable takes true or false, not 'yes'"
    ]


def test_wrong_type_integer(tmp_path: Path) -> None:
    assert _problems(tmp_path, "pics:\n  NumberOfConnectors: two\n") == [
        "2:23: error[PICS102]: NumberOfConnectors takes an integer from 1 to 64 connectors, "
        "not 'two'"
    ]


def test_out_of_range(tmp_path: Path) -> None:
    assert _problems(tmp_path, "pics:\n  NumberOfConnectors: 0\n") == [
        "2:23: error[PICS103]: NumberOfConnectors must be an integer from 1 to 64 connectors, not 0"
    ]


def test_enum_value_not_allowed(tmp_path: Path) -> None:
    assert _problems(tmp_path, "pics:\n  StopTransactionOnEVSideDisconnect: sometimes\n") == [
        "2:38: error[PICS103]: StopTransactionOnEVSideDisconnect must be one of: always, "
        "configurable, never, not 'sometimes'"
    ]


def test_list_element_not_allowed_points_at_the_element(tmp_path: Path) -> None:
    text = "pics:\n  SupportedFileTransferProtocols: [HTTP, SFTP]\n"
    assert _problems(tmp_path, text) == [
        "2:42: error[PICS103]: SupportedFileTransferProtocols does not allow 'SFTP'; "
        "a list of: HTTP, HTTPS, FTP, FTPS"
    ]


def test_inconsistent_combinations(tmp_path: Path) -> None:
    text = (
        "pics:\n"
        "  SmartCharging: true\n"
        "  Core: false\n"
        "  MaxEnergyOnInvalidId: 500\n"
        "  SecurityExtension: true\n"
        "  MinHeartbeatInterval: 600\n"
        "  MaxHeartbeatInterval: 60\n"
    )
    assert _problems(tmp_path, text) == [
        "2:18: error[PICS201]: SmartCharging is true, so ChargeProfileMaxStackLevel and "
        "ChargingScheduleAllowedChargingRateUnit and ChargingScheduleMaxPeriods and "
        "MaxChargingProfilesInstalled must be declared too",
        "3:9: error[PICS201]: Core is mandatory; it must be true",
        "4:25: error[PICS201]: MaxEnergyOnInvalidId is declared, so UnknownOfflineAuthorization "
        "must be declared too",
        "5:22: error[PICS201]: SecurityExtension is true, so at least one of SecurityProfile2, "
        "SecurityProfile3 must be true",
        "6:25: error[PICS201]: MinHeartbeatInterval (600) must not exceed "
        "MaxHeartbeatInterval (60)",
    ]


def test_firmware_management_needs_protocols(tmp_path: Path) -> None:
    text = "pics:\n  FirmwareManagement: true\n  SupportedFileTransferProtocols: []\n"
    assert _problems(tmp_path, text) == [
        "2:23: error[PICS201]: FirmwareManagement is true, so SupportedFileTransferProtocols "
        "must be declared too"
    ]


def test_yaml_syntax_error(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, "pics:\n  Core: [true\n")
    assert problem.startswith("3:1: error[PICS001]: YAML syntax error:")


def test_duplicate_key(tmp_path: Path) -> None:
    (problem,) = _problems(tmp_path, "pics:\n  Core: true\n  Core: false\n")
    assert problem == "3:3: error[PICS001]: duplicate key 'Core'; write each item once"


@pytest.mark.parametrize("text", ["Core: true\n", "", "pics: [Core]\n", "- 1\n"])
def test_missing_top_level_pics(tmp_path: Path, text: str) -> None:
    (problem,) = _problems(tmp_path, text)
    assert problem.startswith("1:1: error[PICS003]: no top-level 'pics:' mapping")


def test_unknown_top_level_key(tmp_path: Path) -> None:
    assert _problems(tmp_path, "pics:\n  Core: true\nextra: 1\n") == [
        "3:1: error[PICS003]: unknown top-level key 'extra'; a PICS file holds only 'pics:'"
    ]


def test_unreadable_file(tmp_path: Path) -> None:
    path = tmp_path / "missing.yaml"
    with pytest.raises(PicsFileError) as caught:
        load_pics_file(path, SPEC.pics_items)
    (problem,) = caught.value.problems
    assert problem.startswith(f"{path}:1:1: error[PICS002]: cannot read file:")


def test_every_problem_is_reported_in_position_order(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "pics:\n  Reservation: 1\n  FixedCable: no\n  Foo: 1\n")
    assert [p.split(": ", 1)[0] for p in problems] == ["2:16", "3:15", "4:3"]
