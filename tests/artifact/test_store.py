"""Sealing, writing and reading the artifact: deterministic bytes, a checksum that catches any
edit, atomic writes, and refusals that say what to do."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.artifact import store
from floe_runtime.artifact.errors import ArtifactError
from floe_runtime.base import files
from tests.compile.test_compile import BASE, acme


@pytest.fixture(scope="module")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from floe_runtime.cli.main import run

    root = tmp_path_factory.mktemp("artifact")
    path = acme(root, BASE)
    assert run(["compile", str(path), "--out", str(root / "dist")]) == 0
    return root / "dist" / "dev" / "compiled_artifacts.json"


def test_sealing_is_deterministic_and_independent_of_key_order(compiled: Path) -> None:
    payload = json.loads(compiled.read_text())
    checksum, text = store.sealed(payload)
    assert checksum == payload["checksum"]
    assert text == compiled.read_text()
    reordered = dict(reversed(list(payload.items())))
    reordered["orchestration"] = dict(reversed(list(payload["orchestration"].items())))
    reordered["jobs"] = {
        name: dict(reversed(list(job.items()))) for name, job in reversed(payload["jobs"].items())
    }
    assert store.sealed(reordered) == (checksum, text)


def test_any_edit_changes_the_checksum(compiled: Path) -> None:
    payload = json.loads(compiled.read_text())
    edited = {**payload, "environment": "prod"}
    assert store.sealed(edited)[0] != payload["checksum"]


def test_read_refuses_an_edited_artifact(compiled: Path, tmp_path: Path) -> None:
    edited = tmp_path / "compiled_artifacts.json"
    edited.write_text(
        compiled.read_text().replace('"environment": "dev"', '"environment": "prod"', 1)
    )
    with pytest.raises(
        ArtifactError, match=r"checksum mismatch .* recompile it with `floe compile`"
    ):
        store.read(edited)


def test_read_refuses_an_unknown_major_version(compiled: Path, tmp_path: Path) -> None:
    payload = json.loads(compiled.read_text())
    payload["schema_version"] = "2.0"
    payload["checksum"], text = store.sealed(payload)
    future = tmp_path / "compiled_artifacts.json"
    future.write_text(text)
    with pytest.raises(
        ArtifactError, match=r"schema version 2.0 is not supported by this floe \(reads 1.x\)"
    ):
        store.read(future)


def _resealed(payload: dict[str, Any], path: Path) -> Path:
    payload["checksum"], text = store.sealed(payload)
    path.write_text(text)
    return path


def test_a_1_0_artifact_without_the_1_1_fields_still_loads(compiled: Path, tmp_path: Path) -> None:
    """1.1 only added fields, each with its 1.0 meaning as default: a runtime upgraded before
    its artifacts were recompiled keeps loading them."""
    payload = json.loads(compiled.read_text())
    payload["schema_version"] = "1.0"
    orchestration = payload["orchestration"]
    for job in orchestration["jobs"].values():
        for new in ("tags", "run_tags", "config", "executor"):
            job.pop(new, None)
    for entity in [*orchestration["schedules"].values(), *orchestration["sensors"].values()]:
        entity.pop("run_config", None)
        entity.pop("tags", None)
        entity.pop("every_attempt", None)  # 1.2
    if orchestration["dbt"] is not None:
        orchestration["dbt"].pop("translation")
        orchestration["dbt"].pop("op_name")
    artifact = store.read(_resealed(payload, tmp_path / "compiled_artifacts.json"))
    assert artifact.schema_version == "1.0"
    assert all(job.tags == {} for job in artifact.orchestration.jobs.values())


def test_a_newer_minor_with_unknown_fields_says_which_floe_to_use(
    compiled: Path, tmp_path: Path
) -> None:
    payload = json.loads(compiled.read_text())
    payload["schema_version"] = "1.9"
    payload["orchestration"]["a_field_from_the_future"] = True
    with pytest.raises(ArtifactError, match=r"1.9 is newer than this floe reads \(1.2\)"):
        store.read(_resealed(payload, tmp_path / "compiled_artifacts.json"))


def test_read_returns_the_typed_artifact(compiled: Path) -> None:
    artifact = store.read(compiled)
    assert artifact.environment == "dev"
    assert artifact.jobs and all(job.type in ("batch", "ops") for job in artifact.jobs.values())


def test_write_atomic_replaces_whole_files_and_leaves_no_temp(tmp_path: Path) -> None:
    target = tmp_path / "out" / "compiled_artifacts.json"
    files.write_atomic(target, b"first")
    files.write_atomic(target, b"second")
    assert target.read_bytes() == b"second"
    assert [p.name for p in target.parent.iterdir()] == ["compiled_artifacts.json"]


def test_write_atomic_leaves_a_file_that_already_holds_the_content(tmp_path: Path) -> None:
    """A recompile that changes nothing keeps the file (same inode, same mtime), so watchers
    such as `dagster dev` are not woken; a change of one byte replaces it."""
    target = tmp_path / "out" / "manifest.json"
    files.write_atomic(target, b"same bytes")
    os.utime(target, ns=(1_000_000_000, 1_000_000_000))
    before = target.stat()
    files.write_atomic(target, b"same bytes")
    after = target.stat()
    assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, 1_000_000_000)
    files.write_atomic(target, b"same byteS")
    assert target.read_bytes() == b"same byteS" and target.stat().st_ino != before.st_ino


def test_the_cli_reports_a_refused_artifact_as_exit_1(
    compiled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from floe_runtime.cli.main import run

    edited = tmp_path / "compiled_artifacts.json"
    edited.write_text(
        compiled.read_text().replace('"environment": "dev"', '"environment": "prod"', 1)
    )
    assert run(["list", "jobs", "--artifact", str(edited)]) == 1
    assert "checksum mismatch" in capsys.readouterr().err
    assert run(["list", "jobs", "--artifact", str(compiled)]) == 0
