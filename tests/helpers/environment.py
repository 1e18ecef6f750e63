"""The environment a service a test starts runs in."""

from __future__ import annotations

import os


def shell_environment() -> dict[str, str]:
    """The environment of a user's fresh shell, for the services a test starts (webserver,
    ``dagster dev``, the deployment): nothing an earlier test or a bundle loaded in this worker
    exported — not floe's, dbt's or Dagster's variables, nor the ones the demo's floe.yaml reads
    (BRONZE_CRON, SCHEDULES_ENABLED, ...). The test's own floe cache is kept."""
    keep = {"PATH", "HOME", "USER", "LANG", "TMPDIR", "TZ", "FLOE_CACHE_DIR"}
    return {k: v for k, v in os.environ.items() if k in keep or k.startswith("LC_")}
