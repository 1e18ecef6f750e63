"""Schedules built from a compiled artifact: cron, timezone, status per environment, and the
partitions each tick asks for — compared with what Dagster's own partitioned schedule asks for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import dagster as dg

from floe_runtime.artifact.schema import CompiledArtifact
from tests.definitions.runs.conftest import definitions

Compile = Callable[[str], CompiledArtifact]
BERLIN = ZoneInfo("Europe/Berlin")


def _requests(
    defs: dg.Definitions,
    schedule: dg.ScheduleDefinition,
    instance: dg.DagsterInstance,
    at: datetime,
) -> list[dg.RunRequest]:
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=at, repository_def=defs.get_repository_def()
    )
    return list(schedule.evaluate_tick(context).run_requests or [])


def test_timezone_cron_and_status_follow_the_environment(mini: Compile, tmp_path: Path) -> None:
    for env, status in (("prod", "RUNNING"), ("dev", "STOPPED")):
        defs, _ = definitions(mini(env), tmp_path)
        nightly = defs.resolve_schedule_def("nightly")
        assert nightly.cron_schedule == "30 2 * * *"
        assert nightly.execution_timezone == "Europe/Berlin"
        assert nightly.job_name == "raw_refresh"
        assert nightly.default_status == dg.DefaultScheduleStatus[status]
        report = defs.resolve_schedule_def("report")
        assert (report.execution_timezone, report.default_status.value) == (
            "America/New_York",
            status,
        )
        # enabled defaults to false: off in every environment unless declared
        assert defs.resolve_schedule_def("geo").default_status.value == "STOPPED"


def test_latest_requests_the_partition_dagster_would(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, jobs = definitions(mini("prod"), tmp_path)
    # 02:30 in Berlin on 5 March is 01:30 UTC: the last complete UTC day is 4 March
    at = datetime(2024, 3, 5, 2, 30, tzinfo=BERLIN)
    ours = _requests(defs, defs.resolve_schedule_def("nightly"), instance, at)
    assert [(r.partition_key, r.run_key) for r in ours] == [("2024-03-04", "2024-03-04")]

    dagsters = dg.Definitions(
        assets=defs.assets,
        schedules=[
            dg.build_schedule_from_partitioned_job(jobs["raw_refresh"], name="d1"),
            dg.build_schedule_from_partitioned_job(jobs["geo_job"], name="d2"),
        ],
    )
    theirs = _requests(dagsters, dagsters.resolve_schedule_def("d1"), instance, at)
    assert [r.partition_key for r in ours] == [r.partition_key for r in theirs]
    # multi partitions: every region of the latest day, as Dagster does
    ours_geo = _requests(defs, defs.resolve_schedule_def("geo"), instance, at)
    theirs_geo = _requests(dagsters, dagsters.resolve_schedule_def("d2"), instance, at)
    assert sorted(str(r.partition_key) for r in ours_geo) == ["2024-03-04|eu", "2024-03-04|us"]
    assert sorted(str(r.partition_key) for r in ours_geo) == sorted(
        str(r.partition_key) for r in theirs_geo
    )


def test_all_requests_every_partition_and_unpartitioned_jobs_one_run(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, _ = definitions(mini("prod"), tmp_path)
    at = datetime(2024, 1, 8, tzinfo=ZoneInfo("UTC"))
    every = _requests(defs, defs.resolve_schedule_def("refresh_all"), instance, at)
    assert [r.partition_key for r in every] == [f"2024-01-0{d}" for d in range(1, 8)]
    before_first = datetime(2024, 1, 1, 0, 0, tzinfo=ZoneInfo("UTC"))
    context = dg.build_schedule_context(
        instance=instance,
        scheduled_execution_time=before_first,
        repository_def=defs.get_repository_def(),
    )
    skipped = defs.resolve_schedule_def("nightly").evaluate_tick(context)
    assert skipped.skip_message and "no latest partition" in skipped.skip_message
    (plain,) = _requests(defs, defs.resolve_schedule_def("report"), instance, at)
    assert plain.partition_key is None


def test_assets_with_an_automation_condition_are_left_to_it(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, _ = definitions(mini("prod"), tmp_path)
    at = datetime(2024, 3, 5, tzinfo=ZoneInfo("UTC"))
    (request,) = _requests(defs, defs.resolve_schedule_def("summaries"), instance, at)
    assert request.asset_selection == [dg.AssetKey("report")]  # summary runs on its condition
    job = defs.resolve_job_def("summaries")
    ran = job.execute_in_process(instance=instance, asset_selection=request.asset_selection)
    assert [e.asset_key for e in ran.get_asset_materialization_events()] == [dg.AssetKey("report")]
    context = dg.build_schedule_context(
        instance=instance, scheduled_execution_time=at, repository_def=defs.get_repository_def()
    )
    only = defs.resolve_schedule_def("summary_only").evaluate_tick(context)
    assert not only.run_requests and only.skip_message
    assert "has an automation condition, which runs it instead" in only.skip_message
    (nightly,) = _requests(defs, defs.resolve_schedule_def("nightly"), instance, at)
    assert nightly.asset_selection is None  # nothing automated: the whole job


def test_a_scheduled_partition_run_executes(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    log: list[str] = []
    defs, _ = definitions(mini("prod"), tmp_path, log=log)
    at = datetime(2024, 3, 5, 2, 30, tzinfo=BERLIN)
    (request,) = _requests(defs, defs.resolve_schedule_def("nightly"), instance, at)
    job = defs.resolve_job_def("raw_refresh")
    assert job.execute_in_process(instance=instance, partition_key=request.partition_key).success
    assert sorted(log) == ["raw_a:2024-03-04...2024-03-04", "raw_b:2024-03-04...2024-03-04"]
