"""Every schedule, sensor, automation and backfill of the demo in a real deployment (see
conftest.py): driven and observed through the webserver's GraphQL, as the UI does.

The tests run in order on one deployment (one xdist group): each phase starts from what the
previous one left. Each prints the runs, ticks and cursors it saw.
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from typing import Any

import duckdb
import pytest

from tests.daemon.conftest import BIN, POLL_SECONDS, Deployment, Run
from tests.daemon.services import wait_for

pytestmark = [pytest.mark.daemon, pytest.mark.xdist_group("daemon")]

BRONZE = ("bronze_customers", "bronze_orders", "bronze_payments")
EAGER = ("stg_customers", "stg_orders", "stg_payments")
RUN_SECONDS = 240


def show(title: str, lines: list[str]) -> None:
    print(f"\n== {title}")
    for line in lines:
        print(f"   {line}")


def tick_lines(ticks: list[dict[str, Any]]) -> list[str]:
    return [
        f"{datetime.fromtimestamp(t['timestamp'], timezone.utc):%H:%M:%S} {t['status']:<8} "
        f"runs={[r[:8] for r in t['runIds']]} cursor={(t['cursor'] or '')[:70]!r} "
        f"{(t['skipReason'] or (t['error'] or {}).get('message') or '')[:90]}"
        for t in ticks
    ]


def latest_day() -> str:
    """The last complete daily partition (UTC), what a `latest` schedule or sensor asks for."""
    return (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")


def by(runs: list[Run], key: str, value: str) -> list[Run]:
    return [r for r in runs if r.tags.get(key) == value]


def roots(runs: list[Run]) -> list[Run]:
    """Runs that are not retries of another run."""
    return [r for r in runs if "dagster/parent_run_id" not in r.tags]


@contextmanager
def running(deployment: Deployment, *sensors: str) -> Iterator[None]:
    """The sensors started through GraphQL, and stopped again whatever happens."""
    for name in sensors:
        deployment.start_sensor(name)
    try:
        yield
    finally:
        for name in sensors:
            deployment.stop_sensor(name)


def wait_ticks(deployment: Deployment, names: list[str], after: float, count: int = 2) -> None:
    """Each sensor has evaluated ``count`` more times since ``after``."""
    wait_for(
        lambda: all(len(deployment.ticks(n, after)) >= count for n in names),
        f"{count} ticks of {', '.join(names)}",
        POLL_SECONDS * count * 6 + 60,
        deployment.logs / "daemon.log",
    )


def test_the_code_location_serves_the_prod_bundle(deployment: Deployment) -> None:
    (entry,) = deployment.locations()
    assert entry["locationOrLoadError"]["__typename"] == "RepositoryLocation"
    schedule = deployment.schedule("daily_bronze")
    show(
        "daily_bronze",
        [json.dumps({k: schedule[k] for k in ("cronSchedule", "executionTimezone")})],
    )
    assert schedule["cronSchedule"] == "* * * * *"  # the test's prod.env
    assert schedule["scheduleState"]["status"] == "RUNNING"  # SCHEDULES_ENABLED=true in prod
    assert deployment.sensor("floe_automation")["status"] == "RUNNING"
    assert deployment.sensor("files")["status"] == "STOPPED"  # sensors are off by default


def test_the_schedule_fires_and_its_run_succeeds(deployment: Deployment) -> None:
    def fired() -> list[Run]:
        runs = by(deployment.runs(), "dagster/schedule_name", "daily_bronze")
        return [r for r in runs if r.status in ("SUCCESS", "FAILURE")]

    try:
        done = wait_for(
            fired, "a run of daily_bronze", 90 + RUN_SECONDS, deployment.logs / "daemon.log"
        )
    finally:  # every minute otherwise, whatever happened: the later phases expect it stopped
        deployment.stop_schedule("daily_bronze")
    state = deployment.schedule("daily_bronze")["scheduleState"]
    show("daily_bronze ticks", tick_lines(sorted(state["ticks"], key=lambda t: t["timestamp"])))
    show("daily_bronze runs", [r.line() for r in done])
    first = done[0]
    assert first.status == "SUCCESS"
    assert first.job == "bronze_refresh"
    assert first.tags["dagster/partition"] == latest_day()
    assert state["status"] == "STOPPED"


def test_the_automation_sensor_materializes_the_eager_assets(deployment: Deployment) -> None:
    """Dagster's eager condition, on a fresh deployment: each stg_* day waits for its inputs.
    stg_orders and stg_payments fire once the schedule wrote their bronze day; stg_customers
    also reads the seed country_codes, which nothing has built yet (eager does not fire for
    what was missing when the sensor first evaluated), so it fires once a run builds the seed."""

    def automated(assets: set[str]) -> Callable[[], set[str] | None]:
        def check() -> set[str] | None:
            runs = by(deployment.runs(), "dagster/sensor_name", "floe_automation")
            done = {r.run_id for r in runs if r.status == "SUCCESS"}
            found = {
                asset
                for asset in assets
                if any(e["runId"] in done for e in _materializations(deployment, asset))
            }
            return found if found == assets else None

        return check

    try:
        wait_for(automated({"stg_orders", "stg_payments"}), "floe_automation on stg_orders", 180)
        assert not automated({"stg_customers"})()  # the seed is missing: eager waits
        seed = deployment.materialize("country_codes")
        wait_for(
            lambda: [r for r in deployment.runs() if r.run_id == seed and r.status == "SUCCESS"],
            "the seed's run",
            RUN_SECONDS,
            deployment.logs / "daemon.log",
        )
        wait_for(automated({"stg_customers"}), "floe_automation on stg_customers", 180)
    finally:
        ticks = deployment.ticks("floe_automation")
        show("floe_automation ticks (last 8)", tick_lines(ticks[-8:]))
        deployment.stop_sensor("floe_automation")
        show(
            "floe_automation runs",
            [r.line() for r in by(deployment.runs(), "dagster/sensor_name", "floe_automation")],
        )


def test_file_watcher_and_custom_sensor_fire_once_per_trigger_across_a_restart(
    deployment: Deployment,
) -> None:
    deployment.settled()
    incoming = deployment.shop / "incoming"
    incoming.mkdir(exist_ok=True)
    with running(deployment, "files", "custom"):
        (incoming / "orders_1.csv").write_text("id\n1\n")
        (deployment.shop / "ready.flag").write_text("")  # floe.yaml's folder, as the file watcher

        def requested(sensor: str) -> list[Run]:
            return by(deployment.runs(), "dagster/sensor_name", sensor)

        wait_for(lambda: requested("files") and requested("custom"), "both sensors to fire", 120)
        deployment.settled()
        before = {s: requested(s) for s in ("files", "custom")}
        cursors = {s: deployment.sensor(s)["typeSpecificData"]["lastCursor"] for s in before}
        stopped = deployment.restart_daemon()
        wait_ticks(deployment, ["files", "custom"], stopped, count=3)
        after = {s: requested(s) for s in before}
        cursors_after = {s: deployment.sensor(s)["typeSpecificData"]["lastCursor"] for s in before}
        for sensor in before:
            show(f"{sensor} ticks", tick_lines(deployment.ticks(sensor)))
        show("cursors before / after the daemon restart", [f"{cursors} / {cursors_after}"])

        assert [len(before["files"]), len(before["custom"])] == [1, 1]
        assert after == before  # the same file and the same flag never fire twice
        assert cursors_after == cursors  # the cursors survived the restart
        assert "orders_1.csv" in json.loads(cursors["files"])
        assert before["files"][0].tags["floe/file"] == "orders_1.csv"

        # A new trigger after the restart fires once: a rewritten file, a flag that comes back.
        later = time.time()
        mtime = (incoming / "orders_1.csv").stat().st_mtime_ns + 10**9
        os.utime(incoming / "orders_1.csv", ns=(mtime, mtime))
        (deployment.shop / "ready.flag").unlink()
        wait_ticks(deployment, ["custom"], later, count=1)
        (deployment.shop / "ready.flag").write_text("")
        wait_for(
            lambda: len(requested("files")) > 1 and len(requested("custom")) > 1,
            "both sensors to fire again",
            120,
        )
        settled = deployment.settled()
        wait_ticks(deployment, ["files", "custom"], time.time(), count=2)
        show(
            "file and custom sensor runs",
            [r.line() for r in settled if r.tags.get("dagster/sensor_name") in before],
        )
        assert [len(requested("files")), len(requested("custom"))] == [2, 2]
        assert all(r.status == "SUCCESS" for s in before for r in requested(s))


def test_asset_sensor_fires_once_and_a_failed_run_alerts_once(deployment: Deployment) -> None:
    """The bronze runs above are new materializations for the asset sensor: it runs the gold
    pipeline once, which fails (another process holds the warehouse's DuckDB file, which one
    process at a time may write), is retried once (dagster.yaml) and alerts once."""
    deployment.settled()

    def gold() -> list[Run]:
        return by(deployment.runs(), "dagster/sensor_name", "gold_on_bronze")

    with (
        duckdb.connect(str(deployment.shop / "dbt" / "shop_prod.duckdb")),
        running(deployment, "gold_on_bronze", "alert"),
    ):
        wait_for(gold, "the asset sensor to fire", 180)
        deployment.settled()
        wait_for(lambda: by(deployment.runs(), "dagster/sensor_name", "alert"), "alert", 120)
        deployment.settled()
        stopped = deployment.restart_daemon()
        wait_ticks(deployment, ["gold_on_bronze", "alert"], stopped, count=3)
        everything = deployment.settled()
        for sensor in ("gold_on_bronze", "alert"):
            show(f"{sensor} ticks", tick_lines(deployment.ticks(sensor)))
            show(
                f"{sensor} cursor",
                [str(deployment.sensor(sensor)["typeSpecificData"]["lastCursor"])[:300]],
            )
        gold_runs = [r for r in everything if r.job == "gold_pipeline"]
        alerts = by(everything, "dagster/sensor_name", "alert")
        show("gold_pipeline runs and alerts", [r.line() for r in gold_runs + alerts])

        assert len(roots(gold())) == 1  # once, and not again after the daemon restart
        assert gold_runs and all(r.status == "FAILURE" for r in gold_runs)
        assert len(alerts) == 1  # one alert per root run, however often it was retried
        assert alerts[0].status == "SUCCESS"
        assert alerts[0].tags["floe/watched_run"] in {r.run_id for r in gold_runs}
        assert alerts[0].job == "notify"


def test_backfill_launch_completes_in_the_policys_batches(deployment: Deployment) -> None:
    deployment.settled()
    launched = subprocess.run(
        [str(BIN / "floe"), "backfill", "launch", "bronze_first_week", "--url", deployment.url,
         "--artifacts", str(deployment.bundle)],
        cwd=deployment.home, env=deployment.env, capture_output=True, text=True, timeout=120,
        check=False,
    )  # fmt: skip
    assert launched.returncode == 0, launched.stderr
    backfill_id = launched.stdout.strip().splitlines()[-1].split()[-1]

    def status() -> str | None:
        data = deployment.graphql(
            """query($id: String!) { partitionBackfillOrError(backfillId: $id) {
                ... on PartitionBackfill { status } ... on PythonError { message } } }""",
            {"id": backfill_id},
        )["partitionBackfillOrError"]
        done = data.get("status") in (
            "COMPLETED",
            "COMPLETED_SUCCESS",
            "COMPLETED_FAILED",
            "FAILED",
        )
        return data.get("status") if done else None

    final = wait_for(
        status, "the backfill to complete", 3 * RUN_SECONDS, deployment.logs / "daemon.log"
    )
    runs = deployment.runs(tags=[{"key": "dagster/backfill", "value": backfill_id}])
    show(f"backfill {backfill_id}: {final}", [launched.stderr.strip(), *(r.line() for r in runs)])
    week = [f"2024-01-0{d}" for d in range(1, 8)]
    counts = {
        asset: sorted(e["partition"] for e in _materializations(deployment, asset, week))
        for asset in BRONZE
    }
    show("bronze materializations of 2024-01-01..07", [f"{a}: {p}" for a, p in counts.items()])

    assert final in ("COMPLETED", "COMPLETED_SUCCESS")
    ranges = sorted(
        (r.tags["dagster/asset_partition_range_start"], r.tags["dagster/asset_partition_range_end"])
        if "dagster/asset_partition_range_start" in r.tags
        else (r.tags["dagster/partition"],) * 2
        for r in roots(runs)  # a retry (run_retries) runs its root's batch again
    )
    assert ranges == [("2024-01-01", "2024-01-04"), ("2024-01-05", "2024-01-07")]  # 4 per run
    last = {r.root: r for r in runs}  # oldest first: each batch's last attempt
    assert all(r.status == "SUCCESS" for r in last.values()), "a batch failed every attempt"
    assert counts == {asset: week for asset in BRONZE}  # each partition exactly once


def test_a_location_that_fails_to_load_shows_floes_line_in_the_ui(deployment: Deployment) -> None:
    """Code changed after the bundle was compiled: `floe doctor` (which imports nothing)
    passes, the load refuses the drift, and the UI shows floe's message, not "could not
    reach user code server". Restarting the code server is what serves new code."""
    deployment.settled()
    bronze = deployment.shop / "assets" / "bronze.py"
    bronze.write_text(bronze.read_text().replace("def bronze_payments(", "def bronze_payment("))
    deployment.code_server.stop()
    deployment.code_server.start()

    def load_error() -> list[str] | None:
        """The error the UI shows for the location: its message and the exceptions under it."""
        try:
            deployment.reload_location()
            (entry,) = deployment.locations()
        except OSError:
            return None
        error = entry["locationOrLoadError"] or {}
        if error.get("__typename") != "PythonError":
            return None
        shown = [error["message"], *(cause["message"] for cause in error["causes"])]
        if any("DagsterUserCodeUnreachableError" in line for line in shown):
            return None  # the restarted code server is not listening yet
        return shown

    shown = wait_for(load_error, "the location's load error", STARTUP, deployment.code_server.log)
    lines = [line for message in shown for line in message.splitlines() if line.strip()]  # type: ignore[attr-defined]
    show("the location's error in the UI", lines[:6])
    assert "floe doctor: OK" in deployment.code_server.log.read_text()
    floe_line = [line for line in lines if "does not match the artifact" in line]
    assert floe_line and "recompile with `floe compile`" in floe_line[0]


STARTUP = 180


def _materializations(
    deployment: Deployment, asset: str, partitions: list[str] | None = None
) -> list[dict[str, Any]]:
    data = deployment.graphql(
        """query($key: AssetKeyInput!, $partitions: [String!]) { assetOrError(assetKey: $key) {
            ... on Asset { assetMaterializations(partitions: $partitions, limit: 1000) {
                partition runId } } } }""",
        {"key": {"path": [asset]}, "partitions": partitions},
    )["assetOrError"]
    return data.get("assetMaterializations", [])  # type: ignore[no-any-return]
