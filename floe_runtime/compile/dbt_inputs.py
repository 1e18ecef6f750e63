"""What ``dbt parse`` reads, as one digest: the same digest means the same manifest.

dbt reads ``dbt_project.yml``, the profile, the package files and the installed packages, and
every file under the project's model, macro, seed, snapshot, test, analysis, function and docs
paths. The digest is over those files' paths (relative to the project) and contents — never
locations or times — so a clean checkout of the same commit elsewhere (the review's base) gets
the same digest. Everything else dbt sees (target, environment, dbt's own version) is added by
the caller. A project floe cannot fingerprint within the bounds (too many files, paths outside
the project, a path setting it does not follow) has no digest: it is parsed every time.
"""

from __future__ import annotations

import hashlib
import os
import stat
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any, Final

import yaml

from floe_runtime.base import files
from floe_runtime.base.errors import FileRefused

FLOE_ENV: Final = b"FLOE_ENV"
MAX_FILES: Final = 100_000
MAX_BYTES: Final = 512 * files.MIB
MAX_DEPTH: Final = 32
_PROJECT_FILES: Final = (
    "dbt_project.yml",
    "packages.yml",
    "package-lock.yml",
    "dependencies.yml",
    "selectors.yml",
    ".dbtignore",
)
# dbt's defaults (dbt/config/project.py); docs-paths defaults to all the others.
_PATH_DEFAULTS: Final = {
    "model-paths": ["models"],
    "macro-paths": ["macros"],
    "seed-paths": ["seeds"],
    "test-paths": ["tests"],
    "analysis-paths": ["analyses"],
    "snapshot-paths": ["snapshots"],
    "function-paths": ["functions"],
}


@dataclass(frozen=True)
class ProjectInputs:
    digest: str | None
    """None: not fingerprinted (the reason is in ``why``); parse every time."""
    names_floe_env: bool
    """Some file dbt reads says ``FLOE_ENV``: each environment then parses on its own."""
    why: str = ""


class _Unfingerprintable(Exception):
    pass


@dataclass
class _Hasher:
    digest: Any  # hashlib's sha256 object
    files: int = 0
    bytes: int = 0
    names_floe_env: bool = False

    def add(self, label: str, path: Path) -> None:
        """One file: its label (where it is, relative) and a hash of its content."""
        self.files += 1
        if self.files > MAX_FILES:
            raise _Unfingerprintable(f"more than {MAX_FILES:,} files")
        try:
            mode = os.stat(path).st_mode
        except OSError:
            self.digest.update(f"missing\0{label}\n".encode())
            return
        if not stat.S_ISREG(mode):  # dbt says what is wrong with it
            self.digest.update(f"special\0{label}\0{stat.S_IFMT(mode)}\n".encode())
            return
        try:
            content = files.read_bytes(path, MAX_BYTES - self.bytes, "a dbt project file")
        except FileRefused as exc:
            raise _Unfingerprintable(exc.reason) from None
        self.bytes += len(content)
        self.names_floe_env = self.names_floe_env or FLOE_ENV in content
        self.digest.update(f"file\0{label}\0{hashlib.sha256(content).hexdigest()}\n".encode())

    def tree(self, label: str, folder: Path, depth: int = 0) -> None:
        """Every file below ``folder`` (followed when it is itself a symlink, as dbt's walk
        does; symlinked folders inside are not followed, as os.walk does not)."""
        if depth > MAX_DEPTH:
            raise _Unfingerprintable(f"folders nested deeper than {MAX_DEPTH}")
        try:
            entries = _entries(folder)
        except NotADirectoryError:
            self.add(label, folder)
            return
        except OSError:
            self.digest.update(f"nofolder\0{label}\n".encode())
            return
        for entry in entries:
            child = f"{label}/{entry.name}"
            if entry.is_dir(follow_symlinks=False):
                self.tree(child, Path(entry.path), depth + 1)
            elif entry.is_symlink() and entry.is_dir():
                self.digest.update(f"dirlink\0{child}\n".encode())
            else:
                self.add(child, Path(entry.path))


def project_inputs(project_dir: Path, profiles_dir: Path) -> ProjectInputs:
    """The digest of what ``dbt parse`` reads from ``project_dir`` and ``profiles_dir``."""
    hasher = _Hasher(hashlib.sha256(b"floe-dbt-inputs-1\n"))
    try:
        hasher.add("profiles/profiles.yml", profiles_dir / "profiles.yml")
        for name in _PROJECT_FILES:
            hasher.add(name, project_dir / name)
        settings = _settings(project_dir)
        for folder in _source_paths(settings):
            hasher.tree(folder, project_dir / folder)
        packages = _relative(settings.get("packages-install-path", "dbt_packages"))
        hasher.digest.update(f"packages\0{packages}\n".encode())
        installed = project_dir / packages
        if installed.is_dir():
            for entry in _entries(installed):
                hasher.tree(f"{packages}/{entry.name}", Path(entry.path))
    except _Unfingerprintable as exc:
        return ProjectInputs(None, hasher.names_floe_env, str(exc))
    except OSError as exc:
        return ProjectInputs(None, hasher.names_floe_env, exc.strerror or str(exc))
    return ProjectInputs(hasher.digest.hexdigest(), hasher.names_floe_env)


def _entries(folder: Path) -> list[os.DirEntry[str]]:
    with os.scandir(folder) as found:
        return sorted(found, key=lambda e: e.name)


def _settings(project_dir: Path) -> dict[str, Any]:
    try:
        text = files.read_text(project_dir / "dbt_project.yml", files.CONFIG_LIMIT, "dbt_project")
        data = yaml.safe_load(text)
    except (FileRefused, yaml.YAMLError):
        raise _Unfingerprintable("dbt_project.yml does not read as YAML") from None
    if not isinstance(data, dict):
        raise _Unfingerprintable("dbt_project.yml is not a mapping")
    return data


def _source_paths(settings: dict[str, Any]) -> list[str]:
    """The folders dbt walks, each once, in a stable order."""
    found: set[str] = set()
    for key, default in _PATH_DEFAULTS.items():
        found.update(_relative(p) for p in _listed(settings.get(key, default), key))
    docs = settings.get("docs-paths")
    if docs is not None:
        found.update(_relative(p) for p in _listed(docs, "docs-paths"))
    return sorted(found)


def _listed(value: object, key: str) -> list[str]:
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return value
    raise _Unfingerprintable(f"{key} is not a list of folder names")


def _relative(value: object) -> str:
    """A plain folder inside the project (dbt strips a trailing ``/``)."""
    if not isinstance(value, str) or not value.strip("/") or "{" in value or "\\" in value:
        raise _Unfingerprintable(f"path setting {value!r} is not a plain folder name")
    path = PurePosixPath(value.rstrip("/"))
    if path.is_absolute() or ".." in path.parts:
        raise _Unfingerprintable(f"path setting {value!r} leaves the project")
    return path.as_posix()
