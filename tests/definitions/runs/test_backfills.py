"""`floe backfill run`: batches of batch_size partitions, one real Dagster run each, resumable
without redoing finished batches — after a failure and after a real Ctrl-C / SIGTERM."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import dagster as dg
import pytest

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.definitions import backfills
from floe_runtime.definitions.errors import BackfillError
from tests.definitions.runs.conftest import definitions
from tests.helpers.paths import REPO
from tests.helpers.results import Result

Compile = Callable[[str], CompiledArtifact]


def _ranges(first: date, days: int, size: int) -> list[str]:
    out = []
    for start in range(0, days, size):
        a, b = first + timedelta(start), first + timedelta(min(start + size, days) - 1)
        out.append(f"{a}...{b}")
    return out


BATCHES = _ranges(date(2024, 1, 1), 120, 10)


def _runs(instance: dg.DagsterInstance, name: str) -> list[dg.DagsterRun]:
    return list(reversed(instance.get_runs(dg.RunsFilter(tags={"floe/backfill": name}))))


def test_120_partitions_run_in_runs_of_batch_size(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    log: list[str] = []
    defs, _ = definitions(mini("prod"), tmp_path, log=log)
    plan = backfills.prepare(defs, mini("prod"), "raw_120", instance=instance)
    assert (plan.partitions, plan.total, plan.finished) == (120, 12, 0)
    seen: list[int] = []
    assert backfills.execute(plan, instance=instance, report=lambda p: seen.append(p.batch))
    assert seen == list(range(1, 13))
    assert [line.split(":", 1)[1] for line in log if line.startswith("raw_a:")] == BATCHES
    runs = _runs(instance, "raw_120")
    assert [r.status for r in runs] == [dg.DagsterRunStatus.SUCCESS] * 12
    assert runs[0].tags["dagster/asset_partition_range_start"] == "2024-01-01"
    assert runs[0].tags["dagster/asset_partition_range_end"] == "2024-01-10"
    assert runs[-1].tags["floe/backfill_batch"] == "12/12"
    materialized = instance.get_materialized_partitions(dg.AssetKey("raw_b"))
    assert len(materialized) == 120 and min(materialized) == "2024-01-01"
    assert max(materialized) == "2024-04-29"
    # complete: the progress is cleared, so running it again starts over
    assert backfills.prepare(defs, mini("prod"), "raw_120", instance=instance).finished == 0


def test_a_failed_batch_stops_and_the_rerun_resumes_after_the_finished_ones(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    artifact = mini("prod")
    first: list[str] = []
    failing, _ = definitions(artifact, tmp_path, log=first, fail={"2024-02-15"})
    plan = backfills.prepare(failing, artifact, "raw_120", instance=instance)
    with pytest.raises(BackfillError, match=r"batch 5/12 \(2024-02-10 … 2024-02-19\) failed"):
        backfills.execute(plan, instance=instance)
    assert [line.split(":", 1)[1] for line in first if line.startswith("raw_a")] == BATCHES[:4]

    second: list[str] = []
    fixed, _ = definitions(artifact, tmp_path, log=second)
    resumed = backfills.prepare(fixed, artifact, "raw_120", instance=instance)
    assert (resumed.finished, len(resumed.pending)) == (4, 8)
    over = backfills.prepare(fixed, artifact, "raw_120", instance=instance, restart=True)
    assert (over.finished, len(over.pending)) == (0, 12)  # --restart forgets the attempt
    assert backfills.execute(resumed, instance=instance)
    assert [line.split(":", 1)[1] for line in second if line.startswith("raw_a")] == BATCHES[4:]


def test_multi_partitions_batch_along_time_and_policy_limits_are_enforced(
    mini: Compile, tmp_path: Path, instance: dg.DagsterInstance
) -> None:
    artifact = mini("prod")
    log: list[str] = []
    defs, _ = definitions(artifact, tmp_path, log=log)
    plan = backfills.prepare(defs, artifact, "geo_week", instance=instance)
    assert (plan.partitions, plan.total) == (14, 3)
    assert backfills.execute(plan, instance=instance)
    assert log == [
        "geo:2024-01-01|us...2024-01-03|eu",
        "geo:2024-01-04|us...2024-01-06|eu",
        "geo:2024-01-07|us...2024-01-07|eu",
    ]
    assert len(instance.get_materialized_partitions(dg.AssetKey("geo"))) == 14

    narrow, _ = definitions(artifact, tmp_path, per_run=5)
    with pytest.raises(BackfillError, match="asset 'raw_a' takes at most 5 per run"):
        backfills.prepare(narrow, artifact, "raw_120", instance=instance)
    with pytest.raises(BackfillError, match=r"no backfill named 'nope'.*raw_120"):
        backfills.prepare(defs, artifact, "nope", instance=instance)


def test_command_line_mistakes_are_named(
    mini: Compile, floe: Callable[..., Result], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mini("prod")
    monkeypatch.delenv("DAGSTER_HOME", raising=False)
    no_home = floe("backfill", "run", "raw_120", "--env", "prod")
    assert no_home.code == 2 and "set DAGSTER_HOME" in no_home.err
    home = str(tmp_path / "home")
    unknown = floe("backfill", "run", "nope", "--env", "prod", "--dagster-home", home)
    assert unknown.code == 1
    assert "no backfill named 'nope' in the prod artifact (declared: geo_week, raw_120)" in (
        unknown.err
    )
    no_bundle = floe("backfill", "run", "raw_120", "--env", "staging", "--dagster-home", home)
    assert no_bundle.code == 1 and "dist/floe/staging/compiled_artifacts.json" in no_bundle.err
    bad_url = floe("backfill", "launch", "raw_120", "--url", "file:///etc/passwd", "--env", "prod")
    assert bad_url.code == 1 and "--url must be an http(s) URL" in bad_url.err


SCRIPT = """
import sys, time
import dagster as dg
from floe_runtime.cli.backfill import run_backfill

