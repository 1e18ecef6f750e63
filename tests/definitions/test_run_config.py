"""Run config, tags and executors from floe.yaml, on real Dagster: an asset that needs config
runs from a job's default config, a schedule's ``run_config`` and a file watcher's ``{path}``;
the tags land on the runs; the executor is Dagster's own, configured and validated by Dagster."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from floe_runtime.cli.main import run

ASSETS = """
import dagster as dg


class LoadConfig(dg.Config):
    source: str


@dg.asset
def loaded(context: dg.AssetExecutionContext, config: LoadConfig) -> dg.MaterializeResult:
    return dg.MaterializeResult(metadata={"source": config.source})
"""

FLOE_YAML = """
name: cfg
version: "1"
orchestration:
  asset_modules: [cfg.assets]
  jobs:
    load:
      type: batch
      selection: ["key:loaded"]
      tags: {team: data}
      config: {ops: {loaded: {config: {source: default.csv}}}}
      executor:
        type: multiprocess
        max_concurrent: 2
        tag_concurrency_limits:
          - {key: database, value: duckdb, limit: 1}
          - {key: region, value: {applyLimitPerUniqueValue: true}, limit: 2}
    load_now:
      type: batch
      selection: ["key:loaded"]
      tags: {team: data}
      run_tags: {dagster/priority: "5"}
      executor: {type: in_process}
  schedules:
    nightly: {job: load_now, cron_schedule: "0 2 * * *", tags: {trigger: nightly},
              run_config: {ops: {loaded: {config: {source: nightly.csv}}}}}
  sensors:
    files: {type: file_watcher, job: load_now, path: ./incoming, pattern: "*.csv",
            tags: {trigger: file}, run_config: {ops: {loaded: {config: {source: "{path}"}}}}}
"""


@pytest.fixture
def defs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dg.Definitions:
    (tmp_path / "cfg").mkdir()
    (tmp_path / "cfg" / "__init__.py").write_text("")
    (tmp_path / "cfg" / "assets.py").write_text(ASSETS)
    (tmp_path / "incoming").mkdir()
    (tmp_path / "floe.yaml").write_text(textwrap.dedent(FLOE_YAML).lstrip())
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "cfg", raising=False)
    monkeypatch.delitem(sys.modules, "cfg.assets", raising=False)
    assert run(["compile", "floe.yaml", "--out", "dist/floe"]) == 0
    from floe_runtime import FloeDefinitions

    return FloeDefinitions.from_compiled_artifacts("dist/floe/default", project_root=tmp_path)


@pytest.fixture
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


def _launch(
    defs: dg.Definitions, request: dg.RunRequest, instance: dg.DagsterInstance
) -> tuple[str, dict[str, str]]:
    """Run what a tick asked for, as the daemon would: its run config and tags on the job."""
    job = defs.resolve_job_def(request.job_name or "load_now")
    result = job.execute_in_process(
        run_config=request.run_config, tags=request.tags, instance=instance
    )
    assert result.success
    materialization = result.asset_materializations_for_node("loaded")[0]
    run_tags = instance.get_run_by_id(result.run_id).tags  # type: ignore[union-attr]
    return str(materialization.metadata["source"].value), dict(run_tags)


def test_a_job_runs_its_config_and_tags_its_runs(
    defs: dg.Definitions, instance: dg.DagsterInstance
) -> None:
    result = defs.resolve_job_def("load").execute_in_process(instance=instance)
    assert result.success
    assert result.asset_materializations_for_node("loaded")[0].metadata["source"].value == (
        "default.csv"
    )
    tags = instance.get_run_by_id(result.run_id).tags  # type: ignore[union-attr]
    assert tags["team"] == "data"  # tags go on the runs when run_tags is not set
    now = defs.resolve_job_def("load_now")
    assert (now.tags["team"], now.run_tags) == ("data", {"dagster/priority": "5"})


def test_executors_are_dagsters_own_configured_as_declared(defs: dg.Definitions) -> None:
    load = defs.resolve_job_def("load")
    assert load.executor_def.name == "multiprocess"
    config = load.executor_def.config_schema.resolve_config({}).value["config"]  # type: ignore[union-attr]
    assert config["max_concurrent"] == 2
    assert config["tag_concurrency_limits"] == [
        {"key": "database", "value": "duckdb", "limit": 1},
        {"key": "region", "value": {"applyLimitPerUniqueValue": True}, "limit": 2},
    ]
    assert defs.resolve_job_def("load_now").executor_def.name == "in_process"


def test_a_schedule_runs_an_asset_that_needs_config(
    defs: dg.Definitions, instance: dg.DagsterInstance
) -> None:
    schedule = defs.resolve_schedule_def("nightly")
    context = dg.build_schedule_context(instance=instance, repository_def=defs.get_repository_def())
    requests = schedule.evaluate_tick(context).run_requests or []
    assert len(requests) == 1
    source, tags = _launch(defs, requests[0], instance)
    assert source == "nightly.csv"
    assert tags["trigger"] == "nightly" and tags["dagster/priority"] == "5"


def test_a_file_watcher_passes_the_files_path_into_config(
    defs: dg.Definitions, instance: dg.DagsterInstance, tmp_path: Path
) -> None:
    dropped = tmp_path / "incoming" / "orders_1.csv"
    dropped.write_text("id\n1\n")
    sensor = defs.resolve_sensor_def("files")
    context = dg.build_sensor_context(instance=instance, repository_def=defs.get_repository_def())
    requests = sensor.evaluate_tick(context).run_requests or []
    assert len(requests) == 1
    source, tags = _launch(defs, requests[0], instance)
    assert Path(source) == dropped
    assert (tags["trigger"], tags["floe/file"]) == ("file", "orders_1.csv")


def test_secrets_and_bad_types_in_the_new_fields_are_refused(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Run config and tags are strings floe writes into artifacts and Dagster's UI: the secret
    guard covers them as every other string, and their types are Dagster's."""
    (tmp_path / "floe.yaml").write_text(
        textwrap.dedent(
            """
            name: cfg
            version: "1"
            orchestration:
              jobs:
                j:
                  type: ops
                  target_function: cfg.f
                  tags: {"bad key!": x, team: 5}
                  run_tags: {api_token: abc}
              schedules:
                s: {job: j, cron_schedule: "@daily",
                    run_config: {ops: {x: {config: {url: "postgres://u:hunter2@db/x"}}}}}
              dbt:
                project_dir: dbt
                translation: {group_name: "{fqn}"}
            """
        ).lstrip()
    )
    assert run(["validate", str(tmp_path / "floe.yaml")]) == 1
    out = capsys.readouterr().out
    assert "'bad key!' is not a valid Dagster tag key" in out
    assert "orchestration.jobs.j.tags.team" in out and "expected a string" in out
    assert "'api_token' looks like a secret" in out
    assert "looks like a password inside a URL" in out
    assert "hunter2" not in out
    assert "fqn needs an index, like {fqn[1]}" in out
