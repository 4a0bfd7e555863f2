"""YAML with a position on every node: the one loader for spec files and device PICS files.

Why not plain ``yaml.safe_load``: users need ``file:line:col`` on every problem they are shown,
YAML 1.1 turns ``on``/``off``/``yes``/``no`` into booleans (``on: tester.plug_in`` would
silently become ``True: ...``), and duplicate keys silently overwrite each other.

Two readers give the same result. The reference is ruamel.yaml in YAML 1.2 mode with duplicate
keys forbidden: its tree is copied into plain dicts and lists, and the positions are kept in
side tables keyed by the node's path. It is pure Python and was most of a cold ``validate``, so
the fast reader parses with libyaml (PyYAML's C composer, every scalar left a string) and types
the plain scalars itself the way ruamel's YAML 1.2 resolver does (only ``true``/``false`` are
booleans; ``0o``/``0x``/``0b`` integers; ``.inf``/``.nan`` floats), merging ``<<`` keys and
placing every node as ruamel does. What the fast reader does not cover is read again by the
reference, so the two cannot differ: every error (for ruamel's words, place and choice of the
first), timestamps, tags other than str/int/float/null, non-scalar keys, empty plain values
(ruamel places them by its tokens), tabs, ``%`` directives, a tag before an anchor.
tests/runtime/test_located_yaml.py compares the two on every YAML file of the repository.

The compiler (spec files, ``SPECnnn`` codes) and the PICS file loader (``PICSnnn`` codes) both
read through :func:`load_yaml_file` and word a :class:`YamlError` in their own codes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from runtime.errors import ChargespecError
from runtime.spec.yaml12_scalars import EXPLICIT, NotCovered, plain_scalar

__all__ = [
    "JsonPath",
    "LocatedYaml",
    "SourcePos",
    "YamlError",
    "load_yaml_file",
    "read_yaml",
    "read_yaml_fast",
    "read_yaml_reference",
]

JsonPath = tuple[str | int, ...]
"""Where a node sits in a document: mapping keys and list indexes from the root."""


@dataclass(frozen=True, slots=True, order=True)
class SourcePos:
    """A 1-based line and column in a file (the path as it is shown to the user)."""

    file: str
    line: int = 1
    col: int = 1

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass(frozen=True, slots=True)
class LocatedYaml:
    """A YAML document as plain data, with a position for each node.

    Attributes:
        path: the path as shown in problems.
        data: the document as dicts, lists and scalars (str, int, float, bool, None).
        positions: path of a node → position of its value.
        key_positions: path of a mapping entry → position of its key.
    """

    path: str
    data: Any
    positions: dict[JsonPath, SourcePos] = field(default_factory=dict)
    key_positions: dict[JsonPath, SourcePos] = field(default_factory=dict)

    def pos(self, path: JsonPath) -> SourcePos:
        """Position of the node at ``path``, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return SourcePos(self.path)

    def key_pos(self, path: JsonPath) -> SourcePos:
        """Position of the key of the mapping entry at ``path`` (falls back to its value)."""
        return self.key_positions.get(path) or self.pos(path)


class YamlError(ChargespecError):
    """A file that cannot be read as YAML.

    Attributes:
        kind: ``unreadable`` (no such file, not UTF-8), ``syntax`` or ``duplicate_key``.
        pos: where the problem is (line 1, column 1 when nothing better is known).
        problem: the reader's words: the OS error, the YAML problem, or the duplicated key.
        first_line: for a duplicate key, the line of its first definition, when known.
    """

    def __init__(
        self,
        kind: Literal["unreadable", "syntax", "duplicate_key"],
        pos: SourcePos,
        problem: str,
        first_line: int | None = None,
    ) -> None:
        super().__init__(f"{pos}: {problem}")
        self.kind = kind
        self.pos = pos
        self.problem = problem
        self.first_line = first_line


