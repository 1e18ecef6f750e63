"""A small floe project compiled by the real `floe compile`, and Dagster definitions built by
hand to match it (the runtime loader is built separately; these stand in for its assets and
jobs so schedules, sensors and backfills are tested on real Dagster objects)."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from floe_runtime.artifact import store
from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.cli.main import run
from floe_runtime.definitions.schedules import build_schedules
from floe_runtime.definitions.sensors import build_sensors

FLOE_YAML = """
name: mini
version: "1"
orchestration:
  asset_modules: [mini.assets]
  partitions:
    daily: {type: time_window, start: "2024-01-01", cron_schedule: "0 0 * * *", timezone: UTC}
    regions: {type: static, partition_keys: [us, eu]}
    daily_region: {type: multi, partitions: {date: daily, region: regions}}
  assets:
    "raw_*": {partitions: daily, backfill_policy: {max_partitions_per_run: 10}}
    geo: {partitions: daily_region}
    summary: {automation_condition: eager}
  jobs:
    raw_refresh: {type: batch, selection: ["key:raw_*"]}
    report_job: {type: batch, selection: ["key:report"]}
    summaries: {type: batch, selection: ["key:report", "key:summary"]}
    summary_job: {type: batch, selection: ["key:summary"]}
    geo_job: {type: batch, selection: ["key:geo"]}
  schedules:
    nightly: {job: raw_refresh, cron_schedule: "30 2 * * *", timezone: Europe/Berlin,
              enabled: "${SCHEDULES_ENABLED:false}"}
    refresh_all: {job: raw_refresh, cron_schedule: "@weekly", partition_selector: all}
    report: {job: report_job, cron_schedule: "0 7 * * MON", timezone: America/New_York,
             enabled: "${SCHEDULES_ENABLED:false}"}
    geo: {job: geo_job, cron_schedule: "0 1 * * *"}
    summaries: {job: summaries, cron_schedule: "0 8 * * *"}
    summary_only: {job: summary_job, cron_schedule: "0 8 * * *"}
  sensors:
    files: {type: file_watcher, job: report_job, path: ./incoming, pattern: "orders_*.csv",
            poll_interval_seconds: 15, enabled: "${SCHEDULES_ENABLED:false}"}
    raw_files: {type: file_watcher, job: raw_refresh, path: ./incoming, pattern: "*.csv"}
    on_raw: {type: asset_sensor, job: raw_refresh, watched_assets: [raw_a, raw_b]}
    alert: {type: run_status, job: report_job, watched_jobs: [raw_refresh], status: FAILURE}
    ready: {type: custom, job: report_job, target_function: mini.sensors.ready,
            args: {flag: ready.flag}}
  backfills:
    raw_120: {job: raw_refresh, partition_range: {start: "2024-01-01", end: "2024-04-29"},
              batch_size: 10}
    geo_week: {job: geo_job, partition_range: {start: "2024-01-01", end: "2024-01-07"},
               batch_size: 3}
"""

ASSETS = """
import dagster as dg

@dg.asset
def raw_a(): ...

@dg.asset
def raw_b(): ...

@dg.asset(deps=["raw_a", "raw_b"])
def report(): ...

@dg.asset
def geo(): ...

@dg.asset(deps=["report"])
def summary(): ...
"""

SENSORS = """
from pathlib import Path

def ready(flag: str) -> bool:
    return Path(flag).exists()
