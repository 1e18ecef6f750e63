"""The demo as the Dagster UI serves it: `dagster-webserver` on `demo/shop/definitions.py`
(one call to `FloeDefinitions.from_compiled_artifacts()`), asked over GraphQL for every asset,
job, schedule (with the environment's status) and sensor of the compiled artifact.

Needs the runtime loader (`floe_runtime.FloeDefinitions`) and `demo/shop/definitions.py`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from floe_runtime.artifact import store
from tests.definitions.runs.webserver import graphql, webserver
from tests.helpers.paths import REPO
from tests.helpers.results import Result

EVERYTHING = """
{
  workspaceOrError {
    ... on Workspace {
      locationEntries { locationOrLoadError { ... on PythonError { message causes { message } } } }
    }
  }
  assetNodes { assetKey { path } }
  repositoriesOrError {
    ... on RepositoryConnection {
      nodes {
        jobs { name }
        schedules { name cronSchedule executionTimezone scheduleState { status } }
        sensors { name sensorState { status } }
      }
    }
  }
}
"""


def test_the_demo_serves_every_declared_thing(floe: Callable[..., Result], tmp_path: Path) -> None:
    out = tmp_path / "dist" / "floe"
    compiled = floe(
        "compile",
        str(REPO / "demo/shop/floe.yaml"),
        "--env",
        "prod",
        "--dbt-parse",
        "--out",
        str(out),
        cwd=REPO,
    )
    assert compiled.code == 0, compiled.text
    artifact = store.read(out / "prod" / store.ARTIFACT_NAME)
    env = {"FLOE_ARTIFACTS": str(out / "prod"), "FLOE_PROJECT_ROOT": str(REPO)}
    target = ["-f", str(REPO / "demo/shop/definitions.py"), "-d", str(REPO / "demo")]
    with webserver(target, tmp_path / "dagster_home", REPO, env) as url:
        data = graphql(url, EVERYTHING)

    # A loaded location answers {} to the PythonError fragment; a load error, its message.
    entries = data["workspaceOrError"]["locationEntries"]
    errors = [e["locationOrLoadError"] for e in entries if e["locationOrLoadError"]]
    assert not errors, f"the location did not load: {errors}"

    assets = {"/".join(node["assetKey"]["path"]) for node in data["assetNodes"]}
    missing = {record.key for record in artifact.asset_graph.assets} - assets
    assert not missing, f"assets not served: {sorted(missing)}"
    (repository,) = data["repositoriesOrError"]["nodes"]
    assert set(artifact.jobs) <= {job["name"] for job in repository["jobs"]}
    schedules = {s["name"]: s for s in repository["schedules"]}
    for name, spec in artifact.orchestration.schedules.items():
        served = schedules[name]
        assert served["cronSchedule"] == spec.cron_schedule
        assert served["executionTimezone"] == spec.timezone
        assert served["scheduleState"]["status"] == ("RUNNING" if spec.enabled else "STOPPED")
    assert schedules["daily_bronze"]["scheduleState"]["status"] == "RUNNING"  # prod.env
    assert schedules["daily_bronze"]["cronSchedule"] == "0 5 * * *"
    sensors = {s["name"]: s for s in repository["sensors"]}
    for name, sensor in artifact.orchestration.sensors.items():
        assert sensors[name]["sensorState"]["status"] == (
            "RUNNING" if sensor.enabled else "STOPPED"
        )
