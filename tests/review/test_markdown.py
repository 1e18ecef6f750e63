"""The comment as GitHub shows it: hostile names stay inert, large diffs degrade in steps."""

from __future__ import annotations

import re
from datetime import datetime, timezone

from floe_runtime.review import budget, marker
from floe_runtime.review.diff import diff
from floe_runtime.review.markdown import Level, Section, escape, render
from tests.review.payloads import artifact, asset

NOW = datetime(2026, 12, 1, 10, 0, tzinfo=timezone.utc)
HOSTILE = "x|y`z<img src=x onerror=alert(1)>@octocat\n# [click](https://evil.example) **b** ```"


def section_with(names: list[str]) -> Section:
    base = artifact(assets=[asset("a")], jobs={"j": ["a"]})
    head = artifact(
        assets=[asset("a"), *(asset(n, ["a"]) for n in names)], jobs={"j": ["a", *names]}
    )
    return Section("floe.yaml", diff(base={"prod": base}, head={"prod": head}, now=NOW))


def test_escape_leaves_nothing_active() -> None:
    out = escape(HOSTILE, 1000)
    for active in ("|", "`", "<", ">", "@", "\n", "[", "](", "**", "https://"):
        assert active not in out, active
    assert re.search(r"(?<!&)#(?!\d)", out) is None
    assert out.startswith("x&#124;y&#96;z&#60;img")
    assert escape("daily_bronze") == "daily_bronze"


def test_hostile_asset_names_do_not_break_the_comment() -> None:
    text = render([section_with([HOSTILE, "ok"])], Level.FULL)
    assert "<img" not in text and "@octocat" not in text and "https://evil" not in text
    # Every table row still has its four columns: no '|' leaked from a name.
    (assets_row,) = [line for line in text.splitlines() if line.startswith("| <code>x")]
    assert assets_row.count("|") == 4 and "| added |" in assets_row  # asset | change | what
    (job_row,) = [line for line in text.splitlines() if line.startswith("| <code>j</code>")]
    assert job_row.count("|") == 5  # job | assets | added | removed
    mermaid = text.split("```mermaid", 1)[1].split("```", 1)[0]
    assert '"' not in mermaid.replace('["', "").replace('"]', "").replace('(["', "").replace(
        '"])', ""
    )


def test_names_are_shortened_not_cut_into_markup() -> None:
    text = render([section_with(["n" * 5000])], Level.FULL)
    assert max(len(m) for m in re.findall(r"n+", text)) < 120
    assert "<code>" + "n" * 119 + "…</code>" in text


def test_levels_drop_detail_in_order() -> None:
    sections = [section_with([f"model_{i}" for i in range(45)])]
    full = render(sections, Level.FULL)
    names = render(sections, Level.NAMES)
    counts = render(sections, Level.COUNTS)
    assert "```mermaid" not in full  # 46 assets + 1 job: past the node limit, a list
    assert "**Affected assets** (45, too many to draw)" in full
    assert "```mermaid" in render([section_with(["model_1"])], Level.FULL)
    assert "| asset | change | what |" in full and "| asset |" not in names
    assert "model_44" in names and "model_44" not in counts
    assert "- **<code>prod</code>** · " in counts
    assert len(full) > len(names) > len(counts)


def test_comment_budget_says_where_the_full_diff_is() -> None:
    names = [f"model_{i:05d}_" + "é" * 60 for i in range(3000)]
    fitted = budget.comment(
        [section_with(names)], config="floe.yaml", head="a" * 40, where="the job summary"
    )
    assert fitted.truncated and budget.comment_length(fitted.body) <= budget.COMMENT_LIMIT
    assert "shortened to fit" in fitted.body and "the job summary" in fitted.body
    assert marker.parse(fitted.body) is not None
    full = budget.full([section_with(names)], where="review.json")
    assert not full.truncated and "model_02999" in full.body


def test_job_summary_degrades_past_one_mebibyte() -> None:
    names = [f"model_{i:05d}_" + "x" * 100 for i in range(12_000)]
    full = budget.full([section_with(names)], where="review.json")
    assert full.truncated and budget.summary_length(full.body) <= budget.SUMMARY_LIMIT
    assert "the full diff is in review.json" in full.body


def test_budget_cuts_a_huge_table_and_keeps_a_small_change() -> None:
    """4,000 added jobs in every environment and one moved prod cron: the comment keeps the
    cron change (its row and its next ticks) and the first job rows, and counts the rest."""
    from datetime import datetime, timezone

    from floe_runtime.review.diff import diff
    from tests.review.payloads import artifact, asset

    assets = [asset("orders"), asset("revenue", ["orders"])]
    keys = ["orders", "revenue"]
    schedule = {"nightly": {"cron_schedule": "0 5 * * *", "enabled": True}}
    moved = {"nightly": {"cron_schedule": "30 4 * * 1-5", "enabled": True}}
    many = {"daily": keys} | {f"added_job_{i:04d}": keys for i in range(4000)}
    base, head = {}, {}
    for env in ("dev", "staging", "prod"):
        base[env] = artifact(env, assets=assets, jobs={"daily": keys}, schedules=schedule)
        head[env] = artifact(
            env, assets=assets, jobs=many, schedules=moved if env == "prod" else schedule
        )
    now = datetime(2026, 12, 1, 10, tzinfo=timezone.utc)
    section = Section("floe.yaml", diff(base=base, head=head, now=now))
    fitted = budget.comment([section], config="floe.yaml", head="a" * 40, where="the summary")
    body = fitted.body
    assert budget.comment_length(body) <= budget.COMMENT_LIMIT
    assert fitted.truncated and "at most" in body and "rows of each kind" in body
    cron_row = (
        "| schedule | <code>nightly</code> | changed | <code>cron_schedule</code>: "
        "<code>0 5 &#42; &#42; &#42;</code> → <code>30 4 &#42; &#42; 1-5</code> |"
    )
    assert cron_row in body
    assert "2026-12-01 04:30 UTC" in body or "2026-12-02 04:30 UTC" in body  # its next ticks
    assert "<code>added_job_0000</code>" in body and "and 3,9" in body
    assert "added_job_3999" not in body
