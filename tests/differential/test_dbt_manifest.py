"""floe's dbt manifest reader, checked against real dbt 1.11 and real dagster-dbt 0.29.

dagster-dbt is the oracle: the runtime will build ``@dbt_assets`` from the same manifest with a
translator that applies floe's source rule through ``source_asset_key``, and every asset spec it
produces must match what ``dbt_graph`` computed without importing dagster. The manifests come
from ``dbt parse`` on the demo project, then from that manifest multiplied into hundreds of
synthetic models with every kind of meta the translator reads."""

from __future__ import annotations

import random
from collections.abc import Collection, Mapping
from typing import Any

import pytest

from floe_runtime.ports.dbt_manifest import DbtGraph, dbt_graph, source_asset_key
from floe_runtime.ports.errors import ManifestError
from tests.helpers.dbt import Parsed
from tests.ports.test_dbt_manifest import DEFAULT_GROUP, KIND, PYTHON_ASSETS

pytestmark = pytest.mark.differential


def floe_dbt_assets(manifest: Mapping[str, Any], python_assets: Collection[str]) -> Any:
    """Real @dbt_assets, with the translator subclass the runtime uses for floe's source rule."""
    dg = pytest.importorskip("dagster")
    dagster_dbt = pytest.importorskip("dagster_dbt")

    class FloeTranslator(dagster_dbt.DagsterDbtTranslator):  # type: ignore[misc]
        def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> Any:
            if dbt_resource_props["resource_type"] == "source":
                return dg.AssetKey(
                    source_asset_key(dbt_resource_props, python_asset_keys=python_assets)[0]
                )
            return super().get_asset_key(dbt_resource_props)

    @dagster_dbt.dbt_assets(manifest=manifest, dagster_dbt_translator=FloeTranslator())  # type: ignore[misc]
    def dbt_defs(context):  # type: ignore[no-untyped-def]  # annotations confuse dagster
        raise NotImplementedError  # only the specs are compared; nothing runs

    return dbt_defs


def _dagster_view(manifest: Mapping[str, Any], python_assets: Collection[str]) -> dict[str, Any]:
    return {
        spec.key.to_user_string(): {
            "group": spec.group_name,
            "deps": sorted(dep.asset_key.to_user_string() for dep in spec.deps),
            "tags": dict(spec.tags),
            "kinds": sorted(spec.kinds),
            "owners": list(spec.owners),
            "description": spec.description,
        }
        for spec in floe_dbt_assets(manifest, python_assets).specs
    }


def _floe_view(graph: DbtGraph) -> dict[str, Any]:
    return {
        asset.key: {
            "group": asset.group or DEFAULT_GROUP,
            "deps": list(asset.deps),
            "tags": dict(asset.tags),
            "kinds": sorted(tag.removeprefix(KIND) for tag in asset.tags if tag.startswith(KIND)),
            "owners": list(asset.owners),
            "description": asset.description,
        }
        for asset in graph.assets
    }


def _assert_same(manifest: Mapping[str, Any], python_assets: Collection[str]) -> DbtGraph:
    graph = dbt_graph(manifest, python_asset_keys=python_assets)
    expected = _dagster_view(manifest, python_assets)
    actual = _floe_view(graph)
    assert sorted(actual) == sorted(expected)
    for key, spec in expected.items():
        assert actual[key] == spec, key
    return graph


def test_demo_graph_matches_dagster_dbt(parsed: Parsed) -> None:
    graph = _assert_same(parsed.demo, PYTHON_ASSETS)
    assets = {asset.key: asset for asset in graph.assets}
    assert list(assets) == sorted(assets)
    assert sorted(assets) == [
        "country_codes",
        "customer_orders",
        "revenue_daily",
        "snapshots/customers_snapshot",  # +schema on snapshots prefixes the key
        "stg_customers",
        "stg_orders",
        "stg_payments",
        "tmp_order_totals",
    ]  # int_order_payments is ephemeral: no asset
    revenue = assets["revenue_daily"]
    # stg_payments only through the ephemeral int_order_payments; raw/exchange_rates is external
    assert revenue.deps == ("raw/exchange_rates", "stg_orders", "stg_payments")
    assert revenue.tags == {"finance": "", "dagster/kind/dbt": "", "dagster/kind/duckdb": ""}
    assert (revenue.group, revenue.materialized) == ("gold", "incremental")
    assert assets["customer_orders"].owners == ("team:analytics",)
    assert assets["tmp_order_totals"].materialized == "view"
    assert assets["stg_customers"].deps == ("bronze_customers", "country_codes")
    assert assets["stg_orders"].file == "models/staging/stg_orders.sql"
    assert assets["stg_orders"].group is None
    assert graph.adapter_type == "duckdb"
    assert [(s.key, s.python_asset) for s in graph.sources] == [
        ("bronze_customers", True),
        ("bronze_orders", True),
        ("bronze_payments", True),
        ("raw/exchange_rates", False),
    ]


