"""The guard and value expression language.

Guards and action values are one Python expression over a fixed set of names: ``config.<Key>``,
``pics.<Item>``, ``ctx.<var>``, ``msg.<field>`` (``msg.<field>.<field>`` into an object),
``state`` and ``source``, and calls of the station's declared queries,
``station.<query>(args)`` (station.yaml), and the pure built-in functions of
:data:`FUNCTIONS` (``lower(msg.idTag)``). They are parsed with :mod:`ast` at build time and
checked against an allow-list of node types, so the generated code never calls ``eval`` and a
spec cannot call anything but a declared query, import modules or reach dunders. The same
tree is compiled to Python source (for the runtime) and interpreted (for the compiler's own
path search when it derives tests from the model).
"""

from __future__ import annotations

import ast
import operator
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from runtime.spec.builtins import text_lower

__all__ = [
    "FUNCTIONS",
    "NAMESPACES",
    "PLAIN_NAMES",
    "Evaluator",
    "Expr",
    "ExprProblem",
    "Reference",
    "compiled",
    "evaluate",
    "parse_expression",
    "to_python",
]

NAMESPACES = frozenset({"config", "pics", "ctx", "msg"})
QUERY_NAMESPACE = "station"
PLAIN_NAMES = frozenset({"state", "source"})


#: Pure built-in functions: name -> (number of arguments, implementation). Generated code
#: calls the function of the same implementation name from runtime.spec.builtins.
FUNCTIONS: dict[str, tuple[int, Callable[..., Any]]] = {"lower": (1, text_lower)}

_COMPARE: dict[type[ast.cmpop], Callable[[Any, Any], Any]] = {
    ast.Eq: operator.eq,
    ast.NotEq: operator.ne,
    ast.Lt: operator.lt,
    ast.LtE: operator.le,
    ast.Gt: operator.gt,
    ast.GtE: operator.ge,
    ast.In: lambda a, b: a in b,
    ast.NotIn: lambda a, b: a not in b,
}
_BINARY: dict[type[ast.operator], Callable[[Any, Any], Any]] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
}
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.Not,
    ast.USub,
    ast.BinOp,
    ast.Compare,
    ast.IfExp,
    ast.Constant,
    ast.Name,
    ast.Attribute,
    ast.Tuple,
    ast.List,
    ast.Load,
    ast.Call,
    *_COMPARE,
    *_BINARY,
)
_CONSTRUCT_NAMES = {
    ast.Subscript: "subscripting",
    ast.Lambda: "a lambda",
    ast.ListComp: "a comprehension",
    ast.SetComp: "a comprehension",
    ast.DictComp: "a comprehension",
    ast.GeneratorExp: "a generator",
    ast.NamedExpr: "an assignment expression",
    ast.Await: "await",
    ast.Starred: "unpacking",
    ast.Dict: "a dict literal",
    ast.Set: "a set literal",
    ast.JoinedStr: "an f-string",
}


@dataclass(frozen=True, slots=True)
class Reference:
    """A name the expression reads: ``namespace`` is config/pics/ctx/msg, '' for a plain name,
    or ``station`` for a query call (``arity`` = number of arguments)."""

    namespace: str
    name: str
    col: int
    arity: int = 0


@dataclass(frozen=True, slots=True)
class ExprProblem:
    """Why an expression was refused, and the 0-based column inside the expression text.

    ``code`` is the diagnostic code to report it with; ``expected`` and ``hint``, when not
    empty, replace the builder's generic wording.
    """

    message: str
    col: int
    code: str = "SPEC209"
    expected: str = ""
    hint: str = ""


@dataclass(frozen=True, slots=True)
class Expr:
    """A checked expression.

    Attributes:
        text: the source text as written in the spec.
        tree: the parsed, allow-listed expression.
        references: every namespaced or plain name it reads, in source order.
    """

    text: str
    tree: ast.Expression
    references: tuple[Reference, ...]


def _literal_text(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    return str(value)


def _is_query_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == QUERY_NAMESPACE
    )


def _is_function_call(node: ast.AST) -> bool:
    """Whether ``node`` calls a bare name, which must be one of the built-in FUNCTIONS."""
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name)


def _msg_path(node: ast.Attribute) -> bool:
    """Whether ``node`` is ``msg.a.b...`` (nested fields of the received payload)."""
    inner = node.value
    while isinstance(inner, ast.Attribute):
        inner = inner.value
    return isinstance(inner, ast.Name) and inner.id == "msg"


