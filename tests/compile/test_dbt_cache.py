"""`floe compile --dbt-parse` parses once per target, incrementally, and not at all when nothing
dbt reads changed: real dbt on a copy of the demo, floe's cache in the test's own folder."""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.compile import dbt_cache
from floe_runtime.compile.dbt_inputs import project_inputs
from floe_runtime.compile.dbt_parse import dbt_executable
from tests.helpers.paths import REPO
from tests.helpers.results import Result

Floe = Callable[..., Result]
DEMO = REPO / "demo" / "shop"

pytestmark = pytest.mark.skipif(dbt_executable() is None, reason="needs dbt")


def shop(tmp_path: Path, targets: dict[str, str] | None = None) -> Path:
    """The demo under tmp_path/shop; ``targets`` sets environments' DBT_TARGET."""
    folder = tmp_path / "shop"
    shutil.copytree(
        DEMO, folder, ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*", "__pycache__")
    )
    for env, target in (targets or {}).items():
        path = folder / "environments" / f"{env}.env"
        lines = [ln for ln in path.read_text().splitlines() if not ln.startswith("DBT_TARGET=")]
        path.write_text("\n".join([*lines, f"DBT_TARGET={target}"]) + "\n")
    return folder / "floe.yaml"


def compile_all(floe: Floe, floe_yaml: Path, out: Path) -> Result:
    result = floe("compile", str(floe_yaml), "--all-envs", "--dbt-parse", "--out", str(out))
    assert result.code == 0, result.text
    return result


