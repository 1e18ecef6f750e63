"""Where the shop's data lives: one embedded DuckDB file per dbt target.

The dbt profile (dbt/profiles.yml) resolves the same path, so bronze Python assets write the
tables that dbt models read.
"""

from __future__ import annotations

import os
from pathlib import Path

import duckdb

DBT_DIR = Path(__file__).resolve().parent / "dbt"


def duckdb_path(target: str | None = None) -> Path:
    """``SHOP_DUCKDB_PATH``, else ``dbt/shop_<target>.duckdb`` (target: ``DBT_TARGET`` or dev)."""
    explicit = os.environ.get("SHOP_DUCKDB_PATH")
    if explicit:
        return Path(explicit)
    return DBT_DIR / f"shop_{target or os.environ.get('DBT_TARGET', 'dev')}.duckdb"


def connect(target: str | None = None) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(duckdb_path(target)))
