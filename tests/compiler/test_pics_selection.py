"""PICS selects the generated tests (issue 5): marks on every test, skips under a device PICS,
and ``chargespec test --pics FILE``."""

from __future__ import annotations

import importlib
import os
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from compiler.cli.suite import PicsSelection
from runtime.conformance.applicability import PICS_ENV
from runtime.spec.applicability import scenario_conditions

ROOT = Path(__file__).resolve().parents[2]
TESTS = ROOT / "generated" / "tests" / "ocpp16"
REGRESSION = ROOT / "generated" / "regression" / "ocpp16"
EXAMPLES = ROOT / "specs" / "ocpp16" / "pics"
CORE_ONLY = "pics:\n  Core: true\n  Reservation: false\n"

# The generated modules register their marks in generated/tests/conftest.py, which a run of
# tests/ alone does not load; importing them here would warn about unknown marks.
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestUnknownMarkWarning")


def _modules(prefix: str) -> list[Any]:
    """The generated test modules whose names start with ``prefix``: the model tests from
    generated/regression/, every other from generated/tests/."""
    folder, package = (REGRESSION, "regression") if prefix == "test_model_" else (TESTS, "tests")
    return [
        importlib.import_module(f"generated.{package}.ocpp16.{path.stem}")
        for path in sorted(folder.glob(f"{prefix}*.py"))
    ]


def _scenarios() -> dict[str, dict[str, Any]]:
    """Every generated scenario by id, with the test function that plays it."""
    found = {}
    for module in _modules("test_"):
        for name, value in vars(module).items():
            if name.startswith("SCENARIO_"):
                test = getattr(module, "test_" + name.removeprefix("SCENARIO_").lower())
                found[value["id"]] = {"data": value, "test": test}
    return found


def _marks(test: Any, name: str) -> list[Any]:
    return [m for m in getattr(test, "pytestmark", []) if m.name == name]


def test_every_scenario_test_carries_its_case_and_pics_conditions() -> None:
    scenarios = _scenarios()
    assert len(scenarios) > 40
    for case_id, found in scenarios.items():
        data, test = found["data"], found["test"]
        assert [m.args for m in _marks(test, "case")] == [(case_id,)]
        (pics,) = _marks(test, "pics")
        expected = scenario_conditions(data["requires"], data["setup"].get("pics", {}))
        assert pics.kwargs == expected, case_id


def test_every_model_case_carries_the_pics_values_it_reads() -> None:
    # A case's mark names only the PICS items its path reads, with its variant's values.
    for module in _modules("test_model_"):
        assert module.pytestmark.args[0].startswith("model ")
        for name in ("test_state_reached", "test_transition_fires"):
            (parametrize,) = _marks(getattr(module, name), "parametrize")
            for param in parametrize.args[1]:
                (mark,) = param.marks
                variant_pics = module.VARIANTS[param.values[0]]["pics"]
                assert mark.kwargs.items() <= variant_pics.items(), param.id


def test_a_case_that_reads_a_pics_item_is_derived_for_each_of_its_values() -> None:
    # Every ConnectorStatus state is reported through MinimumStatusDuration's gate, so a
    # device declaring either value must still find each state reached.
    (module,) = [m for m in _modules("test_model_") if "ConnectorStatus" in m.__doc__]
    (parametrize,) = _marks(module.test_state_reached, "parametrize")
    seen: dict[str, set[object]] = {}
    for param in parametrize.args[1]:
        (mark,) = param.marks
        seen.setdefault(param.values[2], set()).add(mark.kwargs.get("MinimumStatusDuration"))
    assert all(values >= {True, False} for values in seen.values()), seen


