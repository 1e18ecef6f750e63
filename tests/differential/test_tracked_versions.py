"""The ports mirror one range of Dagster releases: leaving it must be a deliberate upgrade."""

from __future__ import annotations

from importlib.metadata import version

import pytest

from floe_runtime.ports.constants import TRACKED_DAGSTER, TRACKED_DAGSTER_DBT

pytestmark = pytest.mark.differential


def _release(text: str) -> tuple[int, ...]:
    return tuple(int(part) for part in text.split(".")[:2])


@pytest.mark.parametrize(
    ("distribution", "tracked"),
    [("dagster", TRACKED_DAGSTER), ("dagster-dbt", TRACKED_DAGSTER_DBT)],
)
def test_installed_version_is_the_one_the_ports_mirror(
    distribution: str, tracked: tuple[str, str]
) -> None:
    low, high = (_release(bound) for bound in tracked)
    installed = _release(version(distribution))
    assert low <= installed < high, (
        f"{distribution} {version(distribution)} is outside {tracked[0]} <= v < {tracked[1]}: "
        "re-run tests/differential against it, then move floe_runtime.ports.constants"
    )
