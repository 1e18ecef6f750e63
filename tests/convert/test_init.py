"""`floe init` on the demo's dbt project and a hand-written Dagster code location
(tests/fixtures/init_shop): the floe.yaml it writes validates, and once converted, the project
loads in real Dagster with the jobs, schedules and partitions the hand-written code declares."""

from __future__ import annotations

import os
import re
import shutil
import sys
from collections.abc import Callable, Iterator
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import pytest
import yaml

from tests.helpers.dbt import run_dbt_parses
from tests.helpers.paths import FIXTURES, REPO
from tests.helpers.results import Result

CODE = FIXTURES / "init_shop"
NOW = datetime(2024, 3, 20, 12, tzinfo=timezone.utc)
TRANSLATED_JOBS = [
    "bronze_refresh",
    "by_region",
    "gold_pipeline",
    "monthly_reports",
    "weekly_rollup",
]
TRANSLATED_SCHEDULES = [
    "bronze_refresh_schedule",
    "gold_nightly",
    "monthly_on_the_2nd",
    "weekly_rollup_schedule",
]


def _hand_written(root: Path) -> Path:
    """The demo as a team had it before floe: its dbt project, the fixture's Python code."""
    shop = root / "shop"
    shutil.copytree(
        REPO / "demo" / "shop",
        shop,
        ignore=shutil.ignore_patterns("*.duckdb", "*.wal", "target", "logs", "__pycache__"),
    )
    (shop / "floe.yaml").unlink()
    for source in CODE.glob("*.py"):
        shutil.copy(source, shop / source.name)
    return shop


@pytest.fixture
def shop(tmp_path: Path) -> Path:
    return _hand_written(tmp_path)


def test_init_writes_what_the_code_declares(floe: Callable[..., Result], shop: Path) -> None:
    result = floe("init", "-f", "definitions.py", cwd=shop)
    assert result.code == 0, result.text
    assert "5 jobs, 4 schedules, 4 partitions definitions" in result.out
    written = yaml.safe_load((shop / "floe.yaml").read_text())
    orchestration = written["orchestration"]
    assert written["name"] == "shop"
    assert orchestration["asset_modules"] == ["shop.legacy_assets"]
    assert orchestration["dbt"] == {"project_dir": "dbt"}
    assert orchestration["partitions"] == {
        "daily": {"type": "time_window", "start": "2024-01-01", "cron_schedule": "0 0 * * *",
                  "timezone": "UTC"},
        "weekly": {"type": "time_window", "start": "2024-01-01", "cron_schedule": "0 0 * * 1",
                   "timezone": "UTC"},
        "regions": {"type": "static", "partition_keys": ["us", "eu", "ap"]},
        "monthly": {"type": "time_window", "start": "2024-01-01", "cron_schedule": "0 0 1 * *",
                    "timezone": "Europe/Berlin"},
    }  # fmt: skip
    assert {k: v["partitions"] for k, v in orchestration["assets"].items()} == {
        "bronze_customers": "daily",
        "bronze_orders": "daily",
        "bronze_payments": "daily",
        "monthly_report": "monthly",
        "regional_sales": "regions",
        "weekly_summary": "weekly",
    }
    assert {name: job["selection"] for name, job in orchestration["jobs"].items()} == {
        "bronze_refresh": ["group:bronze"],
        "gold_pipeline": ["+key:customer_orders"],
        "weekly_rollup": ["key:weekly_summary"],
        "monthly_reports": ["key:monthly_report"],
        "by_region": ["key:regional_sales"],
    }
    assert orchestration["schedules"]["bronze_refresh_schedule"] == {
        "job": "bronze_refresh",
        "cron_schedule": "0 6 * * *",
        "timezone": "UTC",
        "partition_selector": "latest",
        "enabled": True,
    }
    assert floe("validate", "floe.yaml", cwd=shop).code == 0


