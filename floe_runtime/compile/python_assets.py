"""Find the Python assets of the project's asset modules by reading their source.

The compiler runs where the project's packages are not installed (pre-commit's isolated venv,
a CI job before ``pip install``), and compiling a pull request must not execute its code. So
assets are read from the syntax of ``@asset``, ``@multi_asset`` and ``@graph_asset``
decorators: keys, groups, dependencies, kinds, tags and owners written as literals. What cannot
be read that way (assets built by factories, keys computed at run time) is reported as
unresolved, and selections are then checked against what is known.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeAlias

from floe_runtime.base.errors import FileRefused
from floe_runtime.base.files import PYTHON_SOURCE_LIMIT, read_text
from floe_runtime.compile import python_literals as lit

ASSET_DECORATORS = {"asset", "graph_asset"}
MULTI_ASSET_DECORATORS = {"multi_asset", "graph_multi_asset"}
_CONTEXT_PARAMS = {"context", "config"}


DiscoveryMode: TypeAlias = Literal["static", "import"]
"""How Python assets are found: read from source, or by importing them with Dagster."""


@dataclass(frozen=True)
class PythonAsset:
    """One asset as its decorator declares it."""

    key: str
    group: str | None
    deps: tuple[str, ...]
    tags: dict[str, str]
    kinds: tuple[str, ...]
    owners: tuple[str, ...]
    module: str
    file: str
    line: int
    partitioned_in_code: bool = False
    automation_in_code: bool = False
    description: str | None = None


@dataclass(frozen=True)
class Unresolved:
    """Something in an asset module that floe could not read without running it.

    ``fatal``: the module itself is missing or broken, so Dagster will fail to load it too;
    otherwise some of its assets are built at run time (factories, computed keys)."""

    module: str
    reason: str
    file: str | None = None
    line: int | None = None
    fatal: bool = False


@dataclass(frozen=True)
class Discovery:
    assets: tuple[PythonAsset, ...] = ()
    unresolved: tuple[Unresolved, ...] = ()
    files: dict[str, str] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return not self.unresolved


def module_file(module: str, roots: Sequence[Path]) -> Path | None:
    """The source file of a dotted module under one of ``roots`` (no import, no execution)."""
    parts = module.split(".")
    for root in roots:
        base = root.joinpath(*parts)
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            try:
                if candidate.is_file():
                    return candidate
            except OSError:  # a name the file system cannot hold (too long) is not a file
                continue
    return None


def search_roots(floe_yaml: Path, package: str | None) -> list[Path]:
    """Where modules are looked for: the folder above floe.yaml's top-level package (or
    floe.yaml's folder), and its ``src/``."""
    folder = floe_yaml.resolve().parent
    depth = len(package.split(".")) if package else 0
    root = folder.parents[depth - 1] if depth else folder
    return [root, root / "src"]


def discover(modules: Iterable[str], roots: Sequence[Path], display_root: Path) -> Discovery:
    """Read every asset module; never import it."""
    assets: list[PythonAsset] = []
    unresolved: list[Unresolved] = []
    files: dict[str, str] = {}
    for module in modules:
        path = module_file(module, roots)
        if path is None:
            unresolved.append(Unresolved(module, "module not found beside floe.yaml", fatal=True))
            continue
        display = _relative(path, display_root)
        files[module] = display
        try:
            source = read_text(path, PYTHON_SOURCE_LIMIT, "the module", display)
            tree = ast.parse(source, filename=display)
            # The parser accepts what the compiler refuses (`return` at module level; on 3.10 a
            # 50,000-term sum): compile too, so the module fails here, not at import in Dagster.
            compile(tree, display, "exec", dont_inherit=True)
        except SyntaxError as exc:
            unresolved.append(
                Unresolved(module, f"syntax error: {exc.msg}", display, exc.lineno, fatal=True)
            )
            continue
        except FileRefused as exc:
            unresolved.append(Unresolved(module, exc.reason, display, fatal=True))
            continue
        except ValueError as exc:  # source with NUL bytes
            unresolved.append(Unresolved(module, f"cannot read: {exc}", display, fatal=True))
            continue
        except (RecursionError, MemoryError):
            unresolved.append(
                Unresolved(module, "too deeply nested for Python to parse", display, fatal=True)
            )
            continue
        reader = _ModuleReader(module, display)
        reader.read(tree)
        assets += reader.assets
        unresolved += reader.unresolved
    return Discovery(
        tuple(sorted(assets, key=lambda a: a.key)), tuple(unresolved), dict(sorted(files.items()))
    )


