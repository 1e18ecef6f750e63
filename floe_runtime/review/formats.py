"""Every ``floe diff --format`` by name, each a function from the diff (and the config it is
for) to the exact text printed: the one place a diff's format is chosen."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # the renderers import what they need when one runs: `floe --help` is fast
    from floe_runtime.review.diff import Diff


def _text(result: Diff, config: str) -> str:
    from floe_runtime.review import text

    return text.render(result)


def _markdown(result: Diff, config: str) -> str:
    from floe_runtime.review import markdown

    return markdown.render([markdown.Section(config, result)], markdown.Level.FULL)


def _json(result: Diff, config: str) -> str:
    return json.dumps(result.as_json(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


DIFF_RENDERER_BY_NAME: Mapping[str, Callable[[Diff, str], str]] = {
    "text": _text,
    "markdown": _markdown,
    "json": _json,
}
