"""Bare names of the machine expression language: named conditions, enum literals, ``else``.

A machine may name a condition once (``conditions: {cable_plugged: ctx.plugged}``) and use it
by its bare snake_case name in any expression; a bare PascalCase name that is a value of an
enum of types.yaml or a state of the machine stands for that string (``msg.status ==
Accepted`` means ``msg.status == 'Accepted'``). Both are substituted here, in the frontend, so
the expression every later stage reads (code generation, checks, path derivation) is the plain
one it always was. ``guard: else`` is resolved per (source, event) against the sibling
transitions' guards once they are all built.
"""

from __future__ import annotations

import ast
import difflib
import keyword
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from compiler.expressions import (
    FUNCTIONS,
    NAMESPACES,
    PLAIN_NAMES,
    QUERY_NAMESPACE,
    Expr,
    ExprProblem,
    parse_expression,
)
from compiler.ir import Transition

__all__ = ["ELSE", "RESERVED", "Vocabulary", "else_guard", "expand", "is_reserved"]

ELSE = "else"
#: The roots of every expression and the built-in functions: no condition may take these names
#: (nor a Python keyword's, see :func:`is_reserved`).
RESERVED = NAMESPACES | PLAIN_NAMES | {QUERY_NAMESPACE} | frozenset(FUNCTIONS)
_CONDITION_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_LITERAL_NAME = re.compile(r"^[A-Z][A-Za-z0-9]*$")


@dataclass
class Vocabulary:
    """The bare names the expressions of one machine may use (mutable while it is built).

    Attributes:
        conditions: the conditions usable here, name -> expanded expression.
        later: declared conditions not usable here (the one being defined, and those after it).
        literals: enum values of types.yaml and the machine's state names.
        used: the conditions some expression used.
    """

    conditions: dict[str, Expr] = field(default_factory=dict)
    later: frozenset[str] = frozenset()
    literals: frozenset[str] = frozenset()
    used: set[str] = field(default_factory=set)


def is_reserved(name: str) -> bool:
    """Whether a condition may not be called ``name`` (an expression root or a keyword)."""
    return name in RESERVED or keyword.iskeyword(name)


def _bare_names(tree: ast.Expression) -> list[ast.Name]:
    """The names that are neither a root (config, ctx, …) nor a called function, in order."""
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    names = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Name) and id(n) not in called and n.id not in RESERVED
    ]
    return sorted(names, key=lambda n: n.col_offset)


def _close(name: str, options: Sequence[str]) -> str:
    matches = difflib.get_close_matches(name, sorted(options), n=3)
    return f"did you mean {' or '.join(repr(m) for m in matches)}?" if matches else ""


def _problem(node: ast.Name, vocab: Vocabulary) -> ExprProblem | None:
    name = node.id
    if name in vocab.conditions or name in vocab.literals:
        return None
    if name in vocab.later:
        return ExprProblem(
            f"condition '{name}' is used before it is declared (or by itself)",
            node.col_offset,
            "SPEC244",
            "a condition may use only the conditions declared above it, so none is circular",
        )
    if _LITERAL_NAME.match(name):
        return ExprProblem(
            f"unknown bare name '{name}': no enum of types.yaml has this value and no state "
            "of this machine is called so",
            node.col_offset,
            "SPEC247",
            f"an enum value or a state name; quote it if you mean a string: \"'{name}'\"",
            _close(name, tuple(vocab.literals)),
        )
    if _CONDITION_NAME.match(name):
        declared = sorted(vocab.conditions)
        return ExprProblem(
            f"unknown condition '{name}'",
            node.col_offset,
            "SPEC243",
            "a condition declared under 'conditions:' ("
            + (", ".join(declared) or "none declared")
            + ") or config.*, pics.*, ctx.*, msg.*, state, source",
            _close(name, declared),
        )
    return None  # parse_expression words it ("unknown name …")


_ATOMS = (ast.Name, ast.Attribute, ast.Call, ast.Constant)


def _inline(condition: Expr, parent: ast.AST | None) -> str:
    """The text that stands for a condition's name where ``parent`` holds it: the condition's
    own text, in parentheses unless nothing around it binds tighter (``a and c`` with
    ``c: x and y`` reads ``a and x and y``, ``not c`` with ``c: x == y`` reads ``not (x == y)``)."""
    body = condition.tree.body
    if parent is None or isinstance(body, _ATOMS):
        return condition.text
    if isinstance(parent, ast.BoolOp):
        # everything but a looser boolean operator binds tighter than and/or
        looser = isinstance(body, ast.IfExp) or (
            isinstance(body, ast.BoolOp)
            and isinstance(body.op, ast.Or)
            and isinstance(parent.op, ast.And)
        )
        if not looser:
            return condition.text
    return f"({condition.text})"


_NEGATED: dict[type[ast.cmpop], str] = {
    ast.Eq: "!=",
    ast.NotEq: "==",
    ast.In: "not in",
    ast.NotIn: "in",
}
# Operands that keep their meaning written bare on either side of a comparison.
_TIGHT = (*_ATOMS, ast.BinOp, ast.Tuple, ast.List)


