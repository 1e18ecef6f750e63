"""A small GitHub REST client on the standard library, for the few calls ``floe comment`` makes.

Why not a dependency: five endpoints do not justify one, and the client must hold properties
a generic one does not promise: the token never appears in an error, a log or a URL (it only
travels in the ``Authorization`` header, never across a redirect or to another host); every
wait is bounded (socket timeouts, a few retries, a cap on total sleep); GitHub's rate-limit
answers (429, and 403 with ``retry-after`` or an exhausted ``x-ratelimit-remaining``) are
retried at the pace GitHub asks for, and given up on, clearly, when that pace exceeds the cap.
"""

from __future__ import annotations

import email.utils
import http.client
import json
import random
import re
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from floe_runtime.base.errors import FloeError
from floe_runtime.base.version import __version__
from floe_runtime.review.errors import GitHubError

PUBLIC_API = "https://api.github.com"
API_VERSION = "2022-11-28"
# A page of 100 comments of 65,536 four-byte characters fits.
MAX_RESPONSE_BYTES = 32 * 1024 * 1024
MAX_PAGES = 200
# GitHub's advice for a rate limit answered without a retry-after or reset header.
RATE_LIMIT_WAIT = 60.0
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
_LINK_NEXT = re.compile(r'<([^>]+)>\s*;\s*rel="?next"?')
_LOOPBACK = frozenset({"127.0.0.1", "localhost", "::1"})


@dataclass(frozen=True)
class Response:
    status: int
    headers: Mapping[str, str]
    data: Any


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """urllib would resend the Authorization header to wherever a redirect points."""

    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


def api_base(environ: Mapping[str, str]) -> str:
    """``FLOE_GITHUB_API_URL``, else ``GITHUB_API_URL`` (set by Actions, GHES too), else public."""
    base = environ.get("FLOE_GITHUB_API_URL") or environ.get("GITHUB_API_URL") or PUBLIC_API
    parts = urllib.parse.urlsplit(base)
    host = parts.hostname or ""
    if parts.scheme not in ("https", "http") or not host or parts.query or parts.fragment:
        raise FloeError(f"GitHub API URL {base!r} is not an http(s) base URL")
    if parts.scheme == "http" and host not in _LOOPBACK:
        raise FloeError(
            f"GitHub API URL {base!r} uses plain http; the token would travel unencrypted "
            "(http is accepted for 127.0.0.1/localhost only)"
        )
    return base.rstrip("/")


