"""Submit a named backfill to a running Dagster webserver (GraphQL ``launchPartitionBackfill``).

It is submitted as an *asset* backfill over the job's reviewed asset list, so Dagster's backfill
daemon splits it into runs by each asset's backfill policy (floe.yaml ``backfill_policy``), as a
backfill launched from the UI would be. The partition keys are the server's own (its deployed
code and, for dynamic partitions, its instance); the artifact's range selects among them.
Plain HTTP from the standard library: launching needs no Dagster in this process.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import urlsplit

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.definitions import backfill_plan
from floe_runtime.definitions.errors import BackfillError

TIMEOUT_SECONDS = 60
MAX_RESPONSE_BYTES = 64 * 1024 * 1024

PARTITION_KEYS = """
query FloePartitionKeys($key: AssetKeyInput!) {
  assetNodeOrError(assetKey: $key) {
    __typename
    ... on AssetNode { partitionKeys }
    ... on Error { message }
  }
}
"""

LAUNCH = """
mutation FloeLaunchBackfill($params: LaunchBackfillParams!) {
  launchPartitionBackfill(backfillParams: $params) {
    __typename
    ... on LaunchBackfillSuccess { backfillId }
    ... on Error { message }
  }
}
"""


def launch(url: str, artifact: CompiledArtifact, name: str) -> tuple[str, int]:
    """Submit backfill ``name``; return Dagster's backfill id and the number of partitions."""
    target = backfill_plan.target(artifact, name)
    path = target.assets[0].split("/")
    found = _query(url, PARTITION_KEYS, {"key": {"path": path}})["assetNodeOrError"]
    if found.get("__typename") != "AssetNode":
        raise BackfillError(
            f"Dagster at {_shown(url)} does not know asset {target.assets[0]!r} "
            f"({found.get('message', found.get('__typename'))}); deploy this artifact's code "
            "there first"
        )
    keys = backfill_plan.select(list(found["partitionKeys"]), target, artifact)
    if not keys:
        raise BackfillError(f"backfill {name!r} covers no partitions on {_shown(url)}")
    params = {
        "assetSelection": [{"path": key.split("/")} for key in target.assets],
        "partitionNames": keys,
        "title": name,
        "description": target.spec.description or f"floe backfill {name} ({target.job})",
        "tags": [
            {"key": "floe/backfill", "value": name},
            {"key": "floe/environment", "value": artifact.environment},
        ],
    }
    result = _query(url, LAUNCH, {"params": params})["launchPartitionBackfill"]
    if result.get("__typename") != "LaunchBackfillSuccess":
        raise BackfillError(
            f"Dagster at {_shown(url)} refused backfill {name!r}: "
            f"{result.get('message', result.get('__typename'))}"
        )
    return str(result["backfillId"]), len(keys)


def _query(url: str, query: str, variables: dict[str, Any]) -> dict[str, Any]:
    endpoint = url.rstrip("/") + "/graphql"
    if urlsplit(endpoint).scheme not in ("http", "https"):
        raise BackfillError(f"--url must be an http(s) URL of the Dagster webserver, not {url!r}")
    request = urllib.request.Request(
        endpoint,
        data=json.dumps({"query": query, "variables": variables}).encode("utf-8"),
        headers={"Content-Type": "application/json", "Accept": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:
            body = json.loads(response.read(MAX_RESPONSE_BYTES))
    except urllib.error.HTTPError as exc:
        raise BackfillError(f"Dagster at {_shown(url)} answered HTTP {exc.code}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise BackfillError(
            f"cannot reach Dagster at {_shown(url)} ({exc}); is the webserver running?"
        ) from exc
    if not isinstance(body, dict) or body.get("errors") or not isinstance(body.get("data"), dict):
        errors = body.get("errors") if isinstance(body, dict) else body
        raise BackfillError(f"Dagster at {_shown(url)} rejected the request: {errors}")
    return body["data"]  # type: ignore[no-any-return]


def _shown(url: str) -> str:
    """The URL without credentials, for messages that may be printed in CI logs."""
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()
