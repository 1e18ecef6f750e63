"""``floe comment`` against a real HTTP server on 127.0.0.1 (tests/helpers/fake_github.py).

Every test runs the real CLI (in-process through ``floe_runtime.cli.main.run``, or as separate
processes where concurrency is the point) over real HTTP; nothing in the client is mocked.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from floe_runtime.review import marker, publish
from floe_runtime.review.github import Client
from tests.helpers.fake_github import ACTIONS_BOT, FakeGitHub
from tests.helpers.paths import REPO
from tests.helpers.results import Result

PR = 7
SLUG = "octo/demo"
OLD = "1" * 40
NEW = "2" * 40
TOKEN = "ghs_floeTestToken0123456789abcdefABCDEF"
ALICE_TOKEN = "ghp_aliceTestToken0123456789abcdefABCDEF"
ACTIONS_TOKEN = "ghs_actionsTestToken0123456789abcdefABC"
READ_ONLY_TOKEN = "ghs_forkTestToken0123456789abcdefABCDEF"
WRITES = ("POST", "PATCH", "DELETE")
SCRUBBED_ENV = ("GITHUB_ACTIONS", "GITHUB_STEP_SUMMARY", "GITHUB_API_URL", "FLOE_DEBUG")


@pytest.fixture
def gh() -> Iterator[FakeGitHub]:
    with FakeGitHub() as fake:
        fake.tokens.update(
            {
                TOKEN: "floe-bot",
                ALICE_TOKEN: "alice",
                ACTIONS_TOKEN: ACTIONS_BOT,
                READ_ONLY_TOKEN: ACTIONS_BOT,
            }
        )
        fake.read_only_tokens.add(READ_ONLY_TOKEN)
        fake.add_pull(PR, NEW)
        yield fake


def review(text: str, *, head: str = NEW, config: str = "floe.yaml") -> str:
    """A comment body as `floe review` writes it: marker first, then the markdown."""
    return marker.stamp(f"## floe review\n\n{text}\n", config=config, head=head)


@pytest.fixture
def comment(
    gh: FakeGitHub,
    floe: Callable[..., Result],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Callable[..., Result]:
    """Run `floe comment --pr 7 --repo octo/demo --body <file>` with ``body`` in the file
    (or ``--body body`` when it is a Path)."""
    for name in SCRUBBED_ENV:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("FLOE_GITHUB_API_URL", gh.url)
    monkeypatch.setenv("GITHUB_TOKEN", TOKEN)
    count = iter(range(1000))

    def _run(body: str | Path, *extra: str, env: dict[str, str] | None = None) -> Result:
        path = body if isinstance(body, Path) else tmp_path / f"review-{next(count)}.md"
        if not isinstance(body, Path):
            path.write_text(body, encoding="utf-8")
        args = ("comment", "--pr", str(PR), "--repo", SLUG, "--body", str(path), *extra)
        return floe(*args, env=env)

    return _run


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def writes(gh: FakeGitHub, since: int = 0) -> list[tuple[str, str]]:
    return [(m, p) for m, p in gh.calls[since:] if m in WRITES]


def only(gh: FakeGitHub) -> dict:
    found = gh.floe_comments(PR)
    assert len(found) == 1, [c["id"] for c in found]
    return found[0]


def test_first_run_creates_one_comment_and_prints_only_its_url(comment, gh):
    result = comment(review("prod: 1 schedule changed"))

    assert result.code == 0, result.err
    made = only(gh)
    assert result.out == made["html_url"] + "\n"
    assert made["user"]["login"] == "floe-bot"
    assert made["body"] == review("prod: 1 schedule changed")
    assert "comment created" in result.err
    assert writes(gh) == [("POST", f"/repos/{SLUG}/issues/{PR}/comments")]


def test_a_changed_review_updates_the_same_comment(comment, gh):
    first = comment(review("prod: 1 schedule changed"))
    second = comment(review("prod: 2 schedules changed"))

    assert second.code == 0, second.err
    made = only(gh)
    assert second.out == first.out == made["html_url"] + "\n"
    assert "2 schedules changed" in made["body"]
    assert writes(gh)[-1] == ("PATCH", f"/repos/{SLUG}/issues/comments/{made['id']}")


def test_an_unchanged_review_writes_nothing(comment, gh):
    first = comment(review("prod: 1 schedule changed"))
    before = len(gh.calls)
    again = comment(review("prod: 1 schedule changed"))

    assert again.code == 0, again.err
    assert writes(gh, before) == []
    assert again.out == first.out
    assert "comment skipped: content unchanged" in again.err


def test_a_marked_comment_by_someone_else_is_left_alone(comment, gh):
    pasted = gh.add_comment(PR, review("alice pasted floe's marker"), "alice", repo=SLUG)
    result = comment(review("prod: 1 schedule changed"))

    assert result.code == 0, result.err
    assert pasted["body"] == review("alice pasted floe's marker")
    assert len(gh.floe_comments(PR)) == 2
    assert writes(gh) == [("POST", f"/repos/{SLUG}/issues/{PR}/comments")]
    assert "1 floe-marked comment(s) by others left alone" in result.err


def test_the_actions_token_is_recognised_as_github_actions_bot(comment, gh):
    """GET /user answers 403 to the Actions token; its comments are by github-actions[bot]."""
    gh.add_comment(PR, review("a human's copy"), "floe-bot", repo=SLUG)
    env = {"GITHUB_TOKEN": ACTIONS_TOKEN}
    first = comment(review("v1"), env=env)
    second = comment(review("v2"), env=env)

    assert first.code == second.code == 0, second.err
    assert ("GET", "/user") in gh.calls
    bots = [c for c in gh.floe_comments(PR) if c["user"]["login"] == ACTIONS_BOT]
    assert len(bots) == 1 and bots[0]["user"]["type"] == "Bot"
    assert "v2" in bots[0]["body"]
    assert "assuming github-actions[bot]" in first.err
    humans = [c for c in gh.floe_comments(PR) if c["user"]["login"] == "floe-bot"]
    assert [c["body"] for c in humans] == [review("a human's copy")]


def _start(gh: FakeGitHub, body: Path) -> subprocess.Popen[str]:
    env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
    env.update(FLOE_GITHUB_API_URL=gh.url, GITHUB_TOKEN=TOKEN)
    args = ["--pr", str(PR), "--repo", SLUG, "--body", str(body)]
    return subprocess.Popen(
        [sys.executable, "-c", "from floe_runtime.cli import main; main()", "comment", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.parametrize("same_review", [True, False], ids=["same-review", "old-and-new-head"])
def test_concurrent_runs_end_with_exactly_one_comment(gh, tmp_path, same_review):
    # Both runs list before either create lands (creating is held back 3 s), so both create.
    gh.inject("POST", rf"/issues/{PR}/comments", 200, times=2, delay=3.0)
    old_body = review("same") if same_review else review("old review", head=OLD)
    (tmp_path / "a.md").write_text(old_body, encoding="utf-8")
    (tmp_path / "b.md").write_text(review("same" if same_review else "new review"))
    runs = [_start(gh, tmp_path / "a.md"), _start(gh, tmp_path / "b.md")]
    outputs = [run.communicate(timeout=60) for run in runs]

    assert [run.returncode for run in runs] == [0, 0], outputs
    survivor = only(gh)
    assert [out for out, _ in outputs] == [survivor["html_url"] + "\n"] * 2
    assert [m for m, _ in writes(gh)].count("POST") == 2  # both created; one was deleted
    assert ("DELETE", f"/repos/{SLUG}/issues/comments/{survivor['id'] + 1}") in gh.calls
    assert survivor["body"] == review("same" if same_review else "new review")


def test_a_read_only_token_warns_writes_the_summary_and_exits_0(comment, gh, tmp_path):
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n", encoding="utf-8")
    env = {
        "GITHUB_TOKEN": READ_ONLY_TOKEN,
        "GITHUB_ACTIONS": "true",
        "GITHUB_STEP_SUMMARY": str(summary),
    }
    result = comment(review("prod: 1 schedule changed"), env=env)

    assert result.code == 0, result.err
    assert result.out == ""
    warning = "::warning title=floe comment::cannot comment on PR #7: the token is read-only"
    assert warning in result.err.splitlines()[-1]
    assert result.err.rstrip().endswith("the review is in the job summary")
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("earlier step\n## floe review\n\nprod: 1 schedule changed")
    assert "floe:review" not in text
    assert gh.comments == []


def test_a_run_for_an_older_head_does_not_overwrite_the_newer_review(comment, gh):
    newer = comment(review("review of the PR's head", head=NEW))
    before = len(gh.calls)
    stale = comment(review("review of an older commit", head=OLD))

    assert stale.code == 0, stale.err
    assert writes(gh, before) == []
    assert "review of the PR's head" in only(gh)["body"]
    assert stale.out == newer.out
    assert "this run is for 111111111111, not the PR's current head 222222222222" in stale.err


def test_when_both_runs_are_stale_the_older_never_overwrites_the_newer(comment, gh):
    # The PR moved on to a third commit; a late run for the oldest commit must not replace the
    # review of the commit after it (on 3fb24f5 it did: neither was the head, so it updated).
    middle = "3" * 40
    gh.set_head(PR, middle)
    comment(review("review of the middle commit", head=middle))
    gh.set_head(PR, NEW)
    before = len(gh.calls)
    stale = comment(review("review of the oldest commit", head=OLD))

    assert stale.code == 0, stale.err
    assert writes(gh, before) == []
    assert "review of the middle commit" in only(gh)["body"]


def test_a_stale_run_may_still_create_the_first_comment(comment, gh):
    result = comment(review("late but first", head=OLD))
    assert result.code == 0, result.err
    assert "late but first" in only(gh)["body"]


def test_a_comment_that_quotes_a_marker_is_not_floes_comment(comment, gh):
    # The same bot identity wrote another comment that quotes floe's marker further down: it is
    # not floe's sticky comment and is never overwritten (3fb24f5 searched 1,024 characters).
    quoted = "Here is what floe wrote:\n\n" + review("quoted")
    other = gh.add_comment(PR, quoted, "floe-bot", repo=SLUG)
    result = comment(review("the real review"))

    assert result.code == 0, result.err
    assert other["body"] == quoted
    assert len(gh.comments) == 2


def test_the_review_of_the_new_head_replaces_an_older_heads(comment, gh):
    gh.set_head(PR, OLD)
    comment(review("old", head=OLD))
    gh.set_head(PR, NEW)
    result = comment(review("new", head=NEW))

    assert result.code == 0, result.err
    assert "new" in only(gh)["body"] and "comment updated" in result.err


def test_429_with_retry_after_is_waited_out(comment, gh):
    gh.inject("POST", r"/comments$", 429, headers={"Retry-After": "1"})
    started = time.monotonic()
    result = comment(review("prod: 1 schedule changed"))

    assert result.code == 0, result.err
    assert time.monotonic() - started >= 1.0
    assert [m for m, _ in writes(gh)] == ["POST", "POST"]
    only(gh)


def test_a_secondary_rate_limit_403_is_retried(comment, gh):
    gh.inject(
        "GET",
        r"/pulls/7$",
        403,
        headers={"retry-after": "1"},
        body={"message": "You have exceeded a secondary rate limit. Please wait a few minutes."},
    )
    result = comment(review("prod"))

    assert result.code == 0, result.err
    assert [p for m, p in gh.calls if m == "GET"].count(f"/repos/{SLUG}/pulls/{PR}") == 2
    only(gh)


def test_a_rate_limit_longer_than_floe_waits_fails_clearly(comment, gh):
    gh.inject("GET", r"/user$", 429, headers={"Retry-After": "3600"})
    result = comment(review("prod"))

    assert result.code == 1
    assert "HTTP 429" in result.err and "floe waits at most 90 s" in result.err
    assert gh.comments == []


def test_a_server_error_then_success(comment, gh):
    gh.inject("GET", rf"/issues/{PR}/comments", 500)
    gh.inject("POST", rf"/issues/{PR}/comments", 502)
    result = comment(review("prod"))

    assert result.code == 0, result.err
    only(gh)


def test_slow_responses_within_the_timeout(comment, gh):
    for method, path in [("GET", "/user"), ("GET", "/pulls/"), ("POST", "/comments")]:
        gh.inject(method, path, 200, delay=0.7)
    result = comment(review("prod"))

    assert result.code == 0, result.err
    assert len(gh.calls) == 5  # user, pull, list, create, list again: nothing retried
    only(gh)


def test_a_response_slower_than_the_timeout_is_retried(gh):
    gh.inject("GET", "/user", 200, delay=1.5)
    client = Client(gh.url, TOKEN, timeout=0.3, sleep=lambda _: None)

    assert client.get("/user")["login"] == "floe-bot"
    assert gh.calls.count(("GET", "/user")) == 2


def test_a_create_that_timed_out_and_landed_late_is_cleaned_up(gh):
    """A POST answered after the client's timeout is retried, then lands late: a duplicate.

    The run itself cannot see a copy that lands after its last listing; the next run deletes
    it (the younger one), so the PR converges on one comment. Called through ``publish()``
    because only a client timeout shorter than the server's delay makes this happen, and the
    CLI's timeout is 20 s.
    """
    gh.inject("POST", "/comments$", 200, delay=1.5)
    client = Client(gh.url, TOKEN, timeout=0.5, sleep=lambda _: None)

    def run() -> publish.Outcome:
        body = review("prod")
        return publish.publish(client, repo=SLUG, pr=PR, body=body, dry_run=False, log=print)

    first = run()
    deadline = time.monotonic() + 10
    while len(gh.comments) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(gh.comments) == 2
    second = run()

    survivor = only(gh)
    assert first.action == "created" and first.url == survivor["html_url"]
    assert (second.action, second.deleted) == ("skipped", (survivor["id"] + 1,))


def test_the_fake_resolves_a_pr_from_its_head_sha(gh):
    """The endpoint the Action's fork-safe publish mode uses to find the PR of a head sha."""
    client = Client(gh.url, TOKEN)

    assert [p["number"] for p in client.get(f"/repos/{SLUG}/commits/{NEW}/pulls")] == [PR]
    assert client.get(f"/repos/{SLUG}/commits/{OLD}/pulls") == []


