"""The build cache: a build with unchanged inputs takes its output from the cache, any changed
input (a spec byte, a compiler source file) compiles again, a damaged entry is rebuilt, and the
drift check stays exact with a warm cache.

Everything runs the real CLI on a small real spec set (one machine) in a folder of its own:
a template project is built once per module (spec copy, generated/, cache), and each test
works on a copy of it, so most tests start warm. No timing asserts: speed is measured by the
benchmarks; these tests observe what a build read and wrote.
"""

from __future__ import annotations

import hashlib
import shutil
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import compiler.emit.cache
from compiler.cli import main
from compiler.emit.cache import DEFAULT_CACHE_DIR, Store, input_key, text_key

ROOT = Path(__file__).resolve().parents[2]
SPECS = "specs/mini"
OUT = "generated"
# A cold build of the small spec set takes a few seconds; room for a loaded machine.
pytestmark = pytest.mark.timeout(600)

# A stand-in for Graphviz that notes each drawing in a log next to it (see
# test_svg_outside_drift.py for the same idea).
_FAKE_DOT = f"""#!{sys.executable}
import pathlib
import sys

if "-V" in sys.argv:
    sys.stderr.write("dot - graphviz version 99.2.0 (fake)\\n")
    sys.exit(0)
source = sys.stdin.read()
log = pathlib.Path(__file__).with_name("drawn.log")
with log.open("a") as out:
    out.write(str(len(source)) + "\\n")
size = str(len(source))
sys.stdout.write('<svg xmlns="http://www.w3.org/2000/svg"><!-- ' + size + " --></svg>\\n")
"""


def _cli(*args: str) -> Result:
    return CliRunner().invoke(main, list(args))


def _write_spec(target: Path) -> None:
    """A valid spec set of one machine: the trap_state bad spec with its trap made final."""
    shutil.copytree(ROOT / "tests" / "bad_specs" / "trap_state", target)
    (target / "expected.txt").unlink()
    boot = target / "machines" / "boot.yaml"
    text = boot.read_text(encoding="utf-8")
    fixed = text.replace(
        "    description: Registered.\n", "    description: Registered.\n    final: true\n"
    )
    assert fixed != text
    boot.write_text(fixed, encoding="utf-8")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A project folder with the spec set, its generated/ and a warm cache."""
    base = tmp_path_factory.mktemp("cache-template")
    _write_spec(base / SPECS)
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(base)
        result = _cli("build", SPECS, "--out", OUT)
    assert result.exit_code == 0, result.output
    assert "from the cache" not in result.output
    assert (base / DEFAULT_CACHE_DIR).is_dir()
    return base


@pytest.fixture
def project(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the template (files, mtimes and cache), as the working directory."""
    target = tmp_path / "project"
    shutil.copytree(template, target)
    monkeypatch.chdir(target)
    return target


def _stamps(folder: Path) -> dict[str, tuple[int, bytes]]:
    """Path → (mtime in ns, bytes) of every file under ``folder``."""
    return {
        p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes())
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts and not p.name.endswith(".svg")
    }


def _build_entry(project: Path) -> Path:
    entries = list((project / DEFAULT_CACHE_DIR).glob("*.build"))
    assert len(entries) == 1, entries
    return entries[0]


def _edit_spec(project: Path) -> None:
    """Change one byte of one spec file: a state's description, which three of the four
    diagrams carry (not the focus view of Offline, two states away)."""
    boot = project / SPECS / "machines" / "boot.yaml"
    text = boot.read_text(encoding="utf-8")
    boot.write_text(text.replace("description: Registered.", "description: Registered!"), "utf-8")


def test_a_build_with_nothing_changed_comes_from_the_cache(project: Path) -> None:
    before = _stamps(project / OUT)
    result = _cli("build", SPECS, "--out", OUT)
    assert result.exit_code == 0, result.output
    assert f"files from the cache into {OUT}/ (0 written, 0 removed," in result.output
    assert _stamps(project / OUT) == before  # not one file rewritten, not even touched


