"""Cron strings read exactly as Dagster 1.13 reads them, without importing Dagster.

floe checks ``floe.yaml`` before any Dagster code runs, so "valid" has to mean exactly what
``dagster._utils.schedules.is_valid_cron_string`` accepts (it delegates to Dagster's vendored
croniter), and predicted ticks have to be the ones ``cron_string_iterator`` yields, because that
is what Dagster's scheduler and time-window partitions use. The code therefore follows those two
implementations step by step instead of textbook cron, and keeps their surprises on purpose:

* ``a-a`` (a range whose ends are equal) means the whole field: ``5-5 * * * *`` fires every
  minute and ``0 0 0-0 * *`` every day.
* Day-of-month and day-of-week are OR-ed only when neither is ``*``/``?``. Next to ``#n``/``Ln``
  the day-of-month adds nothing, and Dagster fails (here: ``ValueError``) when the two can never
  coincide, as in ``0 0 15 * 1#2``.
* Dagster computes a string ending in `` 29 2 *`` as "the Feb 28 ticks, one day later, in leap
  years". Started between Feb 28 and Feb 29 of a leap year it therefore skips that Feb 29, and the
  previous tick can be that Feb 29, i.e. *after* the given time.
* Hourly schedules in a zone whose UTC offset is not a whole number of hours *when first asked*
  (Dagster uses ``datetime.now()`` once per process) count minutes in local time, otherwise in
  UTC.
* A schedule that never matches within 50 years (``0 0 31 4 *``) is accepted, and asking for its
  ticks raises ``ValueError``, as it does in Dagster.
* Going back, croniter counts February as 28 days, so it can step over Feb 29; Dagster then
  fails an internal check (``30 2 29 * *`` in America/New_York from 2024-03-10), and so does
  this module, with ``ValueError``.

One deliberate difference: croniter's random values (``R``, ``R/10``, ``R(0-29)``) are accepted
by Dagster, but they draw a new schedule on every load, which means nothing in a declarative
file, so they are refused here. Hashed ``H`` values are refused by Dagster itself.
"""

from __future__ import annotations

import calendar
import functools
import itertools
import math
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, tzinfo
from datetime import timezone as dt_timezone
from typing import Literal, TypeAlias
from zoneinfo import ZoneInfo

Value: TypeAlias = int | str
"""One expanded field value: a number, "*" (any) or, in days of month, "l" (the last day)."""

Granularity: TypeAlias = Literal["minute", "hour", "day", "month", "year"]
NthWeekdays: TypeAlias = tuple[tuple[int, frozenset[Value]], ...]

_MINUTE, _HOUR, _DAY, _MONTH, _WEEKDAY = range(5)
_FIELD_NAMES = ("minute", "hour", "day-of-month", "month", "day-of-week")
_BOUNDS = ((0, 59), (0, 23), (1, 31), (1, 12), (0, 6))
_SHOWN_BOUNDS = ("0-59", "0-23", "1-31", "1-12", "0-7")
_EXPECTED = (
    "0-59, *, a range a-b or a step */n",
    "0-23, *, a range a-b or a step */n",
    "1-31, L, ?, *, a range a-b or a step */n",
    "1-12 or jan-dec, *, a range a-b or a step */n",
    "0-7 or sun-sat, ?, *, a range a-b, a step */n, nth weekday 1#2 or last weekday L5",
)
_FULL_COUNT = (60, 24, 31, 12, 7)
_MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTH_NAMES = {name: number for number, name in enumerate(_MONTHS, start=1)}
_WEEKDAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_WEEKDAY_NAMES = {name: number for number, name in enumerate(_WEEKDAYS)}
_NAMES: tuple[Mapping[str, Value], ...] = ({}, {}, {"l": "l"}, _MONTH_NAMES, _WEEKDAY_NAMES)
_ALIASES = {
    "@midnight": "0 0 * * *",
    "@hourly": "0 * * * *",
    "@daily": "0 0 * * *",
    "@weekly": "0 0 * * 0",
    "@monthly": "0 0 1 * *",
    "@yearly": "0 0 1 1 *",
    "@annually": "0 0 1 1 *",
}
_FIVE_FIELDS = "5 (minute hour day-of-month month day-of-week)"

