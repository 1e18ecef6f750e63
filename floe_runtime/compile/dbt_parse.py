"""Run ``dbt parse`` for one environment's target and hand back its manifest.

The parse writes into a temporary target path, never into the user's dbt project, and its
output is reduced to the lines that say what went wrong.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

from floe_runtime.base.errors import FloeError

_ERROR_MARKERS = ("error", "Error", "ERROR", "not found", "Could not", "Compilation")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_TIMESTAMP = re.compile(r"^\d\d:\d\d:\d\d\s+")
_MAX_REASON = 3000


class DbtParseError(FloeError):
    """dbt is missing or the parse failed; the message is meant for the user."""


def dbt_executable() -> str | None:
    """The dbt next to this interpreter (the project's venv), else the one on PATH."""
    return shutil.which("dbt", path=str(Path(sys.executable).parent)) or shutil.which("dbt")


def parse(
    *,
    project_dir: Path,
    profiles_dir: Path,
    target: str | None,
    environment: str,
    work_dir: Path,
    process_env: Mapping[str, str],
) -> Path:
    """Run ``dbt parse`` and return the path of the manifest.json it wrote."""
    dbt = dbt_executable()
    if dbt is None:
        raise DbtParseError(
            "dbt is not installed here; install floe with the dagster extra "
            "(pip install 'floe-runtime[dagster]') or compile without --dbt-parse"
        )
    target_path = work_dir / "target"
    command = [
        dbt,
        "parse",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(work_dir / "logs"),
    ]
    if target:
        command += ["--target", target]
    env = {
        **process_env,
        "FLOE_ENV": environment,
        "DBT_SEND_ANONYMOUS_USAGE_STATS": "false",
        "DBT_USE_COLORS": "false",
    }
    proc = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    manifest = target_path / "manifest.json"
    if proc.returncode != 0 or not manifest.is_file():
        detail = failure_reason(proc.stdout + proc.stderr)
        raise DbtParseError(f"dbt parse failed (exit {proc.returncode}): {detail}")
    return manifest


def failure_reason(output: str) -> str:
    """dbt's own account of the failure: everything from its first error line on (the
    reason follows the "Encountered an error" / "Parsing Error" headers), without colours,
    timestamps or blank lines; cut at the end, never before the reason."""
    lines = [_TIMESTAMP.sub("", _ANSI.sub("", line)).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    headers = [i for i, line in enumerate(lines) if "Encountered an error" in line]
    marked = [i for i, line in enumerate(lines) if any(m in line for m in _ERROR_MARKERS)]
    first = (headers or marked or [max(0, len(lines) - 5)])[0]
    detail = " | ".join(lines[first:])
    return detail if len(detail) <= _MAX_REASON else detail[: _MAX_REASON - 1] + "…"
