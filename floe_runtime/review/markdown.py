"""A review as GitHub markdown, at one of four levels of detail (the budget picks one).

Every string of a :class:`Section` may come from a hostile fork (and, in the fork-safe mode,
from data a fork uploaded). What a repository chose (environment, entity and field names,
values, timezones, error lines, notes, paths) is printed only through :func:`inert.code`, or
inside the mermaid block :func:`inert.mermaid`; floe's own words taken from the diff (kinds,
actions, statuses, tick times) pass :func:`inert.escape`, so even a forged one is inert.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import Any

from floe_runtime.base.diagnostics import and_more, capped, capped_lines
from floe_runtime.base.output import plural
from floe_runtime.review.diff import Diff, EnvironmentDiff, FieldChange, Graph
from floe_runtime.review.inert import code, escape, mermaid

MAX_LISTED = 25  # names in one table cell before "and N more"
MAX_GRAPH_NODES = 40  # past this, affected assets are listed, not drawn
MINUS = "\u2212"


class Level(IntEnum):
    """Detail, from most to least; each level keeps what the next one keeps."""

    FULL = 0
    COLLAPSED = 1  # unchanged environments only in the summary list
    NAMES = 2  # changed entities by name, no tables or graph
    COUNTS = 3  # the summary lines only


@dataclass(frozen=True)
class Section:
    """One floe.yaml's review: its diff, and per environment the errors that stop it."""

    config: str
    diff: Diff
    errors: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.errors

    @property
    def changed_environments(self) -> list[str]:
        names = set(self.diff.changed_environments) | set(self.errors)
        return sorted(names)

    def environments(self) -> list[str]:
        return sorted({e.environment for e in self.diff.environments} | set(self.errors))

    def environment(self, name: str) -> EnvironmentDiff | None:
        return next((e for e in self.diff.environments if e.environment == name), None)


KIND_WORDS = {
    "job": "job",
    "schedule": "schedule",
    "sensor": "sensor",
    "partition": "partitions definition",
    "backfill": "backfill",
    "asset_setting": "asset setting",
    "setting": "project setting",
    "asset": "asset",
}


def _word(value: object) -> str:
    """One of floe's own words from the diff (a kind, an action, a status, a count)."""
    return escape(str(value))


def _kind(kind: str) -> str:
    return KIND_WORDS.get(kind) or escape(kind)


def _noun(count: int, kind: str) -> str:
    return plural(count, _kind(kind))


def _totals(counts: Mapping[str, int]) -> str:
    """``3 jobs, 1 schedule, 0 sensors, 12 assets``: what an environment holds."""
    return ", ".join(_noun(counts.get(k, 0), k) for k in ("job", "schedule", "sensor", "asset"))


def summary(section: Section, name: str) -> str:
    """The one line that says what happens to an environment."""
    errors = section.errors.get(name)
    if errors is not None:
        return f"❌ invalid: {plural(len(errors), 'error')}"
    env = section.environment(name)
    assert env is not None
    if env.state == "unchanged":
        return "no changes"
    if env.state == "removed":
        return "🗑️ environment removed"
    parts = []
    if env.state == "added":
        parts.append("🆕 new: " + _totals(env.counts))
    else:
        tally = env.tally()
        for kind in KIND_WORDS:
            done = [
                f"{tally[kind, a]} {a}"
                for a in ("added", "removed", "changed")
                if tally.get((kind, a))
            ]
            if done:
                total = sum(tally.get((kind, a), 0) for a in ("added", "removed", "changed"))
                parts.append(f"{_noun(total, kind).split(' ', 1)[1]}: {', '.join(done)}")
        if env.job_assets:
            parts.append(f"{plural(len(env.job_assets), 'job')} with a new asset list")
    if env.statuses:
        first = env.statuses[0]
        more = f" (+{len(env.statuses) - 1} more)" if len(env.statuses) > 1 else ""
        parts.append(
            f"⚠️ {_word(first.kind)} {code(first.name, 60)} {_word(first.old)} → "
            f"<b>{_word(first.new)}</b>{more}"
        )
    return " · ".join(parts)


def render(
    sections: list[Section], level: Level, note: str | None = None, rows: int | None = None
) -> str:
    """The comment body (without its marker) for ``sections`` at ``level``; ``rows``: the most
    rows one table (one kind of change) keeps, the rest counted ("… and N more")."""
    out = ["## floe review", ""]
    if note:
        out += [f"> [!NOTE]\n> {note}", ""]
    for section in sections:
        out += _section(section, level, rows)
    return "\n".join(out).rstrip("\n") + "\n"


