"""The bad-spec corpus: every folder of tests/bad_specs/ is a small spec directory with one
deliberate mistake and, in expected.txt, the exact output `chargespec validate` must print for it.

Refresh a case after an intended change of wording with (from the repository root):

    .venv/bin/chargespec validate tests/bad_specs/<case> > tests/bad_specs/<case>/expected.txt 2>&1

and read the new file before committing it: it is what a user will see.
"""

from __future__ import annotations

import difflib
import re
import traceback
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from compiler.cli import main
from compiler.diagnostics import CODES

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT / "tests" / "bad_specs"
CASES = sorted(p.name for p in CORPUS.iterdir() if p.is_dir())

# Cases whose expected.txt holds the output a user needs, which the compiler does not print yet.
# They are strict xfails: once the compiler is fixed the test passes, xfail_strict turns that into
# a failure, and the entry must be removed here.
WRONG_OUTPUT: dict[str, str] = {}
# Cases where the compiler crashes instead of printing a diagnostic.
CRASHES: dict[str, str] = {}
KNOWN_BUGS = WRONG_OUTPUT | CRASHES


def _marked(cases: list[str], bugs: dict[str, str]) -> list[pytest.param]:
    return [
        pytest.param(
            case, marks=pytest.mark.xfail(reason=bugs[case], strict=True) if case in bugs else ()
        )
        for case in cases
    ]


def _refresh_command(case: str) -> str:
    path = f"tests/bad_specs/{case}"
    return f".venv/bin/chargespec validate {path} > {path}/expected.txt 2>&1"


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


def _validate(spec_dir: str) -> Result:
    # click >= 8.2: result.output holds stdout and stderr interleaved, as a terminal shows them.
    return CliRunner().invoke(main, ["validate", spec_dir])


def _text(result: Result) -> str:
    """The output, plus the traceback a crash would have printed outside CliRunner."""
    if result.exc_info is None or isinstance(result.exception, SystemExit):
        return result.output
    return result.output + "".join(traceback.format_exception(*result.exc_info))


def test_corpus_is_not_empty() -> None:
    assert len(CASES) >= 30
    for case in CASES:
        assert (CORPUS / case / "expected.txt").is_file(), f"{case} has no expected.txt"


@pytest.mark.parametrize("case", _marked(CASES, KNOWN_BUGS))
def test_bad_spec_output(case: str, at_root: Path) -> None:
    result = _validate(f"tests/bad_specs/{case}")
    expected = (CORPUS / case / "expected.txt").read_text(encoding="utf-8")
    actual = _text(result)
    if actual != expected:
        diff = "".join(
            difflib.unified_diff(
                expected.splitlines(keepends=True),
                actual.splitlines(keepends=True),
                f"tests/bad_specs/{case}/expected.txt",
                "actual output",
            )
        )
        pytest.fail(
            f"output of chargespec validate differs from expected.txt:\n{diff}\n"
            f"if the new output is right, refresh it with:\n  {_refresh_command(case)}",
            pytrace=False,
        )
    assert result.exit_code == 1


@pytest.mark.parametrize("case", _marked(CASES, CRASHES))
def test_bad_spec_never_crashes(case: str, at_root: Path) -> None:
    result = _validate(f"tests/bad_specs/{case}")
    assert "Traceback" not in _text(result)
    assert isinstance(result.exception, SystemExit)
    assert result.exit_code == 1


def _codes_in(case: str) -> set[str]:
    text = (CORPUS / case / "expected.txt").read_text(encoding="utf-8")
    return set(re.findall(r"\berror\[(SPEC\d{3})\]", text))


def test_every_code_has_a_case() -> None:
    # Only cases that pass count: a code covered solely by a known-bug case is not covered.
    covered = set().union(*(_codes_in(c) for c in CASES if c not in KNOWN_BUGS))
    missing = sorted(set(CODES) - covered)
    assert not missing, f"no passing case in tests/bad_specs/ reports {missing}"


def test_expected_files_end_with_the_count() -> None:
    for case in CASES:
        lines = (CORPUS / case / "expected.txt").read_text(encoding="utf-8").splitlines()
        errors = [line for line in lines if ": error[SPEC" in line]
        assert errors, case
        assert lines[-1] == f"{len(errors)} error(s) found", case
        for line in errors:
            assert line.startswith(f"tests/bad_specs/{case}/"), line


def test_many_errors_are_all_reported_in_position_order(at_root: Path) -> None:
    text = _validate("tests/bad_specs/many_errors").output
    lines = [line for line in text.splitlines() if ": error[SPEC" in line]
    assert len(lines) >= 3
    assert len({line.split(":", 1)[0] for line in lines}) >= 2

    def position(line: str) -> tuple[str, int, int]:
        file, row, col, _ = line.split(":", 3)
        return file, int(row), int(col)

    assert [position(line) for line in lines] == sorted(position(line) for line in lines)


def test_real_spec_set_is_valid(at_root: Path) -> None:
    result = _validate("specs/ocpp16")
    assert result.exit_code == 0, _text(result)
    assert result.output.startswith("specs/ocpp16: ")
    assert result.output.endswith(": ok\n")
