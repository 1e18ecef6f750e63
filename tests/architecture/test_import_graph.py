"""No module of floe_runtime/ or action/ imports itself back, directly or through others.

import-linter's layers keep packages apart; a cycle between two modules of one package (or a
package ``__init__`` re-exporting what imports it) slips through them. This walks every
module's syntax (imports inside functions count: they still bind the two modules together)
and names the first cycle it finds. ``if TYPE_CHECKING:`` imports do not count: they never
run.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

from tests.helpers.paths import REPO, source_files


def _modules() -> dict[str, Path]:
    """Every in-repo module by dotted name (a package by its ``__init__``)."""
    found: dict[str, Path] = {}
    for file in source_files():
        parts = file.relative_to(REPO).with_suffix("").parts
        if parts[-1] == "__init__":
            parts = parts[:-1]
        found[".".join(parts)] = file
    return found


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement, at any depth, except under ``if TYPE_CHECKING:``."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            for child in node.orelse:
                yield from _imports(ast.Module(body=[child], type_ignores=[]))
            continue
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        yield from _imports(node)


def _named(name: str, file: Path, modules: dict[str, Path]) -> set[str]:
    """What each import statement of ``name`` names: ``import a.b`` names ``a.b``; ``from a.b
    import c`` names ``a.b.c`` when that is a module, else ``a.b`` (``c`` is defined there)."""
    package = name if file.name == "__init__.py" else name.rpartition(".")[0]
    named: set[str] = set()
    for node in _imports(ast.parse(file.read_text(encoding="utf-8"), str(file))):
        if isinstance(node, ast.Import):
            named.update(alias.name for alias in node.names)
            continue
        base = node.module or ""
        if node.level:
            anchor = package.split(".")
            anchor = anchor[: len(anchor) - (node.level - 1)]
            base = ".".join([*anchor, base] if base else anchor)
        for alias in node.names:
            named.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return named


def _targets(name: str, file: Path, modules: dict[str, Path]) -> set[str]:
    """The in-repo modules importing ``name`` runs: each one named, and the packages above it
    (their ``__init__`` runs first), except the packages above ``name`` itself, which the
    import system ran before ``name`` (counting them would make a cycle of every package
    whose ``__init__`` imports one of its modules)."""
    own = {".".join(name.split(".")[:end]) for end in range(1, name.count(".") + 1)}
    targets: set[str] = set()
    for target in _named(name, file, modules):
        parts = target.split(".")
        prefixes = [".".join(parts[:end]) for end in range(len(parts), 0, -1)]
        named = next((p for p in prefixes if p in modules), None)
        if named is None:
            continue  # not in the repo
        targets.add(named)
        targets.update(p for p in prefixes if p in modules and p != named and p not in own)
    targets.discard(name)
    return targets


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    return {name: _targets(name, file, modules) for name, file in modules.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle as ``[a, b, ..., a]``, or None (an iterative depth-first search)."""
    done: set[str] = set()
    for start in sorted(graph):
        if start in done:
            continue
        path: list[str] = [start]
        on_path = {start}
        stack: list[Iterator[str]] = [iter(sorted(graph[start]))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                done.add(path[-1])
                on_path.discard(path.pop())
                continue
            if step in on_path:
                return [*path[path.index(step) :], step]
            if step in done:
                continue
            path.append(step)
            on_path.add(step)
            stack.append(iter(sorted(graph[step])))
    return None


def test_the_graph_sees_in_function_and_relative_imports() -> None:
    graph = import_graph()
    assert "floe_runtime.cli.validate" in graph
    assert any(graph.values())


def test_find_cycle_names_a_cycle() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}
    assert find_cycle(graph) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_module_import_cycle() -> None:
    cycle = find_cycle(import_graph())
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])
