"""Discover Python assets exactly, by importing the modules in a child process.

Opt-in (``floe compile --discover import``): it needs Dagster and the project's dependencies,
and it runs the project's code. The compiler itself never imports Dagster or user code.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from floe_runtime.compile.python_assets import Discovery, PythonAsset, Unresolved


def _display(file: str | None, root: Path) -> str | None:
    if file is None:
        return None
    try:
        return Path(file).resolve().relative_to(root.resolve()).as_posix()
    except ValueError:
        return Path(file).name


def discover_by_import(
    modules: Sequence[str],
    roots: Sequence[Path],
    display_root: Path,
    process_env: Mapping[str, str],
) -> Discovery | None:
    """The assets Dagster itself sees, or None when Dagster is not installed here."""
    if importlib.util.find_spec("dagster") is None:
        return None
    command = [
        sys.executable,
        "-m",
        "floe_runtime.definitions.discover",
        *map(str, roots),
        "--",
        *modules,
    ]
    proc = subprocess.run(
        command, capture_output=True, text=True, env=dict(process_env), check=False
    )
    found = _document(proc.stdout) if proc.returncode == 0 else None
    if found is None:
        lines = proc.stderr.strip().splitlines() or [f"exit code {proc.returncode}"]
        reason = f"importing the asset modules failed: {lines[-1][:500]}"
        return Discovery(unresolved=tuple(Unresolved(m, reason, fatal=True) for m in modules))
    root = display_root
    assets = tuple(
        sorted(
            (
                PythonAsset(
                    key=a["key"],
                    group=a["group"],
                    deps=tuple(a["deps"]),
                    tags=a["tags"],
                    kinds=tuple(a["kinds"]),
                    owners=tuple(a["owners"]),
                    module=a["module"],
                    file=_display(a["file"], root) or a["module"],
                    line=a["line"] or 0,
                    partitioned_in_code=a["partitioned_in_code"],
                    automation_in_code=a["automation_in_code"],
                    description=a["description"],
                )
                for a in found["assets"]
            ),
            key=lambda a: a.key,
        )
    )
    unresolved = tuple(
        Unresolved(
            e["module"],
            e["reason"],
            _display(e["file"], root),
            e["line"],
            fatal=not _missing_dependency(e["module"], e.get("missing")),
        )
        for e in found["errors"]
    )
    return Discovery(assets, unresolved)


def _missing_dependency(module: str, missing: str | None) -> bool:
    """An import that failed for want of a package other than the module's own (a dependency
    not installed here, which Dagster's environment may have): unresolved, not broken."""
    return bool(missing) and str(missing).split(".")[0] != module.split(".")[0]


def _document(stdout: str) -> dict[str, Any] | None:
    """The child's one JSON line, or None when it is not there (a module broke the process)."""
    try:
        found = json.loads(stdout)
    except ValueError:
        return None
    if not isinstance(found, dict) or not {"assets", "errors"} <= found.keys():
        return None
    return found
