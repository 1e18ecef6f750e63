"""A Dagster job's ``selection=`` written in code, as the asset selection strings floe.yaml takes.

``AssetSelection.from_coercible`` is the model: a string is Dagster's selection syntax, a list
of strings is their union, a list of assets or ``AssetKey``s selects those keys, and the
``AssetSelection`` methods and operators become the syntax's ``group:``, ``key:``, ``tag:``,
``+``, ``and``, ``or`` and ``not``. Anything else is untranslatable, with the reason.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from floe_runtime.convert.modules import CodeLocation
from floe_runtime.ports.errors import SelectionError
from floe_runtime.ports.selection import parse_selection, value_literal


class Untranslatable(Exception):
    """The expression has no floe.yaml spelling; the message says which part."""


AssetKeys = Callable[[str, ast.FunctionDef | ast.AsyncFunctionDef], list[str]]


def callee(node: ast.expr) -> str | None:
    """The called name, whatever it is reached through: ``dg.asset`` and ``asset`` alike."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Attribute):
        return node.attr
    if isinstance(node, ast.Name):
        return node.id
    return None


def text(node: ast.expr) -> str:
    """A short, one-line rendering of code for a note."""
    try:
        shown = ast.unparse(node)
    except (ValueError, RecursionError):
        shown = type(node).__name__
    shown = " ".join(shown.split())
    return shown if len(shown) <= 80 else shown[:79] + "…"


def literal_str(node: ast.expr | None) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def asset_key(node: ast.expr) -> str:
    """``AssetKey("a")``, ``AssetKey(["a", "b"])`` or a ``"a/b"`` string, as ``a/b``."""
    value = literal_str(node)
    if value is not None:
        return value
    if isinstance(node, ast.Call) and callee(node) == "AssetKey" and len(node.args) == 1:
        arg = node.args[0]
        if literal_str(arg) is not None:
            return literal_str(arg)  # type: ignore[return-value]
        if isinstance(arg, (ast.List, ast.Tuple)):
            parts = [literal_str(e) for e in arg.elts]
            if parts and all(p is not None for p in parts):
                return "/".join(p for p in parts if p is not None)
    raise Untranslatable(f"asset key {text(node)}")


class SelectionReader:
    """Reads selections in one code location; ``keys_of`` names the assets an ``@asset``
    function defines (so ``selection=[my_asset]`` becomes ``key:my_asset``)."""

    def __init__(self, location: CodeLocation, keys_of: AssetKeys) -> None:
        self.location = location
        self.keys_of = keys_of

    def read(self, module: str, node: ast.expr) -> list[str]:
        """The union of selection strings that ``node`` selects (``["*"]`` for everything)."""
        module, node = self.location.value(module, node)
        value = literal_str(node)
        if value is not None:
            return [_checked(value)]
        if isinstance(node, (ast.List, ast.Tuple)):
            return [s for element in node.elts for s in self._element(module, element)]
        if isinstance(node, ast.BinOp):
            left, right = self.read(module, node.left), self.read(module, node.right)
            if isinstance(node.op, ast.BitOr):
                return [*left, *right]
            if isinstance(node.op, ast.BitAnd):
                return [f"{_operand(left)} and {_operand(right)}"]
            if isinstance(node.op, ast.Sub):
                return [f"{_operand(left)} and not {_operand(right)}"]
        if isinstance(node, ast.Call):
            return self._call(module, node)
        raise Untranslatable(f"selection {text(node)}")

    def _element(self, module: str, element: ast.expr) -> list[str]:
        _, found = self.location.value(module, element)
        if literal_str(found) is not None:
            return [_checked(literal_str(found))]  # type: ignore[arg-type]
        if isinstance(found, ast.Call) and callee(found) == "AssetKey":
            return [f"key:{value_literal(asset_key(found))}"]
        if isinstance(element, ast.Name):
            binding = self.location.binding(module, element.id)
            if binding is not None and isinstance(
                binding[1], (ast.FunctionDef, ast.AsyncFunctionDef)
            ):
                keys = self.keys_of(binding[0], binding[1])
                if keys:
                    return [f"key:{value_literal(k)}" for k in keys]
        raise Untranslatable(f"selection element {text(element)}")

    def _call(self, module: str, node: ast.Call) -> list[str]:
        name = callee(node)
        func = node.func
        receiver = func.value if isinstance(func, ast.Attribute) else None
        if (
            receiver is not None
            and callee(receiver) == "AssetSelection"
            and not isinstance(receiver, ast.Call)
        ):
            return self._constructor(module, name, node)
        if receiver is not None and name in ("upstream", "downstream"):
            inner = _operand(self.read(module, receiver))
            depth = _depth(node)
            if _keyword(node, "include_self") is not None:
                raise Untranslatable(f"selection {text(node)} (include_self)")
            prefix = "" if depth is None else str(depth)
            return [f"{prefix}+{inner}" if name == "upstream" else f"{inner}+{prefix}"]
        raise Untranslatable(f"selection {text(node)}")

    def _constructor(self, module: str, name: str | None, node: ast.Call) -> list[str]:
        if node.keywords and name != "tag":
            raise Untranslatable(f"selection {text(node)}")
        if name == "all" and not node.args:
            return ["*"]
        if name == "groups":
            groups = [literal_str(a) for a in node.args]
            if groups and all(g is not None for g in groups):
                return [f"group:{value_literal(g)}" for g in groups if g is not None]
        if name in ("keys", "assets"):
            selected: list[str] = []
            for arg in node.args:
                key = literal_str(arg)  # a string here is a key ("a/b"), not a selection
                selected += [f"key:{value_literal(key)}"] if key else self._element(module, arg)
            return selected
        if name == "tag" and len(node.args) == 2 and not node.keywords:
            key, value = (literal_str(a) for a in node.args)
            if key is not None and value is not None:
                return [f"tag:{value_literal(key)}={value_literal(value)}"]
        raise Untranslatable(f"selection {text(node)}")


def _keyword(node: ast.Call, name: str) -> ast.expr | None:
    return next((k.value for k in node.keywords if k.arg == name), None)


def _depth(node: ast.Call) -> int | None:
    depth = _keyword(node, "depth") or (node.args[0] if node.args else None)
    if depth is None or (isinstance(depth, ast.Constant) and depth.value is None):
        return None
    if isinstance(depth, ast.Constant) and type(depth.value) is int and depth.value >= 0:
        return depth.value
    raise Untranslatable(f"selection depth {text(depth)}")


def _operand(union: list[str]) -> str:
    joined = " or ".join(f"({s})" if len(union) > 1 else s for s in union)
    return f"({joined})"


def _checked(expr: str) -> str:
    try:
        parse_selection(expr)
    except SelectionError as exc:
        raise Untranslatable(f"selection string {expr!r} ({exc})") from exc
    return expr