# croniter's own patterns, kept verbatim so odd input (Unicode digits, stray "/") reads the same.
_RANGE_RE = re.compile(r"^([^-]+)-([^-/]+)(/(\d+))?$")
_DIGITS_RE = re.compile(r"^\d+$")
_STAR_OR_DIGITS_RE = re.compile(r"^(\d+|\*)$")
_STAR_STEP_RE = re.compile(r"^\*(\/.+)$")
_SLASH_RE = re.compile(r"^(.+)\/(.+)$")
_WEEKDAY_ALT = "|".join(_WEEKDAY_NAMES)
_MONTH_ALT = "|".join(_MONTH_NAMES)
_NTH_RE = re.compile(
    rf"^(?P<pre>((?P<he>(({_WEEKDAY_ALT})(-({_WEEKDAY_ALT}))?)"
    rf"|(({_MONTH_ALT})(-({_MONTH_ALT}))?)|\w+)#)|l)(?P<last>\d+)$"
)
_HASH_RE = re.compile(r"^(?P<kind>h|r)(\((\d+)-(\d+)\))?(\/(\d+))?$")

_DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # croniter's, no leap day
_MAX_YEARS = 50  # croniter gives up after this many years without a match
_DST_HOURS = frozenset({1, 2, 3})  # Dagster only looks for DST gaps/folds in these hours
_UTC = dt_timezone.utc


class CronError(ValueError):
    """A cron string Dagster would refuse; str() is a one-line, user-facing reason that names the
    field and the bad part, e.g. "hour field: 24 is out of range 0-23" or
    "6 fields given; Dagster schedules take 5 (minute hour day-of-month month day-of-week)"."""


@dataclass(frozen=True)
class Cron:
    """A cron string with its fields expanded exactly as Dagster's croniter expands them.

    Fields are sorted tuples of ints that may also hold "*" (croniter keeps it even beside
    numbers, as in "*,5") and, for days, "l". A field covering its whole range becomes ("*",)
    exactly when croniter does so, because Dagster picks its fast paths, and with them its
    daylight-saving behaviour, from that shape. ``nth_weekdays`` maps a weekday (0 = Sunday) to
    the occurrences asked for by "#n" (1-5) or "Ln" ("l").
    """

    expression: str
    minutes: tuple[Value, ...]
    hours: tuple[Value, ...]
    days: tuple[Value, ...]
    months: tuple[Value, ...]
    weekdays: tuple[Value, ...]
    nth_weekdays: NthWeekdays

    @property
    def granularity(self) -> Granularity:
        """The coarsest calendar unit that still separates two consecutive ticks:
        "minute" when it can fire more than once in some hour, "hour" when more than once in some
        day, "day" when more than once in some month (daily, weekly, several days a month),
        "month" when more than once in some year, else "year". Used to check that a partition
        key format (strftime) can tell partitions apart."""
        if "*" in self.minutes or len(self.minutes) > 1:
            return "minute"
        if "*" in self.hours or len(self.hours) > 1:
            return "hour"
        firing_months = 0
        for month in range(1, 13) if "*" in self.months else _ints(self.months):
            lengths = (28, 29) if month == 2 else (_DAYS_IN_MONTH[month - 1],)
            most = max(
                len(self._firing_days(first, length)) for length in lengths for first in range(7)
            )
            if most > 1:
                return "day"
            firing_months += most > 0
        return "month" if firing_months > 1 else "year"

    def _firing_days(self, first_weekday: int, length: int) -> set[int]:
        """Days on which it fires in a month of `length` days starting on `first_weekday`,
        combining the two day fields the way croniter does."""
        every_day = set(range(1, length + 1))
        if "*" in self.days:
            by_date = every_day
        else:
            by_date = {day for day in _ints(self.days) if day <= length}
            by_date |= {length} if "l" in self.days else set()
        if self.nth_weekdays:
            by_weekday = set()
            for weekday, occurrences in self.nth_weekdays:
                dates = range(1 + (weekday - first_weekday) % 7, length + 1, 7)
                for nth in occurrences:
                    if nth == "l":
                        by_weekday.add(dates[-1])
                    elif isinstance(nth, int) and nth <= len(dates):
                        by_weekday.add(dates[nth - 1])
        elif "*" in self.weekdays:
            by_weekday = every_day
        else:
            by_weekday = {d for d in every_day if (first_weekday + d - 1) % 7 in self.weekdays}
        if self.days[0] != "*" and self.weekdays[0] != "*":
            return by_weekday if self.nth_weekdays else by_date | by_weekday
        return by_date & by_weekday


