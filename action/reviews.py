"""Each floe.yaml the ``config`` input matches: validated, reviewed and compiled by ``floe``.

The matches are the pull request's own file names. A name holding a control character (a
newline makes a log line a workflow command) is refused when found and only ever shown
escaped; the others reach ``floe`` after ``--`` or as ``--config=PATH``.
"""

from __future__ import annotations

import glob
import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from action import outputs
from action.child import echo, floe
from action.settings import Settings
from floe_runtime.base.errors import FloeError
from floe_runtime.base.files import CONFIG_LIMIT, read_text
from floe_runtime.base.output import printable

MAX_CONFIGS = 50  # one comment each; a glob matching more is a mistake or an attack


@dataclass
class Review:
    """One floe.yaml's results, and where they were written."""

    config: Path
    slug: str
    folder: Path
    artifacts: Path
    valid: bool = False
    changed: bool = False
    changed_envs: list[str] = field(default_factory=list)
    truncated: bool = False
    config_key: str = ""
    annotations: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    compiled: list[str] = field(default_factory=list)

    @property
    def body(self) -> Path:
        return self.folder / "review" / "review.md"

    @property
    def full(self) -> Path:
        return self.folder / "review" / "full.md"

    def shown(self) -> str:
        """The config path as it may be printed (the path is the pull request's)."""
        return printable(self.config.as_posix())


def find_configs(patterns: list[str]) -> tuple[list[Path], list[str]]:
    """The regular files the patterns match, and why the others were refused."""
    found: dict[Path, None] = {}
    refused: list[str] = []
    for pattern in patterns:
        for match in sorted(glob.glob(pattern, recursive=True)):
            path = Path(match)
            if not path.is_file() or path.is_symlink():
                continue
            if printable(match) != match:
                refused.append(
                    f"refusing {printable(match)}: its path holds control characters "
                    "(a line break would make the log run workflow commands); rename it"
                )
            elif len(found) >= MAX_CONFIGS:
                refused.append(f"more than {len(found)} files match; the rest are not reviewed")
                return list(found), refused
            else:
                found[path] = None
    return list(found), refused


def slug_of(config: Path) -> str:
    folder = config.parent.as_posix().strip("./") or "root"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", folder).strip("-") or "root"


def review(config: Path, s: Settings, multi: bool) -> Review:
    slug = slug_of(config) if multi else ""
    folder = s.output_dir / slug if multi else s.output_dir
    artifacts = s.output_dir / "artifacts" / slug if multi else s.output_dir / "artifacts"
    r = Review(config, slug, folder, artifacts, config_key=config.as_posix())
    with outputs.group(r.shown()):
        _check(r, s)
    return r


def _check(r: Review, s: Settings) -> None:
    for env in s.environments or [""]:
        echo(floe("validate", "--format", "github", *_env(env), "--", str(r.config)), r.annotations)
    args = ["review", "--config=" + str(r.config), "--out=" + str(r.folder / "review")]
    args += ["--base=" + s.base_ref] if s.base_ref else []
    proc = floe(*args, "--dbt-parse" if s.dbt_parse else "--no-dbt-parse")
    echo(proc, r.annotations)
    try:
        data = json.loads(read_text(r.folder / "review" / "review.json", CONFIG_LIMIT, "review"))
    except (FloeError, ValueError):
        data = None
    if proc.returncode not in (0, 1) or not isinstance(data, dict):
        exit_code = str(proc.returncode)
        r.problems.append(f"`floe review` failed (exit {printable(exit_code)}) for {r.shown()}")
        return
    r.valid = bool(data.get("valid")) and proc.returncode == 0
    r.changed = bool(data.get("changed"))
    r.changed_envs = [str(e) for e in data.get("changed_envs") or []]
    r.truncated = bool(data.get("truncated"))
    r.config_key = str(data.get("config") or r.config_key)
    if not r.valid or s.mode == "publish":
        return
    for env in s.environments or [""]:
        args = ["compile", "--out=" + str(r.artifacts), "--format", "github"]
        args += _env(env) or ["--all-envs"]
        args += ["--dbt-parse"] if s.dbt_parse else []
        args += ["--strict"] if s.strict else []  # the `strict` input: warnings fail the compile
        proc = floe(*args, "--", str(r.config))
        echo(proc, r.annotations)
        if proc.returncode != 0:
            r.valid = False
            where = (r.shown() + " " + printable(env)).rstrip()
            r.problems.append(f"`floe compile` failed for {printable(where)}")
            return
    r.compiled = sorted(
        p.name for p in r.artifacts.iterdir() if (p / "compiled_artifacts.json").is_file()
    )


def _env(env: str) -> list[str]:
    return ["--env=" + env] if env else []
