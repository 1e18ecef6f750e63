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


def stand_in_exchange_rates(target: str | None = None) -> None:
    """Create ``raw.exchange_rates`` if it is missing: in production another team loads it
    (an external asset); the demo and its tests stand in for that team."""
    with connect(target) as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS raw")
        con.execute(
            "CREATE TABLE IF NOT EXISTS raw.exchange_rates "
            "(rate_date DATE, currency VARCHAR(3), usd_rate DECIMAL(18,6))"
        )
        if con.execute("SELECT count(*) FROM raw.exchange_rates").fetchone() == (0,):
            con.execute(
                "INSERT INTO raw.exchange_rates SELECT d::DATE, 'USD', 1.08 "
                "FROM generate_series(DATE '2024-01-01', DATE '2026-12-31', INTERVAL 1 DAY) t(d)"
            )