def _section(section: Section, level: Level, rows: int | None) -> list[str]:
    out = [f"### {code(section.config, 200)}", ""]
    names = section.environments()
    if not names:
        out += ["No environments on either side.", ""]
    for name in names:
        out.append(f"- **{code(name)}** · {summary(section, name)}")
    out.append("")
    for note in section.notes:
        out += [f"> {code(note, 1500)}", ""]
    if level >= Level.COUNTS:
        return out
    for group in _groups(section, names):
        env = section.environment(group[0])
        errors = section.errors.get(group[0])
        changed = errors is not None or (env is not None and env.changed)
        if not changed and level >= Level.COLLAPSED:
            continue
        body = _errors(errors) if errors is not None else _environment(env, level, rows)
        opened = " open" if changed else ""
        title = ", ".join(f"<b>{code(name)}</b>" for name in group)
        out += [
            f"<details{opened}><summary>{title} · {summary(section, group[0])}</summary>",
            "",
            *body,
            "</details>",
            "",
        ]
    return out


def _groups(section: Section, names: list[str]) -> list[list[str]]:
    """Environments where exactly the same happens are shown once, together."""
    groups: list[tuple[Any, list[str]]] = []
    for name in names:
        env = section.environment(name)
        errors = section.errors.get(name)
        what: Any = errors
        if errors is None and env is not None:
            what = (env.state, env.changes, env.job_assets, env.ticks, env.statuses, env.graph)
        same = next((g for key, g in groups if key == what), None)
        if same is None:
            groups.append((what, [name]))
        else:
            same.append(name)
    return [g for _, g in groups]


def _errors(errors: tuple[str, ...]) -> list[str]:
    lines = ["The head does not compile here; fix these first:", ""]
    lines += [f"- {code(e, 600)}" for e in errors]
    return [*lines, ""]


def _environment(env: EnvironmentDiff | None, level: Level, rows: int | None) -> list[str]:
    if env is None or not env.changed:
        return [f"Nothing changes here ({_totals(env.counts if env is not None else {})}).", ""]
    if level >= Level.NAMES:
        return _names(env, rows)
    out: list[str] = []
    if env.statuses:
        out += [
            "**Status changes**",
            "",
            "| | kind | name | was | becomes |",
            "|---|---|---|---|---|",
        ]
        status_rows = [
            f"| ⚠️ | {_word(s.kind)} | {code(s.name)} | {_word(s.old)} | **{_word(s.new)}** |"
            for s in env.statuses
        ]
        out += capped_lines(status_rows, rows, "| | … | ", " | | |")
        out.append("")
    changes = [c for c in env.changes if c.kind != "asset"]
    if changes:
        out += ["**Changes**", "", "| kind | name | change | what |", "|---|---|---|---|"]
        by_kind: dict[str, list[str]] = {}
        for c in changes:  # each kind keeps its first rows: one schedule is not lost to 4,000 jobs
            what = _fields(c.fields, c.action)
            by_kind.setdefault(c.kind, []).append(
                f"| {_kind(c.kind)} | {code(c.name)} | {_word(c.action)} | {what} |"
            )
        for kind, lines in by_kind.items():
            out += capped_lines(lines, rows, f"| {_kind(kind)} | … | ", " | |")
        out.append("")
    assets = [c for c in env.changes if c.kind == "asset"]
    if assets:
        out += ["**Assets**", "", "| asset | change | what |", "|---|---|---|"]
        asset_rows = [
            f"| {code(c.name)} | {_word(c.action)} | {_fields(c.fields, c.action)} |"
            for c in assets
        ]
        out += capped_lines(asset_rows, rows, "| … | ", " | |")
        out.append("")
    if env.job_assets:
        out += ["**Jobs: resolved assets**", "", "| job | assets | added | removed |"]
        out.append("|---|---|---|---|")
        job_rows = [
            f"| {code(j.job)} | {_word(j.old)} → {_word(j.new)} | {_names_cell(j.added, '+')} | "
            f"{_names_cell(j.removed, MINUS)} |"
            for j in env.job_assets
        ]
        out += capped_lines(job_rows, rows, "| … | ", " | | |")
        out.append("")
    if env.ticks:
        out += ["**Next ticks**", "", "| schedule | cron | timezone | status | next ticks |"]
        out.append("|---|---|---|---|---|")
        tick_rows = []
        for t in env.ticks:
            ticks = "<br>".join(_word(tick) for tick in t.ticks) or "(none)"
            cells = [code(t.schedule), code(t.cron), code(t.timezone), _word(t.status), ticks]
            tick_rows.append(f"| {' | '.join(cells)} |")
        out += capped_lines(tick_rows, rows, "| … | | | | ", " |")
        out.append("")
    out += _graph(env.graph)
    return out


