"""The fast YAML reader (libyaml) against the reference (ruamel.yaml, YAML 1.2): the same data,
positions and key positions, or the same error at the same place, on every YAML file of the
repository and on snippets written to catch where YAML 1.1, PyYAML and ruamel differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from runtime.spec import located_yaml
from runtime.spec.located_yaml import (
    SourcePos,
    YamlError,
    load_yaml_file,
    read_yaml,
    read_yaml_fast,
    read_yaml_reference,
)

ROOT = Path(__file__).resolve().parents[2]
SHOWN = "f.yaml"
FILES = sorted(
    path.relative_to(ROOT).as_posix()
    for folder in ("specs", "tests")
    for pattern in ("*.yaml", "*.yml")
    for path in (ROOT / folder).rglob(pattern)
)

SNIPPETS = [
    # YAML 1.1 booleans stay strings; only true/false (three spellings each) are booleans
    "on: tester.plug_in\noff: x\nyes: y\nno: n\ny: Y\nN: n\nOn: ON\n",
    "a: true\nb: True\nc: TRUE\nd: false\ne: False\nf: FALSE\ng: tRue\nh: [true, no]\n",
    # null
    "a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: nULL\ng: ''\nh: !!null ''\n",
    # integers: decimal, signs, leading zeros (decimal in 1.2), octal, hex, binary, underscores
    "a: 42\nb: -7\nc: +5\nd: 017\ne: 089\nf: 0o17\ng: 0x1F\nh: -0x1f\ni: 0b101\nj: 1_000\n",
    "a: 00\nb: -0\nc: 999999999999999999999999999999\nd: +0o7\ne: 0o\nf: 0x\ng: 0b\nh: _1\n",
    "a: 1:30\nb: 0x_1\nc: 12e\nd: 1__\n",
    # floats
    "a: 1.5\nb: 1.\nc: 1e3\nd: 1E3\ne: -1e-3\nf: .5\ng: .5e+3\nh: 1e+3\ni: 1_0.5\nj: 1.5e3_0\n",
    "a: .inf\nb: -.Inf\nc: +.INF\nd: .nan\ne: .NaN\nf: -0.0\ng: 1e400\nh: 0.0\ni: .\n",
    # strings that look like something else
    "a: '007'\nb: \"1.5\"\nc: =\nd: <<\ne: '<<'\nf: 2026-01-01x\ng: 12:30:00\nh: 1.2.3\n",
    # explicit tags
    "a: !!str 1\nb: !!int '7'\nc: !!float 3\nd: !!str\ne: !!str true\nf: !!null x\n",
    "!!map {a: !!seq [1, !!str 2]}\n",
    # keys: converted with str(); an int key and a string key may meet
    "1: a\n1.5: b\n-2: c\n0x10: d\n",
    "'1': a\n1: b\n",
    "true: a\nnull: b\n~: c\n",
    "=: a\n",
    # anchors and aliases (an anchored bool is ruamel's int subclass)
    "a: &x 1\nb: *x\nc: &y {p: 1, q: [2, 3]}\nd: *y\ne: [*y, *x]\n",
    "a: &t true\nb: *t\nc: &n null\nd: &s text\n",
    "- &x a\n- *x\n",
    # merge keys: own keys win, first merged mapping wins, position where written
    "base: &b\n  x: 1\n  y: 2\nc:\n  z: 3\n  <<: *b\n  x: 9\n",
    "a: &a {p: 1, q: 2}\nb: &b {q: 3, r: 4}\nc:\n  <<: [*a, *b]\n  s: 5\n",
    "a: &a {p: 1}\nb: &b\n  <<: *a\n  r: 2\nc:\n  <<: *b\n  t: 3\n",
    "c:\n  <<: {m: 1, n: 2}\n  o: 3\n",
    "'<<': 1\n\"<<\": 2\n",
    # duplicates
    "states:\n  Offline:\n    initial: true\n  BootSent: {}\n  Offline:\n    final: true\n",
    "t: {id: T1, id: T2}\n",
    "a: 1\nb: 2\nb: 3\n",
    "x:\n  a: 1\n  b: 2\n  b: 3\n",
    "1.50: a\n1.5: b\n",
    "1: a\ntrue: b\n",
    "'a\"b': 1\na\"b: 2\n",
    "a: &a {p: 1}\nb: &b {q: 2}\nc:\n  <<: *a\n  <<: *b\n",
    "a: &a {p: 1}\nc:\n  <<: *a\n  p: 2\n  p: 3\n",
    "t:\n  a: {b: 1, b: 2}\nx: 1\nx: 2\n",  # ruamel reports the nested one: it builds depth first
    # bad merges
    "a: &a [1]\nc:\n  <<: *a\n",
    "c:\n  <<: 5\n",
    # syntax: tabs, indentation, flow, quotes, documents, aliases
    "a: 1\n\tb: 2\n",
    "a:\n\t- b\n",
    "a:\n  b: Waiting: for it\n",
    "a:\n  b: 1\n c: 2\n",
    "a:\n    b: 1\n  c: 2\n",
    "- a\nb: c\n",
    "a: [1, 2}\n",
    "a: {b: 1\n",
    "a: 'unterminated\n",
    'a: "bad \\q escape"\n',
    "a: b\n---\nc: d\n",
    "a: *nowhere\n",
    "a: [ , ]\n",
    "a: &x\n",
    "key with no value\nother: 1\n",
    "'a' b: c\n",
    # empty values, flow sets, complex layout
    "k:\n",
    "k: \n- a\n",
    "? a\n",
    "- \n- a\n",
    "a: {x: , y}\n",
    "a:\n  - b\n  -\n",
    "a: |\n  line 1\n  line 2\nb: >-\n  folded\n  text\nc: plain\n  continued\n",
    "a: [1, [2, [3, {b: [4]}]]]\n",
    "",
    "# only a comment\n",
    "---\n",
    "--- a\n",
    "--- 1\n...\n",
    # unicode, a byte-order mark, CRLF line ends
    'café: thé\nb: "\\u00e9"\nc: [é, ü]\n',
    "\ufeffa: 1\nb: 2\n",
    "a: 1\r\nb:\r\n  c: 2\r\n",
    "a: 😀\nb: 😀😀: x\n",
    "\ufeffa: &t true\nb: [&f false]\n",
    "a: ! [1, {b: 2}]\nb: ! 12\n",
    "a: &x !!str true\nb: !!str &y false\nc: !!float &z 1\n",
    "a: !!map &m {b: 1}\nc: !!str\n  # a comment\n  &d x\nd: !!seq &q [1]\n",
    "a: [&t true, !!null, true]\nb: {c: !!str}\n",
    "a: [!!str]\n",
    "a: !!st%72 x\n",
    "guard: x != 1\n",
    "a: {on: 1}\ntrue: 1\n<<:\n  1: {on: 2, on: 3}\n",
    "emoji: '😀'\nnext: 1\n   bad: 2\n",
]


LEFT = {  # readable, but only by the reference: empty plain values are placed by its tokens,
    # a node with a tag then an anchor at the anchor; a tag runs into a flow indicator
    "a: [&t true, !!null, true]\nb: {c: !!str}\n",
    "a: [!!str]\n",
    "a: !!st%72 x\n",
    "a: &x !!str true\nb: !!str &y false\nc: !!float &z 1\n",
    "a: !!map &m {b: 1}\nc: !!str\n  # a comment\n  &d x\nd: !!seq &q [1]\n",
    "a:\nb: ~\nc: null\nd: Null\ne: NULL\nf: nULL\ng: ''\nh: !!null ''\n",
    "k:\n",
    "? a\n",
    "- \n- a\n",
    "a: {x: , y}\n",
    "a:\n  - b\n  -\n",
}


def _outcome(read: Any, text: str) -> tuple[Any, ...]:
    """What a reader makes of ``text``: data (as repr, so key order, types and NaN count),
    positions and key positions; or the error's kind, position and duplicated key."""
    try:
        loaded = read(text, SHOWN)
        if loaded is None:
            return ("ok", "None", {}, {})  # the fast reader leaves the text to the reference
    except YamlError as error:
        key = error.problem if error.kind == "duplicate_key" else None
        return ("error", error.kind, error.pos, key, error.first_line)
    return ("ok", repr(loaded.data), loaded.positions, loaded.key_positions)


