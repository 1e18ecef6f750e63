"""The project's Dagster code location, found as the ``dagster`` CLI finds it.

``floe backfill run`` must run a job from the definitions the project deploys — with the
resources it passes to ``FloeDefinitions.from_compiled_artifacts(resources=...)`` — not from a
second copy built from the artifact alone. The code location is named as for ``dagster``:
``-f/--python-file`` or ``-m/--module-name``, ``-a/--attribute`` and ``-d/--working-directory``,
and loaded by Dagster's own loader (the one its CLI and gRPC server use), so the object found is
the one ``dagster dev -f`` would serve. While it loads, ``FLOE_ARTIFACTS`` names the bundle the
command was given, so a ``from_compiled_artifacts()`` without a path loads that bundle.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import dagster as dg
from dagster._core.definitions.definitions_load_context import (
    DefinitionsLoadContext,
    DefinitionsLoadType,
)
from dagster._core.definitions.reconstruct import repository_def_from_target_def
from dagster._grpc.utils import get_loadable_targets

from floe_runtime.base.errors import FloeError
from floe_runtime.definitions.errors import CodeLocationError
from floe_runtime.definitions.locate import ARTIFACTS_VAR

_MISSING_RESOURCE = re.compile(r"resource with key '([^']*)' required by (\w+) '([^']*)'")


@dataclass(frozen=True)
class CodeLocation:
    """Where the project's ``Definitions`` are, as the ``dagster`` CLI options name them."""

    python_file: Path | None = None
    module_name: str | None = None
    attribute: str | None = None
    working_directory: Path | None = None

    @property
    def shown(self) -> str:
        where = str(self.python_file) if self.python_file else f"module {self.module_name}"
        return f"{where}:{self.attribute}" if self.attribute else where


def load(location: CodeLocation, artifact: Path) -> dg.RepositoryDefinition:
    """The repository the code location defines (its one ``Definitions`` object, or the
    ``-a`` attribute), loaded with ``FLOE_ARTIFACTS`` set to ``artifact``."""
    working_directory = str(location.working_directory or Path.cwd())
    if location.python_file is not None and not location.python_file.is_file():
        raise CodeLocationError(f"{location.python_file}: no such Python file (-f)")
    DefinitionsLoadContext.set(
        DefinitionsLoadContext(
            load_type=DefinitionsLoadType.INITIALIZATION, repository_load_data=None
        )
    )
    try:
        with _artifact_in_environment(artifact):
            targets = get_loadable_targets(
                python_file=str(location.python_file) if location.python_file else None,
                module_name=location.module_name,
                package_name=None,
                autoload_defs_module_name=None,
                working_directory=working_directory,
                attribute=location.attribute,
                resolve_lazy_defs=True,
            )
            if len(targets) != 1:
                names = ", ".join(sorted(t.attribute for t in targets))
                raise CodeLocationError(
                    f"{location.shown} defines several repositories ({names}); name one with -a"
                )
            repository = repository_def_from_target_def(targets[0].target_definition)
    except FloeError:
        raise  # the runtime's own errors (a missing bundle, drift) already say what to do
    except dg.DagsterInvalidDefinitionError as exc:
        raise _invalid(exc, location) from exc
    except Exception as exc:  # the user's code: any error it raises is theirs, not floe's
        raise CodeLocationError(
            f"cannot load the Dagster code location {location.shown}: "
            f"{type(exc).__name__}: {_first_line(exc)}"
        ) from exc
    if repository is None:
        raise CodeLocationError(
            f"{location.shown} is not a Dagster Definitions object; name the one to use with -a"
        )
    return repository


def resolved(definitions: dg.Definitions) -> dg.RepositoryDefinition:
    """Definitions built from the artifact alone, resolved as Dagster resolves them to run a
    job; a resource the assets require but nobody provides is an error naming it and the fix."""
    try:
        return definitions.get_repository_def()
    except dg.DagsterInvalidDefinitionError as exc:
        raise _invalid(exc, None) from exc


def _invalid(exc: dg.DagsterInvalidDefinitionError, location: CodeLocation | None) -> FloeError:
    missing = _MISSING_RESOURCE.search(str(exc))
    if missing is None:
        return CodeLocationError(f"the Dagster definitions are invalid: {_first_line(exc)}")
    resource, kind, user = missing.groups()
    return CodeLocationError(_missing_resource(resource, f"{kind} {user!r}", location))


def _missing_resource(resource: str, user: str, location: CodeLocation | None) -> str:
    needs = f"{user} requires resource {resource!r}, which is not provided"
    if location is None:
        return (
            f"{needs}: the artifact alone carries no resources. Name the code location that "
            "passes them, as for `dagster`: `floe backfill run NAME -f definitions.py` (or "
            "-m MODULE), where definitions.py calls "
            f"FloeDefinitions.from_compiled_artifacts(resources={{{resource!r}: ...}})"
        )
    return (
        f"{needs} by {location.shown}: pass it to FloeDefinitions.from_compiled_artifacts("
        f"resources={{{resource!r}: ...}}) there"
    )


@contextmanager
def _artifact_in_environment(artifact: Path) -> Iterator[None]:
    previous = os.environ.get(ARTIFACTS_VAR)
    os.environ[ARTIFACTS_VAR] = str(artifact)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(ARTIFACTS_VAR, None)
        else:
            os.environ[ARTIFACTS_VAR] = previous


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else "(no message)"
