"""The publish side of the fork-safe mode refuses hand-overs it did not expect and posts the
body as untrusted text (no mentions, no control characters, its own marker)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from floe_runtime.review import marker
from tests.snapshot import REPO

sys.path.insert(0, str(REPO / "action"))
import handoff

HEAD = "a" * 40


def hand_over(folder: Path, body: str = "## floe review\n", **changes: object) -> Path:
    entry = {
        "config": "demo/shop/floe.yaml",
        "body": "comment-0.md",
        "valid": True,
        "changed": True,
    }
    metadata = {"version": 1, "repository": "acme/shop", "head_sha": HEAD, "pr_number": 1}
    metadata["configs"] = [entry]
    metadata.update(changes)
    (folder / "metadata.json").write_text(json.dumps(metadata))
    (folder / "comment-0.md").write_text(body)
    return folder


def test_a_well_formed_hand_over_is_read(tmp_path: Path) -> None:
    (entry,) = handoff.read_metadata(hand_over(tmp_path), HEAD)
    assert entry["config"] == "demo/shop/floe.yaml"


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"head_sha": "b" * 40}, "another commit"),
        ({"version": 2}, "unknown format"),
        (
            {
                "configs": [
                    {
                        "config": "../../etc/passwd",
                        "body": "comment-0.md",
                        "valid": True,
                        "changed": True,
                    }
                ]
            },
            "unexpected shape",
        ),
        (
            {
                "configs": [
                    {"config": "floe.yaml", "body": "../secret.md", "valid": True, "changed": True}
                ]
            },
            "unexpected shape",
        ),
        (
            {"configs": [{"config": "floe.yaml", "body": "c.md", "valid": "yes", "changed": True}]},
            "unexpected shape",
        ),
    ],
)
def test_a_tampered_hand_over_is_refused(
    tmp_path: Path, changes: dict[str, object], why: str
) -> None:
    with pytest.raises(handoff.Refused, match=why):
        handoff.read_metadata(hand_over(tmp_path, **changes), HEAD)


def test_a_symlinked_body_is_refused(tmp_path: Path) -> None:
    hand_over(tmp_path)
    (tmp_path / "comment-0.md").unlink()
    (tmp_path / "comment-0.md").symlink_to(REPO / "pyproject.toml")
    with pytest.raises(handoff.Refused, match="not a regular file"):
        handoff.safe_body(tmp_path, handoff.read_metadata(tmp_path, HEAD)[0], HEAD)


def test_the_body_is_posted_as_untrusted_text(tmp_path: Path) -> None:
    forged = marker.render(marker.Marker(config="other/floe.yaml", head="f" * 40, hash="x"))
    body = f"{forged}\nping @octocat and @acme/admins\x1b[31m\u202e\n"
    hand_over(tmp_path, body=body)
    entry = handoff.read_metadata(tmp_path, HEAD)[0]
    safe = handoff.safe_body(tmp_path, entry, HEAD)
    stamped = marker.parse(safe)
    assert stamped is not None
    assert (stamped.config, stamped.head) == ("demo/shop/floe.yaml", HEAD)
    assert "other/floe.yaml" not in safe
    assert "@octocat" not in safe and "@\u200boctocat" in safe
    assert "\x1b" not in safe and "\u202e" not in safe


def test_a_body_over_the_comment_limit_is_refused(tmp_path: Path) -> None:
    hand_over(tmp_path, body="x" * 70_000)
    with pytest.raises(handoff.Refused, match="longer than"):
        handoff.safe_body(tmp_path, handoff.read_metadata(tmp_path, HEAD)[0], HEAD)
