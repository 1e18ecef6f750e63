"""The environment ``dbt parse`` runs with: what dbt needs, never the whole process environment.

A pull request's dbt project can read any variable it is given (``{{ env_var('GITHUB_TOKEN') }}``
in a model's tags) and dbt writes the result into the manifest floe bundles. So the child gets
only: the system basics (PATH, HOME, user, locale, time zone, temp folder), dbt's own
non-secret ``DBT_*`` settings, and the variables that ``profiles.yml`` and ``dbt_project.yml``
name with ``env_var('NAME')``. A named variable whose name says it holds a secret (a password,
a token) gets a placeholder instead of its value: ``dbt parse`` renders the profile but never
connects, so the real credential is not needed there.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path
from typing import Final

from floe_runtime.base import files
from floe_runtime.base.secrets import is_secret_name

PLACEHOLDER: Final = "floe-dbt-parse-placeholder"
_SYSTEM: Final = frozenset(
    {"PATH", "HOME", "USER", "LOGNAME", "LANG", "LANGUAGE", "TZ", "TMPDIR", "TMP", "TEMP"}
)
_ENV_VAR: Final = re.compile(r"""env_var\(\s*['"]([A-Za-z_][A-Za-z0-9_]{0,255})['"]""")
_CONFIG_FILES: Final = ("profiles.yml", "dbt_project.yml")


def named_variables(project_dir: Path, profiles_dir: Path) -> set[str]:
    """The variables dbt's configuration reads with ``env_var('NAME')``, written literally."""
    names: set[str] = set()
    for folder, name in ((profiles_dir, "profiles.yml"), (project_dir, "dbt_project.yml")):
        path = folder / name
        if not path.exists():
            continue  # dbt itself says what is missing
        names.update(_ENV_VAR.findall(files.read_text(path, files.CONFIG_LIMIT, name)))
    return names


def child_environment(
    process_env: Mapping[str, str], named: set[str], extra: Mapping[str, str]
) -> dict[str, str]:
    """The variables ``dbt parse`` sees (``extra``: floe's own settings for the run)."""
    env = {
        name: value
        for name, value in process_env.items()
        if name in _SYSTEM
        or name.startswith("LC_")
        or (name.startswith("DBT_") and not is_secret_name(name))
    }
    for name in sorted(named & process_env.keys()):
        env[name] = PLACEHOLDER if is_secret_name(name) else process_env[name]
    return env | dict(extra)
