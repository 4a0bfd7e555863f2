"""Load and validate a device PICS file: what one charge point declares on the PICS form.

The format (``chargespec pics new`` writes an annotated template)::

    # PICS of <device>
    pics:
      VendorName: Acme
      Core: true
      Reservation: false

Items not given take their default. YAML 1.2 is used, so ``yes``/``no``/``on``/``off`` are strings
(and reported as such), not booleans; duplicate keys are errors. Every problem is reported, each
as ``file:line:col: error[PICSnnn]: message`` naming the item and the values it allows:

=======  =========================================================================
PICS001  YAML syntax error, or a key written twice
PICS002  the file cannot be read
PICS003  no top-level ``pics:`` mapping (or another top-level key)
PICS101  unknown PICS item (with the closest item's name)
PICS102  value of the wrong type
PICS103  value out of range, or not one of the allowed values
PICS201  inconsistent combination: a rule of pics.yaml ``requires``, or a mandatory item
=======  =========================================================================
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.constructor import DuplicateKeyError
from ruamel.yaml.error import MarkedYAMLError

from runtime.pics import PicsItemSpec, rule_problems, value_problem

__all__ = ["CODES", "PicsFileError", "load_pics_file"]

CODES: Mapping[str, str] = {
    "PICS001": "YAML syntax error or duplicate key",
    "PICS002": "file cannot be read",
    "PICS003": "no top-level 'pics:' mapping",
    "PICS101": "unknown PICS item",
    "PICS102": "value of the wrong type",
    "PICS103": "value out of range or not allowed",
    "PICS201": "inconsistent combination of PICS values",
}
_KIND_CODES = {"wrong_type": "PICS102", "not_allowed": "PICS103"}

Position = tuple[int, int]


class PicsFileError(ValueError):
    """A PICS file that cannot be used; ``problems`` holds one formatted line per problem."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def _problem(path: str, pos: Position, code: str, message: str) -> str:
    return f"{path}:{pos[0]}:{pos[1]}: error[{code}]: {message}"


def _plain(node: Any) -> Any:
    """ruamel's scalar and container subclasses as plain Python values."""
    if isinstance(node, CommentedSeq):
        return [_plain(v) for v in node]
    if isinstance(node, CommentedMap):
        return {str(k): _plain(v) for k, v in node.items()}
    if isinstance(node, bool) or node is None:
        return node
    if isinstance(node, int):
        return int(node)
    if isinstance(node, float):
        return float(node)
    return str(node)


def _parse(text: str, shown: str) -> CommentedMap | list[str]:
    yaml = YAML(typ="rt")
    yaml.version = (1, 2)  # only true/false are booleans
    yaml.allow_duplicate_keys = False
    try:
        root = yaml.load(text)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        what = (exc.problem or "").split('"')
        key = what[1] if len(what) > 1 else "?"
        return [_problem(shown, pos, "PICS001", f"duplicate key '{key}'; write each item once")]
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        problem = (exc.problem or exc.context or "invalid YAML").strip()
        return [_problem(shown, pos, "PICS001", f"YAML syntax error: {problem}")]
    if not isinstance(root, CommentedMap) or not isinstance(root.get("pics"), CommentedMap):
        return [
            _problem(
                shown,
                (1, 1),
                "PICS003",
                "no top-level 'pics:' mapping; a PICS file is 'pics:' followed by one "
                "'Item: value' line per item (chargespec pics new writes a template)",
            )
        ]
    extra = [k for k in root if k != "pics"]
    if extra:
        line, col = root.lc.key(extra[0])
        return [
            _problem(
                shown,
                (line + 1, col + 1),
                "PICS003",
                f"unknown top-level key '{extra[0]}'; a PICS file holds only 'pics:'",
            )
        ]
    return root


def _unknown(shown: str, pos: Position, name: str, names: list[str]) -> str:
    close = difflib.get_close_matches(name, names, n=1, cutoff=0.6)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    return _problem(
        shown,
        pos,
        "PICS101",
        f"unknown PICS item '{name}'; expected one of: {', '.join(sorted(names))}{hint}",
    )


def _element_pos(node: Any, spec: PicsItemSpec) -> Position | None:
    """Where the first element a list item does not allow is, if that is the problem."""
    if spec.kind != "list" or not isinstance(node, CommentedSeq):
        return None
    for index, element in enumerate(node):
        if element not in spec.values:
            line, col = node.lc.item(index)
            return line + 1, col + 1
    return None


def _values(
    shown: str, node: CommentedMap, specs: Mapping[str, PicsItemSpec]
) -> tuple[dict[str, Any], dict[str, Position], list[tuple[Position, str]]]:
    """The declared values, where each is, and the problems of single items."""
    values: dict[str, Any] = {}
    where: dict[str, Position] = {}
    problems: list[tuple[Position, str]] = []
    for key in node:
        name = str(key)
        key_line, key_col = node.lc.key(key)
        line, col = node.lc.value(key)
        spec = specs.get(name)
        if spec is None:
            pos = (key_line + 1, key_col + 1)
            problems.append((pos, _unknown(shown, pos, name, list(specs))))
            continue
        value = _plain(node[key])
        found = value_problem(spec, value)
        if found is not None:
            kind, message = found
            pos = _element_pos(node[key], spec) or (line + 1, col + 1)
            problems.append((pos, _problem(shown, pos, _KIND_CODES[kind], f"{name} {message}")))
            continue
        values[name] = tuple(value) if isinstance(value, list) else value
        where[name] = (line + 1, col + 1)
    return values, where, problems


def load_pics_file(path: Path, items: Sequence[PicsItemSpec]) -> dict[str, Any]:
    """Load a device PICS file and check it against the PICS items of a spec set.

    Args:
        path: the file; problems name it as given.
        items: the spec set's PICS items (``SPEC.pics_items`` of the generated registry).

    Returns:
        Item name → value for every item, in the form's order, defaults filled in for items
        the file does not give; list items are tuples.

    Raises:
        PicsFileError: with every problem found, one formatted line each.
    """
    shown = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        problem = _problem(shown, (1, 1), "PICS002", f"cannot read file: {exc}")
        raise PicsFileError([problem]) from None
    root = _parse(text, shown)
    if isinstance(root, list):
        raise PicsFileError(root)
    specs = {spec.name: spec for spec in items}
    node = root["pics"]
    values, where, problems = _values(shown, node, specs)
    line, col = root.lc.key("pics")
    top = (line + 1, col + 1)
    # Rules are judged only on a file whose values are each fine: a bad value would make
    # them report noise about the item already reported.
    if not problems:
        full = {spec.name: values.get(spec.name, spec.default) for spec in items}
        for name, message in rule_problems(items, full):
            pos = where.get(name, top)
            problems.append((pos, _problem(shown, pos, "PICS201", message)))
        if not problems:
            return full
    raise PicsFileError([text for _, text in sorted(problems)])