DAILY = dg.DailyPartitionsDefinition(start_date="2024-01-01")
LOG = sys.argv[3]

def body(context) -> None:
    time.sleep(0.4)
    keys = context.partition_keys
    with open(LOG, "a") as out:
        out.write(f"{context.asset_key.to_user_string()}:{keys[0]}...{keys[-1]}\\n")

policy = dg.BackfillPolicy.multi_run(10)
raw_a = dg.asset(name="raw_a", partitions_def=DAILY, backfill_policy=policy)(body)
raw_b = dg.asset(name="raw_b", partitions_def=DAILY, backfill_policy=policy)(body)
job = dg.define_asset_job("raw_refresh", selection=[raw_a, raw_b])
defs = dg.Definitions(assets=[raw_a, raw_b], jobs=[job])
sys.exit(run_backfill("raw_120", dg_path := __import__("pathlib").Path(sys.argv[1]),
                      __import__("pathlib").Path(sys.argv[2]), False, load=lambda _: defs))
"""


def _start(tmp_path: Path, artifact: Path, home: Path, log: Path) -> subprocess.Popen[str]:
    script = tmp_path / "backfill_script.py"
    script.write_text(textwrap.dedent(SCRIPT))
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, str(script), str(artifact), str(home), str(log)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_lines(log: Path, count: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and process.poll() is None:
        if log.exists() and len(log.read_text().splitlines()) >= count:
            return
        time.sleep(0.05)
    process.kill()
    _, err = process.communicate(timeout=30)
    raise AssertionError(f"the backfill did not reach {count} materializations:\n{err[-3000:]}")


def _materialized(home: Path) -> dict[tuple[str, str], int]:
    """(asset, partition) → how many materializations the instance's event log holds."""
    counts: dict[tuple[str, str], int] = {}
    with dg.DagsterInstance.from_config(str(home)) as instance:
        for key in (dg.AssetKey("raw_a"), dg.AssetKey("raw_b")):
            records = instance.fetch_materializations(key, limit=10_000).records
            for record in records:
                partition = record.partition_key
                assert partition is not None
                pair = (key.to_user_string(), partition)
                counts[pair] = counts.get(pair, 0) + 1
    return counts


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_interrupted_backfill_resumes_materializing_each_partition_once(
    mini: Compile, tmp_path: Path, sig: signal.Signals
) -> None:
    mini("prod")
    artifact = tmp_path / "dist" / "floe" / "prod"
    home = tmp_path / "dagster_home"
    first_log, second_log = tmp_path / "first.log", tmp_path / "second.log"
    process = _start(tmp_path, artifact, home, first_log)
    try:
        # two batches of two assets, and raw_a of the third: the signal lands inside batch 3
        _wait_for_lines(first_log, 5, process)
        process.send_signal(sig)
        _, err = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130, err
    assert "interrupted; finished batches are kept" in err
    before = _materialized(home)
    assert 4 * 10 <= len(before) < 2 * 120  # batches 1-2 and part of batch 3 were written
    state = json.loads((home / "floe" / "backfills" / "raw_120.json").read_text())
    finished = [b for b in BATCHES if b[:10] in {key[:10] for key in state["done"]}]

    process = _start(tmp_path, artifact, home, second_log)
    out, err = process.communicate(timeout=300)
    assert process.returncode == 0, err
    assert "resuming after" in err
    assert "done (12 runs, 120 partitions)" in out
    assert "batch 12/12 done (2024-04-20 … 2024-04-29, run " in err
    rerun = [line.split(":", 1)[1] for line in second_log.read_text().splitlines()]
    assert not set(rerun) & set(finished)  # no finished batch ran again
    after = _materialized(home)
    # every (asset, partition) of the 120 days materialized exactly once over both runs, the
    # pairs the interrupted run had written included
    assert len(after) == 2 * 120
    assert {count for count in after.values()} == {1}, {k: c for k, c in after.items() if c > 1}
    assert not (home / "floe" / "backfills" / "raw_120.json").exists()
