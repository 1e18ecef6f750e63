"""Sources and seeds on the same tables: floe's dbt graph against the graph Dagster builds.

``tests/fixtures/jaffle_dbt`` has dbt-labs/jaffle-shop's layout: seeds land in the schema the
``ecom`` source reads (``ecom.raw_customers`` is the seed ``raw_customers``), one source table
has no seed (external), and one source reads the table of a model. ``dbt parse`` (real dbt-core
with dbt-duckdb) makes the manifest; ``@dbt_assets`` with the runtime's translator plus Python
assets make a real ``Definitions``, whose resolved asset graph is the oracle for keys, deps,
groups, kinds, tags, owners and external assets, and for what selections pick.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import warnings
from collections.abc import Collection, Mapping
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.ports.constants import DEFAULT_GROUP
from floe_runtime.ports.dbt_manifest import DbtGraph, dbt_graph
from floe_runtime.ports.selection import AssetInfo, SelectionGraph, resolve
from tests.differential.test_dbt_manifest import floe_dbt_assets

pytestmark = pytest.mark.differential

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "jaffle_dbt"
KIND = "dagster/kind/"
SELECTIONS = [
    "roots(kind:dbt)",
    "2+key:customers",
    "+key:customer_report",
    "key:raw/* and kind:dbt",
    "sinks(*)",
    "key:stg_customers+",
    "kind:dbt and not key:stg_*",
    "+key:stg_payments",
]


@pytest.fixture(scope="module")
def manifest(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    pytest.importorskip("dbt.version")
    project = tmp_path_factory.mktemp("jaffle") / "jaffle_dbt"
    shutil.copytree(FIXTURE, project)
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "parse", "--project-dir", str(project), "--profiles-dir", str(project)]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads((project / "target" / "manifest.json").read_text())  # type: ignore[no-any-return]


def _definitions(manifest: Mapping[str, Any], python: Collection[str]) -> Any:
    """Real Definitions: @dbt_assets with the runtime's source rule, and the Python assets."""
    dg = pytest.importorskip("dagster")
    jaffle = floe_dbt_assets(manifest, python)
    assets = [dg.asset(name=name, group_name="bronze")(lambda: None) for name in sorted(python)]
    return dg.Definitions(assets=[jaffle, *assets])


def _dagster_view(definitions: Any) -> dict[str, Any]:
    graph = definitions.resolve_asset_graph()
    return {
        node.key.to_user_string(): {
            "deps": sorted(key.to_user_string() for key in node.parent_keys),
            "group": node.group_name,
            "kinds": sorted(node.kinds),
            "tags": {k: v for k, v in node.tags.items() if not k.startswith(KIND)},
            "owners": list(node.owners),
            "materializable": node.is_materializable,
        }
        for node in graph.asset_nodes
    }


def _floe_view(graph: DbtGraph, python: Collection[str]) -> dict[str, Any]:
    view: dict[str, Any] = {}
    for asset in graph.assets:
        view[asset.key] = {
            "deps": list(asset.deps),
            "group": asset.group or DEFAULT_GROUP,
            "kinds": sorted(t.removeprefix(KIND) for t in asset.tags if t.startswith(KIND)),
            "tags": {k: v for k, v in asset.tags.items() if not k.startswith(KIND)},
            "owners": list(asset.owners),
            "materializable": True,
        }
    for key in sorted(python):
        deps: list[str] = []
        view[key] = {"deps": deps, "group": "bronze", "kinds": [], "tags": {}, "owners": []}
        view[key]["materializable"] = True
    for dep in {d for asset in graph.assets for d in asset.deps} - view.keys():
        view[dep] = {"deps": [], "group": DEFAULT_GROUP, "kinds": [], "tags": {}, "owners": []}
        view[dep]["materializable"] = False
    return view


def _selection_graph(view: Mapping[str, Any]) -> SelectionGraph:
    return SelectionGraph(
        AssetInfo(
            key=key,
            group=facts["group"],
            tags={**facts["tags"], **{f"{KIND}{kind}": "" for kind in facts["kinds"]}},
            owners=tuple(facts["owners"]),
            deps=tuple(facts["deps"]),
            materializable=facts["materializable"],
        )
        for key, facts in view.items()
    )


