"""`floe list`: what an environment will run, with timezones, next ticks and resolved counts."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.compile.test_compile import BASE, acme
from tests.helpers.results import Result

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
    result = floe("list", *args, "--format", "json", "--now", NOW)
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
    # The end (2025-01-01) is still in the future: as in Dagster, keys stop at "now".
    assert rows["daily"]["keys"] == 89
    assert (rows["daily"]["first"], rows["daily"]["last"]) == ("2024-01-01", "2024-03-29")
    assert rows["regions"]["keys"] == 2


def test_open_ended_partitions_count_up_to_now(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT.replace(', end: "2025-01-01"', ""))
    rows = {r["name"]: r for r in _rows(floe, "partitions", str(path))}
    assert rows["daily"]["keys"] == 89  # complete days before "now"
    assert rows["daily"]["last"] == "2024-03-29"


def test_backfills_with_partition_and_run_counts(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT)
    (row,) = _rows(floe, "backfills", str(path))
    assert row["partition_count"] == 89  # January to March 29: the partitions that exist now
    assert row["runs"] == 9


def test_an_end_in_the_past_caps_the_keys_and_a_negative_offset_drops_windows(
    tmp_path: Path, floe: Floe
) -> None:
    text = PROJECT.replace('end: "2025-01-01"', 'end: "2024-02-01", end_offset: -2')
    text = text.replace('end: "2024-03-31"}', 'end: "2024-01-31"}')
    path = acme(tmp_path, text)
    rows = {r["name"]: r for r in _rows(floe, "partitions", str(path))}
    assert (rows["daily"]["keys"], rows["daily"]["last"]) == (31, "2024-01-31")
    path = acme(tmp_path, PROJECT.replace('end: "2025-01-01"', "end_offset: -2"))
    rows = {r["name"]: r for r in _rows(floe, "partitions", str(path))}
    assert (rows["daily"]["keys"], rows["daily"]["last"]) == (87, "2024-03-27")


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


def test_the_hidden_json_flag_prints_the_bytes_of_format_json(tmp_path: Path, floe: Floe) -> None:
    """``--json`` (before ``--format``) still works for one release, and is not in the help."""
    path = acme(tmp_path, PROJECT)
    for kind in ("assets", "schedules"):
        old = floe("list", kind, str(path), "--json", "--now", NOW)
        new = floe("list", kind, str(path), "--format", "json", "--now", NOW)
        assert old.code == new.code == 0, old.text + new.text
        assert (old.out, old.err) == (new.out, new.err)
        assert json.loads(new.out)
    text = floe("list", "assets", str(path), "--format", "text", "--now", NOW)
    assert text.out == floe("list", "assets", str(path), "--now", NOW).out
    shown = floe("list", "--help").out
    assert "--format [text|json]" in shown and "--json" not in shown


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
    assert (row["partitions"], row["partition_count"], row["runs"]) == ("by_region", 178, 18)


# --- times Dagster's own iterators cannot reach, and artifacts from elsewhere -----------------


def _reseal(path: Path, cron: str) -> None:
    """Rewrite every cron of an artifact and seal it again: a valid checksum, a bad cron."""
    from floe_runtime.artifact.store import sealed

    payload = json.loads(path.read_text())
    payload.pop("checksum")
    for entry in [*payload["orchestration"]["schedules"].values()]:
        entry["cron_schedule"] = cron
    for entry in payload["orchestration"]["partitions"].values():
        if entry["type"] == "time_window":
            entry["cron_schedule"] = cron
    payload["checksum"], text = sealed(payload)
    path.write_text(text)


@pytest.mark.parametrize(
    ("cron", "message"),
    [
        ("0 0 31 4 *", "'0 0 31 4 *' matches no date within 50 years"),
        ("61 * * * *", "minute field: 61 is out of range 0-59"),
    ],
)
def test_a_resealed_artifact_with_a_bad_cron_is_an_error(
    tmp_path: Path, floe: Floe, cron: str, message: str
) -> None:
    path = acme(tmp_path, PROJECT)
    assert floe("compile", str(path), "--out", str(tmp_path / "out")).code == 0
    artifact = tmp_path / "out" / "dev" / "compiled_artifacts.json"
    _reseal(artifact, cron)
    for kind, owner in (("schedules", "schedule 'nightly'"), ("partitions", "partitions 'daily'")):
        result = floe("list", kind, "--artifact", str(artifact), "--now", NOW)
        assert result.code == 1, result.text
        assert result.err.startswith(f"floe: {owner}: ") and message in result.err


def test_never_firing_crons_and_the_ends_of_the_calendar(tmp_path: Path, floe: Floe) -> None:
    never = PROJECT.replace('"0 2 * * *"', '"0 0 31 4 *"')
    result = floe("list", "schedules", str(acme(tmp_path, never)), "--now", NOW)
    assert (result.code, result.err) == (
        1,
        "floe: schedule 'nightly': '0 0 31 4 *' matches no date within 50 years\n",
    )
    result = floe("list", "schedules", str(acme(tmp_path, PROJECT)), "--now", "9999-12-31T23:00:00")
    assert result.code == 1
    assert "schedule 'nightly': cron '0 2 * * *' has no ticks after 9999-12-31T23:00:00" in (
        result.err
    )
    year_one = PROJECT.replace('start: "2024-01-01", end: "2025-01-01"', 'start: "0001-01-01"')
    result = floe("list", "partitions", str(acme(tmp_path, year_one)), "--now", NOW)
    assert result.code == 1
    assert "partition windows from 0001-01-01" in result.text
    assert "outside the years Python can represent" in result.text


def test_an_artifact_of_another_environment_is_refused(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, PROJECT, {"dev": "", "prod": ""})
    assert floe("compile", str(path), "--all-envs", "--out", str(tmp_path / "out")).code == 0
    artifact = tmp_path / "out" / "dev" / "compiled_artifacts.json"
    result = floe("list", "jobs", "--artifact", str(artifact), "--env", "prod")
    assert result.code == 1
    assert "was compiled for environment 'dev', not 'prod'" in result.err
    assert floe("list", "jobs", "--artifact", str(artifact), "--env", "dev").code == 0


def test_a_huge_multi_partition_is_counted_not_listed(tmp_path: Path, floe: Floe) -> None:
    """Ten years hourly by 1,000 keys: 87 million keys, counted by arithmetic."""
    keys = ", ".join(f"k{i}" for i in range(1000))
    text = PROJECT.replace(
        "    regions: {type: static, partition_keys: [us, eu]}",
        "    regions: {type: static, partition_keys: [us, eu]}\n"
        '    hourly: {type: time_window, start: "2014-03-30-12:00", cron_schedule: "0 * * * *"}\n'
        f"    many: {{type: static, partition_keys: [{keys}]}}\n"
        "    huge: {type: multi, partitions: {hour: hourly, item: many}}",
    )
    rows = {r["name"]: r for r in _rows(floe, "partitions", str(acme(tmp_path, text)))}
    hours = 10 * 365 * 24 + 3 * 24  # ten years, three of them leap days (2016, 2020, 2024)
    assert rows["huge"]["keys"] == hours * 1000
    assert (rows["huge"]["first"], rows["huge"]["last"]) == (
        "2014-03-30-12:00|k0",
        "2024-03-30-11:00|k999",
    )
