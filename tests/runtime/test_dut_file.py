"""dut.yaml: a lab's description of one device under test, checked with positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from runtime.conformance.dut_file import DutConfig, DutFileError, load_dut_file

EXAMPLE = Path(__file__).parents[2] / "docs" / "examples" / "dut.yaml"


def _load(tmp_path: Path, text: str) -> DutConfig:
    path = tmp_path / "dut.yaml"
    path.write_text(text, encoding="utf-8")
    return load_dut_file(path)


def _problems(tmp_path: Path, text: str) -> list[str]:
    with pytest.raises(DutFileError) as caught:
        _load(tmp_path, text)
    return caught.value.problems


def test_the_documented_example_loads_with_every_value() -> None:
    config = load_dut_file(EXAMPLE)
    assert config.identity == "CP-LAB-1"
    assert (config.host, config.port, config.path) == ("127.0.0.1", 9000, "/ocpp")
    assert config.id_tags.valid == "04A1B2C3D4"
    assert config.id_tags.parent == "GROUP-01"
    assert config.backend == "operator"
    assert config.tolerance == 2.0
    # What scenarios' placeholders stand for on this device.
    assert config.values()["id_tag"] == "04A1B2C3D4"
    assert config.values()["id_tag_lowercase"] == "04a1b2c3d4"
    assert config.values()["connector_under_test"] == 1


def test_a_minimal_file_takes_the_defaults(tmp_path: Path) -> None:
    config = _load(tmp_path, "dut:\n  identity: CP9\n")
    assert config.identity == "CP9"
    assert config.connector == 1
    assert config.time_scale == 1.0
    assert config.backend == "operator"


def test_each_mistake_is_named_with_its_position_and_the_allowed_values(tmp_path: Path) -> None:
    problems = _problems(
        tmp_path,
        "dut:\n"
        "  identity: CP1\n"
        "  conector: 2\n"
        "  timing: {tolerance: -1}\n"
        "  tester: {backend: robot}\n"
        "  id_tags: {valid: 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'}\n",
    )
    text = "\n".join(problems)
    assert "dut.yaml:3:" in text and "error[DUT003]: unknown field 'conector'" in text
    assert "did you mean 'connector'" in text and "allowed: basic_auth_password" in text
    assert "dut.yaml:4:" in text and "error[DUT004]: 'tolerance' must be a number >= 0" in text
    assert "error[DUT005]: tester backend 'robot' is not one of: operator, api" in text
    assert "'valid' is longer than 20" in text
    assert len(problems) == 4


def test_the_api_backend_needs_its_url(tmp_path: Path) -> None:
    problems = _problems(tmp_path, "dut:\n  tester: {backend: api}\n")
    assert problems == [
        f"{tmp_path / 'dut.yaml'}:2:11: error[DUT006]: tester backend 'api' needs 'url' (ws://…)"
    ]


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("dut: [1, 2]\n", "DUT002"),
        ("dut:\n  identity: [unclosed\n", "DUT001"),
        ("other: 1\n", "DUT002"),
    ],
)
def test_a_file_that_is_not_a_dut_mapping_is_refused(tmp_path: Path, text: str, code: str) -> None:
    (problem,) = _problems(tmp_path, text)
    assert f"error[{code}]" in problem


def test_a_missing_file_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    with pytest.raises(DutFileError, match=r"error\[DUT001\]"):
        load_dut_file(tmp_path / "nope.yaml")