def test_pagination_is_followed_to_the_comment_on_page_3(comment, gh):
    for n in range(4):
        gh.add_comment(PR, f"chatter {n}", "alice", repo=SLUG)
    ours = gh.add_comment(PR, review("v1"), "floe-bot", repo=SLUG)
    result = comment(review("v2"))

    assert result.code == 0, result.err
    assert f"/repos/{SLUG}/issues/{PR}/comments?per_page=2&page=3" in [p for _, p in gh.calls]
    assert writes(gh) == [("PATCH", f"/repos/{SLUG}/issues/comments/{ours['id']}")]
    assert "v2" in ours["body"]


def test_younger_leftover_duplicates_are_deleted_oldest_wins(comment, gh):
    oldest = gh.add_comment(PR, review("v1"), "floe-bot", repo=SLUG)
    gh.add_comment(PR, review("v1"), "floe-bot", repo=SLUG)
    result = comment(review("v2"))

    assert result.code == 0, result.err
    assert only(gh) is oldest and "v2" in oldest["body"]
    assert "deleted duplicate(s)" in result.err


def test_dry_run_says_what_it_would_do_and_writes_nothing(comment, gh):
    created = comment(review("v1"), "--dry-run")
    assert created.code == 0 and created.out.startswith("would create: no comment for floe.yaml")
    assert gh.comments == []

    made = gh.add_comment(PR, review("v1"), "floe-bot", repo=SLUG)
    update = comment(review("v2"), "--dry-run")
    skip = comment(review("v1"), "--dry-run")
    stale = comment(review("v3", head=OLD), "--dry-run")

    assert update.out.startswith(f"would update {made['html_url']}: content changed")
    assert skip.out.startswith(f"would skip {made['html_url']}: content unchanged")
    assert "not the PR's current head" in stale.out
    assert writes(gh) == [] and made["body"] == review("v1")