@pytest.mark.parametrize("python_assets", [PYTHON_ASSETS, PYTHON_ASSETS | {"exchange_rates"}])
def test_sources_in_real_definitions(parsed: Parsed, python_assets: frozenset[str]) -> None:
    """A Python asset named like a source table feeds it; sources without one stay external."""
    dg = pytest.importorskip("dagster")
    graph = _assert_same(parsed.demo, python_assets)
    revenue = next(asset for asset in graph.assets if asset.key == "revenue_daily")
    rates = "exchange_rates" if "exchange_rates" in python_assets else "raw/exchange_rates"
    assert revenue.deps == (rates, "stg_orders", "stg_payments")

    python = [dg.asset(name=name)(lambda: None) for name in sorted(python_assets)]
    definitions = dg.Definitions(assets=[floe_dbt_assets(parsed.demo, python_assets), *python])
    asset_graph = definitions.resolve_asset_graph()
    for source in graph.sources:
        node = asset_graph.get(dg.AssetKey.from_user_string(source.key))
        assert node.is_materializable is source.python_asset, source.key
        assert node.is_external is not source.python_asset, source.key


_TAGS = ["finance", "nightly", "pii", "has space", "x" * 70, "ns/tag", "a/b/c", "dagster/kind/py"]


_OWNERS = [["team:analytics"], ["ana@example.com", "team:data"]]


_GROUPS = {
    "group.shop.finance_grp": {"owner": {"email": "fin@example.com", "name": "Fin"}},
    "group.shop.ops_grp": {"owner": {"email": ["ops@example.com", "team:ops"]}},
    "group.shop.nobody_grp": {"owner": {"name": "No email"}},
}


def _synthetic(base: Mapping[str, Any], models: int, seed: int) -> dict[str, Any]:
    """``base`` plus ``models`` generated models and some sources, sharing unmodified sub-dicts."""
    rng = random.Random(seed)
    nodes = dict(base["nodes"])
    sources = dict(base["sources"])
    groups = dict(base["groups"])
    for unique_id, extra in _GROUPS.items():
        name = unique_id.rsplit(".", 1)[1]
        groups[unique_id] = {
            "name": name,
            "resource_type": "group",
            "package_name": "shop",
            "path": "groups.yml",
            "original_file_path": "models/groups.yml",
            "unique_id": unique_id,
            **extra,
        }
    source_template = base["sources"]["source.shop.raw.exchange_rates"]
    for index in range(24):
        name = f"events_{index}"
        meta = {"dagster": {"asset_key": ["ingest", f"feed_{index}"]}} if index % 3 == 0 else {}
        unique_id = f"source.shop.landing.{name}"
        sources[unique_id] = {
            **source_template,
            "unique_id": unique_id,
            "source_name": "landing",
            "name": name,
            "identifier": name,
            "fqn": ["shop", "landing", name],
            "meta": meta,
            "config": {**source_template["config"], "meta": meta},
        }
    upstream_pool = [
        "model.shop.stg_orders",
        "model.shop.int_order_payments",
        "seed.shop.country_codes",
        "snapshot.shop.customers_snapshot",
        *sorted(sources),
    ]
    template = base["nodes"]["model.shop.stg_orders"]
    generated: list[str] = []
    for index in range(models):
        name = f"syn_{index:04d}"
        unique_id = f"model.shop.{name}"
        dagster_meta: dict[str, Any] = {}
        if rng.random() < 0.1:
            dagster_meta["asset_key"] = rng.choice([["custom", name], f"custom_{name}"])
        if rng.random() < 0.3:
            dagster_meta["group"] = rng.choice(["gold", "silver", "marts/finance"])
        if rng.random() < 0.2:
            dagster_meta["owners"] = rng.choice(_OWNERS)
        meta = {"dagster": dagster_meta, "pii": rng.random() < 0.5} if dagster_meta else {}
        # dbt 1.10+ mirrors meta into config.meta; older manifests may only have one of them
        placement = rng.choice(["both", "both", "top", "config"])
        dbt_group = rng.choice([None] * 5 + [uid.rsplit(".", 1)[1] for uid in _GROUPS])
        versioned = rng.random() < 0.1
        config = {
            **template["config"],
            "materialized": rng.choice(["table", "view", "incremental", "ephemeral"]),
            "schema": "mart" if rng.random() < 0.15 else None,
            "tags": rng.sample(_TAGS, rng.randint(0, 3)),
            "meta": meta if placement in ("both", "config") else {},
            "group": dbt_group,
            "alias": f"{name}_v2" if versioned else None,
        }
        parents = rng.sample(upstream_pool + generated[-30:], rng.randint(0, 4))
        generated.append(unique_id)
        nodes[unique_id] = {
            **template,
            "unique_id": unique_id,
            "name": name,
            "alias": config["alias"] or name,
            "version": 2 if versioned else None,
            "fqn": ["shop", "syn", name],
            "path": f"syn/{name}.sql",
            "original_file_path": f"models/syn/{name}.sql",
            "description": rng.choice(["", f"Synthetic model {index}."]),
            "raw_code": f"select *\nfrom upstream_{index}\n  where x > {index}",
            "tags": config["tags"],
            "meta": meta if placement in ("both", "top") else {},
            "group": dbt_group,
            "config": config,
            "depends_on": {"macros": [], "nodes": parents},
        }
    return {**base, "nodes": nodes, "sources": sources, "groups": groups}


