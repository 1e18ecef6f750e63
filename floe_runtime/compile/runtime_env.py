"""The environment a bundle was compiled for, as the user's own code must see it at run time.

floe.yaml picks the environment's values (``environments/prod.env``: ``DBT_TARGET=prod``) and the
bundle records each variable it used. The project's Python code reads the same variables from
the process (the demo's ``warehouse.py`` picks its DuckDB file by ``DBT_TARGET``), and a deployment
sets only ``FLOE_ARTIFACTS``: without this, prod's dbt runs the bundle's target while the
Python assets fall back to their dev default. So the runtime exports the bundle's values to the
process before it imports any user code, and refuses a process that already says otherwise.
"""

from __future__ import annotations

from collections.abc import Mapping

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base.output import printable
from floe_runtime.base.secrets import literal_secret_kind

ENV_VAR = "FLOE_ENV"


def expected(artifact: CompiledArtifact) -> dict[str, str]:
    """Every variable floe.yaml used, with the bundle's value; ``FLOE_ENV``: its environment."""
    values = {name: record.value for name, record in artifact.variables.items()}
    values[ENV_VAR] = artifact.environment
    return values


def mismatches(
    artifact: CompiledArtifact, environ: Mapping[str, str], exported: Mapping[str, str]
) -> list[str]:
    """The variables this process sets to another value than the bundle's, one phrase each;
    a value floe itself exported earlier in this process (another bundle's) is not the user's."""
    found = []
    for name, value in sorted(expected(artifact).items()):
        here = environ.get(name)
        if here is None or here == value or exported.get(name) == here:
            continue
        record = artifact.variables.get(name)
        origin = f" (from {record.source})" if record is not None else ""
        found.append(f"{name} is {_shown(here)} here, {_shown(value)} in the bundle{origin}")
    return found


def mismatch_message(artifact: CompiledArtifact, found: list[str]) -> str:
    """One line: what differs and how to fix it."""
    return (
        f"the process environment disagrees with the bundle compiled for "
        f"{artifact.environment!r}: {'; '.join(found)}. Unset these variables (the runtime sets "
        "every variable floe.yaml used to the bundle's value), or deploy the bundle compiled "
        "for them"
    )


def _shown(value: str) -> str:
    """A value for a message: quoted and printable, never a literal secret."""
    return (
        "a value that looks like a secret" if literal_secret_kind(value) else repr(printable(value))
    )
