"""floe's dbt manifest reader: the source-key rule, the digest, and refusals of bad files.

``tests/differential/test_dbt_manifest.py`` checks the graph it builds against dagster-dbt."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.ports.dbt_manifest import load_manifest, manifest_digest, read, source_asset_key
from floe_runtime.ports.errors import ManifestError
from tests.helpers.dbt import Parsed, run_dbt_parses

PYTHON_ASSETS = frozenset({"bronze_orders", "bronze_customers", "bronze_payments"})


DEFAULT_GROUP = "default"  # Dagster's group for assets without one


KIND = "dagster/kind/"


def test_source_asset_key_rule() -> None:
    table = {"resource_type": "source", "source_name": "landing", "name": "orders", "meta": {}}
    assert source_asset_key(table, python_asset_keys={"orders"}) == (["orders"], True)
    assert source_asset_key(table, python_asset_keys={"landing/orders"}) == (
        ["landing", "orders"],
        False,
    )
    configured = {**table, "config": {"meta": {"dagster": {"asset_key": "raw_orders"}}}}
    assert source_asset_key(configured, python_asset_keys={"orders"}) == (["raw_orders"], True)


def test_digest_ignores_time_and_place(parsed: Parsed) -> None:
    demo, copy = parsed.demo, parsed.copy
    assert demo["metadata"]["invocation_id"] != copy["metadata"]["invocation_id"]
    assert demo["metadata"]["generated_at"] != copy["metadata"]["generated_at"]
    assert manifest_digest(demo) == manifest_digest(copy)
    assert manifest_digest(demo).startswith("sha256:")
    assert len(manifest_digest(demo)) == len("sha256:") + 64


def test_digest_follows_sql_and_config(parsed: Parsed) -> None:
    before = manifest_digest(parsed.copy)
    sql = parsed.copy_dir / "models" / "gold" / "revenue_daily.sql"
    sql.write_text(sql.read_text() + "-- now with a comment\n")
    run_dbt_parses([(parsed.copy_dir, parsed.copy_work)])  # partial parse: only this file changed
    changed = load_manifest(parsed.copy_work / "target" / "manifest.json")
    assert manifest_digest(changed) != before

    node = parsed.demo["nodes"]["model.shop.stg_orders"]
    retagged = {**node, "tags": [*node["tags"], "nightly"]}
    other = {**parsed.demo, "nodes": {**parsed.demo["nodes"], node["unique_id"]: retagged}}
    assert manifest_digest(other) != manifest_digest(parsed.demo)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "not a dbt manifest: not valid JSON (Expecting property name"),
        ("[1, 2]", "not a dbt manifest: the JSON is not an object"),
        ('{"nodes": {}}', "not a dbt manifest: no metadata.dbt_schema_version (run `dbt parse`"),
        (
            '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v5.json"}}',
            "unsupported dbt manifest schema 'https://schemas.getdbt.com/dbt/manifest/v5.json';"
            " floe reads v10-v12",
        ),
        (
            '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/run-results/v6.json"}}',
            "not a dbt manifest: its dbt_schema_version is"
            " 'https://schemas.getdbt.com/dbt/run-results/v6.json'",
        ),
        (
            '{"metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"}}',
            "not a dbt manifest: no 'nodes' mapping",
        ),
    ],
)
def test_load_manifest_errors(tmp_path: Path, content: str, message: str) -> None:
    manifest_file = tmp_path / "manifest.json"
    manifest_file.write_text(content)
    with pytest.raises(ManifestError) as raised:
        load_manifest(manifest_file)
    assert str(raised.value).startswith(f"{manifest_file}: {message}")
    assert "\n" not in str(raised.value)


def test_load_manifest_missing_file(tmp_path: Path) -> None:
    missing = tmp_path / "target" / "manifest.json"
    with pytest.raises(ManifestError, match="cannot read the dbt manifest: No such file"):
        load_manifest(missing)


# --- hostile shapes: one message each, never a crash ------------------------------------------

_V12 = "https://schemas.getdbt.com/dbt/manifest/v12.json"
_MODEL = {
    "resource_type": "model",
    "name": "a",
    "unique_id": "model.x.a",
    "original_file_path": "models/a.sql",
    "config": {"materialized": "table", "meta": {}},
    "depends_on": {"nodes": []},
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda m: m["nodes"].update({"model.x.a": [1]}), "nodes['model.x.a'] must be an object"),
        (
            lambda m: m["nodes"]["model.x.a"].update(config=None),
            ".config must be an object, not null",
        ),
        (lambda m: m["nodes"]["model.x.a"].update(meta=[]), ".meta must be an object, not list"),
        (lambda m: m["nodes"]["model.x.a"].update(tags="x"), ".tags must be a list of strings"),
        (lambda m: m["nodes"]["model.x.a"].pop("config"), "nodes['model.x.a'] has no config"),
        (lambda m: m["nodes"]["model.x.a"].update(depends_on={"nodes": [1]}), ".depends_on.nodes"),
        (lambda m: m["nodes"]["model.x.a"].update(version=2), "is versioned but has no alias"),
        (
            lambda m: m["nodes"]["model.x.a"]["config"]["meta"].update(dagster="x"),
            ".config.meta.dagster must be an object, not str",
        ),
        (
            lambda m: m["nodes"]["model.x.a"]["config"]["meta"].update(dagster={"asset_key": 5}),
            ".dagster.asset_key must be a string, a list of strings or null, not int",
        ),
        (
            lambda m: m["sources"].update(
                {"source.x.s.t": {"resource_type": "source", "name": "t"}}
            ),
            "sources['source.x.s.t'] has no source_name",
        ),
        (lambda m: m.update(groups=[]), "groups must be an object, not list"),
        (lambda m: m["metadata"].update(adapter_type=5), "metadata.adapter_type must be a string"),
    ],
)
def test_malformed_manifests_are_refused_with_the_field(
    tmp_path: Path, change: Any, message: str
) -> None:
    manifest: dict[str, Any] = {
        "metadata": {"dbt_schema_version": _V12, "adapter_type": "duckdb"},
        "nodes": {"model.x.a": json.loads(json.dumps(_MODEL))},
        "sources": {},
    }
    change(manifest)
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ManifestError) as raised:
        load_manifest(path)
    assert f"{path}: malformed dbt manifest: " in str(raised.value)
    assert message in str(raised.value)


def test_owners_written_as_one_string_get_dagster_dbts_wording(tmp_path: Path) -> None:
    from floe_runtime.ports.dbt_manifest import dbt_graph

    model = json.loads(json.dumps(_MODEL))
    model["meta"] = {"dagster": {"owners": "team:a"}}
    manifest = {"metadata": {"dbt_schema_version": _V12}, "nodes": {"model.x.a": model}}
    manifest["sources"] = {}
    path = tmp_path / "manifest.json"
    path.write_text(json.dumps(manifest))
    with pytest.raises(ManifestError, match=r"model\.x\.a: meta\.dagster\.owners must be a list"):
        dbt_graph(load_manifest(path), python_asset_keys=set())


# Every field the shape check reads, with a value of each JSON type (and lists of each).
_ODD_VALUES: list[Any] = [None, "s", 1, 1.5, True, [], ["s"], [1], [None], {}, {"k": "v"}]
_FIELD_PATHS: list[tuple[str, ...]] = [
    *((name,) for name in read._RESOURCE_FIELDS),
    *(("config", name) for name in read._CONFIG_FIELDS),
    ("depends_on", "nodes"),
    ("version",),
    ("alias",),
    *(("meta", "dagster", name) for name in read._DAGSTER_META_FIELDS),
    *(("config", "meta", "dagster", name) for name in read._DAGSTER_META_FIELDS),
    ("meta", "dagster"),
    ("config", "meta", "dagster"),
]


@pytest.mark.parametrize("path", _FIELD_PATHS, ids="/".join)
def test_the_column_check_never_changes_what_the_shape_check_reports(
    path: tuple[str, ...], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Valid resources are passed column by column; a resource with any field of another
    type must get exactly the messages the resource-by-resource check gives."""
    for value in [*_ODD_VALUES, "<absent>"]:
        manifest: dict[str, Any] = {
            "metadata": {"adapter_type": "duckdb"},
            "nodes": {f"model.x.m{i}": json.loads(json.dumps(_MODEL)) for i in range(3)},
            "sources": {},
        }
        node = manifest["nodes"]["model.x.m1"]
        for part in path[:-1]:
            node = node.setdefault(part, {})
        assert isinstance(node, dict), path  # every mutation lands on the node
        if value == "<absent>":
            node.pop(path[-1], None)
        else:
            node[path[-1]] = value
        with_columns = read.shape_problems(manifest)
        with monkeypatch.context() as patched:
            patched.setattr(read, "_plainly_valid", lambda section, resources: False)
            assert read.shape_problems(manifest) == with_columns, (path, value)


def test_a_valid_section_is_passed_by_the_column_check() -> None:
    nodes = [json.loads(json.dumps(_MODEL)) for _ in range(3)]
    nodes[0]["tags"] = ["a", "b"]
    nodes[1]["config"]["meta"] = {"dagster": {"group": "g", "owners": ["x@y.z"]}}
    assert read._plainly_valid("nodes", nodes)
