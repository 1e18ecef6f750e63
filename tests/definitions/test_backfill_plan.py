"""Which of Dagster's partition keys a backfill range selects (pure: the keys come from Dagster)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from floe_runtime.definitions.backfill_plan import Target, select
from floe_runtime.spec.partitions import TimeWindowPartitions
from floe_runtime.spec.triggers import Backfill, PartitionRange

pytestmark = pytest.mark.differential


def test_a_range_over_the_repeated_dst_hour_keeps_both_hours() -> None:
    """Dagster writes the second 01:00 of 2024-11-03 in Chicago as ``2024-11-03-01:00-0600``;
    a range over that night runs it too, not only the first 01:00."""
    dg = pytest.importorskip("dagster")
    hourly = dg.HourlyPartitionsDefinition(
        start_date="2024-11-02-00:00", timezone="America/Chicago"
    )
    keys = list(hourly.get_partition_keys(current_time=datetime(2024, 11, 4, tzinfo=timezone.utc)))
    repeated = "2024-11-03-01:00-0600"
    assert repeated in keys
    definition = TimeWindowPartitions(
        type="time_window",
        start="2024-11-02-00:00",
        cron_schedule="0 * * * *",
        timezone="America/Chicago",
        fmt="%Y-%m-%d-%H:%M",
    )
    spec = Backfill(
        job="j",
        partitions="hourly",
        partition_range=PartitionRange(start="2024-11-03-00:00", end="2024-11-03-03:00"),
    )
    artifact: Any = None  # read only for multi partitions
    chosen = select(keys, Target("b", spec, "j", [], "hourly", definition), artifact)
    assert chosen == [
        "2024-11-03-00:00",
        "2024-11-03-01:00",
        repeated,
        "2024-11-03-02:00",
        "2024-11-03-03:00",
    ]
