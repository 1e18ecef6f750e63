"""Cron strings parsed and checked exactly as Dagster 1.13 (its vendored croniter) does."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeAlias

from floe_runtime.ports.errors import CronError

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

DAYS_IN_MONTH = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # croniter's, no leap day


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
        for month in range(1, 13) if "*" in self.months else ints(self.months):
            lengths = (28, 29) if month == 2 else (DAYS_IN_MONTH[month - 1],)
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
            by_date = {day for day in ints(self.days) if day <= length}
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


def ints(values: Sequence[Value]) -> list[int]:
    return [value for value in values if isinstance(value, int)]
