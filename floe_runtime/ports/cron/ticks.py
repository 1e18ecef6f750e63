"""Tick times as Dagster's ``cron_string_iterator`` yields them, daylight-saving rules included."""

from __future__ import annotations

import calendar
import functools
import itertools
import math
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo

from floe_runtime.ports.cron.parse import Cron, ints, parse_cron
from floe_runtime.ports.cron.search import add_months, croniter_step
from floe_runtime.ports.errors import CronError

_DST_HOURS = frozenset({1, 2, 3})  # Dagster only looks for DST gaps/folds in these hours
_UTC = dt_timezone.utc


def next_ticks(cron: Cron, *, after: datetime, timezone: str, count: int) -> list[datetime]:
    """The next `count` tick times strictly after `after` (an aware datetime), as aware datetimes
    in `timezone` (an IANA name, via zoneinfo), following Dagster's schedule semantics, including
    its daylight-saving rules (skipped / repeated local times)."""
    start = _timestamp(after)
    later = (tick for tick in _ticks(cron, start, timezone, True) if tick.timestamp() > start)
    return list(itertools.islice(later, count))


def previous_tick(cron: Cron, *, at_or_before: datetime, timezone: str) -> datetime:
    """The latest tick at or before the given time, as Dagster's reverse iteration finds it
    (which is what Dagster uses for "the latest partition")."""
    return next(_ticks(cron, _timestamp(at_or_before), timezone, False))


# --- ticks: Dagster's cron_string_iterator ------------------------------------------------


def _timestamp(moment: datetime) -> float:
    if moment.utcoffset() is None:
        raise ValueError(f"{moment!r} must be timezone-aware")
    return moment.timestamp()


def _ticks(cron: Cron, start: float, timezone: str, ascending: bool) -> Iterator[datetime]:
    """Ticks at or after (ascending) or at or before `start`, as cron_string_iterator yields
    them: Feb 29 via Feb 28, then a fast path for common shapes, else croniter's search."""
    if cron.expression.endswith(" 29 2 *"):
        minute_hour, _ = cron.expression.split(" 29 2 *")
        for tick in _ticks(parse_cron(f"{minute_hour} 28 2 *"), start, timezone, ascending):
            if calendar.isleap(tick.year):
                yield tick + timedelta(days=1)
        return
    begin = datetime.fromtimestamp(start, _zone(timezone))
    kind = _fast_path(cron)
    if kind:
        local_minutes = kind == "hourly" and _has_fractional_offset(timezone)
        ticks = _fast_ticks(cron, kind, begin, local_minutes, ascending)
    else:
        ticks = _croniter_ticks(cron, begin, ascending)
    for tick in ticks:
        if tick.timestamp() < start if ascending else tick.timestamp() > start:
            raise CronError(
                f"Dagster cannot compute the ticks of {cron.expression!r} from here: its iterator "
                "fails an internal check (CheckError)"
            )
        yield tick


def _zone(timezone: str) -> tzinfo:
    """Dagster's get_timezone: the stdlib UTC singleton for "UTC"/"utc", zoneinfo otherwise."""
    return _UTC if timezone in ("UTC", "utc") else ZoneInfo(timezone)


_Kind: TypeAlias = Literal["monthly", "weekly", "daily", "hourly"]


def _fast_path(cron: Cron) -> _Kind | None:
    """Dagster's shortcut for single-time monthly/weekly/daily and fixed-minute hourly crons."""
    if cron.nth_weekdays:
        return None
    fields = (cron.minutes, cron.hours, cron.days, cron.months, cron.weekdays)
    number = [len(values) == 1 and isinstance(values[0], int) for values in fields]
    star = [values == ("*",) for values in fields]
    numeric_weekdays = len(ints(cron.weekdays)) == len(cron.weekdays)
    if all(number[:3]) and all(star[3:]) and ints(cron.days)[0] <= 28:
        return "monthly"
    if all(number[:2]) and number[4] and all(star[2:4]):
        return "weekly"
    if all(number[:2]) and all(star[2:4]) and (star[4] or numeric_weekdays):
        return "daily"
    if "*" not in cron.minutes and all(star[1:]):
        return "hourly"
    return None


@functools.cache
def _has_fractional_offset(timezone: str) -> bool:
    """Dagster's has_nonzero_minute_offset: decided from the offset *now*, once per process."""
    offset = datetime.now(_zone(timezone)).utcoffset()
    return offset is not None and offset.total_seconds() % 3600 != 0


