"""One production-like deployment of the demo per test session, exactly as docs/deploy.md says:
Postgres storage and the QueuedRunCoordinator (examples/deploy/dagster.yaml), the gRPC code
server of examples/deploy/code-server.sh on the prod bundle compiled elsewhere than the code,
`dagster-daemon run` and `dagster-webserver` on examples/deploy/workspace.yaml.

The demo is copied with test-only settings so that things happen within minutes: the prod
schedule ticks every minute (environments/prod.env), sensors poll every 5 s, the bronze
backfill policy allows 4 partitions per run (so a 7-day backfill is 2 runs), and floe's jobs
run in process (each step of the multiprocess executor is a process that loads the code
again: a minute per run on a busy 2-core machine).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.daemon.services import Postgres, Service, free_port, wait_for
from tests.helpers.environment import shell_environment
from tests.helpers.paths import REPO

BIN = Path(sys.executable).parent
RECIPE = REPO / "examples" / "deploy"
LOCATION = {"repositoryLocationName": "shop", "repositoryName": "__repository__"}
POLL_SECONDS = 5
STARTUP_SECONDS = 180

TICK = "tickId status timestamp runIds runKeys cursor skipReason error { message }"
RUNS = """
query Runs($filter: RunsFilter) {
  runsOrError(filter: $filter, limit: 500) {
    ... on Runs { results { runId jobName status creationTime tags { key value } } }
    ... on PythonError { message }
  }
}"""
SENSOR = f"""
query Sensor($selector: SensorSelector!) {{
  sensorOrError(sensorSelector: $selector) {{
    __typename
    ... on Sensor {{
      name
      sensorState {{
        id status
        typeSpecificData {{ ... on SensorData {{ lastCursor }} }}
        ticks(limit: 200) {{ {TICK} }}
      }}
    }}
    ... on PythonError {{ message }}
  }}
}}"""
SCHEDULE = f"""
query Schedule($selector: ScheduleSelector!) {{
  scheduleOrError(scheduleSelector: $selector) {{
    __typename
    ... on Schedule {{
      name cronSchedule executionTimezone
      scheduleState {{ id status ticks(limit: 50) {{ {TICK} }} }}
    }}
    ... on PythonError {{ message }}
  }}
}}"""
LOCATIONS = """
{
  workspaceOrError {
    ... on Workspace {
      locationEntries {
        name loadStatus
        locationOrLoadError {
          __typename
          ... on PythonError { message causes { message } }
          ... on RepositoryLocation { repositories { name } }
        }
      }
    }
  }
}"""


@dataclass
class Run:
    run_id: str
    job: str
    status: str
    created: float
    tags: dict[str, str]

    @property
    def root(self) -> str:
        return self.tags.get("dagster/root_run_id", self.run_id)

    def line(self) -> str:
        shown = {
            k: v
            for k, v in self.tags.items()
            if k.startswith(("floe/", "dagster/partition", "dagster/asset_partition_range"))
            or k in ("dagster/sensor_name", "dagster/schedule_name", "dagster/backfill")
            or k in ("dagster/parent_run_id", "dagster/root_run_id")
        }
        return f"{self.run_id[:8]} {self.job:<16} {self.status:<8} {json.dumps(shown)}"


@dataclass
class Deployment:
    """The running deployment and the way a platform engineer would drive it."""

    url: str
    code: Path  # the project root: the copy of the demo
    bundle: Path  # elsewhere than the code
    home: Path
    env: dict[str, str]
    daemon: Service
    code_server: Service
    logs: Path
    started: float

    @property
    def shop(self) -> Path:
        return self.code / "demo" / "shop"

    def graphql(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        request = urllib.request.Request(
            f"{self.url}/graphql",
            data=json.dumps({"query": query, "variables": variables or {}}).encode(),
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=120) as response:
            body = json.loads(response.read())
        assert not body.get("errors"), body["errors"]
        return body["data"]  # type: ignore[no-any-return]

    def runs(self, **filter_: Any) -> list[Run]:
        data = self.graphql(RUNS, {"filter": filter_ or None})["runsOrError"]
        assert "results" in data, data
        return sorted(
            (
                Run(
                    r["runId"],
                    r["jobName"],
                    r["status"],
                    r["creationTime"],
                    {t["key"]: t["value"] for t in r["tags"]},
                )
                for r in data["results"]
            ),
            key=lambda run: run.created,
        )

    def materialize(self, *assets: str) -> str:
        """Launch a run of ``assets`` as the UI's "Materialize" button does; its run id."""
        data = self.graphql(
            """mutation($params: ExecutionParams!) { launchRun(executionParams: $params) {
                __typename ... on LaunchRunSuccess { run { runId } }
                ... on PythonError { message } ... on InvalidSubsetError { message } } }""",
            {
                "params": {
                    "selector": {
                        **LOCATION,
                        "jobName": "__ASSET_JOB",
                        "assetSelection": [{"path": [a]} for a in assets],
                    },
                    "mode": "default",
                }
            },
        )["launchRun"]
        assert data["__typename"] == "LaunchRunSuccess", data
        return str(data["run"]["runId"])

    def sensor(self, name: str) -> dict[str, Any]:
        data = self.graphql(SENSOR, {"selector": {**LOCATION, "sensorName": name}})
        found = data["sensorOrError"]
        assert found["__typename"] == "Sensor", found
        return found["sensorState"]  # type: ignore[no-any-return]

    def ticks(self, name: str, after: float = 0) -> list[dict[str, Any]]:
        """A sensor's finished ticks since ``after``, oldest first."""
        ticks = self.sensor(name)["ticks"]
        done = [t for t in ticks if t["status"] != "STARTED" and t["timestamp"] >= after]
        return sorted(done, key=lambda t: t["timestamp"])

    def start_sensor(self, name: str) -> None:
        data = self.graphql(
            """mutation($s: SensorSelector!) { startSensor(sensorSelector: $s) {
                __typename ... on Sensor { sensorState { status } } ... on PythonError { message }
            } }""",
            {"s": {**LOCATION, "sensorName": name}},
        )
        assert data["startSensor"]["__typename"] == "Sensor", data

    def stop_sensor(self, name: str) -> None:
        state = self.sensor(name)
        data = self.graphql(
            """mutation($id: String) { stopSensor(id: $id) { __typename
                ... on StopSensorMutationResult { instigationState { status } }
                ... on PythonError { message } } }""",
            {"id": state["id"]},
        )
        assert data["stopSensor"]["__typename"] == "StopSensorMutationResult", data

    def schedule(self, name: str) -> dict[str, Any]:
        data = self.graphql(SCHEDULE, {"selector": {**LOCATION, "scheduleName": name}})
        found = data["scheduleOrError"]
        assert found["__typename"] == "Schedule", found
        return found  # type: ignore[no-any-return]

    def stop_schedule(self, name: str) -> None:
        state = self.schedule(name)["scheduleState"]
        data = self.graphql(
            """mutation($id: String) { stopRunningSchedule(id: $id) { __typename
                ... on ScheduleStateResult { scheduleState { status } }
                ... on PythonError { message } } }""",
            {"id": state["id"]},
        )
        assert data["stopRunningSchedule"]["__typename"] == "ScheduleStateResult", data

    def locations(self) -> list[dict[str, Any]]:
        entries = self.graphql(LOCATIONS)["workspaceOrError"]["locationEntries"]
        return entries  # type: ignore[no-any-return]

    def reload_location(self) -> None:
        self.graphql(
            """mutation { reloadRepositoryLocation(repositoryLocationName: "shop") {
                __typename } }"""
        )

    def restart_daemon(self) -> float:
        """Stop the daemon's process group and start it again; the time it was stopped."""
        self.daemon.stop()
        stopped = time.time()
        self.daemon.start()
        return stopped

    def settled(self, seconds: float = 240) -> list[Run]:
        """Wait until no run is queued, starting or started; every run."""
        busy = ("QUEUED", "NOT_STARTED", "STARTING", "STARTED", "CANCELING")

        def idle() -> list[Run] | None:
            runs = self.runs()
            return runs if not any(r.status in busy for r in runs) else None

        return wait_for(idle, "the run queue to drain", seconds, self.logs / "daemon.log")  # type: ignore[return-value]


