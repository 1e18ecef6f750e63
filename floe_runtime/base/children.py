"""Child processes that never outlive floe: each runs in its own process group, and SIGTERM or
SIGINT kills every group still running before floe unwinds (removing its temp folders).

``dbt parse`` runs in worker threads while the main thread waits; a signal reaches only the main
thread, so the handler kills the children itself: their threads then return at once, and no
new child starts once floe is terminating.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import FrameType
from typing import Any

from floe_runtime.base.errors import FloeError

_groups: set[int] = set()
_lock = threading.Lock()
_terminating = threading.Event()
_SIGNALS = (signal.SIGTERM, signal.SIGINT)


class Terminated(BaseException):
    """floe received SIGTERM or SIGINT; the CLI exits with 128 + the signal number."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def run(
    command: Sequence[str],
    env: Mapping[str, str],
    cwd: str | None = None,
    timeout: float | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``command`` to completion in its own process group, capturing its output as text;
    whatever it started is killed when it ends, or after ``timeout`` seconds (then
    ``subprocess.TimeoutExpired`` is raised)."""
    if _terminating.is_set():
        raise FloeError("floe is terminating; not starting another process")
    proc = subprocess.Popen(
        list(command),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        stdin=subprocess.DEVNULL,
        text=True,
        errors="replace",
        env=dict(env),
        cwd=cwd,
        start_new_session=True,
    )
    with _lock:
        _groups.add(proc.pid)
    try:
        out, err = proc.communicate(timeout=timeout)
    finally:
        _kill_group(proc.pid)
        proc.wait()
        with _lock:
            _groups.discard(proc.pid)
    return subprocess.CompletedProcess(list(command), proc.returncode, out, err)


class Background:
    """A child fed ``data`` on its stdin (by a thread, so floe goes on meanwhile), in its own
    process group like :func:`run`; a context manager that kills it if it is still running on
    the way out. ``output`` waits for its stdout (at most ``limit`` bytes) and exit code."""

    def __init__(self, command: Sequence[str], env: Mapping[str, str], data: bytes) -> None:
        if _terminating.is_set():
            raise FloeError("floe is terminating; not starting another process")
        self._proc = subprocess.Popen(
            list(command),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            env=dict(env),
            start_new_session=True,
        )
        with _lock:
            _groups.add(self._proc.pid)
        self._feeder = threading.Thread(target=self._feed, args=(data,), daemon=True)
        self._feeder.start()

    def _feed(self, data: bytes) -> None:
        stdin = self._proc.stdin
        assert stdin is not None
        with contextlib.suppress(OSError):  # the child left early: its exit code says why
            stdin.write(data)
        with contextlib.suppress(OSError):
            stdin.close()

    def output(self, limit: int, timeout: float) -> tuple[int | None, bytes]:
        """Exit code (None: killed after ``timeout`` seconds) and the first ``limit`` bytes of
        stdout. Meant for children that print a short answer: one that fills the pipe blocks,
        times out and is killed."""
        try:
            code: int | None = self._proc.wait(timeout)
        except subprocess.TimeoutExpired:
            _kill_group(self._proc.pid)
            self._proc.wait()
            code = None
        self._feeder.join()
        assert self._proc.stdout is not None
        return code, self._proc.stdout.read(limit) if code is not None else b""

    def __enter__(self) -> Background:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Kill the child if it still runs, and release its pipes and thread."""
        if self._proc.poll() is None:  # still running (never after a wait: its pid may be reused)
            _kill_group(self._proc.pid)
        self._proc.wait()
        self._feeder.join()
        if self._proc.stdout is not None:
            self._proc.stdout.close()
        with _lock:
            _groups.discard(self._proc.pid)


def _kill_group(pgid: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


def _on_signal(signum: int, frame: FrameType | None) -> None:
    _terminating.set()
    with _lock:
        groups = list(_groups)
    for pgid in groups:
        _kill_group(pgid)
    raise Terminated(signum)


@contextlib.contextmanager
def signals_handled(handler: Callable[[int, FrameType | None], Any]) -> Iterator[None]:
    """While inside, SIGTERM and SIGINT call ``handler``; the previous handlers come back
    afterwards. Only the main thread can install handlers; elsewhere this does nothing. The one
    way floe takes a signal: every command that does (children, ``floe backfill run``) uses it."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {sig: signal.signal(sig, handler) for sig in _SIGNALS}
    try:
        yield
    finally:
        for sig, before in previous.items():
            signal.signal(sig, before)


@contextlib.contextmanager
def killed_on_signals() -> Iterator[None]:
    """While inside, SIGTERM and SIGINT kill every child group and raise :class:`Terminated`
    (so ``finally`` blocks clean up)."""
    try:
        with signals_handled(_on_signal):
            yield
    finally:
        _terminating.clear()