def _check(text: str) -> None:
    """The loader agrees with the reference; the fast reader covers whatever readable YAML
    it does not leave to the reference (LEFT), and sees an error wherever the reference does
    (the reference then words and places it, and picks which of several comes first)."""
    expected = _outcome(read_yaml_reference, text)
    assert _outcome(read_yaml, text) == expected
    fast = _outcome(read_yaml_fast, text)
    if expected[0] == "ok":
        assert fast == expected or (fast == ("ok", "None", {}, {}) and text in LEFT)
    else:
        assert fast[0] == "error" or fast == ("ok", "None", {}, {})


@pytest.mark.parametrize("rel", FILES)
def test_every_yaml_file_reads_the_same(rel: str) -> None:
    try:
        text = (ROOT / rel).read_text(encoding="utf-8")
    except UnicodeDecodeError:
        with pytest.raises(YamlError, match="codec can't decode") as raised:
            load_yaml_file(ROOT / rel, SHOWN)
        assert raised.value.kind == "unreadable"
        return
    _check(text)


def test_the_files_are_found() -> None:
    assert len([rel for rel in FILES if rel.startswith("specs/")]) > 50
    assert any(rel.startswith("tests/bad_specs/") for rel in FILES)


@pytest.mark.parametrize("text", SNIPPETS)
def test_a_tricky_snippet_reads_the_same(text: str) -> None:
    _check(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: 2026-01-01\n",
        "a: 2026-01-01T10:00:00Z\n",
        "%YAML 1.1\n---\nk: yes\n",
        "a: !!set {x}\n",
        "a: !!bool yes\n",
        "a: !!str &s x\n",
        "k:\n",
        "a: 'wow! &co'\n",  # not a tag: the check is quick, not exact
    ],
)
def test_what_the_fast_reader_leaves_to_the_reference(tmp_path: Path, text: str) -> None:
    assert read_yaml_fast(text, SHOWN) is None
    path = tmp_path / "f.yaml"
    path.write_text(text, encoding="utf-8")
    assert _outcome(lambda _t, shown: load_yaml_file(path, shown), text) == _outcome(
        read_yaml_reference, text
    )


