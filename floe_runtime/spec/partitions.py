"""The ``partitions:`` of floe.yaml: time windows, static and dynamic keys, and their products."""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field, Tag

from floe_runtime.spec.fields import (
    FloeModel,
    Identifier,
    Name,
    NonEmpty,
    Typed,
    on_type,
)


class TimeWindowPartitions(FloeModel):
    """Partitions that are windows of time, one per cron tick (daily, hourly, monthly...)."""

    type: Literal["time_window"]
    start: NonEmpty = Field(
        examples=["2024-01-01"],
        description="First partition's start: a date or date-time (ISO 8601, or written in `fmt`).",
    )
    end: str | None = Field(
        default=None, description="Optional end (exclusive); open-ended when omitted."
    )
    cron_schedule: NonEmpty = Field(
        default="0 0 * * *",
        examples=["0 0 * * *", "@hourly"],
        description="When each window starts: a 5-field cron, as Dagster accepts it.",
    )
    timezone: NonEmpty = Field(
        default="UTC",
        examples=["UTC", "Europe/Berlin"],
        description="IANA timezone of the windows.",
    )
    fmt: str | None = Field(
        default=None,
        examples=["%Y-%m-%d"],
        description=(
            "strftime format of partition keys; by default `%Y-%m-%d`, or "
            "`%Y-%m-%d-%H:%M` when the cron fires more than once a day."
        ),
    )
    end_offset: Annotated[int, Typed] = Field(
        default=0,
        description=(
            "Extra windows after the last complete one (1 includes the window in progress)."
        ),
    )


class StaticPartitions(FloeModel):
    """A fixed list of partition keys, e.g. regions."""

    type: Literal["static"]
    partition_keys: list[NonEmpty] = Field(
        min_length=1,
        examples=[["us", "eu", "ap"]],
        description=(
            "The keys: unique, non-empty, without `...`, `|`, `,`, `[`, `]` or control characters."
        ),
    )


class DynamicPartitions(FloeModel):
    """Partition keys added at run time (by a sensor or the UI); named after the entry."""

    type: Literal["dynamic"]


Dimension = Annotated[
    Annotated[TimeWindowPartitions, Tag("time_window")]
    | Annotated[StaticPartitions, Tag("static")]
    | Annotated[DynamicPartitions, Tag("dynamic")],
    on_type("a partition dimension", "time_window", "static", "dynamic"),
]


class MultiPartitions(FloeModel):
    """The product of exactly two dimensions, e.g. date by region."""

    type: Literal["multi"]
    partitions: dict[Name, Union[Identifier, Dimension]] = Field(  # noqa: UP007
        min_length=2,
        max_length=2,
        examples=[{"date": "daily", "region": "regions"}],
        description=(
            "Two dimensions: dimension name → the name of another partitions entry, or "
            "an inline time_window / static / dynamic definition."
        ),
    )


Partitions = Annotated[
    Annotated[TimeWindowPartitions, Tag("time_window")]
    | Annotated[StaticPartitions, Tag("static")]
    | Annotated[MultiPartitions, Tag("multi")]
    | Annotated[DynamicPartitions, Tag("dynamic")],
    on_type("a partitions entry", "time_window", "static", "multi", "dynamic"),
]
