"""Where the repository, the test fixtures, the demo's dbt project and floe's own sources are."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
DEMO_DBT = REPO / "demo" / "shop" / "dbt"
SOURCE_ROOTS = ("floe_runtime", "action")


def source_files(*roots: str) -> list[Path]:
    """Every Python file under ``roots`` (default: floe's packages), sorted."""
    return sorted(file for root in roots or SOURCE_ROOTS for file in (REPO / root).rglob("*.py"))
