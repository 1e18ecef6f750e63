"""Name the variable behind a bad value: which one, its value, and the file line that set it.

A value like ``cron_schedule: "${BRONZE_CRON:0 6 * * *}"`` is wrong only in the environment
whose file sets ``BRONZE_CRON`` badly, so an error at that value says so:
"(`BRONZE_CRON` = '0 0 31 4 *' from environments/prod.env:3)".
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from floe_runtime.base import files
from floe_runtime.base.diagnostics import Diagnostic, JsonPath
from floe_runtime.base.errors import FileRefused
from floe_runtime.spec.interpolation import Variable, reference_names

_OWN_CODES = frozenset({"missing-variable", "interpolation", "secret"})
_SOURCES = {
    "process_env": "the process environment",
    "cli": "--var",
    "default": "its default in floe.yaml",
    "floe": "floe (the environment's name)",
}


def with_provenance(
    diagnostics: Sequence[Diagnostic],
    raw: Any,
    variables: Mapping[str, Variable],
    project_dir: Path,
    display_dir: str,
) -> list[Diagnostic]:
    """``diagnostics`` with the variables behind each reported value named in the message."""
    lines: dict[str, dict[str, int]] = {}
    out = []
    for diagnostic in diagnostics:
        names = [] if diagnostic.code in _OWN_CODES else _names_at(raw, diagnostic.path)
        used = [variables[name] for name in names if name in variables]
        if not used:
            out.append(diagnostic)
            continue
        described = ", ".join(
            f"`{v.name}` = {v.value!r} from {_where(v, project_dir, display_dir, lines)}"
            for v in used
        )
        out.append(replace(diagnostic, message=f"{diagnostic.message} ({described})"))
    return out


def _names_at(raw: Any, path: JsonPath) -> list[str]:
    """Variables referenced by the string at ``path`` (or the nearest string above it)."""
    value, found = raw, None
    for part in path:
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and isinstance(part, int) and 0 <= part < len(value):
            value = value[part]
        else:
            break
        if isinstance(value, str):
            found = value
    return reference_names(found) if found and "${" in found else []


def _where(
    variable: Variable, project_dir: Path, display_dir: str, cache: dict[str, dict[str, int]]
) -> str:
    if not variable.source.startswith("env_file:"):
        return _SOURCES.get(variable.source, variable.source)
    relative = variable.source.removeprefix("env_file:")
    if relative not in cache:
        cache[relative] = _assignment_lines(project_dir / relative)
    line = cache[relative].get(variable.name)
    return f"{display_dir}{relative}" + (f":{line}" if line else "")


_ASSIGNMENT = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=")


def _assignment_lines(path: Path) -> dict[str, int]:
    """The line setting each name (the last one wins, as when the file is read)."""
    try:
        text = files.read_text(path, files.ENV_FILE_LIMIT, "the environment file")
    except FileRefused:
        return {}
    found: dict[str, int] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        match = _ASSIGNMENT.match(line)
        if match:
            found[match[1]] = number
    return found
