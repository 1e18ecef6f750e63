"""Planted secrets never reach floe's output, in any format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.helpers.results import Result

Floe = Callable[..., Result]

PASSWORD = "hunter2-correct-horse-battery"
TOKEN = "ghp_" + "Zk3q9XbT7LmN2pRs5VwY8aCd1EfGhJ4uIo6K"
URL_PASSWORD = "s3cr3t-in-url"

FLOE_YAML = f"""
name: shop
version: "1"
orchestration:
  asset_modules: [shop.assets]
  dbt: {{project_dir: dbt, target: "${{DB_PASSWORD}}"}}
  jobs:
    vacuum: {{type: ops, target_function: shop.ops.vacuum, args: {{token: "{TOKEN}"}}}}
    load: {{type: ops, target_function: shop.ops.load, args: {{url: "${{WAREHOUSE_URL}}"}}}}
    refresh: {{type: batch, selection: ["group:bronze"]}}
  schedules:
    daily: {{job: refresh, cron_schedule: "{TOKEN}"}}
"""


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_planted_secrets_appear_in_no_output(
    output_format: str, project: Callable[..., Path], floe: Floe
) -> None:
    path = project(FLOE_YAML, envs={"prod": f"SNOWFLAKE_PASSWORD={PASSWORD}\nTARGET=prod\n"})
    result = floe(
        "validate",
        str(path),
        "--env",
        "prod",
        "--format",
        output_format,
        env={
            "DB_PASSWORD": PASSWORD,
            "WAREHOUSE_URL": f"postgres://loader:{URL_PASSWORD}@db.internal/shop",
        },
    )
    assert result.code == 1
    for secret in (PASSWORD, TOKEN, URL_PASSWORD, TOKEN[:12]):
        assert secret not in result.text
    text = result.text
    assert "variable DB_PASSWORD looks like a secret" in text
    assert "SNOWFLAKE_PASSWORD looks like a secret" in text
    assert "looks like a GitHub token" in text
    assert "looks like a password inside a URL" in text
