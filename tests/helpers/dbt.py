"""`dbt parse` of a project into a folder of the test's own, several at once."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Parsed:
    demo: dict[str, Any]  # `dbt parse` of demo/shop/dbt itself
    copy: dict[str, Any]  # `dbt parse` of a copy in another folder, at another time
    copy_dir: Path
    copy_work: Path


def _parse_command(project_dir: Path, work: Path) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return [
        str(dbt),
        "parse",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--quiet",
    ]


def _dbt_env() -> dict[str, str]:
    # Without it dbt writes an anonymous-usage .user.yml into the profiles dir, i.e. into demo/.
    return {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def run_dbt_parses(jobs: list[tuple[Path, Path]]) -> None:
    """Run `dbt parse` for each (project, work dir) at once: the parses dominate the test time."""
    running = [
        subprocess.Popen(
            _parse_command(project, work),
            cwd=work,
            env=_dbt_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for project, work in jobs
    ]
    for process in running:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output
