"""Recognise secrets so that none reaches an artifact, a log or a PR comment.

floe.yaml describes orchestration; credentials belong to the platform (dbt profiles'
``env_var()``, Dagster ``EnvVar``). These checks say *what kind* of secret was found and where,
and never repeat the value. Two rules:

- **Names** (:func:`is_secret_name`): a variable or key whose name says it holds a credential.
- **Values** (:func:`literal_secret_kind`, :func:`redact`, :func:`find_secrets`): text that has
  the shape of a known credential (a GitHub token, a private key, a password inside a URL...).

Every pattern is linear-time: quantifiers are bounded or start only where a run of token
characters starts, so a 4 MB hostile string is scanned in milliseconds.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache
from typing import Any, Final

from floe_runtime.base.diagnostics import JsonPath

# ── names ─────────────────────────────────────────────────────────────────────────────────
# A name is split into words at non-alphanumerics and camelCase humps; digits at a word's end
# are dropped and a plural "s" is ignored (API_TOKENS, DB_PASSWORD2, SECRETS, myApiKey).
# - A word that is, or ends with, a CREDENTIAL word marks the name (DBPASSWORD, GHTOKEN).
# - A word that is exactly an ABBREVIATION marks it (DB_PASS, DB_PWD, CREDS) — not BYPASS.
# - KEY marks it only after a word that says which kind of key (API_KEY, PRIVATE_KEY,
#   ACCESS_KEY, or one word: APIKEY): asset_key, partition_key and unique_key are ordinary.
# - TOKEN after a counting word is a count (MAX_TOKENS, NUM_TOKENS), not a credential.
_CREDENTIAL_WORDS: Final = (
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "CREDENTIAL",
    "COOKIE",
    "DSN",
    "AUTH",
)
_ABBREVIATIONS: Final = frozenset({"PASS", "PWD", "CRED"})
_KEY_KINDS: Final = frozenset(
    {"API", "PRIVATE", "SECRET", "ACCESS", "CLIENT", "ENCRYPTION", "SIGNING", "MASTER", "SSH"}
)
_COUNTING: Final = frozenset({"MAX", "MIN", "NUM", "COUNT", "TOTAL", "N"})
_NAME_SPLIT: Final = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")
_TRAILING_DIGITS: Final = re.compile(r"[0-9]+$")


def _words(name: str) -> list[str]:
    """Upper-case words without trailing digits; a plural S is dropped (not from PASS)."""
    out = []
    for part in _NAME_SPLIT.split(name):
        word = _TRAILING_DIGITS.sub("", part.upper())
        if word.endswith("S") and not word.endswith("SS") and len(word) > 3:
            word = word[:-1]
        if word:
            out.append(word)
    return out


# Every word that marks a name contains one of these, case aside: a name with none of them
# is decided by one search (a file of 100,000 keys is read without splitting each into words).
_MARKS: Final = re.compile(
    "|".join(sorted({*_CREDENTIAL_WORDS, *_ABBREVIATIONS, "KEY"})), re.IGNORECASE
)


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True when a variable or key name says it holds a credential (rule: module comment)."""
    name = name[:256]
    if _MARKS.search(name) is None:
        return False
    words = _words(name)
    for index, word in enumerate(words):
        before = words[index - 1] if index else ""
        if word in _ABBREVIATIONS:
            return True
        for secret in _CREDENTIAL_WORDS:
            if word == secret or (len(secret) > 3 and word.endswith(secret)):
                if secret == "TOKEN" and before in _COUNTING:
                    continue
                return True
        if word == "KEY" and before in _KEY_KINDS:
            return True
        if word.endswith("KEY") and word[:-3] in _KEY_KINDS:
            return True
    return False


