"""Run ``dbt parse`` once per distinct project, profile and target, incrementally, and hand back
each environment's manifest.

Environments that share a target share one parse (unless the dbt project reads ``FLOE_ENV``).
Each parse writes into floe's own target folder for that target (``dbt_cache``), never into the
user's dbt project, so dbt's partial parsing applies next time; when nothing dbt reads changed
since (the same digest: files, profile, target, environment, dbt itself) dbt is not run at all.
The parses that must run share one process (dbt's start is most of a small project's parse),
and one ``DbtParses`` gives a digest's manifest to every compile that asks for it (the review's
base reuses the head's). dbt's output is reduced to the lines that say what went wrong.
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from floe_runtime.base import children, files
from floe_runtime.base.errors import FileRefused
from floe_runtime.base.version import __version__
from floe_runtime.compile import dbt_cache
from floe_runtime.compile.dbt_env import child_environment, named_variables
from floe_runtime.compile.dbt_inputs import ProjectInputs, project_inputs
from floe_runtime.compile.errors import DbtParseError
from floe_runtime.ports.dbt_manifest import manifest_bytes
from floe_runtime.ports.errors import ManifestError

if TYPE_CHECKING:
    from concurrent.futures import Future

_ERROR_MARKERS = ("error", "Error", "ERROR", "not found", "Could not", "Compilation")
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_TIMESTAMP = re.compile(r"^\d\d:\d\d:\d\d\s+")
_MAX_REASON = 3000
_OUTPUT_LIMIT = 4 * files.MIB
_OUTCOME = re.compile(r"^floe-dbt-parse (\d+) (\d+)$", re.MULTILINE)
_SHEBANG_LIMIT = 512
WORKER = Path(__file__).resolve().parent / "dbt_child" / "floe_dbt_parse.py"
_SETTINGS = {"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "DBT_USE_COLORS": "false"}


Parsed = bytes | DbtParseError
"""A manifest's bytes, or why there is none."""


def dbt_executable() -> str | None:
    """The dbt next to this interpreter (the project's venv), else the one on PATH."""
    return shutil.which("dbt", path=str(Path(sys.executable).parent)) or shutil.which("dbt")


def _missing() -> DbtParseError:
    return DbtParseError(
        "dbt is not installed here; install floe with the dagster extra "
        "(pip install 'floe-runtime[dagster]') or compile without --dbt-parse"
    )


def arguments(
    dbt: str,
    *,
    project_dir: Path,
    profiles_dir: Path,
    target: str | None,
    target_path: Path,
    log_path: Path,
) -> list[str]:
    """``dbt parse``'s command line (``dbt``: the program, left out for the in-process run)."""
    command = [
        dbt,
        "parse",
        "--project-dir",
        str(project_dir),
        "--profiles-dir",
        str(profiles_dir),
        "--target-path",
        str(target_path),
        "--log-path",
        str(log_path),
    ]
    return [*command, "--target", target] if target else command


def parse(
    *,
    project_dir: Path,
    profiles_dir: Path,
    target: str | None,
    environment: str | None,
    work_dir: Path,
    process_env: Mapping[str, str],
    target_path: Path | None = None,
) -> Path:
    """Run the ``dbt`` program once and return the path of the manifest.json it wrote
    (``environment``: the ``FLOE_ENV`` it sees, if any)."""
    dbt = dbt_executable()
    if dbt is None:
        raise _missing()
    target_path = target_path or work_dir / "target"
    command = arguments(
        dbt,
        project_dir=project_dir,
        profiles_dir=profiles_dir,
        target=target,
        target_path=target_path,
        log_path=work_dir / "logs",
    )
    settings = _SETTINGS | ({"FLOE_ENV": environment} if environment else {})
    named = named_variables(project_dir, profiles_dir)
    proc = children.run(command, child_environment(process_env, named, settings))
    manifest = target_path / "manifest.json"
    if proc.returncode != 0 or not manifest.is_file():
        detail = failure_reason(proc.stdout + proc.stderr)
        raise DbtParseError(f"dbt parse failed (exit {proc.returncode}): {detail}")
    return manifest


