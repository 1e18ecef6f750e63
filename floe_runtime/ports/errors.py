"""What the ports raise where Dagster or dagster-dbt would refuse: a cron, a manifest, a
template, a glob, partition keys, a selection. Each message is one line, meant for the user."""

from __future__ import annotations

from floe_runtime.base.errors import FloeError, PositionedSyntaxError


class CronError(FloeError):
    """A cron string Dagster would refuse; str() is a one-line, user-facing reason that names the
    field and the bad part, e.g. "hour field: 24 is out of range 0-23" or
    "6 fields given; Dagster schedules take 5 (minute hour day-of-month month day-of-week)"."""


class ManifestError(FloeError):
    """A manifest floe cannot use; the message is one line, meant for the user."""


class TemplateError(FloeError):
    """A template that does not parse, or does not fit a node; the message says which part."""


class GlobError(PositionedSyntaxError):
    """A malformed pattern."""


class PartitionKeysError(FloeError):
    """Keys that cannot be computed (a bound outside the calendar, a cron that never fires)."""


class SelectionError(PositionedSyntaxError):
    """An expression floe cannot parse or resolve."""
