"""A diff as plain text for a terminal (``floe diff``): one block per environment.

Untrusted strings pass through ``printable`` (control characters escaped, secrets redacted), so
a name cannot move the cursor or recolour the terminal.
"""

from __future__ import annotations

import json
from typing import Any

from floe_runtime.base.output import printable
from floe_runtime.review.diff import Diff, EnvironmentDiff

_SIGNS = {"added": "+", "removed": "-", "changed": "~"}


def clean(text: str, limit: int = 200) -> str:
    """``text`` as floe prints it (:func:`printable`), cut to ``limit`` characters."""
    text = printable(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _value(value: Any) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, str):
        return clean(value)
    return clean(json.dumps(value, sort_keys=True, ensure_ascii=False), 400)


def render(diff: Diff) -> str:
    if not diff.environments:
        return "no environments on either side\n"
    return "\n".join(line for env in diff.environments for line in _environment(env)) + "\n"


def _environment(env: EnvironmentDiff) -> list[str]:
    name = clean(env.environment)
    if not env.changed:
        return [f"{name}: no changes"]
    out = [f"{name}: {env.state}"]
    for s in env.statuses:
        out.append(f"  ! {s.kind} {clean(s.name)}: {s.old} -> {s.new}")
    for c in env.changes:
        out.append(f"  {_SIGNS[c.action]} {c.kind} {clean(c.name)}")
        if c.action == "changed":
            out += [f"      {clean(f.field)}: {_value(f.old)} -> {_value(f.new)}" for f in c.fields]
    for j in env.job_assets:
        moves = [f"+{clean(a)}" for a in j.added] + [f"-{clean(a)}" for a in j.removed]
        out.append(f"  job {clean(j.job)} assets {j.old} -> {j.new}: {' '.join(moves)}")
    for t in env.ticks:
        ticks = ", ".join(t.ticks) or "(none)"
        out.append(
            f"  next ticks of {clean(t.schedule)} ({clean(t.timezone)}, {t.status}): {ticks}"
        )
    return out
