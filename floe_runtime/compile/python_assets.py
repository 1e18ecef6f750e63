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

from floe_runtime.base.files import PYTHON_SOURCE_LIMIT, FileRefused, read_text

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


class _NotLiteral(Exception):
    """A decorator argument floe cannot evaluate without running code."""


def _name(node: ast.expr) -> str | None:
    """``asset`` for ``asset``, ``dg.asset`` and ``dagster.asset``."""
    if isinstance(node, ast.Call):
        node = node.func
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return None


def _literal(node: ast.expr) -> Any:
    try:
        return ast.literal_eval(node)
    except (ValueError, SyntaxError, TypeError, RecursionError, MemoryError) as exc:
        raise _NotLiteral(_shown(node)) from exc


def _shown(node: ast.expr) -> str:
    """The source of an expression for a message: short, and never a crash on deep nesting."""
    try:
        text = ast.unparse(node)
    except (RecursionError, MemoryError, ValueError):
        return f"an expression at line {getattr(node, 'lineno', '?')}"
    return text if len(text) <= 80 else text[:77] + "..."


def _group(node: ast.expr | None, inherited: str | None = None) -> str | None:
    """``group_name=``: None (or "") is Dagster's default group, not the group "None"."""
    if node is None:
        return inherited
    value = _literal(node)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise _NotLiteral(_shown(node))
    return value


def _key(node: ast.expr, functions: dict[str, str]) -> str:
    """An asset key written as a string, a list of strings, ``AssetKey(...)``, ``AssetDep(...)``,
    ``AssetSpec(...)`` or the name of a decorated function of this module."""
    if isinstance(node, ast.Name) and node.id in functions:
        return functions[node.id]
    if isinstance(node, ast.Call) and _name(node.func) in ("AssetKey", "AssetDep", "AssetSpec"):
        if node.args:
            return _key(node.args[0], functions)
        for keyword in node.keywords:
            if keyword.arg in ("key", "asset", "path"):
                return _key(keyword.value, functions)
        raise _NotLiteral(_shown(node))
    value = _literal(node)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return "/".join(value)
    raise _NotLiteral(_shown(node))


def _prefix(node: ast.expr | None) -> list[str]:
    if node is None:
        return []
    value = _literal(node)
    if isinstance(value, str):
        return [value]
    if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
        return list(value)
    raise _NotLiteral(_shown(node))


def _named_key(kw: dict[str, ast.expr], name: str, functions: dict[str, str]) -> str:
    """``key=`` when given, else ``key_prefix`` + ``name``: how ``@asset``, ``AssetIn`` and
    ``AssetOut`` name their keys."""
    if "key" in kw:
        return _key(kw["key"], functions)
    return "/".join([*_prefix(kw.get("key_prefix")), name])


def _str_list(node: ast.expr | None) -> tuple[str, ...]:
    if node is None:
        return ()
    value = _literal(node)
    if isinstance(value, str):
        return (value,)
    if isinstance(value, (list, tuple, set)) and all(isinstance(v, str) for v in value):
        return tuple(sorted(value))
    raise _NotLiteral(_shown(node))


def _str_dict(node: ast.expr | None) -> dict[str, str]:
    if node is None:
        return {}
    value = _literal(node)
    if isinstance(value, dict) and all(
        isinstance(k, str) and isinstance(v, str) for k, v in value.items()
    ):
        return dict(sorted(value.items()))
    raise _NotLiteral(_shown(node))