def parse_cron(expression: str) -> Cron:
    """Parse a cron string the way Dagster does, or raise CronError saying what is wrong."""
    fields = _expand(expression)
    if isinstance(fields, str):
        raise CronError(fields)
    return Cron(expression, *fields)


def is_valid_cron(expression: str) -> bool:
    """True exactly when Dagster accepts the string (save for the R values refused above)."""
    return not isinstance(_expand(expression), str)


def next_ticks(cron: Cron, after: datetime, timezone: str, count: int) -> list[datetime]:
    """The next `count` tick times strictly after `after` (an aware datetime), as aware datetimes
    in `timezone` (an IANA name, via zoneinfo), following Dagster's schedule semantics, including
    its daylight-saving rules (skipped / repeated local times)."""
    start = _timestamp(after)
    later = (tick for tick in _ticks(cron, start, timezone, True) if tick.timestamp() > start)
    return list(itertools.islice(later, count))


def previous_tick(cron: Cron, at_or_before: datetime, timezone: str) -> datetime:
    """The latest tick at or before the given time, as Dagster's reverse iteration finds it
    (which is what Dagster uses for "the latest partition")."""
    return next(_ticks(cron, _timestamp(at_or_before), timezone, False))


# --- parsing: croniter.expand for five fields, plus Dagster's own checks ----------------------


_Fields: TypeAlias = tuple[
    tuple[Value, ...],
    tuple[Value, ...],
    tuple[Value, ...],
    tuple[Value, ...],
    tuple[Value, ...],
    NthWeekdays,
]


@functools.lru_cache(maxsize=4096)
def _expand(expression: str) -> _Fields | str:
    """The expanded fields, or the reason they are refused (a string, so it is cached too)."""
    try:
        return _expand_fields(expression)
    except CronError as error:
        return str(error)


def _expand_fields(expression: str) -> _Fields:
    lowered = expression.lower()
    alias = _ALIASES.get(lowered)
    fields = (alias or lowered).split()
    if len(fields) != 5:
        raise CronError(_count_problem(expression, len(fields)))
    shown = fields if alias or expression == lowered else expression.split()
    minute, hour, day, month, weekday = fields
    minutes = _expand_field(_MINUTE, minute, shown[_MINUTE], True)[0]
    hours = _expand_field(_HOUR, hour, shown[_HOUR], True)[0]
    # croniter collapses a full day field to "*" only if the other day field contains a "*"
    days = _expand_field(_DAY, day, shown[_DAY], "*" in weekday)[0]
    months = _expand_field(_MONTH, month, shown[_MONTH], True)[0]
    weekdays, nth_weekdays = _expand_field(_WEEKDAY, weekday, shown[_WEEKDAY], "*" in day)
    if nth_weekdays:
        plain = set(weekdays) - {weekday for weekday, _ in nth_weekdays} - {"*"}
        if plain and len(set(weekdays)) != _FULL_COUNT[_WEEKDAY]:
            raise CronError(
                f"day-of-week field: {shown[_WEEKDAY]!r} mixes plain weekdays with #n/Ln ones, "
                "which Dagster's croniter refuses"
            )
    if months == (2,) and days in ((30,), (31,)):
        raise CronError(f"day-of-month field: February {days[0]} never occurs")
    return minutes, hours, days, months, weekdays, nth_weekdays


