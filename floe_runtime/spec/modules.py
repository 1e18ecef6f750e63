"""Python module names in floe.yaml: well-formed, resolved, and owned by the project.

``.assets.ops`` is relative to the package that holds floe.yaml. Functions that floe calls
(``target_function``) must live in a module the project owns — the top-level packages of its
asset modules, or ``allowed_modules`` — and never in the standard library's process, file or
import machinery.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from floe_runtime.spec.errors import ModuleNameError

_DOTTED = re.compile(r"^(\.*)([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)$")
REFUSED_ROOTS = frozenset(
    {
        "__main__",
        "_io",
        "_posixsubprocess",
        "_thread",
        "asyncio",  # create_subprocess_shell
        "builtins",
        "code",
        "codecs",  # codecs.open(..., "w")
        "cProfile",  # cProfile.run(source)
        "ctypes",
        "doctest",  # doctest.debug_src(source)
        "importlib",
        "io",
        "logging",  # logging.config.dictConfig calls any factory it names
        "marshal",
        "multiprocessing",
        "nt",
        "os",
        "pdb",
        "pickle",
        "pkgutil",  # pkgutil.resolve_name imports anything
        "posix",
        "profile",
        "pty",
        "pydoc",  # pydoc.pipepager(text, cmd) runs a shell command
        "runpy",
        "shutil",
        "signal",
        "socket",
        "subprocess",
        "sys",
        "timeit",  # timeit.timeit(source)
        "trace",
        "webbrowser",
        "zipimport",
    }
)
"""Top-level modules whose functions run code, commands or imports, or write files, given
only strings: what a ``target_function`` with YAML ``args`` can pass."""


def package_of(floe_yaml: Path) -> str | None:
    """The dotted package that contains floe.yaml, or None when its folder is not a package."""
    parts: list[str] = []
    folder = floe_yaml.resolve().parent
    while (folder / "__init__.py").is_file():
        parts.insert(0, folder.name)
        folder = folder.parent
    return ".".join(parts) or None


def resolve(name: str, package: str | None) -> str:
    """An absolute dotted name; relative names (leading dots) resolve against ``package``."""
    match = _DOTTED.match(name)
    if match is None:
        raise ModuleNameError(
            f"{name!r} is not a dotted Python name (like shop.assets.bronze or .assets.ops)"
        )
    dots, rest = match.groups()
    if not dots:
        return rest
    if package is None:
        raise ModuleNameError(
            f"{name!r} is relative, but floe.yaml is not inside a Python package "
            "(its folder has no __init__.py)"
        )
    base = package.split(".")
    if len(dots) - 1 >= len(base):
        raise ModuleNameError(f"{name!r} climbs above the top-level package {base[0]!r}")
    anchor = base[: len(base) - (len(dots) - 1)]
    return ".".join([*anchor, rest])


def owned_prefixes(
    asset_modules: Iterable[str], allowed_modules: Iterable[str], package: str | None
) -> list[str]:
    """Module prefixes the project owns: asset modules' top-level packages + allowed_modules."""
    owned: set[str] = set()
    for module in asset_modules:
        try:
            owned.add(resolve(module, package).split(".")[0])
        except ModuleNameError:
            continue
    if package is not None:
        owned.add(package.split(".")[0])
    for module in allowed_modules:
        try:
            owned.add(resolve(module, package))
        except ModuleNameError:
            continue
    return sorted(owned)


def is_owned(module: str, prefixes: Iterable[str]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in prefixes)


def is_refused(module: str) -> bool:
    return module.split(".")[0] in REFUSED_ROOTS