"""

DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01")
DAILY_REGION = dg.MultiPartitionsDefinition(
    {"date": DAILY, "region": dg.StaticPartitionsDefinition(["us", "eu"])}
)


@pytest.fixture
def mini(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Callable[[str], CompiledArtifact]:
    """Write the project, compile it with `floe compile --env ENV`, return the artifact."""
    (tmp_path / "mini").mkdir()
    (tmp_path / "floe.yaml").write_text(textwrap.dedent(FLOE_YAML).lstrip(), encoding="utf-8")
    (tmp_path / "mini" / "__init__.py").write_text("")
    (tmp_path / "mini" / "assets.py").write_text(ASSETS)
    (tmp_path / "mini" / "sensors.py").write_text(SENSORS)
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.env").write_text("SCHEDULES_ENABLED=true\n")
    (tmp_path / "environments" / "dev.env").write_text("SCHEDULES_ENABLED=false\n")
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mini", raising=False)
    monkeypatch.delitem(sys.modules, "mini.sensors", raising=False)

    def _compile(env: str) -> CompiledArtifact:
        assert run(["compile", "floe.yaml", "--env", env, "--out", "dist/floe"]) == 0
        return store.read(tmp_path / "dist" / "floe" / env / store.ARTIFACT_NAME)

    return _compile


def hand_built(
    log: list[str] | None = None, fail: set[str] | None = None, per_run: int = 10
) -> dict[str, Any]:
    """The mini project's assets and jobs, as the loader would build them. Each run of a raw
    or geo asset appends its partition range to ``log``; a partition in ``fail`` fails it."""
    policy = dg.BackfillPolicy.multi_run(per_run)

    def body(context: dg.AssetExecutionContext) -> None:
        keys = context.partition_keys
        if set(keys) & (fail or set()):
            raise RuntimeError(f"planned failure in {keys[0]}...{keys[-1]}")
        if log is not None:
            log.append(f"{context.asset_key.to_user_string()}:{keys[0]}...{keys[-1]}")

    @dg.asset(partitions_def=DAILY, backfill_policy=policy)
    def raw_a(context) -> None:  # type: ignore[no-untyped-def]  # Dagster reads the annotation
        body(context)

    @dg.asset(partitions_def=DAILY, backfill_policy=policy)
    def raw_b(context) -> None:  # type: ignore[no-untyped-def]
        body(context)

    @dg.asset(deps=[raw_a, raw_b])
    def report() -> None: ...

    @dg.asset(partitions_def=DAILY_REGION, backfill_policy=dg.BackfillPolicy.single_run())
    def geo(context) -> None:  # type: ignore[no-untyped-def]
        body(context)

    @dg.asset(deps=[report], automation_condition=dg.AutomationCondition.eager())
    def summary() -> None: ...

    jobs = {
        "raw_refresh": dg.define_asset_job("raw_refresh", selection=[raw_a, raw_b]),
        "report_job": dg.define_asset_job("report_job", selection=[report]),
        "geo_job": dg.define_asset_job("geo_job", selection=[geo]),
        "summaries": dg.define_asset_job("summaries", selection=[report, summary]),
        "summary_job": dg.define_asset_job("summary_job", selection=[summary]),
    }
    return {"assets": [raw_a, raw_b, report, geo, summary], "jobs": jobs}


def sensors(
    artifact: CompiledArtifact, jobs: dict[str, Any], root: Path
) -> list[dg.SensorDefinition]:
    """The artifact's sensors, their functions imported from the project ``root``."""
    places = {name: f"sensor {name!r}" for name in artifact.orchestration.sensors}
    return build_sensors(artifact, jobs, project_root=root, roots=[root], places=places)


def definitions(
    artifact: CompiledArtifact, root: Path, **kwargs: Any
) -> tuple[dg.Definitions, dict[str, Any]]:
    built = hand_built(**kwargs)
    jobs = built["jobs"]
    defs = dg.Definitions(
        assets=built["assets"],
        jobs=list(jobs.values()),
        schedules=build_schedules(artifact, jobs),
        sensors=sensors(artifact, jobs, root),
    )
    return defs, jobs


@pytest.fixture
def instance(tmp_path: Path) -> Iterator[dg.DagsterInstance]:
    """A real, persistent Dagster instance in a temporary DAGSTER_HOME."""
    home = tmp_path / "dagster_home"
    home.mkdir()
    with dg.instance_for_test(temp_dir=str(home)) as created:
        yield created