def test_synthetic_manifest_matches_dagster_dbt(parsed: Parsed) -> None:
    manifest = _synthetic(parsed.demo, models=400, seed=7)
    python_assets = PYTHON_ASSETS | {f"events_{index}" for index in range(1, 24, 2)}
    graph = _assert_same(manifest, python_assets)
    # the generator really exercised every rule
    keys = {asset.key for asset in graph.assets}
    assert {"custom", "mart"} <= {key.split("/")[0] for key in keys if "/" in key}
    assert any(key.endswith("_v2") for key in keys)
    assert {"gold", "marts/finance", "finance_grp", "ops_grp"} <= {a.group for a in graph.assets}
    assert ("ops@example.com", "team:ops") in {asset.owners for asset in graph.assets}
    assert len(manifest["nodes"]) - len(graph.assets) > 50  # ephemerals and tests
    deps = {dep for asset in graph.assets for dep in asset.deps}
    assert {"events_1", "ingest/feed_0", "landing/events_2", "stg_payments"} <= deps


def test_duplicate_keys_are_refused_like_dagster_dbt(parsed: Parsed) -> None:
    dg = pytest.importorskip("dagster")
    template = parsed.demo["nodes"]["model.shop.stg_orders"]
    clash = {
        **template,
        "unique_id": "model.shop.orders_again",
        "name": "orders_again",
        "meta": {"dagster": {"asset_key": ["customer_orders"]}},
        "config": {**template["config"], "meta": {"dagster": {"asset_key": ["customer_orders"]}}},
    }
    by_meta = {**parsed.demo, "nodes": {**parsed.demo["nodes"], clash["unique_id"]: clash}}
    # floe's rule maps a source table named bronze_orders onto the same key as bronze.orders
    source = parsed.demo["sources"]["source.shop.raw.exchange_rates"]
    twin = {**source, "unique_id": "source.shop.raw.bronze_orders", "name": "bronze_orders"}
    reader = {
        **clash,
        "unique_id": "model.shop.reader",
        "name": "reader",
        "meta": {},
        "config": template["config"],
        "depends_on": {"macros": [], "nodes": [twin["unique_id"]]},
    }
    by_source = {
        **parsed.demo,
        "nodes": {**parsed.demo["nodes"], reader["unique_id"]: reader},
        "sources": {**parsed.demo["sources"], twin["unique_id"]: twin},
    }
    for manifest, key in [(by_meta, "customer_orders"), (by_source, "bronze_orders")]:
        with pytest.raises(ManifestError, match=f"share a Dagster asset key.*{key} <- "):
            dbt_graph(manifest, python_asset_keys=PYTHON_ASSETS)
        with pytest.raises(dg.DagsterInvalidDefinitionError, match="identical Dagster asset keys"):
            _dagster_view(manifest, PYTHON_ASSETS)


def test_owners_must_be_a_list(parsed: Parsed) -> None:
    node = parsed.demo["nodes"]["model.shop.customer_orders"]
    meta = {"dagster": {"owners": "team:analytics"}}
    broken = {**node, "meta": meta, "config": {**node["config"], "meta": meta}}
    manifest = {**parsed.demo, "nodes": {**parsed.demo["nodes"], node["unique_id"]: broken}}
    with pytest.raises(
        ManifestError, match=r"customer_orders: meta\.dagster\.owners must be a list"
    ):
        dbt_graph(manifest, python_asset_keys=PYTHON_ASSETS)
    with pytest.raises(Exception, match="str is a disallowed Sequence type"):
        _dagster_view(manifest, PYTHON_ASSETS)
