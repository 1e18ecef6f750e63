"""`floe list`: what an environment will run, with timezones, next ticks and resolved counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from tests.compile.test_compile import BASE, acme
from tests.conftest import Result

Floe = Callable[..., Result]
NOW = "2024-03-30T12:00:00+00:00"  # the night Europe/Berlin springs forward

PROJECT = BASE.replace(
    '    nightly: {job: raw, cron_schedule: "0 2 * * *", enabled: "${ON:false}"}',
    '    nightly: {job: raw, cron_schedule: "0 2 * * *", enabled: "${ON:false}",\n'
    "              timezone: Europe/Berlin}",
) + (
    "  sensors:\n"
    "    s: {type: asset_sensor, job: gold, watched_assets: [revenue], enabled: true}\n"
    "  backfills:\n"
    '    q1: {job: raw, partition_range: {start: "2024-01-01", end: "2024-03-31"},'
    " batch_size: 10}\n"
)


def _rows(floe: Floe, *args: str) -> list[dict[str, object]]:
    result = floe("list", *args, "--json", "--now", NOW)
    assert result.code == 0, result.text
    return json.loads(result.out)  # type: ignore[no-any-return]


def test_schedules_show_timezone_status_per_environment_and_next_ticks(
    tmp_path: Path, floe: Floe
) -> None:
    path = acme(tmp_path, PROJECT, {"dev": "", "prod": "ON=true\n"})
    (dev,) = _rows(floe, "schedules", str(path), "--env", "dev")
    (prod,) = _rows(floe, "schedules", str(path), "--env", "prod")
    assert dev["status"] == "STOPPED" and prod["status"] == "RUNNING"
    assert prod["timezone"] == "Europe/Berlin"
    assert prod["assets"] == 2
    # 02:00 does not exist in Berlin on 2024-03-31: Dagster runs at 03:00 CEST that day.
    assert prod["next_ticks"] == [
        "2024-03-31T03:00:00+02:00",
        "2024-04-01T02:00:00+02:00",
        "2024-04-02T02:00:00+02:00",
    ]


def test_jobs_with_resolved_asset_counts(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT)
    rows = {r["name"]: r for r in _rows(floe, "jobs", str(path))}
    assert rows["raw"] == {
        "name": "raw",
        "type": "batch",
        "assets": 2,
        "partitions": "daily",
        "target": "group:bronze",
    }
    assert rows["gold"]["assets"] == 4
    assert rows["vacuum"]["target"] == "acme.ops.vacuum"


def test_partitions_with_key_counts(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT)
    rows = {r["name"]: r for r in _rows(floe, "partitions", str(path))}
    assert rows["daily"]["keys"] == 366  # 2024 is a leap year; the end is exclusive
    assert (rows["daily"]["first"], rows["daily"]["last"]) == ("2024-01-01", "2024-12-31")
    assert rows["regions"]["keys"] == 2


def test_open_ended_partitions_count_up_to_now(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT.replace(', end: "2025-01-01"', ""))
    rows = {r["name"]: r for r in _rows(floe, "partitions", str(path))}
    assert rows["daily"]["keys"] == 89  # complete days before "now"
    assert rows["daily"]["last"] == "2024-03-29"


def test_backfills_with_partition_and_run_counts(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT)
    (row,) = _rows(floe, "backfills", str(path))
    assert row["partition_count"] == 91  # January to March 2024, both ends included
    assert row["runs"] == 10


def test_listing_from_an_artifact_matches_floe_yaml(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT)
    assert floe("compile", str(path), "--out", str(tmp_path / "out")).code == 0
    artifact = tmp_path / "out" / "dev" / "compiled_artifacts.json"
    for kind in ("assets", "jobs", "schedules", "sensors", "partitions", "backfills"):
        assert _rows(floe, kind, "--artifact", str(artifact)) == _rows(floe, kind, str(path))


def test_text_table(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT)
    result = floe("list", "sensors", str(path), "--now", NOW)
    assert result.out.splitlines() == [
        "NAME  TYPE          JOB   INTERVAL_SECONDS  STATUS   WATCHES",
        "s     asset_sensor  gold  30                RUNNING  revenue",
    ]


def test_a_tampered_artifact_is_refused(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT)
    assert floe("compile", str(path), "--out", str(tmp_path / "out")).code == 0
    artifact = tmp_path / "out" / "dev" / "compiled_artifacts.json"
    artifact.write_text(artifact.read_text().replace('"batch_size": 10', '"batch_size": 1'))
    result = floe("list", "backfills", "--artifact", str(artifact))
    assert result.code == 1
    assert "checksum mismatch" in result.err


def test_backfill_over_multi_partitions_runs_along_the_time_dimension(
    tmp_path: Path, floe: Floe
) -> None:
    text = PROJECT.replace(
        "    regions: {type: static, partition_keys: [us, eu]}",
        "    regions: {type: static, partition_keys: [us, eu]}\n"
        "    by_region: {type: multi, partitions: {date: daily, region: regions}}",
    ).replace('"raw_*": {partitions: daily}', '"raw_*": {partitions: by_region}')
    path = acme(tmp_path, text)
    (row,) = _rows(floe, "backfills", str(path))
    assert (row["partitions"], row["partition_count"], row["runs"]) == ("by_region", 182, 19)
