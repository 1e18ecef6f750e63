"""Environments: ``environments/<env>.env`` beside floe.yaml, and where a variable's value wins.

Precedence, highest first: ``FLOE_ENV`` (the environment's own name), ``--var K=V``, the process
environment, ``environments/<env>.env``, then the ``${VAR:default}`` written in floe.yaml.
Env files hold non-secret values only: a secret-named variable there is an error that names the
variable and never its value.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from floe_runtime.base import files
from floe_runtime.base.diagnostics import Diagnostic, Position, did_you_mean, known_list
from floe_runtime.base.errors import FloeError
from floe_runtime.base.secrets import PLATFORM_HINT, is_secret_name, literal_secret_kind
from floe_runtime.spec.interpolation import Layer

ENV_DIR = "environments"
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_ENV_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class EnvFile:
    name: str
    display: str
    values: Mapping[str, str]


def discover(project_dir: Path) -> dict[str, Path]:
    """Every declared environment: one ``environments/<env>.env`` file each.

    A folder floe cannot list, or a ``.env`` file whose name is not an environment name (a
    newline, a space), is an error: guessing would compile the wrong set of environments."""
    folder = project_dir / ENV_DIR
    if not folder.is_dir():
        return {}
    try:
        names = sorted(entry.name for entry in os.scandir(folder))
    except OSError as exc:
        raise FloeError(f"{folder}: cannot list the environments: {exc.strerror}") from None
    found = {}
    for name in names:
        stem, suffix = name[: -len(".env")], name[-len(".env") :]
        if suffix != ".env" or not (folder / name).is_file():
            continue
        if not _ENV_NAME.fullmatch(stem):
            raise FloeError(
                f"{folder}: {name!r} does not name an environment; rename it to <env>.env "
                "(letters, digits, _ . and -, starting with a letter, digit or _)"
            )
        found[stem] = folder / name
    return found


def parse_env_file(text: str, display: str) -> tuple[dict[str, str], list[Diagnostic]]:
    """Parse dotenv lines (``KEY=value``, ``export KEY=value``, quotes, ``#`` comments)."""
    values: dict[str, str] = {}
    problems: list[Diagnostic] = []
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        match = _LINE.match(line)
        if match is None:
            problems.append(
                Diagnostic(
                    "expected KEY=value",
                    display,
                    Position(number, 1),
                    hint="one variable per line; names are letters, digits and _",
                    code="env-file",
                )
            )
            continue
        name, raw = match.groups()
        position = Position(number, line.index(name) + 1)
        if is_secret_name(name):
            problems.append(
                Diagnostic(
                    f"{name} looks like a secret; environment files hold non-secret values only",
                    display,
                    position,
                    hint=PLATFORM_HINT,
                    code="secret",
                )
            )
            continue
        value = _unquote(raw)
        kind = literal_secret_kind(value)
        if kind is not None:
            problems.append(
                Diagnostic(
                    f"the value of {name} looks like {kind}",
                    display,
                    position,
                    hint=PLATFORM_HINT,
                    code="secret",
                )
            )
            continue
        values[name] = value
    return values, problems


def _unquote(raw: str) -> str:
    if len(raw) >= 2 and raw[0] == raw[-1] and raw[0] in "\"'":
        inner = raw[1:-1]
        return inner.replace('\\"', '"').replace("\\n", "\n") if raw[0] == '"' else inner
    comment = re.search(r"\s+#", raw)
    return raw[: comment.start()] if comment else raw


def load_env_file(
    project_dir: Path, env: str, display_dir: str
) -> tuple[EnvFile | None, list[Diagnostic]]:
    """Read ``environments/<env>.env``; an unknown environment lists the known ones."""
    path = project_dir / ENV_DIR / f"{env}.env"
    display = f"{display_dir}{ENV_DIR}/{env}.env"
    if not (_ENV_NAME.fullmatch(env) and path.is_file()):
        known = discover(project_dir)
        listed = f"known environments: {known_list(known)}" if known else "none are declared"
        hint = did_you_mean(env, known) or f"create {display} to declare it"
        return None, [
            Diagnostic(
                f"unknown environment {env!r} ({listed})", display, hint=hint, code="environment"
            )
        ]
    try:
        text = files.read_text(path, files.ENV_FILE_LIMIT, "the environment file", display)
    except files.FileRefused as exc:
        return None, [Diagnostic(exc.reason, display, code=exc.code)]
    values, problems = parse_env_file(text, display)
    return EnvFile(env, display, values), problems


def layers(
    env_file: EnvFile | None, cli_vars: Mapping[str, str], process_env: Mapping[str, str]
) -> list[Layer]:
    """The variable sources in precedence order, highest first."""
    out: list[Layer] = []
    if env_file is not None:
        out.append(Layer("floe", {"FLOE_ENV": env_file.name}))
    out += [Layer("cli", dict(cli_vars)), Layer("process_env", dict(process_env))]
    if env_file is not None:
        out.append(Layer(f"env_file:{ENV_DIR}/{env_file.name}.env", env_file.values))
    return out
