"""The deployment's processes for tests: a Postgres cluster in a temp folder, and long-running
Dagster processes, each in its own process group on 127.0.0.1, stopped by that group's id."""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

STOP_SECONDS = 30


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_for(
    check: Callable[[], object], what: str, seconds: float, log: Path | None = None
) -> object:
    """Poll ``check`` until it returns something truthy; fail naming ``what`` (and the log)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline:
            tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
            raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}\n{tail}")
        time.sleep(1)


@dataclass
class Service:
    """One long-running process in its own session (process group), output in ``log``."""

    name: str
    argv: Sequence[str]
    log: Path
    env: Mapping[str, str]
    cwd: Path
    user: str | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, init=False)

    def start(self) -> Service:
        with self.log.open("a") as out:
            self.process = subprocess.Popen(
                list(self.argv),
                cwd=self.cwd,
                env=dict(self.env),
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
                user=self.user,
            )
        return self

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def stop(self) -> None:
        """SIGTERM to the whole group, SIGKILL after a bound; the group id is the pid."""
        process, self.process = self.process, None
        if process is None:
            return
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(process.pid, sig)
            except ProcessLookupError:
                break
            try:
                process.wait(timeout=STOP_SECONDS)
                break
            except subprocess.TimeoutExpired:
                continue
        with contextlib.suppress(ProcessLookupError):  # children that outlived the leader
            os.killpg(process.pid, signal.SIGKILL)


def postgres_bin() -> Path:
    """The folder of Debian's ``initdb``/``postgres`` (``make setup`` installs ``postgresql``)."""
    found = shutil.which("initdb")
    if found and shutil.which("postgres"):
        return Path(found).resolve().parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True):
        if (Path(folder) / "initdb").is_file():
            return Path(folder)
    raise AssertionError(
        "PostgreSQL is not installed (no initdb on PATH or under /usr/lib/postgresql/*/bin): "
        "`make setup` installs Debian's postgresql package"
    )


@dataclass
class Postgres:
    """A throw-away cluster in ``folder`` (a fresh folder the ``postgres`` user can reach when
    the tests run as root): password authentication, listening on 127.0.0.1 only."""

    folder: Path
    port: int
    user: str = "floe"
    password: str = "floe-test-only"
    database: str = "dagster"
    service: Service | None = None

    @property
    def env(self) -> dict[str, str]:
        """The variables examples/deploy/dagster.yaml reads."""
        return {
            "DAGSTER_PG_HOST": "127.0.0.1",
            "DAGSTER_PG_PORT": str(self.port),
            "DAGSTER_PG_USER": self.user,
            "DAGSTER_PG_PASSWORD": self.password,
            "DAGSTER_PG_DB": self.database,
        }

    def start(self) -> Postgres:
        binaries = postgres_bin()
        owner = "postgres" if os.geteuid() == 0 else None  # postgres refuses to run as root
        data, secret = self.folder / "data", self.folder / "password"
        secret.write_text(self.password)
        if owner is not None:
            entry = pwd.getpwnam(owner)
            for path in (self.folder, secret):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        env = {"PATH": os.environ.get("PATH", ""), "LC_ALL": "C"}
        subprocess.run(
            [
                str(binaries / "initdb"),
                "-D", str(data), "-U", self.user, f"--pwfile={secret}",
                "--auth=scram-sha-256", "--no-sync", "-E", "UTF8",
            ],
            check=True, capture_output=True, env=env, user=owner, timeout=120,
        )  # fmt: skip
        log = self.folder / "postgres.log"
        self.service = Service(
            "postgres",
            [
                str(binaries / "postgres"), "-D", str(data), "-h", "127.0.0.1",
                "-p", str(self.port), "-k", str(self.folder), "-c", "fsync=off",
            ],
            log, env, self.folder, user=owner,
        ).start()  # fmt: skip
        wait_for(self._create_database, "Postgres to accept connections", 60, log)
        return self

    def _create_database(self) -> bool:
        import psycopg2

        try:
            connection = psycopg2.connect(
                host="127.0.0.1", port=self.port, user=self.user, password=self.password,
                dbname="postgres", connect_timeout=3,
            )  # fmt: skip
        except psycopg2.OperationalError:
            return False
        connection.autocommit = True
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"CREATE DATABASE {self.database}")
        finally:
            connection.close()
        return True

    def stop(self) -> None:
        if self.service is not None:
            self.service.stop()
