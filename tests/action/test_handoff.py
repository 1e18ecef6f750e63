"""The publish side of the fork-safe mode refuses hand-overs it did not expect: the compute job
ran the pull request's code, so ``floe-review/`` is the fork's to write."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from action import handoff
from action.errors import Refused

HEAD = "a" * 40


def hand_over(folder: Path, **changes: object) -> Path:
    metadata = {"version": 2, "head_sha": HEAD, "reviews": [{"report": "review-0.json"}]}
    metadata.update(changes)
    (folder / "metadata.json").write_text(json.dumps(metadata))
    return folder


def test_a_well_formed_hand_over_is_read(tmp_path: Path) -> None:
    assert handoff.read_metadata(hand_over(tmp_path), HEAD) == ["review-0.json"]


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"head_sha": "b" * 40}, "another commit"),
        ({"version": 1}, "unknown format"),
        ({"reviews": [{"report": "../../etc/passwd"}]}, "unexpected shape"),
        ({"reviews": [{"report": "review-0.json", "config": "x"}]}, "unexpected shape"),
        ({"reviews": [{"report": "comment-0.md"}]}, "unexpected shape"),
        ({"reviews": [{"report": "review-0.json"}] * 51}, "at most 50"),
    ],
)
def test_a_tampered_hand_over_is_refused(
    tmp_path: Path, changes: dict[str, object], why: str
) -> None:
    with pytest.raises(Refused, match=why):
        handoff.read_metadata(hand_over(tmp_path, **changes), HEAD)


def test_a_huge_sparse_metadata_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    with (tmp_path / "metadata.json").open("wb") as handle:
        handle.truncate(32 * 1024**3)  # read whole, this was a MemoryError on 3fb24f5
    with pytest.raises(Refused, match="larger than 64 KiB"):
        handoff.read_metadata(tmp_path, HEAD)


def test_a_symlinked_metadata_file_to_a_device_is_refused(tmp_path: Path) -> None:
    (tmp_path / "metadata.json").symlink_to("/dev/zero")
    with pytest.raises(Refused, match="regular files"):
        handoff.read_metadata(tmp_path, HEAD)


def test_the_marker_key_is_the_publish_jobs_own_config_input(tmp_path: Path) -> None:
    """A config path with a space or '+' made publish refuse everything on 3fb24f5; the key now
    comes from the trusted input, encoded in the marker's JSON, never from the artifact."""
    from types import SimpleNamespace

    from floe_runtime.review import marker

    hand_over(tmp_path)
    report = {"environments": {}, "notes": []}
    (tmp_path / "review-0.json").write_text(json.dumps(report))
    settings = SimpleNamespace(configs=["data team/floe+prod.yaml"], head_sha=HEAD)
    text = handoff.body(tmp_path, handoff.read_metadata(tmp_path, HEAD), settings)  # type: ignore[arg-type]
    found = marker.parse(text)
    assert found is not None and (found.config, found.head) == ("data team/floe+prod.yaml", HEAD)
