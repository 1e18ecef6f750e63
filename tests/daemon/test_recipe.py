"""docs/deploy.md shows the files of examples/deploy/ exactly as they are, so the recipe a
reader copies is the one tests/daemon runs."""

from __future__ import annotations

import re

from tests.helpers.paths import REPO

BLOCK = re.compile(r"<!-- file: (?P<path>[^ ]+) -->\n```[a-z]*\n(?P<body>.*?)```", re.DOTALL)


def test_the_docs_show_every_recipe_file_as_it_is() -> None:
    text = (REPO / "docs" / "deploy.md").read_text(encoding="utf-8")
    shown = {m["path"]: m["body"] for m in BLOCK.finditer(text)}
    files = {
        str(p.relative_to(REPO)) for p in (REPO / "examples" / "deploy").iterdir() if p.is_file()
    }
    assert set(shown) == files
    for path, body in shown.items():
        assert body == (REPO / path).read_text(encoding="utf-8"), f"{path} differs in the docs"


def test_the_readme_links_the_recipe() -> None:
    assert "[docs/deploy.md](docs/deploy.md)" in (REPO / "README.md").read_text(encoding="utf-8")
