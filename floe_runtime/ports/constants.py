"""Names Dagster itself fixes, and the upstream versions the ports in this package mirror.

The ports are exact copies of Dagster's rules for one range of versions; a test fails when the
installed Dagster leaves that range, so an upgrade is a deliberate act that re-runs the
differential tests, not a silent drift.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final

KIND_TAG_PREFIX: Final = "dagster/kind/"
"""``kind:x`` in a selection is the presence of the tag ``dagster/kind/x``."""


def kinds(tags: Iterable[str]) -> set[str]:
    """The kinds a set of tag keys gives an asset (``dagster/kind/dbt`` → ``dbt``)."""
    return {t.removeprefix(KIND_TAG_PREFIX) for t in tags if t.startswith(KIND_TAG_PREFIX)}


DEFAULT_GROUP: Final = "default"
"""Dagster puts every asset without a group name into this group."""

TRACKED_DAGSTER: Final = ("1.13", "1.14")
"""Dagster versions (``>=`` first, ``<`` second) whose rules the ports mirror."""

TRACKED_DAGSTER_DBT: Final = ("0.29", "0.30")
"""dagster-dbt versions whose manifest reading ``dbt_manifest`` mirrors."""
