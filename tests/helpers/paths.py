"""Where the repository, the test fixtures and the demo's dbt project are."""

from __future__ import annotations

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
FIXTURES = REPO / "tests" / "fixtures"
DEMO_DBT = REPO / "demo" / "shop" / "dbt"