def failure_reason(output: str) -> str:
    """dbt's own account of the failure: everything from its first error line on (the
    reason follows the "Encountered an error" / "Parsing Error" headers), without colours,
    timestamps or blank lines; cut at the end, never before the reason."""
    lines = [_TIMESTAMP.sub("", _ANSI.sub("", line)).strip() for line in output.splitlines()]
    lines = [line for line in lines if line]
    headers = [i for i, line in enumerate(lines) if "Encountered an error" in line]
    marked = [i for i, line in enumerate(lines) if any(m in line for m in _ERROR_MARKERS)]
    first = (headers or marked or [max(0, len(lines) - 5)])[0]
    detail = " | ".join(lines[first:])
    return detail if len(detail) <= _MAX_REASON else detail[: _MAX_REASON - 1] + "…"


@dataclass(frozen=True)
class Request:
    """One environment's parse: its dbt project, profile folder and target."""

    environment: str
    project_dir: Path
    profiles_dir: Path
    target: str | None


@dataclass(eq=False)  # one group is one parse: compared (and hashed) by identity
class _Group:
    """The environments one parse serves, and what decides whether it must run."""

    project_dir: Path
    profiles_dir: Path
    target: str | None
    floe_env: str | None  # set only when the project reads FLOE_ENV
    environments: list[str]
    env: dict[str, str]
    digest: str | None
    why: str
    slot: dbt_cache.Slot | None = None
    target_path: Path | None = None

    @property
    def shown(self) -> str:
        return f"{', '.join(self.environments)}: dbt parse --target {self.target or '(default)'}"


@dataclass
class DbtParses:
    """The dbt manifests of one floe command: each distinct digest is parsed at most once,
    and every compile asking for it (the review's head and base) gets the same bytes."""

    process_env: Mapping[str, str]
    led: threading.Event = field(default_factory=threading.Event)
    """Set once a leading compile has claimed its parses (or will claim none)."""
    _memo: dict[str, Future[Parsed]] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def resolve(
        self,
        requests: Sequence[Request],
        work: Path,
        progress: Callable[[str], None],
        *,
        persistent: bool = True,
        follow: str | None = None,
    ) -> dict[str, Parsed]:
        """Each requested environment's manifest. ``persistent``: keep floe's target folders
        between runs (off for a checkout about to be deleted). ``follow``: the name of the
        compile that leads (the review's head): wait until it has said what it parses, and
        reuse its parse of the same inputs rather than run one of our own."""
        if follow is not None:
            self.led.wait()
        dbt = dbt_executable()
        if dbt is None:
            self.led.set()
            return {r.environment: _missing() for r in requests}
        from concurrent.futures import Future  # only compiles that run dbt need it

        groups = _groups(requests, self.process_env, _installation(dbt))
        mine: list[_Group] = []
        waiting: list[tuple[_Group, Future[Parsed]]] = []
        with self._lock:
            for group in groups:
                if group.digest is not None and group.digest in self._memo:
                    waiting.append((group, self._memo[group.digest]))
                    continue
                if group.digest is not None:
                    self._memo[group.digest] = Future()
                mine.append(group)
        self.led.set()
        results: dict[str, Parsed] = {}
        try:
            for group, parsed in self._run(dbt, mine, work, progress, persistent).items():
                results.update(dict.fromkeys(group.environments, parsed))
        except BaseException as exc:  # a compile waiting on these parses must not hang
            failed = exc if isinstance(exc, Exception) else DbtParseError("floe was stopped")
            with self._lock:
                for group in mine:
                    future = self._memo.get(group.digest or "")
                    if future is not None and not future.done():
                        future.set_exception(failed)
            raise
        for group, future in waiting:
            peer = f"{follow}'s" if follow else "another compile's"
            progress(
                f"{', '.join(group.environments)}: nothing dbt reads differs from {peer} "
                "parse; reusing it"
            )
            results.update(dict.fromkeys(group.environments, future.result()))
        return results

    def _run(
        self,
        dbt: str,
        groups: list[_Group],
        work: Path,
        progress: Callable[[str], None],
        persistent: bool,
    ) -> dict[_Group, Parsed]:
        root = dbt_cache.cache_root(self.process_env) if persistent else None
        done: dict[_Group, Parsed] = {}
        misses: list[_Group] = []
        try:
            for index, group in enumerate(groups):
                slot = None
                if root is not None:
                    slot = dbt_cache.claim(root, _slot_name(group))
                if slot is not None and group.digest is not None:
                    cached = slot.cached(group.digest)
                    if cached is not None:
                        slot.release()
                        progress(f"{group.shown}: nothing dbt reads changed; dbt not run")
                        done[group] = self._done(group, cached)
                        continue
                if slot is not None:
                    slot.forget()
                group.slot = slot
                group.target_path = slot.target if slot else work / f"target-{index}"
                misses.append(group)
            for group in misses:
                why = f" ({group.why}: parsed every time)" if group.digest is None else ""
                progress(group.shown + why)
            for group, parsed in _parse_all(dbt, misses, work).items():
                if (
                    group.slot is not None
                    and group.digest is not None
                    and isinstance(parsed, bytes)
                ):
                    group.slot.record(group.digest, parsed)
                done[group] = self._done(group, parsed)
        finally:
            for group in misses:
                if group.slot is not None:
                    group.slot.release()
            if root is not None and misses:
                dbt_cache.evict(root)
        return done

    def _done(self, group: _Group, parsed: Parsed) -> Parsed:
        if group.digest is not None:
            with self._lock:
                future = self._memo[group.digest]
            if not future.done():
                future.set_result(parsed)
        return parsed


