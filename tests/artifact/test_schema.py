"""The published artifact schema describes resolved artifacts: a compiled environment holds the
values its variables were filled with, never a `${VAR}` reference (floe.yaml's schema does). An
asset's automation condition and backfill policy are typed records that dump as written."""

from __future__ import annotations

import json

import pytest
from pydantic import ValidationError

from floe_runtime.artifact import json_schemas
from floe_runtime.artifact.schema import AssetRecord
from tests.helpers.paths import REPO


def test_the_artifact_schema_accepts_no_variable_reference() -> None:
    text = (REPO / "schemas" / "compiled-artifacts.schema.json").read_text(encoding="utf-8")
    assert "${" not in text
    assert text == json_schemas.rendered(json_schemas.artifact_schema)


def test_floe_yaml_schema_still_takes_variables_where_floe_yaml_may_use_them() -> None:
    schema = json.loads((REPO / "schemas" / "floe.schema.json").read_text(encoding="utf-8"))
    assert "${" in json.dumps(schema)


# An asset record's settings as the compiler writes them: each form of each.
CONDITIONS = [
    {"type": "eager"},
    {"type": "on_missing"},
    {"type": "on_cron", "cron_schedule": "0 * * * *", "cron_timezone": "Europe/Paris"},
]
POLICIES = [
    {"type": "multi_run", "max_partitions_per_run": 10},
    {"type": "multi_run", "max_partitions_per_run": None},
    {"type": "single_run", "max_partitions_per_run": None},
]


def _asset(**settings: object) -> dict[str, object]:
    return {
        "key": "a",
        "kind": "python",
        "group": None,
        "deps": [],
        "tags": {},
        "owners": [],
        "partitions": None,
        "automation_condition": None,
        "backfill_policy": None,
        "origin": None,
        "configured_by": [],
        **settings,
    }


@pytest.mark.parametrize("condition", CONDITIONS, ids=lambda c: str(c["type"]))
@pytest.mark.parametrize("policy", [None, *POLICIES])
def test_asset_settings_read_typed_and_dump_as_written(
    condition: dict[str, str], policy: dict[str, object] | None
) -> None:
    raw = _asset(automation_condition=condition, backfill_policy=policy)
    record = AssetRecord.model_validate(raw)
    assert record.automation_condition is not None
    assert record.automation_condition.type == condition["type"]
    assert record.model_dump(mode="json") == raw


@pytest.mark.parametrize(
    "settings",
    [
        {"automation_condition": {"type": "eager", "cron_schedule": "0 * * * *"}},
        {"automation_condition": {"type": "on_cron", "cron_schedule": "0 * * * *"}},
        {"automation_condition": {"type": "sometimes"}},
        {"backfill_policy": {"type": "multi_run"}},
        {"backfill_policy": {"type": "multi_run", "max_partitions_per_run": 2, "x": 1}},
    ],
)
def test_asset_settings_refuse_what_the_compiler_never_writes(settings: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        AssetRecord.model_validate(_asset(**settings))
