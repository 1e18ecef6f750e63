"""Materialize every asset of the demo for one day, in process, and print what was built.

Loads the same artifact a deployment would (``FLOE_ARTIFACTS``), runs Dagster's global asset
job for one daily partition on a temporary instance (the bronze Python assets, then real dbt on
the embedded DuckDB), and prints one row per asset with its row count.

    FLOE_ARTIFACTS=dist/floe/dev python demo/materialize.py 2024-01-05
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import dagster as dg
import duckdb

from floe_runtime import FloeDefinitions


def _rows(metadata: dict[str, object], table: str | None, database: Path) -> str:
    for key in ("dagster/row_count", "rows"):
        value = metadata.get(key)
        if value is not None:
            return str(getattr(value, "value", value))
    if table is None:
        return "-"
    with duckdb.connect(str(database), read_only=True) as con:
        row = con.execute(f"select count(*) from {table}").fetchone()
    return str(row[0]) if row else "-"


def main(day: str) -> int:
    started = time.monotonic()
    defs = FloeDefinitions.from_compiled_artifacts()
    from shop.warehouse import duckdb_path, stand_in_exchange_rates

    stand_in_exchange_rates()
    graph = defs.resolve_asset_graph()
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            partition_key=day,
            instance=instance,
            raise_on_error=False,
            run_config={"loggers": {"console": {"config": {"log_level": "ERROR"}}}},
        )
    checks = result.get_asset_check_evaluations()
    print(f"\n{'asset':<30} {'kind':<8} {'partition':<11} {'rows':>6}")
    print(f"{'-' * 30} {'-' * 8} {'-' * 11} {'-' * 6}")
    for event in sorted(result.get_asset_materialization_events(), key=lambda e: str(e.asset_key)):
        assert event.asset_key is not None
        materialization = event.event_specific_data.materialization  # type: ignore[union-attr]
        node = graph.get(event.asset_key)
        kind = "dbt" if "dbt" in node.kinds else "python"
        table = node.metadata.get("dagster/table_name")
        rows = _rows(dict(materialization.metadata), table, duckdb_path())
        print(
            f"{event.asset_key.to_user_string():<30} {kind:<8} "
            f"{materialization.partition or '-':<11} {rows:>6}"
        )
    passed = sum(1 for c in checks if c.passed)
    print(f"\n{passed}/{len(checks)} dbt tests passed as asset checks")
    print(f"DuckDB: {duckdb_path().resolve()}")
    print(
        f"run {'succeeded' if result.success else 'FAILED'} in {time.monotonic() - started:.0f} s"
    )
    return 0 if result.success else 1


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1] if len(sys.argv) > 1 else "2024-01-05"))
