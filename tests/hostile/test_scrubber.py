"""The one scrubber: the secret-name rule both ways, every literal kind found and redacted,
linear time on 4 MB hostile strings, and one-line printing of any value."""

from __future__ import annotations

import time

import pytest

from floe_runtime.base.output import printable
from floe_runtime.base.secrets import is_secret_name, literal_secret_kind, redact
from tests.hostile.cli import TOKEN

SECRET_NAMES = [
    "API_TOKENS", "DB_PASSWORD2", "SECRETS", "my_api_key", "apiKey", "DB_PASS", "db_pwd",
    "GITHUB_TOKEN", "AWS_SECRET_ACCESS_KEY", "private_key", "ACCESS_KEYS", "client_secret",
    "x-auth-token", "oauth", "DATABASE_DSN", "password", "CREDS", "db_credentials", "dbPassword",
    "session_cookie", "passphrase", "SSH_KEY", "GHTOKEN",
]  # fmt: skip
ORDINARY_NAMES = [
    "asset_key", "partition_key", "unique_key", "key", "keys", "sort_key", "primary_key",
    "bypass", "compass", "passenger", "author", "authority", "max_tokens", "num_tokens",
    "tokenizer", "secretary", "description", "owners", "retention_days", "address", "status",
]  # fmt: skip


@pytest.mark.parametrize("name", SECRET_NAMES)
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ORDINARY_NAMES)
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


LITERALS = {
    "a GitHub token": TOKEN,
    "a private key": "-----BEGIN OPENSSH PRIVATE KEY-----",
    "an AWS access key": "key AKIAIOSFODNN7EXAMPLE here",
    "a Slack token": "xoxb-1234567890-abcdef",
    "a Google API key": "AIza" + "B" * 35,
    "an API secret key": "sk_live_" + "a1" * 10,
    "a JSON web token": "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.c2lnbmF0dXJl",
    "a password inside a URL": "postgres://loader:hunter2-horse@db.internal/shop",
}


@pytest.mark.parametrize("kind", sorted(LITERALS))
def test_literal_secrets_are_found_and_redacted_whole(kind: str) -> None:
    text = f"before {LITERALS[kind]} after"
    assert literal_secret_kind(text) == kind
    redacted = redact(text)
    assert redacted.startswith("before ") and redacted.endswith(" after")
    assert f"[redacted: {kind}]" in redacted
    sensitive = {"a password inside a URL": "hunter2", "an AWS access key": "FODNN7EXAMPLE"}
    assert sensitive.get(kind, LITERALS[kind][-8:]) not in redacted


def test_ordinary_text_is_not_a_secret() -> None:
    for text in (
        "task-orchestration-pipeline-for-orders",
        "https://example.com/docs/path:with@at",
        "see https://user@host/x for details",
        "the quick brown fox jumps over the lazy dog",
    ):
        assert literal_secret_kind(text) is None, text
        assert redact(text) == text


@pytest.mark.parametrize(
    "text",
    ["a" * 4_000_000, "a://" * 1_000_000, "://a:" * 800_000, "-eyJ" * 1_000_000,
     "ghp_" * 1_000_000, "-----BEGIN " * 400_000, "sk-" * 1_300_000, "AKIA" * 1_000_000,
     "@" * 4_000_000, "a:" * 2_000_000],
)  # fmt: skip
def test_four_megabytes_scan_in_linear_time(text: str) -> None:
    """The old URL pattern took 10 s on 100 KB and minutes on 4 MB; this bound is 20x the
    measured time (CPU time: a busy machine stretches only the wall clock)."""
    started = time.process_time()
    assert literal_secret_kind(text + TOKEN) == "a GitHub token"
    assert "[redacted: a GitHub token]" in redact(text[:1000] + " " + TOKEN)
    redact(text)
    assert time.process_time() - started < 4.0


def test_printable_escapes_line_breaks_controls_and_bidi_and_redacts() -> None:
    shown = printable(f"a\nb\r::warning::x\x1b[31m\u2028\u202e{TOKEN}")
    assert shown == "a\\nb\\r::warning::x\\x1b[31m\\u2028\\u202e[redacted: a GitHub token]"
    assert printable("tab\tand é stay") == "tab\tand é stay"
