"""floe's asset selection parser and resolver: semantics on a demo graph, error messages.

tests/differential/test_selection.py checks the same code against real Dagster 1.13."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from floe_runtime.ports.errors import SelectionError
from floe_runtime.ports.selection import (
    AssetInfo,
    SelectionGraph,
    parse_selection,
    resolve,
    runtime_only_attributes,
)


def asset(
    key: str,
    group: str | None,
    *,
    deps: Sequence[str] = (),
    kinds: Sequence[str] = (),
    tags: dict[str, str] | None = None,
    owners: Sequence[str] = (),
    materializable: bool = True,
) -> AssetInfo:
    kind_tags = {f"dagster/kind/{kind}": "" for kind in kinds}
    return AssetInfo(
        key, group, {**(tags or {}), **kind_tags}, tuple(owners), tuple(deps), materializable
    )


DEMO_ASSETS = [
    asset("raw/orders", "bronze", kinds=["python", "duckdb"], owners=["team:ingest"]),
    asset("raw/customers", "bronze", kinds=["python", "duckdb"], owners=["team:ingest"]),
    asset("raw/payments", "bronze", kinds=["python"], tags={"pii": ""}),
    # an unmapped dbt source: external, with a kind and group of its own
    asset("erp/accounts", "bronze", kinds=["duckdb"], tags={"pii": ""}, materializable=False),
    asset(
        "stg_orders", "silver", deps=["raw/orders"], kinds=["dbt", "duckdb"], tags={"staging": ""}
    ),
    asset("stg_customers", "silver", deps=["raw/customers"], kinds=["dbt"], tags={"staging": ""}),
    asset("stg_payments", "silver", deps=["raw/payments"], kinds=["dbt"], tags={"staging": ""}),
    asset("stg_accounts", "silver", deps=["erp/accounts"], kinds=["dbt"], tags={"staging": ""}),
    asset(
        "int_order_payments",
        "silver",
        deps=["stg_orders", "stg_payments"],
        kinds=["dbt"],
        tags={"tier": "silver"},
    ),
    asset("customers", "silver", deps=["stg_customers", "stg_accounts"], kinds=["dbt"]),
    asset(
        "fct_orders",
        "gold",
        deps=["int_order_payments", "customers"],
        kinds=["dbt", "duckdb"],
        tags={"tier": "gold", "daily": ""},
        owners=["analytics@example.com"],
    ),
    asset("dim_customers", "gold", deps=["customers"], kinds=["dbt"], tags={"tier": "gold"}),
    asset(
        "revenue_report",
        "gold",
        deps=["fct_orders", "dim_customers"],
        kinds=["python"],
        owners=["analytics@example.com", "team:finance"],
    ),
    asset("audit_log", None),  # Dagster's "default" group, no kind
    asset("marts/finance/ledger", "marts/finance", deps=["fct_orders", "web/clicks"]),
]


@pytest.fixture(scope="module")
def demo_graph() -> SelectionGraph:
    return SelectionGraph(DEMO_ASSETS)


@pytest.mark.parametrize(
    ("expr", "expected"),
    [
        # external assets: selected by key:, never by *, and dropped by upstream traversal
        ("+key:stg_accounts", {"stg_accounts"}),
        ("key:erp/accounts+1", {"erp/accounts", "stg_accounts"}),
        ('key:"*" and not is:materializable', set()),  # `not` ranges over materializable assets
        ("is:external", {"erp/accounts", "web/clicks"}),
        ("group:<null>", set()),
        ("group:default", {"audit_log"}),
        ("kind:<null>", {"audit_log", "marts/finance/ledger"}),
        ("sinks(group:silver)", {"int_order_payments", "customers"}),
        ("not key:stg_* and key:stg_orders or key:audit_log", {"audit_log"}),
    ],
)
def test_demo_semantics(expr: str, expected: set[str], demo_graph: SelectionGraph) -> None:
    assert resolve(expr, graph=demo_graph) == expected


def test_runtime_only_attributes_lists_each_once_in_order() -> None:
    sel = parse_selection("status:a or +sensor:b or key:c and not status:d or column_tag:e=f")
    assert runtime_only_attributes(sel) == ("status", "sensor", "column_tag")
    assert runtime_only_attributes(parse_selection("key:a or group:b")) == ()


@pytest.mark.parametrize(
    ("expr", "message", "column"),
    [
        (
            "key:a or and",
            "unexpected 'and' at column 10: expected an attribute such as key:, group:, tag: "
            "or kind:",
            10,
        ),
        ("my_asset", "bare asset names are Dagster's legacy syntax; write key:my_asset", 1),
        (
            "  *raw_orders++",
            "'*' and '+' around bare asset names (one level per '+') are Dagster's legacy "
            "syntax; write +key:raw_orders+2",
            3,
        ),
        (
            "key:a or b",
            "unexpected 'b' at column 10: bare asset names are not selections; write key:b",
            10,
        ),
        ("group:key", "'key' at column 7 must be quoted here: write group:\"key\"", 7),
        ("group:stg_*", "'stg_*' at column 7 must be quoted here: write group:\"stg_*\"", 7),
        ("key:*", "'*' at column 5 must be quoted here: write key:\"*\"", 5),
        (
            "(key:a or key:b",
            "unexpected end of expression at column 16: expected 'and', 'or' or ')' closing "
            "column 1",
            16,
        ),
        ("key:a)", "unmatched ')' at column 6", 6),
        (
            "key:a key:b",
            "unexpected 'key' at column 7: expected 'and', 'or' or the end of the expression",
            7,
        ),
        (
            "is:source",
            "unknown is: value 'source' at column 4: write is:external or is:materializable",
            4,
        ),
        ('key:"a', "unterminated quoted string starting at column 5", 5),
        (
            "key:a$",
            "unexpected character '$' at column 6: values with characters other than letters, "
            'digits, "_" and "/" must be quoted',
            6,
        ),
        ("2key:a", "unexpected 'key' at column 2: expected '+' after the depth '2'", 2),
    ],
)
def test_error_messages(expr: str, message: str, column: int) -> None:
    with pytest.raises(SelectionError) as raised:
        parse_selection(expr)
    assert (raised.value.message, raised.value.column) == (message, column)
    assert str(raised.value) == message
