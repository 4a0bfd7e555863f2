"""YAML with a position on every node: the one loader for spec files and device PICS files.

Why not plain ``yaml.safe_load``: users need ``file:line:col`` on every problem they are shown,
YAML 1.1 turns ``on``/``off``/``yes``/``no`` into booleans (``on: tester.plug_in`` would
silently become ``True: ...``), and duplicate keys silently overwrite each other. ruamel.yaml in
YAML 1.2 mode with duplicate keys forbidden fixes all three; the tree is copied into plain dicts
and lists, and the positions are kept in side tables keyed by the node's path.

The compiler (spec files, ``SPECnnn`` codes) and the PICS file loader (``PICSnnn`` codes) both
read through :func:`load_yaml_file` and word a :class:`YamlError` in their own codes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from runtime.errors import ChargespecError

__all__ = ["JsonPath", "LocatedYaml", "SourcePos", "YamlError", "load_yaml_file"]

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


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)  # YAML 1.2: only true/false are booleans
    yaml.allow_duplicate_keys = False
    return yaml


def _key_lc(node: CommentedMap, key: Any) -> tuple[int, int, int, int]:
    """Where a key and its value are written (0-based line, column of each). A key brought in
    by a merge key (``<<: *anchor``) is where the merged mapping writes it."""
    for mapping in (node, *(getattr(node, "merge", None) or ())):
        if isinstance(mapping, CommentedMap) and key in mapping.lc.data:
            return (*mapping.lc.key(key), *mapping.lc.value(key))
    return (node.lc.line, node.lc.col, node.lc.line, node.lc.col)


def _plain(node: Any, path: JsonPath, loaded: LocatedYaml) -> Any:
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


def _mark_pos(shown: str, error: MarkedYAMLError) -> SourcePos:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return SourcePos(shown)
    return SourcePos(shown, mark.line + 1, mark.column + 1)


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
    try:
        root = _yaml().load(text)
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