@pytest.mark.parametrize("python", [frozenset(), frozenset({"raw_payments"})])
def test_sources_resolve_to_seeds_and_models_like_dagster(
    manifest: dict[str, Any], python: frozenset[str]
) -> None:
    dg = pytest.importorskip("dagster")
    definitions = _definitions(manifest, python)
    expected = _dagster_view(definitions)
    graph = dbt_graph(
        manifest, python_asset_keys=python, python_groups=dict.fromkeys(python, "bronze")
    )
    actual = _floe_view(graph, python)
    assert sorted(actual) == sorted(expected)
    for key, facts in expected.items():
        assert actual[key] == facts, key
    # what the issue reported: the source is the seed, not an external asset
    assert actual["stg_customers"]["deps"] == ["raw/raw_customers"]
    assert actual["customer_report"]["deps"] == ["customers"]
    assert "ecom/raw_customers" not in actual
    sources = {source.key: source.resolved_to for source in graph.sources}
    assert sources["ecom/raw_customers"] == "raw/raw_customers"
    assert sources["legacy/customers"] == "customers"
    payments = "raw_payments" if python else "ecom/raw_payments"
    assert actual["stg_payments"]["deps"] == [payments]

    dagster_graph = definitions.resolve_asset_graph()
    # table_name: parses in Dagster, but only its UI resolves it (floe refuses it in jobs)
    table = dg.AssetSelection.from_string('table_name:"jaffle.main.customers"')
    with pytest.raises(NotImplementedError):
        table.resolve(dagster_graph)
    floe_graph = _selection_graph(actual)
    for expression in SELECTIONS:
        with warnings.catch_warnings():  # Dagster's beta warnings about its own internals
            warnings.simplefilter("ignore")
            chosen = dg.AssetSelection.from_string(expression).resolve(dagster_graph)
        assert resolve(expression, graph=floe_graph) == {k.to_user_string() for k in chosen}, (
            expression
        )


META_SOURCES = """
version: 2
sources:
  - name: ecom
    schema: main_raw
    tables:
      - name: raw_customers     # one-part key: Dagster's name-and-group rule meets the seed's
        meta: {dagster: {asset_key: raw_customers}}
      - name: raw_orders        # a key nothing defines, on the seed raw_orders' table
        config: {meta: {dagster: {asset_key: [shop, orders]}}}
      - name: raw_payments
        meta: {dagster: {asset_key: [shop, payments]}}
  - name: legacy
    schema: main
    tables:
      - name: customers         # the table of the model `customers`
        meta: {dagster: {asset_key: [legacy_customers]}}
"""


@pytest.mark.parametrize("python", [frozenset(), frozenset({"raw_customers"})])
def test_sources_with_meta_asset_keys_resolve_like_dagster(
    tmp_path: Path, python: frozenset[str]
) -> None:
    """``meta.dagster.asset_key`` on sources whose tables a seed or a model writes: the deps
    floe computes equal those Dagster resolves (real dbt parse, real ``@dbt_assets``)."""
    pytest.importorskip("dbt.version")
    project = tmp_path / "jaffle_dbt"
    shutil.copytree(FIXTURE, project)
    (project / "models" / "staging" / "__sources.yml").write_text(META_SOURCES)
    dbt = Path(sys.executable).with_name("dbt")
    command = [str(dbt), "parse", "--project-dir", str(project), "--profiles-dir", str(project)]
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    done = subprocess.run(command, cwd=project, env=env, capture_output=True, text=True)
    assert done.returncode == 0, done.stdout + done.stderr
    parsed = json.loads((project / "target" / "manifest.json").read_text())
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        expected = _dagster_view(_definitions(parsed, python))
    actual = _floe_view(
        dbt_graph(parsed, python_asset_keys=python, python_groups=dict.fromkeys(python, "bronze")),
        python,
    )
    assert {k: v["deps"] for k, v in actual.items()} == {k: v["deps"] for k, v in expected.items()}
    assert actual["stg_orders"]["deps"] == ["raw/raw_orders"]  # the seed, not shop/orders
    assert actual["customer_report"]["deps"] == ["customers"]  # the model
    assert actual["stg_payments"]["deps"] == ["shop/payments"]  # no table match: the meta key
    customers = "raw_customers" if python else "raw/raw_customers"
    assert actual["stg_customers"]["deps"] == [customers]
