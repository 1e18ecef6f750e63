"""Valid fixtures round-trip through the model; shape-invalid ones fail where they say.

The same fixtures run through the real check-jsonschema with schemas/floe.schema.json: the
schema editors use and floe agree on what is acceptable.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from floe_runtime.spec.load import SpecOptions, load_spec, validate
from floe_runtime.spec.models import FloeProject
from tests.helpers.paths import FIXTURES, REPO

VALID = sorted((FIXTURES / "valid").glob("*.yaml"))
SHAPE_INVALID = sorted((FIXTURES / "shape_invalid").glob("*.yaml"))
DEMO = REPO / "demo" / "shop" / "floe.yaml"
EXPECT = re.compile(r"^# expect: (\d+):(\d+) (.+)$")


def _literal(value: Any) -> Any:
    """Data dumped back to YAML must not be interpolated again: escape ``${``."""
    if isinstance(value, dict):
        return {k: _literal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_literal(v) for v in value]
    return value.replace("${", "$${") if isinstance(value, str) else value


def _load(path: Path) -> FloeProject:
    spec = load_spec(SpecOptions(path=path, display=path.name), environment="default")
    assert spec.ok, [d.message for d in spec.diagnostics]
    assert spec.project is not None
    return spec.project


@pytest.mark.parametrize("path", VALID, ids=[p.stem for p in VALID])
def test_valid_fixture_round_trips(path: Path, tmp_path: Path) -> None:
    project = _load(path)
    for dumped in (
        project.model_dump(mode="json"),
        project.model_dump(mode="json", exclude_defaults=True),
    ):
        again = tmp_path / "again.yaml"
        again.write_text(yaml.safe_dump(_literal(dumped), sort_keys=False), encoding="utf-8")
        assert _load(again) == project


def test_every_entity_has_a_valid_fixture() -> None:
    declared: dict[str, set[str]] = {}
    for path in VALID:
        orchestration = _load(path).orchestration
        for entity in ("partitions", "jobs", "sensors"):
            for item in getattr(orchestration, entity).values():
                declared.setdefault(entity, set()).add(item.type)
        for entity in ("assets", "schedules", "backfills"):
            if getattr(orchestration, entity):
                declared.setdefault(entity, set()).add("any")
        if orchestration.dbt is not None:
            declared.setdefault("dbt", set()).add("any")
    assert declared == {
        "partitions": {"time_window", "static", "multi", "dynamic"},
        "jobs": {"batch", "ops"},
        "sensors": {"file_watcher", "asset_sensor", "run_status", "custom"},
        "assets": {"any"},
        "schedules": {"any"},
        "backfills": {"any"},
        "dbt": {"any"},
    }


def test_interpolated_values_are_typed_by_their_field() -> None:
    project = _load(FIXTURES / "valid" / "interpolation.yaml")
    schedule = project.orchestration.schedules["morning"]
    assert schedule.enabled is False
    assert schedule.cron_schedule == "0 6 * * *"
    assert schedule.description == "Costs ${DOLLARS} — literal"
    assert project.orchestration.backfills["again"].batch_size == 5
    assert project.orchestration.jobs["vacuum"].args == {"days": 30}  # type: ignore[union-attr]


@pytest.mark.parametrize("path", SHAPE_INVALID, ids=[p.stem for p in SHAPE_INVALID])
def test_shape_invalid_fixture_fails_where_it_says(path: Path) -> None:
    match = EXPECT.match(path.read_text(encoding="utf-8").splitlines()[0])
    assert match, "first line must be '# expect: LINE:COL message'"
    line, col, message = int(match[1]), int(match[2]), match[3]
    diagnostics, project = validate(SpecOptions(path=path, display=path.name))
    assert project is None
    found = [(d.position.line, d.position.col, d.message) for d in diagnostics if d.position]
    assert [(ln, c, m[: len(message)]) for ln, c, m in found] == [(line, col, message)], found


def _check_jsonschema(files: list[Path]) -> set[str]:
    """Files the real check-jsonschema rejects against schemas/floe.schema.json."""
    exe = shutil.which("check-jsonschema", path=str(Path(sys.executable).parent))
    assert exe, "check-jsonschema must be installed (dev extra)"
    proc = subprocess.run(
        [
            exe,
            "-o",
            "JSON",
            "--schemafile",
            str(REPO / "schemas" / "floe.schema.json"),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    report = json.loads(proc.stdout)
    assert not report["parse_errors"], report["parse_errors"]
    return {Path(e["filename"]).name for e in report["errors"]}


def test_check_jsonschema_agrees_with_floe() -> None:
    files = [*VALID, *SHAPE_INVALID, DEMO]
    rejected_by_schema = _check_jsonschema(files)
    rejected_by_floe = {
        path.name
        for path in files
        if validate(SpecOptions(path=path, display=path.name))[1] is None
    }
    assert rejected_by_schema == rejected_by_floe == {p.name for p in SHAPE_INVALID}
