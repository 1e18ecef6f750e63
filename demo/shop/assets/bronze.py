"""Bronze: one day of raw orders, customers and payments, landed in DuckDB.

The data is generated deterministically from the partition date so the demo runs offline.
floe.yaml attaches the daily partitions (pattern ``bronze_*``); the code only reads the keys (a
backfill batch is one run over a range of days: each day is loaded in turn).
"""

# No `from __future__ import annotations` here: Dagster reads the context annotation at
# definition time and refuses it as a string.
import hashlib
from datetime import date, datetime, timedelta

import dagster as dg

from shop.warehouse import connect

COUNTRIES = ["US", "DE", "FR", "GB", "JP", "BR", "IN", "CA", "AU", "ES"]
METHODS = ["card", "paypal", "bank_transfer"]


def _days(context: dg.AssetExecutionContext) -> list[date]:
    """The partition's day, or every day of a backfill batch run as one partition range."""
    if context.has_partition_key or context.has_partition_key_range:
        return [date.fromisoformat(key) for key in context.partition_keys]
    return [date.today()]


def _loaded(days: list[date], rows: int) -> dg.MaterializeResult:
    span = days[0].isoformat() if len(days) == 1 else f"{days[0]}..{days[-1]}"
    return dg.MaterializeResult(metadata={"rows": rows, "day": span})


def _number(*parts: object) -> int:
    """A stable pseudo-random number from the parts (same day, same data)."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:8], 16)


def _replace_day(table: str, columns: str, day_column: str, day: date, rows: list[tuple]) -> None:
    with connect() as con:
        con.execute("CREATE SCHEMA IF NOT EXISTS bronze")
        con.execute(f"CREATE TABLE IF NOT EXISTS bronze.{table} ({columns})")
        con.execute(f"DELETE FROM bronze.{table} WHERE CAST({day_column} AS DATE) = ?", [day])
        if rows:
            marks = ", ".join("?" * len(rows[0]))
            con.executemany(f"INSERT INTO bronze.{table} VALUES ({marks})", rows)


@dg.asset(group_name="bronze", kinds={"python", "duckdb"})
def bronze_customers(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Customers who signed up that day."""
    days, loaded = _days(context), 0
    for day in days:
        base = (day - date(2024, 1, 1)).days * 10
        rows = [
            (
                base + i,
                f"customer {base + i}",
                COUNTRIES[_number(day, i) % len(COUNTRIES)],
                datetime.combine(day, datetime.min.time())
                + timedelta(minutes=_number(day, i, "t") % 1440),
            )
            for i in range(1 + _number(day) % 5)
        ]
        _replace_day(
            "customers",
            "customer_id INTEGER, name VARCHAR, country_code VARCHAR(2), created_at TIMESTAMP",
            "created_at",
            day,
            rows,
        )
        loaded += len(rows)
    return _loaded(days, loaded)


@dg.asset(group_name="bronze", kinds={"python", "duckdb"})
def bronze_orders(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Orders placed that day, amounts in EUR."""
    days, loaded = _days(context), 0
    for day in days:
        base = (day - date(2024, 1, 1)).days * 100
        rows = [
            (
                base + i,
                _number(day, i, "c") % 50,
                day,
                round(5 + (_number(day, i) % 20000) / 100, 2),
                "cancelled" if _number(day, i, "s") % 10 == 0 else "completed",
            )
            for i in range(5 + _number(day, "n") % 20)
        ]
        _replace_day(
            "orders",
            "order_id INTEGER, customer_id INTEGER, order_date DATE, amount DECIMAL(12,2), "
            "status VARCHAR",
            "order_date",
            day,
            rows,
        )
        loaded += len(rows)
    return _loaded(days, loaded)


@dg.asset(group_name="bronze", kinds={"python", "duckdb"})
def bronze_payments(context: dg.AssetExecutionContext) -> dg.MaterializeResult:
    """Payment attempts for that day's orders."""
    days, loaded = _days(context), 0
    for day in days:
        base = (day - date(2024, 1, 1)).days * 100
        rows = [
            (
                base + i,
                base + i,
                METHODS[_number(day, i, "m") % len(METHODS)],
                round(5 + (_number(day, i) % 20000) / 100, 2),
                datetime.combine(day, datetime.min.time()) + timedelta(hours=12),
            )
            for i in range(5 + _number(day, "n") % 20)
        ]
        _replace_day(
            "payments",
            "payment_id INTEGER, order_id INTEGER, method VARCHAR, amount DECIMAL(12,2), "
            "paid_at TIMESTAMP",
            "paid_at",
            day,
            rows,
        )
        loaded += len(rows)
    return _loaded(days, loaded)
