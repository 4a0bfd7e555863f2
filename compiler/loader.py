"""Load YAML spec files into plain data plus a position for every node.

Why not plain ``yaml.safe_load``: users need ``file:line:col`` on every diagnostic, YAML 1.1 turns
``on``/``off``/``yes``/``no`` into booleans (``on: tester.plug_in`` would silently become
``True: ...``), and duplicate keys silently overwrite each other. ruamel.yaml in YAML 1.2 mode
with duplicate keys forbidden fixes all three; we copy its tree into plain dicts and lists and
keep the positions in a side table keyed by the node's path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from compiler.diagnostics import Diagnostic, Pos

__all__ = ["JsonPath", "LoadedFile", "load_file"]

JsonPath = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """A spec file as plain data, with a position for each node.

    Attributes:
        path: repository-relative path, as printed in diagnostics.
        data: the document as dicts, lists and scalars (str, int, float, bool, None).
        positions: path of a node → position of its value.
        key_positions: path of a mapping entry → position of its key.
    """

    path: str
    data: Any
    positions: dict[JsonPath, Pos] = field(default_factory=dict)
    key_positions: dict[JsonPath, Pos] = field(default_factory=dict)

    def pos(self, path: JsonPath) -> Pos:
        """Position of the node at ``path``, or of its nearest located ancestor."""
        for end in range(len(path), -1, -1):
            found = self.positions.get(path[:end])
            if found is not None:
                return found
        return Pos(self.path)

    def key_pos(self, path: JsonPath) -> Pos:
        """Position of the key of the mapping entry at ``path`` (falls back to its value)."""
        return self.key_positions.get(path) or self.pos(path)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)  # YAML 1.2: only true/false are booleans
    yaml.allow_duplicate_keys = False
    return yaml


def _plain(node: Any, path: JsonPath, loaded: LoadedFile) -> Any:
    if isinstance(node, CommentedMap):
        result: dict[str, Any] = {}
        for key in node:
            line, col = node.lc.key(key)
            vline, vcol = node.lc.value(key)
            child: JsonPath = (*path, str(key))
            loaded.key_positions[child] = Pos(loaded.path, line + 1, col + 1)
            loaded.positions[child] = Pos(loaded.path, vline + 1, vcol + 1)
            result[str(key)] = _plain(node[key], child, loaded)
        return result
    if isinstance(node, CommentedSeq):
        items: list[Any] = []
        for index, item in enumerate(node):
            line, col = node.lc.item(index)
            loaded.positions[(*path, index)] = Pos(loaded.path, line + 1, col + 1)
            items.append(_plain(item, (*path, index), loaded))
        return items
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def _mark_pos(rel: str, error: MarkedYAMLError) -> Pos:
    mark = error.problem_mark or error.context_mark
    if mark is None:
        return Pos(rel)
    return Pos(rel, mark.line + 1, mark.column + 1)


def load_file(path: Path, rel: str) -> tuple[LoadedFile | None, list[Diagnostic]]:
    """Load one YAML file.

    Args:
        path: the file on disk.
        rel: the path to print in diagnostics.

    Returns:
        The loaded file (None when it could not be parsed) and the diagnostics found.
    """
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Diagnostic(Pos(rel), "SPEC003", f"cannot read file: {exc}")]
    try:
        root = _yaml().load(text)
    except DuplicateKeyError as exc:
        key = (exc.problem or "").split('"')[1] if '"' in (exc.problem or "") else "?"
        return None, [
            Diagnostic(
                _mark_pos(rel, exc),
                "SPEC002",
                f"duplicate key '{key}'",
                "each key may appear once in a mapping",
                f"first defined at line {exc.context_mark.line + 1}" if exc.context_mark else "",
            )
        ]
    except MarkedYAMLError as exc:
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        return None, [Diagnostic(_mark_pos(rel, exc), "SPEC001", f"YAML syntax error: {problem}")]
    loaded = LoadedFile(rel, None)
    loaded.positions[()] = Pos(rel, 1, 1)
    data = _plain(root, (), loaded)
    return LoadedFile(rel, data, loaded.positions, loaded.key_positions), []
