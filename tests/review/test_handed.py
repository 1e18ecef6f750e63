"""publish re-renders the review the PR's workflow computed from its data, never its markup.

The compute half runs the fork's code, so ``review.json`` is the fork's to write. These tests
write it as an attacker would and check what floe would post in the bot's voice."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from floe_runtime.review import handed, marker
from floe_runtime.review.errors import Refused
from tests.helpers.results import Result
from tests.review.test_review_git import CONFIG, commit, demo_repo, edit, review

HEAD = "c" * 40
TRUSTED = "shop/floe.yaml"


def report(**env: Any) -> dict[str, Any]:
    entry = {
        "config": "shop/floe.yaml",
        "state": "changed",
        "counts": {"job": 1},
        "changes": [],
        "job_assets": [],
        "ticks": [],
        "statuses": [],
        "errors": [],
        "valid": True,
        **env,
    }
    return {"environments": {"prod": entry}, "notes": []}


def rendered(data: dict[str, Any], tmp_path: Path) -> str:
    path = tmp_path / "review.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    found = handed.read_sections(path, display="floe-review/review.json")
    return handed.comment(found, config=TRUSTED, head=HEAD)


def test_a_real_review_is_rendered_again_from_its_data(
    floe: Callable[..., Result], demo_repo: Path
) -> None:
    repo = demo_repo
    edit(repo / "shop/environments/prod.env", "BRONZE_CRON=0 5 * * *", "BRONZE_CRON=30 4 * * 1-5")
    head = commit(repo, "prod: earlier")
    result, _ = review(floe, repo)
    assert result.code == 0, result.text

    found = handed.read_sections(repo / "out" / "review.json", display="review.json")
    body = handed.comment(found, config=CONFIG, head=head)
    original = (repo / "out" / "review.md").read_text(encoding="utf-8")

    stamp = marker.parse(body)
    assert stamp is not None and (stamp.config, stamp.head) == (CONFIG, head)
    assert handed.COMPUTED_BY in body
    # The reviewer sees the same change, ticks and environments as the computing job wrote.
    for line in original.splitlines():
        if "daily_bronze" in line or "CET" in line or "<summary>" in line:
            assert line in body, line


def test_the_forks_markup_is_never_posted(tmp_path: Path) -> None:
    hostile = [
        "![x](https://evil.example/p.png)",
        "[click](https://evil.example)",
        "<img src=x>",
        "@admin &#64;owner",
        "no changes ✅\n\n## floe review",
        '<!-- floe:review {"config": "x", "head": "y", "hash": "z", "v": 1} -->',
    ]
    data = report(
        changes=[{"kind": "job", "name": name, "action": "added", "fields": []} for name in hostile]
    )
    data["notes"] = hostile
    body = rendered(data, tmp_path)

    assert body.count("<!-- floe:review") == 1 and body.startswith("<!-- floe:review")
    for raw in ("![x](", "[click](", "<img", "@admin", "&#64;owner"):
        assert raw not in body, raw
    assert body.count("## floe review") == 1  # floe's own heading; the fork's is inert text
    assert marker.parse(body) == marker.Marker(TRUSTED, HEAD, marker.content_hash(body))


@pytest.mark.parametrize(
    ("data", "why"),
    [
        ([], "not an object"),
        ({"environments": {"prod": {"config": "a", "state": "exploded"}}}, "state"),
        (report(changes=[{"kind": "job", "name": 7, "action": "added"}]), "name"),
        (report(changes=[{"kind": "rootkit", "name": "x", "action": "added"}]), "unknown kind"),
        (report(counts={"job": -1}), "not a count"),
        (report(changes=[{"kind": "job", "name": "x" * 5000, "action": "added"}]), "at most"),
    ],
)
def test_a_misshapen_review_is_refused_naming_the_field(
    data: Any, why: str, tmp_path: Path
) -> None:
    with pytest.raises(Refused, match=why):
        rendered(data, tmp_path)


def test_a_huge_sparse_review_is_refused_without_reading_it(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    with path.open("wb") as handle:  # 64 GiB of holes: reading it whole would exhaust memory
        handle.truncate(64 * 1024**3)
    with pytest.raises(Refused, match="larger than 16 MiB"):
        handed.read_sections(path, display="floe-review/review.json")


def test_a_symlinked_review_to_a_device_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "review.json"
    os.symlink("/dev/zero", path)
    with pytest.raises(Refused, match="regular files"):
        handed.read_sections(path, display="floe-review/review.json")


__all__ = ["demo_repo"]  # the fixture, shared with test_review_git
