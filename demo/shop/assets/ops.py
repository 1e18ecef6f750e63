"""Maintenance functions that floe runs as ops jobs (floe.yaml: jobs.vacuum, jobs.notify)."""

from __future__ import annotations

import logging

from shop.warehouse import connect

log = logging.getLogger(__name__)


def vacuum(retention_days: int = 30) -> dict[str, int]:
    """Drop bronze rows older than the retention window and compact the database."""
    removed = {}
    with connect() as con:
        for table, column in (
            ("orders", "order_date"),
            ("customers", "created_at"),
            ("payments", "paid_at"),
        ):
            exists = con.execute(
                "SELECT count(*) FROM information_schema.tables "
                "WHERE table_schema = 'bronze' AND table_name = ?",
                [table],
            ).fetchone()
            if not exists or not exists[0]:
                continue
            cutoff = f"current_date - INTERVAL {int(retention_days)} DAY"
            before = con.execute(f"SELECT count(*) FROM bronze.{table}").fetchone()
            con.execute(f"DELETE FROM bronze.{table} WHERE CAST({column} AS DATE) < {cutoff}")
            after = con.execute(f"SELECT count(*) FROM bronze.{table}").fetchone()
            removed[table] = (before[0] if before else 0) - (after[0] if after else 0)
        con.execute("CHECKPOINT")
    log.info("vacuum removed %s", removed)
    return removed


def notify_failure(**context: object) -> None:
    """Called when the gold pipeline fails; a real project would page someone here."""
    log.warning("gold pipeline failed: %s", context)
