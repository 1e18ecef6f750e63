"""A fake GitHub REST server: a real ``ThreadingHTTPServer`` on 127.0.0.1, for floe's tests.

It answers the endpoints ``floe comment`` and the Action use, the way GitHub does (shapes,
status codes, messages, ``Link`` pagination, the 65,536-character body limit), records every
call, and can be told to misbehave (:meth:`FakeGitHub.inject`). In-process::

    with FakeGitHub() as gh:
        gh.tokens["t0ken"] = "alice"
        gh.add_pull(7, "a" * 40)
        ...  # point FLOE_GITHUB_API_URL at gh.url

Standalone (for the Action run by ``act``)::

    python -m tests.helpers.fake_github --port-file F --state-file S [--seed SEED.json]

writes its port to F once listening and dumps its state as JSON to S after every request and
on SIGTERM. SEED.json may hold ``tokens``, ``read_only_tokens``, ``pulls`` ({number: sha}),
``comments``, ``page_size`` and ``injections`` (keyword arguments of :meth:`inject`).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import sys
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

MAX_BODY = 65_536
ACTIONS_BOT = "github-actions[bot]"
NOT_ACCESSIBLE = "Resource not accessible by integration"
_DOCS = "https://docs.github.com/rest"
_REPO = r"/repos/(?P<owner>[^/]+)/(?P<repo>[^/]+)"
_ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    ("GET", re.compile(r"/user"), "_get_user"),
    ("GET", re.compile(_REPO + r"/issues/(?P<number>\d+)/comments"), "_list_comments"),
    ("POST", re.compile(_REPO + r"/issues/(?P<number>\d+)/comments"), "_create_comment"),
    ("PATCH", re.compile(_REPO + r"/issues/comments/(?P<id>\d+)"), "_update_comment"),
    ("DELETE", re.compile(_REPO + r"/issues/comments/(?P<id>\d+)"), "_delete_comment"),
    ("GET", re.compile(_REPO + r"/pulls/(?P<number>\d+)"), "_get_pull"),
    ("GET", re.compile(_REPO + r"/commits/(?P<sha>[0-9a-fA-F]+)/pulls"), "_commit_pulls"),
    ("GET", re.compile(_REPO + r"/pulls"), "_list_pulls"),
]
_WRITES = frozenset({"POST", "PATCH", "PUT", "DELETE"})
_Answer = tuple[int, dict[str, str], Any]  # status, headers, JSON payload (None: no body)


@dataclass
class _Injection:
    method: str
    pattern: re.Pattern[str]
    status: int
    times: int
    headers: dict[str, str]
    body: dict[str, Any] | None
    delay: float


class _Reply(Exception):
    """Raised by an endpoint to answer with an error status."""

    def __init__(self, status: int, message: str, **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.payload = {"message": message, "documentation_url": _DOCS, **extra}


class FakeGitHub:
    """The fake; state is plain data so tests can read and seed it directly."""

    def __init__(self, *, page_size: int = 2, port: int = 0, state_file: Path | None = None):
        self.page_size = page_size
        self.comments: list[dict[str, Any]] = []
        self.calls: list[tuple[str, str]] = []
        self.tokens: dict[str, str] = {}
        self.read_only_tokens: set[str] = set()
        self.pulls: dict[int, str] = {}
        # Where each pull's head lives: (head repository, or None for the base itself; branch).
        self.pull_heads: dict[int, tuple[str | None, str]] = {}
        self.state_file = state_file
        self._injections: list[_Injection] = []
        self._lock = threading.RLock()
        self._next_id = 1001
        self._clock = datetime(2026, 1, 1, tzinfo=timezone.utc)
        self._server = ThreadingHTTPServer(("127.0.0.1", port), _handler(self))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    # -- lifecycle -------------------------------------------------------------------------
    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FakeGitHub:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    # -- seeding and misbehaving -----------------------------------------------------------
    def add_pull(
        self, number: int, head_sha: str, *, head_repo: str | None = None, ref: str | None = None
    ) -> None:
        """An open pull request; ``head_repo`` names the fork its head lives in (None: the
        base repository itself), ``ref`` its branch (default ``pr-<number>``)."""
        with self._lock:
            self.pulls[number] = head_sha
            old = self.pull_heads.get(number)
            keep = old if old is not None and head_repo is None and ref is None else None
            self.pull_heads[number] = keep or (head_repo, ref or f"pr-{number}")

    def set_head(self, number: int, sha: str) -> None:
        self.add_pull(number, sha)

    def add_comment(
        self, number: int, body: str, login: str, *, repo: str = "octo/demo"
    ) -> dict[str, Any]:
        """A comment written by ``login`` (as if by another tool, user or an earlier run)."""
        with self._lock:
            return self._new_comment(repo, number, body, login)

    def inject(
        self,
        method: str,
        path_regex: str,
        status: int,
        *,
        times: int = 1,
        headers: dict[str, str] | None = None,
        body: dict[str, Any] | None = None,
        delay: float = 0.0,
    ) -> None:
        """Make the next ``times`` matching requests wait ``delay`` s, then answer ``status``.

        ``path_regex`` is searched in the request target (path and query). A 2xx ``status``
        means "answer normally" (only the delay applies): a slow response.
        """
        with self._lock:
            self._injections.append(
                _Injection(
                    method.upper(),
                    re.compile(path_regex),
                    status,
                    times,
                    dict(headers or {}),
                    body,
                    delay,
                )
            )

    def floe_comments(self, number: int | None = None) -> list[dict[str, Any]]:
        """Comments whose body starts with floe's marker (optionally on one issue)."""
        with self._lock:
            return [
                c
                for c in self.comments
                if c["body"].startswith("<!-- floe:review ")
                and (number is None or c["issue_url"].endswith(f"/issues/{number}"))
            ]

    def state(self) -> dict[str, Any]:
        with self._lock:
            return {
                "url": self.url,
                "comments": [dict(c) for c in self.comments],
                "calls": [list(c) for c in self.calls],
                "pulls": {str(n): sha for n, sha in self.pulls.items()},
            }

    def dump(self) -> None:
        if self.state_file is None:
            return
        with self._lock:
            temp = self.state_file.with_name(self.state_file.name + ".tmp")
            temp.write_text(json.dumps(self.state(), indent=1), encoding="utf-8")
            os.replace(temp, self.state_file)

    # -- request handling (called from the handler threads) --------------------------------
    def handle(self, method: str, target: str, token: str | None, raw: bytes) -> _Answer:
        path = urlsplit(target).path.rstrip("/") or "/"
        query = parse_qs(urlsplit(target).query)
        with self._lock:
            self.calls.append((method, target))
            injection = self._take_injection(method, target)
        if injection is not None:
            time.sleep(injection.delay)
            if not 200 <= injection.status < 300:
                payload = injection.body or {"message": _reason(injection.status)}
                return injection.status, injection.headers, payload
        try:
            login = self._authenticate(token)
            for route_method, pattern, name in _ROUTES:
                match = pattern.fullmatch(path)
                if match and route_method == method:
                    if method in _WRITES and token in self.read_only_tokens:
                        raise _Reply(403, NOT_ACCESSIBLE)
                    data = json.loads(raw) if raw else None
                    with self._lock:
                        return getattr(self, name)(login, query, data, **match.groupdict())
            raise _Reply(404, "Not Found")
        except _Reply as reply:
            return reply.status, {}, reply.payload
        except ValueError:
            return 400, {}, {"message": "Problems parsing JSON", "documentation_url": _DOCS}

    def _take_injection(self, method: str, target: str) -> _Injection | None:
        for injection in self._injections:
            if (
                injection.times > 0
                and injection.method == method
                and injection.pattern.search(target)
            ):
                injection.times -= 1
                return injection
        return None

    def _authenticate(self, token: str | None) -> str:
        if token is None:
            raise _Reply(401, "Requires authentication")
        if token not in self.tokens:
            raise _Reply(401, "Bad credentials")
        return self.tokens[token]

    # -- endpoints ---------------------------------------------------------------------------
    def _get_user(self, login: str, query: Any, data: Any) -> _Answer:
        if login == ACTIONS_BOT:  # installation tokens may not read /user
            raise _Reply(403, NOT_ACCESSIBLE)
        return 200, {}, _user(login)

    def _list_comments(self, login: str, query: Any, data: Any, **where: str) -> _Answer:
        issue_url = self._issue_url(where)
        self._pull(where)
        mine = [c for c in self.comments if c["issue_url"] == issue_url]
        per_page = min(int(query.get("per_page", ["30"])[0]), 100, self.page_size)
        page = max(int(query.get("page", ["1"])[0]), 1)
        last = max((len(mine) + per_page - 1) // per_page, 1)
        headers = {}
        base = f"{self.url}/repos/{where['owner']}/{where['repo']}/issues/{where['number']}"
        links = []
        if page < last:
            links.append(f'<{base}/comments?per_page={per_page}&page={page + 1}>; rel="next"')
            links.append(f'<{base}/comments?per_page={per_page}&page={last}>; rel="last"')
        if page > 1:
            links.append(f'<{base}/comments?per_page={per_page}&page=1>; rel="first"')
            links.append(f'<{base}/comments?per_page={per_page}&page={page - 1}>; rel="prev"')
        if links:
            headers["Link"] = ", ".join(links)
        start = (page - 1) * per_page
        return 200, headers, [dict(c) for c in mine[start : start + per_page]]

    def _create_comment(self, login: str, query: Any, data: Any, **where: str) -> _Answer:
        self._pull(where)
        body = _checked_body(data)
        repo = f"{where['owner']}/{where['repo']}"
        comment = self._new_comment(repo, int(where["number"]), body, login)
        return 201, {}, dict(comment)

    def _update_comment(self, login: str, query: Any, data: Any, **where: str) -> _Answer:
        comment = self._comment(where)
        comment["body"] = _checked_body(data)
        comment["updated_at"] = self._tick()
        return 200, {}, dict(comment)

    def _delete_comment(self, login: str, query: Any, data: Any, **where: str) -> _Answer:
        self.comments.remove(self._comment(where))
        return 204, {}, None

    def _get_pull(self, login: str, query: Any, data: Any, **where: str) -> _Answer:
        number = int(where["number"])
        return 200, {}, self._pull_json(where, number, self._pull(where))

    def _commit_pulls(self, login: str, query: Any, data: Any, **where: str) -> _Answer:
        # As GitHub: a commit that lives only in a fork is not in the base repository, so its
        # pull request is not listed here (the fork-safe pair must bind by head branch).
        sha = where["sha"].lower()
        found = [
            self._pull_json(where, number, head)
            for number, head in sorted(self.pulls.items())
            if head.lower().startswith(sha) and self.pull_heads[number][0] is None
        ]
        return 200, {}, found

    def _list_pulls(self, login: str, query: Any, data: Any, **where: str) -> _Answer:
        # ``head=OWNER:BRANCH`` keeps pulls whose head repository's owner and branch are those;
        # ``state`` defaults to open (all pulls here are open).
        pulls = [self._pull_json(where, n, head) for n, head in sorted(self.pulls.items())]
        if query.get("state", ["open"])[0] not in ("open", "all"):
            pulls = []
        wanted = query.get("head", [None])[0]
        if wanted is not None and ":" in wanted:
            owner, _, ref = wanted.partition(":")
            pulls = [
                p
                for p in pulls
                if p["head"]["repo"]["owner"]["login"].lower() == owner.lower()
                and p["head"]["ref"] == ref
            ]
        return 200, {}, pulls

    # -- helpers -----------------------------------------------------------------------------
    def _new_comment(self, repo: str, number: int, body: str, login: str) -> dict[str, Any]:
        comment_id = self._next_id
        self._next_id += 1
        now = self._tick()
        comment = {
            "id": comment_id,
            "body": body,
            "user": _user(login),
            "created_at": now,
            "updated_at": now,
            "html_url": f"https://github.com/{repo}/pull/{number}#issuecomment-{comment_id}",
            "issue_url": f"{self.url}/repos/{repo}/issues/{number}",
        }
        self.comments.append(comment)
        return comment

    def _tick(self) -> str:
        # Whole seconds, like GitHub; a fresh second per write keeps the order readable.
        self._clock += timedelta(seconds=1)
        return self._clock.strftime("%Y-%m-%dT%H:%M:%SZ")

    def _issue_url(self, where: dict[str, str]) -> str:
        return f"{self.url}/repos/{where['owner']}/{where['repo']}/issues/{where['number']}"

    def _pull(self, where: dict[str, str]) -> str:
        number = int(where["number"])
        if number not in self.pulls:
            raise _Reply(404, "Not Found")
        return self.pulls[number]

    def _pull_json(self, where: dict[str, str], number: int, head: str) -> dict[str, Any]:
        repo = f"{where['owner']}/{where['repo']}"
        fork, ref = self.pull_heads.get(number, (None, f"pr-{number}"))
        head_repo = fork or repo
        return {
            "number": number,
            "state": "open",
            "html_url": f"https://github.com/{repo}/pull/{number}",
            "head": {
                "sha": head,
                "ref": ref,
                "label": f"{head_repo.split('/')[0]}:{ref}",
                "repo": {
                    "full_name": head_repo,
                    "fork": fork is not None,
                    "owner": {"login": head_repo.split("/")[0]},
                },
            },
            "base": {"ref": "main", "repo": {"full_name": repo, "fork": False}},
        }

    def _comment(self, where: dict[str, str]) -> dict[str, Any]:
        for comment in self.comments:
            if comment["id"] == int(where["id"]):
                return comment
        raise _Reply(404, "Not Found")


def _checked_body(data: Any) -> str:
    if not isinstance(data, dict) or not isinstance(data.get("body"), str):
        raise _Reply(422, "Invalid request.\n\nNo body given.")
    body: str = data["body"]
    if len(body) > MAX_BODY:
        raise _Reply(
            422,
            "Validation Failed",
            errors=[
                {
                    "resource": "IssueComment",
                    "code": "custom",
                    "field": "body",
                    "message": f"body is too long (maximum is {MAX_BODY} characters)",
                }
            ],
        )
    return body


def _user(login: str) -> dict[str, Any]:
    bot = login.endswith("[bot]")
    user_id = 41898282 if login == ACTIONS_BOT else 1 + sum(map(ord, login))
    return {"login": login, "id": user_id, "type": "Bot" if bot else "User"}


def _reason(status: int) -> str:
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def _handler(fake: FakeGitHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(length) if length else b""
            auth = self.headers.get("Authorization", "")
            scheme, _, token = auth.partition(" ")
            known = scheme.lower() in ("bearer", "token") and token
            status, headers, payload = fake.handle(
                self.command, self.path, token if known else None, raw
            )
            data = b"" if payload is None else json.dumps(payload).encode("utf-8")
            try:
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                if data:
                    self.send_header("Content-Type", "application/json; charset=utf-8")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (a timeout test): nothing to answer to
            fake.dump()

        do_GET = do_POST = do_PATCH = do_DELETE = do_PUT = _serve

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m tests.helpers.fake_github", description=__doc__
    )
    parser.add_argument("--port-file", type=Path, required=True)
    parser.add_argument("--state-file", type=Path, required=True)
    parser.add_argument("--seed", type=Path, help="JSON: initial tokens, pulls, comments, ...")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args(argv)
    seed = json.loads(args.seed.read_text(encoding="utf-8")) if args.seed else {}
    fake = FakeGitHub(
        page_size=int(seed.get("page_size", 2)), port=args.port, state_file=args.state_file
    )
    fake.tokens.update(seed.get("tokens", {}))
    fake.read_only_tokens.update(seed.get("read_only_tokens", []))
    for number, pull in seed.get("pulls", {}).items():
        if isinstance(pull, str):
            fake.add_pull(int(number), pull)
        else:  # {"sha": ..., "head_repo": "fork/demo", "ref": "patch-1"}
            head_repo, ref = pull.get("head_repo"), pull.get("ref")
            fake.add_pull(int(number), pull["sha"], head_repo=head_repo, ref=ref)
    for item in seed.get("comments", []):
        fake.add_comment(int(item["number"]), item["body"], item["login"], repo=item["repo"])
    for item in seed.get("injections", []):
        fake.inject(**item)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    with fake:
        fake.dump()
        temp = args.port_file.with_name(args.port_file.name + ".tmp")
        temp.write_text(fake.url.rsplit(":", 1)[1], encoding="utf-8")
        os.replace(temp, args.port_file)
        stop.wait()
    fake.dump()
    return 0


if __name__ == "__main__":
    sys.exit(_main())
