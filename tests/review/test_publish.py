"""Properties of the upsert decision over any list of PR comments (the pure part of publish)."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from floe_runtime.review import marker
from floe_runtime.review.publish import Comment, decide, younger_duplicates

HEADS = ["a" * 40, "b" * 40, "c" * 40]
CONFIGS = ["floe.yaml", "sub/floe.yaml"]
LOGINS = ["floe-bot", "alice", "github-actions[bot]"]


@st.composite
def comments(draw: st.DrawFn) -> list[Comment]:
    found = []
    for n in range(draw(st.integers(0, 8))):
        body = draw(st.sampled_from(["one", "two", "three"]))
        if draw(st.booleans()):
            config, head = draw(st.sampled_from(CONFIGS)), draw(st.sampled_from(HEADS))
            body = marker.stamp(body, config=config, head=head)
        second = draw(st.integers(0, 3))
        login = draw(st.sampled_from(LOGINS))
        found.append(Comment(100 + n, body, login, f"2026-01-01T00:00:0{second}Z", f"u{n}"))
    return found


@given(comments(), st.sampled_from(["one", "two"]), st.sampled_from(HEADS), st.sampled_from(HEADS))
def test_decisions_touch_only_our_oldest_comment_and_never_go_back_in_time(
    listed: list[Comment], text: str, head: str, pr_head: str
) -> None:
    body = marker.stamp(text, config="floe.yaml", head=head)
    stamp = marker.parse(body)
    assert stamp is not None
    decision = decide(listed, stamp=stamp, identity="floe-bot", pr_head=pr_head)
    mine = [
        c
        for c in listed
        if c.login == "floe-bot" and c.marker is not None and c.marker.config == "floe.yaml"
    ]
    if not mine:
        assert decision.action == "create"
        return
    target = decision.comment
    assert target is not None and target.login == "floe-bot"
    assert (target.created_at, target.id) == min((c.created_at, c.id) for c in mine)
    old = target.marker
    assert old is not None
    if decision.action == "update":
        assert old.hash != stamp.hash
        assert not (old.head == pr_head and head != pr_head)
    extra = younger_duplicates(listed, config="floe.yaml", identity="floe-bot")
    assert target not in extra and len(extra) == len(mine) - 1