def _relative(path: Path, root: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return path.name


class _ModuleReader:
    def __init__(self, module: str, file: str) -> None:
        self.module = module
        self.file = file
        self.assets: list[PythonAsset] = []
        self.unresolved: list[Unresolved] = []
        self.functions: dict[str, str] = {}

    def read(self, tree: ast.Module) -> None:
        decorated = [
            (node, decorator)
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for decorator in node.decorator_list
            if lit.name(decorator) in ASSET_DECORATORS | MULTI_ASSET_DECORATORS
        ]
        for node, decorator in decorated:  # names first: deps may refer to later functions
            if lit.name(decorator) in ASSET_DECORATORS:
                try:
                    self.functions[node.name] = self._single_key(node, lit.kwargs(decorator))
                except (lit.NotLiteral, RecursionError):
                    continue  # reported with its reason below
        for node, decorator in decorated:
            try:
                if lit.name(decorator) in ASSET_DECORATORS:
                    self._single(node, decorator)
                else:
                    self._multi(node, decorator)
            except (lit.NotLiteral, RecursionError) as exc:
                self.unresolved.append(
                    Unresolved(
                        self.module,
                        f"@{lit.name(decorator)} on {node.name}() uses {exc}, which floe cannot "
                        "read without running the module",
                        self.file,
                        node.lineno,
                    )
                )
        self._factories(tree)

    def _single_key(self, node: ast.FunctionDef | ast.AsyncFunctionDef, kw: dict[str, Any]) -> str:
        name = str(lit.literal(kw["name"])) if "name" in kw else node.name
        if "key" not in kw and not name:
            raise lit.NotLiteral("an empty name")
        return lit.named_key(kw, name, {})

    def _single(self, node: ast.FunctionDef | ast.AsyncFunctionDef, decorator: ast.expr) -> None:
        kw = lit.kwargs(decorator)
        key = self._single_key(node, kw)
        ins = kw.get("ins")
        renamed: dict[str, str] = {}
        if ins is not None:
            if not isinstance(ins, ast.Dict):
                raise lit.NotLiteral(lit.shown(ins))
            for name_node, asset_in in zip(ins.keys, ins.values, strict=True):
                if name_node is None:
                    raise lit.NotLiteral("**ins")
                renamed[str(lit.literal(name_node))] = self._asset_in_key(
                    str(lit.literal(name_node)), asset_in
                )
        deps = self._deps(kw.get("deps"))
        for param in [*node.args.posonlyargs, *node.args.args]:
            if param.arg in _CONTEXT_PARAMS or _looks_like_resource(param):
                continue
            deps.add(renamed.get(param.arg, param.arg))
        self._add(node, key, kw, None, (), deps)

    def _asset_in_key(self, input_name: str, node: ast.expr) -> str:
        if isinstance(node, ast.Call) and node.args:
            return lit.key(node.args[0], self.functions)
        return lit.named_key(lit.kwargs(node), input_name, self.functions)

    def _items(self, node: ast.expr | None) -> list[ast.expr]:
        """The elements of a literal list, tuple or set."""
        if node is None:
            return []
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return list(node.elts)
        raise lit.NotLiteral(lit.shown(node))

    def _deps(self, node: ast.expr | None) -> set[str]:
        return {lit.key(item, self.functions) for item in self._items(node)}

    def _multi(self, node: ast.FunctionDef | ast.AsyncFunctionDef, decorator: ast.expr) -> None:
        kw = lit.kwargs(decorator)
        shared_deps = self._deps(kw.get("deps"))
        group = lit.group(kw.get("group_name"))
        kinds = lit.kind_tags(kw)
        specs = kw.get("specs")
        outs = kw.get("outs")
        if specs is not None:
            for spec in self._items(specs):
                self._spec(node, spec, group, kinds, shared_deps)
        elif isinstance(outs, ast.Dict):
            for name_node, out in zip(outs.keys, outs.values, strict=True):
                if name_node is None:
                    raise lit.NotLiteral("**outs")
                out_kw = lit.kwargs(out)
                key = lit.named_key(out_kw, str(lit.literal(name_node)), {})
                self._add(node, key, out_kw, group, kinds, shared_deps)
        else:
            raise lit.NotLiteral("specs/outs that are not written as a list or dict")

    def _spec(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        spec: ast.expr,
        group: str | None,
        kinds: tuple[str, ...],
        shared_deps: set[str],
    ) -> None:
        if not (isinstance(spec, ast.Call) and lit.name(spec.func) == "AssetSpec"):
            raise lit.NotLiteral(lit.shown(spec))
        spec_kw = lit.kwargs(spec)
        key_node = spec.args[0] if spec.args else spec_kw.get("key")
        if key_node is None:
            raise lit.NotLiteral("AssetSpec() without a key")
        key = lit.key(key_node, {})
        deps = shared_deps | self._deps(spec_kw.get("deps"))
        self._add(node, key, spec_kw, group, kinds, deps)

    def _add(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        key: str,
        kw: dict[str, ast.expr],
        group: str | None,
        kinds: tuple[str, ...],
        deps: set[str],
    ) -> None:
        own_group = lit.group(kw.get("group_name"), group)
        self.assets.append(
            PythonAsset(
                key=key,
                group=own_group,
                deps=tuple(sorted(deps)),
                tags=lit.str_dict(kw.get("tags")),
                kinds=tuple(sorted(set(kinds) | set(lit.kind_tags(kw)))),
                owners=lit.str_list(kw.get("owners")),
                module=self.module,
                file=self.file,
                line=_first_line(node),
                partitioned_in_code="partitions_def" in kw,
                automation_in_code="automation_condition" in kw,
                description=ast.get_docstring(node),
            )
        )

    def _factories(self, tree: ast.Module) -> None:
        """Assets floe cannot read: asset decorators anywhere but on a top-level function
        (inside functions, loops or conditions, or called by hand), and module-level calls
        that look like asset factories or loaders."""
        decorators = ASSET_DECORATORS | MULTI_ASSET_DECORATORS
        top_level = {
            id(decorator)
            for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
            for decorator in node.decorator_list
        }
        found: dict[int, str] = {}
        for node in ast.walk(tree):
            uses: list[ast.expr] = []
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                uses = list(node.decorator_list)
            elif isinstance(node, ast.Call):
                uses = [node]
            for use in uses:
                if id(use) not in top_level and lit.name(use) in decorators:
                    found.setdefault(
                        use.lineno,
                        f"@{lit.name(use)} inside a function, loop or condition "
                        "(or applied by hand)",
                    )
        for statement in tree.body:
            value = statement.value if isinstance(statement, (ast.Assign, ast.Expr)) else None
            name = lit.name(value.func) if isinstance(value, ast.Call) else None
            if (
                name
                and "asset" in name.lower()
                and name not in ("AssetKey", "AssetSpec", "AssetIn")
            ):
                found.setdefault(statement.lineno, f"{name}(...) at module level")
        for line, what in sorted(found.items()):
            self.unresolved.append(
                Unresolved(
                    self.module,
                    f"{what} may build assets floe cannot read without running the module",
                    self.file,
                    line,
                )
            )


def _looks_like_resource(param: ast.arg) -> bool:
    """Parameters typed as resources are not asset inputs (Dagster injects them)."""
    annotation = param.annotation
    name = (lit.name(annotation) if annotation is not None else None) or ""
    return name.endswith("Resource") or name in ("AssetExecutionContext", "OpExecutionContext")


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Where the asset starts, decorators included (as ``inspect.getsourcelines`` says)."""
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])