def _count_problem(expression: str, count: int) -> str:
    alias = expression.strip().lower()
    if alias in _ALIASES:
        return f"{expression!r}: write the alias {alias} without surrounding whitespace"
    if count == 1 and alias.startswith("@"):
        return f"unknown alias {expression.strip()!r}; Dagster knows {', '.join(_ALIASES)}"
    if count == 0:
        return f"empty cron string; Dagster schedules take {_FIVE_FIELDS}"
    return f"{count} field{'s' * (count != 1)} given; Dagster schedules take {_FIVE_FIELDS}"


@functools.lru_cache(maxsize=2048)
def _expand_field(
    index: int, text: str, shown: str, may_collapse: bool
) -> tuple[tuple[Value, ...], NthWeekdays]:
    """One field's values and "#n"/"Ln" weekdays; cached because the same fields recur."""
    field = _FIELD_NAMES[index]
    hashed = _HASH_RE.match(text)
    if hashed and hashed["kind"] == "h":
        raise CronError(f"{field} field: {shown!r} is a hashed (H) value, which Dagster refuses")
    if hashed:
        raise CronError(
            f"{field} field: {shown!r} is a random (R) value; floe refuses it because it would "
            "pick a different schedule on every load"
        )
    if "?" in text:
        if text != "?":
            raise CronError(f"{field} field: '?' must stand alone, not in {shown!r}")
        if index not in (_DAY, _WEEKDAY):
            raise CronError(f"{field} field: '?' is only allowed in day-of-month and day-of-week")
        text = "*"
    values: set[Value] = set()
    nths: dict[int, set[Value]] = {}
    for item, shown_item in zip(text.split(","), shown.split(","), strict=True):
        if not item:
            raise CronError(f"{field} field: empty list item in {shown!r}")
        _expand_item(index, item, shown_item, values, nths)
    ordered = tuple(sorted(values, key=lambda v: f"{v:02}" if isinstance(v, int) else v))
    if len(ordered) == _FULL_COUNT[index] and may_collapse:
        ordered = ("*",)
    return ordered, tuple((day, frozenset(nths[day])) for day in sorted(nths))


def _expand_item(
    index: int, item: str, shown: str, values: set[Value], nths: dict[int, set[Value]]
) -> None:
    """Add the values of one comma-separated item, following croniter's reading order."""
    low, high = _BOUNDS[index]
    nth: Value | None = None
    special = _NTH_RE.match(item) if index == _WEEKDAY else None
    if special and special["he"]:
        item, nth = special["he"], _number(special["last"], index, shown)
        if not 1 <= nth <= 5:
            raise CronError(f"day-of-week field: {shown!r}: the n in #n must be 1-5")
    elif special:
        item, nth = special["last"], "l"
    spelled = _STAR_STEP_RE.sub(rf"{low}-{high}\1", item)
    match = _RANGE_RE.search(spelled)
    if not match:
        spelled = _SLASH_RE.sub(rf"\1-{high}/\2", item)
        match = _RANGE_RE.search(spelled)
    new_values = _expand_range(index, match, shown) if match else [_single(index, spelled, shown)]
    for value in new_values:
        values.add(value)
        if nth is not None and isinstance(value, int):
            nths.setdefault(value, set()).add(nth)


def _expand_range(index: int, match: re.Match[str], shown: str) -> list[Value]:
    """croniter's a-b/n, including its wrap-around (fri-mon) and "a-a means everything"."""
    field, (low, high) = _FIELD_NAMES[index], _BOUNDS[index]
    start_text, end_text, step_text = match[1], match[2], match[4] or "1"
    if index == _DAY and end_text == "l":
        end_text = "31"
    start, end = _bound(index, start_text, shown), _bound(index, end_text, shown)
    step = _number(step_text, index, shown)
    if step == 0:
        raise CronError(f"{field} field: {shown!r}: a step must be at least 1")
    if max(start, end) > high:
        raise CronError(
            f"{field} field: {max(start, end)} in {shown!r} is out of range {_SHOWN_BOUNDS[index]}"
        )
    if start == end:
        return list(range(low, high + 1, step))
    if start < end:
        if start < low:
            raise CronError(
                f"{field} field: {start} in {shown!r} is out of range {_SHOWN_BOUNDS[index]}"
            )
        return list(range(start, end + 1, step))
    head = list(range(start, high + 1, step))
    # croniter carries the step over the wrap only when the head ends near the top of the field
    last = head[-1]
    skipped = high - last
    carry = step - skipped if last - low + step > high - low + 1 and skipped < step else 0
    return [*head, *range(low + carry, end + 1, step)]


