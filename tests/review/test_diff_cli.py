"""`floe diff BASE HEAD` on artifacts on disk: every kind of side, every format, exit codes."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.results import Result
from tests.review.payloads import artifact, asset, text

NOW = "2026-12-01T10:00:00"


def bundle(root: Path, *payloads: dict[str, Any]) -> Path:
    for payload in payloads:
        folder = root / payload["environment"]
        folder.mkdir(parents=True)
        (folder / "compiled_artifacts.json").write_text(text(payload), encoding="utf-8")
    return root


def test_bundle_roots(floe: Callable[..., Result], tmp_path: Path) -> None:
    base = bundle(tmp_path / "base", artifact("dev"), artifact("prod", schedules={"s": {}}))
    head = bundle(
        tmp_path / "head",
        artifact("dev"),
        artifact("prod", schedules={"s": {"enabled": True, "cron_schedule": "15 6 * * *"}}),
    )
    result = floe("diff", str(base), str(head), "--now", NOW)
    assert result.code == 0, result.text
    assert result.out.splitlines() == [
        "dev: no changes",
        "prod: changed",
        "  ! schedule s: STOPPED -> RUNNING",
        "  ~ schedule s",
        "      cron_schedule: 0 6 * * * -> 15 6 * * *",
        "      enabled: false -> true",
        "  next ticks of s (UTC, RUNNING): 2026-12-02 06:15 UTC, 2026-12-03 06:15 UTC, "
        "2026-12-04 06:15 UTC",
    ]
    assert floe("diff", str(base), str(head), "--exit-code").code == 1
    assert floe("diff", str(base), str(base), "--exit-code").code == 0
    report = floe("diff", str(base), str(head), "--format", "json", "--now", NOW).json()
    assert report["changed_envs"] == ["prod"]
    markdown = floe("diff", str(base), str(head), "--format", "markdown", "--now", NOW).out
    assert "- **<code>prod</code>** · schedule: 1 changed · ⚠️ schedule <code>s</code>" in markdown


def test_one_bundle_one_artifact_and_a_missing_side(
    floe: Callable[..., Result], tmp_path: Path
) -> None:
    base = bundle(tmp_path / "base", artifact("prod"))
    head = bundle(tmp_path / "head", artifact("prod", assets=[asset("orders")]))
    file = head / "prod" / "compiled_artifacts.json"
    result = floe("diff", str(base / "prod"), str(file), "--format", "json")
    assert result.code == 0, result.text
    (change,) = [
        c for c in result.json()["environments"]["prod"]["changes"] if c["kind"] == "asset"
    ]
    assert (change["name"], change["action"]) == ("revenue", "removed")
    first = floe("diff", str(tmp_path / "nothing"), str(head), "--format", "json")
    assert first.code == 0 and "compared as no floe.yaml" in first.err
    assert first.json()["environments"]["prod"]["state"] == "added"


def test_tampered_or_foreign_artifacts_are_refused(
    floe: Callable[..., Result], tmp_path: Path
) -> None:
    head = bundle(tmp_path / "head", artifact("prod"))
    file = head / "prod" / "compiled_artifacts.json"
    file.write_text(file.read_text().replace('"orders"', '"ordres"'), encoding="utf-8")
    result = floe("diff", str(tmp_path / "none"), str(file))
    assert result.code == 1 and "checksum mismatch" in result.err
    payload = artifact("prod")
    payload["schema_version"] = "2.0"
    file.write_text(json.dumps(payload), encoding="utf-8")
    result = floe("diff", str(tmp_path / "none"), str(file))
    assert result.code == 1 and "schema version 2.0 is not supported" in result.err
    file.write_text(json.dumps(artifact("prod"), indent=4), encoding="utf-8")
    assert floe("diff", str(tmp_path / "none"), str(file)).code == 0  # another layout, same seal
    empty = tmp_path / "empty"
    empty.mkdir()
    result = floe("diff", str(empty), str(head))
    assert result.code == 1 and "no compiled_artifacts.json" in result.err


@pytest.mark.parametrize(
    ("reshape", "field"),
    [
        (
            lambda p: p["asset_graph"]["assets"][0].update(deps={"a": 1}),
            "asset_graph.assets[0].deps",
        ),
        (lambda p: p["orchestration"].update(schedules=["s"]), "orchestration.schedules"),
        (lambda p: p["jobs"]["daily"].update(assets=None), "the assets of job 'daily'"),
        (lambda p: p.update(asset_graph=[]), "asset_graph.assets"),
    ],
)
def test_a_sealed_but_misshapen_artifact_is_refused_naming_the_field(
    floe: Callable[..., Result],
    tmp_path: Path,
    reshape: Callable[[dict[str, Any]], None],
    field: str,
) -> None:
    """A payload sealed by hand (checksum valid, shape not floe's) gets one line that names the
    file and the field, and exit 1; no traceback."""
    payload = artifact("prod", assets=[asset("orders")])
    reshape(payload)
    file = tmp_path / "compiled_artifacts.json"
    file.write_text(text(payload), encoding="utf-8")
    result = floe("diff", str(tmp_path / "none"), str(file))
    assert result.code == 1, result.text
    assert (
        f"{file}: the checksum is valid but {field} is not shaped as floe writes it" in result.err
    )
    assert "recompile it with `floe compile`" in result.err
    assert "Traceback" not in result.text
