"""Automation conditions as Dagster evaluates them, against what compile says of them: an eager
asset partitioned like its daily upstream fires once the latest day lands; an unpartitioned one
downstream of the same days never does (Dagster's eager waits for every day since the start),
and compile warns about exactly that one."""

from __future__ import annotations

import sys
import textwrap
from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg
import pytest

from floe_runtime import FloeDefinitions
from floe_runtime.cli.main import run

FLOE_YAML = """
name: auto
version: "1"
orchestration:
  asset_modules: [auto.assets]
  partitions:
    daily: {type: time_window, start: "2024-01-01", cron_schedule: "0 0 * * *", timezone: UTC}
  assets:
    up: {partitions: daily}
    same: {partitions: daily, automation_condition: eager}
    flat: {automation_condition: eager}
  jobs:
    load: {type: batch, selection: ["key:up"]}
"""

ASSETS = """
import dagster as dg

@dg.asset
def up() -> None: ...

@dg.asset(deps=[up])
def same() -> None: ...

@dg.asset(deps=[up])
def flat() -> None: ...
"""


def test_compile_warns_exactly_about_the_condition_dagster_never_fires(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "auto").mkdir()
    (tmp_path / "auto" / "__init__.py").write_text("")
    (tmp_path / "auto" / "assets.py").write_text(ASSETS)
    (tmp_path / "floe.yaml").write_text(textwrap.dedent(FLOE_YAML).lstrip())
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "auto", raising=False)
    assert run(["compile", "floe.yaml", "--out", "dist/floe"]) == 0
    out = capsys.readouterr().out
    assert "automation condition 'eager' on flat can never become true" in out
    assert "on same" not in out

    defs = FloeDefinitions.from_compiled_artifacts("dist/floe/default", project_root=tmp_path)
    latest = (datetime.now(timezone.utc) - timedelta(days=1)).strftime("%Y-%m-%d")
    with dg.instance_for_test() as instance:
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance)
        assert first.total_requested == 0  # the day it waits for is missing
        load = defs.resolve_job_def("load")
        assert load.execute_in_process(instance=instance, partition_key=latest).success
        second = dg.evaluate_automation_conditions(
            defs=defs, instance=instance, cursor=first.cursor
        )
        assert second.get_requested_partitions(dg.AssetKey("same")) == {latest}
        assert second.get_num_requested(dg.AssetKey("flat")) == 0  # never: every day missing
