"""``floe review``'s pipeline: compile the working tree and the merge base, diff, render.

Both sides are compiled in memory with the same compile pipeline as ``floe compile`` (with
``dbt parse`` where a dbt project exists, so the review sees the real asset graph), for every
environment either side declares. The outputs are the PR comment body (budgeted, marker
first), the full markdown for the job summary, and a JSON report for the Action's outputs.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from floe_runtime.artifact.view import ArtifactView, Payload
from floe_runtime.base.diagnostics import Diagnostic, and_more, capped, capped_lines
from floe_runtime.base.errors import FloeError
from floe_runtime.base.files import write_atomic
from floe_runtime.base.output import plural
from floe_runtime.base.secrets import literal_secret_kind, redact
from floe_runtime.compile.dbt_parse import DbtParses, dbt_executable
from floe_runtime.compile.options import CompileOptions
from floe_runtime.compile.pipeline import Compiled, compile_environments
from floe_runtime.review import budget, git
from floe_runtime.review.diff import diff, environment_json
from floe_runtime.review.errors import GitError
from floe_runtime.review.markdown import Section
from floe_runtime.review.packages import BasePackages
from floe_runtime.spec import environments
from floe_runtime.spec.load import SpecOptions

WHERE = "the job summary of this workflow run (locally: `full.md` beside `review.md`)"
MAX_ERRORS = 50  # per environment; the rest are counted
BASE_ERRORS_SHOWN = 3  # of a base that does not compile, in the comment body's note
NO_DBT_GRAPH = (
    "Jobs' resolved asset lists were computed without the dbt graph ({why}): dbt models, "
    "and paths through them, are missing from them."
)


@dataclass(frozen=True)
class ReviewOptions:
    cwd: Path
    configs: tuple[Path, ...]
    base: str | None
    now: datetime
    dbt_parse: bool
    progress: Callable[[str], None]


@dataclass(frozen=True)
class _Sides:
    """What the review report says beyond the diff: the base's errors per environment, and
    the head environments whose job asset lists lack the dbt graph."""

    base_errors: Mapping[str, tuple[str, ...]]
    without_dbt_graph: frozenset[str]


@dataclass(frozen=True)
class Review:
    comment: budget.Fitted
    full: budget.Fitted
    record: dict[str, Any]  # review.json

    @property
    def valid(self) -> bool:
        return bool(self.record["valid"])

    def write(self, out: Path) -> list[Path]:
        files = {
            "review.md": self.comment.body,
            "full.md": self.full.body,
            "review.json": json.dumps(self.record, indent=2, sort_keys=True, ensure_ascii=False)
            + "\n",
        }
        for name, text in files.items():
            write_atomic(out / name, text.encode("utf-8"))
        return [out / name for name in files]


def review(*, options: ReviewOptions) -> Review:
    root = git.toplevel(options.cwd)
    head = git.head_commit(root)
    ref = options.base or git.default_base(root)
    base = git.merge_base(root, ref, head)
    configs = [_relative(root, options.cwd / c) for c in options.configs]
    parse = options.dbt_parse and dbt_executable() is not None
    notes = [] if parse or not options.dbt_parse else ["dbt is not installed: dbt models unknown"]
    with git.worktree(root, base) as tree:
        packages = BasePackages(tree, root, os.environ, options.progress)
        reviewed = [
            _section(config, root, tree, parse, options, notes, packages) for config in configs
        ]
    sections = [section for section, _ in reviewed]
    label = ";".join(configs)
    comment = budget.comment(sections, config=label, head=head, where=WHERE)
    full = budget.full(sections, where="`review.json`")
    for text in (comment.body, full.body):
        kind = literal_secret_kind(text)
        if kind is not None:  # the diff hides values; this is the last line of defence
            raise FloeError(f"the review would contain {kind}; refusing to write it")
    report = {
        "valid": all(s.valid for s in sections),
        "changed": any(s.changed_environments for s in sections),
        "changed_envs": sorted({e for s in sections for e in s.changed_environments}),
        "truncated": comment.truncated,
        "level": budget.LEVEL_NAMES[comment.level],
        "config": label,
        "head": head,
        "base": base,
        "base_ref": ref,
        "environments": _environments(reviewed),
        "notes": [note for s in sections for note in s.notes],
        "base_dbt_packages": {
            "done": packages.actions,
            "failed": [_clean(redact(p), (root,)) for p in packages.problems],
        },
    }
    return Review(comment, full, report)


def _relative(root: Path, path: Path) -> str:
    try:
        return path.resolve().relative_to(root.resolve()).as_posix()
    except ValueError as exc:
        raise GitError(f"{path}: not inside the repository at {root}") from exc


def _section(
    config: str,
    root: Path,
    tree: Path,
    parse: bool,
    options: ReviewOptions,
    notes: list[str],
    packages: BasePackages,
) -> tuple[Section, _Sides]:
    """The config's review, and what the report adds to it."""
    head_yaml, base_yaml = root / config, tree / config
    if not head_yaml.is_file() and not base_yaml.is_file():
        raise GitError(f"{config}: no such file at the head nor at the base")
    side_notes = list(notes)
    # The two sides run side by side and mostly wait on dbt; where dbt reads the same files
    # at both (the dbt project did not change), the base reuses the head's parse.
    parses = DbtParses(os.environ)
    with ThreadPoolExecutor(max_workers=2) as pool:
        roots = (root, tree)
        head_job = pool.submit(_compile, "head", head_yaml, config, parse, options, roots, parses)
        base_job = pool.submit(
            _compile, "base", base_yaml, config, parse, options, roots, parses, packages
        )
        (base, base_failed), (head, errors) = base_job.result(), head_job.result()
    if not base_yaml.is_file():
        side_notes.append("No floe.yaml at the base: everything is new.")
    if not head_yaml.is_file():
        side_notes.append("floe.yaml is deleted: everything is removed.")
    if base_failed:
        side_notes += [
            f"The base's dbt packages could not be installed: {_clean(redact(p), roots)}"
            for p in packages.problems
        ]
    for env, lines in sorted(base_failed.items()):
        shown, left = capped(lines, BASE_ERRORS_SHOWN)
        side_notes.append(
            f"The base does not compile in {env} ({plural(len(lines), 'error')}), so {env} is "
            f"compared with nothing and shown as the head has it. The base's "
            f"{'error' if len(lines) == 1 else 'errors'}: {'; '.join(shown)}"
            + and_more(left, "; ", " (in review.json)")
        )
    without = _without_dbt_graph(head)
    if without:
        side_notes.append(NO_DBT_GRAPH.format(why=f"no dbt manifest in {', '.join(without)}"))
    section = Section(
        config, diff(base=base, head=head, now=options.now), errors, tuple(side_notes)
    )
    return section, _Sides(base_failed, frozenset(without))


