"""The floe Action after install: validate, review and compile each floe.yaml, write the job
summary, annotations and outputs, then comment (mode all), hand the review to a later job
(mode compute) or publish what such a job left (mode publish).

A thin layer over the core: ``floe`` runs as a child process one command at a time, GitHub is
reached through the core's client (``api``), and every byte said goes through ``outputs``.
A problem the Action can name (a ``FloeError``) ends the step with that message and the
outputs set, never a traceback.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

if __name__ == "__main__" and not __package__:
    # action.yml runs this file as a script: import the `action` package from the checkout
    # of the Action itself (never from the workspace, which is the pull request's).
    sys.path[0] = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

from action import api, handoff, outputs
from action.child import floe
from action.reviews import Review, find_configs, review
from action.settings import Settings
from floe_runtime.base.diagnostics import and_more, capped
from floe_runtime.base.errors import FloeError
from floe_runtime.base.files import ARTIFACT_LIMIT, read_text
from floe_runtime.base.output import printable
from floe_runtime.review import publish
from floe_runtime.review.inert import code, escape

MAX_ANNOTATIONS = 10
UPLOAD_SLOTS = 8
PAIR = "use the fork-safe pair: mode: compute on pull_request, mode: publish on workflow_run"


def annotate(reviews: list[Review]) -> list[str]:
    """Print the first 10 annotations (errors first); return the rest for the summary."""
    seen = dict.fromkeys(a for r in reviews for a in r.annotations)
    ordered = sorted(seen, key=lambda a: not a.startswith("::error"))
    for line in ordered[:MAX_ANNOTATIONS]:
        outputs.command(line)
    return ordered[MAX_ANNOTATIONS:]


def _full(r: Review) -> str:
    try:
        return read_text(r.full, ARTIFACT_LIMIT, "the full review")
    except FloeError:
        return ""


def summary(reviews: list[Review], overflow: list[str], refused: list[str]) -> str:
    parts: list[str] = []
    size = 0
    for r in reviews:
        text = _full(r)
        if not text:
            text = f"### floe: {code(r.config.as_posix(), 300)}\n\n"
            text += "".join(f"- {escape(p, 500)}\n" for p in r.problems)
        if size + len(text.encode()) > outputs.SUMMARY_LIMIT - 20_000:
            text = f"### floe: {code(r.config.as_posix(), 300)}\n\nThe full review is in the "
            text += f"diff-path output file, {code(str(r.full), 300)} (too long here).\n"
        parts.append(text.rstrip("\n") + "\n")
        size += len(text.encode())
    if refused:
        parts.append("".join(f"- {escape(p, 500)}\n" for p in refused))
    if overflow:
        listed, left = capped(overflow, 500)
        parts.append(
            f"<details><summary>{len(overflow)} more problems (only the first "
            f"{MAX_ANNOTATIONS} are annotated)</summary>\n\n"
            + "\n".join(f"- {code(_plain(a), 500)}" for a in listed)
            + and_more(left, "\n- … ")
            + "\n\n</details>\n"
        )
    return "\n".join(parts)


def _plain(annotation: str) -> str:
    return annotation.replace("%0A", " ").replace("%0D", " ").replace("%25", "%")


def comment(reviews: list[Review], s: Settings) -> list[str]:
    """Upsert one comment per config on the pull request; return the URLs written."""
    if s.comment == "never":
        return []
    client = api.client(s.token)
    pulls = [int(s.pr_number)] if s.pr_number.isdigit() else []
    if not pulls and s.comment == "always" and s.repository and s.head_sha:
        pulls = api.open_pulls_of(client, s.repository, s.head_sha)
    if not pulls:
        if s.comment == "always":
            sha = s.head_sha[:12]
            outputs.annotation("warning", f"no open pull request for {printable(sha)}")
        return []
    existing: list[publish.Comment] | None = None
    writer = ""
    urls = []
    for r in reviews:
        if not r.body.is_file():
            continue
        if s.comment == "auto" and r.valid and not r.changed:
            if existing is None:  # floe's own comments only: anyone can paste a marker
                writer = publish.identity(client, outputs.say)
                existing = [
                    c for pr in pulls for c in publish.list_comments(client, s.repository, pr)
                ]
            if not publish.ours(existing, config=r.config_key, identity=writer):
                outputs.say(f"{r.shown()}: no change and no earlier comment: not commenting")
                continue
        for pr in pulls:
            urls += _post(r, pr, s)
    return urls


def _post(r: Review, pr: int, s: Settings) -> list[str]:
    args = ["comment", "--pr", str(pr), "--repo", s.repository, "--body=" + str(r.body)]
    # The job summary already holds the full review: floe comment's read-only fallback
    # (the budgeted body) goes to a file of its own instead of repeating it there.
    fallback = {"GITHUB_STEP_SUMMARY": str(s.output_dir / "comment-fallback.md")}
    proc = floe(*args, "--token-env", "FLOE_TOKEN", token=s.token, env=fallback)
    for line in proc.stderr.splitlines():
        outputs.say(line.removeprefix("floe: "))
    if proc.returncode != 0:
        r.problems.append(f"the PR comment for {r.shown()} could not be written")
        return []
    url = printable(proc.stdout.strip())
    if not url:
        outputs.annotation(
            "warning",
            f"no PR comment was written for {r.shown()} (a read-only token, as on fork pull "
            "requests?); the review is in the job summary. The compute/publish mode comments "
            "on fork pull requests.",
        )
        return []
    outputs.say(f"{r.shown()}: {printable(url)}")
    return [url]


def uploads(reviews: list[Review], s: Settings, multi: bool) -> list[tuple[str, Path]]:
    found: list[tuple[str, Path]] = []
    if s.mode == "compute":
        found.append((handoff.ARTIFACT, s.output_dir / handoff.FOLDER))
    for r in reviews:
        for env in r.compiled:
            name = "floe-artifacts-" + (r.slug + "-" if multi else "") + env
            found.append((name, r.artifacts / env))
    return found


def set_outputs(reviews: list[Review], s: Settings, urls: list[str], multi: bool) -> list[str]:
    """The step outputs; returns the changed environments."""
    changed_envs = sorted(
        {e if not multi else r.slug + "/" + e for r in reviews for e in r.changed_envs}
    )
    values = {
        "valid": bool(reviews) and all(r.valid for r in reviews),
        "changed": any(r.changed for r in reviews),
        "changed-envs": json.dumps(changed_envs),
        "artifacts-dir": str(s.output_dir / "artifacts"),
        "diff-path": str(s.output_dir / "diff.md"),
        "summary-path": str(s.output_dir / "summary.md"),
        "comment-url": " ".join(urls),
        "truncated": any(r.truncated for r in reviews),
    }
    for name, value in values.items():
        outputs.set_output(name, str(value).lower() if isinstance(value, bool) else str(value))
    return changed_envs


def run(s: Settings) -> int:
    if s.event == "pull_request_target" and s.mode == "all" and not s.allow_pull_request_target:
        outputs.fail(
            "refusing mode: all on pull_request_target: that job holds a write token while it "
            "compiles files of the pull request (or reviews the base against itself); "
            + PAIR
            + ". Set allow-pull-request-target: true only if you know why."
        )
        return 0
    if s.mode == "publish":
        return handoff.publish(s)
    configs, refused = find_configs(s.configs)
    for reason in refused:
        outputs.say(reason)
    if not configs:
        outputs.fail(f"no floe.yaml matches {printable(' '.join(s.configs))}")
        set_outputs([], s, [], False)
        return 0
    multi = len(configs) > 1
    reviews = [review(c, s, multi) for c in configs]
    overflow = annotate(reviews)
    text = summary(reviews, overflow, refused)
    outputs.write(s.output_dir / "summary.md", text)
    outputs.append_summary(text)
    outputs.write(s.output_dir / "diff.md", "\n".join(filter(None, map(_full, reviews))))

    urls: list[str] = []
    if s.mode == "compute":
        handoff.prepare(reviews, s)
    elif s.event in ("pull_request", "pull_request_target") or s.comment == "always":
        try:
            urls = comment(reviews, s)
        except FloeError as error:  # GitHubError: the API refused, redirected or timed out
            refused.append(f"GitHub: {printable(str(error))}; no comment was written")

    planned = uploads(reviews, s, multi) if s.upload else []
    for slot, (name, path) in enumerate(planned[:UPLOAD_SLOTS], 1):
        outputs.set_output("upload-" + str(slot) + "-name", name)
        outputs.set_output("upload-" + str(slot) + "-path", str(path))
    if len(planned) > UPLOAD_SLOTS:
        skipped = ", ".join(name for name, _ in planned[UPLOAD_SLOTS:])
        outputs.annotation(
            "warning",
            f"only {UPLOAD_SLOTS} artifacts are uploaded per run; not uploaded: "
            f"{printable(skipped)}. Set upload-artifacts: false and upload the artifacts-dir "
            "output yourself.",
        )
    changed_envs = set_outputs(reviews, s, urls, multi)

    reasons = [p for r in reviews for p in r.problems] + refused
    invalid = [r.shown() for r in reviews if not r.valid]
    if invalid and s.fail_on_invalid:
        reasons.append(
            f"invalid: {printable(', '.join(invalid))} (see the annotations and the job summary)"
        )
    if any(r.changed for r in reviews) and s.fail_on_diff:
        reasons.append(f"environments change: {printable(', '.join(changed_envs))} (fail-on-diff)")
    if reasons:
        outputs.fail("; ".join(dict.fromkeys(reasons)))
    return 0


def main() -> int:
    try:
        return run(Settings.from_env(os.environ))
    except FloeError as error:
        outputs.fail(str(error))
        outputs.set_output("valid", "false")
        return 0


if __name__ == "__main__":
    sys.exit(main())