def _test_project(code: Path) -> None:
    """The demo with the test-only settings the module docstring lists."""
    shop = code / "demo" / "shop"
    floe_yaml = shop / "floe.yaml"
    document = yaml.safe_load(floe_yaml.read_text())
    orchestration = document["orchestration"]
    for sensor in orchestration["sensors"].values():
        sensor["poll_interval_seconds"] = POLL_SECONDS
    orchestration["automation"]["poll_interval_seconds"] = POLL_SECONDS
    for pattern, settings in orchestration["assets"].items():
        if pattern.startswith("bronze"):
            settings["backfill_policy"] = {"max_partitions_per_run": 4}
    for job in orchestration["jobs"].values():
        if job["type"] == "batch":  # one process per run: minutes fewer on 2 cores
            job["executor"] = {"type": "in_process"}
    for backfill in orchestration["backfills"].values():
        backfill["batch_size"] = min(backfill.get("batch_size", 1), 3)
    floe_yaml.write_text(yaml.safe_dump(document, sort_keys=False))
    prod = shop / "environments" / "prod.env"
    prod.write_text(prod.read_text().replace("BRONZE_CRON=0 5 * * *", "BRONZE_CRON=* * * * *"))
    assert "BRONZE_CRON=* * * * *" in prod.read_text()


