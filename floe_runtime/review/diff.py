"""artifact x artifact → what changes in each environment when a pull request merges (pure).

Works on the artifact's JSON payload (``compiled_artifacts.json`` as read and verified by
``artifact.store``), read through ``artifact/view.py``, keyed by entity: jobs, schedules,
sensors, partitions, backfills, asset settings, project settings and the assets of the graph,
each with field-level ``old → new``.
Provenance (source lines, checksums, floe version, source sha, variables' origins) is not a
change. Values whose field name looks secret, or that hold a literal secret, are hidden here,
so no renderer can print them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from typing import Any, Literal

from floe_runtime.artifact.store import AUTOMATION_SENSOR
from floe_runtime.artifact.view import (
    ENTITIES,
    ArtifactView,
    Payload,
    asset_fields,
    enabled,
)
from floe_runtime.base.secrets import is_secret_name, literal_secret_kind
from floe_runtime.ports.cron import next_ticks, parse_cron
from floe_runtime.ports.errors import CronError

Action = Literal["added", "removed", "changed"]
State = Literal["added", "removed", "changed", "unchanged"]

KINDS = (*(kind for kind, _ in ENTITIES), "setting", "asset")
RUNNING, STOPPED, ABSENT = "RUNNING", "STOPPED", "absent"
TICKS = 3
TICK_FORMAT = "%Y-%m-%d %H:%M %Z"


@dataclass(frozen=True)
class FieldChange:
    """One field of an entity: ``old → new`` (JSON values; None when the field is absent)."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Change:
    kind: str
    name: str
    action: Action
    fields: tuple[FieldChange, ...] = ()


@dataclass(frozen=True)
class JobAssets:
    """A job's resolved asset list, before and after."""

    job: str
    old: int
    new: int
    added: tuple[str, ...]
    removed: tuple[str, ...]


@dataclass(frozen=True)
class Ticks:
    """The next ticks of an added or changed schedule, in its own timezone."""

    schedule: str
    cron: str
    timezone: str
    status: str
    ticks: tuple[str, ...]


@dataclass(frozen=True)
class StatusChange:
    """A schedule or sensor that starts or stops running (or arrives or leaves running)."""

    kind: str
    name: str
    old: str
    new: str


@dataclass(frozen=True)
class Graph:
    """The assets a change touches, their deps among themselves, and the jobs that run them."""

    assets: tuple[tuple[str, str], ...] = ()  # (key, added | removed | changed | job)
    deps: tuple[tuple[str, str], ...] = ()  # (upstream, downstream)
    jobs: tuple[tuple[str, str], ...] = ()  # (job, asset)


@dataclass(frozen=True)
class EnvironmentDiff:
    environment: str
    state: State
    changes: tuple[Change, ...] = ()
    job_assets: tuple[JobAssets, ...] = ()
    ticks: tuple[Ticks, ...] = ()
    statuses: tuple[StatusChange, ...] = ()
    counts: Mapping[str, int] = field(default_factory=dict)
    graph: Graph = Graph()

    @property
    def changed(self) -> bool:
        return self.state != "unchanged"

    def tally(self) -> dict[tuple[str, str], int]:
        """How many entities of each kind were added / removed / changed."""
        out: dict[tuple[str, str], int] = {}
        for change in self.changes:
            out[change.kind, change.action] = out.get((change.kind, change.action), 0) + 1
        return out


@dataclass(frozen=True)
class Diff:
    environments: tuple[EnvironmentDiff, ...]

    @property
    def changed(self) -> bool:
        return any(env.changed for env in self.environments)

    @property
    def changed_environments(self) -> list[str]:
        return [env.environment for env in self.environments if env.changed]

    def as_json(self) -> dict[str, Any]:
        return {
            "changed": self.changed,
            "changed_envs": self.changed_environments,
            "environments": {env.environment: environment_json(env) for env in self.environments},
        }


