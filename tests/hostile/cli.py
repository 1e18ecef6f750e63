"""Run the real `floe` command in a subprocess, as CI does, and check what every hostile case
must hold: exit 0 or 1 (never a bug), in bounded CPU time, no traceback, no planted secret.

The bound is the child's CPU time (user + system, from the kernel's accounting of waited-for
children), not the wall clock: a busy machine stretches wall time, not the work done."""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.helpers.paths import REPO
from tests.helpers.results import Result

FLOE = str(Path(sys.executable).parent / "floe")
TOKEN = "ghp_" + "Hq7Lw2Xv9Rt4Np6Ks8Jd3Fb5Gm1Zc0Ya7Ue2"
"""A planted fake GitHub token: it must never appear in anything floe prints or writes."""


@dataclass
class Ran(Result):
    """A result that also says how much CPU the run (and the processes it waited for) took."""

    cpu_seconds: float = 0.0


def floe(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    limit: float = 10.0,
    codes: tuple[int, ...] = (0, 1),
) -> Ran:
    """`floe *args` in ``cwd``; asserts the exit code, the CPU bound and a clean output.

    The wall-clock timeout only stops a hung child; it is generous so load never trips it."""
    before = _children_cpu()
    proc = subprocess.run(
        [FLOE, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=max(120.0, limit * 20),
        check=False,
    )
    ran = Ran(proc.returncode, proc.stdout, proc.stderr, _children_cpu() - before)
    assert ran.code in codes, ran.text
    assert ran.cpu_seconds < limit, f"took {ran.cpu_seconds:.1f} s of CPU: {ran.text}"
    assert "Traceback" not in ran.text and "internal error" not in ran.text, ran.text
    assert TOKEN not in ran.text and TOKEN[4:20] not in ran.text
    return ran


def _children_cpu() -> float:
    """CPU seconds of every child this process has waited for (tests in a worker run one at a
    time, so the difference around one run is that run's)."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def no_token_in(folder: Path) -> None:
    """No file under ``folder`` (artifacts, bundled manifests) holds the planted token."""
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert TOKEN.encode() not in path.read_bytes(), path


def write(root: Path, files: Mapping[str, str]) -> Path:
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
    return root


def shop(root: Path) -> Path:
    """A copy of the demo project (real dbt project, real Python assets); returns floe.yaml."""
    shutil.copytree(
        REPO / "demo" / "shop",
        root / "shop",
        ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", ".user.yml", "__pycache__"),
    )
    return root / "shop" / "floe.yaml"


MINIMAL = """
name: hostile
version: "1"
orchestration:
  schedules: {}
"""