def test_a_body_over_githubs_limit_is_refused_before_sending(comment, gh):
    result = comment(review("x" * 70_000))

    assert result.code == 1
    assert "more than GitHub's 65,536" in result.err and "hand-made" in result.err
    assert gh.calls == []


def test_githubs_422_body_too_long_is_a_clear_error(comment, gh):
    gh.inject(
        "POST",
        "/comments$",
        422,
        body={
            "message": "Validation Failed",
            "errors": [
                {"field": "body", "message": "body is too long (maximum is 65536 characters)"}
            ],
        },
    )
    result = comment(review("prod"))

    assert result.code == 1
    assert "HTTP 422: Validation Failed; body is too long" in result.err
    assert "hand-made or floe has a bug" in result.err
    assert "Traceback" not in result.err


def test_the_token_never_reaches_the_output(comment, gh, tmp_path):
    echoed = {"message": f"Bad credentials: {TOKEN}"}  # a hostile or buggy server echoes it
    gh.inject("GET", "/user", 401, body=echoed)
    results = [comment(review("prod"))]
    gh.inject("POST", "/comments", 500, times=4, body={"message": f"boom {TOKEN}"})
    results.append(comment(review("prod")))
    results.append(comment(review(f"leaked {TOKEN} here")))
    results.append(
        comment(review("prod"), env={"FLOE_GITHUB_API_URL": f"http://127.0.0.1:{closed_port()}"})
    )
    results.append(comment(review("prod"), env={"FLOE_GITHUB_API_URL": "http://example.com"}))

    assert [r.code for r in results] == [1] * 5, [r.err for r in results]
    for result in results:
        assert TOKEN not in result.out + result.err
        assert "Traceback" not in result.err
    assert "Bad credentials: ***" in results[0].err
    assert "boom ***" in results[1].err
    assert "review-2.md:4: holds the GitHub token" in results[2].err
    assert "plain http" in results[4].err


