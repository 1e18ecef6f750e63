"""Automation conditions from the artifact, and the one sensor that evaluates them.

The sensor is declared explicitly (rather than left to Dagster's implicit default) so that its
status per environment comes from ``orchestration.automation.enabled``, off by default like
schedules, and its interval from ``poll_interval_seconds``.
"""

from __future__ import annotations

from typing import Any

import dagster as dg

from floe_runtime.artifact.schema import AutomationRecord, CronConditionRecord
from floe_runtime.artifact.store import AUTOMATION_SENSOR
from floe_runtime.spec.models import Automation


def condition(record: AutomationRecord | None) -> dg.AutomationCondition[Any] | None:
    """``eager`` / ``on_missing`` / ``on_cron`` (with its cron) as Dagster's."""
    if record is None:
        return None
    if isinstance(record, CronConditionRecord):
        return dg.AutomationCondition.on_cron(record.cron_schedule, record.cron_timezone)
    if record.type == "eager":
        return dg.AutomationCondition.eager()
    return dg.AutomationCondition.on_missing()


def automation_sensor(settings: Automation) -> dg.AutomationConditionSensorDefinition:
    """The sensor evaluating every asset's automation condition."""
    return dg.AutomationConditionSensorDefinition(
        name=AUTOMATION_SENSOR,
        target=dg.AssetSelection.all(),
        default_status=dg.DefaultSensorStatus.RUNNING
        if settings.enabled
        else dg.DefaultSensorStatus.STOPPED,
        minimum_interval_seconds=settings.poll_interval_seconds,
        description="floe: evaluates the automation conditions of floe.yaml's asset patterns",
    )
