"""The floe Action after install: validate, review and compile each floe.yaml, write the job
summary, annotations and outputs, then comment (mode all), hand the comment to a later job
(mode compute) or publish what such a job left (mode publish).

Every input arrives as a FLOE_* environment variable set in action.yml (never through
``${{ }}`` inside a shell line), and floe runs as a child process, one command at a time.
"""

from __future__ import annotations

import glob
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

import gh
import handoff

FLOE = str(Path(sys.executable).parent / "floe")
MAX_ANNOTATIONS = 10
UPLOAD_SLOTS = 8
_ANNOTATION = re.compile(r"^::(error|warning|notice)[ :]")


@dataclass(frozen=True)
class Settings:
    configs: list[str]
    environments: list[str]
    output_dir: Path
    comment: str
    base_ref: str
    mode: str
    fail_on_invalid: bool
    fail_on_diff: bool
    upload: bool
    dbt_parse: bool
    event: str
    repository: str
    pr_number: str
    head_sha: str
    token: str

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ

        def flag(name: str, default: str) -> bool:
            value = env.get(name, default).strip().lower()
            if value not in ("true", "false"):
                raise SystemExit(f"floe: {name.lower()} must be true or false, not {value!r}")
            return value == "true"

        def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
            value = env.get(name, default).strip() or default
            if value not in allowed:
                raise SystemExit(f"floe: input must be one of {', '.join(allowed)}, not {value!r}")
            return value

        return cls(
            configs=env.get("FLOE_CONFIG", "floe.yaml").split() or ["floe.yaml"],
            environments=env.get("FLOE_ENVIRONMENTS", "").replace(",", " ").split(),
            output_dir=Path(env.get("FLOE_OUTPUT_DIR", "").strip() or "floe-output").resolve(),
            comment=choice("FLOE_COMMENT", "auto", ("auto", "always", "never")),
            base_ref=env.get("FLOE_BASE_REF", "").strip(),
            mode=choice("FLOE_MODE", "all", ("all", "compute", "publish")),
            fail_on_invalid=flag("FLOE_FAIL_ON_INVALID", "true"),
            fail_on_diff=flag("FLOE_FAIL_ON_DIFF", "false"),
            upload=flag("FLOE_UPLOAD", "true"),
            dbt_parse=flag("FLOE_DBT_PARSE", "true"),
            event=env.get("FLOE_EVENT_NAME", ""),
            repository=env.get("FLOE_REPOSITORY", ""),
            pr_number=env.get("FLOE_PR_NUMBER", "").strip(),
            head_sha=env.get("FLOE_HEAD_SHA", "").strip(),
            token=env.get("FLOE_TOKEN", ""),
        )


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


def floe(*args: str, token: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "FLOE_TOKEN"}
    if token:
        env["FLOE_TOKEN"] = token
    return subprocess.run([FLOE, *args], capture_output=True, text=True, env=env, check=False)


def echo(proc: subprocess.CompletedProcess[str], into: list[str]) -> None:
    """Show floe's output in the log; keep annotations aside (printed later, at most 10).

    The text may quote a pull request's files, so it is shown between ``stop-commands``
    markers with a fresh token: no line of it can act as a workflow command.
    """
    token = os.urandom(16).hex()
    print(f"::stop-commands::{token}", flush=True)
    for line in (proc.stdout + proc.stderr).splitlines():
        if _ANNOTATION.match(line):
            into.append(line)
        else:
            print(line, flush=True)
    print(f"::{token}::", flush=True)


def find_configs(patterns: list[str]) -> list[Path]:
    found: dict[Path, None] = {}
    for pattern in patterns:
        for match in sorted(glob.glob(pattern, recursive=True)):
            path = Path(match)
            if path.is_file() and not path.is_symlink():
                found[path] = None
    return list(found)


def slug_of(config: Path) -> str:
    folder = config.parent.as_posix().strip("./") or "root"
    return re.sub(r"[^A-Za-z0-9_.-]+", "-", folder).strip("-") or "root"


def review(config: Path, s: Settings, multi: bool) -> Review:
    slug = slug_of(config) if multi else ""
    folder = s.output_dir / slug if multi else s.output_dir
    artifacts = s.output_dir / "artifacts" / slug if multi else s.output_dir / "artifacts"
    r = Review(config, slug, folder, artifacts, config_key=config.as_posix())
    print(f"::group::floe: {config}", flush=True)
    try:
        _check(r, s)
    finally:
        print("::endgroup::", flush=True)
    return r


