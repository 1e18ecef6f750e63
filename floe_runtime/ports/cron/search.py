"""croniter's search for the next (previous) match on naive wall-clock times, as Dagster runs it."""

from __future__ import annotations

import calendar
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import TypeAlias

from floe_runtime.ports.cron.parse import DAYS_IN_MONTH, Cron, NthWeekdays, Value, ints
from floe_runtime.ports.errors import CronError

_MAX_YEARS = 50  # croniter gives up after this many years without a match

# --- croniter's search on naive wall-clock times ----------------------------------------------

_Step: TypeAlias = Callable[[datetime], datetime | None]


def croniter_step(cron: Cron, cursor: datetime, backwards: bool) -> datetime:
    """croniter.get_next/get_prev: the nearest whole-minute match strictly after (before) the
    naive `cursor`; day-of-month and day-of-week are OR-ed when neither starts with "*"."""
    if cron.days[0] != "*" and cron.weekdays[0] != "*":
        by_date = _croniter_search(cron, cursor, backwards, cron.days, ("*",))
        by_weekday = _croniter_search(cron, cursor, backwards, ("*",), cron.weekdays)
        return max(by_date, by_weekday) if backwards else min(by_date, by_weekday)
    return _croniter_search(cron, cursor, backwards, cron.days, cron.weekdays)


def _croniter_search(
    cron: Cron,
    cursor: datetime,
    backwards: bool,
    days: tuple[Value, ...],
    weekdays: tuple[Value, ...],
) -> datetime:
    """croniter._calc: fix the first field (month, day, weekday, hour, minute) that does not
    match by jumping to its nearest allowed value, and start over until all match."""
    if backwards:
        moment = cursor.replace(microsecond=0) + timedelta(seconds=1 if cursor.microsecond else 0)
        moment -= timedelta(seconds=1 if moment.second else 60)
    else:
        moment = cursor.replace(microsecond=0) + timedelta(minutes=1)
    weekday_step: _Step = (
        (lambda d: _step_nth_weekday(cron.nth_weekdays, d, backwards))
        if cron.nth_weekdays
        else (lambda d: _step_weekday(weekdays, d, backwards))
    )
    steps: tuple[_Step, ...] = (
        lambda d: _step_month(cron.months, d, backwards),
        lambda d: _step_day(days, d, backwards),
        weekday_step,
        lambda d: _step_hour(cron.hours, d, backwards),
        lambda d: _step_minute(cron.minutes, d, backwards),
    )
    first_year = moment.year
    while abs(moment.year - first_year) <= _MAX_YEARS:
        for step in steps:
            moved = step(moment)
            if moved is not None:
                moment = moved
                break
        else:
            return moment.replace(second=0)
    raise CronError(f"{cron.expression!r} matches no date within {_MAX_YEARS} years")


def _step_month(months: tuple[Value, ...], d: datetime, backwards: bool) -> datetime | None:
    if "*" in months:
        return None
    diff = _nearest(d.month, months, 12, backwards)
    if diff == 0:
        return None
    moved = add_months(d, diff)
    if backwards:
        last_day = calendar.monthrange(moved.year, moved.month)[1]
        return moved.replace(day=last_day, hour=23, minute=59, second=59)
    return moved.replace(day=1, hour=0, minute=0, second=0)


def _step_day(days: tuple[Value, ...], d: datetime, backwards: bool) -> datetime | None:
    if "*" in days:
        return None
    length = calendar.monthrange(d.year, d.month)[1]
    if "l" in days and d.day == length:
        return None
    # croniter measures the wrap backwards with the previous month's non-leap length
    span = DAYS_IN_MONTH[(d.month - 2) % 12] if backwards else length
    return _move_days(d, _nearest(d.day, days, span, backwards), backwards)


def _step_weekday(weekdays: tuple[Value, ...], d: datetime, backwards: bool) -> datetime | None:
    if "*" in weekdays:
        return None
    return _move_days(d, _nearest(d.isoweekday() % 7, weekdays, 7, backwards), backwards)


def _step_nth_weekday(nths: NthWeekdays, d: datetime, backwards: bool) -> datetime | None:
    length = calendar.monthrange(d.year, d.month)[1]
    first_weekday = d.replace(day=1).isoweekday() % 7
    candidates = []
    for weekday, occurrences in nths:
        dates = range(1 + (weekday - first_weekday) % 7, length + 1, 7)
        for nth in occurrences:
            if isinstance(nth, int) and nth > len(dates):
                continue
            candidate = dates[-1] if nth == "l" else dates[int(nth) - 1]
            if candidate <= d.day if backwards else d.day <= candidate:
                candidates.append(candidate)
    if not candidates:  # none left this month: go to its edge and let the next round move on
        if backwards:
            return d.replace(hour=23, minute=59, second=59) - timedelta(days=d.day)
        return d.replace(hour=0, minute=0, second=0) + timedelta(days=length - d.day + 1)
    target = max(candidates) if backwards else min(candidates)
    return _move_days(d, target - d.day, backwards)


def _step_hour(hours: tuple[Value, ...], d: datetime, backwards: bool) -> datetime | None:
    if "*" in hours:
        return None
    diff = _nearest(d.hour, hours, 24, backwards)
    if diff == 0:
        return None
    edge = d.replace(minute=59, second=59) if backwards else d.replace(minute=0, second=0)
    return edge + timedelta(hours=diff)


def _step_minute(minutes: tuple[Value, ...], d: datetime, backwards: bool) -> datetime | None:
    if "*" in minutes:
        return None
    diff = _nearest(d.minute, minutes, 60, backwards)
    if diff == 0:
        return None
    return d.replace(second=59 if backwards else 0) + timedelta(minutes=diff)


def _move_days(d: datetime, diff: int, backwards: bool) -> datetime | None:
    if diff == 0:
        return None
    if backwards:
        return d.replace(hour=23, minute=59, second=59) + timedelta(days=diff)
    return d.replace(hour=0, minute=0, second=0) + timedelta(days=diff)


def _nearest(current: int, allowed: tuple[Value, ...], span: int, backwards: bool) -> int:
    """croniter's _get_next_nearest_diff / _get_prev_nearest_diff: the signed distance to the
    nearest allowed value, wrapping around `span`; "l" stands for the last day."""
    if not backwards:
        for value in allowed:
            target = span if value == "l" else int(value)
            if current <= target <= span:
                return target - current
        return int(allowed[0]) - current + span
    numbers = ints(allowed)
    for value in reversed(numbers):
        if value <= current:
            return value - current
    if "l" in allowed:
        return -current
    candidate = next((value for value in reversed(numbers) if value <= span), numbers[-1])
    if candidate > span:
        return -span
    return candidate - current - span


def add_months(moment: datetime, months: int) -> datetime:
    """relativedelta(months=n): same day, clipped to the month's length; fold resets to 0."""
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day, fold=0)
