"""floe_runtime.ports.cron against the real Dagster in this environment.

floe promises that a cron it accepts is one Dagster accepts and that the ticks it predicts are the
ones Dagster's scheduler produces, so every check here is differential: the same input goes to
Dagster's own functions and to ours. Hypothesis runs derandomized, so failures reproduce.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from dagster._utils import schedules
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from floe_runtime.ports.cron import is_valid_cron, next_ticks, parse_cron, previous_tick
from floe_runtime.ports.errors import CronError
from tests.ports.test_cron import ACCEPTED, REFUSED

pytestmark = pytest.mark.differential

BOUNDS = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 7)]
MONTHS = ["jan", "Feb", "MAR", "apr", "May", "jun", "JUL", "aug", "sep", "Oct", "nov", "DEC"]
DAYS = ["sun", "Mon", "TUE", "wed", "Thu", "fri", "SAT"]
RANDOM_FIELD = re.compile(r"r(\(\d+-\d+\))?(/\d+)?")


def _derandomized(examples: int) -> Callable[..., object]:
    return settings(
        max_examples=examples,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )


# --- a grammar of realistic and broken cron pieces ---------------------------------------------


@dataclass(frozen=True)
class Pieces:
    """What one field may be built from; broken pieces are the ones users get wrong."""

    atoms: st.SearchStrategy[str]
    bounds: st.SearchStrategy[str]
    steps: st.SearchStrategy[str]
    kinds: st.SearchStrategy[str]


def _pieces(index: int, broken: bool) -> Pieces:
    low, high = BOUNDS[index]
    bounds = [str(n) for n in range(low, high + 1)] + {2: ["L"], 3: MONTHS, 4: DAYS}.get(index, [])
    kinds = ["atom", "atom", "atom", "range", "step"] + ["nth", "last"] * (index == 4)
    steps = ["1", "2", "5", "7", "15", "30"]
    if broken:
        bounds += [str(low - 1), str(high + 1), str(high + 9), "00", "007", "-1", "1000000"]
        bounds += ["٣", "+5", "foo", "mo", "janu", "W", "15W", "LW", "L", "sun", "jan", "l"]
        kinds += ["nth", "last", "garbage", "garbage"]
        steps += ["0", "60", "99999999999"]
    wild = ["*"] * (len(bounds) // 3) + ["?"] * (len(bounds) // 8) * (broken or index in (2, 4))
    return Pieces(
        st.sampled_from(bounds + wild),
        st.sampled_from(bounds),
        st.sampled_from(steps),
        st.sampled_from(kinds),
    )


PIECES = {broken: [_pieces(index, broken) for index in range(5)] for broken in (False, True)}
NTH_DAYS = st.sampled_from(["0", "1", "5", "7", "mon", "FRI", "mon-wed", "8", "*", "l"])
GARBAGE = st.sampled_from(
    ["", "5 5", "-", "--1", "1-", "/5", "*/", "**", "%", "é"]
) | st.sampled_from(["1-2-3", "1/2/3", "*-5", "5-*", "1#", "#2", "L/2"])
HASHED = st.sampled_from(["H", "h/5", "H(0-29)", "R", "r/10", "R(0-5)", "R(5-1)", "R/0"])
DAMAGE = st.sampled_from([0] * 10 + [1 << bit for bit in range(7)] + [0b11, 0b10100, 0b11111])
"""Which fields get broken pieces (a bit mask): usually none or one, so both verdicts are common."""
ITEM_COUNTS = st.sampled_from([1, 1, 1, 2, 3])
SPACES = st.sampled_from([" "] * 6 + ["  ", "\t", " \t", "\n"])
EDGES = st.sampled_from([""] * 6 + [" ", "\t", "\n", "  "])


def _item(draw: st.DrawFn, pieces: Pieces, broken: bool) -> str:
    kind = draw(pieces.kinds)
    if kind == "atom":
        return draw(pieces.atoms)
    if kind == "range":
        return f"{draw(pieces.bounds)}-{draw(pieces.bounds)}"
    if kind == "step":
        base = (
            draw(pieces.atoms)
            if draw(st.booleans())
            else f"{draw(pieces.bounds)}-{draw(pieces.bounds)}"
        )
        return f"{base}/{draw(pieces.steps)}"
    if kind == "nth":
        day = draw(NTH_DAYS if broken else pieces.bounds)
        return f"{day}#{draw(st.integers(0 if broken else 1, 6))}"
    if kind == "last":
        return f"L{draw(st.integers(0, 8 if broken else 7))}"
    return draw(GARBAGE)


@st.composite
def cron_like(draw: st.DrawFn, broken: bool = True) -> str:
    """Mostly five fields of pieces that fit their position, with every kind of breakage mixed
    in when `broken`: wrong counts, odd whitespace, bad numbers, names, steps and syntax."""
    count = draw(st.sampled_from([5] * 8 + [4, 6, 7])) if broken else 5
    damaged = draw(DAMAGE) if broken else 0
    fields = []
    for position in range(count):
        bad = bool(damaged >> position & 1)
        if bad and draw(st.integers(0, 9)) == 0:
            fields.append(draw(HASHED))
            continue
        pieces = PIECES[bad][min(position, 4)]
        fields.append(",".join(_item(draw, pieces, bad) for _ in range(draw(ITEM_COUNTS))))
    if not broken:
        return " ".join(fields)
    return draw(EDGES) + draw(SPACES).join(fields) + draw(EDGES)


WHOLE_STRINGS = st.sampled_from(
    [
        *["", " ", "\t\n", "*", "* * * *", "* * * * * * * *", "hello world", "0 0 30 2 *"],
        *["@daily", "@DAILY", "@Hourly", "@midnight", "@weekly", "@monthly", "@yearly"],
        *["@annually", " @daily", "@daily ", "@daily\n", "@reboot", "@", "@daily *"],
        *["0 0 31 FEB *", "0 0 30,31 2 *", "0 0 30 2,2 *", "0 0 l 2 *", "0 0 * * 1#2,3"],
    ]
)


def _uses_random_values(expression: str) -> bool:
    fields = expression.lower().split()
    return len(fields) == 5 and any(RANDOM_FIELD.fullmatch(field) for field in fields)


# --- 1. which strings are accepted -------------------------------------------------------------


@_derandomized(3000)
@given(st.one_of(cron_like(), cron_like(), cron_like(), WHOLE_STRINGS))
def test_accepts_exactly_what_dagster_accepts(expression: str) -> None:
    ours = is_valid_cron(expression)
    event("accepted" if ours else "refused")
    if _uses_random_values(expression):
        assert not ours  # the deliberate difference: test_random_values_are_refused_...
    else:
        assert ours == schedules.is_valid_cron_string(expression)
    if not ours:
        with pytest.raises(CronError) as refusal:
            parse_cron(expression)
        assert str(refusal.value) and "\n" not in str(refusal.value)


@pytest.mark.parametrize(("expression", "message"), REFUSED)
def test_what_floe_refuses_dagster_refuses(expression: str, message: str) -> None:
    assert not schedules.is_valid_cron_string(expression)


@pytest.mark.parametrize("expression", ACCEPTED)
def test_accepts_what_dagster_accepts(expression: str) -> None:
    assert schedules.is_valid_cron_string(expression)


@pytest.mark.parametrize("expression", ["R * * * *", "0 R(0-5) * * *", "R/15 * * * *"])
def test_random_values_are_refused_although_dagster_accepts_them(expression: str) -> None:
    """The deliberate difference: R picks a new value on every load, so a declarative file
    could not say when it runs; Dagster accepts it, floe does not."""
    assert schedules.is_valid_cron_string(expression)
    with pytest.raises(CronError, match=r"is a random \(R\) value; floe refuses it"):
        parse_cron(expression)


# --- 2. which ticks follow ---------------------------------------------------------------------


def _utc(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)


EU = [_utc(2024, 3, 31, 1), _utc(2024, 10, 27, 1), _utc(2025, 3, 30, 1), _utc(2025, 10, 26, 1)]
# Clock changes in 2024/2025 (spring, autumn, spring, autumn). Helsinki changes in hour 3 and
# Havana in hour 0, probing Dagster's rule that only looks for DST trouble in hours 1-3.
TRANSITIONS = {
    "UTC": [_utc(2024, 2, 28, 12), _utc(2024, 12, 31, 23, 59, 30)],  # leap day, year end
    "Europe/Berlin": EU,
    "Europe/Helsinki": EU,
    "America/New_York": [
        *[_utc(2024, 3, 10, 7), _utc(2024, 11, 3, 6), _utc(2025, 3, 9, 7), _utc(2025, 11, 2, 6)],
    ],
    "America/Havana": [
        *[_utc(2024, 3, 10, 5), _utc(2024, 11, 3, 5), _utc(2025, 3, 9, 5), _utc(2025, 11, 2, 5)],
    ],
    "Australia/Lord_Howe": [  # half-hour changes, the spring one at :30 UTC
        *[_utc(2024, 4, 6, 15), _utc(2024, 10, 5, 15, 30), _utc(2025, 4, 5, 15)],
        _utc(2025, 10, 4, 15, 30),
    ],
    "Asia/Kolkata": [_utc(2024, 6, 1, 18, 29, 59) + timedelta(microseconds=500_000)],  # no DST
}
ZONES = list(TRANSITIONS)
OFFSETS = [timedelta(minutes=m) for m in (-25 * 60, -90, -61, -60, -30, -1, 0, 1, 30, 59, 61, 120)]
STARTS = sorted({t + o for ts in TRANSITIONS.values() for t in ts for o in OFFSETS}) + [
    t + timedelta(seconds=s) for t in EU[:2] for s in (-1, 1, 0.25)
]
IMPORTANT = [
    *["0 * * * *", "30 * * * *", "15,45 * * * *", "*/20 * * * *", "* * * * *", "0 0 * * *"],
    *["30 2 * * *", "0 2 * * *", "30 1 * * *", "30 3 * * *", "30 0 * * *", "45 1 * * 1-5"],
    *["0 2 * * 0", "30 1 * * SUN", "30 3 * * 0", "0 2 1 * *", "30 1 3 * *", "30 2 27 * *"],
    *["45 1 7 * *", "30 3 27 * *", "30 0 3 * *", "0 0 29 2 *", "30 2 29 2 *", "0 0 L * *"],
    *["0 2 * * 1#2", "0 1 * * L0", "0 0 1,15 * MON", "0 1-3 * * *", "*/30 1-3 * * *"],
    *["0,30 * * * *", "0 */2 * * *", "15 2 * 3,10 *", "0 0 * * *,1#2", "0 0 1-31 * ?"],
    *["@hourly", "@daily", "@weekly", "@monthly", "@yearly", "5-5 * * * *", "0 0 * * 0-6"],
    *["30 2 29 * *", "0 12 l * fri", "30 1 * 11 0", "*/15 0-3 * * *", "0 0-3 * * *"],
    *["30 * * * 0", "0 0 29 2 1", "5 4 * * *", "30 *,2 * * *"],
]
NEVER_FIRING = ["0 0 31 4 *", "0 0 30,31 2 *", "0 0 15 * 1#2", "0 0 1 * 1#5"]
VALID_CRONS = st.one_of(
    st.sampled_from(IMPORTANT + NEVER_FIRING),
    cron_like(broken=False).filter(schedules.is_valid_cron_string),
)


def test_transitions_are_real() -> None:
    for zone, instants in TRANSITIONS.items():
        if zone not in ("UTC", "Asia/Kolkata"):
            for instant in instants:
                before, after = (instant + timedelta(seconds=s) for s in (-1, 0))
                assert (
                    before.astimezone(ZoneInfo(zone)).utcoffset()
                    != after.astimezone(ZoneInfo(zone)).utcoffset()
                )


def _shown(ticks: list[datetime]) -> list[tuple[str, int, str]]:
    """Wall time with offset, fold and zone: == on aware datetimes of one zone ignores fold."""
    return [(tick.isoformat(), tick.fold, str(tick.tzinfo)) for tick in ticks]


def _outcome(compute: Callable[[], list[datetime]], failure: type[Exception]) -> object:
    """The ticks, or that computing them failed: Dagster raises CroniterBadDateError or
    CheckError, floe raises CronError, in the same cases."""
    try:
        return _shown(compute())
    except failure:
        return "fails"


def _dagster_next(expression: str, after: datetime, zone: str, count: int) -> list[datetime]:
    """Dagster's ticks from `after` (its iterator includes a tick at `after` itself)."""
    stamp = after.timestamp()
    ticks = schedules.cron_string_iterator(stamp, expression, zone)
    return list(itertools.islice((t for t in ticks if t.timestamp() > stamp), count))


