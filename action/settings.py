"""The Action's inputs, read from the FLOE_* variables action.yml sets, and the output folder.

Every input arrives through ``env:`` (never ``${{ }}`` inside a shell line). The output folder
is the runner's temporary folder by default, outside the checkout: a pull request controls
every file of the checkout, so a folder there may be a symlink it committed. A folder that is
a symlink, sits below one inside the workspace, or holds files git tracks is refused; the path
is made absolute without resolving symlinks (resolving first would hide the one to refuse).
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from action.errors import InputError
from floe_runtime.base.output import printable

OUTPUT_FOLDER = "floe-output"


@dataclass(frozen=True)
class Settings:
    configs: list[str]
    environments: list[str]
    output_dir: Path
    comment: str
    base_ref: str
    mode: str
    fail_on_invalid: bool
    fail_on_diff: bool
    upload: bool
    dbt_parse: bool
    allow_pull_request_target: bool
    strict: bool
    event: str
    repository: str
    pr_number: str
    head_sha: str
    head_repository: str  # workflow_run: where the run's head lives (a fork's full name)
    head_branch: str
    token: str

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> Settings:
        def flag(name: str, default: str) -> bool:
            value = env.get(name, default).strip().lower()
            if value not in ("true", "false"):
                raise InputError(f"{_input(name)} must be true or false, not {printable(value)}")
            return value == "true"

        def choice(name: str, default: str, allowed: tuple[str, ...]) -> str:
            value = env.get(name, default).strip() or default
            if value not in allowed:
                choices = ", ".join(allowed)
                raise InputError(f"{_input(name)} must be one of {choices}, not {printable(value)}")
            return value

        return cls(
            configs=env.get("FLOE_CONFIG", "floe.yaml").split() or ["floe.yaml"],
            environments=env.get("FLOE_ENVIRONMENTS", "").replace(",", " ").split(),
            output_dir=output_folder(env.get("FLOE_OUTPUT_DIR", ""), env),
            comment=choice("FLOE_COMMENT", "auto", ("auto", "always", "never")),
            base_ref=env.get("FLOE_BASE_REF", "").strip(),
            mode=choice("FLOE_MODE", "all", ("all", "compute", "publish")),
            fail_on_invalid=flag("FLOE_FAIL_ON_INVALID", "true"),
            fail_on_diff=flag("FLOE_FAIL_ON_DIFF", "false"),
            upload=flag("FLOE_UPLOAD", "true"),
            dbt_parse=flag("FLOE_DBT_PARSE", "true"),
            allow_pull_request_target=flag("FLOE_ALLOW_PULL_REQUEST_TARGET", "false"),
            strict=flag("FLOE_STRICT", "false"),
            event=env.get("FLOE_EVENT_NAME", ""),
            repository=env.get("FLOE_REPOSITORY", ""),
            pr_number=env.get("FLOE_PR_NUMBER", "").strip(),
            head_sha=env.get("FLOE_HEAD_SHA", "").strip(),
            head_repository=env.get("FLOE_HEAD_REPOSITORY", "").strip(),
            head_branch=env.get("FLOE_HEAD_BRANCH", ""),
            token=env.get("FLOE_TOKEN", ""),
        )


def _input(variable: str) -> str:
    """``FLOE_FAIL_ON_DIFF`` -> ``fail-on-diff``, the input's name in action.yml."""
    return variable.removeprefix("FLOE_").lower().replace("_", "-")


def output_folder(raw: str, env: Mapping[str, str], workspace: Path | None = None) -> Path:
    """The absolute output folder, checked before anything is written to it."""
    raw = raw.strip()
    if not raw:
        temp = env.get("RUNNER_TEMP") or tempfile.mkdtemp(prefix="floe-action-")
        raw = os.path.join(temp, OUTPUT_FOLDER)
    if printable(raw) != raw:
        raise InputError(f"output-dir {printable(raw)} holds control characters")
    root = Path(os.path.abspath(workspace or Path.cwd()))
    folder = Path(os.path.abspath(raw))  # normalised, symlinks NOT followed
    if folder.is_symlink():
        raise InputError(f"output-dir {printable(raw)} is a symlink; floe never writes through one")
    if folder == root or root in folder.parents:
        inside = folder.relative_to(root)
        for depth in range(1, len(inside.parts) + 1):
            if (root / Path(*inside.parts[:depth])).is_symlink():
                raise InputError(
                    f"output-dir {printable(raw)} lies below a symlink of the checkout; "
                    "leave output-dir empty (the runner's temporary folder)"
                )
        if _tracked(root, inside):
            raise InputError(
                f"output-dir {printable(raw)} holds files tracked by git (the pull request's "
                "files); leave output-dir empty (the runner's temporary folder)"
            )
    return folder


def _tracked(root: Path, inside: Path) -> bool:
    """Whether git tracks any file at or below ``inside`` of the work tree ``root``."""
    try:
        proc = subprocess.run(
            ["git", "-C", str(root), "ls-files", "-z", "--", inside.as_posix() or "."],
            capture_output=True,
            timeout=60,
            check=False,
        )
    except OSError:
        return False  # no git: a checkout without history, where nothing is tracked
    except subprocess.TimeoutExpired:
        raise InputError("output-dir: git ls-files did not answer within 60 s") from None
    return proc.returncode == 0 and bool(proc.stdout)
