"""The fork-safe two-phase mode: hand the review's *data* from a read-only job to a trusted one.

``mode: compute`` (``pull_request``; a fork's read-only token) writes ``floe-review/``: each
config's ``review.json`` and ``metadata.json``. ``mode: publish`` (``workflow_run``; a token
that may write) reads that folder after the workflow downloaded the ``floe-review`` artifact of
the triggering run. The compute job ran the fork's code, so publish trusts none of it: the
metadata must match a strict shape and the event's head commit; each review is read as data
(``review.handed``: bounded, every field checked) and rendered again by floe's own renderer,
saying who computed it; the marker's config key is this job's own ``config`` input; and the
pull request is bound from the event (head repository + branch + sha, ``review.pulls``), never
from a number or markup in the artifact.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

from action import api, outputs
from action.child import floe
from action.errors import Refused
from floe_runtime.base.errors import FloeError
from floe_runtime.base.files import read_text
from floe_runtime.base.output import printable
from floe_runtime.review import budget, handed, pulls

if TYPE_CHECKING:
    from action.reviews import Review
    from action.settings import Settings

ARTIFACT = "floe-review"
FOLDER = "floe-review"
METADATA = "metadata.json"
VERSION = 2  # 2: reviews as data (review.json), not comment bodies
MAX_METADATA = 64 * 1024
MAX_CONFIGS = 50
_SHA = re.compile(r"^[0-9a-f]{40}$")
_REPORT_NAME = re.compile(r"^review-[0-9]{1,2}\.json$")


def prepare(reviews: list[Review], s: Settings) -> None:
    """Write floe-review/: each config's review.json and the metadata listing them."""
    folder = s.output_dir / FOLDER
    outputs.clear(folder)
    entries = []
    for index, r in enumerate(reviews):
        report = r.body.parent / "review.json"
        if not report.is_file():
            continue
        name = "review-" + str(index) + ".json"
        outputs.write(folder / name, read_text(report, handed.MAX_REPORT, "review.json"))
        entries.append({"report": name})
    metadata = {"version": VERSION, "head_sha": s.head_sha, "reviews": entries}
    outputs.write(folder / METADATA, json.dumps(metadata, indent=2, sort_keys=True))
    outputs.say(f"wrote {len(entries)} review(s) for the publish job to {printable(str(folder))}")


def read_metadata(folder: Path, head_sha: str) -> list[str]:
    """The review files ``folder/metadata.json`` lists, checked against the trusted head."""
    path = folder / METADATA
    try:
        data = json.loads(read_text(path, MAX_METADATA, METADATA))
    except FloeError as exc:
        raise Refused(f"{exc} (did the workflow download the {ARTIFACT} artifact?)") from None
    except json.JSONDecodeError:
        raise Refused(f"{path} is not JSON") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise Refused(f"{path}: unknown format (version {VERSION} expected)")
    if data.get("head_sha") != head_sha:
        raise Refused(f"{path} was made for another commit than the workflow run's head")
    entries = data.get("reviews")
    if not isinstance(entries, list) or len(entries) > MAX_CONFIGS:
        raise Refused(f"{path}: reviews must be a list of at most {MAX_CONFIGS}")
    names = []
    for entry in entries:
        name = entry.get("report") if isinstance(entry, dict) and set(entry) == {"report"} else None
        if not isinstance(name, str) or _REPORT_NAME.match(name) is None:
            raise Refused(f"{path}: an entry of reviews has an unexpected shape")
        names.append(name)
    return names


def body(folder: Path, names: list[str], s: Settings) -> str:
    """The comment: the reviews' data rendered by floe, keyed by this job's ``config`` input."""
    found = []
    for name in names:
        found += handed.read_sections(folder / name, display=FOLDER + "/" + name)
    text = handed.comment(found, config=" ".join(s.configs), head=s.head_sha)
    if budget.comment_length(text) > budget.COMMENT_LIMIT:
        raise Refused("the re-rendered review is longer than a GitHub comment can be")
    return text


def publish(s: Settings) -> int:
    """Comment, on the pull request the workflow run belongs to, what its compute job found."""
    if s.event != "workflow_run":
        outputs.fail("mode: publish runs on the workflow_run event")
        return 0
    if not _SHA.match(s.head_sha):
        outputs.fail("the workflow_run event carries no head commit")
        return 0
    folder = s.output_dir
    if (folder / FOLDER / METADATA).is_file():
        folder = folder / FOLDER
    try:
        text = body(folder, read_metadata(folder, s.head_sha), s)
    except FloeError as exc:
        outputs.fail(f"refusing to publish: {printable(str(exc))}")
        return 0
    try:
        bound = pulls.bind(
            api.client(s.token),
            repository=s.repository,
            head_repository=s.head_repository,
            head_branch=s.head_branch,
            head_sha=s.head_sha,
        )
    except FloeError as exc:  # GitHubError: the API refused, redirected or timed out
        outputs.fail(f"GitHub: {printable(str(exc))}; no comment was written")
        return 0
    if bound.number is None:
        outputs.annotation("warning", f"no PR comment: {printable(bound.reason)}")
        outputs.set_output("comment-url", "")
        return 0
    outputs.say(bound.reason)
    target = s.output_dir / "floe-publish" / "comment.md"
    outputs.write(target, text)
    args = ["comment", "--pr", str(bound.number), "--repo", s.repository, "--body", str(target)]
    proc = floe(*args, "--token-env", "FLOE_TOKEN", token=s.token)
    for line in proc.stderr.splitlines():
        outputs.say(line.removeprefix("floe: "))
    outputs.set_output("comment-url", proc.stdout.strip() if proc.returncode == 0 else "")
    if proc.returncode != 0:
        outputs.fail("the PR comment could not be written on #" + str(bound.number))
    return 0
