"""floe's partition arithmetic against real Dagster's ``get_partition_keys(current_time=…)``.

A seeded table of time-window definitions (crons with and without arithmetic, eight timezones
with and without daylight saving, ends before and after "now", negative and positive
``end_offset``, "now" on and around DST transitions) and multi partitions built from them. For
each, floe's count, first and last key must equal what Dagster lists.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from floe_runtime.ports.partition_keys import range_problems, span
from floe_runtime.spec.partitions import MultiPartitions, StaticPartitions, TimeWindowPartitions

pytestmark = pytest.mark.differential

CRONS = {
    "0 0 * * *": "%Y-%m-%d",
    "30 2 * * *": "%Y-%m-%d",
    "0 * * * *": "%Y-%m-%d-%H:%M",
    "*/15 * * * *": "%Y-%m-%d-%H:%M",
    "0,30 * * * *": "%Y-%m-%d-%H:%M",
    "0 */6 * * *": "%Y-%m-%d-%H:%M",
    "0 9-17 * * 1-5": "%Y-%m-%d-%H:%M",
    "0 0 * * 1": "%Y-%m-%d",
    "0 6 * * 1-5": "%Y-%m-%d",
    "0 0 1 * *": "%Y-%m",
    "0 0 31 * *": "%Y-%m-%d",
    "0 0 1 1 *": "%Y",
}
ZONES = [
    "UTC",
    "Europe/Berlin",
    "America/New_York",
    "America/Sao_Paulo",
    "Asia/Kolkata",
    "Australia/Adelaide",
    "Pacific/Chatham",
    "America/St_Johns",
    "Australia/Lord_Howe",
]
# DST transitions (local): Berlin 2024-03-31 / 2024-10-27, New York 2024-03-10 / 2024-11-03.
NOWS = [
    datetime(2024, 3, 31, 1, 30, tzinfo=timezone.utc),
    datetime(2024, 10, 27, 0, 59, tzinfo=timezone.utc),
    datetime(2024, 10, 27, 1, 0, tzinfo=timezone.utc),
    datetime(2024, 11, 3, 6, 0, tzinfo=timezone.utc),
    datetime(2024, 3, 10, 7, 15, tzinfo=timezone.utc),
    datetime(2024, 6, 15, 12, 0, tzinfo=timezone.utc),
    datetime(2024, 12, 31, 23, 59, tzinfo=timezone.utc),
]
SPAN_DAYS = {"%Y-%m-%d-%H:%M": 40, "%Y-%m-%d": 400, "%Y-%m": 900, "%Y": 3000}


@dataclass(frozen=True)
class Case:
    cron: str
    fmt: str
    zone: str
    start: str
    end: str | None
    offset: int
    now: datetime

    def floe(self) -> TimeWindowPartitions:
        return TimeWindowPartitions(
            type="time_window",
            start=self.start,
            end=self.end,
            cron_schedule=self.cron,
            timezone=self.zone,
            fmt=self.fmt,
            end_offset=self.offset,
        )

    def dagster(self) -> Any:
        dg = pytest.importorskip("dagster")
        return dg.TimeWindowPartitionsDefinition(
            start=self.start,
            end=self.end,
            fmt=self.fmt,
            cron_schedule=self.cron,
            timezone=self.zone,
            end_offset=self.offset,
        )


def _cases() -> list[Case]:
    rng = random.Random(20240331)
    cases = []
    for index in range(260):
        cron = rng.choice(list(CRONS))
        fmt = CRONS[cron]
        now = rng.choice(NOWS) + timedelta(minutes=rng.choice([0, 0, 1, -1, 7, 60 * 24]))
        zone = ZONES[index % len(ZONES)]
        days = SPAN_DAYS[fmt]
        local_now = now.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
        start = local_now - timedelta(days=rng.randint(1, days), hours=rng.randint(0, 23))
        start = start.replace(minute=rng.choice([0, 0, 0, 30]))
        if fmt == "%Y-%m":
            start = start.replace(day=1, hour=0, minute=0)
        elif fmt == "%Y":
            start = start.replace(month=1, day=1, hour=0, minute=0)
        elif fmt == "%Y-%m-%d":
            start = start.replace(hour=0, minute=0)
        end = None
        if rng.random() < 0.4:
            end_moment = start + timedelta(days=rng.randint(0, 2 * days), hours=rng.randint(0, 5))
            if fmt != "%Y-%m-%d-%H:%M":
                end_moment = end_moment.replace(hour=0, minute=0)
            if fmt == "%Y-%m":
                end_moment = end_moment.replace(day=1)
            if fmt == "%Y":
                end_moment = end_moment.replace(month=1, day=1)
            end = end_moment.strftime(fmt)
        offset = rng.choice([0, 0, 0, 1, 2, -1, -3])
        cases.append(Case(cron, fmt, zone, start.strftime(fmt), end, offset, now))
    return cases


CASES = _cases()


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.cron}|{c.zone}|{c.offset}|{c.end}")
def test_time_window_keys_equal_dagsters(case: Case) -> None:
    keys = list(case.dagster().get_partition_keys(current_time=case.now))
    found = span(case.floe(), {}, case.now)
    assert (found.count, found.first, found.last) == (
        len(keys),
        keys[0] if keys else None,
        keys[-1] if keys else None,
    )
    assert found.exact


def test_multi_partitions_multiply_in_dimension_name_order() -> None:
    dg = pytest.importorskip("dagster")
    now = datetime(2024, 11, 3, 12, 0, tzinfo=timezone.utc)
    regions = ["us", "eu", "ap"]
    for case in CASES[:40]:
        multi = MultiPartitions(
            type="multi",
            partitions={
                "region": StaticPartitions(type="static", partition_keys=regions),
                "date": case.floe(),
            },
        )
        dagster = dg.MultiPartitionsDefinition(
            {"region": dg.StaticPartitionsDefinition(regions), "date": case.dagster()}
        )
        keys = dagster.get_partition_keys(current_time=now)
        found = span(multi, {}, now)
        assert (found.count, found.first, found.last) == (
            len(keys),
            keys[0] if keys else None,
            keys[-1] if keys else None,
        ), case


def test_static_partitions_equal_dagsters() -> None:
    dg = pytest.importorskip("dagster")
    keys = ["us", "eu", "ap", "b", "a"]
    found = span(StaticPartitions(type="static", partition_keys=keys), {}, NOWS[0])
    listed = dg.StaticPartitionsDefinition(keys).get_partition_keys()
    assert (found.count, found.first, found.last) == (len(listed), listed[0], listed[-1])


def test_ten_years_hourly_by_a_thousand_keys_is_counted_not_listed() -> None:
    """87.6 million keys: counted by arithmetic, so the answer is immediate and exact."""
    hourly = TimeWindowPartitions(
        type="time_window",
        start="2015-01-01-00:00",
        cron_schedule="0 * * * *",
        timezone="Europe/Berlin",
    )
    static = StaticPartitions(type="static", partition_keys=[f"k{i}" for i in range(1000)])
    multi = MultiPartitions(type="multi", partitions={"hour": hourly, "key": static})
    now = datetime(2025, 1, 1, tzinfo=timezone.utc)
    found = span(multi, {}, now)
    hours = int((now - datetime(2014, 12, 31, 23, tzinfo=timezone.utc)).total_seconds() // 3600)
    assert found.count == hours * 1000
    assert (found.first, found.last) == ("2015-01-01-00:00|k0", "2025-01-01-00:00|k999")


def _candidates(keys: list[str], fmt: str) -> list[str]:
    """Dagster's first, middle and last keys, and texts one step beside them (which may or may
    not be keys: a weekly cron's key plus a day is not)."""
    picked = [keys[0], keys[len(keys) // 2], keys[-1]] if keys else []
    step = timedelta(hours=1) if "%H" in fmt else timedelta(days=1)
    beside = []
    for key in picked:
        try:
            moment = datetime.strptime(key, fmt)
        except ValueError:  # a repeated DST hour carries its offset: no neighbour needed
            continue
        beside += [(moment + step).strftime(fmt), (moment - step).strftime(fmt)]
    return picked + beside


@pytest.mark.parametrize("case", CASES[::3], ids=lambda c: f"{c.cron}|{c.zone}|{c.offset}|{c.end}")
def test_a_backfill_bound_is_valid_exactly_when_dagster_has_the_key(case: Case) -> None:
    """A one-partition range (start = end) passes floe's check exactly when Dagster lists
    that key now: keys of crons off midnight, weekdays and DST repeats included."""
    keys = list(case.dagster().get_partition_keys(current_time=case.now))
    existing = set(keys)
    for text in _candidates(keys, case.fmt):
        problems = range_problems(text, text, case.floe(), {}, "p", case.now)
        assert (problems == []) == (text in existing), (text, problems)