def environment_json(env: EnvironmentDiff) -> dict[str, Any]:
    return {
        "state": env.state,
        "counts": dict(env.counts),
        "changes": [
            {
                "kind": c.kind,
                "name": c.name,
                "action": c.action,
                "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in c.fields],
            }
            for c in env.changes
        ],
        "job_assets": [
            {
                "job": j.job,
                "old": j.old,
                "new": j.new,
                "added": list(j.added),
                "removed": list(j.removed),
            }
            for j in env.job_assets
        ],
        "ticks": [
            {
                "schedule": t.schedule,
                "cron": t.cron,
                "timezone": t.timezone,
                "status": t.status,
                "ticks": list(t.ticks),
            }
            for t in env.ticks
        ],
        "statuses": [
            {"kind": s.kind, "name": s.name, "old": s.old, "new": s.new} for s in env.statuses
        ],
    }


def diff(*, base: Mapping[str, Payload], head: Mapping[str, Payload], now: datetime) -> Diff:
    """Every environment of either side (``{}`` for a side without floe.yaml), by name."""
    names = sorted(set(base) | set(head))
    return Diff(
        tuple(
            diff_environment(name=name, base=base.get(name), head=head.get(name), now=now)
            for name in names
        )
    )


def diff_environment(
    *, name: str, base: Payload | None, head: Payload | None, now: datetime
) -> EnvironmentDiff:
    """One environment; ``None`` for the side where it does not exist."""
    old, new = ArtifactView(base), ArtifactView(head)
    found: list[tuple[str, Change]] = []
    for kind, key in ENTITIES:
        found += _entities(kind, old.orchestration(key), new.orchestration(key))
    found += _entities("setting", old.settings(), new.settings())
    found += _entities("asset", old.assets, new.assets, asset_fields)
    moved = _moved_assets(old.job_assets, new.job_assets)
    changes = [change for _, change in found]
    state: State = "unchanged"
    if base is None and head is not None:
        state = "added"
    elif head is None and base is not None:
        state = "removed"
    elif changes or moved:
        state = "changed"
    return EnvironmentDiff(
        name,
        state,
        tuple(changes),
        tuple(
            JobAssets(_text(job), before, after, _texts(added), _texts(removed))
            for job, (before, after, added, removed) in moved.items()
        ),
        _ticks(found, new, now),
        _statuses(found, old, new),
        (new if head else old).counts(),
        _graph(found, moved, old, new),
    )


def _entities(
    kind: str,
    old: Mapping[str, Any],
    new: Mapping[str, Any],
    project: Callable[[Any], Any] = lambda value: value,
) -> list[tuple[str, Change]]:
    """(raw name, change) for every entity added, removed or changed."""
    out: list[tuple[str, Change]] = []
    absent = object()
    differing = [name for name, value in old.items() if new.get(name, absent) != value]
    for name in sorted([*differing, *(new.keys() - old.keys())]):
        before, after = project(old.get(name)), project(new.get(name))
        if name not in new:
            action: Action = "removed"
        elif name not in old:
            action = "added"
        elif before != after:
            action = "changed"
        else:
            continue
        out.append((name, Change(kind, _text(name), action, _fields(_safe(before), _safe(after)))))
    return out


def _fields(old: Any, new: Any, prefix: str = "") -> tuple[FieldChange, ...]:
    """Field-level differences: mappings are walked, lists and scalars compared whole. An added
    or removed entity lists its fields against None."""
    walk = (old is None or isinstance(old, dict)) and (new is None or isinstance(new, dict))
    if walk and (old is not None or new is not None):
        left, right = old or {}, new or {}
        out: list[FieldChange] = []
        for key in sorted(set(left) | set(right), key=str):
            a, b = left.get(key), right.get(key)
            if (key in left and key in right and a == b) or (a is None and b is None):
                continue
            out += _fields(a, b, f"{prefix}.{key}" if prefix else str(key))
        return tuple(out)
    return (FieldChange(prefix or "value", old, new),)


Moved = dict[str, tuple[int, int, list[str], list[str]]]