def test_what_init_cannot_translate_is_a_comment_naming_file_and_line(
    floe: Callable[..., Result], shop: Path
) -> None:
    assert floe("init", "-f", "definitions.py", cwd=shop).code == 0
    comments = [
        line for line in (shop / "floe.yaml").read_text().splitlines() if "floe init:" in line
    ]
    source = (shop / "definitions.py").read_text().splitlines()

    def line_of(text: str) -> int:
        return next(i for i, line in enumerate(source, 1) if text in line)

    expected = [
        f"custom DagsterDbtTranslator FolderGroups (write it as translation: in floe.yaml) "
        f"at definitions.py:{line_of('class FolderGroups')}",
        f"dagster_dbt_translator=FolderGroups() at definitions.py:{line_of('@dbt_assets')}",
        f"job by_region: tags= at definitions.py:{line_of('tags=')}",
        "schedule gold_nightly: a ScheduleDefinition asks for a run without a partition; floe "
        "asks for the latest partition of a partitioned job "
        f"at definitions.py:{line_of('gold_nightly = ')}",
        f"sensor orders_arrived at definitions.py:{line_of('@dg.sensor')}",
        "Definitions(resources=...): pass resources= to FloeDefinitions.from_compiled_artifacts "
        f"at definitions.py:{line_of('resources=')}",
    ]
    assert [c for c in comments if "could not translate" in c] == [
        f"# floe init: could not translate {e}" for e in expected
    ]


def test_init_never_overwrites_without_force(floe: Callable[..., Result], shop: Path) -> None:
    (shop / "floe.yaml").write_text("name: mine\n")
    refused = floe("init", "-f", "definitions.py", cwd=shop)
    assert refused.code == 1
    assert "floe.yaml already exists; pass --force to overwrite it" in refused.err
    assert (shop / "floe.yaml").read_text() == "name: mine\n"
    forced = floe("init", "-f", "definitions.py", "--force", cwd=shop)
    assert forced.code == 0, forced.text
    assert "bronze_refresh" in (shop / "floe.yaml").read_text()


def test_init_from_the_dbt_project_alone(floe: Callable[..., Result], shop: Path) -> None:
    result = floe("init", cwd=shop)
    assert result.code == 0, result.text
    assert yaml.safe_load((shop / "floe.yaml").read_text()) == {
        "name": "shop",
        "version": "1.0.0",
        "orchestration": {"dbt": {"project_dir": "dbt"}},
    }


def test_hostile_names_stay_inside_their_comment(floe: Callable[..., Result], shop: Path) -> None:
    (shop / "definitions.py").write_text(
        "import dagster as dg\n"
        'job = dg.define_asset_job("x\\nname: evil", selection="group:a")\n'
        'dg.define_asset_job("ok", selection="group:a", description="${SECRET_TOKEN}")\n'
    )
    assert floe("init", "-f", "definitions.py", cwd=shop).code == 0
    text = (shop / "floe.yaml").read_text()
    written = yaml.safe_load(text)
    assert written["name"] == "shop"
    assert written["orchestration"]["jobs"]["ok"]["description"] == "$${SECRET_TOKEN}"
    assert (
        "# floe init: could not translate job dg.define_asset_job('x\\nname: evil', "
        "selection='group:a') (its name) at definitions.py:2\n"
    ) in text
    assert floe("validate", "floe.yaml", cwd=shop).code == 0


# ── differential: the hand-written code location and its conversion, both in real Dagster ──


def _convert(shop: Path) -> None:
    """What docs/converting.md tells a user to do after `floe init`."""
    assets = shop / "legacy_assets.py"
    code = re.sub(r"\s*partitions_def=dg\.\w+\([^)]*\),", "", assets.read_text())
    code = re.sub(r",\s*partitions_def=\w+", "", code)
    assets.write_text(code)
    (shop / "definitions.py").write_text(
        "from dagster_dbt import DbtCliResource\n"
        "from floe_runtime import FloeDefinitions\n"
        "from shop.warehouse import DBT_DIR\n"
        "defs = FloeDefinitions.from_compiled_artifacts(\n"
        "    resources={'dbt': DbtCliResource(project_dir=DBT_DIR)}\n"
        ")\n"
    )


