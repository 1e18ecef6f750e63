"""`floe backfill run NAME -f definitions.py`: the backfill's job runs from the project's own
Dagster definitions, so the resources they pass (here a real DuckDB database) are used; from the
artifact alone a required resource is a named error with the fix (exit 1), never a crash."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.helpers.results import Result

FLOE_YAML = """
name: ledger
version: "1"
orchestration:
  asset_modules: [ledger.assets]
  partitions:
    daily: {type: time_window, start: "2024-01-01", cron_schedule: "0 0 * * *", timezone: UTC}
  assets:
    orders: {partitions: daily}
  jobs:
    orders_job: {type: batch, selection: ["key:orders"]}
  backfills:
    first_week: {job: orders_job, partition_range: {start: "2024-01-01", end: "2024-01-07"},
                 batch_size: 1}
"""

RESOURCES = """
import dagster as dg
import duckdb


class DuckDBResource(dg.ConfigurableResource):
    database: str

    def connect(self) -> duckdb.DuckDBPyConnection:
        return duckdb.connect(self.database)
"""

ASSETS = """
import dagster as dg

from ledger.resources import DuckDBResource


@dg.asset
def orders(context: dg.AssetExecutionContext, database: DuckDBResource) -> None:
    with database.connect() as con:
        con.execute("create table if not exists orders (day varchar)")
        con.execute("insert into orders values (?)", [context.partition_key])
"""

DEFINITIONS = """
from floe_runtime import FloeDefinitions
from ledger.resources import DuckDBResource

defs = FloeDefinitions.from_compiled_artifacts(
    resources={"database": DuckDBResource(database="warehouse.duckdb")}
)
"""

WEEK = [f"2024-01-0{day}" for day in range(1, 8)]


@pytest.fixture
def ledger(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, floe: Callable[..., Result]) -> Path:
    """A project whose asset needs a `database` resource, compiled by the real `floe compile`."""
    (tmp_path / "ledger").mkdir()
    (tmp_path / "ledger" / "__init__.py").write_text("")
    (tmp_path / "ledger" / "resources.py").write_text(textwrap.dedent(RESOURCES))
    (tmp_path / "ledger" / "assets.py").write_text(textwrap.dedent(ASSETS))
    (tmp_path / "definitions.py").write_text(textwrap.dedent(DEFINITIONS))
    (tmp_path / "floe.yaml").write_text(textwrap.dedent(FLOE_YAML).lstrip())
    (tmp_path / "environments").mkdir()
    (tmp_path / "environments" / "prod.env").write_text("")
    monkeypatch.setenv("FLOE_PROJECT_ROOT", str(tmp_path))
    monkeypatch.syspath_prepend(str(tmp_path))
    for module in ("ledger", "ledger.assets", "ledger.resources", "definitions"):
        monkeypatch.delitem(sys.modules, module, raising=False)
    compiled = floe("compile", "floe.yaml", "--env", "prod", "--out", "dist/floe", cwd=tmp_path)
    assert compiled.code == 0, compiled.err
    return tmp_path


def test_backfill_runs_with_the_resources_of_the_code_location(
    ledger: Path, floe: Callable[..., Result]
) -> None:
    home = ledger / "dagster_home"
    result = floe(
        "backfill", "run", "first_week", "--env", "prod", "--dagster-home", str(home),
        "-f", "definitions.py",
    )  # fmt: skip
    assert result.code == 0, result.err
    assert "done (7 runs, 7 partitions)" in result.out
    with duckdb.connect(str(ledger / "warehouse.duckdb")) as con:
        rows = [day for (day,) in con.execute("select day from orders order by day").fetchall()]
    assert rows == WEEK  # every partition once, written through the project's resource
    with dg.DagsterInstance.from_config(str(home)) as instance:
        records = instance.fetch_materializations(dg.AssetKey("orders"), limit=100).records
    assert sorted(record.partition_key for record in records) == WEEK


def test_a_module_and_attribute_name_the_code_location_as_for_dagster(
    ledger: Path, floe: Callable[..., Result]
) -> None:
    result = floe(
        "backfill", "run", "first_week", "--env", "prod", "--dagster-home",
        str(ledger / "dagster_home"), "-m", "definitions", "-a", "defs", "-d", str(ledger),
    )  # fmt: skip
    assert result.code == 0, result.err
    with duckdb.connect(str(ledger / "warehouse.duckdb")) as con:
        assert con.execute("select count(*) from orders").fetchone() == (7,)


def test_a_resource_nobody_provides_is_named_with_the_fix(
    ledger: Path, floe: Callable[..., Result]
) -> None:
    home = str(ledger / "dagster_home")
    alone = floe("backfill", "run", "first_week", "--env", "prod", "--dagster-home", home)
    assert alone.code == 1, alone.err
    assert "requires resource 'database', which is not provided" in alone.err
    assert "floe backfill run NAME -f definitions.py" in alone.err
    assert "internal error" not in alone.err
    (ledger / "bare.py").write_text(
        "from floe_runtime import FloeDefinitions\n"
        "defs = FloeDefinitions.from_compiled_artifacts()\n"
    )
    bare = floe("backfill", "run", "first_week", "--env", "prod", "--dagster-home", home,
                "-f", "bare.py")  # fmt: skip
    assert bare.code == 1, bare.err
    assert "requires resource 'database', which is not provided by bare.py" in bare.err
    assert "resources={'database': ...}" in bare.err
    assert not (ledger / "warehouse.duckdb").exists()


def test_a_code_location_that_does_not_load_is_named(
    ledger: Path, floe: Callable[..., Result]
) -> None:
    home = str(ledger / "dagster_home")
    (ledger / "broken.py").write_text("import ledger.nowhere\n")
    broken = floe("backfill", "run", "first_week", "--env", "prod", "--dagster-home", home,
                  "-f", "broken.py")  # fmt: skip
    assert broken.code == 1, broken.err
    assert "cannot load the Dagster code location broken.py" in broken.err
    assert "ledger.nowhere" in broken.err
    missing = floe("backfill", "run", "first_week", "--env", "prod", "--dagster-home", home,
                   "-f", "nope.py")  # fmt: skip
    assert missing.code == 1 and "nope.py: no such Python file" in missing.err
    (ledger / "empty_job.py").write_text(
        "import dagster as dg\n\n@dg.asset\ndef orders() -> None: ...\n\n"
        "defs = dg.Definitions(assets=[orders])\n"
    )
    wrong = floe("backfill", "run", "first_week", "--env", "prod", "--dagster-home", home,
                 "-f", "empty_job.py")  # fmt: skip
    assert wrong.code == 1, wrong.err
    assert "the loaded definitions have no job 'orders_job'" in wrong.err