def test_changing_one_spec_byte_compiles_again(project: Path) -> None:
    _edit_spec(project)
    result = _cli("build", SPECS, "--out", OUT)
    assert result.exit_code == 0, result.output
    assert "from the cache" not in result.output
    assert "(0 written" not in result.output
    written = project / OUT / "diagrams" / "mini" / "boot.dot"
    assert "Registered!" in written.read_text(encoding="utf-8")
    # and that output is now cached under the new key, beside the old entry
    assert len(list((project / DEFAULT_CACHE_DIR).glob("*.build"))) == 2
    again = _cli("build", SPECS, "--out", OUT)
    assert "from the cache" in again.output and "(0 written, 0 removed," in again.output


def test_changing_a_compiler_source_file_compiles_again(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The key covers the compiler's files; here a copy of them stands for the installed ones.
    sources = project / "compiler-copy"
    shutil.copytree(ROOT / "compiler", sources, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(compiler.emit.cache, "_source_roots", lambda: [("compiler", sources)])
    first = input_key(Path(SPECS))
    assert input_key(Path(SPECS)) == first  # content, not time: the same again
    assert _cli("build", SPECS, "--out", OUT).exit_code == 0  # cached under this key
    assert "from the cache" in _cli("build", SPECS, "--out", OUT).output
    emit = sources / "emit" / "__init__.py"
    emit.write_bytes(emit.read_bytes() + b"\n")
    assert input_key(Path(SPECS)) != first
    result = _cli("build", SPECS, "--out", OUT)
    assert result.exit_code == 0, result.output
    assert "from the cache" not in result.output
    assert "(0 written, 0 removed," in result.output


@pytest.mark.parametrize("damage", ["truncated", "flipped", "not json", "empty"])
def test_a_damaged_entry_is_rebuilt_not_trusted(project: Path, damage: str) -> None:
    entry = _build_entry(project)
    raw = entry.read_bytes()
    if damage == "truncated":
        entry.write_bytes(raw[: len(raw) // 2])
    elif damage == "flipped":  # a changed byte in the middle of a generated file's text
        middle = len(raw) // 2
        entry.write_bytes(raw[:middle] + bytes([raw[middle] ^ 1]) + raw[middle + 1 :])
    elif damage == "not json":  # even with a matching checksum
        body = b"{not json"
        entry.write_bytes(hashlib.sha256(body).hexdigest().encode() + b"\n" + body)
    else:
        entry.write_bytes(b"")
    before = _stamps(project / OUT)
    result = _cli("build", SPECS, "--out", OUT)
    assert result.exit_code == 0, result.output
    assert "from the cache" not in result.output
    assert _stamps(project / OUT) == before
    assert sorted(p.name for p in (project / DEFAULT_CACHE_DIR).glob("*.build")) == [entry.name]
    assert entry.read_bytes() == raw  # replaced by a whole entry
    assert "from the cache" in _cli("build", SPECS, "--out", OUT).output


def test_check_fails_on_a_hand_edited_file_with_a_warm_cache(project: Path) -> None:
    ok = _cli("check", SPECS, "--out", OUT)
    assert ok.exit_code == 0, ok.output
    assert f"{OUT}/ is up to date" in ok.output
    edited = project / OUT / "mini" / "enums.py"
    edited.write_text(edited.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    result = _cli("check", SPECS, "--out", OUT)
    assert result.exit_code == 1, result.output
    assert "+++ b/mini/enums.py" in result.output and "-# edited" in result.output
    assert f"{OUT}/ is stale: 1 file(s) differ" in result.output
    # a file the build would not write is stale too
    (project / OUT / "mini" / "extra.py").write_text("x = 1\n", encoding="utf-8")
    edited.unlink()
    result = _cli("check", SPECS, "--out", OUT)
    assert result.exit_code == 1
    assert "1 file(s) differ, 1 file(s) no longer generated" in result.output


def test_check_fails_on_stale_output_even_when_the_new_output_is_cached(project: Path) -> None:
    _edit_spec(project)
    # the edited specs' output is built elsewhere, so the cache holds exactly what a build of
    # the current inputs writes; generated/ still holds the old output
    other = _cli("build", SPECS, "--out", "elsewhere")
    assert other.exit_code == 0, other.output
    result = _cli("check", SPECS, "--out", OUT)
    assert result.exit_code == 1, result.output
    assert "Registered!" in result.output
    assert "from the cache" in _cli("build", SPECS, "--out", OUT).output
    assert _cli("check", SPECS, "--out", OUT).exit_code == 0


def test_no_cache_neither_reads_nor_writes_it(project: Path) -> None:
    shutil.rmtree(project / DEFAULT_CACHE_DIR)
    for command in ("build", "check", "validate"):
        extra = ("--out", OUT) if command != "validate" else ()
        result = _cli(command, SPECS, *extra, "--no-cache")
        assert result.exit_code == 0, result.output
        assert "from the cache" not in result.output
    assert not (project / DEFAULT_CACHE_DIR).exists()


def test_validate_repeats_its_answer_from_the_cache(project: Path) -> None:
    fresh = _cli("validate", SPECS, "--no-cache")
    cached = _cli("validate", SPECS)
    assert fresh.exit_code == cached.exit_code == 0
    assert (
        cached.output
        == fresh.output
        == "specs/mini: 7 files, 1 machines, 2 messages, 0 scenarios: ok\n"
    )
    # a spec with an error is never cached: each run reports it
    boot = project / SPECS / "machines" / "boot.yaml"
    boot.write_text(boot.read_text(encoding="utf-8").replace("    final: true\n", ""), "utf-8")
    for _ in range(2):
        broken = _cli("validate", SPECS)
        assert broken.exit_code == 1
        assert "error[SPEC218]" in broken.output


def test_svgs_are_drawn_only_for_dot_text_not_drawn_before(
    project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    bin_dir = project / "fake-bin"
    bin_dir.mkdir()
    dot = bin_dir / "dot"
    dot.write_text(_FAKE_DOT, encoding="utf-8")
    dot.chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))
    log = bin_dir / "drawn.log"
    first = _cli("build", SPECS, "--out", OUT)
    assert first.exit_code == 0, first.output
    drawn = len(log.read_text(encoding="utf-8").splitlines())
    svgs = sorted((project / OUT).rglob("*.svg"))
    assert drawn == len(svgs) > 0
    assert f"drew {drawn} SVG diagrams" in first.output
    log.unlink()
    again = _cli("build", SPECS, "--out", OUT)
    assert again.exit_code == 0, again.output
    assert not log.exists()  # every drawing came from the cache
    assert f"drew {drawn} SVG diagrams" in again.output
    # three .dot files change: only those are drawn again
    _edit_spec(project)
    changed = _cli("build", SPECS, "--out", OUT)
    assert changed.exit_code == 0, changed.output
    assert len(log.read_text(encoding="utf-8").splitlines()) == 3 < drawn


def test_store_round_trip_and_checks(tmp_path: Path) -> None:
    store = Store(tmp_path / "cache")
    assert store.get("k", "build") is None  # no folder yet
    store.put("k", "build", {"files": {"a.py": "x = 1\n"}})
    assert store.get("k", "build") == {"files": {"a.py": "x = 1\n"}}
    assert store.get("k", "svg") is None  # kinds are separate
    entry = tmp_path / "cache" / "k.build"
    entry.write_bytes(entry.read_bytes().replace(b"x = 1", b"x = 2"))
    assert store.get("k", "build") is None
    assert not list((tmp_path / "cache").glob(".tmp-*"))  # no temporary file left behind
    assert text_key("a", "bc") != text_key("ab", "c")
