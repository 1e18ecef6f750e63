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
from floe_runtime.base.errors import FileRefused, FloeError
from floe_runtime.base.exported import users_own
from floe_runtime.base.secrets import PLATFORM_HINT, is_secret_name, literal_secret_kind
from floe_runtime.spec.errors import EnvironmentChoiceError
from floe_runtime.spec.interpolation import Layer

ENV_DIR = "environments"
_LINE = re.compile(r"^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$")
_ENV_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.-]*$")


@dataclass(frozen=True)
class EnvFile:
    name: str
    display: str
    values: Mapping[str, str]


DEFAULT_ENVIRONMENT = "default"
"""The one environment of a project without ``environments/``: process env and defaults."""


def select(floe_yaml: Path, *, name: str | None = None, every: bool = False) -> list[str]:
    """The environments a command works on: ``name``, or every declared one (``every``, or when
    the project declares at most one); a project without ``environments/`` has ``default``.
    The one place that decides, so every command chooses the same way."""
    if name is not None and every:
        raise EnvironmentChoiceError("use --env NAME or --all-envs, not both")
    if name is not None:
        return [name]
    declared = sorted(discover(floe_yaml.parent)) if floe_yaml.is_file() else []
    if not every and len(declared) > 1:
        raise EnvironmentChoiceError(
            f"choose an environment with --env ({', '.join(declared)})", declared
        )
    return declared or [DEFAULT_ENVIRONMENT]


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
    """Read the subset of dotenv that means the same in every dotenv reader; refuse the rest.

    - blank lines and lines starting with ``#`` are skipped;
    - ``KEY=value`` or ``export KEY=value``; KEY is letters, digits and ``_``, not starting
      with a digit; spaces around ``=`` and around the value are ignored;
    - unquoted values end at `` #`` (a comment);
    - ``'single quoted'`` values are taken literally;
    - ``"double quoted"`` values know the escapes ``\\n`` ``\\t`` ``\\"`` and ``\\\\``;
    - a quoted value closes on its own line, and only a comment may follow it;
    - values are never expanded: ``${OTHER}`` stays as written.

    Anything else (multi-line values, other escapes, text after a closing quote) is an error
    naming the line, instead of a value that python-dotenv, docker and a shell would each read
    differently.
    """
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
        value, problem = _value(raw)
        if problem is not None:
            column = line.index(raw) + 1 if raw else position.col
            problems.append(Diagnostic(problem, display, Position(number, column), code="env-file"))
            continue
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


_ESCAPES = {"n": "\n", "t": "\t", '"': '"', "\\": "\\"}


def _value(raw: str) -> tuple[str, str | None]:
    """The value written after ``=``, or an error message."""
    if not raw or raw[0] not in "\"'":
        comment = re.search(r"\s+#", raw)
        return (raw[: comment.start()] if comment else raw), None
    quote, out, index = raw[0], [], 1
    while index < len(raw) and raw[index] != quote:
        char = raw[index]
        if quote == '"' and char == "\\":
            escaped = raw[index + 1 : index + 2]
            if escaped not in _ESCAPES:
                return "", (
                    f"unknown escape '\\{escaped}' in a double-quoted value "
                    '(floe reads \\n \\t \\" and \\\\)'
                )
            out.append(_ESCAPES[escaped])
            index += 2
            continue
        out.append(char)
        index += 1
    if index >= len(raw):
        return "", f"the {quote} quote is not closed on this line (multi-line values are not read)"
    rest = raw[index + 1 :].strip()
    if rest and not rest.startswith("#"):
        return "", f"unexpected text after the closing {quote} quote"
    return "".join(out), None


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
    except FileRefused as exc:
        return None, [Diagnostic(exc.reason, display, code=exc.code)]
    values, problems = parse_env_file(text, display)
    return EnvFile(env, display, values), problems


def layers(
    env_file: EnvFile | None, cli_vars: Mapping[str, str], process_env: Mapping[str, str]
) -> list[Layer]:
    """The variable sources in precedence order, highest first (the process environment
    without what the runtime exported from a bundle)."""
    out: list[Layer] = []
    if env_file is not None:
        out.append(Layer("floe", {"FLOE_ENV": env_file.name}))
    out += [Layer("cli", dict(cli_vars)), Layer("process_env", users_own(process_env))]
    if env_file is not None:
        out.append(Layer(f"env_file:{ENV_DIR}/{env_file.name}.env", env_file.values))
    return out