def test_a_syntax_error_is_worded_by_the_reference(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text("a:\n  b: Waiting: for it\n", encoding="utf-8")
    with pytest.raises(YamlError) as raised:
        load_yaml_file(path, SHOWN)
    assert raised.value.kind == "syntax"
    assert raised.value.pos == SourcePos(SHOWN, 2, 13)
    assert raised.value.problem == "mapping values are not allowed here"


def test_without_libyaml_the_reference_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refuse(_text: str, _shown: str) -> None:
        raise AssertionError("the fast reader needs libyaml")

    monkeypatch.setattr(yaml, "__with_libyaml__", False)
    monkeypatch.setattr(located_yaml, "read_yaml_fast", refuse)
    path = tmp_path / "f.yaml"
    path.write_text("on: [1, .5, yes]\n", encoding="utf-8")
    assert load_yaml_file(path, SHOWN).data == {"on": [1, 0.5, "yes"]}


def test_merge_keys_the_reference_fails_on_are_read() -> None:
    """ruamel raises a TypeError on a key two merged mappings share, on a one-item merge list
    and on a mapping merged twice; the fast reader merges them by the same rules."""
    loaded = read_yaml_fast("a: &a {p: 1}\nb: &b {p: 2, q: 3}\nc:\n  <<: [*a, *b]\n", SHOWN)
    assert loaded is not None
    assert loaded.data["c"] == {"p": 1, "q": 3}
    assert loaded.key_positions[("c", "p")] == SourcePos(SHOWN, 1, 8)
    assert loaded.key_positions[("c", "q")] == SourcePos(SHOWN, 2, 14)
    twice = read_yaml_fast("a: &a {p: 1}\nc:\n  <<: *a\nd:\n  <<: [*a]\n  e: 1\n", SHOWN)
    assert twice is not None
    assert twice.data == {"a": {"p": 1}, "c": {"p": 1}, "d": {"e": 1, "p": 1}}
    assert twice.positions[("d", "p")] == SourcePos(SHOWN, 1, 11)


def test_a_repeated_key_is_found_by_the_fast_reader() -> None:
    text = "states:\n  Offline:\n    initial: true\n  BootSent: {}\n  Offline:\n    final: true\n"
    with pytest.raises(YamlError) as raised:
        read_yaml_fast(text, SHOWN)
    error = raised.value
    assert (error.kind, error.pos, error.problem, error.first_line) == (
        "duplicate_key",
        SourcePos(SHOWN, 5, 3),
        "Offline",
        2,
    )
