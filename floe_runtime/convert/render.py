"""A conversion as floe.yaml text: the entries as YAML, what was not translated as comments.

Every string floe init writes comes from files it did not write, so each one is escaped for
floe's interpolation (``${`` → ``$${``), asset keys are escaped for the glob patterns of
``assets:``, and comments are single printable lines (a newline in a name cannot start a
YAML key).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import yaml

from floe_runtime.base.output import printable
from floe_runtime.convert.translate import Conversion

_GLOB_SPECIAL = set("*?[{},")
WIDTH = 100


@dataclass(frozen=True)
class Header:
    name: str
    sources: Sequence[str]  # what was read, for the first comment line
    dbt_dir: str | None  # relative to floe.yaml, posix
    dbt_profiles: bool  # profiles.yml beside dbt_project.yml


def comment(text: str) -> str:
    return "# " + " ".join(printable(text).split())


def render(header: Header, found: Conversion) -> str:
    lines = [comment(f"written by `floe init` from {', '.join(header.sources)}")]
    if found.partitions_in_code:
        lines.append(comment("partitions now live here: delete partitions_def= in the code at "
                             + ", ".join(found.partitions_in_code)))  # fmt: skip
    orchestration: dict[str, Any] = {}
    if found.asset_modules:
        orchestration["asset_modules"] = found.asset_modules
    if header.dbt_dir is not None:
        orchestration["dbt"] = {"project_dir": header.dbt_dir}
    sections: list[tuple[str, Any]] = [
        ("partitions", found.registry.entries),
        ("assets", {_pattern(k): v for k, v in sorted(found.assets.items())}),
        ("jobs", found.jobs),
        ("schedules", found.schedules),
    ]
    orchestration.update({key: value for key, value in sections if value})
    document = {"name": header.name, "version": "1.0.0", "orchestration": orchestration}
    body = yaml.safe_dump(
        _escaped(document), sort_keys=False, default_flow_style=None, width=WIDTH,
        allow_unicode=True,
    )  # fmt: skip
    lines.append(body.rstrip("\n"))
    if header.dbt_dir is not None and not header.dbt_profiles:
        lines.append(comment("floe init: no profiles.yml beside dbt_project.yml; set "
                             "orchestration.dbt.profiles_dir"))  # fmt: skip
    groups = ", ".join(f"{g} ({len(k)})" for g, k in sorted(found.groups.items()))
    if groups:
        lines.append(comment(f"floe init: Python asset groups, kept in the code: {groups}"))
    for note in found.notes:
        lines.append(
            comment(f"floe init: could not translate {note.what} at {note.file}:{note.line}")
        )
    return "\n".join(lines) + "\n"


def _pattern(key: str) -> str:
    """An asset key as a glob that matches only itself."""
    return "".join(f"[{c}]" if c in _GLOB_SPECIAL else c for c in key)


def _escaped(value: Any) -> Any:
    if isinstance(value, str):
        return value.replace("${", "$${")
    if isinstance(value, dict):
        return {_escaped(k): _escaped(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_escaped(v) for v in value]
    return value
