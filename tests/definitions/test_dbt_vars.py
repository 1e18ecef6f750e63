"""The dbt vars contract (docs/runtime.md): what a partitioned run passes to dbt, per
partitions type, computed inside real Dagster runs."""

# No `from __future__ import annotations`: Dagster reads the context annotation at definition time.

from typing import Any

import dagster as dg
from pydantic import TypeAdapter

from floe_runtime.definitions.partitions import DbtVars, build_partitions, dbt_vars
from floe_runtime.spec.partitions import Partitions

ENTRIES: dict[str, dict[str, Any]] = {
    "daily": {
        "type": "time_window",
        "start": "2024-01-01",
        "end": None,
        "cron_schedule": "0 0 * * *",
        "timezone": "UTC",
        "fmt": "%Y-%m-%d",
        "end_offset": 0,
    },
    "hourly": {
        "type": "time_window",
        "start": "2024-01-01",
        "end": None,
        "cron_schedule": "0 * * * *",
        "timezone": "Europe/Berlin",
        "fmt": "%Y-%m-%d-%H:%M",
        "end_offset": 0,
    },
    "regions": {"type": "static", "partition_keys": ["us", "eu", "ap"]},
    "customers": {"type": "dynamic"},
    "by_region": {"type": "multi", "partitions": {"date": "daily", "region": "regions"}},
}


def _vars_of_run(name: str, **run: Any) -> DbtVars:
    definitions = build_partitions(
        {name: TypeAdapter(Partitions).validate_python(entry) for name, entry in ENTRIES.items()}
    )
    seen: list[DbtVars] = []

    @dg.asset(
        name=f"probe_{name}",
        partitions_def=definitions[name],
        backfill_policy=dg.BackfillPolicy.single_run(),
    )
    def probe(context: dg.AssetExecutionContext) -> None:
        seen.append(dbt_vars(context, name, definitions[name]))

    with dg.DagsterInstance.ephemeral() as instance:
        if name == "customers":
            instance.add_dynamic_partitions("customers", ["acme", "globex"])
        assert dg.materialize([probe], instance=instance, **run).success
    return seen[0]


def test_a_day() -> None:
    assert _vars_of_run("daily", partition_key="2024-03-09") == {
        "min_date": "2024-03-09",
        "max_date": "2024-03-10",
    }


def test_a_range_of_days_in_one_run() -> None:
    tags = {
        "dagster/asset_partition_range_start": "2024-03-09",
        "dagster/asset_partition_range_end": "2024-03-11",
    }
    assert _vars_of_run("daily", tags=tags) == {"min_date": "2024-03-09", "max_date": "2024-03-12"}


def test_an_hour_in_its_timezone() -> None:
    assert _vars_of_run("hourly", partition_key="2024-03-09-05:00") == {
        "min_date": "2024-03-09 05:00:00",
        "max_date": "2024-03-09 06:00:00",
    }


def test_static_and_dynamic_keys_under_the_entry_name() -> None:
    assert _vars_of_run("regions", partition_key="eu") == {"regions": "eu"}
    assert _vars_of_run("customers", partition_key="acme") == {"customers": "acme"}


def test_multi_each_dimension_by_name() -> None:
    key = dg.MultiPartitionKey({"date": "2024-03-09", "region": "ap"})
    assert _vars_of_run("by_region", partition_key=key) == {
        "min_date": "2024-03-09",
        "max_date": "2024-03-10",
        "region": "ap",
    }
