"""Shared helpers: write a floe project to a temp folder, run the real CLI entry point, and
`dbt parse` the demo once per session."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.cli.main import run
from floe_runtime.ports.dbt_manifest import load_manifest

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"
DEMO_DBT = REPO / "demo" / "shop" / "dbt"


@dataclass
class Result:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err

    def json(self) -> Any:
        return json.loads(self.out)


@pytest.fixture(autouse=True)
def fresh_process_environment() -> Iterator[None]:
    """Each test sees the environment as a new process would: what a load exported from a
    bundle (``floe_runtime.base.exported``) is taken back after the test, with the record of it."""
    from floe_runtime.base.exported import EXPORTED

    environ, exported = dict(os.environ), dict(EXPORTED)
    yield
    os.environ.clear()
    os.environ.update(environ)
    EXPORTED.clear()
    EXPORTED.update(exported)


@pytest.fixture(autouse=True)
def floe_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """floe's dbt cache for this test alone (never the developer's ~/.cache/floe); child
    processes (floe, pre-commit, act, dagster) inherit it."""
    folder = tmp_path_factory.mktemp("floe-cache")
    monkeypatch.setenv("FLOE_CACHE_DIR", str(folder))
    return folder


@pytest.fixture
def floe(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> Callable[..., Result]:
    """Run `floe ...` in-process exactly as the console script does, capturing its output."""

    def _run(*args: str, cwd: Path | None = None, env: Mapping[str, str] | None = None) -> Result:
        if cwd is not None:
            monkeypatch.chdir(cwd)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        capsys.readouterr()
        code = run(list(args))
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return _run


@pytest.fixture
def project(tmp_path: Path) -> Callable[..., Path]:
    """Write floe.yaml (dedented) and optional environment files; return floe.yaml's path."""

    def _write(text: str, envs: Mapping[str, str] | None = None, name: str = "floe.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text).lstrip("\n"), encoding="utf-8")
        for env, body in (envs or {}).items():
            (tmp_path / "environments").mkdir(exist_ok=True)
            (tmp_path / "environments" / f"{env}.env").write_text(
                textwrap.dedent(body).lstrip("\n"), encoding="utf-8"
            )
        return path

    return _write


@dataclass(frozen=True)
class Parsed:
    demo: dict[str, Any]  # `dbt parse` of demo/shop/dbt itself
    copy: dict[str, Any]  # `dbt parse` of a copy in another folder, at another time
    copy_dir: Path
    copy_work: Path


def _parse_command(project_dir: Path, work: Path) -> list[str]:
    dbt = Path(sys.executable).with_name("dbt")
    return [
        str(dbt),
        "parse",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(project_dir),
        "--target-path",
        str(work / "target"),
        "--log-path",
        str(work / "logs"),
        "--quiet",
    ]


def shell_environment() -> dict[str, str]:
    """The environment of a user's fresh shell, for the services a test starts (webserver,
    ``dagster dev``, the deployment): nothing an earlier test or a bundle loaded in this worker
    exported — not floe's, dbt's or Dagster's variables, nor the ones the demo's floe.yaml reads
    (BRONZE_CRON, SCHEDULES_ENABLED, ...). The test's own floe cache is kept."""
    keep = {"PATH", "HOME", "USER", "LANG", "TMPDIR", "TZ", "FLOE_CACHE_DIR"}
    return {k: v for k, v in os.environ.items() if k in keep or k.startswith("LC_")}


def _dbt_env() -> dict[str, str]:
    # Without it dbt writes an anonymous-usage .user.yml into the profiles dir, i.e. into demo/.
    return {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}


def run_dbt_parses(jobs: list[tuple[Path, Path]]) -> None:
    """Run `dbt parse` for each (project, work dir) at once: the parses dominate the test time."""
    running = [
        subprocess.Popen(
            _parse_command(project, work),
            cwd=work,
            env=_dbt_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        for project, work in jobs
    ]
    for process in running:
        output, _ = process.communicate(timeout=300)
        assert process.returncode == 0, output


@pytest.fixture(scope="session")
def parsed(tmp_path_factory: pytest.TempPathFactory) -> Parsed:
    pytest.importorskip("dbt.version")
    before = sorted(path.name for path in DEMO_DBT.rglob("*"))
    demo_work = tmp_path_factory.mktemp("demo_parse")
    copy_dir = tmp_path_factory.mktemp("elsewhere") / "nested" / "shop_dbt"
    shutil.copytree(DEMO_DBT, copy_dir)
    copy_work = tmp_path_factory.mktemp("copy_parse")
    run_dbt_parses([(DEMO_DBT, demo_work), (copy_dir, copy_work)])
    assert sorted(path.name for path in DEMO_DBT.rglob("*")) == before, "dbt wrote into demo/"
    return Parsed(
        demo=load_manifest(demo_work / "target" / "manifest.json"),
        copy=load_manifest(copy_work / "target" / "manifest.json"),
        copy_dir=copy_dir,
        copy_work=copy_work,
    )
