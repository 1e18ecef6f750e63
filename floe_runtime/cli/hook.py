"""``floe hook validate|compile FILES``: what the pre-commit hooks run.

pre-commit passes the changed files it matched: floe.yaml files and ``environments/*.env``
files. A changed environment file is checked through the floe.yaml beside its folder, so the
same config is never checked twice and an env file alone (``prod.env`` losing a variable) is
caught. Both checks run offline with only the base install: no Dagster, no dbt. ``--strict``
(``args: [--strict]`` in .pre-commit-config.yaml) makes warnings fail the hook.
"""

from __future__ import annotations

from pathlib import Path

import click

CONFIG_NAMES = ("floe.yaml", "floe.yml")


def configs_for(files: tuple[Path, ...]) -> list[Path]:
    """The floe.yaml files the changed ``files`` belong to, each once, in a stable order."""
    found: dict[Path, None] = {}
    for file in files:
        if file.name in CONFIG_NAMES:
            found[file] = None
        elif file.suffix == ".env" and file.parent.name == "environments":
            for name in CONFIG_NAMES:
                config = file.parent.parent / name
                if config.is_file():
                    found[config] = None
                    break
    return sorted(found)


@click.command("hook", hidden=True)
@click.argument("check", type=click.Choice(["validate", "compile"]))
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--strict", is_flag=True, help="Treat warnings as errors.")
def hook(check: str, files: tuple[Path, ...], strict: bool) -> int:
    """Run one pre-commit check on the floe.yaml files behind FILES."""
    from floe_runtime.cli.main import run

    configs = configs_for(files)
    flags = ["--strict"] if strict else []
    if check == "validate":
        return run(["validate", *flags, *map(str, configs)]) if configs else 0
    codes = [run(["compile", str(c), "--all-envs", "--check", *flags]) for c in configs]
    return max(codes, default=0)
