"""Property: whatever the diff, the comment fits GitHub's limit and keeps what must be there.

Diffs are generated large (thousands of entities across environments, long unicode names,
markdown and HTML characters); hypothesis draws the shape, a seeded generator the bulk.
"""

from __future__ import annotations

import random

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from floe_runtime.review import budget, marker
from floe_runtime.review.diff import (
    KINDS,
    Change,
    Diff,
    EnvironmentDiff,
    FieldChange,
    Graph,
    JobAssets,
    StatusChange,
    Ticks,
)
from floe_runtime.review.inert import code
from floe_runtime.review.markdown import Section

ALPHABET = "abcxyz_-|`<>@*#[]()!\n é中🦆\u202e"


def name(rng: random.Random, stem: str, length: int) -> str:
    return stem + "".join(rng.choice(ALPHABET) for _ in range(rng.randint(1, length)))


def environment(
    rng: random.Random, env: str, entities: int, length: int, stem: str
) -> EnvironmentDiff:
    changes = tuple(
        Change(
            rng.choice(KINDS),
            name(rng, stem, length),
            rng.choice(("added", "removed", "changed")),
            (FieldChange(name(rng, "", 20), name(rng, "", length), [name(rng, "", 10)]),),
        )
        for _ in range(entities)
    )
    names = [c.name for c in changes[:200]]
    return EnvironmentDiff(
        env,
        "changed" if entities else "unchanged",
        changes,
        tuple(JobAssets(n, 3, 4, (n,), ()) for n in names[:50]),
        tuple(
            Ticks(n, "0 6 * * *", "Europe/Berlin", "RUNNING", ("2026-12-02 06:00 CET",))
            for n in names[:20]
        ),
        tuple(StatusChange("schedule", n, "STOPPED", "RUNNING") for n in names[:5]),
        {"asset": entities},
        Graph(tuple((n, "added") for n in names[:60]), (), ()),
    )


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    seed=st.integers(0, 2**32),
    envs=st.lists(
        st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True), min_size=1, max_size=6, unique=True
    ),
    entities=st.integers(0, 4000),
    length=st.sampled_from([5, 80, 400]),
    stem=st.text(min_size=0, max_size=30),
    sections=st.integers(1, 3),
)
def test_comment_always_fits_and_keeps_marker_and_summaries(
    seed: int, envs: list[str], entities: int, length: int, stem: str, sections: int
) -> None:
    rng = random.Random(seed)
    built = [
        Section(
            f"configs/{i}/floe.yaml",
            Diff(tuple(environment(rng, e, rng.randint(0, entities), length, stem) for e in envs)),
            {envs[0]: ("floe.yaml:3:1: " + name(rng, stem, length),)} if i == 1 else {},
        )
        for i in range(sections)
    ]
    config = ";".join(s.config for s in built)
    fitted = budget.comment(built, config=config, head="f" * 40, where="the job summary")
    body = fitted.body
    event(f"level: {fitted.level.name}")
    assert len(body) <= budget.COMMENT_LIMIT
    assert budget.comment_length(body) <= budget.COMMENT_LIMIT
    found = marker.parse(body)
    assert found is not None and found.config == config and found.hash == marker.content_hash(body)
    for env in envs:  # one summary line per environment in every section
        assert body.count(f"- **{code(env)}** · ") == len(built)
    if fitted.truncated:
        assert "the full diff is in the job summary" in body
    assert body.count("<details") == body.count("</details>")
    assert body.count("```") % 2 == 0