def _fast_ticks(
    cron: Cron, kind: _Kind, start: datetime, local_minutes: bool, ascending: bool
) -> Iterator[datetime]:
    """Dagster's fast path: find the last tick before `start` going the other way, then step
    from tick to tick with the calendar arithmetic of the schedule's kind."""
    minutes, hours, days = ints(cron.minutes), ints(cron.hours), ints(cron.days)
    weekdays = ints(cron.weekdays)

    def find(moment: datetime, forward: bool, on_tick: bool) -> datetime:
        if kind == "hourly":
            return _find_hourly(minutes, moment, forward, on_tick, local_minutes)
        if kind == "daily":
            return _find_daily(minutes[0], hours[0], weekdays, moment, forward, on_tick)
        if kind == "weekly":
            return _find_weekly(minutes[0], hours[0], weekdays[0], moment, forward, on_tick)
        return _find_monthly(minutes[0], hours[0], days[0], moment, forward, on_tick)

    if _is_on_simple_tick(cron.expression, start):
        current = start
        yield current
    else:
        current = find(start, not ascending, False)
    while True:
        current = find(current, ascending, True)
        yield current


def _is_on_simple_tick(expression: str, moment: datetime) -> bool:
    """Whether Dagster yields the start itself as the first tick; it recognises a start that is
    on a tick this way only for these two literal strings."""
    whole_minute = moment.second == 0 and moment.microsecond == 0
    if expression == "0 0 * * *":
        return moment.hour == 0 and moment.minute == 0 and whole_minute
    return expression == "0 * * * *" and moment.minute == 0 and whole_minute


def _find_hourly(
    minutes: list[int], moment: datetime, forward: bool, on_tick: bool, local_minutes: bool
) -> datetime:
    """Dagster's _find_hourly_schedule_time: the nearest tick in elapsed time, so an hourly
    schedule fires in a repeated hour twice and in a skipped one not at all."""
    sign = 1 if forward else -1
    on_minute = moment.second == 0 and moment.microsecond == 0 and moment.minute == minutes[0]
    if len(minutes) == 1 and (on_tick or on_minute):
        return (moment.astimezone(_UTC) + timedelta(hours=sign)).astimezone(moment.tzinfo)
    now = moment.timestamp()
    if forward:
        base = math.ceil(now)
        base += (60 - base % 60) % 60
    else:
        base = math.floor(now)
        base -= base % 60
    current = (
        datetime.fromtimestamp(base, moment.tzinfo).minute if local_minutes else base // 60 % 60
    )
    if forward:
        stamps = [base + 60 * ((minute - current) % 60) for minute in minutes]
        best = min(stamp + 3600 if stamp <= now else stamp for stamp in stamps)
    else:
        stamps = [base - 60 * ((current - minute) % 60) for minute in minutes]
        best = max(stamp - 3600 if stamp >= now else stamp for stamp in stamps)
    return datetime.fromtimestamp(best, moment.tzinfo)


def _find_daily(
    minute: int,
    hour: int,
    weekdays: list[int],
    moment: datetime,
    forward: bool,
    on_tick: bool,
) -> datetime:
    """Dagster's _find_daily_schedule_time: a calendar day at a time, re-placing the wall time
    after DST changes, until the weekday (if any are given) matches."""
    while True:
        exact = moment.hour == hour and moment.minute == minute and moment.second == 0
        if on_tick and exact and moment.microsecond == 0:
            candidate = moment
        else:
            candidate = _place(moment, hour, minute, moment.day)
        if forward and (on_tick or candidate.timestamp() <= moment.timestamp()):
            candidate += timedelta(days=1)
        elif not forward and (on_tick or candidate.timestamp() >= moment.timestamp()):
            candidate -= timedelta(days=1)
        if candidate.hour != hour or candidate.minute != minute:
            candidate = _place(candidate, hour, minute, candidate.day)
        moment = _settle(candidate)
        if not weekdays or moment.isoweekday() % 7 in weekdays:
            return moment
        on_tick = True


def _find_weekly(
    minute: int, hour: int, weekday: int, moment: datetime, forward: bool, on_tick: bool
) -> datetime:
    """Dagster's _find_weekly_schedule_time: to the weekday, then a calendar week at a time."""
    candidate = moment
    if not on_tick:
        candidate = _place(moment, hour, minute, moment.day)
        current = candidate.isoweekday() % 7
        if current != weekday and forward:
            candidate += timedelta(days=(weekday - current) % 7)
        elif current != weekday:
            candidate -= timedelta(days=(current - weekday) % 7)
    if forward and (on_tick or candidate.timestamp() <= moment.timestamp()):
        candidate += timedelta(weeks=1)
    elif not forward and (on_tick or candidate.timestamp() >= moment.timestamp()):
        candidate -= timedelta(weeks=1)
    if candidate.hour != hour or candidate.minute != minute:
        candidate = _place(candidate, hour, minute, candidate.day)
    return _settle(candidate)


