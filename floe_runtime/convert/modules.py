"""The modules of a Dagster code location, read as syntax: the file given and every module of
the same project it imports, each with its top-level names.

Nothing is imported or executed. Only modules whose source lies under the code location's own
roots are followed (never site-packages), and the walk is bounded in files and in depth.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from floe_runtime.base.errors import FileRefused
from floe_runtime.base.files import PYTHON_SOURCE_LIMIT, read_text
from floe_runtime.compile.python_assets import module_file

MAX_MODULES = 200
MAX_HOPS = 20  # name → import → name ... before a reference is given up as unresolvable


@dataclass(frozen=True)
class Module:
    name: str
    file: str  # as shown to the user: relative to the display root
    path: Path
    tree: ast.Module
    package: str  # what relative imports start from

    def bindings(self) -> Iterator[tuple[str, ast.expr, int]]:
        """Top-level ``name = value`` assignments: (name, value, line)."""
        for node in self.tree.body:
            if isinstance(node, ast.Assign) and len(node.targets) == 1:
                target = node.targets[0]
                if isinstance(target, ast.Name):
                    yield target.id, node.value, node.lineno
            elif (
                isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and (node.value is not None)
            ):
                yield node.target.id, node.value, node.lineno


@dataclass(frozen=True)
class Unreadable:
    file: str
    line: int
    reason: str


@dataclass
class CodeLocation:
    """Every module read, and where each top-level name comes from."""

    entry: str
    roots: tuple[Path, ...]
    modules: dict[str, Module] = field(default_factory=dict)
    problems: list[Unreadable] = field(default_factory=list)
    _values: dict[tuple[str, str], ast.expr] = field(default_factory=dict)
    _functions: dict[tuple[str, str], ast.FunctionDef | ast.AsyncFunctionDef] = field(
        default_factory=dict
    )
    _imports: dict[tuple[str, str], tuple[str, str | None]] = field(default_factory=dict)

    def value(self, module: str, node: ast.expr) -> tuple[str, ast.expr]:
        """Follow a bare name to the expression bound to it (through imports); the module the
        result was found in, and the expression (``node`` itself when it is not a name)."""
        for _ in range(MAX_HOPS):
            if not isinstance(node, ast.Name):
                return module, node
            found = self.binding(module, node.id)
            if found is None or not isinstance(found[1], ast.expr):
                return module, node
            module, node = found  # type: ignore[assignment]
        return module, node

    def binding(
        self, module: str, name: str
    ) -> tuple[str, ast.expr | ast.FunctionDef | ast.AsyncFunctionDef] | None:
        """What ``name`` means at the top of ``module``: an expression or a function."""
        for _ in range(MAX_HOPS):
            if (module, name) in self._values:
                return module, self._values[(module, name)]
            if (module, name) in self._functions:
                return module, self._functions[(module, name)]
            imported = self._imports.get((module, name))
            if imported is None or imported[1] is None:
                return None
            module, name = imported[0], imported[1]
        return None

    def module_named(self, module: str, name: str) -> str | None:
        """The module a bare name stands for (``from shop.assets import bronze``), if read."""
        imported = self._imports.get((module, name))
        if imported is None:
            return None
        target, attribute = imported
        if attribute is None:
            return target if target in self.modules else None
        nested = f"{target}.{attribute}"
        return nested if nested in self.modules else None


def module_name(path: Path) -> tuple[str, Path]:
    """The dotted name of a source file and the root it is importable from (the folder above
    its top-level package, as ``dagster -f`` puts it on sys.path)."""
    path = path.resolve()
    parts = [] if path.name == "__init__.py" else [path.stem]
    folder = path.parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or path.parent.name, folder


def read_location(entry: Path, display_root: Path) -> CodeLocation:
    """Read ``entry`` and, breadth first, the project's modules it imports."""
    name, root = module_name(entry)
    location = CodeLocation(entry=name, roots=(root, root / "src"))
    queue: list[tuple[str, Path]] = [(name, entry.resolve())]
    seen = {name}
    while queue and len(location.modules) < MAX_MODULES:
        current, path = queue.pop(0)
        module = _parse(current, path, display_root, location)
        if module is None:
            continue
        location.modules[current] = module
        for imported in _index(module, location):
            if imported in seen:
                continue
            seen.add(imported)
            found = module_file(imported, location.roots)
            if found is not None:
                queue.append((imported, found))
    return location


def _display(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


def _parse(name: str, path: Path, display_root: Path, location: CodeLocation) -> Module | None:
    shown = _display(path, display_root)
    try:
        tree = ast.parse(read_text(path, PYTHON_SOURCE_LIMIT, "the module", shown), shown)
    except SyntaxError as exc:
        location.problems.append(Unreadable(shown, exc.lineno or 1, f"syntax error: {exc.msg}"))
        return None
    except FileRefused as exc:
        location.problems.append(Unreadable(shown, 1, exc.reason))
        return None
    except (ValueError, RecursionError, MemoryError):
        location.problems.append(Unreadable(shown, 1, "a module Python cannot parse"))
        return None
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    return Module(name, shown, path, tree, package)


def _absolute(module: Module, level: int, target: str | None) -> str | None:
    if level == 0:
        return target
    base = module.package.split(".") if module.package else []
    if level - 1 > len(base):
        return None
    anchor = base[: len(base) - (level - 1)]
    return ".".join([*anchor, *([target] if target else [])]) or None


def _index(module: Module, location: CodeLocation) -> list[str]:
    """Record the module's top-level names; return the modules it imports."""
    imported: list[str] = []
    for node in module.tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            location._functions[(module.name, node.name)] = node
        elif isinstance(node, ast.Import):
            for alias in node.names:
                imported.append(alias.name)
                if alias.asname:
                    location._imports[(module.name, alias.asname)] = (alias.name, None)
        elif isinstance(node, ast.ImportFrom):
            source = _absolute(module, node.level, node.module)
            if source is None:
                continue
            imported.append(source)
            for alias in node.names:
                if alias.name == "*":
                    continue
                location._imports[(module.name, alias.asname or alias.name)] = (source, alias.name)
                imported.append(f"{source}.{alias.name}")
    for name, value, _line in module.bindings():
        location._values[(module.name, name)] = value
    return imported