# ── values ────────────────────────────────────────────────────────────────────────────────
# Each pattern starts with a literal prefix, so the regex engine itself skips to where that
# literal occurs (one linear pass per pattern; lookbehinds come after the literal so as not to
# hide it). Short texts are first tested for any anchor at all. An open quantifier ends the
# pattern or stops at a character it excludes, so it never backtracks through a run.
# Distinctive prefixes (ghp_, AKIA, xox, AIza) match even glued to a word (`\nghp_…` in
# escaped logs); `sk_`/`sk-` and JWTs need a word boundary, written as a lookbehind after the
# literal, which also makes a long run of token characters entered once, not at each of its
# positions. Every scan is linear.
_LITERAL_SECRETS: Final[tuple[tuple[str, tuple[str, ...], str], ...]] = (
    ("a private key", ("-----BEGIN ",), r"-----BEGIN [A-Z ]{0,40}PRIVATE KEY-----"),
    ("a GitHub token", ("gh",), r"gh[pousr]_[A-Za-z0-9]{30,}"),
    ("a GitHub token", ("github_pat_",), r"github_pat_[A-Za-z0-9_]{40,}"),
    ("an AWS access key", ("AKIA", "ASIA"), r"A(?:KIA|SIA)[0-9A-Z]{16}(?![0-9A-Za-z])"),
    ("a Slack token", ("xox",), r"xox[abposr]-[A-Za-z0-9-]{10,}"),
    ("a Google API key", ("AIza",), r"AIza[0-9A-Za-z_-]{35}(?![0-9A-Za-z_-])"),
    ("an API secret key", ("sk_live_", "sk_test_"), r"sk_(?<!\wsk_)(?:live|test)_[A-Za-z0-9]{16,}"),
    ("an API secret key", ("rk_live_", "rk_test_"), r"rk_(?<!\wrk_)(?:live|test)_[A-Za-z0-9]{16,}"),
    ("an API secret key", ("sk-",), r"sk-(?<!\wsk-)[A-Za-z0-9_-]{20,}"),
    (
        "a JSON web token",
        ("eyJ",),
        r"eyJ(?<![A-Za-z0-9_-]eyJ)[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+",
    ),
    # scheme://user:password@ — entered only at "://", and neither part may cross a "/"
    (
        "a password inside a URL",
        ("://",),
        r"://(?<=[A-Za-z0-9+.-]://)[^/\s:@]{1,256}:[^/\s@]{1,256}@",
    ),
)
_PATTERNS: Final = tuple((kind, re.compile(pattern)) for kind, _, pattern in _LITERAL_SECRETS)


# Every pattern starts at one of its anchors: one search for any anchor settles a short text.
# (Not a long one: where no anchor occurs, this alternation costs more than the patterns'
# own literal-prefix passes.)
_ANY_ANCHOR: Final = re.compile(
    "|".join(re.escape(anchor) for _, anchors, _ in _LITERAL_SECRETS for anchor in anchors)
)
_SHORT: Final = 4096


def _may_hold_secret(text: str) -> bool:
    return len(text) >= 16 and (len(text) > _SHORT or _ANY_ANCHOR.search(text) is not None)


def literal_secret_kind(value: str) -> str | None:
    """What kind of secret ``value`` contains (``"a GitHub token"``), or None."""
    if not _may_hold_secret(value):
        return None
    for kind, pattern in _PATTERNS:
        if pattern.search(value):
            return kind
    return None


KINDS: Final = frozenset(kind for kind, _, _ in _LITERAL_SECRETS)
ESCAPED: Final = "escaped characters"
# An escaped ASCII character ("\u0067hp_…") could hide a secret from a scan of JSON text.
_ESCAPED_ASCII: Final = re.compile(rb"\\u00[0-7]")


def json_text_secret_kind(raw: bytes) -> str | None:
    """:func:`literal_secret_kind` of JSON text as read, or :data:`ESCAPED` when it escapes
    ASCII characters, which a scan of the text cannot see through: the caller then scans the
    decoded values."""
    if _ESCAPED_ASCII.search(raw):
        return ESCAPED
    return literal_secret_kind(raw.decode("utf-8", errors="replace"))


def redact(text: str) -> str:
    """``text`` with every secret-shaped part replaced by ``[redacted: <kind>]``."""
    if not _may_hold_secret(text):
        return text
    for kind, pattern in _PATTERNS:
        text = pattern.sub(f"[redacted: {kind}]", text)
    return text


def find_secrets(data: Any) -> Iterator[tuple[JsonPath, str]]:
    """Where secret-shaped strings sit in JSON-like ``data`` (values and mapping keys), and
    what kind each is. Iterative, so the depth of ``data`` does not matter."""
    stack: list[tuple[JsonPath, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            kind = literal_secret_kind(value)
            if kind is not None:
                yield path, kind
        elif isinstance(value, dict):
            for key, item in value.items():
                child = (*path, str(key))
                kind = literal_secret_kind(str(key))
                if kind is not None:
                    yield child, f"a key that looks like {kind}"
                else:
                    stack.append((child, item))
        elif isinstance(value, (list, tuple)):
            stack.extend(((*path, index), item) for index, item in enumerate(value))


PLATFORM_HINT = (
    "secrets belong to the platform: read them in dbt profiles with env_var() "
    "or in Dagster with EnvVar, never in floe.yaml"
)
