"""What starts runs in floe.yaml: ``schedules:``, ``sensors:`` and reviewed ``backfills:``."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, Tag

from floe_runtime.spec.fields import (
    Arguments,
    Bool,
    FloeModel,
    Identifier,
    NonEmpty,
    PositiveInt,
    RunConfig,
    Tags,
    Typed,
    on_type,
)


class Schedule(FloeModel):
    """Run a job on a cron schedule."""

    job: Identifier
    cron_schedule: NonEmpty = Field(
        examples=["0 6 * * *", "@daily"], description="5-field cron, as Dagster accepts it."
    )
    timezone: NonEmpty = Field(
        default="UTC", examples=["Europe/Berlin"], description="IANA timezone the cron is read in."
    )
    enabled: Bool = Field(
        default=False,
        description=(
            "Whether the schedule starts running (Dagster's default_status); off by default."
        ),
    )
    partition_selector: Annotated[Literal["latest", "all"], Typed] = Field(
        default="latest",
        description=(
            "For partitioned jobs: run the latest partition at each tick, or every partition."
        ),
    )
    run_config: RunConfig = {}
    tags: Tags = Field(default={}, description="Tags on each run it requests (RunRequest tags=).")
    description: str | None = None


class _SensorBase(FloeModel):
    job: Identifier
    poll_interval_seconds: PositiveInt = Field(
        default=30, description="Seconds between evaluations (Dagster's minimum_interval_seconds)."
    )
    enabled: Bool = Field(
        default=False,
        description="Whether the sensor starts running (Dagster's default_status); off by default.",
    )
    run_config: RunConfig = {}
    tags: Tags = Field(default={}, description="Tags on each run it requests (RunRequest tags=).")
    description: str | None = None


class FileWatcherSensor(_SensorBase):
    """Run the job when new files matching a pattern appear in a folder. In ``run_config``
    strings, ``{path}`` becomes the file's absolute path and ``{name}`` its name."""

    type: Literal["file_watcher"]
    path: NonEmpty = Field(examples=["./incoming"])
    pattern: NonEmpty = Field(default="*", examples=["orders_*.csv"])


class AssetSensor(_SensorBase):
    """Run the job when watched assets are materialized."""

    type: Literal["asset_sensor"]
    watched_assets: list[NonEmpty] = Field(min_length=1)


class RunStatusSensor(_SensorBase):
    """Run the job when watched jobs reach a status, e.g. to alert on failure."""

    type: Literal["run_status"]
    watched_jobs: list[Identifier] = Field(min_length=1)
    status: Annotated[Literal["SUCCESS", "FAILURE", "CANCELED"], Typed] = "FAILURE"
    every_attempt: Bool = Field(
        default=False,
        description=(
            "One run per attempt of a watched run, retries by run_retries included; by default "
            "one per root run (a failure alerts once, from the attempt Dagster will not retry)."
        ),
    )


class CustomSensor(_SensorBase):
    """Evaluate a Python function from the project that decides whether to run the job."""

    type: Literal["custom"]
    target_function: NonEmpty
    args: Arguments = {}


Sensor = Annotated[
    Annotated[FileWatcherSensor, Tag("file_watcher")]
    | Annotated[AssetSensor, Tag("asset_sensor")]
    | Annotated[RunStatusSensor, Tag("run_status")]
    | Annotated[CustomSensor, Tag("custom")],
    on_type("a sensor", "file_watcher", "asset_sensor", "run_status", "custom"),
]


class PartitionRange(FloeModel):
    start: NonEmpty = Field(description="First partition key (a date for time windows).")
    end: NonEmpty = Field(description="Last partition key, inclusive.")


MAX_BACKFILLS = 1000
"""Backfills are reviewed ranges, a handful per project; checking one costs date and tick
arithmetic, so a generated file of tens of thousands must not take seconds."""


class Backfill(FloeModel):
    """A named backfill a user launches with one command, in batches."""

    job: Identifier
    partition_range: PartitionRange | None = Field(
        default=None, description="Partitions to run; every partition when omitted."
    )
    partitions: Identifier | None = Field(
        default=None,
        description=(
            "The partitions entry the range is written in; inferred from the job's "
            "assets if omitted."
        ),
    )
    batch_size: PositiveInt = Field(default=1, description="Partitions per run.")
    description: str | None = None
