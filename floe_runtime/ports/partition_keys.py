"""How many partition keys a definition has at a given time, and its first and last, without
listing them.

``floe list`` and backfill checks must show what Dagster's ``get_partition_keys(current_time=…)``
returns, but a ten-year hourly by 1,000-region multi partition has 87 million keys, so nothing
here enumerates. A time window is reduced to its first and last window, found with Dagster's
own rules (``TimeWindowPartitionsDefinition._get_first_partition_window`` and
``_get_last_partition_window``: ``end`` caps the last window, a negative ``end_offset`` drops
complete windows, a positive one adds windows in progress or in the future), and the keys
between them are counted by arithmetic where the cron allows it (Dagster's fixed-minute
intervals, one tick per day, week or month), else by stepping through at most
``MAX_STEPPED_TICKS`` ticks. Multi partitions multiply their dimensions, ordered by name as
Dagster orders them. Backfill ranges are checked here too, against the keys that exist at
``now``: both bounds written in the key format, on a window start, and not past the last key.
``tests/differential/test_partition_keys.py`` checks it all against real Dagster.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any

from floe_runtime.base.diagnostics import did_you_mean, known_list
from floe_runtime.ports.cron import Cron, next_ticks, parse_cron, previous_tick
from floe_runtime.ports.errors import CronError, PartitionKeysError
from floe_runtime.ports.partitions import dimension, key_format, parse_time, time_dimension, zone

MAX_STEPPED_TICKS = 200_000
"""Ticks walked one by one for crons without arithmetic; past it, a count is a lower bound."""
_EPSILON = timedelta(milliseconds=1)
_UTC = timezone.utc


@dataclass(frozen=True)
class KeySpan:
    """What ``get_partition_keys`` would return, summarised: None counts are dynamic keys."""

    count: int | None
    first: str | None
    last: str | None
    exact: bool = True


@dataclass(frozen=True)
class Windows:
    """A time window definition's first and last window starts (ticks), when it has any."""

    cron: Cron
    timezone: str
    fmt: str
    first: datetime
    last: datetime

    def key(self, start: datetime) -> str:
        return format_key(start, self.fmt, self.cron, self.timezone)


def format_key(start: datetime, fmt: str, cron: Cron, tz: str) -> str:
    """Dagster's ``dst_safe_strftime``: the second of two equal local times gets its offset."""
    if "%z" not in fmt and cron.hours == ("*",) and _second_ambiguous(start, tz):
        return start.strftime(fmt + "%z")
    return start.strftime(fmt)


def _second_ambiguous(moment: datetime, tz: str) -> bool:
    if tz.upper() == "UTC" or moment.fold == 0:
        return False
    before = moment.replace(fold=0).utcoffset()
    return before is not None and moment.utcoffset() is not None and before > moment.utcoffset()  # type: ignore[operator]


def _after(cron: Cron, moment: datetime, tz: str, count: int = 1) -> list[datetime]:
    return next_ticks(cron, after=moment, timezone=tz, count=count)


def _at_or_after(cron: Cron, moment: datetime, tz: str) -> datetime:
    return _after(cron, _earlier(moment), tz)[0]


def _earlier(moment: datetime) -> datetime:
    """A millisecond earlier in absolute time (wall-clock arithmetic would cross a DST fold)."""
    return moment.astimezone(_UTC) - _EPSILON


def _at_or_before(cron: Cron, moment: datetime, tz: str) -> datetime:
    return previous_tick(cron, at_or_before=moment, timezone=tz)


def _before(cron: Cron, tick: datetime, tz: str, steps: int = 1) -> datetime:
    for _ in range(steps):
        tick = previous_tick(cron, at_or_before=_earlier(tick), timezone=tz)
    return tick


def _forward(cron: Cron, tick: datetime, tz: str, steps: int) -> datetime:
    return tick if steps <= 0 else _after(cron, tick, tz, steps)[-1]


