"""GitHub's own renderer as the oracle: a review stays inert whatever names a fork chooses.

cmark-gfm (PyPI ``cmarkgfm``, bindings to GitHub's fork of cmark) renders floe's markdown with
the extensions GitHub uses (table, strikethrough, autolink, tagfilter, tasklist) and raw HTML
allowed, as GitHub allows it before sanitising. GitHub then runs filters over the HTML's text
(mentions, ``#N`` / ``GH-N`` / ``owner/repo#N`` references); they are not public code, so the
test asserts what they would need: no ``@word``, ``#digit``, ``GH-digit``, ``www.`` or ``://``
followed by a host in any text, every untrusted string inside ``<code>``, no link, no image,
no tag or attribute floe did not write, no invisible or bidi character, and one marker.
"""

from __future__ import annotations

import random
import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path

import cmarkgfm
import pytest
from cmarkgfm.cmark import Options

from floe_runtime.review import budget, marker
from floe_runtime.review.diff import (
    Change,
    Diff,
    EnvironmentDiff,
    FieldChange,
    Graph,
    JobAssets,
    StatusChange,
    Ticks,
)
from floe_runtime.review.markdown import Level, Section, render
from tests.helpers.results import Result
from tests.review.test_review_git import NOW, commit, edit, git, small_project

ATOMS = [
    "@octocat",
    "@org/team",
    "&#64;octocat",
    "&commat;octocat",
    "&#x40;octocat",
    "&#X40;x",
    "\\@octocat",
    "#123",
    "&#35;12",
    "&num;7",
    "owner/repo#1",
    "owner/repo@a1b2c3d",
    "GH-1",
    "gh-22",
    "www.evil.example",
    "WWW.Evil.example",
    "http://evil.example/x",
    "https://evil.example",
    "ftp://evil.example",
    "mailto:a@b.co",
    "a@b.co",
    "first.last+tag@mail.example.com",
    "xmpp:a@b.co",
    "<https://evil.example>",
    "![img](http://evil.example/x.png)",
    "[link](http://evil.example)",
    "[ref]: http://evil.example",
    "<img src=x onerror=alert(1)>",
    '<a href="http://evil.example">',
    "</a>",
    "<script>alert(1)</script>",
    "</code>",
    "<code>",
    "</details>",
    "<details open>",
    "<b>",
    "`",
    "```",
    "|",
    "||",
    "\n",
    "\r\n",
    "\n\n# heading\n\n",
    "\n- item",
    "\n| a | b |\n|---|---|",
    "> quote",
    "**bold**",
    "_em_",
    "~~strike~~",
    "- [ ] task",
    ":smile:",
    "\\",
    "&amp;",
    "&lt;script&gt;",
    "<!--",
    "-->",
    '<!-- floe:review {"config": "x", "hash": "sha256:0", "head": "aaaaaaa", "v": 1} -->',
    "<!-- floe:",
    "\u202e",
    "\u202d",
    "\u2066",
    "\u2069",
    "\u200b",
    "\u200d",
    "\u2060",
    "\ufeff",
    "\u00ad",
    "\u2028",
    "\u2029",
    "\u3164",
    "\U000e0041",
    "\x1b[31m",
    "\x00",
    "\x7f",
    "\x85",
    "é中🦆",
    "\uff20octocat",  # FULLWIDTH COMMERCIAL AT
    "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0",
    "[^1]",
    "\n[^1]: note",
]
FILLER = ["", " ", "x", "_", "-", ".", "/", ":", "a b"]
GITHUB = Options.CMARK_OPT_UNSAFE | Options.CMARK_OPT_FOOTNOTES
# The markup floe itself writes; anything else came from a name.
TAGS = {
    "h2", "h3", "p", "ul", "li", "code", "b", "strong", "details", "summary", "table",
    "thead", "tbody", "tr", "th", "td", "br", "blockquote", "pre",
}  # fmt: skip
ATTRIBUTES = {("details", "open"), ("pre", "lang")}
SENTINEL = re.compile(r"zq\d+q")
JOINER = "\u2060"
# What GitHub's post-render filters and autolinker start from, in any text node.
ACTIVE = re.compile(
    r"@[A-Za-z0-9]"  # @user, @org/team, user@sha, a@b.co
    r"|#\d"  # #123, owner/repo#123
    r"|GH-\d"
    r"|www\."
    r"|://(?!\u2060)",
    re.IGNORECASE,
)
# Where floe itself puts a WORD JOINER; any other is a character that slipped through.
PLACED = re.compile(r"(?<=[@#])\u2060|(?<=GH-)\u2060|(?<=www)\u2060(?=\.)|(?<=://)\u2060", re.I)


