"""Dagster partitions definitions written in code, as floe.yaml ``partitions:`` entries.

Each Dagster constructor maps onto floe's ``time_window`` with the cron Dagster derives from it
(``DailyPartitionsDefinition(hour_offset=6)`` fires at ``0 6 * * *``, as
``cron_schedule_from_schedule_type_and_offsets`` builds it), ``static``, ``dynamic`` (named
after Dagster's ``name=``) or ``multi``. Equal definitions share one entry.
"""

from __future__ import annotations

import ast
import json
import re
from dataclasses import dataclass, field
from typing import Any

from floe_runtime.convert.modules import CodeLocation
from floe_runtime.convert.selection import Untranslatable, callee, literal_str, text

_SCHEDULE_TYPES = {
    "HourlyPartitionsDefinition": "hourly",
    "DailyPartitionsDefinition": "daily",
    "WeeklyPartitionsDefinition": "weekly",
    "MonthlyPartitionsDefinition": "monthly",
}
_TIME_KEYWORDS = {
    "start_date", "end_date", "minute_offset", "hour_offset", "day_offset", "timezone", "fmt",
    "end_offset",
}  # fmt: skip
_WINDOW_KEYWORDS = {"cron_schedule", "start", "end", "timezone", "fmt", "end_offset"}
CONSTRUCTORS = frozenset(
    {*_SCHEDULE_TYPES, "TimeWindowPartitionsDefinition", "StaticPartitionsDefinition",
     "DynamicPartitionsDefinition", "MultiPartitionsDefinition"}
)  # fmt: skip
_IDENTIFIER = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Cadence:
    """What ``build_schedule_from_partitioned_job`` needs to derive a cron from partitions."""

    schedule_type: str | None  # hourly | daily | weekly | monthly, None for other crons
    minute: int = 0
    hour: int = 0
    day: int = 0

    def cron(self, minute: int | None, hour: int | None, day: int | None) -> str:
        """Dagster's ``TimeWindowPartitionsDefinition.get_cron_schedule`` with offsets."""
        minute = self.minute if minute is None else minute
        if self.schedule_type == "hourly":
            return f"{minute} * * * *"
        hour = self.hour if hour is None else hour
        if self.schedule_type == "daily":
            return f"{minute} {hour} * * *"
        if self.schedule_type == "weekly":
            return f"{minute} {hour} * * {self.day if day is None else day}"
        return f"{minute} {hour} {(self.day or 1) if day is None else day} * *"


@dataclass
class Registry:
    """The partitions entries found so far, by name, and how each one ticks."""

    entries: dict[str, dict[str, Any]] = field(default_factory=dict)
    cadences: dict[str, Cadence] = field(default_factory=dict)
    _by_spec: dict[str, str] = field(default_factory=dict)

    def add(self, preferred: str, spec: dict[str, Any], cadence: Cadence | None) -> str:
        canonical = json.dumps(spec, sort_keys=True)
        if canonical in self._by_spec:
            return self._by_spec[canonical]
        name, n = preferred, 1
        while name in self.entries:
            n += 1
            name = f"{preferred}_{n}"
        self.entries[name] = spec
        self._by_spec[canonical] = name
        if cadence is not None:
            self.cadences[name] = cadence
        return name


def read_partitions(location: CodeLocation, module: str, node: ast.expr, registry: Registry) -> str:
    """The name of the floe partitions entry for ``node`` (registered on the way)."""
    name = node.id if isinstance(node, ast.Name) else None
    module, value = location.value(module, node)
    if not isinstance(value, ast.Call) or callee(value) not in CONSTRUCTORS:
        raise Untranslatable(f"partitions_def {text(node)}")
    kind = callee(value)
    keywords = _keywords(value)
    if kind == "StaticPartitionsDefinition":
        keys = _str_list(value.args[0] if value.args else keywords.get("partition_keys"))
        _only(value, {"partition_keys"}, max_args=1)
        return registry.add(
            _preferred(name, "static"), {"type": "static", "partition_keys": keys}, None
        )
    if kind == "DynamicPartitionsDefinition":
        _only(value, {"name"}, max_args=1)
        dynamic = literal_str(value.args[0] if value.args else keywords.get("name"))
        if dynamic is None or not _IDENTIFIER.match(dynamic):
            raise Untranslatable(f"{text(value)} (floe names dynamic partitions by identifier)")
        registry.entries.setdefault(dynamic, {"type": "dynamic"})
        return dynamic
    if kind == "MultiPartitionsDefinition":
        return _multi(location, module, value, name, registry)
    spec, cadence = _time_window(value, kind or "")
    return registry.add(_preferred(name, cadence.schedule_type or "time_window"), spec, cadence)


