"""The demo, loaded from its artifact, runs for real: Dagster in process, dbt-duckdb on disk."""

from __future__ import annotations

import json

import dagster as dg

from tests.definitions.conftest import DAY, Query, Shop, load, materializations


def _artifact(shop: Shop) -> dict:
    return json.loads((shop.bundle() / "compiled_artifacts.json").read_text())


def _manifest(shop: Shop) -> dict:
    return json.loads((shop.bundle() / "manifest.json").read_text())


def test_every_dbt_model_seed_and_snapshot_is_its_own_materialization(
    compiled: Shop, materialized: dg.ExecuteInProcessResult
) -> None:
    assert materialized.success
    events = materializations(materialized)
    graph = _artifact(compiled)["asset_graph"]["assets"]
    dbt = {a["key"] for a in graph if a["kind"] == "dbt"}
    python = {a["key"] for a in graph if a["kind"] == "python"}
    assert dbt == {
        "country_codes",
        "customer_orders",
        "revenue_daily",
        "snapshots/customers_snapshot",
        "stg_customers",
        "stg_orders",
        "stg_payments",
        "tmp_order_totals",
    }
    assert set(events) == dbt | python
    # one event per asset, partitioned ones for the day that was asked for
    assert len(materialized.get_asset_materialization_events()) == len(dbt | python)
    assert events["bronze_orders"].partition == DAY
    assert events["revenue_daily"].partition == DAY


def test_per_model_observability_reports_row_counts_and_timing(
    compiled: Shop, materialized: dg.ExecuteInProcessResult, query: Query
) -> None:
    """Counted from facts later runs of the session do not change: the seed's CSV, the day's
    bronze customers, the one day of the incremental model."""
    events = materializations(materialized)
    seed = compiled.shop / "dbt" / "seeds" / "country_codes.csv"
    (customers,) = query(f"select count(*) from bronze.customers where created_at::date = '{DAY}'")[
        0
    ]
    expected = {
        "country_codes": len(seed.read_text().splitlines()) - 1,
        "customer_orders": customers,
        "revenue_daily": 1,
    }
    for table, count in expected.items():
        metadata = events[table].metadata
        assert metadata["dagster/row_count"].value == count, table
        assert metadata["Execution Duration"].value > 0
    assert "dagster/column_schema" in events["customer_orders"].metadata


def test_sources_resolve_to_the_python_assets_that_write_them(defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()

    def parents(key: str) -> set[str]:
        return {
            k.to_user_string() for k in graph.get(dg.AssetKey.from_user_string(key)).parent_keys
        }

    assert parents("stg_orders") == {"bronze_orders"}
    assert parents("stg_customers") == {"bronze_customers", "country_codes"}
    assert parents("snapshots/customers_snapshot") == {"bronze_customers"}
    # a source nobody here produces stays an external asset
    assert "raw/exchange_rates" in parents("revenue_daily")
    assert not graph.get(dg.AssetKey(["raw", "exchange_rates"])).is_materializable


def test_dbt_tests_are_asset_checks_and_run(
    compiled: Shop, defs: dg.Definitions, materialized: dg.ExecuteInProcessResult
) -> None:
    manifest = _manifest(compiled)
    expected = set()
    for node in manifest["nodes"].values():
        if node["resource_type"] != "test":
            continue
        parents = [p for p in node["depends_on"]["nodes"] if not p.startswith("source.")]
        if parents:
            parent = manifest["nodes"][parents[0]]
            key = "/".join(
                [parent["config"]["schema"], parent["name"]]
                if parent["config"].get("schema")
                else [parent["name"]]
            )
            expected.add((key, node["name"]))
    checks = {
        (k.asset_key.to_user_string(), k.name) for k in defs.resolve_asset_graph().asset_check_keys
    }
    assert checks == expected
    ran = {
        (e.asset_key.to_user_string(), e.check_name)
        for e in materialized.get_asset_check_evaluations()
    }
    assert ran == expected
    assert all(e.passed for e in materialized.get_asset_check_evaluations())


def test_assets_carry_the_artifacts_settings(compiled: Shop, defs: dg.Definitions) -> None:
    graph = defs.resolve_asset_graph()
    artifact = _artifact(compiled)
    for record in artifact["asset_graph"]["assets"]:
        if record["kind"] == "external":
            continue
        node = graph.get(dg.AssetKey.from_user_string(record["key"]))
        assert node.group_name == record["group"], record["key"]
        assert sorted(node.owners) == record["owners"], record["key"]
        assert (node.partitions_def is not None) == (record["partitions"] is not None)
        assert (node.automation_condition is not None) == bool(record["automation_condition"])
    bronze = graph.get(dg.AssetKey("bronze_orders"))
    assert bronze.backfill_policy == dg.BackfillPolicy.multi_run(10)
    assert isinstance(bronze.partitions_def, dg.TimeWindowPartitionsDefinition)
    assert bronze.partitions_def.start.strftime("%Y-%m-%d") == "2024-01-01"
    assert graph.get(dg.AssetKey("stg_orders")).automation_condition.get_label() == "eager"


def test_job_level_observability_skips_the_extra_queries(shop_copy: Shop) -> None:
    floe_yaml = shop_copy.shop / "floe.yaml"
    floe_yaml.write_text(
        floe_yaml.read_text().replace(
            "observability_level: per_model", "observability_level: job_level"
        )
    )
    shop_copy.compile("--env", "dev")
    defs = load(shop_copy)
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_implicit_global_asset_job_def().execute_in_process(
            instance=instance, asset_selection=[dg.AssetKey("country_codes")]
        )
    assert result.success
    seed = materializations(result)["country_codes"]
    assert "Execution Duration" in seed.metadata  # dbt's own timing still arrives
    assert "dagster/row_count" not in seed.metadata
    assert "dagster/column_schema" not in seed.metadata
