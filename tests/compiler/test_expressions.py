"""The guard / value expression language: what it accepts, how it compiles and evaluates, and
what it refuses (compiler.expressions)."""

from __future__ import annotations

from typing import Any

import pytest

from compiler.expressions import (
    NAMESPACES,
    PLAIN_NAMES,
    Expr,
    ExprProblem,
    Reference,
    evaluate,
    parse_expression,
    to_python,
)

NAMES: dict[str, Any] = {
    "config": {"HeartbeatInterval": 300, "ConnectionTimeOut": 0},
    "pics": {"Reservation": True, "MinimumStatusDuration": False},
    "ctx": {"attempts": 2, "cable_plugged": False, "last": "Available", "zero": 0},
    "msg": {"status": "Accepted", "interval": 60},
    "state": "Charging",
    "source": "Preparing",
}


def _resolve(namespace: str, name: str) -> str:
    """Python that reads a name from the NAMES-shaped mapping ``n``."""
    return f"n[{namespace!r}][{name!r}]" if namespace else f"n[{name!r}]"


def _expr(source: str | bool | int | float) -> Expr:
    parsed = parse_expression(source)
    assert isinstance(parsed, Expr), parsed
    return parsed


ACCEPTED: list[tuple[str | bool | int | float, Any]] = [
    ("config.HeartbeatInterval > 0", True),
    ("config.ConnectionTimeOut > 0", False),
    ("msg.status == 'Accepted'", True),
    ("msg.status != 'Accepted'", False),
    ("not ctx.cable_plugged", True),
    ("pics.Reservation and not pics.MinimumStatusDuration", True),
    ("pics.MinimumStatusDuration or ctx.cable_plugged", False),
    ("msg.interval if msg.interval > 0 else 60", 60),
    ("ctx.zero if ctx.zero > 0 else config.HeartbeatInterval", 300),
    ("ctx.attempts + 1", 3),
    ("ctx.attempts * 10 - 5", 15),
    ("-ctx.attempts", -2),
    ("7 // ctx.attempts", 3),
    ("7 % ctx.attempts", 1),
    ("state in ('Charging', 'SuspendedEV')", True),
    ("source not in ['Charging', 'Preparing']", False),
    ("1 < ctx.attempts <= 2", True),
    ("1 < ctx.attempts < 2", False),
    ("state != ctx.last", True),
    ("'NoError'", "NoError"),
    ("None", None),
    ("ctx.not_set", None),  # a missing value reads as None
    ("  ctx.attempts  ", 2),  # surrounding blanks are ignored
    (True, True),  # YAML booleans and numbers are literals
    (False, False),
    (5, 5),
    (1.5, 1.5),
]


@pytest.mark.parametrize(("source", "value"), ACCEPTED)
def test_accepted_expression_evaluates(source: str | bool | int | float, value: Any) -> None:
    assert evaluate(_expr(source), NAMES) == value


@pytest.mark.parametrize(("source", "value"), ACCEPTED)
def test_compiled_python_agrees_with_evaluate(source: str | bool | int | float, value: Any) -> None:
    code = to_python(_expr(source), _resolve)
    n = {**NAMES, "ctx": {"not_set": None, **NAMES["ctx"]}}
    assert eval(code, {"__builtins__": {}}, {"n": n}) == value  # the test oracle


@pytest.mark.parametrize(
    ("source", "python"),
    [
        ("config.HeartbeatInterval > 0", "self.config.HeartbeatInterval > 0"),
        ("not (pics.A and ctx.b)", "not (self.pics.A and self.ctx.b)"),
        ("state != ctx.last", "self.state != self.ctx.last"),
        ("msg.x if msg.x > 0 else 60", "self.msg.x if self.msg.x > 0 else 60"),
        ("source in ('A', 'B')", "self.source in ('A', 'B')"),
        (True, "True"),
        (300, "300"),
    ],
)
def test_to_python_rewrites_every_name(source: str | bool | int, python: str) -> None:
    def resolve(namespace: str, name: str) -> str:
        return f"self.{namespace}.{name}" if namespace else f"self.{name}"

    assert to_python(_expr(source), resolve) == python


def test_to_python_asks_the_resolver_for_each_name_in_order() -> None:
    asked: list[tuple[str, str]] = []

    def resolve(namespace: str, name: str) -> str:
        asked.append((namespace, name))
        return "x"

    assert to_python(_expr("config.A > 0 and ctx.b == state"), resolve) == "x > 0 and x == x"
    assert asked == [("config", "A"), ("ctx", "b"), ("", "state")]


@pytest.mark.parametrize(
    ("source", "value"), [("ctx.zero or 60", 60), ("ctx.attempts and 'x'", "x")]
)
def test_and_or_evaluate_to_the_deciding_operand(source: str, value: Any) -> None:
    assert evaluate(_expr(source), NAMES) == value


