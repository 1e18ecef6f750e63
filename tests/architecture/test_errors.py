"""Every error floe raises on purpose is a ``FloeError`` defined in its stage's ``errors.py``.

A user who catches floe's errors, and an engineer looking for what a stage can raise, find them
in one module per stage (``base``, ``spec``, ``artifact``, ``compile``, ``convert``,
``definitions``, ``review``, ``ports``, and the Action's). This walks the syntax of every module:
a class deriving from ``FloeError`` (directly or through another) anywhere else fails it, and so
does an ``errors.py`` that imports more than the base it needs (importing an error must stay
cheap: ``floe validate`` imports some of them at start-up).
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.helpers.paths import REPO, source_files


def _bases(node: ast.ClassDef) -> set[str]:
    return {b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases}


def _classes() -> list[tuple[Path, ast.ClassDef]]:
    return [
        (file, node)
        for file in source_files()
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8")))
        if isinstance(node, ast.ClassDef)
    ]


def _floe_errors(classes: list[tuple[Path, ast.ClassDef]]) -> list[tuple[Path, ast.ClassDef]]:
    """Classes that derive from FloeError by name, to a fixed point (the names are unique
    enough in this tree: two ``Refused``, both errors)."""
    names = {"FloeError"}
    while True:
        grown = names | {node.name for _, node in classes if _bases(node) & names}
        if grown == names:
            return [(file, node) for file, node in classes if node.name in names]
        names = grown


def test_every_floe_error_lives_in_an_errors_module() -> None:
    found = _floe_errors(_classes())
    assert len(found) > 20  # the walk sees floe's errors at all
    misplaced = [
        f"{file.relative_to(REPO)}:{node.lineno} {node.name}"
        for file, node in found
        if file.name != "errors.py"
    ]
    assert misplaced == []


def test_each_stage_has_one_errors_module() -> None:
    modules = sorted(str(f.relative_to(REPO)) for f in source_files() if f.name == "errors.py")
    assert modules == [
        "action/errors.py",
        "floe_runtime/artifact/errors.py",
        "floe_runtime/base/errors.py",
        "floe_runtime/compile/errors.py",
        "floe_runtime/convert/errors.py",
        "floe_runtime/definitions/errors.py",
        "floe_runtime/ports/errors.py",
        "floe_runtime/review/errors.py",
        "floe_runtime/spec/errors.py",
    ]


def test_errors_modules_import_only_the_base() -> None:
    allowed = {"__future__", "collections.abc", "floe_runtime.base.errors"}
    allowed |= {"floe_runtime.base.diagnostics"}  # TrustError carries the field's JSON path
    heavy = {
        f"{file.relative_to(REPO)}: {node.module}"
        for file in source_files()
        if file.name == "errors.py"
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8")))
        if isinstance(node, ast.ImportFrom) and node.module not in allowed
    }
    assert heavy == set()
