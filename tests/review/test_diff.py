"""The pure diff: what a reviewer is told changes, per environment, and what is not a change."""

from __future__ import annotations

from datetime import datetime, timezone

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.review.diff import diff
from tests.review.payloads import artifact, asset

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)


def test_payloads_are_real_artifacts() -> None:
    CompiledArtifact.model_validate(artifact(schedules={"s": {}}, ops={"vacuum": {"days": 3}}))


def test_identical_sides_change_nothing() -> None:
    side = {"prod": artifact(), "dev": artifact("dev")}
    result = diff(base=side, head=side, now=NOW)
    assert not result.changed and result.changed_environments == []
    assert [e.state for e in result.environments] == ["unchanged", "unchanged"]


def test_provenance_is_not_a_change() -> None:
    """Source sha and lines, checksum, floe version, asset origins and pattern lines differ."""
    base = artifact()
    head = artifact()
    head["floe_version"] = "9.9.9"
    head["source"] = {"path": "floe.yaml", "sha256": "f" * 64}
    head["checksum"] = "sha256:" + "e" * 64
    head["variables"] = {"X": {"source": "cli", "value": "1"}}
    for a in head["asset_graph"]["assets"]:
        a["origin"] = "dbt:models/moved/elsewhere.sql"
        a["configured_by"] = [{"line": 99, "pattern": "*"}]
    assert not diff(base={"prod": base}, head={"prod": head}, now=NOW).changed


def test_field_level_changes_and_status_and_ticks() -> None:
    base = artifact(schedules={"daily_bronze": {}})
    head = artifact(
        schedules={
            "daily_bronze": {
                "cron_schedule": "0 6 * * *",
                "timezone": "Europe/Berlin",
                "enabled": True,
            }
        }
    )
    (env,) = diff(base={"prod": base}, head={"prod": head}, now=NOW).environments
    (change,) = env.changes
    assert (change.kind, change.name, change.action) == ("schedule", "daily_bronze", "changed")
    assert [(f.field, f.old, f.new) for f in change.fields] == [
        ("enabled", False, True),
        ("timezone", "UTC", "Europe/Berlin"),
    ]
    (status,) = env.statuses
    assert (status.name, status.old, status.new) == ("daily_bronze", "STOPPED", "RUNNING")
    (ticks,) = env.ticks
    assert ticks.ticks == ("2026-12-02 06:00 CET", "2026-12-03 06:00 CET", "2026-12-04 06:00 CET")


def test_job_asset_lists_and_asset_changes() -> None:
    base = artifact(assets=[asset("a"), asset("b", ["a"])], jobs={"gold": ["a", "b"]})
    head = artifact(
        assets=[asset("a"), asset("c", ["a"]), asset("d", ["c"]), asset("b", ["a", "d"])],
        jobs={"gold": ["a", "b", "c", "d"], "new_job": ["c"]},
    )
    (env,) = diff(base={"prod": base}, head={"prod": head}, now=NOW).environments
    gold, new_job = env.job_assets
    assert (gold.job, gold.old, gold.new, gold.added, gold.removed) == (
        "gold",
        2,
        4,
        ("c", "d"),
        (),
    )
    assert (new_job.old, new_job.new, new_job.added) == (0, 1, ("c",))
    by_name = {(c.kind, c.name): c for c in env.changes}
    assert by_name["asset", "c"].action == "added"
    assert by_name["job", "new_job"].action == "added"
    b = by_name["asset", "b"]
    assert [(f.field, f.old, f.new) for f in b.fields] == [("deps", ["a"], ["a", "d"])]
    assert ("c", "d") in env.graph.deps and ("gold", "d") in env.graph.jobs


def test_first_pr_and_removed_environment() -> None:
    result = diff(base={}, head={"prod": artifact(schedules={"s": {"enabled": True}})}, now=NOW)
    (env,) = result.environments
    assert env.state == "added" and result.changed_environments == ["prod"]
    assert {c.action for c in env.changes} == {"added"}
    assert [(s.old, s.new) for s in env.statuses] == [("absent", "RUNNING")]
    gone = diff(base={"qa": artifact("qa")}, head={}, now=NOW).environments[0]
    assert gone.state == "removed" and {c.action for c in gone.changes} == {"removed"}


def test_secret_looking_values_are_hidden() -> None:
    """An argument named like a credential, or a literal token anywhere, never reaches output."""
    token = "ghp_" + "a" * 36
    base = artifact(ops={"sync": {"api_key": "old-value", "note": "x"}})
    head = artifact(ops={"sync": {"api_key": "new-value", "note": token}})
    result = diff(base={"prod": base}, head={"prod": head}, now=NOW)
    dumped = str(result.as_json())
    assert "new-value" not in dumped and "old-value" not in dumped and token not in dumped
    (change,) = result.environments[0].changes
    assert [(f.field, f.new) for f in change.fields] == [("args.note", "(hidden: a GitHub token)")]