def windows(tw: Any, now: datetime) -> Windows | None:
    """The first and last window of a time_window definition at ``now``, or None (no keys)."""
    cron = parse_cron(tw.cron_schedule)
    fmt = key_format(tw)
    tz = tw.timezone
    if zone(tz) is None:
        raise PartitionKeysError(f"unknown timezone {tz!r}")
    start = parse_time(tw.start, fmt, tz)
    end = parse_time(tw.end, fmt, tz) if tw.end else None
    if start is None or (tw.end and end is None):
        raise PartitionKeysError(f"start {tw.start!r} or end {tw.end!r} is not a date")
    if abs(tw.end_offset) > MAX_STEPPED_TICKS:
        raise PartitionKeysError(
            f"end_offset {tw.end_offset} steps over more than {MAX_STEPPED_TICKS:,} windows"
        )
    try:
        return _windows(cron, tz, fmt, start, end, tw.end_offset, now)
    except (OverflowError, ValueError) as exc:
        raise PartitionKeysError(
            f"partition windows from {tw.start} at {now.isoformat()} fall outside the years "
            f"Python can represent (1-9999): {exc}"
        ) from None


def _windows(
    cron: Cron,
    tz: str,
    fmt: str,
    start: datetime,
    end: datetime | None,
    offset: int,
    now: datetime,
) -> Windows | None:
    first = _at_or_after(cron, start, tz)
    first_end = _after(cron, first, tz)[0]
    if end is not None and end <= start:
        return None
    if offset == 0:
        exists = first_end <= now
    elif offset > 0:
        exists = first_end <= _forward(cron, _at_or_after(cron, now, tz), tz, offset)
    else:
        exists = first_end <= _before(cron, _at_or_before(cron, now, tz), tz, -offset)
    if not exists:
        return None
    if offset == 0:
        moment = end if end is not None and end < now else now
        last = _before(cron, _at_or_before(cron, moment, tz), tz)
    else:
        zero_end = _at_or_before(cron, now, tz)
        if offset < 0:
            current = _before(cron, zero_end, tz, -offset + 1)
        else:
            current = _forward(cron, zero_end, tz, offset - 1)
        before_end = None
        if end is not None:
            before_end = _before(cron, _at_or_before(cron, end, tz), tz)
        if before_end is not None and before_end <= current:
            last = before_end
        elif current < first:
            last = first
        else:
            last = current
    return Windows(cron, tz, fmt, first, max(first, last))