def _check(r: Review, s: Settings) -> None:
    for env in s.environments or [""]:
        echo(floe("validate", str(r.config), "--format", "github", *_env(env)), r.annotations)
    args = ["review", "--config", str(r.config), "--out", str(r.folder / "review")]
    args += ["--base", s.base_ref] if s.base_ref else []
    proc = floe(*args, "--dbt-parse" if s.dbt_parse else "--no-dbt-parse")
    echo(proc, r.annotations)
    report = r.folder / "review" / "review.json"
    if proc.returncode not in (0, 1) or not report.is_file():
        r.problems.append(f"`floe review` failed (exit {proc.returncode}) for {r.config}")
        return
    data = json.loads(report.read_text(encoding="utf-8"))
    r.valid = bool(data.get("valid")) and proc.returncode == 0
    r.changed = bool(data.get("changed"))
    r.changed_envs = [str(e) for e in data.get("changed_envs") or []]
    r.truncated = bool(data.get("truncated"))
    r.config_key = str(data.get("config") or r.config_key)
    if not r.valid or s.mode == "publish":
        return
    for env in s.environments or [""]:
        args = ["compile", str(r.config), "--out", str(r.artifacts), "--format", "github"]
        args += _env(env) or ["--all-envs"]
        proc = floe(*args, *(["--dbt-parse"] if s.dbt_parse else []), *_strict())
        echo(proc, r.annotations)
        if proc.returncode != 0:
            r.valid = False
            r.problems.append(f"`floe compile` failed for {r.config} {env or ''}".rstrip())
            return
    r.compiled = sorted(
        p.name for p in r.artifacts.iterdir() if (p / "compiled_artifacts.json").is_file()
    )


def _strict() -> list[str]:
    """The `strict` input (env FLOE_STRICT): warnings fail the compile."""
    return ["--strict"] if os.environ.get("FLOE_STRICT", "").strip().lower() == "true" else []


def _env(env: str) -> list[str]:
    return ["--env", env] if env else []


def annotate(reviews: list[Review]) -> list[str]:
    """Print the first 10 annotations (errors first); return the rest for the summary."""
    seen = dict.fromkeys(a for r in reviews for a in r.annotations)
    ordered = sorted(seen, key=lambda a: not a.startswith("::error"))
    for line in ordered[:MAX_ANNOTATIONS]:
        print(line, flush=True)
    return ordered[MAX_ANNOTATIONS:]


def summary(reviews: list[Review], overflow: list[str], s: Settings) -> str:
    parts: list[str] = []
    size = 0
    for r in reviews:
        text = r.full.read_text(encoding="utf-8") if r.full.is_file() else ""
        if not text:
            text = f"### floe: {r.config}\n\n" + "".join(f"- {p}\n" for p in r.problems)
        if size + len(text.encode()) > gh.SUMMARY_LIMIT - 20_000:
            text = f"### floe: {r.config}\n\nThe full review is in `{r.full}` (too long here).\n"
        parts.append(text.rstrip("\n") + "\n")
        size += len(text.encode())
    if overflow:
        lines = [f"- `{_plain(a)}`" for a in overflow[:500]]
        more = len(overflow) - len(lines)
        parts.append(
            f"<details><summary>{len(overflow)} more problems (only the first "
            f"{MAX_ANNOTATIONS} are annotated)</summary>\n\n"
            + "\n".join(lines)
            + (f"\n- … and {more} more" if more > 0 else "")
            + "\n\n</details>\n"
        )
    return "\n".join(parts)


def _plain(annotation: str) -> str:
    return annotation.replace("`", "'").replace("%0A", " ").replace("%25", "%")[:500]


def comment(reviews: list[Review], s: Settings) -> list[str]:
    """Upsert one comment per config on the pull request; return the URLs written."""
    if s.comment == "never":
        return []
    api = gh.Api(s.token)
    pulls = [int(s.pr_number)] if s.pr_number.isdigit() else []
    if not pulls and s.comment == "always" and s.repository and s.head_sha:
        pulls = api.open_pulls_of(s.repository, s.head_sha)
    if not pulls:
        if s.comment == "always":
            gh.annotation("warning", f"no open pull request for {s.head_sha[:12]}: no comment")
        return []
    existing: list[str] | None = None
    urls = []
    for r in reviews:
        if not r.body.is_file():
            continue
        if s.comment == "auto" and r.valid and not r.changed:
            if existing is None:
                existing = [b for pr in pulls for b in api.comment_bodies(s.repository, pr)]
            if not any(_marker_config(b) == r.config_key for b in existing):
                print(f"floe: {r.config}: no change and no earlier comment: not commenting")
                continue
        for pr in pulls:
            urls += _post(r, pr, s)
    return urls


