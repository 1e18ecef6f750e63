"""``floe backfill run|launch NAME``: the named backfills of floe.yaml, with one command.

``run`` executes in this process on the Dagster instance in ``$DAGSTER_HOME`` (so the runs show
in the Dagster UI), batch by batch, and resumes after Ctrl-C / SIGTERM. ``launch`` submits to a
running Dagster webserver. Dagster is imported inside the commands only.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import click

ARTIFACTS = click.option(
    "--artifacts",
    type=click.Path(path_type=Path),
    help="compiled_artifacts.json or its bundle folder (default: dist/floe/ENV/).",
)
ENVIRONMENT = click.option(
    "--env", "environment", envvar="FLOE_ENV", help="The environment's bundle [env: FLOE_ENV]."
)


def code_location_options(command: Callable[..., Any]) -> Callable[..., Any]:
    """The ``dagster`` CLI's options naming a code location, with its names and letters."""
    options = [
        click.option(
            "-f",
            "--python-file",
            type=click.Path(dir_okay=False, path_type=Path),
            help="The project's Dagster definitions file (its resources are used).",
        ),
        click.option(
            "-m", "--module-name", help="The module holding the project's Dagster definitions."
        ),
        click.option(
            "-a", "--attribute", help="The Definitions object in it (when there are several)."
        ),
        click.option(
            "-d",
            "--working-directory",
            type=click.Path(file_okay=False, path_type=Path),
            help="Folder to import the code location from (default: the current folder).",
        ),
    ]
    for option in reversed(options):
        command = option(command)
    return command


@dataclass(frozen=True)
class RunArgs:
    """``floe backfill run``'s options, parsed."""

    name: str
    environment: str | None = None
    artifacts: Path | None = None
    dagster_home: Path | None = None
    restart: bool = False
    python_file: Path | None = None
    module_name: str | None = None
    attribute: str | None = None
    working_directory: Path | None = None


@dataclass(frozen=True)
class LaunchArgs:
    """``floe backfill launch``'s options, parsed."""

    name: str
    url: str
    environment: str | None = None
    artifacts: Path | None = None


@click.group()
def backfill() -> None:
    """Run or launch the named backfills of floe.yaml."""


@backfill.command("run")
@click.argument("name")
@ENVIRONMENT
@ARTIFACTS
@click.option(
    "--dagster-home",
    type=click.Path(file_okay=False, path_type=Path),
    envvar="DAGSTER_HOME",
    help="Dagster instance folder that records the runs and the progress [env: DAGSTER_HOME].",
)
@click.option("--restart", is_flag=True, help="Forget an interrupted attempt and start over.")
@code_location_options
def run_command(
    name: str,
    environment: str | None,
    artifacts: Path | None,
    dagster_home: Path | None,
    restart: bool,
    python_file: Path | None,
    module_name: str | None,
    attribute: str | None,
    working_directory: Path | None,
) -> int:
    """Run backfill NAME here, batch_size partitions per run; run again to resume.

    The job runs from the project's Dagster definitions (-f FILE or -m MODULE, as for
    `dagster`), so their resources are used; without them, from the artifact alone."""
    return execute_run(
        RunArgs(
            name=name,
            environment=environment,
            artifacts=artifacts,
            dagster_home=dagster_home,
            restart=restart,
            python_file=python_file,
            module_name=module_name,
            attribute=attribute,
            working_directory=working_directory,
        )
    )


@backfill.command("launch")
@click.argument("name")
@click.option("--url", required=True, help="The Dagster webserver, e.g. http://127.0.0.1:3000.")
@ENVIRONMENT
@ARTIFACTS
def launch_command(name: str, url: str, environment: str | None, artifacts: Path | None) -> int:
    """Submit backfill NAME to a running Dagster and print its backfill id."""
    return execute_launch(LaunchArgs(name, url, environment, artifacts))


def execute_run(args: RunArgs) -> int:
    """Check the options that go together, then :func:`run_backfill`."""
    if args.dagster_home is None:
        raise click.UsageError(
            "set DAGSTER_HOME (or --dagster-home) to the Dagster instance folder: it records "
            "the runs and the backfill's progress, so an interrupted backfill can resume"
        )
    if args.python_file is not None and args.module_name is not None:
        raise click.UsageError("name the code location once: -f/--python-file or -m/--module-name")
    if args.attribute is not None and args.python_file is None and args.module_name is None:
        raise click.UsageError("-a/--attribute names an object in -f FILE or -m MODULE")
    load: Callable[[Path], Any] | None = None
    if args.python_file is not None or args.module_name is not None:
        from floe_runtime.definitions import code_location

        location = code_location.CodeLocation(
            args.python_file, args.module_name, args.attribute, args.working_directory
        )
        load = partial(_load_code_location, location)
    artifact = _artifact_path(args.environment, args.artifacts)
    return run_backfill(args.name, artifact, args.dagster_home, args.restart, load)


