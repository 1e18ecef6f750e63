"""``action/`` has one output path: a lint over its source, so a new print cannot skip it.

What the Action prints is read by the runner (a line starting with ``::`` is a workflow command)
and what it writes to the summary by GitHub's markdown renderer; the text quotes a pull
request's file names. So (1) every field formatted into an f-string passes a helper that makes
it printable (``printable``) or inert markdown (``escape``, ``code``), or is a count or a
constant; (2) only ``outputs.py`` and ``child.py`` print or write, and there every piece of a
printed line is a constant or an escaped value. Exception messages are data: they reach the
log through ``outputs`` and the summary through ``escape``.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.snapshot import REPO

ACTION = REPO / "action"
# Calls whose result is safe to format: printable text, inert markdown, a quoted URL part,
# a count. ``shown`` is Review.shown(), the printable config path.
HELPERS = frozenset({"printable", "escape", "code", "quote", "shown", "len", "plural"})
PRINTERS = frozenset({"outputs.py", "child.py"})
LINE_HELPERS = frozenset({"printable", "github_data", "github_property"})
# child.echo's stop-commands token (fresh random hex); append_summary's markdown (built of
# fields rule 1 checks, by main.summary and floe's own renderer)
LINE_NAMES = frozenset({"token", "markdown"})


def _name(func: ast.expr) -> str:
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else ""


def _safe_field(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.Name):
        return node.id.isupper()  # a module constant
    if isinstance(node, ast.Call):
        return _name(node.func) in HELPERS
    if isinstance(node, ast.BinOp):
        return _safe_field(node.left) and _safe_field(node.right)
    return False


def _raised(tree: ast.AST) -> set[int]:
    """ids of the f-strings inside ``raise`` statements (exception messages are data)."""
    return {
        id(node)
        for statement in ast.walk(tree)
        if isinstance(statement, ast.Raise)
        for node in ast.walk(statement)
        if isinstance(node, ast.JoinedStr)
    }


def unsafe_fields(source: str, filename: str) -> Iterator[str]:
    tree = ast.parse(source, filename)
    raised = _raised(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.JoinedStr) and id(node) not in raised:
            for value in node.values:
                if isinstance(value, ast.FormattedValue) and not _safe_field(value.value):
                    yield f"{filename}:{value.lineno}: {{{ast.unparse(value.value)}}}"


def _line_pieces(node: ast.expr) -> Iterator[ast.expr]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        yield from _line_pieces(node.left)
        yield from _line_pieces(node.right)
    else:
        yield node


def unsafe_prints(source: str, filename: str) -> Iterator[str]:
    for node in ast.walk(ast.parse(source, filename)):
        if not isinstance(node, ast.Call):
            continue
        name = _name(node.func)
        if name not in ("print", "write") or (
            name == "write" and _name(getattr(node.func, "value", node.func)) == "outputs"
        ):
            continue
        if filename not in PRINTERS:
            yield f"{filename}:{node.lineno}: {name}() outside outputs.py; use outputs.say()"
            continue
        for arg in node.args:
            for piece in _line_pieces(arg):
                ok = (
                    isinstance(piece, ast.Constant)
                    or (isinstance(piece, ast.Name) and piece.id in LINE_NAMES)
                    or (isinstance(piece, ast.Call) and _name(piece.func) in LINE_HELPERS)
                )
                if not ok:
                    yield f"{filename}:{node.lineno}: {ast.unparse(piece)} printed unescaped"


def sources() -> list[Path]:
    return sorted(ACTION.glob("*.py"))


def test_every_formatted_field_of_the_action_passes_a_helper() -> None:
    found = [f for path in sources() for f in unsafe_fields(path.read_text(), path.name)]
    assert found == [], "\n".join(found)


def test_only_the_output_module_prints_and_only_escaped_text() -> None:
    found = [f for path in sources() for f in unsafe_prints(path.read_text(), path.name)]
    assert found == [], "\n".join(found)


def test_the_lint_catches_what_main_printed_raw_on_3fb24f5() -> None:
    """The three prints issue 14 found, and the ways around the rules."""
    raw = 'print(f"::group::floe: {config}", flush=True)\n'
    assert list(unsafe_fields(raw, "main.py")) == ["main.py:1: {config}"]
    assert list(unsafe_prints(raw, "main.py"))  # and main.py may not print at all
    summary = 'text = f"### floe: {r.config}\\n\\n"\n'
    assert list(unsafe_fields(summary, "main.py")) == ["main.py:1: {r.config}"]
    assert list(unsafe_prints('print("floe: " + name)\n', "outputs.py"))
    assert not list(unsafe_fields('x = f"{code(r.config)} {printable(p)} {len(a) - 1}"', "m"))