def test_a_redirect_is_not_followed_with_the_token(comment, gh):
    with FakeGitHub() as elsewhere:
        gh.inject("GET", "/user$", 301, headers={"Location": f"{elsewhere.url}/user"})
        result = comment(review("prod"))

        assert elsewhere.calls == []
    assert result.code == 1
    assert "GET /user: HTTP 301" in result.err and "does not follow them" in result.err


def test_a_fifo_body_is_refused_without_hanging(comment, gh, tmp_path):
    fifo = tmp_path / "review.md"
    os.mkfifo(fifo)
    result = comment(fifo)

    assert result.code == 1 and "is a named pipe (FIFO); floe reads only regular" in result.err


def test_a_body_without_marker_needs_config_and_head(comment, gh):
    refused = comment("hand-made body\n")
    accepted = comment("hand-made body\n", "--config", "a/floe.yaml", "--head", NEW)

    assert refused.code == 1 and "pass --config and --head" in refused.err
    assert accepted.code == 0, accepted.err
    assert marker.parse(only(gh)["body"]) == marker.Marker(
        "a/floe.yaml", NEW, marker.content_hash("hand-made body\n")
    )


def test_one_comment_per_config(comment, gh):
    comment(review("root", config="floe.yaml"))
    comment(review("sub", config="sub/floe.yaml"))
    comment(review("root v2", config="floe.yaml"))

    configs = {marker.parse(c["body"]).config: c["body"] for c in gh.floe_comments(PR)}
    assert set(configs) == {"floe.yaml", "sub/floe.yaml"}
    assert "root v2" in configs["floe.yaml"]


