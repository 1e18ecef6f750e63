"""Fixtures every test may use: a fresh process environment and floe cache, the real CLI entry
point in-process, a project written to a temp folder, and the demo's `dbt parse` once per session.
What tests import by name is in ``tests/helpers/``."""

from __future__ import annotations

import os
import shutil
import textwrap
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest

from floe_runtime.cli.main import run
from floe_runtime.ports.dbt_manifest import load_manifest
from tests.helpers.dbt import Parsed, run_dbt_parses
from tests.helpers.paths import DEMO_DBT
from tests.helpers.results import Result


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
