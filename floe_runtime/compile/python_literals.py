"""Decorator arguments as literals: what ``@asset(...)`` and its kin say without running code.

Each reader returns the value Dagster would see, or raises ``NotLiteral`` naming the expression
(shortened) when only running the module could tell.
"""

from __future__ import annotations

import ast
from typing import Any


class NotLiteral(Exception):
    """A decorator argument floe cannot evaluate without running code."""


def name(node: ast.expr) -> str | None:
    """``asset`` for ``asset``, ``dg.asset`` and ``dagster.asset``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError) as exc:
        raise NotLiteral(shown(node)) from exc


def shown(node: ast.expr) -> str:
    """The source of an expression for a message: short, and never a crash on deep nesting."""
    try:
        text = ast.unparse(node)
    except (RecursionError, MemoryError, ValueError):
        return f"an expression at line {getattr(node, 'lineno', '?')}"
    return text if len(text) <= 80 else text[:77] + "..."


def group(node: ast.expr | None, inherited: str | None = None) -> str | None:
    """``group_name=``: None (or "") is Dagster's default group, not the group "None"."""
    if node is None:
        return inherited
    value = literal(node)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise NotLiteral(shown(node))
    return value


def key(node: ast.expr, functions: dict[str, str]) -> str:
    """An asset key written as a string, a list of strings, ``AssetKey(...)``, ``AssetDep(...)``,
    ``AssetSpec(...)`` or the name of a decorated function of this module."""
    if isinstance(node, ast.Name) and node.id in functions:
        return functions[node.id]
    if isinstance(node, ast.Call) and name(node.func) in ("AssetKey", "AssetDep", "AssetSpec"):
        if node.args:
            return key(node.args[0], functions)
        for keyword in node.keywords:
            if keyword.arg in ("key", "asset", "path"):
                return key(keyword.value, functions)
        raise NotLiteral(shown(node))
    value = literal(node)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return "/".join(value)
    raise NotLiteral(shown(node))


def prefix(node: ast.expr | None) -> list[str]:
    if node is None:
        return []
    value = literal(node)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise NotLiteral(shown(node))


def named_key(kw: dict[str, ast.expr], name: str, functions: dict[str, str]) -> str:
    """``key=`` when given, else ``key_prefix`` + ``name``: how ``@asset``, ``AssetIn`` and
    ``AssetOut`` name their keys."""
    if "key" in kw:
        return key(kw["key"], functions)
    return "/".join([*prefix(kw.get("key_prefix")), name])


def str_list(node: ast.expr | None) -> tuple[str, ...]:
    if node is None:
        return ()
    value = literal(node)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple, set)) and all(isinstance(v, str) for v in value):
        return tuple(sorted(value))
    raise NotLiteral(shown(node))


def str_dict(node: ast.expr | None) -> dict[str, str]:
    if node is None:
        return {}
    value = literal(node)
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(sorted(value.items()))
    raise NotLiteral(shown(node))


def kwargs(call: ast.expr) -> dict[str, ast.expr]:
    if not isinstance(call, ast.Call):
        return {}
    if any(k.arg is None for k in call.keywords):
        raise NotLiteral("**kwargs in the decorator")
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def kind_tags(kwargs: dict[str, ast.expr]) -> tuple[str, ...]:
    kinds = set(str_list(kwargs.get("kinds")))
    compute_kind = kwargs.get("compute_kind")
    if compute_kind is not None:
        kinds.add(str(literal(compute_kind)))
    return tuple(sorted(kinds))
