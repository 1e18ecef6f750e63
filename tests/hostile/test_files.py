"""Every file floe opens is bounded: regular files only, size counted while reading; every file
it writes is written atomically and never through a symlink."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from tests.hostile.cli import MINIMAL, floe, write

DBT = MINIMAL + "  dbt: {project_dir: dbt, manifest_path: %s}\n"


def test_floe_yaml_symlinked_to_dev_zero_fails_fast(tmp_path: Path) -> None:
    (tmp_path / "floe.yaml").symlink_to("/dev/zero")
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "floe.yaml: error: floe.yaml is a device; floe reads only regular files" in ran.out


def test_floe_yaml_that_is_a_fifo_does_not_hang(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "floe.yaml")
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "floe.yaml is a named pipe (FIFO); floe reads only regular files" in ran.out


def test_floe_yaml_over_the_limit_is_refused_while_reading(tmp_path: Path) -> None:
    (tmp_path / "floe.yaml").write_text("# pad\n" * 1_000_000)
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "floe.yaml is larger than 5 MiB, the most floe reads" in ran.out


@pytest.mark.parametrize("target", ["/dev/zero", "fifo", "folder"])
def test_manifest_path_that_is_not_a_regular_file(tmp_path: Path, target: str) -> None:
    if target == "fifo":
        os.mkfifo(tmp_path / "fifo")
    elif target == "folder":
        (tmp_path / "folder").mkdir()
    write(tmp_path, {"floe.yaml": DBT % target})
    ran = floe("compile", "--out", "out", cwd=tmp_path, limit=5, codes=(1,))
    kind = {"/dev/zero": "a device", "fifo": "a named pipe (FIFO)", "folder": "a directory"}
    assert f"the dbt manifest is {kind[target]}; floe reads only regular files" in ran.out
    assert not (tmp_path / "out").exists()


def test_env_file_that_is_a_fifo_is_not_an_environment(tmp_path: Path) -> None:
    write(tmp_path, {"floe.yaml": MINIMAL, "environments/dev.env": "X=1\n"})
    os.mkfifo(tmp_path / "environments" / "qa.env")
    ran = floe("validate", "--env", "qa", cwd=tmp_path, limit=5, codes=(1,))
    assert "unknown environment 'qa' (known environments: 'dev')" in ran.out


def test_env_file_with_a_newline_in_its_name_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"floe.yaml": MINIMAL, "environments/qa\n.env": "X=1\n"})
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "'qa\\n.env' does not name an environment; rename it to <env>.env" in ran.err
    assert "\n.env" not in ran.text


def test_env_file_with_a_byte_order_mark_works(tmp_path: Path) -> None:
    write(tmp_path, {"floe.yaml": MINIMAL.replace('"1"', '"${V}"')})
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "dev.env").write_bytes(b"\xef\xbb\xbfV=7\n")
    ran = floe("validate", "--env", "dev", cwd=tmp_path, limit=5, codes=(0,))
    assert "hostile 7:" in ran.out


def test_unreadable_environments_folder_is_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A folder floe cannot list is not "no environments". Root may list any folder, so when
    the suite runs as root (this container) the refusal is simulated in-process by making
    os.scandir fail with EACCES; as any other user (CI) the folder really is chmod 000."""
    write(tmp_path, {"floe.yaml": MINIMAL, "environments/dev.env": "X=1\n"})
    folder = tmp_path / "environments"
    if os.geteuid() != 0:
        folder.chmod(0o000)
        try:
            err = floe("validate", cwd=tmp_path, codes=(1,)).err
        finally:
            folder.chmod(0o755)
    else:
        from floe_runtime.cli.main import run
        from floe_runtime.spec import environments

        def denied(path: object) -> object:
            raise PermissionError(13, "Permission denied", str(path))

        monkeypatch.setattr(environments.os, "scandir", denied)
        monkeypatch.chdir(tmp_path)
        assert run(["validate"]) == 1
        err = capsys.readouterr().err
    assert "environments: cannot list the environments: Permission denied" in err


def test_out_that_is_a_file_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path, {"floe.yaml": MINIMAL, "out": "not a folder\n"})
    ran = floe("compile", "--out", "out", cwd=tmp_path, codes=(1,))
    assert "floe: out: the output folder is a file; choose another --out" in ran.err


def test_unwritable_out_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path, {"floe.yaml": MINIMAL})
    ran = floe("compile", "--out", "/proc/floe-out", cwd=tmp_path, codes=(1,))
    assert "floe: /proc/floe-out: cannot create the output folder" in ran.err


def test_symlinked_out_folder_is_never_written_through(tmp_path: Path) -> None:
    write(tmp_path, {"floe.yaml": MINIMAL})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").symlink_to(elsewhere)
    ran = floe("compile", "--out", "out", cwd=tmp_path, codes=(1,))
    assert "the output folder is a symlink; floe never writes through a symlink" in ran.err
    assert list(elsewhere.iterdir()) == []


def test_symlinked_environment_folder_is_never_written_through(tmp_path: Path) -> None:
    write(tmp_path, {"floe.yaml": MINIMAL})
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "default").symlink_to(elsewhere)
    ran = floe("compile", "--out", "out", cwd=tmp_path, codes=(1,))
    assert "out/default: the output folder is a symlink" in ran.err
    assert list(elsewhere.iterdir()) == []


@pytest.mark.parametrize("name", ["compiled_artifacts.json", "manifest.json"])
def test_symlinked_bundle_file_is_neither_written_nor_deleted_through(
    tmp_path: Path, name: str
) -> None:
    """An artifact is never written through a symlink; a stale manifest.json (this project has
    no dbt, so floe removes it) is never deleted through one."""
    write(tmp_path, {"floe.yaml": MINIMAL})
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me\n")
    (tmp_path / "out" / "default").mkdir(parents=True)
    (tmp_path / "out" / "default" / name).symlink_to(victim)
    ran = floe("compile", "--out", "out", cwd=tmp_path, codes=(1,))
    assert f"out/default/{name}: is a symlink; floe never writes or deletes through one" in (
        ran.err
    )
    assert victim.read_text() == "keep me\n"


def test_temp_file_left_by_a_killed_write_is_removed(tmp_path: Path) -> None:
    """A write killed with SIGKILL leaves `.<name>.floe-<pid>.tmp`; the next write into the
    folder removes it once that process is gone (a live process's temp file is kept)."""
    write(tmp_path, {"floe.yaml": MINIMAL})
    folder = tmp_path / "out" / "default"
    folder.mkdir(parents=True)
    stale = folder / f".compiled_artifacts.json.floe-{2**22 + 1}.tmp"  # above any pid_max
    stale.write_text("half")
    alive = folder / f".compiled_artifacts.json.floe-{os.getpid()}.tmp"
    alive.write_text("in flight")
    floe("compile", "--out", "out", cwd=tmp_path, codes=(0,))
    names = sorted(p.name for p in folder.iterdir())
    assert names == [alive.name, "compiled_artifacts.json"]
    json.loads((folder / "compiled_artifacts.json").read_text())


def test_artifact_that_is_a_device_is_refused(tmp_path: Path) -> None:
    ran = floe("list", "jobs", "--artifact", "/dev/zero", cwd=tmp_path, limit=5, codes=(1,))
    assert "/dev/zero: the artifact is a device; floe reads only regular files" in ran.err