def test_floe_github_api_url_wins_over_github_api_url(comment, gh):
    result = comment(review("prod"), env={"GITHUB_API_URL": f"http://127.0.0.1:{closed_port()}"})

    assert result.code == 0, result.err
    only(gh)


def test_the_fake_runs_standalone_for_act(tmp_path):
    """`python -m tests.helpers.fake_github` as the Action tests start it: port file, seed and
    state."""
    port_file, state_file, seed = tmp_path / "port", tmp_path / "state.json", tmp_path / "s.json"
    seed.write_text(json.dumps({"tokens": {TOKEN: "floe-bot"}, "pulls": {str(PR): NEW}}))
    files = ["--port-file", str(port_file), "--state-file", str(state_file), "--seed", str(seed)]
    server = subprocess.Popen([sys.executable, "-m", "tests.helpers.fake_github", *files], cwd=REPO)
    try:
        deadline = time.monotonic() + 20
        while not port_file.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        body = tmp_path / "review.md"
        body.write_text(review("prod"), encoding="utf-8")
        env = {k: v for k, v in os.environ.items() if k not in SCRUBBED_ENV}
        env.update(
            GITHUB_TOKEN=TOKEN, FLOE_GITHUB_API_URL=f"http://127.0.0.1:{port_file.read_text()}"
        )
        floe = [sys.executable, "-c", "from floe_runtime.cli import main; main()"]
        done = subprocess.run(
            [*floe, "comment", "--pr", str(PR), "--repo", SLUG, "--body", str(body)],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        state = json.loads(state_file.read_text())
        assert [c["html_url"] + "\n" for c in state["comments"]] == [done.stdout]
    finally:
        server.send_signal(signal.SIGTERM)
        assert server.wait(timeout=10) == 0
    assert ["POST", f"/repos/{SLUG}/issues/{PR}/comments"] in json.loads(state_file.read_text())[
        "calls"
    ]
