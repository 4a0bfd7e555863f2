"""The YAML loader: plain data, a position for every node, YAML 1.2 scalars, no silent
duplicates, and syntax errors as diagnostics (compiler.frontend.yaml over
runtime.spec.located_yaml)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compiler.diagnostics import Pos
from compiler.frontend.yaml import (
    LoadedFile,
    load_file,
)

REL = "specs/x/machines/m.yaml"


def _load(tmp_path: Path, text: str | bytes) -> tuple[LoadedFile | None, list]:
    path = tmp_path / "m.yaml"
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return load_file(path, REL)


def _ok(tmp_path: Path, text: str) -> LoadedFile:
    loaded, found = _load(tmp_path, text)
    assert found == []
    assert loaded is not None
    return loaded


MACHINE = """\
machine: Boot
states:
  Offline:
    initial: true
  BootSent: {description: Waiting.}
transitions:
  - {id: T1, from: Offline, to: BootSent}
  - id: T2
    from: BootSent
    guard: msg.status == 'Accepted'
"""


def test_data_is_plain_dicts_and_lists(tmp_path: Path) -> None:
    loaded = _ok(tmp_path, MACHINE)
    assert type(loaded.data) is dict
    assert type(loaded.data["states"]["Offline"]) is dict
    assert type(loaded.data["transitions"]) is list
    assert loaded.data["transitions"][1] == {
        "id": "T2",
        "from": "BootSent",
        "guard": "msg.status == 'Accepted'",
    }
    assert loaded.path == REL


def test_positions_of_keys_and_values(tmp_path: Path) -> None:
    loaded = _ok(tmp_path, MACHINE)
    assert loaded.positions[()] == Pos(REL, 1, 1)
    assert loaded.key_positions[("machine",)] == Pos(REL, 1, 1)
    assert loaded.positions[("machine",)] == Pos(REL, 1, 10)
    assert loaded.key_positions[("states", "Offline")] == Pos(REL, 3, 3)
    assert loaded.key_positions[("states", "Offline", "initial")] == Pos(REL, 4, 5)
    assert loaded.positions[("states", "Offline", "initial")] == Pos(REL, 4, 14)
    # flow mapping on one line
    assert loaded.key_positions[("states", "BootSent", "description")] == Pos(REL, 5, 14)
    assert loaded.positions[("states", "BootSent", "description")] == Pos(REL, 5, 27)


def test_keys_of_a_merge_key_are_placed_where_the_anchor_writes_them(tmp_path: Path) -> None:
    loaded = _ok(tmp_path, "base: &b\n  x: 1\nc:\n  <<: *b\n  z: 3\n")
    assert loaded.data["c"] == {"z": 3, "x": 1}
    assert loaded.key_positions[("c", "x")] == Pos(REL, 2, 3)
    assert loaded.positions[("c", "z")] == Pos(REL, 5, 6)


def test_positions_of_sequence_items(tmp_path: Path) -> None:
    loaded = _ok(tmp_path, MACHINE)
    assert loaded.positions[("transitions", 0)] == Pos(REL, 7, 5)
    assert loaded.positions[("transitions", 0, "to")] == Pos(REL, 7, 33)
    assert loaded.positions[("transitions", 1)] == Pos(REL, 8, 5)
    assert loaded.key_positions[("transitions", 1, "guard")] == Pos(REL, 10, 5)
    assert loaded.positions[("transitions", 1, "guard")] == Pos(REL, 10, 12)


def test_pos_falls_back_to_nearest_ancestor(tmp_path: Path) -> None:
    loaded = _ok(tmp_path, MACHINE)
    assert loaded.pos(("transitions", 1, "guard", "no", "such")) == Pos(REL, 10, 12)
    assert loaded.pos(("nothing",)) == Pos(REL, 1, 1)
    # key_pos of a sequence item (no key) falls back to the item's position
    assert loaded.key_pos(("transitions", 1)) == Pos(REL, 8, 5)
    assert loaded.key_pos(("states", "BootSent")) == Pos(REL, 5, 3)


def test_pos_without_any_position_is_the_file() -> None:
    assert LoadedFile("f.yaml", {}).pos(("a",)) == Pos("f.yaml", 1, 1)


@pytest.mark.parametrize("word", ["on", "off", "yes", "no", "y", "n", "On", "YES", "Off"])
def test_yaml_11_booleans_stay_strings(tmp_path: Path, word: str) -> None:
    loaded = _ok(tmp_path, f"{word}: {word}\nlist: [{word}]\n")
    assert loaded.data == {word: word, "list": [word]}


def test_on_as_a_transition_key_stays_on(tmp_path: Path) -> None:
    loaded = _ok(tmp_path, "transitions:\n  - {id: T1, from: A, on: tester.plug_in}\n")
    assert loaded.data["transitions"][0]["on"] == "tester.plug_in"
    assert ("transitions", 0, "on") in loaded.key_positions


def test_scalar_types(tmp_path: Path) -> None:
    loaded = _ok(
        tmp_path,
        "t: true\nf: false\ni: 42\nx: 1.5\nn: null\nt2: ~\ns: '007'\nd: 2026-01-01\nz: 0o17\n",
    )
    assert loaded.data == {
        "t": True,
        "f": False,
        "i": 42,
        "x": 1.5,
        "n": None,
        "t2": None,
        "s": "007",
        "d": "2026-01-01",  # no timestamp type in YAML 1.2 core: a plain string
        "z": 15,
    }
    assert type(loaded.data["i"]) is int
    assert type(loaded.data["x"]) is float
    assert type(loaded.data["s"]) is str


def test_duplicate_key_reports_both_lines(tmp_path: Path) -> None:
    text = "states:\n  Offline:\n    initial: true\n  BootSent: {}\n  Offline:\n    final: true\n"
    loaded, found = _load(tmp_path, text)
    assert loaded is None
    assert len(found) == 1
    d = found[0]
    assert d.code == "SPEC002"
    assert d.pos == Pos(REL, 5, 3)
    assert d.found == "duplicate key 'Offline'"
    assert d.hint == "first defined at line 2"
    assert "each key may appear once" in d.expected


def test_duplicate_key_in_flow_mapping(tmp_path: Path) -> None:
    loaded, found = _load(tmp_path, "t: {id: T1, id: T2}\n")
    assert loaded is None
    assert [d.code for d in found] == ["SPEC002"]
    assert found[0].found == "duplicate key 'id'"
    assert found[0].pos.line == 1
    assert found[0].hint == "first defined at line 1"


@pytest.mark.parametrize(
    ("text", "line", "col", "problem"),
    [
        ("a:\n  b: Waiting: for it\n", 2, 13, "mapping values are not allowed here"),
        ("a: 1\n\tb: 2\n", 2, 1, "found character '\\t' that cannot start any token"),
        ("a: [1, 2}\n", 1, 9, "expected ',' or ']', but got '}'"),
        ("a: 'unterminated\n", 2, 1, "found unexpected end of stream"),
    ],
)
def test_syntax_error_position(
    tmp_path: Path, text: str, line: int, col: int, problem: str
) -> None:
    loaded, found = _load(tmp_path, text)
    assert loaded is None
    assert len(found) == 1
    d = found[0]
    assert d.code == "SPEC001"
    assert (d.pos.file, d.pos.line, d.pos.col) == (REL, line, col)
    assert d.found == f"YAML syntax error: {problem}"


def test_unreadable_file_is_spec003(tmp_path: Path) -> None:
    loaded, found = _load(tmp_path, b"machine: Caf\xe9\n")
    assert loaded is None
    assert [d.code for d in found] == ["SPEC003"]
    assert found[0].pos == Pos(REL, 1, 1)
    assert found[0].found.startswith("cannot read file: 'utf-8' codec can't decode")


def test_missing_file_is_spec003(tmp_path: Path) -> None:
    loaded, found = load_file(tmp_path / "absent.yaml", "absent.yaml")
    assert loaded is None
    assert [d.code for d in found] == ["SPEC003"]


def test_empty_file_is_none(tmp_path: Path) -> None:
    loaded = _ok(tmp_path, "# only a comment\n")
    assert loaded.data is None
