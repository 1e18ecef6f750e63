"""An asset record's automation condition and backfill policy, as the Dagster objects the loader
puts on the asset."""

from __future__ import annotations

import dagster as dg
import pytest

from floe_runtime.artifact.schema import (
    BackfillPolicyRecord,
    ConditionRecord,
    CronConditionRecord,
)
from floe_runtime.definitions.automation import condition
from floe_runtime.definitions.partitions import backfill_policy


def test_each_condition_becomes_dagsters() -> None:
    assert condition(None) is None
    eager = condition(ConditionRecord(type="eager"))
    missing = condition(ConditionRecord(type="on_missing"))
    assert eager is not None and eager.get_label() == "eager"
    assert missing is not None and missing.get_label() == "on_missing"
    cron = CronConditionRecord(
        type="on_cron", cron_schedule="0 6 * * *", cron_timezone="Europe/Paris"
    )
    assert condition(cron) == dg.AutomationCondition.on_cron("0 6 * * *", "Europe/Paris")


@pytest.mark.parametrize(
    ("kind", "most", "expected"),
    [
        ("multi_run", 10, dg.BackfillPolicy.multi_run(10)),
        ("multi_run", None, dg.BackfillPolicy.multi_run(1)),
        ("single_run", None, dg.BackfillPolicy.single_run()),
    ],
)
def test_each_policy_becomes_dagsters(
    kind: str, most: int | None, expected: dg.BackfillPolicy
) -> None:
    record = BackfillPolicyRecord.model_validate({"type": kind, "max_partitions_per_run": most})
    assert backfill_policy(record) == expected