def _wait_http(url: str, service: Service) -> bool:
    if not service.alive():
        raise AssertionError(f"{service.name} exited:\n{service.log.read_text()[-3000:]}")
    try:
        with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
            return bool(response.status == 200)
    except (urllib.error.URLError, OSError):
        return False


@pytest.fixture(scope="session")
def deployment(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Deployment]:
    base = tmp_path_factory.mktemp("deployment")
    code, bundles, home, logs = (base / n for n in ("code", "bundles", "home", "logs"))
    for folder in (home, logs):
        folder.mkdir()
    (code / ".git").mkdir(parents=True)  # the checkout's root, as on a clone
    shutil.copytree(
        REPO / "demo",
        code / "demo",
        ignore=shutil.ignore_patterns("*.duckdb", "*.wal", "target", "logs", "__pycache__"),
    )
    _test_project(code)
    env = shell_environment()
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    compiled = subprocess.run(
        [str(BIN / "floe"), "compile", "demo/shop/floe.yaml", "--env", "prod", "--dbt-parse",
         "--out", str(bundles)],
        cwd=code, env=env, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert compiled.returncode == 0, compiled.stderr
    bundle = bundles / "prod"
    shutil.copy(RECIPE / "dagster.yaml", home / "dagster.yaml")
    postgres = Postgres(Path(tempfile.mkdtemp(prefix="floe-pg-")), free_port())
    services: list[Service] = []
    try:
        postgres.start()
        code_port, web_port = free_port(), free_port()
        env |= postgres.env | {
            "DAGSTER_HOME": str(home),
            "FLOE_CODE_HOST": "127.0.0.1",
            "FLOE_CODE_PORT": str(code_port),
        }
        workspace = ["-w", str(RECIPE / "workspace.yaml")]
        code_server = Service(
            "code-server",
            ["bash", str(RECIPE / "code-server.sh")],
            logs / "code-server.log",
            env | {"FLOE_ARTIFACTS": str(bundle), "FLOE_PROJECT_ROOT": str(code)},
            home,  # not the code: relative paths must not depend on it
        )
        webserver = Service(
            "webserver",
            [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", str(web_port), *workspace],
            logs / "webserver.log", env, home,
        )  # fmt: skip
        daemon = Service(
            "daemon", [str(BIN / "dagster-daemon"), "run", *workspace], logs / "daemon.log",
            env, home,
        )  # fmt: skip
        services += [code_server.start(), webserver.start(), daemon.start()]
        url = f"http://127.0.0.1:{web_port}"
        wait_for(lambda: _wait_http(url, webserver), "the webserver", STARTUP_SECONDS)
        deployment = Deployment(
            url, code, bundle, home, env, daemon, code_server, logs, time.time()
        )

        def loaded() -> bool:
            if not code_server.alive():
                raise AssertionError(f"code server exited:\n{code_server.log.read_text()}")
            deployment.reload_location()
            (entry,) = deployment.locations()
            return entry["locationOrLoadError"]["__typename"] == "RepositoryLocation"

        wait_for(loaded, "the code location to load", STARTUP_SECONDS, code_server.log)
        yield deployment
    finally:
        for service in reversed(services):
            service.stop()
        postgres.stop()
        shutil.rmtree(postgres.folder, ignore_errors=True)
        print(f"\nlogs of the deployment: {logs}")
