"""MkDocs hooks (mkdocs.yml `hooks:`): GitHub renders markdown inside `<details>`, Python-Markdown
only inside an element marked `markdown="1"` (md_in_html); the review page shows a real floe
review, whose bytes a test compares with the golden file, so the mark is added at build time."""

from __future__ import annotations

import re
from typing import Any

DETAILS = re.compile(r"<details(?P<open> open)?>")


def on_page_markdown(markdown: str, **_: Any) -> str:
    return DETAILS.sub(lambda m: f'<details{m["open"] or ""} markdown="1">', markdown)