def _chargespec(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", "from compiler.cli import main; main()", *args]
    environ = {k: v for k, v in os.environ.items() if k != PICS_ENV} | (env or {})
    return subprocess.run(
        command, cwd=ROOT, env=environ, capture_output=True, text=True, check=False, timeout=300
    )


def _rows(table: str) -> dict[str, str]:
    """Table rows by test case id (the first column)."""
    return {line.split()[0]: line for line in table.splitlines() if re.match(r"^(TC|CS)_", line)}


def _write(tmp_path: Path, text: str, name: str = "device.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_core_only_pics_leaves_out_reservation_gated_tests(tmp_path: Path) -> None:
    path = _write(tmp_path, CORE_ONLY)
    done = _chargespec(
        "test", "--pics", str(path), "--", "--collect-only", "-q", "-p", "no:randomly"
    )
    assert done.returncode == 0, done.stderr
    # The model tests are compiler regression tests (generated/regression/): never run here.
    assert not [line for line in done.stdout.splitlines() if line.startswith("model ")]
    reason = "not applicable: PICS Reservation = false (the test needs true)"
    (row,) = [
        line
        for line in done.stdout.splitlines()
        if line.startswith("WIRE Reservation CR-rejected ")
    ]
    assert reason in row
    (row,) = [line for line in done.stdout.splitlines() if line.startswith("WIRE Reset RST1 ")]
    assert row.split()[3:4] == ["yes"]
    assert set(_rows(done.stdout)) == {c for c in _scenarios() if not c.startswith("WIRE ")}
    assert (
        "not applicable: PICS FixedCable = false (the test needs true)"
        in (_rows(done.stdout)["TC_017_2_CS"])
    )
    totals = re.search(r"applicable (\d+), not applicable (\d+)", done.stdout)
    assert totals is not None and int(totals[2]) > 0
    assert re.search(rf"{int(totals[2])} deselected", done.stdout)


def test_the_applicable_set_runs_and_inapplicable_tests_are_deselected(tmp_path: Path) -> None:
    path = _write(tmp_path, "pics:\n  Core: true\n  FixedCable: true\n")
    done = _chargespec(
        "test", "--pics", str(path), "--", "-q", "-p", "no:randomly", "-k", "tc_017 or tc_018"
    )
    rows = _rows(done.stdout)
    assert rows["TC_017_2_CS"].split()[1:3] == ["yes", "passed"], done.stdout
    assert "FixedCable = true (the test needs false)" in rows["TC_017_1_CS"]
    assert done.returncode == 0, done.stdout


def test_a_bad_pics_file_is_refused_with_its_position(tmp_path: Path) -> None:
    path = _write(tmp_path, "pics:\n  Core: true\n  Reservation: yes\n")
    done = _chargespec("test", "--pics", str(path))
    assert done.returncode == 1
    assert re.match(rf"{re.escape(str(path))}:3:16: error\[PICS\d+\]: .*Reservation", done.stderr)
    assert "Traceback" not in done.stderr + done.stdout


def test_plain_pytest_skips_naming_the_item_and_refuses_a_bad_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "pics:\n  Core: true\n  FixedCable: true\n")
    target = str(TESTS / "test_core_ev_disconnect.py")
    pytest_run = [
        "-m",
        "pytest",
        target,
        "-q",
        "-rs",
        "-p",
        "no:randomly",
        "-p",
        "no:cacheprovider",
    ]
    env = {k: v for k, v in os.environ.items() if k != PICS_ENV} | {PICS_ENV: str(path)}
    done = subprocess.run(
        [sys.executable, *pytest_run],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert "not applicable: PICS FixedCable = true (the test needs false)" in done.stdout
    bad = _write(tmp_path, "pics:\n  Reservaton: true\n", "bad.yaml")
    env[PICS_ENV] = str(bad)
    done = subprocess.run(
        [sys.executable, *pytest_run],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == pytest.ExitCode.USAGE_ERROR
    assert f"{bad}:2:3: error[" in done.stderr
    assert "Traceback" not in done.stderr


def test_example_pics_files_select_different_sets() -> None:
    files = [EXAMPLES / f"{name}.yaml" for name in ("full", "core-only", "wallbox")]
    if not all(path.exists() for path in files):
        pytest.skip("the example PICS files are not there yet")
    counts = []
    for path in files:
        done = _chargespec("test", "--pics", str(path), "--", "--collect-only", "-q")
        assert done.returncode == 0, done.stderr
        found = re.search(r"applicable (\d+), not applicable (\d+)", done.stdout)
        assert found is not None
        counts.append(int(found[1]))
    assert len(set(counts)) == 3, counts


def _item(nodeid: str, case: str | None, **pics: Any) -> Any:
    marks = {"pics": [SimpleNamespace(kwargs=pics)]}
    closest = SimpleNamespace(args=(case,)) if case else None
    return SimpleNamespace(
        nodeid=nodeid,
        get_closest_marker=lambda name: closest if name == "case" else None,
        iter_markers=lambda name: marks.get(name, []),
    )


def _report(nodeid: str, when: str, outcome: str) -> Any:
    return SimpleNamespace(
        nodeid=nodeid,
        when=when,
        failed=outcome == "failed",
        skipped=outcome == "skipped",
    )


def test_selection_table_counts_per_case_and_in_total() -> None:
    selection = PicsSelection({"Core": True, "Reservation": False})
    items = [
        _item("a.py::test_tc_001", "TC_001_CS", Core=True),
        _item("a.py::test_tc_002", "TC_002_CS", Reservation=True),
        _item("m.py::test_x[a]", "model M", Reservation=True),
        _item("m.py::test_x[b]", "model M", Reservation=False),
        _item("m.py::test_x[c]", "model M"),
        _item("m.py::test_x[d]", "model M"),
        _item("z.py::test_other", None),
    ]
    deselected: list[Any] = []
    config = SimpleNamespace(
        hook=SimpleNamespace(pytest_deselected=lambda items: deselected.extend(items))
    )
    selection.pytest_collection_modifyitems(config, list(items))
    assert [i.nodeid for i in deselected] == ["a.py::test_tc_002", "m.py::test_x[a]"]
    reports = [
        ("a.py::test_tc_001", "call", "passed"),
        ("m.py::test_x[b]", "setup", "passed"),
        ("m.py::test_x[b]", "call", "failed"),
        ("m.py::test_x[b]", "teardown", "skipped"),
        ("m.py::test_x[c]", "setup", "skipped"),
        ("a.py::test_tc_002", "call", "passed"),  # deselected: not counted
    ]
    for nodeid, when, outcome in reports:
        selection.pytest_runtest_logreport(_report(nodeid, when, outcome))
    selection.finish()
    lines = selection.table().splitlines()
    assert lines[0].split() == ["test", "case", "applicable", "result", "reason"]
    assert lines[1].split()[:3] == ["TC_001_CS", "yes", "passed"]
    assert lines[2].split()[:3] == ["TC_002_CS", "no", "-"]
    assert lines[2].endswith("not applicable: PICS Reservation = false (the test needs true)")
    assert lines[3].split()[:1] == ["z.py"]
    assert "3 of 4" in lines[4] and "1 failed, 1 not run, 1 skipped" in lines[4]
    assert lines[4].endswith("1 not applicable: PICS Reservation = false (the test needs true)")
    assert lines[5] == ("applicable 5, not applicable 2; passed 1, failed 1, skipped 1, not run 2")
