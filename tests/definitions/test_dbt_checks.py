"""A job runs exactly the dbt tests Dagster counts among its checks (real dbt-duckdb, real Dagster,
a fresh warehouse).

``tests/fixtures/jaffle_checks_dbt``: a ``relationships`` test attached to ``customers`` points at
``orders``, and a singular test reads both. dbt's default eager indirect selection runs both with
a job that builds only ``orders``; they read ``customers``, which that job never built, so on a
fresh warehouse the job failed although Dagster listed neither among its checks.
"""

from __future__ import annotations

import shutil
import textwrap
import warnings
from pathlib import Path

import dagster as dg
import pytest

from floe_runtime.cli.main import run
from floe_runtime.definitions.loader import FloeDefinitions
from tests.helpers.paths import FIXTURES

FLOE_YAML = """
name: checks
version: "1"
orchestration:
  asset_modules: []
  dbt: {project_dir: dbt, profiles_dir: dbt}
  jobs:
    orders_job: {type: batch, selection: ["+key:orders"]}
    everything: {type: batch, selection: ["*"]}
"""


@pytest.fixture(scope="module")
def definitions(tmp_path_factory: pytest.TempPathFactory) -> tuple[dg.Definitions, Path]:
    root = tmp_path_factory.mktemp("checks")
    shutil.copytree(FIXTURES / "jaffle_checks_dbt", root / "dbt")
    (root / "floe.yaml").write_text(textwrap.dedent(FLOE_YAML).lstrip())
    (root / "environments").mkdir()
    (root / "environments" / "dev.env").write_text("")
    code = run(
        ["compile", str(root / "floe.yaml"), "--env", "dev", "--out", str(root / "dist"),
         "--dbt-parse"]
    )  # fmt: skip
    assert code == 0
    defs = FloeDefinitions.from_compiled_artifacts(root / "dist" / "dev", project_root=root)
    return defs, root


@pytest.mark.parametrize("name", ["orders_job", "everything"])
def test_a_job_runs_exactly_its_checks_on_a_fresh_warehouse(
    definitions: tuple[dg.Definitions, Path], name: str
) -> None:
    defs, root = definitions
    for database in (root / "dbt").glob("*.duckdb"):
        database.unlink()  # fresh: nothing the job does not build exists
    job = defs.resolve_job_def(name)
    listed = job.asset_layer.asset_graph.get_check_keys_for_assets(
        job.asset_layer.selected_asset_keys
    )
    with dg.instance_for_test() as instance, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = job.execute_in_process(instance=instance, raise_on_error=False)
    failures = [e.step_failure_data.error for e in result.all_events if e.is_step_failure]
    assert result.success, failures
    ran = {
        event.asset_check_evaluation_data.asset_check_key
        for event in result.all_events
        if event.event_type_value == "ASSET_CHECK_EVALUATION"
    }
    assert ran == listed
    names = {key.to_user_string() for key in ran}
    if name == "orders_job":
        assert names == {"orders:not_null_orders_order_id", "orders:unique_orders_order_id"}
    else:  # the relationships test is customers' check: it runs when customers is built
        assert "customers:relationships_customers_last_order_id__order_id__ref_orders_" in names
