"""``floe hook validate|compile FILES``: what the pre-commit hooks run.

pre-commit passes the changed files its ``files:`` pattern matched. Each is traced to the
floe.yaml it belongs to, so the same config is checked once however many of its files changed:

- a ``floe.yaml``/``floe.yml`` is itself;
- an ``environments/<env>.env`` file belongs to the floe.yaml beside its folder (``prod.env``
  losing a variable is caught);
- a Python file (an asset module) belongs to the nearest floe.yaml in its folder or above;
- a ``.sql`` or YAML file inside a dbt project (a folder with ``dbt_project.yml`` at or above
  it) belongs to the nearest floe.yaml at or above that project; other YAML files to none.

The walk up is bounded and stops at the repository root. Both checks run offline with only the
base install: no Dagster, and no dbt unless ``args: [--dbt-parse]`` asks for it (then the
``dbt`` on PATH parses, incrementally, in floe's cache). ``--strict`` (``args: [--strict]``)
makes warnings fail the hook.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import click

from floe_runtime.cli import compile as compile_cli
from floe_runtime.cli import edge
from floe_runtime.cli import validate as validate_cli

CONFIG_NAMES = ("floe.yaml", "floe.yml")
DBT_SUFFIXES = (".sql", ".yml", ".yaml")
MAX_LEVELS = 32


def _config_in(folder: Path) -> Path | None:
    for name in CONFIG_NAMES:
        config = folder / name
        if config.is_file():
            return config
    return None


def _owner(file: Path) -> Path | None:
    """The floe.yaml a changed asset module or dbt file belongs to, if any."""
    in_dbt = file.suffix not in DBT_SUFFIXES  # Python: any floe.yaml above will do
    for level, folder in enumerate(file.parents):
        if level >= MAX_LEVELS:
            return None
        in_dbt = in_dbt or (folder / "dbt_project.yml").is_file()
        config = _config_in(folder)
        if config is not None:
            return config if in_dbt else None
        if (folder / ".git").exists():
            return None
    return None


def configs_for(files: tuple[Path, ...]) -> list[Path]:
    """The floe.yaml files the changed ``files`` belong to, each once, in a stable order."""
    found: dict[Path, None] = {}
    for file in files:
        if file.name in CONFIG_NAMES:
            found[file] = None
            continue
        if file.suffix == ".env":
            config = _config_in(file.parent.parent) if file.parent.name == "environments" else None
        elif file.suffix == ".py" or file.suffix in DBT_SUFFIXES:
            config = _owner(file)
        else:
            config = None
        if config is not None:
            found[config] = None
    return sorted(found)


@dataclass(frozen=True)
class HookArgs:
    """``floe hook``'s options, parsed."""

    check: str
    files: tuple[Path, ...]
    strict: bool = False
    dbt_parse: bool = False


@click.command("hook", hidden=True)
@click.argument("check", type=click.Choice(["validate", "compile"]))
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--dbt-parse", is_flag=True, help="compile: run `dbt parse` (needs dbt on PATH).")
def hook(check: str, files: tuple[Path, ...], strict: bool, dbt_parse: bool) -> int:
    """Run one pre-commit check on the floe.yaml files behind FILES."""
    return execute(HookArgs(check, files, strict, dbt_parse))


def execute(args: HookArgs) -> int:
    """``validate`` once over every config, or ``compile --all-envs --check`` per config (each
    reported and mapped to its exit code on its own, so one failing config does not hide the
    others); the worst exit code."""
    configs = configs_for(args.files)
    if args.check == "validate":
        if not configs:
            return 0
        checked = validate_cli.ValidateArgs(paths=tuple(configs), strict=args.strict)
        return edge.exit_code(partial(validate_cli.execute, checked))
    each = [
        compile_cli.CompileArgs(
            path=config, all_envs=True, check=True, dbt_parse=args.dbt_parse, strict=args.strict
        )
        for config in configs
    ]
    codes = [edge.exit_code(partial(compile_cli.execute, compiled)) for compiled in each]
    return max(codes, default=0)