def _forget_shop() -> None:
    for name in [n for n in sys.modules if n == "shop" or n.startswith("shop.")]:
        del sys.modules[name]


@pytest.fixture
def on_path(tmp_path: Path) -> Iterator[Callable[[Path], None]]:
    added: list[str] = []

    def _add(root: Path) -> None:
        _forget_shop()
        sys.path.insert(0, str(root))
        added.append(str(root))

    yield _add
    _forget_shop()
    sys.path[:] = [p for p in sys.path if p not in added]


def _orchestration(defs: Any) -> dict[str, Any]:
    """What the issue compares: each job's assets and partition keys, each schedule's cron,
    timezone, status, job and the run its tick asks for."""
    import dagster as dg

    jobs = {}
    for name in TRANSLATED_JOBS:
        job = defs.resolve_job_def(name)
        partitions = job.partitions_def
        keys = partitions.get_partition_keys(current_time=NOW) if partitions else None
        jobs[name] = (sorted(k.to_user_string() for k in job.asset_layer.selected_asset_keys), keys)
    schedules = {}
    repository = defs.get_repository_def()
    for name in TRANSLATED_SCHEDULES:
        schedule = defs.resolve_schedule_def(name)
        with dg.DagsterInstance.ephemeral() as instance:
            context = dg.build_schedule_context(
                instance=instance, scheduled_execution_time=NOW, repository_def=repository
            )
            requests = schedule.evaluate_tick(context).run_requests or []
        schedules[name] = (
            schedule.cron_schedule,
            schedule.execution_timezone or "UTC",
            schedule.default_status.value,
            schedule.job_name,
            [r.partition_key for r in requests],
        )
    return {"jobs": jobs, "schedules": schedules}


@pytest.mark.differential
def test_the_conversion_loads_as_the_hand_written_code_does(
    floe: Callable[..., Result],
    tmp_path: Path,
    on_path: Callable[[Path], None],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    pytest.importorskip("dagster_dbt")
    # DbtCliResource looks dbt up on PATH; it is installed beside this interpreter.
    monkeypatch.setenv("PATH", f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}")
    original, converted = tmp_path / "original", tmp_path / "converted"
    for root in (original, converted):
        _hand_written(root)
        (root / ".git").mkdir()
        run_dbt_parses([(root / "shop" / "dbt", root / "shop" / "dbt")])
    on_path(original)
    import shop.definitions as hand_written  # type: ignore[import-not-found]

    expected = _orchestration(hand_written.defs)

    shop = converted / "shop"
    assert floe("init", "-f", "definitions.py", cwd=shop).code == 0
    _convert(shop)
    out = converted / "dist" / "floe"
    compiled = floe(
        "compile", "floe.yaml", "--env", "dev", "--dbt-parse", "--out", str(out), cwd=shop
    )
    assert compiled.code == 0, compiled.text
    on_path(converted)
    from floe_runtime import FloeDefinitions

    defs = FloeDefinitions.from_compiled_artifacts(out / "dev", project_root=converted)
    got = _orchestration(defs)
    # The one difference, and floe init's comment says so: Dagster's plain ScheduleDefinition on
    # a job with partitioned assets asks for a run without a partition, floe for the latest.
    assert expected["schedules"]["gold_nightly"][-1] == [None]
    assert got["schedules"]["gold_nightly"][-1] == ["2024-03-19"]
    assert (
        "schedule gold_nightly: a ScheduleDefinition asks for a run without a partition"
        in (shop / "floe.yaml").read_text()
    )
    expected["schedules"]["gold_nightly"] = got["schedules"]["gold_nightly"]
    assert got == expected