def _moved_assets(
    old: Mapping[str, list[str] | None], new: Mapping[str, list[str] | None]
) -> Moved:
    """Per batch job whose resolved assets differ: counts before and after, added, removed."""
    out: Moved = {}
    for job in sorted(set(old) | set(new)):
        before, after = old.get(job), new.get(job)
        if before == after:
            continue
        a, b = set(before or ()), set(after or ())
        if a != b or (before is None) != (after is None):
            out[job] = (len(a), len(b), sorted(b - a), sorted(a - b))
    return out


def _texts(names: Iterable[str]) -> tuple[str, ...]:
    return tuple(_text(n) for n in names)


def _graph(
    found: list[tuple[str, Change]], moved: Moved, old: ArtifactView, new: ArtifactView
) -> Graph:
    touched: dict[str, str] = {raw: c.action for raw, c in found if c.kind == "asset"}
    for _, _, added, removed in moved.values():
        for key in (*added, *removed):
            touched.setdefault(key, "job")
    if not touched:
        return Graph()
    deps: set[tuple[str, str]] = set()
    runs: set[tuple[str, str]] = set()
    keys = set(touched)
    for side in (old, new):
        for key in touched:
            deps.update((_text(d), _text(key)) for d in keys.intersection(side.deps(key)))
        for job, assets in side.job_assets.items():
            if assets and not keys.isdisjoint(assets):
                runs.update((_text(job), _text(key)) for key in keys.intersection(assets))
    shown = sorted((_text(key), action) for key, action in touched.items())
    return Graph(tuple(shown), tuple(sorted(deps)), tuple(sorted(runs)))


def _status(entity: Any) -> str:
    running = enabled(entity)
    return ABSENT if running is None else RUNNING if running else STOPPED


def _statuses(
    found: list[tuple[str, Change]], old: ArtifactView, new: ArtifactView
) -> tuple[StatusChange, ...]:
    """Schedules and sensors whose running state changes; an added one counts only when it
    will run, a removed one only when it ran."""
    out = []
    for raw, change in found:
        if change.kind in ("schedule", "sensor"):
            key = change.kind + "s"
            before = _status(old.orchestration(key).get(raw))
            after = _status(new.orchestration(key).get(raw))
            name = change.name
        elif change.kind == "setting" and raw == "automation":
            before = _status(old.settings().get(raw))
            after = _status(new.settings().get(raw))
            name = AUTOMATION_SENSOR
        else:
            continue
        if before != after and RUNNING in (before, after):
            out.append(
                StatusChange(
                    "sensor" if change.kind == "setting" else change.kind, name, before, after
                )
            )
    return tuple(out)


def _ticks(found: list[tuple[str, Change]], new: ArtifactView, now: datetime) -> tuple[Ticks, ...]:
    schedules = new.orchestration("schedules")
    out = []
    for raw, change in found:
        if change.kind != "schedule" or change.action == "removed":
            continue
        cron, zone = new.schedule_timing(raw)
        try:
            upcoming = next_ticks(parse_cron(cron), after=now, timezone=zone, count=TICKS)
        except (CronError, ValueError, KeyError):  # a zone or cron this floe cannot read
            upcoming = []
        shown = tuple(t.strftime(TICK_FORMAT) for t in upcoming)
        out.append(Ticks(change.name, _text(cron), _text(zone), _status(schedules[raw]), shown))
    return tuple(out)


HIDDEN = "(hidden)"


@lru_cache(maxsize=1 << 16)
def _text(value: Any) -> str:
    """A name or string as it may be printed: a literal secret is replaced by what it is.
    (Cached: the same asset and job names come up again and again.)"""
    text = str(value)
    kind = literal_secret_kind(text)
    return text if kind is None else f"(hidden: {kind})"


def _safe(value: Any) -> Any:
    """``value`` with every entry under a secret-looking key, and every literal secret,
    hidden."""
    if isinstance(value, dict):
        return {
            _text(k): HIDDEN if is_secret_name(str(k)) and v not in (None, {}, []) else _safe(v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_safe(v) for v in value]
    if isinstance(value, str):
        return _text(value)
    return value
