"""The build is deterministic and the committed generated/ is what it produces."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from compiler.emit import write_tree
from compiler.pipeline import CompileResult, compile_specs, managed_folders, unchecked_globs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def at_root(monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(ROOT)
    return ROOT


@pytest.fixture(scope="module")
def compiled() -> Iterator[CompileResult]:
    """One full build of the spec set, shared by this module's tests (each build runs the
    model search of every machine, about 50 s)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(ROOT)
        yield compile_specs(Path("specs/ocpp16"))


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


# A second full build beside the shared one (about 50 s apiece): a correctness test, so its
# safety timeout leaves room for a loaded machine.
@pytest.mark.timeout(600)
def test_two_builds_are_byte_identical(
    at_root: Path, tmp_path: Path, compiled: CompileResult
) -> None:
    first, second = tmp_path / "one", tmp_path / "two"
    for out, result in ((first, compiled), (second, compile_specs(Path("specs/ocpp16")))):
        assert result.ok and result.spec is not None
        write_tree(out, result.files, managed_folders(result.spec))
    assert _tree(first) == _tree(second)
    assert len(_tree(first)) == len(compiled.files) > 30


def test_committed_output_is_current(at_root: Path, compiled: CompileResult) -> None:
    result = compiled
    assert result.spec is not None
    report = write_tree(
        Path("generated"),
        result.files,
        managed_folders(result.spec),
        check=True,
        ignore=unchecked_globs(result.spec),
    )
    assert not report.stale, f"generated/ is stale; run: chargespec build\n{report.diff[:2000]}"


def test_every_generated_file_has_the_header(compiled: CompileResult) -> None:
    for path, text in compiled.files.items():
        if path.endswith((".py", ".dot", ".mmd", ".md")):
            assert "DO NOT EDIT" in text and "@generated" in text, path