def _dagster_previous(expression: str, at: datetime, zone: str) -> list[datetime]:
    return [next(schedules.reverse_cron_string_iterator(at.timestamp(), expression, zone))]


def _assert_same_next(expression: str, after: datetime, zone: str, count: int) -> object:
    dagster = _outcome(lambda: _dagster_next(expression, after, zone, count), Exception)
    ours = _outcome(
        lambda: next_ticks(parse_cron(expression), after=after, timezone=zone, count=count),
        CronError,
    )
    assert ours == dagster, (expression, zone, after)
    return dagster


def _assert_same_previous(expression: str, at: datetime, zone: str) -> None:
    dagster = _outcome(lambda: _dagster_previous(expression, at, zone), Exception)
    ours = _outcome(
        lambda: [previous_tick(parse_cron(expression), at_or_before=at, timezone=zone)], CronError
    )
    assert ours == dagster, (expression, zone, at)


@_derandomized(400)
@given(expression=VALID_CRONS, zone=st.sampled_from(ZONES), start=st.sampled_from(STARTS))
def test_next_ticks_are_dagsters(expression: str, zone: str, start: datetime) -> None:
    outcome = _assert_same_next(expression, start, zone, 5)
    event("Dagster fails too" if outcome == "fails" else "same ticks")


@_derandomized(250)
@given(expression=VALID_CRONS, zone=st.sampled_from(ZONES), start=st.sampled_from(STARTS))
def test_previous_tick_is_dagsters(expression: str, zone: str, start: datetime) -> None:
    _assert_same_previous(expression, start, zone)


@pytest.mark.parametrize(
    ("zone", "transition"),
    [(zone, instant) for zone, instants in TRANSITIONS.items() for instant in instants[:2]],
)
@pytest.mark.parametrize("expression", IMPORTANT)
def test_important_crons_through_dst(expression: str, zone: str, transition: datetime) -> None:
    """Each hand-picked cron across each zone's 2024 clock changes: a day of ticks where that
    is cheap, and the previous tick from instants around the change."""
    count = 30 if parse_cron(expression).granularity in ("minute", "hour") else 4
    _assert_same_next(expression, transition - timedelta(hours=3), zone, count)
    for minutes in (-61, -1, 0, 30):
        _assert_same_previous(expression, transition + timedelta(minutes=minutes), zone)


def test_schedules_that_never_fire_fail_like_dagster() -> None:
    start = _utc(2025, 1, 1)
    for expression in NEVER_FIRING:
        with pytest.raises(ValueError, match="failed to find"):
            _dagster_next(expression, start, "UTC", 1)
        with pytest.raises(CronError, match="matches no date within 50 years"):
            next_ticks(parse_cron(expression), after=start, timezone="UTC", count=1)