def _bound(index: int, text: str, shown: str) -> int:
    """One end of a range, as a number (names converted, 7 meaning Sunday)."""
    if _DIGITS_RE.search(text):
        return _alias(index, _number(text, index, shown))
    named = _NAMES[index].get(text)
    if named is None:
        raise CronError(
            f"{_FIELD_NAMES[index]} field: can't read {text!r} in {shown!r}; "
            f"expected {_EXPECTED[index]}"
        )
    if not isinstance(named, int):
        raise CronError(f"day-of-month field: {shown!r}: L cannot start a range")
    return named


def _single(index: int, text: str, shown: str) -> Value:
    field, (low, high) = _FIELD_NAMES[index], _BOUNDS[index]
    if text.startswith("-"):
        raise CronError(f"{field} field: {shown!r}: negative numbers are not allowed")
    value: Value | None
    if _STAR_OR_DIGITS_RE.search(text):
        value = "*" if text == "*" else _alias(index, _number(text, index, shown))
    else:
        value = _NAMES[index].get(text)
    if value is None:
        raise CronError(f"{field} field: can't read {shown!r}; expected {_EXPECTED[index]}")
    if isinstance(value, int) and not low <= value <= high:
        raise CronError(f"{field} field: {value} is out of range {_SHOWN_BOUNDS[index]}")
    return value


def _number(text: str, index: int, shown: str) -> int:
    try:
        return int(text)
    except ValueError:  # Python refuses to convert more than 4300 digits
        raise CronError(f"{_FIELD_NAMES[index]} field: {shown!r} is too long a number") from None


def _alias(index: int, value: int) -> int:
    return 0 if index == _WEEKDAY and value == 7 else value


def _ints(values: Sequence[Value]) -> list[int]:
    return [value for value in values if isinstance(value, int)]


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
            raise ValueError(
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
    numeric_weekdays = len(_ints(cron.weekdays)) == len(cron.weekdays)
    if all(number[:3]) and all(star[3:]) and _ints(cron.days)[0] <= 28:
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
    minutes, hours, days = _ints(cron.minutes), _ints(cron.hours), _ints(cron.days)
    weekdays = _ints(cron.weekdays)

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
        candidate = _add_months(candidate, 1)
    elif not forward and (on_tick or candidate.timestamp() >= moment.timestamp()):
        candidate = _add_months(candidate, -1)
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


def _add_months(moment: datetime, months: int) -> datetime:
    """relativedelta(months=n): same day, clipped to the month's length; fold resets to 0."""
    year, month = divmod(moment.year * 12 + moment.month - 1 + months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day, fold=0)


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
        cursor = _croniter_step(cron, cursor, backwards=not ascending)
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


# --- croniter's search on naive wall-clock times ----------------------------------------------

_Step: TypeAlias = Callable[[datetime], datetime | None]


def _croniter_step(cron: Cron, cursor: datetime, backwards: bool) -> datetime:
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
    raise ValueError(f"{cron.expression!r} matches no date within {_MAX_YEARS} years")


def _step_month(months: tuple[Value, ...], d: datetime, backwards: bool) -> datetime | None:
    if "*" in months:
        return None
    diff = _nearest(d.month, months, 12, backwards)
    if diff == 0:
        return None
    moved = _add_months(d, diff)
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
    span = _DAYS_IN_MONTH[(d.month - 2) % 12] if backwards else length
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
    numbers = _ints(allowed)
    for value in reversed(numbers):
        if value <= current:
            return value - current
    if "l" in allowed:
        return -current
    candidate = next((value for value in reversed(numbers) if value <= span), numbers[-1])
    if candidate > span:
        return -span
    return candidate - current - span
