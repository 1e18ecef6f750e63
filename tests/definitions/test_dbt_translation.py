"""floe.yaml's ``dbt.translation`` equals a hand-written ``DagsterDbtTranslator``; dbt op names
do not move when a partitions entry is added.

The differential test converts the demo as a user converting a project with a custom translator
would: the translator grouped models by their dbt folder (``fqn[1]``), keyed every model by its
bare name and every source by ``<source_name>_<table>``. The same manifest goes through real
``@dbt_assets`` with that translator, and through floe (compile, then the runtime's loaded
definitions): asset keys, deps and groups must be equal on both sides, and the artifact's graph
(what list, diff and review show) carries the same.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, dbt_assets

from tests.definitions.conftest import Shop, load

TRANSLATION = """\
    translation:
      key: "{name}"
      group_name: "{fqn[1]}"
      sources: {key: "{source_name}_{name}"}
"""


class Handwritten(DagsterDbtTranslator):
    """What the user had in Python before converting."""

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return dg.AssetKey(f"{dbt_resource_props['source_name']}_{dbt_resource_props['name']}")
        return dg.AssetKey(dbt_resource_props["name"])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        return str(dbt_resource_props["fqn"][1])


def _convert(shop: Shop) -> None:
    """Drop the demo's meta.dagster.asset_key on sources (the translator replaces it) and the
    group override of an asset pattern (not part of the translator), add the translation."""
    sources = shop.shop / "dbt" / "models" / "sources.yml"
    text = sources.read_text()
    sources.write_text(re.sub(r"\n        config:\n(          .*\n)+", "\n", text))
    floe_yaml = shop.shop / "floe.yaml"
    text = floe_yaml.read_text().replace(", group_name: silver", "")
    text = text.replace(
        "    observability_level: per_model\n", "    observability_level: per_model\n" + TRANSLATION
    )
    floe_yaml.write_text(text)


def _view(specs: Any) -> dict[str, tuple[str | None, list[str]]]:
    return {
        spec.key.to_user_string(): (
            spec.group_name,
            sorted(d.asset_key.to_user_string() for d in spec.deps),
        )
        for spec in specs
    }


def test_translation_equals_a_handwritten_translator(shop_copy: Shop) -> None:
    _convert(shop_copy)
    shop_copy.compile("--env", "dev")
    manifest = json.loads((shop_copy.bundle() / "manifest.json").read_text())

    @dbt_assets(
        manifest=manifest,
        dagster_dbt_translator=Handwritten(DagsterDbtTranslatorSettings(enable_asset_checks=True)),
    )
    def handwritten(context):  # type: ignore[no-untyped-def]  # annotations confuse dagster
        raise NotImplementedError  # only the definitions are compared

    expected = _view(handwritten.specs)
    assert expected["stg_orders"] == ("staging", ["bronze_orders"])  # the source rule
    assert "customers_snapshot" in expected  # the key rule replaced snapshots/customers_snapshot

    defs = load(shop_copy)
    graph = defs.resolve_asset_graph()
    loaded = {
        key.to_user_string(): (
            graph.get(key).group_name,
            sorted(p.to_user_string() for p in graph.get(key).parent_keys),
        )
        for key in graph.get_all_asset_keys()
        if key.to_user_string() in expected
    }
    assert loaded == expected

    artifact = json.loads((shop_copy.bundle() / "compiled_artifacts.json").read_text())
    records = {a["key"]: a for a in artifact["asset_graph"]["assets"] if a["kind"] == "dbt"}
    assert {k: (a["group"], a["deps"]) for k, a in records.items()} == expected
    # the same checks on both sides: dbt tests attach to the translated keys
    checks = {c.asset_key.to_user_string() for c in handwritten.check_specs}
    assert checks and checks <= set(expected)


def _dbt_ops(defs: dg.Definitions) -> set[str]:
    graph = defs.resolve_asset_graph()
    return {
        graph.get(key).assets_def.op.name
        for key in graph.get_all_asset_keys()
        if graph.get(key).is_materializable and graph.get(key).kinds >= {"dbt"}
    }


def test_a_new_partitions_entry_renames_no_dbt_op(shop_copy: Shop) -> None:
    assert _dbt_ops(load(shop_copy)) == {"dbt_shop", "dbt_shop_daily"}
    floe_yaml = shop_copy.shop / "floe.yaml"
    text = floe_yaml.read_text()
    text = text.replace(
        "    customers: {type: dynamic}\n",
        "    customers: {type: dynamic}\n    aaa: {type: static, partition_keys: [a, b]}\n",
    )
    text = text.replace(
        '    "revenue_daily": {partitions: daily}\n',
        '    "revenue_daily": {partitions: daily}\n    "*customers_snapshot": {partitions: aaa}\n',
    )
    floe_yaml.write_text(text)
    shop_copy.compile("--env", "dev")
    # sorted by name "aaa" comes first: an index would have renamed dbt_shop_daily
    assert _dbt_ops(load(shop_copy)) == {"dbt_shop", "dbt_shop_daily", "dbt_shop_aaa"}

    floe_yaml.write_text(
        text.replace(
            "    observability_level: per_model\n",
            "    observability_level: per_model\n    op_name: shop_dbt_assets\n",
        )
    )
    shop_copy.compile("--env", "dev")
    assert _dbt_ops(load(shop_copy)) == {
        "shop_dbt_assets",
        "shop_dbt_assets_daily",
        "shop_dbt_assets_aaa",
    }
