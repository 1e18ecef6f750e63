"""Jobs run exactly what the artifact resolved; ops jobs receive their typed args; a
partitioned incremental dbt model rebuilds only its window."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import dagster as dg

from floe_runtime.cli.main import run
from tests.definitions.conftest import DAY, Query, Shop, forget_project_modules, materializations

NEXT_DAY = "2024-01-06"


def test_selections_resolve_in_dagster_to_the_artifacts_lists(
    compiled: Shop, defs: dg.Definitions
) -> None:
    """Depth (``+key:``), intersection (``and``) and exclusion (``not``): Dagster's own parser
    on the loaded graph agrees with the list the artifact carries, and the job is that list."""
    artifact = json.loads((compiled.bundle() / "compiled_artifacts.json").read_text())
    graph = defs.resolve_asset_graph()
    for name, job in artifact["orchestration"]["jobs"].items():
        if job["type"] != "batch":
            continue
        by_dagster = set()
        for expression in job["selection"]:
            by_dagster |= dg.AssetSelection.from_string(expression).resolve(graph)
        listed = artifact["jobs"][name]["assets"]
        assert sorted(k.to_user_string() for k in by_dagster) == listed, name
        loaded = defs.resolve_job_def(name).asset_layer.selected_asset_keys
        assert sorted(k.to_user_string() for k in loaded) == listed, name


def test_a_job_runs_exactly_its_list_and_an_incremental_model_only_its_window(
    compiled: Shop,
    defs: dg.Definitions,
    instance: dg.DagsterInstance,
    materialized: dg.ExecuteInProcessResult,
    query: Query,
) -> None:
    artifact = json.loads((compiled.bundle() / "compiled_artifacts.json").read_text())
    # mark the day the session already built: a run for the next day must not rebuild it
    import duckdb

    with duckdb.connect(str(compiled.duckdb())) as con:
        con.execute(f"update main.revenue_daily set order_count = -1 where order_date = '{DAY}'")

    # bronze lands the day first (what triggers gold_pipeline: sensors.gold_on_bronze)
    bronze = defs.resolve_job_def("bronze_refresh")
    assert bronze.execute_in_process(partition_key=NEXT_DAY, instance=instance).success
    result = defs.resolve_job_def("gold_pipeline").execute_in_process(
        partition_key=NEXT_DAY, instance=instance
    )
    assert result.success
    ran = materializations(result)
    assert sorted(ran) == artifact["jobs"]["gold_pipeline"]["assets"]
    assert ran["revenue_daily"].partition == NEXT_DAY

    rows = dict(query("select order_date::varchar, order_count from main.revenue_daily"))
    assert rows[DAY] == -1  # outside the window: untouched
    (orders,) = query(
        f"select count(*) from bronze.orders where order_date = '{NEXT_DAY}' "
        "and status <> 'cancelled'"
    )[0]
    assert rows[NEXT_DAY] == orders > 0
    assert set(rows) == {DAY, NEXT_DAY}
    assert ran["revenue_daily"].metadata["dagster/row_count"].value == 2


def test_an_ops_job_calls_its_function_with_the_typed_args(tmp_path: Path) -> None:
    """A project without dbt: the function sees ints, booleans, lists as floe.yaml typed them."""
    (tmp_path / ".git").mkdir()
    package = tmp_path / "probe"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "ops.py").write_text(
        textwrap.dedent(
            """
            def report(days, dry_run, names, ratio):
                return {k: type(v).__name__ for k, v in
                        dict(days=days, dry_run=dry_run, names=names, ratio=ratio).items()}
            """
        )
    )
    (package / "floe.yaml").write_text(
        textwrap.dedent(
            """
            name: probe
            version: "1"
            orchestration:
              jobs:
                report:
                  type: ops
                  target_function: .ops.report
                  args: {days: "${DAYS:7}", dry_run: true, names: [a, b], ratio: 0.5}
            """
        )
    )
    assert run(["compile", str(package / "floe.yaml"), "--out", str(tmp_path / "dist")]) == 0
    from floe_runtime import FloeDefinitions

    forget_project_modules()
    defs = FloeDefinitions.from_compiled_artifacts(
        tmp_path / "dist" / "default", project_root=tmp_path
    )
    with dg.DagsterInstance.ephemeral() as instance:
        result = defs.resolve_job_def("report").execute_in_process(instance=instance)
        messages = [r.user_message for r in instance.all_logs(result.run_id)]
    assert result.success
    expected = "{'days': 'int', 'dry_run': 'bool', 'names': 'list', 'ratio': 'float'}"
    assert any(f"probe.ops.report returned {expected}" in m for m in messages), messages