def load_yaml_file(path: Path, shown: str) -> LocatedYaml:
    """Read one YAML file into plain data with positions.

    Args:
        path: the file on disk.
        shown: the path to show in positions and problems.

    Raises:
        YamlError: the file cannot be read, is not YAML, or repeats a key in a mapping.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise YamlError("unreadable", SourcePos(shown), str(exc)) from None
    return read_yaml(text, shown)


def read_yaml(text: str, shown: str) -> LocatedYaml:
    """Read YAML text: the fast reader when libyaml is there, else (or when the fast reader
    leaves the text to it, or for a syntax error's words) the reference.

    Args:
        text: the file's text.
        shown: the path to show in positions and problems.

    Raises:
        YamlError: the text is not YAML, or repeats a key in a mapping.
    """
    if yaml.__with_libyaml__:
        try:
            fast = read_yaml_fast(text, shown)
        except YamlError:
            fast = None  # the reference reads it again: its words, its place, its first error
        if fast is not None:
            return fast
    return read_yaml_reference(text, shown)


# --- the fast reader: libyaml's composer, scalars typed by yaml12_scalars --------------------

_PLAIN = "!chargespec-plain"  # a plain scalar: its type is the resolver's to decide, below
_NON_SPECIFIC = "!chargespec-non-specific"  # `! value`: left to the reference
_STR = "tag:yaml.org,2002:str"
_SEQ = "tag:yaml.org,2002:seq"
_MAP = "tag:yaml.org,2002:map"
_MERGE = "tag:yaml.org,2002:merge"

# A tag written before an anchor (`!!str &a x`): ruamel places such a node at its anchor,
# libyaml at its tag. Possessive, so a long run of spaces or comments cannot backtrack.
_TAG_THEN_ANCHOR = re.compile(r"!\S*+(?:\s|#[^\n]*+)*+&")
# A tag running into a flow indicator (`[!!null, 1]`) or with a %-escape: libyaml ends or
# decodes it where ruamel does not.
_ODD_TAG = re.compile(r"(?:^|[\s\[\]{},])![^\s,\[\]{}%]*+[,\[\]{}%]")


class _Loader(yaml.CBaseLoader):
    """libyaml's composer with plain scalars marked, so an explicit ``!!str 1`` stays a string
    while a plain ``1`` is an int."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is ScalarNode:
            if implicit[0]:
                return _PLAIN
            return _STR if implicit[1] else _NON_SPECIFIC
        return _SEQ if kind is SequenceNode else _MAP


@dataclass(slots=True)
class _Map:
    """A mapping as ruamel builds it: own keys, then merged ones; each with (key, key mark,
    value mark, value node); ``own`` locates only the keys the mapping writes itself."""

    entries: list[tuple[Any, Any, Any, Node]]
    own: dict[Any, tuple[Any, Any]]


class _Builder:
    """Plain data and positions from a libyaml node tree (one document)."""

    def __init__(self, text: str, shown: str) -> None:
        self.text = text.removeprefix("\ufeff")  # libyaml's mark index skips the BOM
        self.shown = shown
        self.positions: dict[JsonPath, SourcePos] = {(): SourcePos(shown, 1, 1)}
        self.key_positions: dict[JsonPath, SourcePos] = {}
        self.maps: dict[int, _Map] = {}

    def pos(self, mark: Any) -> SourcePos:
        return SourcePos(self.shown, mark.line + 1, mark.column + 1)

    def scalar(self, node: ScalarNode) -> Any:
        if node.tag == _PLAIN:
            if node.start_mark.index == node.end_mark.index:
                raise NotCovered  # an empty value: ruamel places it by tokens and comments
            convert: Callable[[str], Any] | None = plain_scalar
        else:
            convert = EXPLICIT.get(node.tag)
        if convert is None:
            raise NotCovered
        try:
            value = convert(node.value)
        except (ValueError, IndexError):
            raise NotCovered from None  # `+_`, `!!int x`: the reference fails on it too
        if isinstance(value, bool) and self.text[node.start_mark.index] == "&":
            return int(value)  # ruamel keeps an anchored bool as its int subclass
        return value

    def value(self, node: Node, path: JsonPath) -> Any:
        if isinstance(node, ScalarNode):
            return self.scalar(node)
        if isinstance(node, SequenceNode):
            if node.tag != _SEQ:
                raise NotCovered
            items: list[Any] = []
            for index, item in enumerate(node.value):
                child: JsonPath = (*path, index)
                self.positions[child] = self.pos(item.start_mark)
                items.append(self.value(item, child))
            return items
        if not isinstance(node, MappingNode):
            raise NotCovered
        result: dict[str, Any] = {}
        for key, key_mark, value_mark, value_node in self.mapping(node).entries:
            name = str(key)
            child = (*path, name)
            self.key_positions[child] = self.pos(key_mark)
            self.positions[child] = self.pos(value_mark)
            result[name] = self.value(value_node, child)
        return result

    def key(self, node: Node) -> Any:
        if not isinstance(node, ScalarNode):
            raise NotCovered  # a sequence or mapping as a key
        return self.scalar(node)

    def merged(self, node: MappingNode) -> list[MappingNode]:
        """The mappings a ``<<`` key of ``node`` brings in, checked as ruamel checks them."""
        found: list[MappingNode] | None = None
        for key_node, value_node in node.value:
            if not _is_merge(key_node):
                continue
            if found is not None:
                first = node.start_mark.line + 1
                raise YamlError("duplicate_key", self.pos(key_node.start_mark), "<<", first)
            items = value_node.value if isinstance(value_node, SequenceNode) else [value_node]
            for item in items:
                if not isinstance(item, MappingNode):
                    raise YamlError("syntax", self.pos(item.start_mark), "merge")
            found = items
        return found or []

    def mapping(self, node: MappingNode) -> _Map:
        done = self.maps.get(id(node))
        if done is not None:
            return done
        if node.tag != _MAP:
            raise NotCovered
        merged = self.merged(node)
        own: dict[Any, tuple[Any, Any]] = {}
        entries: list[tuple[Any, Any, Any, Node]] = []
        for key_node, value_node in node.value:
            if _is_merge(key_node):
                continue
            key = self.key(key_node)
            if key in own:
                first = node.start_mark.line + 1
                named = f"{key}".split('"')[0]  # as the reference cuts it out of its message
                raise YamlError("duplicate_key", self.pos(key_node.start_mark), named, first)
            own[key] = (key_node.start_mark, value_node.start_mark)
            entries.append((key, key_node.start_mark, value_node.start_mark, value_node))
        built = _Map(entries, own)
        self.maps[id(node)] = built
        for item in merged:
            self.check(item, set())  # ruamel builds a merged mapping whole, shadowed keys too
        self._merge(node, built, [self.mapping(item) for item in merged])
        return built

    def check(self, node: Node, seen: set[int]) -> None:
        """Look for repeated keys (and bad merges) everywhere under ``node``."""
        if id(node) in seen:
            return
        seen.add(id(node))
        if isinstance(node, MappingNode):
            self.mapping(node)
            for key_node, value_node in node.value:
                self.check(key_node, seen)
                self.check(value_node, seen)
        elif isinstance(node, SequenceNode):
            for item in node.value:
                self.check(item, seen)

    def _merge(self, node: MappingNode, built: _Map, maps: list[_Map]) -> None:
        """ruamel's merge: own keys win, then the first merged mapping that has the key (its
        merged keys included); the key is placed where a merged mapping writes it itself, else
        where ``node`` starts (the reference's ``_key_lc``)."""
        present = dict.fromkeys(built.own)
        for source in maps:
            for key, _, _, value_node in source.entries:
                if key in present:
                    continue
                present[key] = None
                key_mark = value_mark = node.start_mark
                for other in maps:
                    if key in other.own:
                        key_mark, value_mark = other.own[key]
                        break
                built.entries.append((key, key_mark, value_mark, value_node))


def _empty(root: Node) -> bool:
    """A document that is an empty plain scalar (``---`` alone): it reads as None."""
    return isinstance(root, ScalarNode) and root.tag == _PLAIN and not root.value


def _is_merge(node: Node) -> bool:
    return isinstance(node, ScalarNode) and (
        node.tag == _MERGE or (node.tag == _PLAIN and node.value == "<<")
    )


def read_yaml_fast(text: str, shown: str) -> LocatedYaml | None:
    """Read YAML text with libyaml, typing scalars as :func:`read_yaml_reference` does.

    Args:
        text: the file's text.
        shown: the path to show in positions and problems.

    Returns:
        The document, or None for what only the reference reads (see the module's docstring).

    Raises:
        YamlError: a syntax error (in libyaml's words), a repeated key, or a bad merge key.
    """
    if text.startswith("%") or "\n%" in text:
        return None  # a %YAML 1.1 directive changes what a plain scalar is
    if "!" in text and (_TAG_THEN_ANCHOR.search(text) or _ODD_TAG.search(text)):
        return None
    if "\t" in text:
        return None  # ruamel refuses a tab in places libyaml takes it (inside a plain scalar)
    try:
        root = yaml.compose(text, Loader=_Loader)  # nodes only: nothing is constructed
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = SourcePos(shown, mark.line + 1, mark.column + 1) if mark else SourcePos(shown)
        raise YamlError("syntax", where, (exc.problem or exc.context or "").strip()) from None
    except yaml.YAMLError:
        return None  # e.g. a character YAML does not allow: the reference's to report
    builder = _Builder(text, shown)
    try:
        data = None if root is None or _empty(root) else builder.value(root, ())
    except NotCovered:
        return None
    return LocatedYaml(shown, data, builder.positions, builder.key_positions)


# --- the reference reader: ruamel.yaml, round-trip mode, YAML 1.2 ----------------------------


def _key_lc(node: Any, key: Any) -> tuple[int, int, int, int]:
    """Where a key and its value are written (0-based line, column of each). A key brought in
    by a merge key (``<<: *anchor``) is where the merged mapping writes it."""
    from ruamel.yaml.comments import CommentedMap

    for mapping in (node, *(getattr(node, "merge", None) or ())):
        if isinstance(mapping, CommentedMap) and key in mapping.lc.data:
            return (*mapping.lc.key(key), *mapping.lc.value(key))
    return (node.lc.line, node.lc.col, node.lc.line, node.lc.col)


def _plain(node: Any, path: JsonPath, loaded: LocatedYaml) -> Any:
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key in node:
            line, col, vline, vcol = _key_lc(node, key)
            child: JsonPath = (*path, str(key))
            loaded.key_positions[child] = SourcePos(loaded.path, line + 1, col + 1)
            loaded.positions[child] = SourcePos(loaded.path, vline + 1, vcol + 1)
            result[str(key)] = _plain(node[key], child, loaded)
        return result
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            loaded.positions[(*path, index)] = SourcePos(loaded.path, line + 1, col + 1)
            items.append(_plain(item, (*path, index), loaded))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def _mark_pos(shown: str, error: Any) -> SourcePos:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return SourcePos(shown)
    return SourcePos(shown, mark.line + 1, mark.column + 1)


def read_yaml_reference(text: str, shown: str) -> LocatedYaml:
    """Read YAML text with ruamel.yaml (YAML 1.2, duplicate keys refused): the reference.

    Args:
        text: the file's text.
        shown: the path to show in positions and problems.

    Raises:
        YamlError: the text is not YAML, or repeats a key in a mapping.
    """
    from ruamel.yaml import YAML
    from ruamel.yaml.constructor import DuplicateKeyError
    from ruamel.yaml.error import MarkedYAMLError

    reader = YAML(typ="rt")
    reader.version = (1, 2)  # YAML 1.2: only true/false are booleans
    reader.allow_duplicate_keys = False
    try:
        root = reader.load(text)
    except DuplicateKeyError as exc:
        quoted = (exc.problem or "").split('"')
        key = quoted[1] if len(quoted) > 1 else "?"
        first = exc.context_mark.line + 1 if exc.context_mark else None
        raise YamlError("duplicate_key", _mark_pos(shown, exc), key, first) from None
    except MarkedYAMLError as exc:
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        raise YamlError("syntax", _mark_pos(shown, exc), problem) from None
    loaded = LocatedYaml(shown, None)
    loaded.positions[()] = SourcePos(shown, 1, 1)
    data = _plain(root, (), loaded)
    return LocatedYaml(shown, data, loaded.positions, loaded.key_positions)
