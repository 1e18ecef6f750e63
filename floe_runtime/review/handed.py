"""A review computed by the pull request's own workflow, read back as data and re-rendered.

In the fork-safe pair, ``mode: compute`` runs the fork's code with a read-only token and
uploads ``review.json``; ``mode: publish`` runs trusted code with a token that may write.
Whatever compute uploaded is the fork's to choose, so publish never posts its markup: it reads
the review's *data* here (bounded, every field checked against the shape ``floe review``
writes), rebuilds the sections and renders them with floe's own renderer, whose escaping
treats every name, field, error and note as untrusted text. The comment says who computed it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import replace
from pathlib import Path
from typing import Any, cast, get_args

from floe_runtime.base.errors import FloeError
from floe_runtime.base.files import read_text
from floe_runtime.review import budget
from floe_runtime.review.diff import (
    KINDS,
    Action,
    Change,
    Diff,
    EnvironmentDiff,
    FieldChange,
    JobAssets,
    State,
    StatusChange,
    Ticks,
)
from floe_runtime.review.errors import Refused
from floe_runtime.review.markdown import Section

MAX_REPORT = 16 * 1024 * 1024  # review.json of the largest reviews floe writes, with room
MAX_ITEMS = 20_000  # per list
MAX_ENVIRONMENTS = 100
MAX_TEXT = 4_096  # characters of one name, error or note
MAX_DEPTH = 8  # of a field's old/new JSON value
COMPUTED_BY = (
    "Computed by this pull request's own workflow run and re-rendered by floe from its data; "
    "the names in it come from the pull request."
)
_ACTIONS = frozenset(get_args(Action))
_STATES = frozenset(get_args(State)) | {"invalid"}


def read_sections(path: Path, *, display: str) -> list[Section]:
    """The sections of the ``review.json`` at ``path``, refused unless exactly well-formed."""
    try:
        text = read_text(path, MAX_REPORT, "review.json", display)
        data = json.loads(text)
    except FloeError as exc:
        raise Refused(f"{display}: {exc}") from None
    except (json.JSONDecodeError, RecursionError):
        raise Refused(f"{display}: not JSON") from None
    return sections(data, display)


def comment(found: list[Section], *, config: str, head: str) -> str:
    """The PR comment for ``found``, stamped with the trusted ``config`` key and ``head``."""
    noted = [replace(s, notes=(COMPUTED_BY, *s.notes)) for s in found]
    where = "the job summary of the pull request's workflow run"
    return budget.comment(noted, config=config, head=head, where=where).body


def sections(data: Any, display: str) -> list[Section]:
    """Sections from a parsed report: per config, its environments' diffs and errors."""
    report = _mapping(data, display)
    envs = _mapping(report.get("environments"), f"{display}: environments")
    if len(envs) > MAX_ENVIRONMENTS:
        raise Refused(f"{display}: more than {MAX_ENVIRONMENTS} environments")
    notes = tuple(_texts(report.get("notes", []), f"{display}: notes"))
    by_config: dict[str, tuple[list[EnvironmentDiff], dict[str, tuple[str, ...]]]] = {}
    for key, value in envs.items():
        where = f"{display}: environments.{_text(key, display)}"
        entry = _mapping(value, where)
        config = _text(entry.get("config"), f"{where}.config")
        name = key.rpartition(":")[2] if ":" in key else key
        diffs, errors = by_config.setdefault(config, ([], {}))
        if entry.get("state") == "invalid":
            errors[name] = tuple(_texts(entry.get("errors", []), f"{where}.errors"))
        else:
            diffs.append(_environment(name, entry, where))
    return [
        Section(config, Diff(tuple(diffs)), errors, notes)
        for config, (diffs, errors) in sorted(by_config.items())
    ]


