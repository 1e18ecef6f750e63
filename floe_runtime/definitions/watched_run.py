"""The run a run_status sensor watched, as its job's function receives it.

An ops job's ``target_function`` that has a parameter named ``run`` is handed one of these
when a run_status sensor requested the run (``None`` when the job was launched otherwise), so an
alert can say which run reached the status and why. Plain data, no Dagster: a project may import
it for its annotations (``from floe_runtime import WatchedRun``) at no cost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

WATCHED_RUN_TAG = "floe/watched_run"
"""Tag on a run a run_status sensor requested: the run id it watched."""
PARAMETER = "run"
"""The parameter name an ops job's function asks for the watched run by."""
FAILURE_LIMIT = 4000
"""Characters of failure message kept: enough for an alert, never a whole log."""


@dataclass(frozen=True)
class WatchedRun:
    """One watched run (an attempt; ``root_run_id`` names the run its retries started from)."""

    run_id: str
    job_name: str
    status: str
    """Dagster's run status name: ``SUCCESS``, ``FAILURE``, ``CANCELED``…"""
    partition: str | None
    failure: str | None
    """Why it failed: each failed step's error (``step: Error: message``), else the run's own
    failure message; ``None`` for a run that did not fail."""
    root_run_id: str
    tags: Mapping[str, str] = field(default_factory=dict)
