"""`floe backfill launch` against a real dagster-webserver and instance on 127.0.0.1."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import dagster as dg

from floe_runtime.artifact.schema import CompiledArtifact
from tests.conftest import REPO, Result
from tests.definitions.webserver import free_port, graphql, webserver

DEFINITIONS = """
import dagster as dg
from tests.definitions.conftest import hand_built

built = hand_built()
defs = dg.Definitions(assets=built["assets"], jobs=list(built["jobs"].values()))
"""

BACKFILL = """
query ($id: String!) {
  partitionBackfillOrError(backfillId: $id) {
    ... on PartitionBackfill {
      status numPartitions partitionNames assetSelection { path } tags { key value }
    }
  }
}
"""


def test_launch_creates_an_asset_backfill_on_a_running_dagster(
    mini: Callable[[str], CompiledArtifact], floe: Callable[..., Result], tmp_path: Path
) -> None:
    mini("prod")
    (tmp_path / "defs.py").write_text(textwrap.dedent(DEFINITIONS))
    home = tmp_path / "dagster_home"
    with webserver(["-f", "defs.py"], home, tmp_path, {"PYTHONPATH": str(REPO)}) as url:
        launched = floe("backfill", "launch", "raw_120", "--url", url, "--env", "prod")
        assert launched.code == 0, launched.err
        assert "120 partitions submitted" in launched.err
        backfill_id = launched.out.strip()
        found = graphql(url, BACKFILL, {"id": backfill_id})["partitionBackfillOrError"]
    assert found["status"] == "REQUESTED"
    assert found["numPartitions"] == 120
    assert found["partitionNames"][0] == "2024-01-01"
    assert found["partitionNames"][-1] == "2024-04-29"
    assert sorted(a["path"] for a in found["assetSelection"]) == [["raw_a"], ["raw_b"]]
    assert {"key": "floe/backfill", "value": "raw_120"} in found["tags"]
    with dg.DagsterInstance.from_config(str(home)) as instance:
        stored = instance.get_backfill(backfill_id)
        assert stored is not None and stored.is_asset_backfill


def test_launch_to_nothing_says_so(
    mini: Callable[[str], CompiledArtifact], floe: Callable[..., Result]
) -> None:
    mini("prod")
    url = f"http://127.0.0.1:{free_port()}"
    refused = floe("backfill", "launch", "raw_120", "--url", url, "--env", "prod")
    assert refused.code == 1
    assert f"cannot reach Dagster at {url}" in refused.err
    assert "is the webserver running?" in refused.err
