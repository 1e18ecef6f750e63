"""`floe backfill run` end to end through the runtime loader
(`FloeDefinitions.from_compiled_artifacts`): the project's own assets, partitions attached by
floe.yaml, 12 runs of 10 partitions recorded in DAGSTER_HOME.

Needs the runtime loader (`floe_runtime.FloeDefinitions`).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import dagster as dg

from floe_runtime.artifact.schema import CompiledArtifact
from tests.helpers.results import Result

RANGE_AWARE_ASSETS = """
import dagster as dg


def _log(context) -> None:
    keys = context.partition_keys
    with open("materialized.log", "a") as out:
        out.write(f"{context.asset_key.to_user_string()}:{keys[0]}...{keys[-1]}\\n")


@dg.asset
def raw_a(context) -> None:
    _log(context)


@dg.asset
def raw_b(context) -> None:
    _log(context)


@dg.asset(deps=["raw_a", "raw_b"])
def report() -> None: ...


@dg.asset
def geo() -> None: ...


@dg.asset(deps=["report"])
def summary() -> None: ...
"""


def test_backfill_run_loads_the_project_and_runs_batches(
    mini: Callable[[str], CompiledArtifact], floe: Callable[..., Result], tmp_path: Path
) -> None:
    (tmp_path / "mini" / "assets.py").write_text(RANGE_AWARE_ASSETS)
    mini("prod")
    home = tmp_path / "dagster_home"
    result = floe(
        "backfill",
        "run",
        "raw_120",
        "--env",
        "prod",
        "--dagster-home",
        str(home),
        env={"FLOE_PROJECT_ROOT": str(tmp_path)},
    )
    assert result.code == 0, result.err
    assert "120 partitions of job raw_refresh in 12 runs" in result.err
    assert "done (12 runs, 120 partitions)" in result.out
    logged = (tmp_path / "materialized.log").read_text().splitlines()
    assert sorted(line for line in logged if line.startswith("raw_a:"))[:2] == [
        "raw_a:2024-01-01...2024-01-10",
        "raw_a:2024-01-11...2024-01-20",
    ]
    assert len(logged) == 24
    with dg.DagsterInstance.from_config(str(home)) as instance:
        runs = instance.get_runs(dg.RunsFilter(tags={"floe/backfill": "raw_120"}))
        assert len(runs) == 12
        assert all(run.status == dg.DagsterRunStatus.SUCCESS for run in runs)