class Values:
    """Hostile strings, each starting with a sentinel ``zqNq`` so it can be found in the HTML."""

    def __init__(self, seed: int, hostile: bool = True) -> None:
        self.rng = random.Random(seed)
        self.hostile = hostile
        self.made = 0

    def __call__(self) -> str:
        self.made += 1
        head = f"zq{self.made}q"
        if not self.hostile:
            return head
        parts = [self.rng.choice(ATOMS) for _ in range(self.rng.randint(1, 4))]
        return head + "".join(self.rng.choice(FILLER) + p for p in parts)


def hostile_section(v: Callable[[], str], rng: random.Random) -> Section:
    """A section with a value from ``v`` in every place floe renders text a repository chose."""
    kinds = ("job", "schedule", "sensor", "partition", "backfill", "asset_setting", "setting")
    changes = [
        Change(
            kind,
            v(),
            rng.choice(("added", "changed", "removed")),
            (
                FieldChange(v(), v(), v()),
                FieldChange(v(), [v(), v()], [v()]),
                FieldChange(f"args.{v()}", {v(): v()}, 3),
            ),
        )
        for kind in kinds
    ]
    assets = [v() for _ in range(rng.choice((3, 45)))]  # drawn, or listed past 40 nodes
    changes += [Change("asset", a, "changed", (FieldChange("deps", [v()], [v()]),)) for a in assets]
    job = v()
    env = EnvironmentDiff(
        v(),
        "changed",
        tuple(changes),
        (JobAssets(job, 1, 2, (v(), v()), (v(),)),),
        (Ticks(v(), v(), v(), "RUNNING", ("2026-12-02 06:00 CET",)),),
        (StatusChange("schedule", v(), "STOPPED", "RUNNING"),),
        {"job": 1, "asset": 3},
        Graph(
            tuple((a, rng.choice(("added", "changed", "removed"))) for a in assets),
            ((assets[0], assets[1]),),
            ((job, assets[0]),),
        ),
    )
    added = EnvironmentDiff(
        v(), "added", (Change("job", v(), "added", (FieldChange(v(), None, v()),)),)
    )
    same = EnvironmentDiff(v(), "unchanged")
    return Section(
        v(),
        Diff((env, added, same)),
        {v(): (v(), v())},
        (v(), v()),
    )


@dataclass
class Page:
    """The rendered HTML, parsed: tags, attributes, comments and text nodes (decoded)."""

    tags: set[str] = field(default_factory=set)
    attributes: set[tuple[str, str]] = field(default_factory=set)
    comments: list[str] = field(default_factory=list)
    texts: list[tuple[str, str]] = field(default_factory=list)  # (where: text|code|pre, text)
    sequence: list[str] = field(default_factory=list)
    rows: list[tuple[int, int]] = field(default_factory=list)  # (table number, cells)


class _Parser(HTMLParser):
    VOID = frozenset({"br", "img", "hr", "input"})

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.page = Page()
        self.open: list[str] = []
        self.tables = 0
        self.cells = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.page.tags.add(tag)
        self.page.attributes.update((tag, name) for name, _ in attrs)
        self.page.sequence.append(tag)
        if tag == "table":
            self.tables += 1
        if tag == "tr":
            self.cells = 0
        if tag in ("td", "th"):
            self.cells += 1
        if tag not in self.VOID:
            self.open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        self.page.sequence.append("/" + tag)
        if tag == "tr":
            self.page.rows.append((self.tables, self.cells))
        if tag in self.open:
            while self.open.pop() != tag:
                pass

    def handle_comment(self, data: str) -> None:
        self.page.comments.append(data)

    def handle_data(self, data: str) -> None:
        where = "pre" if "pre" in self.open else "code" if "code" in self.open else "text"
        self.page.texts.append((where, data))


