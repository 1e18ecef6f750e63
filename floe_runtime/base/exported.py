"""The variables the runtime exported to this process from a bundle, as opposed to the user's.

The runtime sets the bundle's variables in ``os.environ`` for the user's code
(``compile.runtime_env``). A later compile or load in the same process (``dagster dev``
reloading, a test session, ``floe backfill run`` after a load) must not take those values for
the user's own: the process environment outranks the env files.
"""

from __future__ import annotations

from collections.abc import Mapping

EXPORTED: dict[str, str] = {}


def users_own(environ: Mapping[str, str]) -> dict[str, str]:
    """``environ`` without the values floe exported (a value the user set since is kept)."""
    return {name: value for name, value in environ.items() if EXPORTED.get(name) != value}
