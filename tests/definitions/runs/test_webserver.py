"""A real dagster-webserver and instance on 127.0.0.1 serving the hand-built definitions with
floe's schedules and sensors: the UI sees them with the environment's status, and
`floe backfill launch` creates a backfill there."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from floe_runtime.artifact.schema import CompiledArtifact
from tests.definitions.runs.webserver import free_port, graphql, webserver
from tests.helpers.paths import REPO
from tests.helpers.results import Result

DEFINITIONS = """
from pathlib import Path

from floe_runtime.artifact import store
from tests.definitions.runs.conftest import definitions

artifact = store.read(Path("dist/floe/prod/compiled_artifacts.json"))
defs, _ = definitions(artifact, Path.cwd())
"""

INSTIGATORS = """
{
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        name
        location { name }
        schedules { name cronSchedule executionTimezone scheduleState { status } }
        sensors { name minIntervalSeconds sensorState { status } }
      }
    }
  }
}
"""

DRY_RUNS = """
mutation ($schedule: ScheduleSelector!, $at: Float, $sensor: SensorSelector!) {
  scheduleDryRun(selectorData: $schedule, timestamp: $at) {
    ... on DryRunInstigationTick { evaluationResult { ...Evaluation } }
    ... on PythonError { message }
  }
  sensorDryRun(selectorData: $sensor, cursor: null) {
    ... on DryRunInstigationTick { evaluationResult { ...Evaluation } }
    ... on PythonError { message }
  }
}
fragment Evaluation on TickEvaluation {
  runRequests { runKey tags { key value } }
  skipReason
  error { message }
}
"""

BACKFILL = """
query ($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill {
      status numPartitions partitionNames assetSelection { path } tags { key value }
    }
  }
}
"""


def test_the_ui_sees_the_schedules_and_sensors_and_launch_creates_a_backfill(
    mini: Callable[[str], CompiledArtifact], floe: Callable[..., Result], tmp_path: Path
) -> None:
    mini("prod")
    (tmp_path / "defs.py").write_text(textwrap.dedent(DEFINITIONS))
    home = tmp_path / "dagster_home"
    pythonpath = f"{REPO}:{tmp_path}"
    with webserver(["-f", "defs.py"], home, tmp_path, {"PYTHONPATH": pythonpath}) as url:
        (served,) = graphql(url, INSTIGATORS)["repositoriesOrError"]["nodes"]
        where = {
            "repositoryName": served["name"],
            "repositoryLocationName": served["location"]["name"],
        }
        (tmp_path / "incoming").mkdir()
        (tmp_path / "incoming" / "orders_7.csv").write_text("7")
        at = datetime(2024, 3, 5, 1, 30, tzinfo=timezone.utc).timestamp()
        ticks = graphql(
            url,
            DRY_RUNS,
            {
                "schedule": {**where, "scheduleName": "nightly"},
                "at": at,
                "sensor": {**where, "sensorName": "files"},
            },
        )
        launched = floe("backfill", "launch", "raw_120", "--url", url, "--env", "prod")
        assert launched.code == 0, launched.err
        assert "120 partitions submitted" in launched.err
        backfill_id = launched.out.strip()
        found = graphql(url, BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
    # evaluated by Dagster's own code server, as the daemon would
    (nightly,) = ticks["scheduleDryRun"]["evaluationResult"]["runRequests"]
    assert nightly["runKey"] == "2024-03-04"
    assert {"key": "dagster/partition", "value": "2024-03-04"} in nightly["tags"]
    (files,) = ticks["sensorDryRun"]["evaluationResult"]["runRequests"]
    assert {"key": "floe/file", "value": "orders_7.csv"} in files["tags"]
    schedules = {s["name"]: s for s in served["schedules"]}
    assert schedules["nightly"] == {
        "name": "nightly",
        "cronSchedule": "30 2 * * *",
        "executionTimezone": "Europe/Berlin",
        "scheduleState": {"status": "RUNNING"},  # SCHEDULES_ENABLED=true in prod.env
    }
    assert schedules["geo"]["scheduleState"]["status"] == "STOPPED"  # enabled by default: no
    sensors = {s["name"]: s for s in served["sensors"]}
    assert {"alert", "files", "on_raw", "raw_files", "ready"} <= set(sensors)
    assert sensors["files"]["minIntervalSeconds"] == 15
    assert sensors["files"]["sensorState"]["status"] == "RUNNING"
    assert sensors["alert"]["sensorState"]["status"] == "STOPPED"
    assert found["status"] == "REQUESTED"
    assert found["numPartitions"] == 120
    assert found["partitionNames"][0] == "2024-01-01"
    assert found["partitionNames"][-1] == "2024-04-29"
    assert sorted(a["path"] for a in found["assetSelection"]) == [["raw_a"], ["raw_b"]]
    assert {"key": "floe/backfill", "value": "raw_120"} in found["tags"]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        stored = instance.get_backfill(backfill_id)
        assert stored is not None and stored.is_asset_backfill


def test_launch_to_nothing_says_so(
    mini: Callable[[str], CompiledArtifact], floe: Callable[..., Result]
) -> None:
    mini("prod")
    url = f"http://127.0.0.1:{free_port()}"
    refused = floe("backfill", "launch", "raw_120", "--url", url, "--env", "prod")
    assert refused.code == 1
    assert f"cannot reach Dagster at {url}" in refused.err
    assert "is the webserver running?" in refused.err