def _names(env: EnvironmentDiff, rows: int | None) -> list[str]:
    """Level NAMES: which entities change, by name, one line per kind and action (each line
    naming at most ``rows`` of them)."""
    statuses = [
        f"- ⚠️ {_word(s.kind)} {code(s.name)}: {_word(s.old)} → **{_word(s.new)}**"
        for s in env.statuses
    ]
    out = capped_lines(statuses, rows, "- … ", " status changes")
    grouped: dict[tuple[str, str], list[str]] = {}
    for c in env.changes:
        grouped.setdefault((c.kind, c.action), []).append(c.name)
    for (kind, action), names in grouped.items():
        shown, left = capped(names, rows)
        listed = ", ".join(code(n) for n in shown) + and_more(left)
        out.append(f"- {_noun(len(names), kind)} {_word(action)}: {listed}")
    jobs = [f"- job {code(j.job)}: {_word(j.old)} → {_word(j.new)} assets" for j in env.job_assets]
    out += capped_lines(jobs, rows, "- … ", " jobs with a new asset list")
    return [*out, ""]


def _names_cell(names: Iterable[str], sign: str) -> str:
    listed = list(names)
    if not listed:
        return "—"
    shown, left = capped(listed, MAX_LISTED)
    return ", ".join(f"{sign}{code(n)}" for n in shown) + and_more(left)


def _fields(fields: tuple[FieldChange, ...], action: str) -> str:
    if action == "removed":
        return "—"
    parts = []
    for f in fields:
        if action == "added" and f.new in ("", [], {}):
            continue
        if action == "added":
            parts.append(f"{code(f.field)}: {_value(f.new)}")
        else:
            parts.append(f"{code(f.field)}: {_change(f.old, f.new)}")
    return "<br>".join(parts) or "—"


def _change(old: Any, new: Any) -> str:
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and all(isinstance(v, str) for v in (*old, *new))
    ):
        added, more_added = capped([v for v in new if v not in old], MAX_LISTED)
        removed, more_removed = capped([v for v in old if v not in new], MAX_LISTED)
        if added or removed:
            return ", ".join(
                [*(f"+{code(v)}" for v in added), *(f"{MINUS}{code(v)}" for v in removed)]
            ) + and_more(more_added + more_removed)
    return f"{_value(old)} → {_value(new)}"


def _value(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, str):
        return code(value)
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        if not value:
            return "[]"
        shown, left = capped(value, MAX_LISTED)
        return ", ".join(code(v) for v in shown) + and_more(left)
    return code(json.dumps(value, sort_keys=True, ensure_ascii=False), 300)


# ── mermaid ────────────────────────────────────────────────────────────────────────────
_STYLE = {"added": ":::added", "removed": ":::removed", "changed": ":::changed", "job": ""}


def _graph(graph: Graph) -> list[str]:
    if not graph.assets:
        return []
    jobs = sorted({job for job, _ in graph.jobs})
    if len(graph.assets) + len(jobs) > MAX_GRAPH_NODES:
        shown, left = capped(graph.assets, MAX_LISTED * 2)
        return [
            f"**Affected assets** ({len(graph.assets)}, too many to draw): "
            + ", ".join(f"{code(k)} ({_word(action)})" for k, action in shown)
            + and_more(left),
            "",
        ]
    ids = {key: f"a{i}" for i, (key, _) in enumerate(graph.assets)}
    job_ids = {job: f"j{i}" for i, job in enumerate(jobs)}
    lines = ["**Affected assets** and the jobs that run them", "", "```mermaid", "graph LR"]
    lines += [f'  {ids[k]}["{mermaid(k)}"]{_STYLE.get(a, "")}' for k, a in graph.assets]
    lines += [f'  {job_ids[j]}(["job: {mermaid(j)}"])' for j in jobs]
    lines += [f"  {ids[a]} --> {ids[b]}" for a, b in graph.deps]
    lines += [f"  {job_ids[j]} -.-> {ids[a]}" for j, a in graph.jobs]
    lines += [
        "  classDef added fill:#d4f7d4,stroke:#2a7a2a",
        "  classDef removed fill:#f7d4d4,stroke:#a02a2a",
        "  classDef changed fill:#fdf1c7,stroke:#a07a00",
        "```",
        "",
    ]
    return lines