REFUSED: list[tuple[str, str]] = [
    ("open('x')", "unknown function 'open'"),
    ("ctx.f()", "a function call is not allowed"),
    ("lower(ctx.a, ctx.b)", "lower() takes 1"),
    ("ctx.attempts.bit_length()", "a function call is not allowed"),
    ("ctx.items[0]", "subscripting is not allowed"),
    ("lambda: 1", "a lambda is not allowed"),
    ("[x for x in ctx.items]", "a comprehension is not allowed"),
    ("{x for x in ctx.items}", "a comprehension is not allowed"),
    ("{k: 1 for k in ctx.items}", "a comprehension is not allowed"),
    ("(x for x in ctx.items)", "a generator is not allowed"),
    ("ctx.__class__", "attribute '__class__' is not allowed (no private or dunder attributes)"),
    ("config.__dict__", "attribute '__dict__' is not allowed"),
    ("ctx._secret", "attribute '_secret' is not allowed (no private or dunder attributes)"),
    ("status == 'Accepted'", "unknown name 'status'; expected config.*, pics.*, ctx.*, msg.*"),
    ("__import__", "unknown name '__import__'"),
    ("True if foo else False", "unknown name 'foo'"),
    ("state.upper", "attributes are only allowed on config, pics, ctx and msg"),
    ("ctx.a.b", "attributes are only allowed on config, pics, ctx and msg"),
    ("(1).real", "attributes are only allowed on config, pics, ctx and msg"),
    ("import os", "an import is not allowed"),
    ("from os import path", "an import is not allowed"),
    ("(x := 1)", "an assignment expression is not allowed"),
    ("f'{ctx.attempts}'", "an f-string is not allowed"),
    ("{'a': 1}", "a dict literal is not allowed"),
    ("{1, 2}", "a set literal is not allowed"),
    ("b'bytes'", "only string, number, boolean and None literals are allowed"),
    ("...", "only string, number, boolean and None literals are allowed"),
    ("ctx.attempts ** 2", "is not allowed in an expression"),
    ("ctx.attempts / 2", "is not allowed in an expression"),
    ("ctx.attempts is None", "is not allowed in an expression"),
    ("ctx.a; ctx.b", "not a valid expression"),
    ("msg.status ==", "not a valid expression"),
    ("", "not a valid expression"),
]


@pytest.mark.parametrize(("source", "message"), REFUSED)
def test_forbidden_construct_is_refused(source: str, message: str) -> None:
    parsed = parse_expression(source)
    assert isinstance(parsed, ExprProblem), parsed
    assert message in parsed.message
    assert parsed.col >= 0


@pytest.mark.parametrize(
    ("source", "col"),
    [
        ("ctx.a > 0 and open('x')", 14),
        ("ctx.a and ctx.__class__", 10),
        ("ctx.a == foo", 9),
        ("(y := 1)", 1),
    ],
)
def test_problem_column_points_into_the_text(source: str, col: int) -> None:
    parsed = parse_expression(source)
    assert isinstance(parsed, ExprProblem)
    assert parsed.col == col


def test_nested_forbidden_construct_is_found() -> None:
    parsed = parse_expression("ctx.a if ctx.b else [y for y in ctx.c]")
    assert isinstance(parsed, ExprProblem)
    assert "comprehension" in parsed.message


def test_references_are_collected_in_source_order() -> None:
    expr = _expr("msg.interval if msg.interval > config.Min else ctx.fallback or state == source")
    assert expr.references == (
        Reference("msg", "interval", 0),
        Reference("msg", "interval", 16),
        Reference("config", "Min", 31),
        Reference("ctx", "fallback", 47),
        Reference("", "state", 63),
        Reference("", "source", 72),
    )


def test_literals_have_no_references() -> None:
    assert _expr("'Accepted'").references == ()
    assert _expr(True).references == ()
    assert _expr(True).text == "True"
    assert _expr(0).text == "0"


def test_every_namespace_and_plain_name_is_accepted() -> None:
    for namespace in NAMESPACES:
        assert _expr(f"{namespace}.x").references == (Reference(namespace, "x", 0),)
    for name in PLAIN_NAMES:
        assert _expr(name).references == (Reference("", name, 0),)


def test_lower_compares_id_tags_case_insensitively() -> None:
    # idTags are case-insensitive (OCPP 1.6 §7.28); lower() is how a spec says so.
    parsed = parse_expression("lower(msg.idTag) == lower(ctx.id_tag)")
    assert isinstance(parsed, Expr)
    assert evaluate(parsed, {"msg": {"idTag": "Tag-01"}, "ctx": {"id_tag": "tag-01"}}) is True
    assert evaluate(parsed, {"msg": {}, "ctx": {"id_tag": ""}}) is True  # absent reads as ''
    code = to_python(parsed, lambda ns, name: f"{ns}_{name}")
    assert code == "text_lower(msg_idTag) == text_lower(ctx_id_tag)"
