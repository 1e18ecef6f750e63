"""floe's own dbt target folders, kept between compiles so ``dbt parse`` parses incrementally.

One *slot* per dbt project, profile and target (named by a hash of them) under
``$FLOE_CACHE_DIR``, else ``$XDG_CACHE_HOME/floe``, else ``~/.cache/floe`` — outside the
repository, so a pull request cannot commit a cache that floe would trust, and never dbt's own
``target/``. A slot holds dbt's target path (``manifest.json``, ``partial_parse.msgpack``) and
``inputs.json``: the digest of everything the parse read and the sha256 of the manifest it
wrote. A compile whose inputs have the same digest reads that manifest and runs no dbt.

Nothing in a slot is trusted: ``inputs.json`` is read bounded and must have its exact shape,
the manifest must have the recorded size and sha256; anything else is a miss and dbt parses
again (dbt itself re-parses fully when its ``partial_parse.msgpack`` does not read). A slot is
locked while used; a slot another floe holds is skipped (that parse uses a temporary folder).
At most ``MAX_SLOTS`` slots are kept, the least recently used removed first.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import shutil
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Final

from floe_runtime.base import files
from floe_runtime.base.errors import FileRefused

FORMAT: Final = 1
FOLDER: Final = f"dbt-parse-v{FORMAT}"
MAX_SLOTS: Final = 16
INDEX: Final = "inputs.json"
INDEX_LIMIT: Final = 64 * files.KIB
_LOCK: Final = "lock"


def cache_root(process_env: Mapping[str, str]) -> Path | None:
    """Where floe keeps its slots; None when there is no home to keep them in."""
    chosen = process_env.get("FLOE_CACHE_DIR")
    if chosen:
        return Path(chosen) / FOLDER
    xdg = process_env.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():
        return Path(xdg) / "floe" / FOLDER
    home = process_env.get("HOME")
    return Path(home) / ".cache" / "floe" / FOLDER if home else None


def slot_name(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode()).hexdigest()[:32]


@dataclass
class Slot:
    """A locked slot: ``target`` is the target path dbt writes into."""

    folder: Path
    _fd: int

    @property
    def target(self) -> Path:
        return self.folder / "target"

    def cached(self, digest: str) -> bytes | None:
        """The manifest parsed from inputs with this digest, if the slot holds it intact."""
        try:
            raw = files.read_bytes(self.folder / INDEX, INDEX_LIMIT, "floe's dbt cache index")
            index = json.loads(raw)
        except (FileRefused, ValueError):
            return None
        if not (
            isinstance(index, dict)
            and index.get("format") == FORMAT
            and index.get("digest") == digest
            and isinstance(index.get("manifest_sha256"), str)
            and isinstance(index.get("manifest_size"), int)
        ):
            return None
        size: int = index["manifest_size"]
        if not 0 < size <= files.MANIFEST_LIMIT:
            return None
        try:
            manifest = files.read_bytes(self.target / "manifest.json", size, "a cached manifest")
        except FileRefused:
            return None
        if (
            len(manifest) != size
            or hashlib.sha256(manifest).hexdigest() != index["manifest_sha256"]
        ):
            return None
        return manifest

    def forget(self) -> None:
        """Before a parse: a failed or interrupted one must not leave an old manifest that
        looks current."""
        with contextlib.suppress(FileRefused):
            files.remove(self.folder / INDEX)
        with contextlib.suppress(FileRefused):
            files.remove(self.target / "manifest.json")

    def record(self, digest: str, manifest: bytes) -> None:
        index = {
            "format": FORMAT,
            "digest": digest,
            "manifest_sha256": hashlib.sha256(manifest).hexdigest(),
            "manifest_size": len(manifest),
        }
        with contextlib.suppress(FileRefused):  # a cache that cannot be written: no cache
            files.write_atomic(self.folder / INDEX, json.dumps(index).encode())

    def release(self) -> None:
        os.close(self._fd)


def claim(root: Path, name: str) -> Slot | None:
    """The slot ``name``, locked for this process; None when another floe holds it or the
    cache cannot be made (then the parse runs in a temporary folder)."""
    folder = root / name
    try:
        _private_folder(root)
        _private_folder(folder)
        fd = os.open(folder / _LOCK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except (OSError, FileRefused):
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    os.utime(fd)  # the slot's last use, for eviction
    return Slot(folder, fd)


def evict(root: Path, keep: int = MAX_SLOTS) -> None:
    """Remove the least recently used slots beyond ``keep`` (never one in use)."""
    try:
        slots = [e for e in os.scandir(root) if e.is_dir(follow_symlinks=False)]
    except OSError:
        return
    used = []
    for entry in slots:
        try:
            used.append((os.stat(Path(entry.path) / _LOCK).st_mtime_ns, entry.path))
        except OSError:
            used.append((0, entry.path))
    for _, path in sorted(used, reverse=True)[keep:]:
        slot = claim(root, os.path.basename(path))
        if slot is None:
            continue
        try:
            shutil.rmtree(path, ignore_errors=True)
        finally:
            slot.release()


def _private_folder(folder: Path) -> None:
    """``folder`` exists, is a real folder (not a symlink) and only its owner may use it."""
    with contextlib.suppress(FileExistsError):
        folder.mkdir(mode=0o700, parents=True)
    if folder.is_symlink() or not folder.is_dir():
        raise FileRefused(folder, "floe's cache folder is a symlink or not a folder")