def manifest(out: Path, env: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads((out / env / "manifest.json").read_text())
    return loaded


def dbt_runs(result: Result) -> list[str]:
    """floe's progress lines for parses dbt actually ran."""
    return [
        line
        for line in result.err.splitlines()
        if "dbt parse --target" in line and "dbt not run" not in line
    ]


def cached_files(cache: Path) -> dict[Path, int]:
    """Every file dbt wrote into floe's cache, with its modification time."""
    return {p: p.stat().st_mtime_ns for p in cache.rglob("target/*") if p.is_file()}


def test_environments_sharing_a_target_share_one_parse(
    tmp_path: Path, floe: Floe, floe_cache: Path
) -> None:
    floe_yaml = shop(tmp_path, {"staging": "dev"})  # dev and staging both use target dev
    result = compile_all(floe, floe_yaml, tmp_path / "out")
    assert sorted(dbt_runs(result)) == [
        "floe: dev, staging: dbt parse --target dev",
        "floe: prod: dbt parse --target prod",
    ], result.err
    dev, staging, prod = (manifest(tmp_path / "out", e) for e in ("dev", "staging", "prod"))
    assert dev["metadata"]["invocation_id"] == staging["metadata"]["invocation_id"]
    assert prod["metadata"]["invocation_id"] != dev["metadata"]["invocation_id"]
    assert "model.shop.customer_orders" in dev["nodes"]
    assert not (floe_yaml.parent / "dbt" / "target").exists(), "dbt wrote into the project"


def test_nothing_changed_runs_no_dbt(tmp_path: Path, floe: Floe, floe_cache: Path) -> None:
    floe_yaml = shop(tmp_path)
    first = compile_all(floe, floe_yaml, tmp_path / "out")
    assert len(dbt_runs(first)) == 3, first.err
    written = cached_files(floe_cache)
    assert written, "nothing kept in floe's cache"
    again = compile_all(floe, floe_yaml, tmp_path / "out2")
    assert dbt_runs(again) == [], again.err
    assert again.err.count("nothing dbt reads changed; dbt not run") == 3, again.err
    assert cached_files(floe_cache) == written  # dbt rewrites its manifest on every parse
    assert (tmp_path / "out2" / "prod" / "manifest.json").read_bytes() == (
        tmp_path / "out" / "prod" / "manifest.json"
    ).read_bytes()


def test_a_changed_model_parses_again_and_the_manifest_shows_it(tmp_path: Path, floe: Floe) -> None:
    floe_yaml = shop(tmp_path)
    compile_all(floe, floe_yaml, tmp_path / "out")
    gold = floe_yaml.parent / "dbt" / "models" / "gold"
    (gold / "top_customers.sql").write_text(
        "select * from {{ ref('customer_orders') }} order by revenue_eur desc limit 10\n"
    )
    yml = gold / "_gold.yml"
    yml.write_text(
        yml.read_text().replace("One row per customer with lifetime", "Each customer's lifetime", 1)
    )
    result = compile_all(floe, floe_yaml, tmp_path / "out")
    assert len(dbt_runs(result)) == 3, result.err
    nodes = manifest(tmp_path / "out", "prod")["nodes"]
    assert nodes["model.shop.top_customers"]["depends_on"]["nodes"] == [
        "model.shop.customer_orders"
    ]
    assert nodes["model.shop.customer_orders"]["description"].startswith("Each customer's")
    artifact = json.loads((tmp_path / "out" / "dev" / "compiled_artifacts.json").read_text())
    top = next(a for a in artifact["asset_graph"]["assets"] if a["key"] == "top_customers")
    assert top["deps"] == ["customer_orders"]


@pytest.mark.parametrize("damage", ["manifest", "index", "everything"])
def test_a_damaged_cache_is_parsed_again_not_trusted(
    damage: str, tmp_path: Path, floe: Floe, floe_cache: Path
) -> None:
    """A cached manifest edited behind floe's back (a model removed, its index intact), a
    garbage index, or garbage everywhere (dbt's partial_parse.msgpack too): dbt parses again
    and the bundle holds the real project."""
    floe_yaml = shop(tmp_path)
    compile_all(floe, floe_yaml, tmp_path / "out")
    for cached in floe_cache.rglob("target/manifest.json"):
        if damage == "manifest":
            data = json.loads(cached.read_text())
            del data["nodes"]["model.shop.customer_orders"]
            cached.write_text(json.dumps(data))
        elif damage == "index":
            (cached.parent.parent / "inputs.json").write_bytes(b"\x00{not json" * 1000)
        else:
            for path in cached.parent.parent.rglob("*"):
                if path.is_file() and path.name != "lock":
                    path.write_bytes(b"\x93garbage")
    result = compile_all(floe, floe_yaml, tmp_path / "out2")
    assert len(dbt_runs(result)) == 3, result.err
    for env in ("dev", "staging", "prod"):
        assert "model.shop.customer_orders" in manifest(tmp_path / "out2", env)["nodes"]


def test_a_project_reading_floe_env_parses_each_environment(tmp_path: Path, floe: Floe) -> None:
    """dbt sees FLOE_ENV only where the project names it; then environments sharing a target
    still get a manifest of their own."""
    floe_yaml = shop(tmp_path, {"staging": "dev"})
    model = floe_yaml.parent / "dbt" / "models" / "gold" / "customer_orders.sql"
    model.write_text(
        "{{ config(tags=['built_' ~ env_var('FLOE_ENV', 'nowhere')]) }}\n" + model.read_text()
    )
    result = compile_all(floe, floe_yaml, tmp_path / "out")
    assert sorted(dbt_runs(result)) == [
        "floe: dev: dbt parse --target dev",
        "floe: prod: dbt parse --target prod",
        "floe: staging: dbt parse --target dev",
    ], result.err
    for env in ("dev", "staging"):
        node = manifest(tmp_path / "out", env)["nodes"]["model.shop.customer_orders"]
        assert f"built_{env}" in node["tags"]


def test_the_inputs_digest_follows_content_not_location(tmp_path: Path) -> None:
    """Two checkouts of the same project (the review's head and base) have one digest; a
    changed model, seed or installed package changes it; a path leaving the project means
    no digest (parsed every time)."""
    first = shop(tmp_path / "a").parent / "dbt"
    second = shop(tmp_path / "b").parent / "dbt"
    digest = project_inputs(first, first).digest
    assert digest is not None and project_inputs(second, second).digest == digest
    (second / "seeds" / "country_codes.csv").write_text("code\nxx\n")
    assert project_inputs(second, second).digest not in (None, digest)
    package = first / "dbt_packages" / "utils" / "macros"
    package.mkdir(parents=True)
    (package / "m.sql").write_text("{% macro m() %}1{% endmacro %}\n")
    assert project_inputs(first, first).digest not in (None, digest)
    project = first / "dbt_project.yml"
    project.write_text(project.read_text().replace('["macros"]', '["../macros"]'))
    found = project_inputs(first, first)
    assert found.digest is None and "leaves the project" in found.why


def test_the_cache_keeps_at_most_its_slot_count(tmp_path: Path) -> None:
    """The least recently used slots go first; a slot another floe holds stays."""
    root = tmp_path / "cache"
    for index in range(dbt_cache.MAX_SLOTS + 4):
        slot = dbt_cache.claim(root, f"slot{index:02d}")
        assert slot is not None
        os.utime(slot.folder / "lock", ns=(index * 10**9, index * 10**9))
        slot.release()
    held = dbt_cache.claim(root, "slot00")  # in use by another floe, and the oldest
    assert held is not None
    os.utime(held.folder / "lock", ns=(0, 0))
    dbt_cache.evict(root)
    held.release()
    kept = sorted(p.name for p in root.iterdir())
    assert len(kept) == dbt_cache.MAX_SLOTS + 1
    assert kept[0] == "slot00" and kept[1:] == [f"slot{i:02d}" for i in range(4, 20)]