def _environment(name: str, entry: Mapping[str, Any], where: str) -> EnvironmentDiff:
    state = entry.get("state")
    if state not in _STATES:
        raise Refused(f"{where}.state: not one of {', '.join(sorted(_STATES))}")
    counts = {
        _text(k, f"{where}.counts"): _count(v, f"{where}.counts")
        for k, v in _mapping(entry.get("counts", {}), f"{where}.counts").items()
    }
    return EnvironmentDiff(
        environment=_text(name, where),
        state=state,
        changes=tuple(_each(entry, "changes", where, _change)),
        job_assets=tuple(_each(entry, "job_assets", where, _job_assets)),
        ticks=tuple(_each(entry, "ticks", where, _ticks)),
        statuses=tuple(_each(entry, "statuses", where, _status)),
        counts=counts,
    )


def _change(item: Mapping[str, Any], where: str) -> Change:
    kind = item.get("kind")
    action = item.get("action")
    if kind not in KINDS or action not in _ACTIONS:
        raise Refused(f"{where}: unknown kind or action")
    fields = tuple(
        FieldChange(
            _text(f.get("field"), f"{where}.field"),
            _value(f.get("old"), f"{where}.old", 0),
            _value(f.get("new"), f"{where}.new", 0),
        )
        for f in _each(item, "fields", where, lambda f, _: f)
    )
    return Change(kind, _text(item.get("name"), f"{where}.name"), cast(Action, action), fields)


def _job_assets(item: Mapping[str, Any], where: str) -> JobAssets:
    return JobAssets(
        _text(item.get("job"), f"{where}.job"),
        _count(item.get("old"), f"{where}.old"),
        _count(item.get("new"), f"{where}.new"),
        tuple(_texts(item.get("added", []), f"{where}.added")),
        tuple(_texts(item.get("removed", []), f"{where}.removed")),
    )


def _ticks(item: Mapping[str, Any], where: str) -> Ticks:
    schedule, cron, zone, status = (
        _text(item.get(k), f"{where}.{k}") for k in ("schedule", "cron", "timezone", "status")
    )
    return Ticks(schedule, cron, zone, status, tuple(_texts(item.get("ticks", []), where)))


def _status(item: Mapping[str, Any], where: str) -> StatusChange:
    kind, name, old, new = (
        _text(item.get(k), f"{where}.{k}") for k in ("kind", "name", "old", "new")
    )
    return StatusChange(kind, name, old, new)


def _each(
    entry: Mapping[str, Any], key: str, where: str, build: Callable[[Mapping[str, Any], str], Any]
) -> list[Any]:
    items = entry.get(key, [])
    if not isinstance(items, list) or len(items) > MAX_ITEMS:
        raise Refused(f"{where}.{key}: not a list of at most {MAX_ITEMS:,} items")
    return [
        build(_mapping(item, f"{where}.{key}[{i}]"), f"{where}.{key}[{i}]")
        for i, item in enumerate(items)
    ]


def _mapping(value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, dict) or not all(isinstance(k, str) for k in value):
        raise Refused(f"{where}: not an object")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or len(value) > MAX_TEXT:
        raise Refused(f"{where}: not a string of at most {MAX_TEXT:,} characters")
    return value


def _texts(value: Any, where: str) -> list[str]:
    if not isinstance(value, list) or len(value) > MAX_ITEMS:
        raise Refused(f"{where}: not a list of at most {MAX_ITEMS:,} strings")
    return [_text(v, where) for v in value]


def _count(value: Any, where: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 10**9:
        raise Refused(f"{where}: not a count")
    return value


def _value(value: Any, where: str, depth: int) -> Any:
    """A field's JSON value, bounded in depth and text length (rendered escaped later)."""
    if depth > MAX_DEPTH:
        raise Refused(f"{where}: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, str):
        return _text(value, where)
    if isinstance(value, list):
        if len(value) > MAX_ITEMS:
            raise Refused(f"{where}: more than {MAX_ITEMS:,} items")
        return [_value(v, where, depth + 1) for v in value]
    if isinstance(value, dict):
        return {
            _text(k, where): _value(v, where, depth + 1) for k, v in _mapping(value, where).items()
        }
    if value is None or isinstance(value, (bool, int, float)):
        return value
    raise Refused(f"{where}: not a JSON value")