class Client:
    """Authenticated JSON requests against one API base; see the module docstring."""

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        timeout: float = 20.0,
        attempts: int = 4,
        max_wait: float = 90.0,
        backoff: float = 0.5,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not token or any(c in token for c in "\r\n\0 "):
            raise FloeError("the GitHub token is empty or contains whitespace")
        self._base = base_url.rstrip("/")
        self._origin = _origin(self._base)
        self._token = token
        self._timeout = timeout
        self._attempts = attempts
        self._max_wait = max_wait
        self._backoff = backoff
        self._sleep = sleep
        self._opener = urllib.request.build_opener(_NoRedirect)

    def scrub(self, text: str) -> str:
        """``text`` with the token replaced; for anything that might be printed."""
        return text.replace(self._token, "***")

    def get(self, path: str) -> Any:
        return self.request("GET", path).data

    def paginate(self, path: str) -> Iterator[Any]:
        """Every item of a list endpoint, following ``Link: rel="next"`` on the same host."""
        url: str | None = self._url(path) + ("&" if "?" in path else "?") + "per_page=100"
        for _ in range(MAX_PAGES):
            if url is None:
                return
            response = self._send("GET", url, None)
            if not isinstance(response.data, list):
                raise GitHubError(f"GET {_shown(url)}: expected a JSON list", response.status)
            yield from response.data
            url = self._next_page(response.headers.get("link", ""))
        raise GitHubError(f"GET {_shown(self._url(path))}: more than {MAX_PAGES} pages")

    def request(self, method: str, path: str, body: Any = None) -> Response:
        return self._send(method, self._url(path), body)

    def _url(self, path: str) -> str:
        return self._base + "/" + path.lstrip("/")

    def _next_page(self, link: str) -> str | None:
        match = _LINK_NEXT.search(link)
        if match is None:
            return None
        url = match.group(1)
        if _origin(url) != self._origin:
            # A next page elsewhere would receive the token.
            raise GitHubError(f"pagination points to another host ({_origin(url)}); refusing")
        return url

    def _send(self, method: str, url: str, body: Any) -> Response:
        """One request, retried. A retried POST may create twice; ``publish`` dedupes after."""
        waited = 0.0
        attempt = 1
        while True:
            try:
                return self._once(method, url, body)
            except GitHubError as error:
                delay = self._retry_delay(error, attempt)
                if delay is None or attempt >= self._attempts:
                    raise
                if waited + delay > self._max_wait:
                    raise GitHubError(
                        f"{error} (retrying needs {delay:.0f} s more after {waited:.0f} s of "
                        f"waiting; floe waits at most {self._max_wait:.0f} s)",
                        error.status,
                        error.api_message,
                    ) from None
                self._sleep(delay)
                waited += delay
                attempt += 1

    def _retry_delay(self, error: GitHubError, attempt: int) -> float | None:
        """Seconds to wait before retrying ``error``, or None when it is not worth retrying."""
        headers = error.headers
        rate_limited = error.status == 403 and (
            "retry-after" in headers
            or headers.get("x-ratelimit-remaining") == "0"
            or "rate limit" in error.api_message.lower()
        )
        if not (error.transient or rate_limited or error.status in _RETRY_STATUSES):
            return None
        asked = _retry_after(headers)
        if asked is not None:
            return asked
        if rate_limited or error.status == 429:
            return RATE_LIMIT_WAIT
        backoff = min(self._backoff * 2.0 ** (attempt - 1), 16.0)
        return backoff + random.uniform(0, backoff / 4)

    def _once(self, method: str, url: str, body: Any) -> Response:
        what = f"{method} {_shown(url)}"
        data = None if body is None else json.dumps(body).encode("utf-8")
        request = urllib.request.Request(url, data=data, method=method)
        request.add_header("Accept", "application/vnd.github+json")
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("X-GitHub-Api-Version", API_VERSION)
        request.add_header("User-Agent", f"floe/{__version__}")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with self._opener.open(request, timeout=self._timeout) as answer:
                status = answer.status
                headers = {k.lower(): v for k, v in answer.headers.items()}
                raw = _read(answer)
        except urllib.error.HTTPError as exc:
            headers = {k.lower(): v for k, v in (exc.headers or {}).items()}
            try:
                raw = _read(exc)
            except (OSError, http.client.HTTPException):
                raw = b""
            finally:
                exc.close()
            raise self._http_error(what, exc.code, headers, raw) from None
        except TimeoutError:
            message = f"{what}: no answer within {self._timeout:g} s"
            raise GitHubError(message, transient=True) from None
        except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
            reason = _one_line(str(getattr(exc, "reason", exc)))
            raise GitHubError(self.scrub(f"{what}: {reason}"), transient=True) from None
        return Response(status, headers, _json(raw, what) if raw else None)

    def _http_error(
        self, what: str, status: int, headers: dict[str, str], raw: bytes
    ) -> GitHubError:
        api_message = ""
        try:
            payload = json.loads(raw.decode("utf-8", "replace")) if raw else {}
        except ValueError:
            payload = {}
        if isinstance(payload, dict):
            api_message = _one_line(str(payload.get("message", "")))
            details = [
                _one_line(str(e.get("message") or e.get("code") or ""))
                for e in payload.get("errors") or []
                if isinstance(e, dict)
            ]
            api_message = "; ".join(m for m in [api_message, *details] if m)
        api_message = self.scrub(api_message)[:300]
        text = f"{what}: HTTP {status}" + (f": {api_message}" if api_message else "")
        if 300 <= status < 400:
            text += " (a redirect; floe does not follow them with a token — is the repo renamed?)"
        return GitHubError(text, status, api_message, headers=headers)


def _read(answer: Any) -> bytes:
    raw: bytes = answer.read(MAX_RESPONSE_BYTES + 1)
    if len(raw) > MAX_RESPONSE_BYTES:
        raise GitHubError(f"a GitHub answer is larger than {MAX_RESPONSE_BYTES:,} bytes")
    return raw


def _json(raw: bytes, what: str) -> Any:
    try:
        return json.loads(raw.decode("utf-8"))
    except ValueError:
        raise GitHubError(f"{what}: the answer is not JSON") from None


def _retry_after(headers: Mapping[str, str]) -> float | None:
    """The wait GitHub asks for: ``retry-after`` (seconds or a date) or the rate-limit reset."""
    value = headers.get("retry-after", "").strip()
    if value.isdigit():
        return float(value)
    if value:
        try:
            return max(0.0, email.utils.parsedate_to_datetime(value).timestamp() - time.time())
        except (TypeError, ValueError):
            pass
    reset = headers.get("x-ratelimit-reset", "")
    if headers.get("x-ratelimit-remaining") == "0" and reset.isdigit():
        return max(0.0, int(reset) - time.time()) + 1.0
    return None


def _origin(url: str) -> str:
    parts = urllib.parse.urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _shown(url: str) -> str:
    """The path of ``url`` for messages (the host is configuration, the query is noise)."""
    return urllib.parse.urlsplit(url).path


def _one_line(text: str) -> str:
    return " ".join(text.split())
