"""A real `dagster-webserver` (or `dagster dev`) on 127.0.0.1 for tests: free port, its own
DAGSTER_HOME, bounded start-up wait, and the whole process group stopped afterwards."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.helpers.environment import shell_environment

BIN = Path(sys.executable).parent
STARTUP_SECONDS = 240


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def webserver(
    target: list[str], home: Path, cwd: Path, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """Serve ``target`` (``-f FILE`` / ``-m MODULE``) and yield its base URL."""
    port = str(free_port())
    command = [str(BIN / "dagster-webserver"), "-h", "127.0.0.1", "-p", port, *target]
    with _serving(command, port, home, cwd, env) as url:
        yield url


@contextmanager
def dagster_dev(
    target: list[str], home: Path, cwd: Path, env: Mapping[str, str] | None = None
) -> Iterator[str]:
    """``dagster dev`` (webserver, daemon and code server) on ``target``; its base URL."""
    port = str(free_port())
    command = [str(BIN / "dagster"), "dev", "-h", "127.0.0.1", "-p", port, *target]
    with _serving(command, port, home, cwd, env) as url:
        yield url


@contextmanager
def _serving(
    command: list[str], port: str, home: Path, cwd: Path, env: Mapping[str, str] | None
) -> Iterator[str]:
    home.mkdir(parents=True, exist_ok=True)
    url = f"http://127.0.0.1:{port}"
    log = (home / "webserver.log").open("w")
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env={**shell_environment(), "DAGSTER_HOME": str(home), **(env or {})},
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        deadline = time.monotonic() + STARTUP_SECONDS
        while True:
            if process.poll() is not None:
                raise AssertionError(f"{command[0]} exited:\n{_tail(home)}")
            try:
                with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                    if response.status == 200:
                        break
            except (urllib.error.URLError, OSError):
                pass
            if time.monotonic() > deadline:
                raise AssertionError(f"{command[0]} did not start:\n{_tail(home)}")
            time.sleep(0.5)
        yield url
    finally:
        _stop(process)
        log.close()


def graphql(
    url: str, query: str, variables: dict[str, Any] | None = None, timeout: float = 120
) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query, "variables": variables or {}}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=timeout) as response:
        body = json.loads(response.read())
    assert not body.get("errors"), body["errors"]
    return body["data"]  # type: ignore[no-any-return]


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=30)


def _tail(home: Path) -> str:
    return (home / "webserver.log").read_text(errors="replace")[-4000:]