def _forbidden(  # noqa: C901
    node: ast.AST, parents: dict[int, ast.AST], allowed: frozenset[str]
) -> str | None:
    if isinstance(node, ast.Call):
        if _is_function_call(node):
            assert isinstance(node.func, ast.Name)
            arity = FUNCTIONS.get(node.func.id, (None,))[0]
            if arity is None:
                known = ", ".join(f"{n}()" for n in sorted(FUNCTIONS))
                return f"unknown function '{node.func.id}'; the built-in functions are {known}"
            if node.keywords or len(node.args) != arity:
                return f"{node.func.id}() takes {arity} positional argument(s)"
            return None
        if not _is_query_call(node):
            return (
                "a function call is not allowed; only station.<query>(...) and the built-in "
                f"functions ({', '.join(sorted(FUNCTIONS))}) may be called"
            )
        if node.keywords:
            return "query arguments are positional"
        return None
    if isinstance(node, ast.Attribute):
        if node.attr.startswith("_"):
            return f"attribute '{node.attr}' is not allowed (no private or dunder attributes)"
        if isinstance(node.value, ast.Name) and node.value.id == QUERY_NAMESPACE:
            parent = parents.get(id(node))
            if not (isinstance(parent, ast.Call) and parent.func is node):
                return f"station.{node.attr} is a query; call it: station.{node.attr}(...)"
            return None
        if isinstance(node.value, ast.Name) and node.value.id in NAMESPACES:
            return None
        if _msg_path(node):
            return None
        return "attributes are only allowed on config, pics, ctx and msg"
    if isinstance(node, ast.Name):
        if node.id in NAMESPACES or node.id in PLAIN_NAMES or node.id == QUERY_NAMESPACE:
            return None
        if node.id in allowed:
            return None
        parent = parents.get(id(node))
        if isinstance(parent, ast.Call) and parent.func is node and node.id in FUNCTIONS:
            return None
        return f"unknown name '{node.id}'; expected config.*, pics.*, ctx.*, msg.*, state or source"
    if isinstance(node, ast.Constant) and not isinstance(node.value, str | int | float | None):
        return "only string, number, boolean and None literals are allowed"
    if isinstance(node, _ALLOWED_NODES):
        return None
    construct = _CONSTRUCT_NAMES.get(type(node), type(node).__name__)
    return f"{construct} is not allowed in an expression"


