"""Partition definitions as Dagster will read them: key formats, times and keys.

Pure functions shared by validation (is this definition sensible?) and the compiler (what are
the resolved settings?); ``partition_keys`` builds on them to count keys and check ranges.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from floe_runtime.ports.cron import Cron, parse_cron

SUB_DAILY_FMT = "%Y-%m-%d-%H:%M"
DAILY_FMT = "%Y-%m-%d"
_DIRECTIVE = re.compile(r"%-?(.)")
_UNITS = {
    "Y": {"year"},
    "y": {"year"},
    "G": {"year"},
    "m": {"month"},
    "b": {"month"},
    "B": {"month"},
    "h": {"month"},
    "d": {"day"},
    "e": {"day"},
    "j": {"month", "day"},
    "H": {"hour"},
    "k": {"hour"},
    "M": {"minute"},
    "F": {"year", "month", "day"},
    "R": {"hour", "minute"},
    "T": {"hour", "minute"},
    "s": {"year", "month", "day", "hour", "minute"},
}
_NEEDED = {
    "minute": {"year", "month", "day", "hour", "minute"},
    "hour": {"year", "month", "day", "hour"},
    "day": {"year", "month", "day"},
    "month": {"year", "month"},
    "year": {"year"},
}
_ISO_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%dT%H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
)
_INVALID_KEY_PARTS = ("...", "|", ",", "[", "]")


def default_fmt(cron: Cron) -> str:
    """Dagster's default key format for a cron: minutes when it fires more than daily."""
    return SUB_DAILY_FMT if cron.granularity in ("minute", "hour") else DAILY_FMT


def key_format(time_window: Any) -> str:
    """The key format of a time_window definition: its ``fmt``, else Dagster's default."""
    return time_window.fmt or default_fmt(parse_cron(time_window.cron_schedule))


def fmt_problem(fmt: str, cron: Cron) -> str | None:
    """Why ``fmt`` cannot give every window of ``cron`` its own key, or None."""
    sample = datetime(2024, 11, 23, 17, 45)
    try:
        datetime.strptime(sample.strftime(fmt), fmt)
    except (ValueError, re.error) as exc:
        return (
            f"key format {fmt!r} cannot be read back by strptime, as Dagster reads every key "
            f"({exc}); write each directive once, as in {default_fmt(cron)!r}"
        )
    units: set[str] = set()
    directives = _DIRECTIVE.findall(fmt)
    for directive in directives:
        units |= _UNITS.get(directive, set())
    if "I" in directives and "p" in directives:
        units.add("hour")
    missing = _NEEDED[cron.granularity] - units
    if not missing:
        return None
    suggestion = SUB_DAILY_FMT if cron.granularity in ("minute", "hour") else DAILY_FMT
    if cron.granularity == "month":
        suggestion = "%Y-%m"
    elif cron.granularity == "year":
        suggestion = "%Y"
    every = {
        "minute": "more than once an hour",
        "hour": "more than once a day",
        "day": "more than once a month",
        "month": "more than once a year",
        "year": "once a year",
    }[cron.granularity]
    return (
        f"key format {fmt!r} has no {', '.join(sorted(missing))}, but cron "
        f"{cron.expression!r} starts windows {every}: keys would collide; use {suggestion!r}"
    )


MACHINE_DEPENDENT_ZONES = frozenset({"localtime", "Factory", "posixrules"})
"""Zone files that name no place: what they mean depends on the machine that reads them."""


@lru_cache(maxsize=1)
def known_zones() -> frozenset[str]:
    """Every IANA zone name this machine knows, less the machine-dependent ones."""
    from zoneinfo import available_timezones

    return frozenset(available_timezones()) - MACHINE_DEPENDENT_ZONES


@lru_cache(maxsize=512)
def zone(name: str) -> ZoneInfo | None:
    """The IANA zone, or None when ``name`` is not one (``localtime``, ``Factory``, and the
    ``posix/``/``right/`` copies are files, not places, so they are not)."""
    if name != "UTC" and name not in known_zones():
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def parse_time(text: str, fmt: str | None, timezone: str) -> datetime | None:
    """A partition bound written as ISO 8601 or in the key format, in ``timezone``."""
    tz = zone(timezone)
    for candidate in ((fmt,) if fmt else ()) + _ISO_FORMATS:
        try:
            parsed = datetime.strptime(text, candidate)
        except (ValueError, re.error):
            continue
        return parsed.replace(tzinfo=tz) if tz is not None else parsed
    return None


def static_key_problem(key: str) -> str | None:
    """Why Dagster (or floe's range syntax) cannot use ``key``, or None."""
    for part in _INVALID_KEY_PARTS:
        if part in key:
            return f"partition key {key!r} contains {part!r}"
    if any(ord(ch) < 32 for ch in key):
        return f"partition key {key!r} contains a control character"
    if key != key.strip():
        return f"partition key {key!r} starts or ends with whitespace"
    return None


def dimension(value: Any, defs: Mapping[str, Any]) -> Any:
    """A multi partition's dimension: inline, or the partitions entry it names."""
    return defs.get(value) if isinstance(value, str) else value


def time_dimension(multi: Any, defs: Mapping[str, Any]) -> Any:
    """The time_window dimension of a multi partition (ranges run along it), or None."""
    for value in multi.partitions.values():
        resolved = dimension(value, defs)
        if getattr(resolved, "type", None) == "time_window":
            return resolved
    return None
