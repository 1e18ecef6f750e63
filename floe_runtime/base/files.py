"""The one way floe reads and writes files: bounded reads, atomic writes, never through a symlink.

Everything floe reads may come from a fork's pull request, so a read must end quickly whatever
the path names: only regular files are opened (a FIFO, a device such as ``/dev/zero``, a
directory, or a symlink to one of them is refused before any byte is read), and the size is
counted while reading, never trusted from ``st_size``. Every kind of file has its own limit.

Writes go through a temp file in the target folder, renamed into place. The folder is opened
without following a symlink and every later step works relative to that open folder, so an
artifact is never written (and a manifest never deleted) through a symlink swapped in meanwhile.
Temp files are named ``.<name>.floe-<pid>.tmp``; one left by a killed run is removed by the next
write into the same folder once its process is gone.
"""

from __future__ import annotations

import contextlib
import errno
import os
import re
import stat
from pathlib import Path
from typing import Final

from floe_runtime.base.errors import FileRefused

KIB: Final = 1024
MIB: Final = 1024 * KIB

# Per-kind read limits. floe.yaml is written by people; the others are generated or small.
FLOE_YAML_LIMIT: Final = 5 * MIB
ENV_FILE_LIMIT: Final = 256 * KIB
CONFIG_LIMIT: Final = 5 * MIB  # profiles.yml, dbt_project.yml, the committed JSON Schemas
PYTHON_SOURCE_LIMIT: Final = 5 * MIB  # one asset module
ARTIFACT_LIMIT: Final = 256 * MIB
MANIFEST_LIMIT: Final = 1024 * MIB  # the largest dbt projects write manifests of a few 100 MB

_CHUNK: Final = 1 * MIB
_TMP: Final = re.compile(r"^\.(?P<name>.+)\.floe-(?P<pid>\d+)\.tmp$")


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _limit_words(limit: int) -> str:
    return f"{limit // MIB} MiB" if limit >= MIB else f"{limit // KIB} KiB"


def read_bytes(path: Path, limit: int, what: str, display: str | None = None) -> bytes:
    """The bytes of a regular file of at most ``limit`` bytes; ``what`` names the kind of file
    in messages (``"floe.yaml"``, ``"the dbt manifest"``)."""
    shown = display or str(path)
    try:
        before = os.stat(path)  # follows a symlink: what matters is what it points at
        if not stat.S_ISREG(before.st_mode):
            raise FileRefused(
                shown,
                f"{what} is {_kind(before.st_mode)}; floe reads only regular files",
                "not-a-file",
            )
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC)
    except OSError as exc:
        raise FileRefused(shown, f"cannot read {what}: {exc.strerror}") from None
    try:
        opened = os.fstat(fd)
        if not stat.S_ISREG(opened.st_mode):  # swapped between stat and open
            raise FileRefused(
                shown,
                f"{what} is {_kind(opened.st_mode)}; floe reads only regular files",
                "not-a-file",
            )
        chunks: list[bytes] = []
        size = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, limit + 1 - size))
            if not chunk:
                return b"".join(chunks)
            chunks.append(chunk)
            size += len(chunk)
            if size > limit:
                raise FileRefused(
                    shown,
                    f"{what} is larger than {_limit_words(limit)}, the most floe reads",
                    "too-large",
                )
    except OSError as exc:
        raise FileRefused(shown, f"cannot read {what}: {exc.strerror}") from None
    finally:
        os.close(fd)


def read_text(path: Path, limit: int, what: str, display: str | None = None) -> str:
    """A bounded regular file decoded as UTF-8 (a byte-order mark is dropped)."""
    raw = read_bytes(path, limit, what, display)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise FileRefused(
            display or path,
            f"{what} is not UTF-8 (byte 0x{raw[exc.start]:02x} on line {line})",
            "encoding",
        ) from None


def _open_folder(folder: Path) -> int:
    """An open descriptor on ``folder`` (created when missing); refuses a symlink or a file."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        what = "a symlink" if folder.is_symlink() else "a file"
        raise FileRefused(folder, f"the output folder is {what}; choose another --out") from None
    except OSError as exc:
        raise FileRefused(folder, f"cannot create the output folder: {exc.strerror}") from None
    try:
        return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR):
            what = "a symlink" if folder.is_symlink() else "not a folder"
            raise FileRefused(
                folder, f"the output folder is {what}; floe never writes through a symlink"
            ) from None
        raise FileRefused(folder, f"cannot open the output folder: {exc.strerror}") from None


def check_folder(folder: Path) -> None:
    """Refuse an output folder that is a symlink or a file, before anything is compiled."""
    os.close(_open_folder(folder))


def _refuse_symlink(name: str, folder_fd: int, shown: Path) -> None:
    try:
        mode = os.stat(name, dir_fd=folder_fd, follow_symlinks=False).st_mode
    except FileNotFoundError:
        return
    if stat.S_ISLNK(mode):
        raise FileRefused(shown, "is a symlink; floe never writes or deletes through one")
    if not stat.S_ISREG(mode):
        raise FileRefused(shown, f"is {_kind(mode)}, not a file floe wrote")


def _holds(name: str, folder_fd: int, content: bytes) -> bool:
    """The regular file ``name`` (not followed if a symlink) holds exactly ``content``."""
    try:
        fd = os.open(
            name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, dir_fd=folder_fd
        )
    except OSError:
        return False
    try:
        found = os.fstat(fd)
        if not stat.S_ISREG(found.st_mode) or found.st_size != len(content):
            return False
        with open(fd, "rb", closefd=False) as file:
            return file.read(len(content) + 1) == content
    finally:
        os.close(fd)


def _remove_stale_temps(folder_fd: int) -> None:
    """Temp files of writes that were killed (their process is gone)."""
    for entry in os.listdir(folder_fd):
        match = _TMP.match(entry)
        if match is None or _alive(int(match["pid"])):
            continue
        with contextlib.suppress(FileNotFoundError):
            os.unlink(entry, dir_fd=folder_fd)


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return False  # an earlier write of this very process cannot still be running
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    return True


def write_atomic(path: Path, content: bytes) -> None:
    """Write through a temp file in the same folder and rename it into place, so a reader or an
    interrupted floe never sees a half-written file; refuses a symlinked folder or target. A
    file that already holds exactly ``content`` is left as it is (its modification time too,
    so a recompile that changes nothing does not wake file watchers). No fsync: these are
    build outputs, recompiled rather than recovered after a power loss."""
    folder_fd = _open_folder(path.parent)
    tmp = f".{path.name}.floe-{os.getpid()}.tmp"
    try:
        _remove_stale_temps(folder_fd)
        _refuse_symlink(path.name, folder_fd, path)
        if _holds(path.name, folder_fd, content):
            return
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW | os.O_CLOEXEC
        fd = os.open(tmp, flags, 0o666, dir_fd=folder_fd)  # the umask applies, as for any file
        try:
            view = memoryview(content)
            while view:
                view = view[os.write(fd, view) :]
        finally:
            os.close(fd)
        os.replace(tmp, path.name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except OSError as exc:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder_fd)
        raise FileRefused(path, f"cannot write: {exc.strerror or exc}") from None
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=folder_fd)
        raise
    finally:
        os.close(folder_fd)


def remove(path: Path) -> None:
    """Delete a file floe wrote earlier, if present; never through a symlinked folder or file."""
    if not path.parent.exists():
        return
    folder_fd = _open_folder(path.parent)
    try:
        _refuse_symlink(path.name, folder_fd, path)
        with contextlib.suppress(FileNotFoundError):
            os.unlink(path.name, dir_fd=folder_fd)
    finally:
        os.close(folder_fd)
