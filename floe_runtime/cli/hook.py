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

from pathlib import Path

import click

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


@click.command("hook", hidden=True)
@click.argument("check", type=click.Choice(["validate", "compile"]))
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
@click.option("--dbt-parse", is_flag=True, help="compile: run `dbt parse` (needs dbt on PATH).")
def hook(check: str, files: tuple[Path, ...], strict: bool, dbt_parse: bool) -> int:
    """Run one pre-commit check on the floe.yaml files behind FILES."""
    from floe_runtime.cli.main import run

    configs = configs_for(files)
    flags = ["--strict"] if strict else []
    if check == "validate":
        return run(["validate", *flags, *map(str, configs)]) if configs else 0
    flags += ["--dbt-parse"] if dbt_parse else []
    codes = [run(["compile", str(c), "--all-envs", "--check", *flags]) for c in configs]
    return max(codes, default=0)
