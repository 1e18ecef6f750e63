"""The fork-safe two-phase mode: hand a rendered comment from a read-only job to a trusted one.

``mode: compute`` (``pull_request``, a fork's read-only token) writes ``floe-review/``: each
config's comment body and ``metadata.json``. ``mode: publish`` (``workflow_run``, a token that
may write) reads that folder after the workflow downloaded the ``floe-review`` artifact of the
triggering run, and trusts none of it: the head commit comes from the workflow_run event, the
pull request is looked up from that commit through the API (never read from the file), the
metadata must match a strict shape, and each body is treated as untrusted text: bounded,
control characters and @-mentions neutralised, any marker replaced by one stamped from trusted
values, then posted with ``floe comment``.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any

from action import api, outputs
from action.child import floe
from floe_runtime.base.files import read_text
from floe_runtime.base.output import printable

if TYPE_CHECKING:
    from action.reviews import Review
    from action.settings import Settings

ARTIFACT = "floe-review"
FOLDER = "floe-review"
METADATA = "metadata.json"
VERSION = 1
MAX_BODY = 65_536
MAX_METADATA = 64 * 1024
MAX_CONFIGS = 50
_SHA = re.compile(r"^[0-9a-f]{40}$")
_BODY_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}\.md$")
_CONFIG = re.compile(r"^[A-Za-z0-9_./-]{1,300}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202a-\u202e\u2066-\u2069]")
_MENTION = re.compile(r"@(?=[A-Za-z0-9])")


class Refused(ValueError):
    """The handed-over files are not what a compute run writes."""


def prepare(reviews: list[Review], s: Settings) -> None:
    """Write floe-review/: each comment body and the metadata describing them."""
    folder = s.output_dir / FOLDER
    outputs.clear(folder)
    entries = []
    for index, r in enumerate(reviews):
        if not r.body.is_file():
            continue
        name = "comment-" + str(index) + ".md"
        outputs.write(folder / name, read_text(r.body, MAX_BODY * 4, "the comment body"))
        entries.append(
            {"config": r.config_key, "body": name, "valid": r.valid, "changed": r.changed}
        )
    metadata = {
        "version": VERSION,
        "repository": s.repository,
        "head_sha": s.head_sha,
        "pr_number": int(s.pr_number) if s.pr_number.isdigit() else None,
        "configs": entries,
    }
    outputs.write(folder / METADATA, json.dumps(metadata, indent=2, sort_keys=True))
    outputs.say(f"wrote {len(entries)} comment(s) for the publish job to {printable(str(folder))}")


def read_metadata(folder: Path, head_sha: str) -> list[dict[str, Any]]:
    """The configs listed in ``folder/metadata.json``, checked against the trusted head."""
    path = folder / METADATA
    if path.is_symlink() or not path.is_file():
        raise Refused(f"{path} is missing: did the workflow download the {ARTIFACT} artifact?")
    if path.stat().st_size > MAX_METADATA:
        raise Refused(f"{path} is larger than {MAX_METADATA} bytes")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise Refused(f"{path} is not JSON ({type(exc).__name__})") from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise Refused(f"{path}: unknown format (version {VERSION} expected)")
    if data.get("head_sha") != head_sha:
        raise Refused(f"{path} was made for another commit than the workflow run's head")
    configs = data.get("configs")
    if not isinstance(configs, list) or len(configs) > MAX_CONFIGS:
        raise Refused(f"{path}: configs must be a list of at most {MAX_CONFIGS}")
    for entry in configs:
        ok = (
            isinstance(entry, dict)
            and set(entry) == {"config", "body", "valid", "changed"}
            and isinstance(entry["config"], str)
            and _CONFIG.match(entry["config"]) is not None
            and ".." not in entry["config"].split("/")
            and not entry["config"].startswith("/")
            and isinstance(entry["body"], str)
            and _BODY_NAME.match(entry["body"]) is not None
            and isinstance(entry["valid"], bool)
            and isinstance(entry["changed"], bool)
        )
        if not ok:
            raise Refused(f"{path}: an entry of configs has an unexpected shape")
    return configs


def safe_body(folder: Path, entry: dict[str, Any], head_sha: str) -> str:
    """The comment body of ``entry``, made safe to post as floe's own."""
    from floe_runtime.review import marker

    path = folder / entry["body"]
    if path.is_symlink() or not path.is_file():
        raise Refused(f"{entry['body']} is missing or not a regular file")
    raw = path.read_bytes()[: MAX_BODY * 4 + 1]
    if len(raw) > MAX_BODY * 4:
        raise Refused(f"{entry['body']} is larger than a comment can be")
    text = raw.decode("utf-8", errors="replace")
    text = _CONTROL.sub("", text.replace("\r\n", "\n"))
    text = _MENTION.sub("@\u200b", marker.strip(text))
    body = marker.stamp(text, config=entry["config"], head=head_sha)
    if len(body) > MAX_BODY:
        raise Refused(f"{entry['body']} is longer than GitHub's {MAX_BODY} characters")
    return body


def publish(s: Settings) -> int:
    """Comment, on the pull request of the trusted head commit, what a compute run left."""
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
        configs = read_metadata(folder, s.head_sha)
        bodies = [(entry, safe_body(folder, entry, s.head_sha)) for entry in configs]
    except Refused as exc:
        outputs.fail(f"refusing to publish: {printable(str(exc))}")
        return 0
    pulls = api.open_pulls_of(api.client(s.token), s.repository, s.head_sha)
    if not pulls:
        sha = s.head_sha[:12]
        outputs.annotation("warning", f"no open pull request has head {printable(sha)}")
        outputs.set_output("comment-url", "")
        return 0
    safe = s.output_dir / "floe-publish"
    urls: list[str] = []
    failed: list[str] = []
    for entry, body in bodies:
        target = safe / entry["body"]
        outputs.write(target, body)
        for pr in pulls:
            args = ["comment", "--pr", str(pr), "--repo", s.repository, "--body", str(target)]
            proc = floe(*args, "--token-env", "FLOE_TOKEN", token=s.token)
            for line in proc.stderr.splitlines():
                outputs.say(line.removeprefix("floe: "))
            if proc.returncode != 0:
                failed.append(printable(entry["config"]) + " on #" + str(pr))
            elif proc.stdout.strip():
                urls.append(proc.stdout.strip())
    outputs.set_output("comment-url", " ".join(urls))
    if failed:
        outputs.fail("the PR comment could not be written: " + ", ".join(failed))
    return 0