def github_html(markdown: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(markdown, GITHUB)


def parse(markdown: str) -> Page:
    parser = _Parser()
    parser.feed(github_html(markdown))
    parser.close()
    return parser.page


def mermaid_text(text: str) -> str:
    """A mermaid block's text with mermaid's ``#NN;`` entities decoded, as mermaid shows it."""
    return re.sub(r"#(\d+);", lambda m: chr(int(m.group(1))), text)


def invisible(text: str) -> list[str]:
    """Characters nobody sees (or that reorder what they see), but floe's own joiners."""
    text = PLACED.sub("", text)
    return [
        c
        for c in text
        if c != "\n"
        and (unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") or c in "\u3164\u034f")
    ]


def problems(page: Page) -> Iterator[str]:
    """Everything in ``page`` that GitHub could act on, or that hides or forges something."""
    if page.tags - TAGS:
        yield f"tags floe did not write: {sorted(page.tags - TAGS)}"
    if page.attributes - ATTRIBUTES:
        yield f"attributes floe did not write: {sorted(page.attributes - ATTRIBUTES)}"
    for where, text in page.texts:
        shown = mermaid_text(text) if where == "pre" else text
        if where != "pre" and (active := ACTIVE.search(text)):
            yield f"{active.group()!r} in {where} text {text!r}"
        if hidden := invisible(shown):
            yield f"invisible {hidden!r} in {where} text {text!r}"
        if where == "text" and (found := SENTINEL.search(text)):
            yield f"untrusted {found.group()} outside <code>: {text!r}"
    widths = {}
    for table, cells in page.rows:
        if widths.setdefault(table, cells) != cells:
            yield f"a row of table {table} has {cells} cells, not {widths[table]}"


def sentinels(page: Page) -> set[str]:
    return {s for where, text in page.texts if where != "text" for s in SENTINEL.findall(text)}


SEEDS = range(40)


@pytest.mark.parametrize("seed", SEEDS)
def test_github_finds_nothing_to_act_on_in_hostile_names(seed: int) -> None:
    rng = random.Random(seed)
    hostile = [hostile_section(Values(seed * 1000), rng) for _ in range(2)]
    rng = random.Random(seed)
    plain = [hostile_section(Values(seed * 1000, hostile=False), rng) for _ in range(2)]
    for level in (Level.FULL, Level.NAMES, Level.COUNTS):
        page = parse(render(hostile, level))
        assert list(problems(page)) == [], level
        # Names add no structure: the same tags, in the same order, as with plain names.
        assert page.sequence == parse(render(plain, level)).sequence, level
        assert page.comments == []


def test_over_a_thousand_hostile_values_land_inside_code() -> None:
    """The generator's values really reach the page, in every position, and only as code."""
    seen = 0  # sentinels restart at zq1q for each seed: count what each page shows
    made = 0
    for seed in SEEDS:
        values = Values(seed * 1000)
        rng = random.Random(seed)
        page = parse(render([hostile_section(values, rng) for _ in range(2)], Level.FULL))
        seen += len(sentinels(page))
        made += values.made
    # What is not shown is hidden by design (a graph past 40 nodes counts its assets, a name
    # past its length limit is cut): about 80 % of the values land on the page.
    assert seen >= 1000 and seen >= 0.75 * made, (seen, made)


@pytest.mark.parametrize("seed", range(10))
def test_the_marker_cannot_be_forged(seed: int) -> None:
    values = Values(seed * 1000 + 500)
    rng = random.Random(seed)
    sections = [hostile_section(values, rng)]
    config = "cfg/" + values()
    fitted = budget.comment(sections, config=config, head="a" * 40, where="the job summary")
    stamp = marker.parse(fitted.body)
    assert stamp is not None and (stamp.config, stamp.head) == (config, "a" * 40)
    assert stamp.hash == marker.content_hash(fitted.body)
    page = parse(fitted.body)
    assert len(page.comments) == 1 and page.comments[0].startswith(" floe:review {")
    assert fitted.body.count("<!--") == 1
    assert list(problems(page)) == []


def test_an_escaped_mention_does_not_ping_once_rendered() -> None:
    """The case of issue 14: floe wrote ``&#64;octocat``, GitHub decoded it and pinged."""
    env = EnvironmentDiff("prod", "unchanged")
    section = Section(
        "floe.yaml",
        Diff((env,)),
        {"www.evil.example": ("floe.yaml:9:10: unknown job '@octocat' (see #1 and a@b.co)",)},
        ("GH-1: compared with nothing",),
    )
    page = parse(render([section], Level.FULL))
    text = " ".join(t for where, t in page.texts if where == "text")
    assert "@octocat" not in text and "#1" not in text and "GH-1" not in text
    assert "<a" not in github_html(render([section], Level.FULL))
    assert list(problems(page)) == []


def test_a_fork_pr_with_hostile_names_gets_an_inert_review(
    floe: Callable[..., Result], tmp_path: Path
) -> None:
    """End to end: environment files and a job reference a fork chose, `floe review`'s
    review.md rendered by cmark-gfm: no link, no mention, no reference."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "--quiet", "--initial-branch=main")
    small_project(repo / "proj", "0 1 * * *")
    commit(repo, "base")
    git(repo, "checkout", "--quiet", "-b", "fork")
    (repo / "proj" / "environments").mkdir()
    for name in ("www.evil.example", "GH-1"):
        (repo / "proj" / "environments" / f"{name}.env").write_text("", encoding="utf-8")
    edit(repo / "proj" / "floe.yaml", "{job: load,", "{job: '@octocat #1 www.evil.example',")
    commit(repo, "hostile")
    result = floe("review", "--base", "main", "--config", "proj/floe.yaml", "--now", NOW, cwd=repo)
    assert result.code == 1, result.text
    body = (repo / "dist" / "floe-review" / "review.md").read_text(encoding="utf-8")
    assert "is not a valid name" in body and "www" in body
    html = github_html(body)
    assert "<a" not in html and "<img" not in html
    page = parse(body)
    assert list(problems(page)) == []
    assert len(page.comments) == 1