def _groups(
    requests: Sequence[Request], process_env: Mapping[str, str], installation: str
) -> list[_Group]:
    """One group per distinct (project, profile folder, target, and the environment's name
    when the project reads FLOE_ENV), in the order of the first environment asking."""
    inputs: dict[tuple[Path, Path], ProjectInputs] = {}
    groups: dict[tuple[Path, Path, str | None, str | None], _Group] = {}
    for request in requests:
        project, profiles = request.project_dir.resolve(), request.profiles_dir.resolve()
        if (project, profiles) not in inputs:
            inputs[project, profiles] = project_inputs(project, profiles)
        found = inputs[project, profiles]
        floe_env = request.environment if found.names_floe_env else None
        key = (project, profiles, request.target, floe_env)
        if key in groups:
            groups[key].environments.append(request.environment)
            continue
        settings = _SETTINGS | ({"FLOE_ENV": floe_env} if floe_env else {})
        env = child_environment(process_env, named_variables(project, profiles), settings)
        digest = None
        if found.digest is not None:
            text = json.dumps(
                [__version__, installation, found.digest, request.target, sorted(env.items())]
            )
            digest = hashlib.sha256(text.encode()).hexdigest()  # values never kept in the clear
        groups[key] = _Group(
            project,
            profiles,
            request.target,
            floe_env,
            [request.environment],
            env,
            digest,
            found.why,
        )
    return list(groups.values())


def _slot_name(group: _Group) -> str:
    return dbt_cache.slot_name(
        str(group.project_dir), str(group.profiles_dir), group.target or "", group.floe_env or ""
    )


def _installation(dbt: str) -> str:
    """Which dbt runs: its program (path, size, time) and the dbt distributions beside the
    Python that runs it — an upgrade of dbt or its adapter parses again."""
    path = Path(dbt).resolve()
    try:
        info = path.stat()
        parts = [str(path), str(info.st_size), str(info.st_mtime_ns)]
    except OSError:
        parts = [str(path)]
    python = _python_of(dbt)
    if python is not None:
        prefix = Path(python).parent.parent
        parts += sorted(p.name for p in prefix.glob("lib*/python*/site-packages/dbt*.dist-info"))
    return "\0".join(parts)


