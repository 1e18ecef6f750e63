"""List the assets of Python modules by importing them (``floe compile --discover import``).

Runs in a child process so that importing user code, and Dagster, never happens inside the
compiler: ``python -m floe_runtime.definitions.discover ROOT [ROOT...] -- MODULE [MODULE...]``
prints one JSON document.
"""

from __future__ import annotations

import importlib
import inspect
import json
import os
import sys
import traceback
from typing import Any

import dagster as dg


def _fault(exc: BaseException, roots: list[str]) -> tuple[str | None, int | None]:
    """The innermost frame in the user's code: the file:line to fix."""
    if isinstance(exc, SyntaxError):
        return exc.filename, exc.lineno
    frames = [
        f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(tuple(roots))
    ]
    return (frames[-1].filename, frames[-1].lineno) if frames else (None, None)


def _origin(definition: dg.AssetsDefinition) -> tuple[str | None, int | None]:
    try:
        fn = definition.op.compute_fn.decorated_fn  # type: ignore[union-attr]
        return inspect.getsourcefile(fn), inspect.getsourcelines(fn)[1]
    except (AttributeError, OSError, TypeError):
        return None, None


def describe(modules: list[str], roots: list[str]) -> dict[str, Any]:
    sys.path[:0] = roots
    assets: list[dict[str, Any]] = []
    errors: list[dict[str, Any]] = []
    for name in modules:
        try:
            module = importlib.import_module(name)
        except BaseException as exc:
            file, line = _fault(exc, roots)
            errors.append(
                {
                    "module": name,
                    "reason": f"{type(exc).__name__}: {exc}",
                    "file": file,
                    "line": line,
                    "missing": exc.name if isinstance(exc, ImportError) else None,
                }
            )
            continue
        for definition in dg.load_assets_from_modules([module]):
            if not isinstance(definition, dg.AssetsDefinition):
                continue
            file, line = _origin(definition)
            for spec in definition.specs:
                kinds = sorted(spec.kinds or ())
                tags = {
                    k: v for k, v in (spec.tags or {}).items() if not k.startswith("dagster/kind/")
                }
                assets.append(
                    {
                        "key": spec.key.to_user_string(),
                        "group": spec.group_name,
                        "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
                        "tags": dict(sorted(tags.items())),
                        "kinds": kinds,
                        "owners": sorted(spec.owners or ()),
                        "module": name,
                        "file": file,
                        "line": line,
                        "partitioned_in_code": spec.partitions_def is not None,
                        "automation_in_code": spec.automation_condition is not None,
                        "description": spec.description,
                    }
                )
    return {"assets": assets, "errors": errors}


def main(argv: list[str]) -> None:
    """Print the JSON on the real stdout and nothing else: whatever the user's modules print
    goes to stderr, and their exit handlers never run (``os._exit`` after the flush)."""
    result = os.dup(1)
    os.dup2(2, 1)
    split = argv.index("--")
    try:
        document = json.dumps(describe(argv[split + 1 :], argv[:split]))
    finally:
        sys.stdout.flush()
    with os.fdopen(result, "w", encoding="utf-8") as out:
        out.write(document + "\n")
        out.flush()
    os._exit(0)


if __name__ == "__main__":
    main(sys.argv[1:])
