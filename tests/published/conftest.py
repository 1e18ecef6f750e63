"""Real, published Dagster + dbt projects, fetched from the package registry at test time.

Nothing here is committed: ``pip download`` brings the source distribution of the installed
dagster-dbt (Apache-2.0) into ``tests/.cache/published/`` (gitignored), and its test projects
(``dagster_dbt_tests/``) are unpacked beside it. A machine without the registry skips these
tests, saying why.
"""

from __future__ import annotations

import subprocess
import sys
import tarfile
from importlib.metadata import version
from pathlib import Path

import pytest

CACHE = Path(__file__).resolve().parent.parent / ".cache" / "published"


def _download(name: str, pinned: str, into: Path) -> Path:
    archive = into / f"{name.replace('-', '_')}-{pinned}.tar.gz"
    if archive.is_file():
        return archive
    into.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "pip", "download", "--no-deps", "--no-binary", ":all:",
               f"{name}=={pinned}", "-d", str(into), "--quiet"]  # fmt: skip
    proc = subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)
    if proc.returncode != 0 or not archive.is_file():
        pytest.skip(f"cannot download the {name} {pinned} sdist: {proc.stderr.strip()[-300:]}")
    return archive


@pytest.fixture(scope="session")
def dagster_dbt_sdist() -> Path:
    """The unpacked sdist of the installed dagster-dbt (its published test projects inside)."""
    pinned = version("dagster-dbt")
    unpacked = CACHE / f"dagster_dbt-{pinned}"
    if not (unpacked / "PKG-INFO").is_file():
        archive = _download("dagster-dbt", pinned, CACHE)
        with tarfile.open(archive) as tar:
            tar.extractall(CACHE, filter="data")  # no links out, no absolute paths
    return unpacked