def _compile(
    side: str,
    floe_yaml: Path,
    config: str,
    parse: bool,
    options: ReviewOptions,
    roots: tuple[Path, ...],
    parses: DbtParses,
    prepare: BasePackages | None = None,
) -> tuple[dict[str, Payload], dict[str, tuple[str, ...]]]:
    """Each environment's payload, and each failed environment's errors (file:line). The
    head leads the dbt parses (kept in floe's cache); the base, a temporary checkout,
    follows it."""
    head = prepare is None
    try:
        if not floe_yaml.is_file():
            return {}, {}
        compile_options = CompileOptions(
            spec=SpecOptions(path=floe_yaml, display=config, process_env=os.environ),
            environments=tuple(environments.select(floe_yaml, every=True)),
            dbt_parse=parse,
            progress=lambda message: options.progress(f"{side}: {message}"),
            prepare_dbt=prepare,
            dbt_parses=parses,
            dbt_cache=head,
            dbt_follow=None if head else "the head",
        )
        results: list[Compiled] = compile_environments(compile_options)
    finally:
        if head:  # whatever happened, the base no longer waits for the head to lead
            parses.led.set()
    payloads: dict[str, Payload] = {
        r.environment: r.artifact.model_dump(mode="json") for r in results if r.artifact is not None
    }
    errors = {r.environment: _errors(r.diagnostics, roots) for r in results if r.artifact is None}
    return payloads, errors


def _errors(diagnostics: list[Diagnostic], roots: tuple[Path, ...]) -> tuple[str, ...]:
    found = [d for d in diagnostics if d.severity == "error"]
    lines = [_clean(redact(f"{_location(d)}: {d.message}" + _hint(d)), roots) for d in found]
    lines = [
        line if literal_secret_kind(line) is None else f"{line.split(': ', 1)[0]}: (hidden)"
        for line in lines
    ]
    return tuple(capped_lines(lines, MAX_ERRORS, end=" errors"))


def _location(d: Diagnostic) -> str:
    return d.file if d.position is None else f"{d.file}:{d.position.line}:{d.position.col}"


def _hint(d: Diagnostic) -> str:
    return f" (hint: {d.hint})" if d.hint else ""


_TEMP = re.compile(r"/[^\s'\"]*?/floe-(?:compile|review-base)-[A-Za-z0-9_]+/(?:base/)?")


def _clean(text: str, roots: tuple[Path, ...]) -> str:
    """No machine paths in a comment: checkout and temporary folders are cut off."""
    for root in roots:
        text = text.replace(f"{root}/", "").replace(f"{root.resolve()}/", "")
    return _TEMP.sub("", text)


def _without_dbt_graph(head: Mapping[str, Payload]) -> list[str]:
    """The head environments whose job asset lists were resolved without dbt models."""
    return sorted(
        env for env, payload in head.items() if ArtifactView(payload).resolved_without_dbt()
    )


def _environments(reviewed: list[tuple[Section, _Sides]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for section, sides in reviewed:
        for name in section.environments():
            key = name if len(reviewed) == 1 else f"{section.config}:{name}"
            env = section.environment(name)
            errors = section.errors.get(name)
            entry: Mapping[str, Any] = environment_json(env) if env is not None else {}
            out[key] = {
                **entry,
                "config": section.config,
                "valid": errors is None,
                "state": "invalid" if errors is not None else entry.get("state"),
                "errors": list(errors or ()),
                "base_errors": list(sides.base_errors.get(name, ())),
                "without_dbt_graph": name in sides.without_dbt_graph,
            }
    return out