def negated(expr: Expr) -> str | None:
    """``x != y`` for a condition ``x == y`` (and ``==``, ``in``, ``not in`` likewise): what
    ``not`` of it reads as, the same value for the strings, numbers and None a spec compares;
    None when the condition is not one such comparison."""
    body = expr.tree.body
    if not (isinstance(body, ast.Compare) and len(body.ops) == 1):
        return None
    op = _NEGATED.get(type(body.ops[0]))
    parts = []
    for node in (body.left, body.comparators[0]):
        text = ast.get_source_segment(expr.text, node)
        if text is None or op is None:
            return None
        parts.append(text if isinstance(node, _TIGHT) else f"({text})")
    return f"{parts[0]} {op} {parts[1]}"


def _substituted(text: str, tree: ast.Expression, names: list[ast.Name], vocab: Vocabulary) -> str:
    """``text`` with each bare name replaced: a condition by its text, a literal quoted."""
    parents = {id(c): n for n in ast.walk(tree) for c in ast.iter_child_nodes(n)}
    lines = [line.encode() for line in text.split("\n")]  # AST columns count UTF-8 bytes
    for node in sorted(names, key=lambda n: (n.lineno, n.col_offset), reverse=True):
        start, new = node.col_offset, repr(node.id)
        if node.id in vocab.conditions:
            vocab.used.add(node.id)
            condition = vocab.conditions[node.id]
            parent = parents.get(id(node))
            new = _inline(condition, None if parent is tree else parent)
            opposite = negated(condition)
            if (
                opposite
                and isinstance(parent, ast.UnaryOp)
                and isinstance(parent.op, ast.Not)
                and parent.lineno == node.lineno
            ):
                start, new = parent.col_offset, opposite  # `not c` reads `x != y`
        line = lines[node.lineno - 1]
        lines[node.lineno - 1] = line[:start] + new.encode() + line[node.end_col_offset :]
    return "\n".join(line.decode() for line in lines)


def expand(source: str | bool | int | float, vocab: Vocabulary) -> Expr | ExprProblem:
    """Parse and check an expression that may use the machine's bare names, and substitute them.

    Returns:
        The expression with every condition name replaced by its (expanded) text and every
        bare enum literal by its quoted string, or the first problem found. An expression
        without bare names keeps its text exactly as written.
    """
    if not isinstance(source, str):
        return parse_expression(source)
    try:
        tree = ast.parse(source.strip(), mode="eval")
    except SyntaxError:
        return parse_expression(source)  # words the syntax error
    names = _bare_names(tree)
    for node in names:
        problem = _problem(node, vocab)
        if problem is not None:
            return problem
    checked = parse_expression(source, frozenset(n.id for n in names))
    if isinstance(checked, ExprProblem) or not names:
        return checked
    expanded = parse_expression(_substituted(source.strip(), tree, names, vocab))
    assert isinstance(expanded, Expr), expanded  # made only of checked parts
    return expanded


def _is_atom(expr: Expr) -> bool:
    return isinstance(expr.tree.body, _ATOMS)


def _operand(expr: Expr) -> str:
    body = expr.tree.body
    loose = isinstance(body, ast.IfExp) or (
        isinstance(body, ast.BoolOp) and isinstance(body.op, ast.Or)
    )
    return f"({expr.text})" if loose else expr.text


def else_guard(t: Transition, siblings: Sequence[Transition]) -> Expr | str:
    """The guard of ``guard: else`` on ``t``: none of its siblings' guards holds.

    Args:
        t: the transition that said ``else`` (its ``guard`` is not read).
        siblings: the other transitions of the same source state on the same event.

    Returns:
        ``not (g1 or g2 …)`` over the siblings' guards (their PICS gates included), behind the
        PICS gate of ``t``'s own target; or why ``else`` cannot stand here.
    """
    if not siblings:
        return f"'else' but no other transition leaves '{t.source}' on '{t.event}'"
    for s in siblings:
        if s.condition == ELSE:
            return f"two transitions say 'else' from '{t.source}' on '{t.event}' ({s.id})"
        if s.guard is None:
            return (
                f"'else' can never fire: transition {s.id} from '{t.source}' on '{t.event}' "
                "has no guard"
            )
    guards = [s.guard for s in siblings if s.guard is not None]
    if len(guards) == 1:
        only = guards[0]
        text = negated(only) or (f"not {only.text}" if _is_atom(only) else f"not ({only.text})")
    else:
        # ``or`` binds loosest: an operand needs parentheses only if it is an ``or`` or ``if``.
        text = f"not ({' or '.join(_operand(g) for g in guards)})"
    if t.gate is not None:
        text = f"pics.{t.gate} and {text}"
    built = parse_expression(text)
    assert isinstance(built, Expr), built  # made only of checked parts
    return built