def count_ticks(cron: Cron, tz: str, first: datetime, last: datetime) -> tuple[int, bool]:
    """Ticks from ``first`` to ``last`` (both ticks) inclusive; the bool says it is exact."""
    if last < first:
        return 0, True
    interval = fixed_minute_interval(cron.expression)
    if interval is not None:
        return int((last.timestamp() - first.timestamp()) // (interval * 60)) + 1, True
    period = _calendar_period(cron)
    a, b = first.astimezone(zone(tz)), last.astimezone(zone(tz))
    if period == "day":
        return (b.date() - a.date()).days + 1, True
    if period == "week":
        return (b.date() - a.date()).days // 7 + 1, True
    if period == "month":
        return (b.year * 12 + b.month) - (a.year * 12 + a.month) + 1, True
    count = 1
    tick = first
    while count < MAX_STEPPED_TICKS:
        batch = _after(cron, tick, tz, min(4096, MAX_STEPPED_TICKS - count))
        for moment in batch:
            if moment > last:
                return count, True
            count += 1
        tick = batch[-1]
    return count, False


def _calendar_period(cron: Cron) -> str | None:
    """``day``/``week``/``month`` when the cron fires exactly once in each of them."""
    if cron.nth_weekdays or len(cron.minutes) != 1 or len(cron.hours) != 1:
        return None
    if "*" in cron.minutes or "*" in cron.hours or cron.months != ("*",):
        return None
    if cron.expression.split()[2:4] == ["29", "2"]:
        return None
    if cron.days == ("*",) and cron.weekdays == ("*",):
        return "day"
    if cron.days == ("*",) and len(cron.weekdays) == 1 and isinstance(cron.weekdays[0], int):
        return "week"
    single_day = len(cron.days) == 1 and isinstance(cron.days[0], int) and cron.days[0] <= 28
    if single_day and cron.weekdays == ("*",):
        return "month"
    return None


def fixed_minute_interval(expression: str) -> int | None:
    """Dagster's ``get_fixed_minute_interval``: minutes between ticks when always the same."""
    if expression == "0 * * * *":
        return 60
    if expression == "* * * * *":
        return 1
    parts = expression.split()
    if len(parts) != 5 or any(part != "*" for part in parts[1:]):
        return None
    minute = parts[0]
    if minute.startswith("*/"):
        step = minute[2:]
        if step.isdigit() and 0 < int(step) < 60 and 60 % int(step) == 0:
            return int(step)
        return None
    if "," in minute:
        items = minute.split(",")
        if not all(item.isdigit() for item in items):
            return None
        values = sorted(int(item) for item in items)
        if len(values) < 2 or values[-1] > 59:
            return None
        gaps = {b - a for a, b in itertools.pairwise(values)} | {60 - values[-1] + values[0]}
        return next(iter(gaps)) if len(gaps) == 1 else None
    return None


def time_window_span(tw: Any, now: datetime) -> KeySpan:
    found = windows(tw, now)
    if found is None:
        return KeySpan(0, None, None)
    count, exact = count_ticks(found.cron, found.timezone, found.first, found.last)
    return KeySpan(count, found.key(found.first), found.key(found.last), exact)


def span(definition: Any, defs: Mapping[str, Any], now: datetime) -> KeySpan:
    """The keys of a partitions definition (or the name of one) at ``now``."""
    definition = dimension(definition, defs)
    kind = getattr(definition, "type", None)
    try:
        if kind == "time_window":
            return time_window_span(definition, now)
    except CronError as exc:
        raise PartitionKeysError(f"cron {definition.cron_schedule!r}: {exc}") from None
    if kind == "static":
        keys = definition.partition_keys
        return KeySpan(len(keys), keys[0], keys[-1])
    if kind == "multi":
        dims = [
            span(definition.partitions[name], defs, now) for name in sorted(definition.partitions)
        ]
        if any(d.count is None for d in dims):
            return KeySpan(None, None, None)
        total = 1
        for d in dims:
            total *= d.count or 0
        if total == 0:
            return KeySpan(0, None, None)
        return KeySpan(
            total,
            "|".join(str(d.first) for d in dims),
            "|".join(str(d.last) for d in dims),
            all(d.exact for d in dims),
        )
    return KeySpan(None, None, None)


def keys_between(tw: Any, now: datetime, start_key: str, end_key: str) -> tuple[int, bool] | None:
    """How many keys of ``tw`` lie from ``start_key`` to ``end_key`` (keys in its format)."""
    found = windows(tw, now)
    if found is None:
        return 0, True
    low = parse_time(start_key, found.fmt, found.timezone)
    high = parse_time(end_key, found.fmt, found.timezone)
    if low is None or high is None:
        return None
    first = max(found.first, _at_or_after(found.cron, low, found.timezone))
    last = min(found.last, _at_or_before(found.cron, high, found.timezone))
    return count_ticks(found.cron, found.timezone, first, last)


@dataclass(frozen=True)
class RangeProblem:
    """Why a backfill range does not fit; ``bound`` is "start", "end" or "" (the range)."""

    bound: str
    message: str
    hint: str | None = None


def range_problems(
    start: str, end: str, definition: Any, defs: Mapping[str, Any], name: str | None, now: datetime
) -> list[RangeProblem]:
    """Check a backfill range against partitions entry ``name`` (``definition``) as Dagster
    will launch it at ``now``: both bounds are existing partition keys, start before end. With
    no definition (not known yet), only dates must be dates in order."""
    if getattr(definition, "type", None) == "multi":
        definition = time_dimension(definition, defs)
        if definition is None:
            return [
                RangeProblem(
                    "",
                    "a range over multi partitions runs along their time dimension, and these "
                    "have none",
                    "omit partition_range to backfill every partition",
                )
            ]
    kind = getattr(definition, "type", None)
    if kind == "dynamic":
        return []
    if kind == "static":
        return _key_range_problems(start, end, list(definition.partition_keys), name)
    if kind == "time_window":
        try:
            return _time_range_problems(start, end, definition, now)
        except CronError:
            return []  # the definition's own cron problem is reported where it is written
        except PartitionKeysError as exc:
            return [RangeProblem("", str(exc))]
        except (OverflowError, ValueError):
            return [RangeProblem("", "the range reaches outside the years 1-9999")]
    bounds = {"start": parse_time(start, None, "UTC"), "end": parse_time(end, None, "UTC")}
    if bounds["start"] is None and bounds["end"] is None:
        return []  # keys of partitions the compiler will name
    problems = [
        RangeProblem(bound, f"{bound} {text!r} is not a date", "write YYYY-MM-DD")
        for bound, text in (("start", start), ("end", end))
        if bounds[bound] is None
    ]
    first, last = bounds["start"], bounds["end"]
    if first is not None and last is not None and first > last:
        problems.append(RangeProblem("end", f"start {start!r} is after end {end!r}"))
    return problems


def as_key(text: str, fmt: str, tz: str) -> datetime | None:
    """``text`` read strictly in the key format (with Dagster's ``%z`` for DST repeats)."""
    for candidate in (fmt, fmt if "%z" in fmt else fmt + "%z"):
        try:
            parsed = datetime.strptime(text, candidate)
        except (ValueError, re.error):
            continue
        if parsed.tzinfo is not None:
            return parsed.astimezone(zone(tz))
        return parsed.replace(tzinfo=zone(tz))
    return None


def _time_range_problems(start: str, end: str, tw: Any, now: datetime) -> list[RangeProblem]:
    cron = parse_cron(tw.cron_schedule)
    fmt, tz = key_format(tw), tw.timezone
    if zone(tz) is None:
        return []
    problems = []
    bounds: dict[str, datetime] = {}
    for bound, text in (("start", start), ("end", end)):
        moment = as_key(text, fmt, tz)
        if moment is None:
            first = _at_or_after(cron, datetime(2024, 1, 1, tzinfo=zone(tz)), tz)
            problems.append(
                RangeProblem(
                    bound,
                    f"{bound} {text!r} is not a partition key",
                    f"keys are written {fmt!r}, e.g. {format_key(first, fmt, cron, tz)!r}",
                )
            )
            continue
        # Dagster's time_window_for_partition_key: the window starting at or after the parsed
        # key; the key exists when that window's own key is this text (a daily cron at 03:00
        # has key "2024-02-01" for the window from 03:00).
        tick = _at_or_after(cron, moment, tz)
        if format_key(tick, fmt, cron, tz) != text:
            problems.append(
                RangeProblem(
                    bound,
                    f"{bound} {text!r} is not the start of a partition window "
                    f"(cron {tw.cron_schedule!r})",
                    f"the next window starts at {format_key(tick, fmt, cron, tz)!r}",
                )
            )
            continue
        bounds[bound] = tick
    if problems:
        return problems
    if bounds["start"] > bounds["end"]:
        return [RangeProblem("end", f"start {start!r} is after end {end!r}")]
    found = windows(tw, now)
    if found is None:
        return [RangeProblem("", f"partitions from {tw.start} have no complete window yet")]
    if bounds["start"] < found.first:
        problems.append(
            RangeProblem("start", f"start {start!r} is before the first partition ({tw.start})")
        )
    if bounds["end"] > found.last:
        last = found.key(found.last)
        ended = tw.end is not None and bounds["end"] >= _at_or_before(
            cron, parse_time(tw.end, fmt, tz) or now, tz
        )
        message = (
            f"end {end!r} is at or after the partitions' end ({tw.end})"
            if ended
            else f"end {end!r} is after the last partition that exists now ({last!r}); Dagster "
            "cannot backfill partitions that do not exist yet"
        )
        problems.append(RangeProblem("end", message, f"end the range at {last!r} or earlier"))
    return problems


def _key_range_problems(
    start: str, end: str, keys: list[str], name: str | None
) -> list[RangeProblem]:
    problems = [
        RangeProblem(
            bound,
            f"{bound} {key!r} is not a key of partitions {name!r}",
            did_you_mean(key, keys) or f"keys: {known_list(keys)}",
        )
        for bound, key in (("start", start), ("end", end))
        if key not in keys
    ]
    if not problems and keys.index(start) > keys.index(end):
        problems.append(
            RangeProblem("end", f"start {start!r} comes after end {end!r} in the partition keys")
        )
    return problems


def now_utc() -> datetime:
    """The time partition checks are made at (Dagster lists keys up to the present)."""
    return datetime.now(_UTC)
