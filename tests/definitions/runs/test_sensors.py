"""The four sensor kinds, evaluated tick after tick on a real instance with real runs: each
fires, and never twice for the same file, materialization or run."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg
import pytest

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base.errors import FloeError
from tests.definitions.runs.conftest import definitions, hand_built, sensors

Compile = Callable[[str], CompiledArtifact]


class Ticks:
    """Evaluate one sensor tick after tick, carrying its cursor like the daemon does."""

    def __init__(self, defs: dg.Definitions, name: str, instance: dg.DagsterInstance) -> None:
        self.defs = defs
        self.sensor = defs.resolve_sensor_def(name)
        self.instance = instance
        self.cursor: str | None = None

    def tick(self) -> tuple[list[dg.RunRequest], str | None]:
        repository = self.defs.get_repository_def()
        if isinstance(self.sensor, dg.MultiAssetSensorDefinition):
            context: dg.SensorEvaluationContext = dg.build_multi_asset_sensor_context(
                monitored_assets=[dg.AssetKey("raw_a"), dg.AssetKey("raw_b")],
                instance=self.instance,
                cursor=self.cursor,
                repository_def=repository,
            )
        else:
            context = dg.build_sensor_context(
                instance=self.instance, cursor=self.cursor, repository_def=repository
            )
        result = self.sensor.evaluate_tick(context)
        self.cursor = result.cursor if result.cursor is not None else self.cursor
        return list(result.run_requests or []), result.skip_message


def test_sensor_settings_follow_the_artifact(mini: Compile, tmp_path: Path) -> None:
    for env, status in (("prod", "RUNNING"), ("dev", "STOPPED")):
        defs, _ = definitions(mini(env), tmp_path)
        files = defs.resolve_sensor_def("files")
        assert (files.minimum_interval_seconds, files.default_status.value) == (15, status)
        assert files.job_name == "report_job"
    defs, _ = definitions(mini("prod"), tmp_path)
    assert defs.resolve_sensor_def("on_raw").minimum_interval_seconds == 30
    assert defs.resolve_sensor_def("on_raw").default_status.value == "STOPPED"


def test_file_watcher_triggers_once_per_file(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, _ = definitions(mini("prod"), tmp_path)
    files = Ticks(defs, "files", instance)
    runs, skipped = files.tick()
    assert runs == [] and skipped
    assert f"folder {tmp_path / 'incoming'} does not exist" in skipped

    incoming = tmp_path / "incoming"
    incoming.mkdir()
    (incoming / "orders_1.csv").write_text("a")
    (incoming / "customers.csv").write_text("not watched")
    (incoming / "orders_dir.csv").mkdir()
    runs, _ = files.tick()
    assert [r.tags["floe/file"] for r in runs] == ["orders_1.csv"]
    assert runs[0].run_key and runs[0].run_key.startswith("orders_1.csv:")

    runs, skipped = files.tick()
    assert runs == [] and skipped == "no new files matching ./incoming/orders_*.csv"

    (incoming / "orders_2.csv").write_text("b")
    os.utime(incoming / "orders_2.csv", ns=(1, 1))  # an old file moved in still counts
    runs, _ = files.tick()
    assert [r.tags["floe/file"] for r in runs] == ["orders_2.csv"]
    assert files.tick()[0] == []

    (incoming / "orders_1.csv").write_text("rewritten")
    os.utime(incoming / "orders_1.csv", ns=(10**18, 10**18))
    runs, _ = files.tick()
    assert [r.tags["floe/file"] for r in runs] == ["orders_1.csv"]  # new content, new run
    assert files.tick()[0] == []


def test_file_watcher_listing_is_bounded(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, _ = definitions(mini("prod"), tmp_path)
    files = Ticks(defs, "files", instance)
    incoming = tmp_path / "incoming"
    incoming.mkdir()
    for i in range(105):
        (incoming / f"orders_{i:03}.csv").write_text("")
    first, second = files.tick()[0], files.tick()[0]
    assert (len(first), len(second)) == (100, 5)  # at most 100 runs a tick, none lost
    assert {r.tags["floe/file"] for r in first + second} == {
        f"orders_{i:03}.csv" for i in range(105)
    }
    for i in range(10_000 - 105 + 1):
        (incoming / f"other_{i}").touch()
    runs, skipped = files.tick()
    assert runs == [] and skipped and "holds more than 10,000 entries" in skipped


def test_file_watcher_on_a_partitioned_job_asks_for_the_latest_partition(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, _ = definitions(mini("prod"), tmp_path)
    (tmp_path / "incoming").mkdir()
    (tmp_path / "incoming" / "x.csv").write_text("x")
    (run,) = Ticks(defs, "raw_files", instance).tick()[0]
    yesterday = datetime.now(timezone.utc).date().toordinal() - 1
    assert run.partition_key == datetime.fromordinal(yesterday).strftime("%Y-%m-%d")
    job = defs.resolve_job_def("raw_refresh")
    assert job.execute_in_process(instance=instance, partition_key=run.partition_key).success


def test_asset_sensor_fires_once_all_watched_assets_materialize(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, _ = definitions(mini("prod"), tmp_path)
    on_raw = Ticks(defs, "on_raw", instance)
    assert on_raw.tick()[0] == []
    raw_a = dg.AssetKey("raw_a")
    job = defs.resolve_job_def("raw_refresh")
    assert job.execute_in_process(
        instance=instance, partition_key="2024-02-01", asset_selection=[raw_a]
    ).success
    runs, skipped = on_raw.tick()
    assert runs == [] and skipped == "waiting for a new materialization of raw_b"

    assert job.execute_in_process(instance=instance, partition_key="2024-02-02").success
    (run,) = on_raw.tick()[0]
    assert run.partition_key == "2024-02-02"  # the partition that was materialized
    runs, skipped = on_raw.tick()
    assert runs == [] and skipped  # the same materializations never fire again


def test_run_status_sensor_fires_once_per_failed_run(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    artifact = mini("prod")
    built = hand_built(fail={"2024-02-03"})
    jobs = built["jobs"]
    defs = dg.Definitions(
        assets=built["assets"],
        jobs=list(jobs.values()),
        sensors=sensors(artifact, jobs, tmp_path),
    )
    alert = Ticks(defs, "alert", instance)
    alert.tick()  # Dagster's run-status sensors start from "now" on their first tick
    job = defs.resolve_job_def("raw_refresh")
    assert job.execute_in_process(instance=instance, partition_key="2024-02-02").success
    failed = job.execute_in_process(
        instance=instance, partition_key="2024-02-03", raise_on_error=False
    )
    assert not failed.success
    fired = [r for _ in range(4) for r in alert.tick()[0]]
    assert [r.run_key for r in fired] == [failed.run_id]
    assert fired[0].tags["floe/watched_job"] == "raw_refresh"
    assert alert.tick()[0] == []


def test_custom_sensor_runs_when_its_condition_becomes_true(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, _ = definitions(mini("prod"), tmp_path)
    ready = Ticks(defs, "ready", instance)
    runs, skipped = ready.tick()
    assert runs == [] and skipped == "mini.sensors.ready is false"
    flag = tmp_path / "ready.flag"
    flag.write_text("")
    assert len(ready.tick()[0]) == 1
    runs, skipped = ready.tick()
    assert runs == [] and skipped and "still true" in skipped
    flag.unlink()
    assert ready.tick()[0] == []
    flag.write_text("")
    assert len(ready.tick()[0]) == 1


def test_custom_sensor_whose_function_is_gone_fails_at_load(mini: Compile, tmp_path: Path) -> None:
    artifact = mini("prod")
    (tmp_path / "mini" / "sensors.py").unlink()
    with pytest.raises(FloeError, match=r"sensor 'ready': module 'mini.sensors' not found"):
        definitions(artifact, tmp_path)


def test_asset_sensor_is_never_triggered_by_the_runs_it_requested(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    """on_raw watches raw_a and raw_b, which its own job raw_refresh materializes again: the
    runs it requests (and their retries) must not trigger it, or it fires without end."""
    defs, _ = definitions(mini("prod"), tmp_path)
    on_raw = Ticks(defs, "on_raw", instance)
    job = defs.resolve_job_def("raw_refresh")
    assert job.execute_in_process(instance=instance, partition_key="2024-02-01").success
    (request,) = on_raw.tick()[0]
    assert request.tags["floe/sensor"] == "on_raw" and request.partition_key == "2024-02-01"

    # the daemon launches the request: a run with the request's tags, materializing both
    launched = job.execute_in_process(
        instance=instance, partition_key=request.partition_key, tags=request.tags
    )
    assert launched.success
    fired_at = on_raw.cursor
    runs, skipped = on_raw.tick()
    assert runs == [] and skipped == "waiting for a new materialization of raw_a, raw_b"
    assert on_raw.cursor != fired_at  # consumed: its own runs never pile up before the next
    retry = {**request.tags, "dagster/root_run_id": launched.run_id}  # run_retries keeps tags
    assert job.execute_in_process(instance=instance, partition_key="2024-02-01", tags=retry).success
    daemon_tagged = {"dagster/sensor_name": "on_raw"}  # what the daemon itself puts on its runs
    assert job.execute_in_process(
        instance=instance, partition_key="2024-02-02", tags=daemon_tagged
    ).success
    assert [on_raw.tick()[0] for _ in range(3)] == [[], [], []]

    # another run's raw_a waits for another run's raw_b, whatever the sensor's runs do between
    raw_a = [dg.AssetKey("raw_a")]
    assert job.execute_in_process(
        instance=instance, partition_key="2024-02-05", asset_selection=raw_a
    ).success
    assert job.execute_in_process(
        instance=instance, partition_key="2024-02-06", tags=request.tags
    ).success
    runs, skipped = on_raw.tick()
    assert runs == [] and skipped == "waiting for a new materialization of raw_b"
    assert job.execute_in_process(
        instance=instance, partition_key="2024-02-05", asset_selection=[dg.AssetKey("raw_b")]
    ).success
    (fired,) = on_raw.tick()[0]
    assert fired.partition_key == "2024-02-05"  # the other runs' partition, not its own
    assert on_raw.tick()[0] == []


def test_a_retried_asset_sensor_tick_asks_for_the_same_run(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    """The daemon launches a run key once per sensor: a tick evaluated again from the same
    cursor (a crash before the cursor was saved) must ask with the same key."""
    defs, _ = definitions(mini("prod"), tmp_path)
    job = defs.resolve_job_def("raw_refresh")
    assert job.execute_in_process(instance=instance, partition_key="2024-02-01").success
    first, again = Ticks(defs, "on_raw", instance), Ticks(defs, "on_raw", instance)
    ((one,), _), ((two,), _) = first.tick(), again.tick()
    assert one.run_key == two.run_key and one.run_key


RETRIED = """
import dagster as dg

DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01")


@dg.asset(partitions_def=DAILY)
def raw_a(context) -> None:
    raise RuntimeError(f"planned failure in {context.partition_key}")


defs = dg.Definitions(
    assets=[raw_a],
    jobs=[dg.define_asset_job("raw_refresh", [raw_a], executor_def=dg.in_process_executor)],
)
raw_refresh = defs.resolve_job_def("raw_refresh")
"""

ALERTS = """
import dataclasses
import json


def notify(run=None, out: str = "alerts.jsonl") -> None:
    with open(out, "a") as log:
        log.write(json.dumps(run and dataclasses.asdict(run)) + "\\n")
"""


def test_run_status_alerts_once_per_root_run_and_hands_over_the_run(
    mini: Compile, tmp_path: Path
) -> None:
    """With run_retries, a failed run and its retry alert once (from the attempt Dagster will
    not retry), ``every_attempt: true`` once per attempt; the ops job's function receives the
    watched run (its ``run`` parameter): id, job, status, partition, why it failed."""
    from dagster._core.definitions.reconstruct import ReconstructableJob

    from floe_runtime.definitions.jobs import build_jobs

    text = (tmp_path / "floe.yaml").read_text()
    text = text.replace(
        "  jobs:\n", "  jobs:\n    notify: {type: ops, target_function: mini.alerts.notify}\n"
    ).replace(
        "  sensors:\n",
        "  sensors:\n"
        "    page: {type: run_status, job: notify, watched_jobs: [raw_refresh]}\n"
        "    page_each: {type: run_status, job: notify, watched_jobs: [raw_refresh],\n"
        "                every_attempt: true}\n",
    )
    (tmp_path / "floe.yaml").write_text(text)
    (tmp_path / "mini" / "alerts.py").write_text(ALERTS)
    (tmp_path / "mini" / "retried.py").write_text(RETRIED)
    artifact = mini("prod")
    built = hand_built()
    jobs = {
        **built["jobs"],
        **build_jobs(
            {"notify": artifact.jobs["notify"]},
            artifact.orchestration.jobs,
            [tmp_path],
            {"notify": "job 'notify'"},
        ),
    }
    defs = dg.Definitions(
        assets=built["assets"], jobs=list(jobs.values()), sensors=sensors(artifact, jobs, tmp_path)
    )
    failing = ReconstructableJob.for_file(str(tmp_path / "mini" / "retried.py"), "raw_refresh")
    retries = {"run_retries": {"enabled": True, "max_retries": 1}}
    (tmp_path / "home").mkdir()
    with dg.instance_for_test(overrides=retries, temp_dir=str(tmp_path / "home")) as instance:
        page, each = Ticks(defs, "page", instance), Ticks(defs, "page_each", instance)
        page.tick(), each.tick()  # run-status sensors start from "now" on their first tick
        day = {"dagster/partition": "2024-02-03"}
        first = dg.execute_job(failing, instance, tags=day)
        assert instance.get_run_by_id(first.run_id).tags["dagster/will_retry"] == "true"
        runs, skipped = page.tick()
        assert runs == [] and skipped and "will be retried (run_retries)" in skipped
        # the retry as Dagster's retry daemon launches it: same root, retry number, tags kept
        retry_tags = {
            **day,
            "dagster/root_run_id": first.run_id,
            "dagster/parent_run_id": first.run_id,
            "dagster/retry_number": "1",
        }
        options = dg.ReexecutionOptions.from_failure(first.run_id, instance)
        retry = dg.execute_job(failing, instance, tags=retry_tags, reexecution_options=options)
        assert instance.get_run_by_id(retry.run_id).tags["dagster/will_retry"] == "false"

        fired = [r for _ in range(3) for r in page.tick()[0]]
        assert [r.run_key for r in fired] == [first.run_id]  # one per root run
        assert fired[0].tags["floe/watched_run"] == retry.run_id  # from the last attempt
        each_fired = [r for _ in range(3) for r in each.tick()[0]]
        assert [r.run_key for r in each_fired] == [first.run_id, retry.run_id]

        notify = defs.resolve_job_def("notify")
        assert notify.execute_in_process(instance=instance, tags=fired[0].tags).success
        assert notify.execute_in_process(instance=instance).success  # by hand: no run
    alert, by_hand = [
        json.loads(line) for line in (tmp_path / "alerts.jsonl").read_text().splitlines()
    ]
    assert by_hand is None
    assert {k: alert[k] for k in ("run_id", "job_name", "status", "partition", "root_run_id")} == {
        "run_id": retry.run_id,
        "job_name": "raw_refresh",
        "status": "FAILURE",
        "partition": "2024-02-03",
        "root_run_id": first.run_id,
    }
    assert "raw_a: RuntimeError: planned failure in 2024-02-03" in alert["failure"]
    assert alert["tags"]["dagster/retry_number"] == "1"


def test_custom_sensor_run_keys_name_each_rising_edge(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    defs, _ = definitions(mini("prod"), tmp_path)
    ready = Ticks(defs, "ready", instance)
    flag = tmp_path / "ready.flag"
    flag.write_text("")
    before = ready.cursor
    (first,) = ready.tick()[0]
    retried = Ticks(defs, "ready", instance)
    retried.cursor = before  # the same tick again: the daemon skips the key it launched
    assert [r.run_key for r in retried.tick()[0]] == [first.run_key]
    flag.unlink()
    assert ready.tick()[0] == []
    flag.write_text("")
    (second,) = ready.tick()[0]
    assert len({first.run_key, second.run_key}) == 2 and first.run_key and second.run_key
    legacy = Ticks(defs, "ready", instance)
    legacy.cursor = "true"  # a cursor written by an earlier floe: still true, no new run
    assert legacy.tick()[0] == []


def test_a_custom_sensors_path_argument_is_read_from_floe_yamls_folder(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As a file watcher's `path`: the code server's working directory plays no part."""
    (tmp_path / "mini" / "sensors.py").write_text(
        "from pathlib import Path\n\ndef ready(flag: Path = Path('default.flag')) -> bool:\n"
        "    return flag.exists()\n"
    )
    defs, _ = definitions(mini("prod"), tmp_path)
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "ready.flag").write_text("")  # where the working directory would have read it
    monkeypatch.chdir(elsewhere)
    ready = Ticks(defs, "ready", instance)
    assert ready.tick()[0] == []
    (tmp_path / "ready.flag").write_text("")  # floe.yaml's folder
    assert len(ready.tick()[0]) == 1
