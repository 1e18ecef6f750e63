"""Cron strings: refusals that explain themselves, tick shortcuts, granularity.

These need no Dagster; ``tests/differential/test_cron.py`` checks the same module against it.
"""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from floe_runtime.ports.cron import is_valid_cron, next_ticks, parse_cron, previous_tick
from floe_runtime.ports.errors import CronError

FIELDS_HINT = "Dagster schedules take 5 (minute hour day-of-month month day-of-week)"

REFUSED = [
    ("", f"empty cron string; {FIELDS_HINT}"),
    ("* * * *", f"4 fields given; {FIELDS_HINT}"),
    ("0 0 * * * *", f"6 fields given; {FIELDS_HINT}"),
    ("0 0 1 1 * 2030", f"6 fields given; {FIELDS_HINT}"),
    (" @daily", "' @daily': write the alias @daily without surrounding whitespace"),
    (
        "@reboot",
        "unknown alias '@reboot'; Dagster knows @midnight, @hourly, @daily, @weekly, @monthly, "
        "@yearly, @annually",
    ),
    ("60 * * * *", "minute field: 60 is out of range 0-59"),
    ("0 24 * * *", "hour field: 24 is out of range 0-23"),
    ("0 0 0 * *", "day-of-month field: 0 is out of range 1-31"),
    ("0 0 * 13 *", "month field: 13 is out of range 1-12"),
    ("0 0 * * 8", "day-of-week field: 8 is out of range 0-7"),
    ("0 0 1-40 * *", "day-of-month field: 40 in '1-40' is out of range 1-31"),
    ("0 0 * 0-3 *", "month field: 0 in '0-3' is out of range 1-12"),
    ("*/0 * * * *", "minute field: '*/0': a step must be at least 1"),
    ("-5 * * * *", "minute field: '-5': negative numbers are not allowed"),
    ("1,,2 * * * *", "minute field: empty list item in '1,,2'"),
    (
        "0 L * * *",
        "hour field: can't read 'L'; expected 0-23, *, a range a-b or a step */n",
    ),
    (
        "0 0 15W * *",
        "day-of-month field: can't read '15W'; expected 1-31, L, ?, *, a range a-b or a step */n",
    ),
    (
        "0 0 * Foo *",
        "month field: can't read 'Foo'; expected 1-12 or jan-dec, *, a range a-b or a step */n",
    ),
    (
        "0 0 * * MON-xyz",
        "day-of-week field: can't read 'xyz' in 'MON-xyz'; expected 0-7 or sun-sat, ?, *, "
        "a range a-b, a step */n, nth weekday 1#2 or last weekday L5",
    ),
    ("0 0 L-5 * *", "day-of-month field: 'L-5': L cannot start a range"),
    ("? * * * *", "minute field: '?' is only allowed in day-of-month and day-of-week"),
    ("0 0 ?,1 * *", "day-of-month field: '?' must stand alone, not in '?,1'"),
    ("0 0 * * 1#6", "day-of-week field: '1#6': the n in #n must be 1-5"),
    (
        "0 0 * * 1#2,3",
        "day-of-week field: '1#2,3' mixes plain weekdays with #n/Ln ones, "
        "which Dagster's croniter refuses",
    ),
    ("0 0 30 2 *", "day-of-month field: February 30 never occurs"),
    ("0 0 31 FEB *", "day-of-month field: February 31 never occurs"),
    ("H * * * *", "minute field: 'H' is a hashed (H) value, which Dagster refuses"),
]

ACCEPTED = [
    *["*/15 * * * *", "0 0 * * *", "0 9 * * MON-FRI", "0 0 1 jan *", "1-10/2 * * * *"],
    *["@daily", "@DAILY", "  0 0 * * *  ", "0\t0 * *  *\n", "0 0 * * 7", "0 0 * * 0-7"],
    *["0 0 * * fri-mon", "0 0 * * 1#2", "0 0 * * L5", "0 0 L * *", "0 0 ? * *"],
    # croniter reads "a-a" as the whole field, so these are every minute and every day
    *["5-5 * * * *", "0 0 0-0 * *"],
    # accepted although February 30 or April 31 never comes: only "one day, only February"
    # is refused, and computing ticks for these fails (see test_schedules_that_never_fire)
    *["0 0 30 2,3 *", "0 0 31 4 *", "0 0 30,31 2 *"],
]


@pytest.mark.parametrize(("expression", "message"), REFUSED)
def test_refusals_explain_themselves(expression: str, message: str) -> None:
    with pytest.raises(CronError) as refusal:
        parse_cron(expression)
    assert str(refusal.value) == message
    assert not is_valid_cron(expression)


@pytest.mark.parametrize("expression", ACCEPTED)
def test_accepted_strings_keep_their_spelling(expression: str) -> None:
    assert parse_cron(expression).expression == expression


@pytest.mark.parametrize("expression", ["R * * * *", "0 R(0-5) * * *", "R/15 * * * *"])
def test_random_values_are_refused(expression: str) -> None:
    """R picks a new value on every load, so a declarative file could not say when it runs."""
    with pytest.raises(CronError, match=r"is a random \(R\) value; floe refuses it"):
        parse_cron(expression)


def _utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    return datetime(year, month, day, hour, tzinfo=timezone.utc)


def test_leap_day_shortcut_is_mirrored() -> None:
    """Dagster derives "... 29 2 *" from Feb 28: from Feb 28 2024 noon it skips to 2028, and the
    'previous' tick is Feb 29 2024, after the given time. floe predicts what Dagster does."""
    noon = _utc(2024, 2, 28, 12)
    cron = parse_cron("0 0 29 2 *")
    assert next_ticks(cron, after=noon, timezone="UTC", count=1) == [_utc(2028, 2, 29)]
    assert previous_tick(cron, at_or_before=noon, timezone="UTC") == _utc(2024, 2, 29)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        next_ticks(parse_cron("@daily"), after=datetime(2025, 1, 1), timezone="UTC", count=1)


# --- 3. granularity ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("expression", "granularity"),
    [
        ("*/15 * * * *", "minute"),
        ("* * * * *", "minute"),
        ("5-5 0 * * *", "minute"),
        ("0 * * * *", "hour"),
        ("0 0,12 * * *", "hour"),
        ("0 0 * * *", "day"),
        ("@daily", "day"),
        ("0 0 * * 1", "day"),
        ("0 0 1,15 * *", "day"),
        ("0 0 30,L 4 *", "year"),
        ("0 0 30,L 4,6 *", "month"),
        ("0 0 30,L 5 *", "day"),
        ("0 0 1 * *", "month"),
        ("0 0 L * *", "month"),
        ("0 0 * * 1#2", "month"),
        ("0 0 * * L5", "month"),
        ("0 0 * * 1#5,L1", "month"),
        ("0 0 * * 1#4,L1", "day"),
        ("0 0 1 1 *", "year"),
        ("@yearly", "year"),
        ("0 0 29 2 *", "year"),
        ("0 0 30 1,2 *", "year"),
        ("0 0 1 1,7 *", "month"),
    ],
)
def test_granularity(expression: str, granularity: str) -> None:
    assert parse_cron(expression).granularity == granularity