def _kwargs(call: ast.expr) -> dict[str, ast.expr]:
    if not isinstance(call, ast.Call):
        return {}
    if any(k.arg is None for k in call.keywords):
        raise _NotLiteral("**kwargs in the decorator")
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def _kind_tags(kwargs: dict[str, ast.expr]) -> tuple[str, ...]:
    kinds = set(_str_list(kwargs.get("kinds")))
    compute_kind = kwargs.get("compute_kind")
    if compute_kind is not None:
        kinds.add(str(_literal(compute_kind)))
    return tuple(sorted(kinds))


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
            if _name(decorator) in ASSET_DECORATORS | MULTI_ASSET_DECORATORS
        ]
        for node, decorator in decorated:  # names first: deps may refer to later functions
            if _name(decorator) in ASSET_DECORATORS:
                try:
                    self.functions[node.name] = self._single_key(node, _kwargs(decorator))
                except (_NotLiteral, RecursionError):
                    continue  # reported with its reason below
        for node, decorator in decorated:
            try:
                if _name(decorator) in ASSET_DECORATORS:
                    self._single(node, decorator)
                else:
                    self._multi(node, decorator)
            except (_NotLiteral, RecursionError) as exc:
                self.unresolved.append(
                    Unresolved(
                        self.module,
                        f"@{_name(decorator)} on {node.name}() uses {exc}, which floe cannot "
                        "read without running the module",
                        self.file,
                        node.lineno,
                    )
                )
        self._factories(tree)

    def _single_key(self, node: ast.FunctionDef | ast.AsyncFunctionDef, kw: dict[str, Any]) -> str:
        name = str(_literal(kw["name"])) if "name" in kw else node.name
        if "key" not in kw and not name:
            raise _NotLiteral("an empty name")
        return _named_key(kw, name, {})

    def _single(self, node: ast.FunctionDef | ast.AsyncFunctionDef, decorator: ast.expr) -> None:
        kw = _kwargs(decorator)
        key = self._single_key(node, kw)
        ins = kw.get("ins")
        renamed: dict[str, str] = {}
        if ins is not None:
            if not isinstance(ins, ast.Dict):
                raise _NotLiteral(_shown(ins))
            for name_node, asset_in in zip(ins.keys, ins.values, strict=True):
                if name_node is None:
                    raise _NotLiteral("**ins")
                renamed[str(_literal(name_node))] = self._asset_in_key(
                    str(_literal(name_node)), asset_in
                )
        deps = self._deps(kw.get("deps"))
        for param in [*node.args.posonlyargs, *node.args.args]:
            if param.arg in _CONTEXT_PARAMS or _looks_like_resource(param):
                continue
            deps.add(renamed.get(param.arg, param.arg))
        self._add(node, key, kw, None, (), deps)

    def _asset_in_key(self, input_name: str, node: ast.expr) -> str:
        if isinstance(node, ast.Call) and node.args:
            return _key(node.args[0], self.functions)
        return _named_key(_kwargs(node), input_name, self.functions)

    def _items(self, node: ast.expr | None) -> list[ast.expr]:
        """The elements of a literal list, tuple or set."""
        if node is None:
            return []
        if isinstance(node, (ast.List, ast.Tuple, ast.Set)):
            return list(node.elts)
        raise _NotLiteral(_shown(node))

    def _deps(self, node: ast.expr | None) -> set[str]:
        return {_key(item, self.functions) for item in self._items(node)}

    def _multi(self, node: ast.FunctionDef | ast.AsyncFunctionDef, decorator: ast.expr) -> None:
        kw = _kwargs(decorator)
        shared_deps = self._deps(kw.get("deps"))
        group = _group(kw.get("group_name"))
        kinds = _kind_tags(kw)
        specs = kw.get("specs")
        outs = kw.get("outs")
        if specs is not None:
            for spec in self._items(specs):
                self._spec(node, spec, group, kinds, shared_deps)
        elif isinstance(outs, ast.Dict):
            for name_node, out in zip(outs.keys, outs.values, strict=True):
                if name_node is None:
                    raise _NotLiteral("**outs")
                out_kw = _kwargs(out)
                key = _named_key(out_kw, str(_literal(name_node)), {})
                self._add(node, key, out_kw, group, kinds, shared_deps)
        else:
            raise _NotLiteral("specs/outs that are not written as a list or dict")

    def _spec(
        self,
        node: ast.FunctionDef | ast.AsyncFunctionDef,
        spec: ast.expr,
        group: str | None,
        kinds: tuple[str, ...],
        shared_deps: set[str],
    ) -> None:
        if not (isinstance(spec, ast.Call) and _name(spec.func) == "AssetSpec"):
            raise _NotLiteral(_shown(spec))
        spec_kw = _kwargs(spec)
        key_node = spec.args[0] if spec.args else spec_kw.get("key")
        if key_node is None:
            raise _NotLiteral("AssetSpec() without a key")
        key = _key(key_node, {})
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
        own_group = _group(kw.get("group_name"), group)
        self.assets.append(
            PythonAsset(
                key=key,
                group=own_group,
                deps=tuple(sorted(deps)),
                tags=_str_dict(kw.get("tags")),
                kinds=tuple(sorted(set(kinds) | set(_kind_tags(kw)))),
                owners=_str_list(kw.get("owners")),
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
                if id(use) not in top_level and _name(use) in decorators:
                    found.setdefault(
                        use.lineno,
                        f"@{_name(use)} inside a function, loop or condition (or applied by hand)",
                    )
        for statement in tree.body:
            value = statement.value if isinstance(statement, (ast.Assign, ast.Expr)) else None
            name = _name(value.func) if isinstance(value, ast.Call) else None
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
    name = (_name(annotation) if annotation is not None else None) or ""
    return name.endswith("Resource") or name in ("AssetExecutionContext", "OpExecutionContext")


def _first_line(node: ast.FunctionDef | ast.AsyncFunctionDef) -> int:
    """Where the asset starts, decorators included (as ``inspect.getsourcelines`` says)."""
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])