def _find_monthly(
    minute: int, hour: int, day: int, moment: datetime, forward: bool, on_tick: bool
) -> datetime:
    """Dagster's _find_monthly_schedule_time: a calendar month at a time (days 1-28 only)."""
    candidate = moment if on_tick else _place(moment, hour, minute, day)
    if forward and (on_tick or candidate.timestamp() <= moment.timestamp()):
        candidate = add_months(candidate, 1)
    elif not forward and (on_tick or candidate.timestamp() >= moment.timestamp()):
        candidate = add_months(candidate, -1)
    if candidate.hour != hour or candidate.minute != minute:
        candidate = _place(candidate, hour, minute, day)
    return _settle(candidate)


def _place(moment: datetime, hour: int, minute: int, day: int) -> datetime:
    """Dagster's _replace_date_fields: set the wall time, keeping fold, then settle it."""
    return _settle(moment.replace(day=day, hour=hour, minute=minute, second=0, microsecond=0))


def _settle(moment: datetime) -> datetime:
    """Dagster's DST rule: a skipped time moves to the end of the gap, a repeated one to its
    second occurrence (looked for in hours 1-3 only, as Dagster does)."""
    moment = _past_gap(moment)
    if moment.fold == 0 and moment.hour in _DST_HOURS and _ambiguous(moment):
        return moment.replace(fold=1)
    return moment


def _past_gap(moment: datetime) -> datetime:
    """Dagster's apply_post_transition: a wall time in a DST gap moves to the gap's end."""
    if moment.hour in _DST_HOURS and not _exists(moment):
        shift = (moment + timedelta(hours=1)).dst()
        assert shift is not None, "only zones with DST have gaps"
        return moment.replace(minute=0, second=0, microsecond=0) + shift
    return moment


def _exists(moment: datetime) -> bool:
    """dateutil's datetime_exists: the wall time survives a round trip through UTC."""
    round_trip = moment.astimezone(_UTC).astimezone(moment.tzinfo)
    return round_trip.replace(tzinfo=None) == moment.replace(tzinfo=None)


def _ambiguous(moment: datetime) -> bool:
    """dateutil's datetime_ambiguous: fold changes the offset (true in gaps as well)."""
    first, second = moment.replace(fold=0), moment.replace(fold=1)
    return first.utcoffset() != second.utcoffset() or first.dst() != second.dst()


def _croniter_ticks(cron: Cron, start: datetime, ascending: bool) -> Iterator[datetime]:
    """Dagster's _croniter_string_iterator: find the last tick before `start` going the other
    way, then walk from it, so a tick exactly at `start` is included."""
    anchor = next(_wall_clock_ticks(cron, start, not ascending))
    return _wall_clock_ticks(cron, anchor, ascending)


def _wall_clock_ticks(cron: Cron, start: datetime, ascending: bool) -> Iterator[datetime]:
    """Dagster's _timezone_aware_cron_iter: croniter on naive wall-clock times, then mapped
    into the zone. Crons whose hour is "*" skip times in a DST gap and fire twice in a repeated
    hour; others move a skipped time to the gap's end and fire once, at the second occurrence."""
    zone = start.tzinfo
    cursor = start.replace(tzinfo=None, fold=0) + timedelta(hours=-1 if ascending else 1)
    every_hour = cron.hours == ("*",)

    def advance() -> datetime:
        nonlocal cursor
        cursor = croniter_step(cron, cursor, backwards=not ascending)
        return cursor.replace(tzinfo=zone)

    last = start.timestamp()
    while True:
        local = advance()
        if not _exists(local):
            batch = [] if every_hour else [_past_gap(local)]
        elif _ambiguous(local):
            batch = _repeated_hour_batch(local, advance, every_hour, ascending)
        else:
            batch = [local]
        for tick in batch if ascending else reversed(batch):
            stamp = tick.timestamp()
            if stamp > last if ascending else stamp < last:
                last = stamp
                yield tick


def _repeated_hour_batch(
    local: datetime, advance: Callable[[], datetime], every_hour: bool, ascending: bool
) -> list[datetime]:
    """Dagster's _get_dates_to_consider_after_ambigious_time: both occurrences of every croniter
    match until the repeated hour is crossed, in elapsed-time order."""
    second = local.replace(fold=1)
    if not every_hour:
        return [second]
    first = local.replace(fold=0)
    batch = [second, first]
    newest_first, newest_second = first, second
    while (
        newest_first.timestamp() < second.timestamp()
        if ascending
        else newest_second.timestamp() > first.timestamp()
    ):
        moment = advance()
        newest_first, newest_second = moment.replace(fold=0), moment.replace(fold=1)
        batch += [newest_first, newest_second]
    return sorted(batch, key=lambda tick: tick.timestamp())
