"""``target_function``s checked by reading their module, never importing it.

An ops job calls ``target_function(**args)`` and a custom sensor does the same at every tick;
both fail only at run time in Dagster, so floe checks before deploy that the module exists
beside floe.yaml, defines the function at top level, and that ``args`` fit its parameters
(no unknown names unless it takes ``**kwargs``, every required parameter given).
"""

from __future__ import annotations

import ast
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from floe_runtime.base.diagnostics import Diagnostic, JsonPath, did_you_mean
from floe_runtime.compile.problems import problem
from floe_runtime.compile.python_assets import module_file, search_roots
from floe_runtime.spec import modules
from floe_runtime.spec.load import Spec
from floe_runtime.spec.models import OpsJob
from floe_runtime.spec.triggers import CustomSensor

SENSOR_INJECTED = frozenset({"context"})
"""What the runtime hands a custom sensor's function itself (Dagster's sensor context)."""
JOB_INJECTED = frozenset({"run"})
"""What the runtime hands an ops job's function itself (the run a run_status sensor watched,
``definitions.watched_run``)."""


@dataclass(frozen=True)
class FunctionProblem:
    """What is wrong; ``argument`` names the ``args`` entry at fault, if one is."""

    message: str
    hint: str | None = None
    argument: str | None = None
    certain: bool = True


def check_function(
    dotted: str, args: Mapping[str, Any], roots: Sequence[Path], injected: frozenset[str]
) -> list[FunctionProblem]:
    """Problems calling ``dotted(**args)``, read statically; ``injected``: the parameters
    floe supplies itself, which ``args`` need not (and must not) give."""
    taken = [
        FunctionProblem(
            f"{given!r} is given by floe itself to {dotted}(), so args cannot set it",
            "rename the parameter and the args entry",
            argument=given,
        )
        for given in args
        if given in injected
    ]
    if taken:
        return taken
    module, _, name = dotted.rpartition(".")
    path = module_file(module, roots)
    if path is None:
        # A package of the repository without that module is a mistake; a package installed
        # elsewhere (allowed_modules) cannot be read here, so that only warns.
        ours = module_file(module.split(".")[0], roots) is not None
        return [
            FunctionProblem(
                f"module {module!r} of {dotted!r} is not found beside floe.yaml"
                + ("" if ours else ", so floe cannot check that it defines the function"),
                None if ours else "fine if the package is installed where Dagster runs",
                certain=ours,
            )
        ]
    try:
        tree = ast.parse(path.read_text(encoding="utf-8"))
    except (SyntaxError, ValueError, OSError, RecursionError, MemoryError) as exc:
        return [FunctionProblem(f"module {module!r} cannot be read: {exc}")]
    defined: dict[str, ast.stmt] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            defined[node.name] = node
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.Import, ast.ImportFrom)):
            for bound in _bound_names(node):
                defined[bound] = node
    found = defined.get(name)
    if found is None:
        functions = [n for n, v in defined.items() if isinstance(v, ast.FunctionDef)]
        return [
            FunctionProblem(
                f"{module!r} ({path.name}) defines no function {name!r}",
                did_you_mean(name, functions) or "define it at the top level of the module",
            )
        ]
    if not isinstance(found, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []  # imported, assigned or a class: its signature is not readable here
    return _argument_problems(dotted, found.args, args, injected)


def _bound_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        return [(alias.asname or alias.name).split(".")[0] for alias in node.names]
    targets = node.targets if isinstance(node, ast.Assign) else [node.target]  # type: ignore[attr-defined]
    return [target.id for target in targets if isinstance(target, ast.Name)]


def _argument_problems(
    dotted: str, params: ast.arguments, args: Mapping[str, Any], injected: frozenset[str]
) -> list[FunctionProblem]:
    keyword = [*params.args, *params.kwonlyargs]
    names = {param.arg for param in keyword}
    positional_only = {param.arg for param in params.posonlyargs}
    problems = []
    for given in args:
        if given in positional_only:
            problems.append(
                FunctionProblem(
                    f"{dotted}() takes {given!r} by position only; floe passes args by name",
                    argument=given,
                )
            )
        elif given not in names and params.kwarg is None:
            problems.append(
                FunctionProblem(
                    f"{dotted}() has no parameter {given!r}",
                    (did_you_mean(given, names) or f"its parameters: {', '.join(sorted(names))}")
                    if names
                    else f"{dotted}() takes no arguments",
                    argument=given,
                )
            )
    defaults: list[ast.expr | None] = [None] * (
        len(params.posonlyargs) + len(params.args) - len(params.defaults)
    )
    defaults += params.defaults
    positional = [*params.posonlyargs, *params.args]
    required = [p.arg for p, d in zip(positional, defaults, strict=True) if d is None]
    required += [
        p.arg for p, d in zip(params.kwonlyargs, params.kw_defaults, strict=True) if d is None
    ]
    missing = [r for r in required if r not in args and r not in injected]
    if missing:
        problems.append(
            FunctionProblem(
                f"{dotted}() requires {', '.join(repr(m) for m in missing)}, which args does "
                "not give",
                "add them under args, or give the parameters defaults",
            )
        )
    return problems


def check_targets(spec: Spec, floe_yaml: Path) -> list[Diagnostic]:
    """Every ``target_function``: defined in its module, and ``args`` fit its parameters."""
    assert spec.project is not None
    orchestration = spec.project.orchestration
    callers: Sequence[tuple[JsonPath, str, Mapping[str, Any], frozenset[str]]] = [
        (("orchestration", "jobs", name), job.target_function, job.args, JOB_INJECTED)
        for name, job in orchestration.jobs.items()
        if isinstance(job, OpsJob)
    ] + [
        (("orchestration", "sensors", name), sensor.target_function, sensor.args, SENSOR_INJECTED)
        for name, sensor in orchestration.sensors.items()
        if isinstance(sensor, CustomSensor)
    ]
    roots = search_roots(floe_yaml, spec.package)
    problems = []
    for path, dotted, args, injected in callers:
        absolute = modules.resolve(dotted, spec.package)
        for found in check_function(absolute, args, roots, injected):
            where: JsonPath = (
                (*path, "args", found.argument) if found.argument else (*path, "target_function")
            )
            problems.append(problem(spec, found.message, where, found.hint, error=found.certain))
    return problems
