"""One compiled copy of the demo per test session, loaded and materialized with real Dagster and
real dbt-duckdb; tests that change the project work on their own cheap copy of it."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from floe_runtime.cli.main import run
from tests.helpers.paths import REPO

DAY = "2024-01-05"


@dataclass
class Shop:
    """A copy of the repository's demo: ``root`` holds ``demo/shop`` and ``dist/floe/<env>``."""

    root: Path

    @property
    def shop(self) -> Path:
        return self.root / "demo" / "shop"

    def bundle(self, env: str = "dev") -> Path:
        return self.root / "dist" / "floe" / env

    def compile(self, *args: str) -> None:
        code = run(
            [
                "compile",
                str(self.shop / "floe.yaml"),
                "--dbt-parse",
                "--out",
                str(self.root / "dist" / "floe"),
                *(args or ("--all-envs",)),
            ]
        )
        assert code == 0

    def duckdb(self, env: str = "dev") -> Path:
        return self.shop / "dbt" / f"shop_{env}.duckdb"

    def copy(self, target: Path) -> Shop:
        shutil.copytree(
            self.root,
            target,
            ignore=shutil.ignore_patterns("*.duckdb", "*.wal", "target", "logs", "__pycache__"),
        )
        return Shop(target)


def forget_project_modules() -> None:
    """Each copy has its own ``shop`` package: drop the one imported from another copy."""
    for name in [n for n in sys.modules if n == "shop" or n.startswith("shop.")]:
        del sys.modules[name]
    sys.path[:] = [p for p in sys.path if "pytest-" not in p]


def load(shop: Shop, env: str = "dev", **kwargs: Any) -> dg.Definitions:
    from floe_runtime import FloeDefinitions

    forget_project_modules()
    return FloeDefinitions.from_compiled_artifacts(
        shop.bundle(env), project_root=shop.root, **kwargs
    )


@pytest.fixture(scope="session")
def compiled(tmp_path_factory: pytest.TempPathFactory) -> Shop:
    """The demo, copied and compiled for every environment (one real `dbt parse` each)."""
    root = tmp_path_factory.mktemp("repo")
    (root / ".git").mkdir()  # the repository root, as on a clone
    shutil.copytree(
        REPO / "demo",
        root / "demo",
        ignore=shutil.ignore_patterns("*.duckdb", "*.wal", "target", "logs", "__pycache__"),
    )
    shop = Shop(root)
    shop.compile()
    return shop


@pytest.fixture
def shop_copy(compiled: Shop, tmp_path: Path) -> Shop:
    """A private copy of the compiled demo, for tests that change it."""
    return compiled.copy(tmp_path / "repo")


@pytest.fixture(scope="session")
def defs(compiled: Shop) -> dg.Definitions:
    return load(compiled)


@pytest.fixture(scope="session")
def instance() -> Iterator[dg.DagsterInstance]:
    with dg.DagsterInstance.ephemeral() as ephemeral:
        yield ephemeral


@pytest.fixture(scope="session")
def materialized(
    compiled: Shop, defs: dg.Definitions, instance: dg.DagsterInstance
) -> dg.ExecuteInProcessResult:
    """Every asset of the demo materialized for one day, in process, with real dbt."""
    from shop.warehouse import stand_in_exchange_rates

    stand_in_exchange_rates()
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(partition_key=DAY, instance=instance)


def materializations(result: dg.ExecuteInProcessResult) -> dict[str, dg.AssetMaterialization]:
    return {
        e.asset_key.to_user_string(): e.event_specific_data.materialization  # type: ignore[union-attr]
        for e in result.get_asset_materialization_events()
        if e.asset_key is not None
    }


Query = Callable[[str], list[tuple[Any, ...]]]


@pytest.fixture
def query(compiled: Shop) -> Query:
    import duckdb

    def _query(sql: str) -> list[tuple[Any, ...]]:
        with duckdb.connect(str(compiled.duckdb())) as con:
            return con.execute(sql).fetchall()

    return _query
