"""Maintenance functions that floe runs as ops jobs (floe.yaml: jobs.vacuum, jobs.notify)."""

from __future__ import annotations

import logging

from floe_runtime import WatchedRun
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


def notify_failure(run: WatchedRun | None = None) -> str:
    """Called once per failed gold pipeline run (floe.yaml: sensors.alert); a real project
    would page someone here. ``run`` is the failed run, handed over by floe."""
    if run is None:
        return "no watched run: launched by hand"
    message = (
        f"{run.job_name} run {run.run_id} {run.status}"
        + (f" for partition {run.partition}" if run.partition else "")
        + f": {run.failure}"
    )
    log.warning(message)
    return message
