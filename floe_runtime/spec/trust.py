"""What floe will import, call or read from a project, judged by one set of rules.

floe.yaml names code (asset modules, ``target_function``s) and folders (the dbt project and its
profiles, file sensors' folders). The compiler applies these rules to floe.yaml, and the runtime
applies the same rules again to the artifact before it imports anything: an artifact's checksum
proves it intact, not who sealed it. Pure: names and strings only; the caller owns the disk.
"""

from __future__ import annotations

import posixpath
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath, PureWindowsPath

from floe_runtime.base.diagnostics import JsonPath, known_list
from floe_runtime.spec import modules
from floe_runtime.spec.errors import ModuleNameError
from floe_runtime.spec.models import OpsJob, Orchestration
from floe_runtime.spec.triggers import CustomSensor, FileWatcherSensor

ORCH = "orchestration"


@dataclass(frozen=True)
class Refusal:
    """Why floe will not use the value at ``field`` (a path into floe.yaml / the artifact)."""

    field: JsonPath
    message: str
    hint: str
    code: str


def refusals(
    orchestration: Orchestration, package: str | None, folder: PurePosixPath | None
) -> list[Refusal]:
    """Every module, function and folder of ``orchestration`` that floe must not use.

    ``package`` is the Python package holding floe.yaml; ``folder`` is floe.yaml's folder
    relative to the project root, or None where it is not known (then folders are only checked
    to be relative, not to stay inside the root)."""
    found: list[Refusal] = []
    for key in ("asset_modules", "allowed_modules"):
        for index, name in enumerate(getattr(orchestration, key)):
            found += _module((ORCH, key, index), name, package)
    owned = modules.owned_prefixes(
        orchestration.asset_modules, orchestration.allowed_modules, package
    )
    for name, job in orchestration.jobs.items():
        if isinstance(job, OpsJob):
            found += _function((ORCH, "jobs", name, "target_function"), job.target_function,
                               package, owned)  # fmt: skip
    for name, sensor in orchestration.sensors.items():
        path: JsonPath = (ORCH, "sensors", name)
        if isinstance(sensor, CustomSensor):
            found += _function((*path, "target_function"), sensor.target_function, package, owned)
        elif isinstance(sensor, FileWatcherSensor):
            found += _folder((*path, "path"), sensor.path, folder)
    if orchestration.dbt is not None:
        found += _folder((ORCH, "dbt", "project_dir"), orchestration.dbt.project_dir, folder)
        if orchestration.dbt.profiles_dir is not None:
            found += _folder((ORCH, "dbt", "profiles_dir"), orchestration.dbt.profiles_dir, folder)
    return found


def _module(path: JsonPath, name: str, package: str | None) -> Iterator[Refusal]:
    try:
        absolute = modules.resolve(name, package)
    except ModuleNameError as exc:
        yield Refusal(path, str(exc), "write a dotted module name", "module")
        return
    if modules.is_refused(absolute):
        yield Refusal(
            path,
            f"{absolute!r} is part of the standard library's process, file or import machinery; "
            "floe never calls into it",
            "name a module of your own package",
            "module",
        )


def _function(
    path: JsonPath, dotted: str, package: str | None, owned: list[str]
) -> Iterator[Refusal]:
    try:
        absolute = modules.resolve(dotted, package)
    except ModuleNameError as exc:
        yield Refusal(
            path, str(exc), "write module.function, e.g. shop.assets.ops.vacuum", "function"
        )
        return
    if "." not in absolute:
        yield Refusal(
            path,
            f"{dotted!r} names a module, not a function in a module",
            "write module.function, e.g. shop.assets.ops.vacuum",
            "function",
        )
    elif modules.is_refused(absolute):
        yield Refusal(
            path,
            f"floe will not call {absolute!r}: functions from the standard library's process, "
            "file and import machinery are refused",
            "wrap what you need in a function of your own package",
            "function",
        )
    elif not modules.is_owned(absolute.rsplit(".", 1)[0], owned):
        yield Refusal(
            path,
            f"{absolute!r} is outside the modules this project owns "
            f"({known_list(owned) if owned else 'none declared'})",
            "move the function into your package, or add its module to "
            "orchestration.allowed_modules",
            "function",
        )


def _folder(path: JsonPath, value: str, folder: PurePosixPath | None) -> Iterator[Refusal]:
    problem = folder_problem(value, folder)
    if problem is not None:
        yield Refusal(
            path,
            f"folder {value!r} {problem}",
            "name a folder relative to floe.yaml, inside the repository (a symlink placed "
            "there at deploy time can point elsewhere)",
            "path",
        )


def folder_problem(value: str, folder: PurePosixPath | None) -> str | None:
    """Why ``value``, a folder named relative to floe.yaml's ``folder``, is not inside the
    project root; None when it is (``..`` is fine while it stays inside)."""
    problem = relative_problem(value)
    if problem is not None or folder is None:
        return problem
    joined = posixpath.normpath(posixpath.join(folder.as_posix() or ".", value))
    if joined == ".." or joined.startswith("../"):
        return "climbs out of the project root"
    return None


def relative_problem(value: str) -> str | None:
    """Why ``value`` is not a relative path that means the same on every machine."""
    if "\x00" in value:
        return "holds a NUL character"
    if "\\" in value:
        return "holds a backslash (write / between folders)"
    windows = PureWindowsPath(value)
    if value.startswith("/") or windows.drive or windows.root:
        return "is absolute; paths in floe.yaml are relative to it"
    if value.startswith("~"):
        return "starts with ~ (a home folder, different on every machine)"
    return None


def normalised_problem(value: str) -> str | None:
    """Why ``value`` is not a relative, normalised path with no ``..``: the form the compiler
    writes for paths relative to the project root or the bundle."""
    problem = relative_problem(value)
    if problem is not None:
        return problem
    parts = value.split("/")
    if value in ("", ".") or posixpath.normpath(value) != value or ".." in parts:
        return "is not a normalised relative path (no '..', '.', or empty parts)"
    return None