def _preferred(name: str | None, fallback: str) -> str:
    if name is not None and _IDENTIFIER.match(name):
        return name.lower() if name.isupper() else name
    return fallback


def _multi(
    location: CodeLocation, module: str, call: ast.Call, name: str | None, registry: Registry
) -> str:
    _only(call, {"partitions_defs"}, max_args=1)
    dims = call.args[0] if call.args else _keywords(call).get("partitions_defs")
    if not isinstance(dims, ast.Dict) or len(dims.keys) != 2:
        raise Untranslatable(f"{text(call)} (two literal dimensions)")
    partitions: dict[str, str] = {}
    for key, dim in zip(dims.keys, dims.values, strict=True):
        dim_name = literal_str(key) if key is not None else None
        if dim_name is None or not _IDENTIFIER.match(dim_name):
            raise Untranslatable(f"{text(call)} (dimension names)")
        partitions[dim_name] = read_partitions(location, module, dim, registry)
    return registry.add(
        _preferred(name, "multi"), {"type": "multi", "partitions": partitions}, None
    )


def _time_window(call: ast.Call, kind: str) -> tuple[dict[str, Any], Cadence]:
    keywords = _keywords(call)
    if kind == "TimeWindowPartitionsDefinition":
        _only(call, _WINDOW_KEYWORDS, max_args=0)
        cron, start = literal_str(keywords.get("cron_schedule")), _date(keywords.get("start"))
        if cron is None:
            raise Untranslatable(f"{text(call)} (cron_schedule)")
        cadence = Cadence(None)
        end = _date(keywords.get("end")) if "end" in keywords else None
    else:
        _only(call, _TIME_KEYWORDS, max_args=1)
        start = _date(call.args[0] if call.args else keywords.get("start_date"))
        end = _date(keywords["end_date"]) if "end_date" in keywords else None
        schedule_type = _SCHEDULE_TYPES[kind]
        default_day = 1 if schedule_type == "monthly" else 0
        cadence = Cadence(
            schedule_type,
            _int(keywords.get("minute_offset"), 0),
            _int(keywords.get("hour_offset"), 0),
            _int(keywords.get("day_offset"), default_day),
        )
        cron = cadence.cron(None, None, None)
    spec: dict[str, Any] = {"type": "time_window", "start": start, "cron_schedule": cron}
    if end is not None:
        spec["end"] = end
    spec["timezone"] = literal_str(keywords.get("timezone")) or "UTC"
    if "timezone" in keywords and literal_str(keywords["timezone"]) is None:
        raise Untranslatable(f"timezone {text(keywords['timezone'])}")
    if "fmt" in keywords:
        fmt = literal_str(keywords["fmt"])
        if fmt is None:
            raise Untranslatable(f"fmt {text(keywords['fmt'])}")
        spec["fmt"] = fmt
    if "end_offset" in keywords:
        spec["end_offset"] = _int(keywords["end_offset"], 0)
    return spec, cadence


def _keywords(call: ast.Call) -> dict[str, ast.expr]:
    return {k.arg: k.value for k in call.keywords if k.arg is not None}


def _only(call: ast.Call, allowed: set[str], max_args: int) -> None:
    extra = [k.arg or "**" for k in call.keywords if k.arg not in allowed]
    if extra or len(call.args) > max_args:
        what = ", ".join(extra) or "positional arguments"
        raise Untranslatable(f"{text(call)} ({what})")


def _int(node: ast.expr | None, default: int) -> int:
    if node is None:
        return default
    if isinstance(node, ast.Constant) and type(node.value) is int:
        return node.value
    raise Untranslatable(f"offset {text(node)}")


def _date(node: ast.expr | None) -> str:
    """A start or end: a string as written, or ``datetime(2024, 1, 1)`` as ``2024-01-01``."""
    value = literal_str(node)
    if value is not None:
        return value
    if isinstance(node, ast.Call) and callee(node) in ("datetime", "date") and not node.keywords:
        parts = [a.value for a in node.args if isinstance(a, ast.Constant) and type(a.value) is int]
        if len(parts) == len(node.args) and 3 <= len(parts) <= 5:
            day = f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}"
            return day if len(parts) == 3 else f"{day} {parts[3]:02d}:{[*parts, 0][4]:02d}"
    raise Untranslatable(f"start/end {text(node) if node is not None else '(missing)'}")


def _str_list(node: ast.expr | None) -> list[str]:
    if isinstance(node, (ast.List, ast.Tuple)):
        values = [literal_str(e) for e in node.elts]
        if values and all(v is not None for v in values):
            return [v for v in values if v is not None]
    raise Untranslatable(f"partition keys {text(node) if node is not None else '(missing)'}")