def _marker_config(body: str) -> str | None:
    from floe_runtime.review import marker

    found = marker.parse(body)
    return found.config if found else None


def _post(r: Review, pr: int, s: Settings) -> list[str]:
    args = ["comment", "--pr", str(pr), "--repo", s.repository, "--body", str(r.body)]
    # The job summary already holds the full review: floe comment's read-only fallback
    # (the budgeted body) goes to a file of its own instead of repeating it there.
    summary_file = os.environ.get("GITHUB_STEP_SUMMARY")
    os.environ["GITHUB_STEP_SUMMARY"] = str(s.output_dir / "comment-fallback.md")
    try:
        proc = floe(*args, "--token-env", "FLOE_TOKEN", token=s.token)
    finally:
        if summary_file is None:
            del os.environ["GITHUB_STEP_SUMMARY"]
        else:
            os.environ["GITHUB_STEP_SUMMARY"] = summary_file
    sys.stderr.write(proc.stderr)
    if proc.returncode != 0:
        r.problems.append(f"the PR comment for {r.config} could not be written")
        return []
    url = proc.stdout.strip()
    if not url:
        gh.annotation(
            "warning",
            f"no PR comment was written for {r.config} (a read-only token, as on fork pull "
            "requests?); the review is in the job summary. The compute/publish mode comments "
            "on fork pull requests.",
        )
        return []
    print(f"floe: {r.config}: {url}")
    return [url]


def uploads(reviews: list[Review], s: Settings, multi: bool) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    if s.mode == "compute":
        found.append((handoff.ARTIFACT, s.output_dir / handoff.FOLDER))
    for r in reviews:
        for env in r.compiled:
            name = f"floe-artifacts-{r.slug}-{env}" if multi else f"floe-artifacts-{env}"
            found.append((name, r.artifacts / env))
    return found


def main() -> int:
    s = Settings.from_env()
    if s.mode == "publish":
        return handoff.publish(s)
    configs = find_configs(s.configs)
    if not configs:
        gh.fail(f"no floe.yaml matches {' '.join(s.configs)!r}")
        return 0
    multi = len(configs) > 1
    reviews = [review(c, s, multi) for c in configs]
    overflow = annotate(reviews)
    s.output_dir.mkdir(parents=True, exist_ok=True)
    text = summary(reviews, overflow, s)
    (s.output_dir / "summary.md").write_text(text, encoding="utf-8")
    gh.append_summary(text)
    full = "\n".join(r.full.read_text(encoding="utf-8") for r in reviews if r.full.is_file())
    (s.output_dir / "diff.md").write_text(full, encoding="utf-8")

    urls: list[str] = []
    if s.mode == "compute":
        handoff.prepare(reviews, s)
    elif s.event in ("pull_request", "pull_request_target") or s.comment == "always":
        urls = comment(reviews, s)

    planned = uploads(reviews, s, multi) if s.upload else []
    for slot, (name, path) in enumerate(planned[:UPLOAD_SLOTS], 1):
        gh.set_output(f"upload-{slot}-name", name)
        gh.set_output(f"upload-{slot}-path", str(path))
    if len(planned) > UPLOAD_SLOTS:
        skipped = ", ".join(name for name, _ in planned[UPLOAD_SLOTS:])
        gh.annotation(
            "warning",
            f"only {UPLOAD_SLOTS} artifacts are uploaded per run; not uploaded: {skipped}. "
            "Set upload-artifacts: false and upload the artifacts-dir output yourself.",
        )

    changed_envs = sorted(
        {e if not multi else f"{r.slug}/{e}" for r in reviews for e in r.changed_envs}
    )
    outputs = {
        "valid": all(r.valid for r in reviews),
        "changed": any(r.changed for r in reviews),
        "changed-envs": json.dumps(changed_envs),
        "artifacts-dir": str(s.output_dir / "artifacts"),
        "diff-path": str(s.output_dir / "diff.md"),
        "summary-path": str(s.output_dir / "summary.md"),
        "comment-url": " ".join(urls),
        "truncated": any(r.truncated for r in reviews),
    }
    for name, value in outputs.items():
        gh.set_output(name, str(value).lower() if isinstance(value, bool) else str(value))

    reasons = [p for r in reviews for p in r.problems]
    invalid = [str(r.config) for r in reviews if not r.valid]
    if invalid and s.fail_on_invalid:
        reasons.append(f"invalid: {', '.join(invalid)} (see the annotations and the job summary)")
    if outputs["changed"] and s.fail_on_diff:
        reasons.append(f"environments change: {', '.join(changed_envs)} (fail-on-diff)")
    if reasons:
        gh.fail("; ".join(dict.fromkeys(reasons)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