def parse_expression(
    source: str | bool | int | float, allowed: frozenset[str] = frozenset()
) -> Expr | ExprProblem:
    """Parse and check an expression written in a spec.

    Args:
        source: the YAML value; booleans and numbers are taken as literals.
        allowed: bare names accepted besides the fixed ones (a machine's named conditions and
            bare enum literals, which the frontend substitutes before anything reads the tree);
            they are not listed in the references.

    Returns:
        The checked expression, or the first problem found (with its column).
    """
    text = _literal_text(source) if not isinstance(source, str) else source
    try:
        tree = ast.parse(text.strip(), mode="eval")
    except SyntaxError as exc:
        if text.strip().startswith(("import ", "from ")):
            return ExprProblem("an import is not allowed; an expression cannot import", 0)
        return ExprProblem(f"not a valid expression: {exc.msg}", max((exc.offset or 1) - 1, 0))
    refs: list[Reference] = []
    parents = {id(child): node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    for node in ast.walk(tree):
        problem = _forbidden(node, parents, allowed)
        if problem is not None:
            return ExprProblem(problem, getattr(node, "col_offset", 0))
        if _is_query_call(node):
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            refs.append(Reference(QUERY_NAMESPACE, node.func.attr, node.col_offset, len(node.args)))
        elif (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id != QUERY_NAMESPACE
        ):
            refs.append(Reference(node.value.id, node.attr, node.col_offset))
        elif isinstance(node, ast.Name) and node.id in PLAIN_NAMES:
            refs.append(Reference("", node.id, node.col_offset))
    refs.sort(key=lambda r: r.col)
    return Expr(text.strip(), tree, tuple(refs))


Resolver = Callable[[str, str], str]


class _ToPython(ast.NodeTransformer):
    def __init__(self, resolve: Resolver) -> None:
        self.resolve = resolve

    def visit_Call(self, node: ast.Call) -> ast.AST:
        args = [ast.unparse(self.visit(a)) for a in node.args]
        if isinstance(node.func, ast.Name):
            implementation = FUNCTIONS[node.func.id][1].__name__
            return ast.parse(f"{implementation}({', '.join(args)})", mode="eval").body
        assert isinstance(node.func, ast.Attribute)
        # resolve('station', name) gives the function that takes the query name, then its args
        function = self.resolve(QUERY_NAMESPACE, node.func.attr)
        call = f"{function}({', '.join([repr(node.func.attr), *args])})"
        return ast.parse(call, mode="eval").body

    def visit_Compare(self, node: ast.Compare) -> ast.AST:
        # `x == None` in a spec reads naturally; Python code says `x is None` (same result).
        self.generic_visit(node)
        ops: list[ast.cmpop] = []
        for op, right in zip(node.ops, node.comparators, strict=True):
            is_none = isinstance(right, ast.Constant) and right.value is None
            if is_none and isinstance(op, ast.Eq):
                ops.append(ast.Is())
            elif is_none and isinstance(op, ast.NotEq):
                ops.append(ast.IsNot())
            else:
                ops.append(op)
        node.ops = ops
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.AST:
        if isinstance(node.value, ast.Name):
            return ast.parse(self.resolve(node.value.id, node.attr), mode="eval").body
        # msg.a.b: a field of an object field
        inner = ast.unparse(self.visit(node.value))
        return ast.parse(f"msg_field({inner}, {node.attr!r})", mode="eval").body

    def visit_Name(self, node: ast.Name) -> ast.AST:
        return ast.parse(self.resolve("", node.id), mode="eval").body


def to_python(expr: Expr, resolve: Resolver) -> str:
    """Compile an expression to Python source, each name rewritten by ``resolve``.

    ``resolve(namespace, name)`` returns the Python code that reads that name at run time, so
    the caller decides, per namespace, how (and with which static type) a value is fetched. For
    a query call, ``resolve('station', name)`` returns the function that is called with the
    query's name and then its arguments.
    """
    copied = ast.parse(expr.text, mode="eval")
    return ast.unparse(_ToPython(resolve).visit(copied))


Evaluator = Callable[[Mapping[str, Any]], Any]
# Each checked tree is turned into nested closures once: the model-path search evaluates the
# same few hundred expressions millions of times (issue 17: 90 % of a build was spent there).
# Keyed by the tree's id; the tree is kept in the value so the id is never reused.
_COMPILED: dict[int, tuple[ast.Expression, Evaluator]] = {}


def evaluate(expr: Expr, names: Mapping[str, Any]) -> Any:
    """Interpret an expression; ``names`` maps 'config', 'pics', 'ctx', 'msg' to mappings and
    'state'/'source' to strings. A missing namespaced value reads as None."""
    return compiled(expr)(names)


def compiled(expr: Expr) -> Evaluator:
    """The function that interprets ``expr`` (:func:`evaluate` without the lookup)."""
    found = _COMPILED.get(id(expr.tree))
    if found is None:
        found = _COMPILED[id(expr.tree)] = (expr.tree, _compile(expr.tree.body))
    return found[1]


def _compile(node: ast.expr) -> Evaluator:  # noqa: C901 - one case per node
    """The closure that interprets ``node``: Python semantics, as in the compiled code."""
    if isinstance(node, ast.Constant):
        value = node.value
        return lambda names: value
    if isinstance(node, ast.Name):
        name = node.id
        return lambda names: names.get(name)
    if isinstance(node, ast.Call):
        return _compile_call(node)
    if isinstance(node, ast.Attribute):
        return _compile_attribute(node)
    if isinstance(node, ast.BoolOp):
        return _compile_bool(node)
    if isinstance(node, ast.UnaryOp):
        operand = _compile(node.operand)
        if isinstance(node.op, ast.Not):
            return lambda names: not operand(names)
        return lambda names: -operand(names)
    if isinstance(node, ast.BinOp):
        binary, left, right = _BINARY[type(node.op)], _compile(node.left), _compile(node.right)
        return lambda names: binary(left(names), right(names))
    if isinstance(node, ast.Compare):
        return _compile_compare(node)
    if isinstance(node, ast.IfExp):
        test, body, orelse = _compile(node.test), _compile(node.body), _compile(node.orelse)
        return lambda names: body(names) if test(names) else orelse(names)
    if isinstance(node, ast.Tuple | ast.List):
        elements = tuple(_compile(e) for e in node.elts)
        return lambda names: tuple(e(names) for e in elements)
    raise AssertionError(f"unchecked node {type(node).__name__}")  # parse_expression refused it


def _compile_call(node: ast.Call) -> Evaluator:
    args = tuple(_compile(a) for a in node.args)
    if isinstance(node.func, ast.Name):
        function = FUNCTIONS[node.func.id][1]
        return lambda names: function(*(a(names) for a in args))
    assert isinstance(node.func, ast.Attribute)
    attr = node.func.attr

    def call(names: Mapping[str, Any]) -> Any:
        query = names.get(QUERY_NAMESPACE, {}).get(attr)
        values = [a(names) for a in args]
        return query(*values) if callable(query) else query

    return call


def _compile_attribute(node: ast.Attribute) -> Evaluator:
    attr = node.attr
    if isinstance(node.value, ast.Name):
        namespace = node.value.id
        return lambda names: names.get(namespace, {}).get(attr)
    inner = _compile(node.value)

    def field(names: Mapping[str, Any]) -> Any:
        value = inner(names)
        return value.get(attr) if isinstance(value, Mapping) else None

    return field


def _compile_bool(node: ast.BoolOp) -> Evaluator:
    # Python semantics, like the compiled code: the operand that decides is the result.
    operands = tuple(_compile(o) for o in node.values)
    is_and = isinstance(node.op, ast.And)

    def boolean(names: Mapping[str, Any]) -> Any:
        result: Any = None
        for operand in operands:
            result = operand(names)
            if bool(result) != is_and:
                return result
        return result

    return boolean


def _compile_compare(node: ast.Compare) -> Evaluator:
    first = _compile(node.left)
    rest = tuple(
        (_COMPARE[type(op)], _compile(right))
        for op, right in zip(node.ops, node.comparators, strict=True)
    )

    def compare(names: Mapping[str, Any]) -> bool:
        left = first(names)
        for op, right_node in rest:
            right = right_node(names)
            if not op(left, right):
                return False
            left = right
        return True

    return compare
