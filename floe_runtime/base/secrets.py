"""Recognise secrets so that none reaches an artifact, a log or a PR comment.

floe.yaml describes orchestration; credentials belong to the platform (dbt profiles'
``env_var()``, Dagster ``EnvVar``). These checks say *what kind* of secret was found and
never repeat the value.
"""

from __future__ import annotations

import re
from functools import lru_cache

_SECRET_WORDS = (
    "PASSWORD",
    "PASSWD",
    "PASSPHRASE",
    "SECRET",
    "TOKEN",
    "KEY",
    "APIKEY",
    "CREDENTIAL",
    "CREDENTIALS",
    "CREDS",
    "PRIVATE",
    "AUTH",
    "SIGNATURE",
    "COOKIE",
    "DSN",
)
_NAME_SPLIT = re.compile(r"[^A-Za-z0-9]+|(?<=[a-z0-9])(?=[A-Z])")

_LITERAL_SECRETS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("a private key", re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----")),
    (
        "a GitHub token",
        re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{30,}|github_pat_[A-Za-z0-9_]{40,})"),
    ),
    ("an AWS access key", re.compile(r"\b(?:AKIA|ASIA)[0-9A-Z]{16}\b")),
    ("a Slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("a Google API key", re.compile(r"\bAIza[0-9A-Za-z_-]{35}\b")),
    (
        "an API secret key",
        re.compile(r"\b(?:sk|rk)_(?:live|test)_[A-Za-z0-9]{16,}|\bsk-[A-Za-z0-9_-]{20,}"),
    ),
    (
        "a JSON web token",
        re.compile(r"\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]+"),
    ),
    ("a password inside a URL", re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@")),
)


@lru_cache(maxsize=4096)
def is_secret_name(name: str) -> bool:
    """True when a variable or key name looks like it holds a credential.

    Names are split into words (``DB_PASSWORD``, ``apiKey``, ``db-token``); any word that is a
    secret word, or ends with one (``APIKEY``, ``DBPASSWORD``), marks the name.
    """
    words = [w.upper() for w in _NAME_SPLIT.split(name) if w]
    return any(
        word == secret or (len(secret) > 3 and word.endswith(secret))
        for word in words
        for secret in _SECRET_WORDS
    )


_ANY_LITERAL_SECRET = re.compile("|".join(f"(?:{p.pattern})" for _, p in _LITERAL_SECRETS))


def literal_secret_kind(value: str) -> str | None:
    """What kind of secret ``value`` contains (``"a GitHub token"``), or None."""
    if len(value) < 16 or _ANY_LITERAL_SECRET.search(value) is None:
        return None
    return next(kind for kind, pattern in _LITERAL_SECRETS if pattern.search(value))


PLATFORM_HINT = (
    "secrets belong to the platform: read them in dbt profiles with env_var() "
    "or in Dagster with EnvVar, never in floe.yaml"
)
