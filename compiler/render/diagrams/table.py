"""The transition table of a machine in the spec's own form, as data and as Markdown.

OCPP 1.6 §4.9 gives the connector status changes as a grid: rows A…I are the status left,
columns 1…9 the status entered, and a cell id such as ``B6`` names one change. A machine
whose external transitions all carry such ids (letter = source state's place, digit = target
state's place, both in spec order) gets that grid; every other machine gets a source × target
matrix of transition ids.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass

from compiler.ir import Machine

__all__ = ["TransitionTable", "table_markdown", "transition_table"]

_CELL_ID = re.compile(r"([A-Z])([1-9])")


@dataclass(frozen=True, slots=True)
class TransitionTable:
    """A machine's transitions laid out as a grid.

    Attributes:
        title: what the grid is, e.g. ``"OCPP 1.6 §4.9 status transitions"`` or
            ``"source × target"``.
        rows: ``(label, state)`` per row: the state left.
        columns: ``(label, state)`` per column: the state entered.
        cells: ``(row state, column state)`` → keys of the transitions in that cell (only
            cells that hold any).
        others: keys of the transitions placed in no cell (internal ones, odd ids), in spec
            order.
    """

    title: str
    rows: tuple[tuple[str, str], ...]
    columns: tuple[tuple[str, str], ...]
    cells: dict[tuple[str, str], tuple[str, ...]]
    others: tuple[str, ...]


def _is_cell_form(machine: Machine) -> bool:
    """Whether every external transition's id is the §4.9-style cell of its source and target."""
    names = [s.name for s in machine.states]
    if len(names) > min(len(string.ascii_uppercase), 9):
        return False
    external = [t for t in machine.transitions if t.target is not None]
    for t in external:
        match = _CELL_ID.fullmatch(t.id)
        if match is None:
            return False
        row = string.ascii_uppercase.index(match[1])
        if names[row : row + 1] != [t.source] or names[int(match[2]) - 1 : int(match[2])] != [
            str(t.target)
        ]:
            return False
    return bool(external)


def transition_table(machine: Machine) -> TransitionTable:
    """The machine's transition table: the §4.9 cell grid when its ids allow, else a matrix.

    Args:
        machine: the machine.

    Returns:
        The table; transitions are listed in spec order within a cell and in ``others``.
    """
    names = [s.name for s in machine.states]
    cell_form = _is_cell_form(machine)
    cells: dict[tuple[str, str], list[str]] = {}
    others: list[str] = []
    for t in machine.transitions:
        if t.target is None:
            others.append(t.key)
        else:
            cells.setdefault((t.source, t.target), []).append(t.key)
    order = {name: i for i, name in enumerate(names)}
    if cell_form:
        title = f"{machine.refs[0]} status transitions" if machine.refs else "status transitions"
        rows = tuple(zip(string.ascii_uppercase, names, strict=False))
        columns = tuple((str(n), name) for n, name in enumerate(names, start=1))
    else:
        title = "source × target"
        rows = columns = tuple((name, name) for name in names)
    return TransitionTable(
        title=title,
        rows=rows,
        columns=columns,
        cells={
            k: tuple(v)
            for k, v in sorted(cells.items(), key=lambda kv: (order[kv[0][0]], order[kv[0][1]]))
        },
        others=tuple(others),
    )


def _cell_text(machine: Machine, keys: tuple[str, ...]) -> str:
    """A cell: each id in bold with the events it is taken on."""
    events: dict[str, list[str]] = {}
    for key in keys:
        t = next(t for t in machine.transitions if t.key == key)
        events.setdefault(t.id, [])
        if t.event not in events[t.id]:
            events[t.id].append(t.event)
    return "<br>".join(f"**{i}** {', '.join(es)}" for i, es in events.items())


def table_markdown(machine: Machine, table: TransitionTable) -> list[str]:
    """The table as Markdown lines: the grid, then the transitions in no cell, grouped by id.

    Args:
        machine: the machine the table is of.
        table: its :func:`transition_table`.

    Returns:
        Markdown lines (no trailing newline in any).
    """
    head = [
        "from \\ to",
        *(f"{label} {state}" if label != state else state for label, state in table.columns),
    ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, state in table.rows:
        row = [f"**{label} {state}**" if label != state else f"**{state}**"]
        row += [_cell_text(machine, table.cells.get((state, col), ())) for _, col in table.columns]
        lines.append("| " + " | ".join(row) + " |")
    if table.others:
        lines += ["", "Not in a cell (internal transitions: the state does not change):", ""]
        by_id: dict[str, list[str]] = {}
        for key in table.others:
            t = next(t for t in machine.transitions if t.key == key)
            by_id.setdefault(t.id, []).append(f"{t.source}: {t.event}")
        lines += [f"- **{i}**: {'; '.join(dict.fromkeys(where))}" for i, where in by_id.items()]
    return lines
