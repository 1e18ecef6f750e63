"""Untrusted text made inert for GitHub: the one place floe escapes what it puts in markdown.

GitHub shows a comment or a job summary in two passes. cmark-gfm turns the markdown into HTML
(decoding every entity, autolinking ``www.``, ``http://`` and e-mail addresses, even between
``<code>`` tags, which are raw HTML and not a code span); then filters run over the HTML's
text: ``@user`` and ``@org/team`` mentions, ``#123``, ``GH-123`` and ``owner/repo#123``
references, commit shas. The filters skip ``<code>`` and ``<pre>``, but an HTML entity
(``&#64;``) does not hide a character from them: it is decoded by the first pass.

So :func:`escape`, which every renderer uses for text a repository chose (names, field names,
values, error lines, notes, paths):

1. shows control, bidi and invisible format characters visibly (``\\u202e``), like the
   terminal (:func:`floe_runtime.base.output.one_line`), and folds other whitespace to one
   space: one line, nothing hidden;
2. writes every character outside a small safe set as an entity, so markdown and HTML see
   text (``|``, backticks, ``<``, ``*``, ``[``, ``!`` … neither format, nest nor break a table);
3. puts a WORD JOINER (U+2060, invisible, not a word character) where GitHub's matchers would
   start: after ``@`` and ``#``, after ``GH-``, between ``www`` and ``.``, after ``://``. The
   reader sees the same text; no mention, reference or link matches it.

:func:`code` puts the result inside ``<code>``, where GitHub's filters do not look either: what
a repository chose is always shown as code, so floe's own words stay distinguishable from it.
:func:`mermaid` is the same for a label inside a mermaid block (mermaid's ``#NN;`` entities).
"""

from __future__ import annotations

from typing import Final

from floe_runtime.base.output import one_line

MAX_NAME: Final = 120  # characters of one name shown; a longer one is cut with an ellipsis
MAX_LABEL: Final = 60  # characters of a mermaid label
JOINER: Final = "\u2060"
_JOINER_ENTITY: Final = "&#8288;"
_SAFE: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 ,-./=+%$^'()?!;…"
)
_LABEL_SAFE: Final = frozenset(
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 _-./"
)


def _plain(text: str, limit: int) -> str:
    """``text`` on one line, nothing invisible in it, cut to ``limit`` characters."""
    text = " ".join(one_line(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _joiner_before(text: str, i: int) -> bool:
    """Whether a joiner goes before ``text[i]``: between ``www`` and ``.``."""
    return text[i] == "." and text[max(i - 3, 0) : i].lower() == "www"


def _joiner_after(text: str, i: int) -> bool:
    """Whether a joiner goes after ``text[i]``: ``@``, ``#``, ``GH-``, ``://``."""
    c = text[i]
    return (
        c in "@#"
        or (c == "-" and text[max(i - 2, 0) : i].lower() == "gh")
        or (c == "/" and text[max(i - 2, 0) : i] == ":/")
    )


def _entity(text: str, i: int) -> str:
    """``text[i]`` as itself when it cannot act, else as an HTML entity."""
    c = text[i]
    if c in _SAFE or (c > "\x7f" and c.isalnum()):
        return c
    if c == "_" and 0 < i < len(text) - 1 and text[i - 1].isalnum() and text[i + 1].isalnum():
        return c  # cannot start or end emphasis between letters, and reads better
    if c == ":" and not text.startswith("//", i + 1):
        return c
    return f"&#{ord(c)};"


def escape(text: str, limit: int = MAX_NAME) -> str:
    """``text`` as inert markdown on one line, at most ``limit`` characters before encoding:
    see the module docstring for what GitHub would otherwise do with it."""
    text = _plain(text, limit)
    out = []
    for i in range(len(text)):
        if _joiner_before(text, i):
            out.append(_JOINER_ENTITY)
        out.append(_entity(text, i))
        if _joiner_after(text, i):
            out.append(_JOINER_ENTITY)
    return "".join(out)


def code(text: str, limit: int = MAX_NAME) -> str:
    """``text`` escaped and shown as code: how floe shows anything a repository chose."""
    return f"<code>{escape(text, limit)}</code>"


def mermaid(text: str, limit: int = MAX_LABEL) -> str:
    """``text`` as a mermaid label: anything but plain characters as mermaid's ``#NN;``."""
    text = _plain(text, limit)
    return "".join(c if c in _LABEL_SAFE else f"#{ord(c)};" for c in text)
