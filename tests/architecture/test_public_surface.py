"""The public surface: every entry point a stage's ``__init__`` names, and every function a
port exports in ``__all__``, takes at most one positional argument (its subject); the rest are
keyword-only, as dagster-dbt's ``dbt_assets(*, manifest, ...)``.

A call then says what each value is (``next_ticks(cron, after=now, timezone=zone, count=3)``),
and a parameter can be added or reordered without silently shifting a caller's arguments.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.paths import REPO

PACKAGE = REPO / "floe_runtime"
# ``module.function`` in a stage docstring (``store.read``, ``pipeline.compile_environments``).
_NAMED = re.compile(r"``([a-z_]+)\.([a-z_]+)\b")


def _function(file: Path, name: str) -> ast.FunctionDef | None:
    for node in ast.parse(file.read_text(encoding="utf-8")).body:
        if isinstance(node, ast.FunctionDef) and node.name == name:
            return node
    return None


def _named_in_stage_docstrings() -> Iterator[tuple[str, ast.FunctionDef]]:
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8"))) or ""
        for module, name in _NAMED.findall(doc):
            file = init.parent / f"{module}.py"
            found = _function(file, name) if file.is_file() else None
            if found is not None:
                yield f"{init.parent.name}.{module}.{name}", found


def _exported_by_ports() -> Iterator[tuple[str, ast.FunctionDef]]:
    for init in sorted((PACKAGE / "ports").glob("*/__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        origin = {
            alias.asname or alias.name: node.module
            for node in tree.body
            if isinstance(node, ast.ImportFrom) and node.module
            for alias in node.names
        }
        exported = next(
            ast.literal_eval(node.value)
            for node in tree.body
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__all__" for t in node.targets)
        )
        for name in exported:
            module = origin.get(name)
            if module is None:
                continue
            found = _function(REPO / (module.replace(".", "/") + ".py"), name)
            if found is not None:
                yield f"{module}.{name}", found


def test_entry_points_take_one_positional_argument_at_most() -> None:
    checked = [*_named_in_stage_docstrings(), *_exported_by_ports()]
    assert len(checked) > 20  # the walk finds the surface at all
    too_positional = {
        name: [a.arg for a in node.args.posonlyargs + node.args.args]
        for name, node in checked
        if len(node.args.posonlyargs + node.args.args) > 1
    }
    assert too_positional == {}