def _python_of(dbt: str) -> str | None:
    """The Python behind a ``dbt`` console script (its ``#!`` line), if it is a plain one."""
    try:
        head = files.read_bytes(Path(dbt), 1 << 20, "dbt")[:_SHEBANG_LIMIT]
    except FileRefused:
        return None
    if not head.startswith(b"#!") or b"\n" not in head:
        return None
    line = head[2 : head.index(b"\n")].decode("utf-8", "replace").strip()
    if " " in line or not Path(line).name.startswith("python") or not Path(line).is_file():
        return None
    return line


def _parse_all(dbt: str, groups: list[_Group], work: Path) -> dict[_Group, Parsed]:
    """Run every parse: in one process with dbt's own Python, else one ``dbt`` each."""
    if not groups:
        return {}
    python = _python_of(dbt)
    if python is None:
        return {g: _parse_one(g, work / f"cli-{i}") for i, g in enumerate(groups)}
    logs = work / "logs"
    outputs = [work / f"dbt-output-{index}.txt" for index in range(len(groups))]
    parses = []
    for index, group in enumerate(groups):
        assert group.target_path is not None
        args = arguments(
            dbt,
            project_dir=group.project_dir,
            profiles_dir=group.profiles_dir,
            target=group.target,
            target_path=group.target_path,
            log_path=logs,
        )[1:]
        parses.append(
            {
                "args": args,
                "keep": sorted(k for k in group.env if k != "FLOE_ENV"),
                "set": {"FLOE_ENV": group.floe_env} if group.floe_env else {},
                "output": str(outputs[index]),
            }
        )
    request = work / "parses.json"
    files.write_atomic(request, json.dumps(parses).encode())
    union: dict[str, str] = {}
    for group in groups:
        union |= {k: v for k, v in group.env.items() if k != "FLOE_ENV"}
    proc = children.run([python, str(WORKER), str(request)], union)
    codes = {int(i): int(c) for i, c in _OUTCOME.findall(proc.stdout)}
    results: dict[_Group, Parsed] = {}
    for index, group in enumerate(groups):
        code = codes.get(index)
        if code is None:  # the worker itself failed: dbt missing from that Python, or killed
            detail = failure_reason(proc.stdout + proc.stderr)
            results[group] = DbtParseError(f"dbt parse failed (exit {proc.returncode}): {detail}")
            continue
        results[group] = _outcome(group, code, outputs[index])
    return results


def _outcome(group: _Group, code: int, output: Path) -> Parsed:
    assert group.target_path is not None
    if code == 0:
        try:
            return manifest_bytes(group.target_path / "manifest.json")
        except ManifestError as exc:
            return DbtParseError(f"dbt parse wrote no readable manifest: {exc}")
    try:
        text = files.read_bytes(output, _OUTPUT_LIMIT, "dbt's output").decode("utf-8", "replace")
    except FileRefused:
        text = ""
    return DbtParseError(f"dbt parse failed (exit {code}): {failure_reason(text)}")


def _parse_one(group: _Group, work: Path) -> Parsed:
    try:
        manifest = parse(
            project_dir=group.project_dir,
            profiles_dir=group.profiles_dir,
            target=group.target,
            environment=group.floe_env,
            work_dir=work,
            process_env={k: v for k, v in group.env.items() if k != "FLOE_ENV"},
            target_path=group.target_path,
        )
        return manifest_bytes(manifest)
    except (DbtParseError, ManifestError) as exc:
        return exc if isinstance(exc, DbtParseError) else DbtParseError(str(exc))
    except subprocess.SubprocessError as exc:
        return DbtParseError(f"dbt parse failed: {exc}")