def execute_launch(args: LaunchArgs) -> int:
    """Submit the backfill; its id on stdout."""
    from floe_runtime.definitions.backfill_launch import launch

    artifact = _read(_artifact_path(args.environment, args.artifacts))
    backfill_id, partitions = launch(args.url, artifact, args.name)
    click.echo(f"floe: backfill {args.name}: {partitions} partitions submitted", err=True)
    click.echo(backfill_id)
    return 0


def run_backfill(
    name: str,
    artifact_path: Path,
    dagster_home: Path,
    restart: bool,
    load: Callable[[Path], Any] | None = None,
) -> int:
    """The ``run`` command once its options are read; ``load`` builds the Dagster definitions
    from the artifact path (default: ``FloeDefinitions.from_compiled_artifacts`` alone)."""
    from floe_runtime.definitions import backfill_plan, backfills

    artifact = _read(artifact_path)
    backfill_plan.target(artifact, name)  # a wrong name fails before the project loads
    defs = (load or _load)(artifact_path)
    with backfills.instance_at(dagster_home) as instance:
        plan = backfills.prepare(defs, artifact, name, instance=instance, restart=restart)
        click.echo(
            f"floe: backfill {name}: {plan.partitions} partitions of job "
            f"{plan.job.name} in {plan.total} runs"
            + (f", resuming after {plan.finished} finished" if plan.finished else ""),
            err=True,
        )
        with _stop_on_signals() as stopped, _progress(name, plan) as report:
            complete = backfills.execute(plan, instance=instance, report=report, stop=stopped)
    if not complete:
        click.echo(
            f"floe: backfill {name}: interrupted; finished batches are kept — run the same "
            "command again to resume",
            err=True,
        )
        return 130
    click.echo(f"floe: backfill {name}: done ({plan.total} runs, {plan.partitions} partitions)")
    return 0


def _artifact_path(environment: str | None, artifacts: Path | None) -> Path:
    """The artifact file, found as the runtime finds it (``dist/floe/ENV/``, a bundle folder or
    a file)."""
    if artifacts is None and environment is None:
        raise click.UsageError("name the bundle: --env ENV (dist/floe/ENV/) or --artifacts PATH")
    from floe_runtime.definitions import locate

    env = {locate.ENV_VAR: environment} if environment is not None else {}
    return locate.artifact_path(artifacts, env, Path.cwd())


def _read(path: Path) -> Any:
    """The artifact at ``path``: the file, or a bundle folder holding it."""
    from floe_runtime.artifact import store
    from floe_runtime.definitions import locate

    return store.read(locate.artifact_path(path, {}, Path.cwd()))


def _load(path: Path) -> Any:
    """The artifact alone: no resources but the ones Dagster provides by default."""
    from floe_runtime.definitions import code_location
    from floe_runtime.definitions.loader import FloeDefinitions

    return code_location.resolved(FloeDefinitions.from_compiled_artifacts(path))


def _load_code_location(location: Any, path: Path) -> Any:
    from floe_runtime.definitions import code_location

    return code_location.load(location, path)


@contextmanager
def _stop_on_signals() -> Iterator[Callable[[], bool]]:
    """Ctrl-C or SIGTERM between runs stops before the next batch (inside a run, Dagster
    interrupts the run itself)."""
    from floe_runtime.base.children import signals_handled

    received: list[int] = []
    with signals_handled(lambda signum, _frame: received.append(signum)):
        yield lambda: bool(received)


@contextmanager
def _progress(name: str, plan: Any) -> Iterator[Callable[[Any], None]]:
    """A progress bar on a terminal, one line per batch otherwise (CI logs, pipes)."""
    if not sys.stderr.isatty():

        def line(progress: Any) -> None:
            click.echo(
                f"floe: backfill {name}: batch {progress.batch}/{progress.batches} done "
                f"({progress.keys[0]} … {progress.keys[-1]}, run {progress.run_id})",
                err=True,
            )

        yield line
        return
    with click.progressbar(
        length=plan.total, label=f"backfill {name}", show_pos=True, file=sys.stderr
    ) as bar:
        bar.update(plan.finished)
        yield lambda _progress: bar.update(1)
