"""Run the real `floe` command in a subprocess, as CI does, and check what every hostile case
must hold: exit 0 or 1 (never a bug), in bounded time, no traceback, no planted secret."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import textwrap
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from tests.conftest import REPO, Result

FLOE = str(Path(sys.executable).parent / "floe")
TOKEN = "ghp_" + "Hq7Lw2Xv9Rt4Np6Ks8Jd3Fb5Gm1Zc0Ya7Ue2"
"""A planted fake GitHub token: it must never appear in anything floe prints or writes."""


@dataclass
class Ran(Result):
    """A result that also says how long the run took."""

    seconds: float = 0.0


def floe(
    *args: str,
    cwd: Path,
    env: Mapping[str, str] | None = None,
    limit: float = 10.0,
    codes: tuple[int, ...] = (0, 1),
) -> Ran:
    """`floe *args` in ``cwd``; asserts the exit code, the time bound and a clean output."""
    start = time.monotonic()
    proc = subprocess.run(
        [FLOE, *args],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=limit * 3,
        check=False,
    )
    ran = Ran(proc.returncode, proc.stdout, proc.stderr, time.monotonic() - start)
    assert ran.code in codes, ran.text
    assert ran.seconds < limit, f"took {ran.seconds:.1f} s: {ran.text}"
    assert "Traceback" not in ran.text and "internal error" not in ran.text, ran.text
    assert TOKEN not in ran.text and TOKEN[4:20] not in ran.text
    return ran


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
