"""What the docs show of examples/ is examples/, byte for byte, and what they link exists.

The files under examples/ are the ones the tests run (act, actionlint, the deployment); a page
that shows one marks the code block with ``<!-- file: examples/... -->`` on the line before its
fence, so a reader copies exactly what is tested, and a workflow in the docs cannot drift.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from tests.helpers.paths import REPO

MARKER = re.compile(r"^<!-- file: (?P<path>[^ ]+) -->$", re.M)
MARKED = re.compile(r"^<!-- file: (?P<path>[^ ]+) -->\n```[a-z]*\n(?P<body>.*?)^```$", re.S | re.M)
FENCE = re.compile(r"(?P<before>[^\n]*)\n```(?P<lang>yaml|yml)\n(?P<body>.*?)^```$", re.S | re.M)
EXAMPLES = REPO / "examples"
ON_GITHUB = re.compile(r"https://github\.com/floe/compile/(?:blob|tree)/main/([^)#\s]+)")


def pages() -> list[Path]:
    return [REPO / "README.md", REPO / "SECURITY.md", *sorted((REPO / "docs").glob("*.md"))]


def marked() -> list[tuple[Path, str, str]]:
    return [(page, m["path"], m["body"]) for page in pages() for m in MARKED.finditer(read(page))]


def read(page: Path) -> str:
    return page.read_text(encoding="utf-8")


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_every_marker_opens_a_code_block(page: Path) -> None:
    text = read(page)
    assert len(MARKER.findall(text)) == len(MARKED.findall(text)), (
        f"{page.name}: a `<!-- file: ... -->` marker must be the line right before a fence"
    )


@pytest.mark.parametrize(
    ("page", "path", "body"),
    marked(),
    ids=[f"{p.relative_to(REPO)}:{path}" for p, path, _ in marked()],
)
def test_a_marked_block_is_its_file(page: Path, path: str, body: str) -> None:
    file = REPO / path
    assert file.is_file(), f"{page.name} shows {path}, which does not exist"
    assert body == file.read_text(encoding="utf-8"), f"{page.name}: {path} differs from the file"


def test_every_example_is_shown() -> None:
    shown = {path for _, path, _ in marked()}
    files = {
        str(p.relative_to(REPO))
        for folder in ("workflows", "deploy")
        for p in (EXAMPLES / folder).iterdir()
        if p.is_file()
    }
    assert files - shown == set(), "files of examples/ that no page shows"


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_no_unmarked_workflow(page: Path) -> None:
    """A workflow written into a page by hand would drift from examples/workflows/."""
    for m in FENCE.finditer(read(page)):
        if MARKER.fullmatch(m["before"]):
            continue
        document = yaml.safe_load(m["body"])
        # YAML 1.1 reads the key `on` as True
        is_workflow = isinstance(document, dict) and "jobs" in document and True in document
        assert not is_workflow, f"{page.name}: a workflow not marked as a file of examples/"
        assert "examples/" not in m["body"].partition("\n")[0], (
            f"{page.name}: a block naming a file of examples/ must be marked and show it whole"
        )


@pytest.mark.parametrize("page", ["README.md", "SECURITY.md"])
def test_the_root_pages_link_files_that_exist(page: str) -> None:
    """`mkdocs build --strict` checks docs/; these two are read on GitHub, outside the site."""
    targets = re.findall(r"\]\((?!https?://|mailto:|#)([^)#\s]+)", read(REPO / page))
    assert [t for t in targets if not (REPO / t).exists()] == []


@pytest.mark.parametrize("page", pages(), ids=lambda p: str(p.relative_to(REPO)))
def test_links_into_the_repository_name_files_that_exist(page: Path) -> None:
    """The site links files outside docs/ on GitHub; the path must be one of this checkout."""
    paths = ON_GITHUB.findall(read(page))
    assert [p for p in paths if not (REPO / p).exists()] == []
