"""`floe diff` timings, cold processes, against the floor of reading the two artifacts.

Two artifacts of 10,000 assets and 1,000 jobs each (the head: 1% of assets with new deps, 100
added, 50 removed, 50 jobs with another asset list, 20 schedules changed), built as the
compiler builds them and sealed with `artifact.store.sealed`, so `floe diff` reads and
verifies them exactly as it reads real ones.

Target: median <= 0.5 s, and <= 2x the floor
`python -c 'import json; json.load(open(base)); json.load(open(head))'` (same run).
"""

from __future__ import annotations

import copy
import random
import sys
import tempfile
from pathlib import Path
from typing import Any

from _timing import cold_runs, compile_bytecode, report, runs_option, tool

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from floe_runtime.artifact.store import SCHEMA_VERSION, sealed  # noqa: E402

ASSETS, JOBS, SCHEDULES = 10_000, 1_000, 200


def _asset(i: int, rng: random.Random) -> dict[str, Any]:
    deps = [f"model_{j:05d}" for j in rng.sample(range(i), k=min(i, rng.randint(0, 3)))]
    return {
        "automation_condition": {"type": "eager"} if i % 10 == 0 else None,
        "backfill_policy": None,
        "configured_by": [{"line": 12, "pattern": "model_0*"}] if i % 10 == 0 else [],
        "deps": sorted(deps),
        "group": f"g{i % 40}",
        "key": f"model_{i:05d}",
        "kind": "dbt",
        "origin": f"dbt:models/gold/model_{i:05d}.sql",
        "owners": [],
        "partitions": None,
        "tags": {"dagster/kind/dbt": "", "dagster/kind/duckdb": ""},
    }


def base_payload(seed: int = 7) -> dict[str, Any]:
    rng = random.Random(seed)
    assets = [_asset(i, rng) for i in range(ASSETS)]
    jobs, declared = {}, {}
    for j in range(JOBS):
        keys = sorted(f"model_{k:05d}" for k in rng.sample(range(ASSETS), 40))
        jobs[f"job_{j:04d}"] = {
            "assets": keys,
            "partitions": None,
            "target_function": None,
            "type": "batch",
        }
        declared[f"job_{j:04d}"] = {
            "description": None,
            "selection": [f"group:g{j % 40} and tag:t{j}"],
            "type": "batch",
        }
    schedules = {
        f"schedule_{s:03d}": {
            "cron_schedule": f"{s % 60} {s % 24} * * *",
            "description": None,
            "enabled": s % 2 == 0,
            "job": f"job_{s:04d}",
            "partition_selector": "latest",
            "timezone": "Europe/Berlin",
        }
        for s in range(SCHEDULES)
    }
    return {
        "asset_graph": {
            "assets": assets,
            "complete": True,
            "discovery": "static",
            "unresolved": [],
        },
        "dbt": None,
        "environment": "prod",
        "floe_version": "0.1.0",
        "jobs": jobs,
        "orchestration": {
            "allowed_modules": [],
            "asset_modules": [],
            "assets": {"model_0*": {"automation_condition": {"type": "eager"}}},
            "backfills": {},
            "dbt": None,
            "jobs": declared,
            "partitions": {},
            "schedules": schedules,
            "sensors": {},
        },
        "project": {"name": "large", "version": "1"},
        "schema_version": SCHEMA_VERSION,
        "source": {"path": "floe.yaml", "sha256": "0" * 64},
        "variables": {},
        "warnings": [],
    }


def head_payload(base: dict[str, Any], seed: int = 11) -> dict[str, Any]:
    rng = random.Random(seed)
    head = copy.deepcopy(base)
    assets = head["asset_graph"]["assets"]
    for a in rng.sample(assets, ASSETS // 100):
        a["deps"] = sorted({*a["deps"], "model_00000"})
    removed = {a["key"] for a in rng.sample(assets, 50)}
    assets[:] = [a for a in assets if a["key"] not in removed]
    assets += [_asset(ASSETS + i, rng) for i in range(100)]
    for name in rng.sample(sorted(head["jobs"]), 50):
        head["jobs"][name]["assets"] = sorted({*head["jobs"][name]["assets"], "model_10001"})
    for name in rng.sample(sorted(head["orchestration"]["schedules"]), 20):
        head["orchestration"]["schedules"][name]["cron_schedule"] = "30 5 * * 1-5"
    return head


def write(payload: dict[str, Any], path: Path) -> Path:
    payload["checksum"], text = sealed(payload)
    path.write_text(text, encoding="utf-8")
    return path


def main() -> None:
    runs = runs_option(__doc__, 7, 5)
    compile_bytecode(REPO / "floe_runtime")
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = base_payload()
        base_file = write(base, work / "base.json")
        head_file = write(head_payload(base), work / "head.json")
        size = (base_file.stat().st_size + head_file.stat().st_size) / 1e6
        subject = "floe diff (10,000 assets, 1,000 jobs)"
        anchor = "floor: json.load(base); json.load(head)"
        medians = cold_runs(
            {
                subject: [tool("floe"), "diff", str(base_file), str(head_file)],
                "floe diff --format markdown": [
                    tool("floe"),
                    "diff",
                    str(base_file),
                    str(head_file),
                    "--format",
                    "markdown",
                ],
                anchor: [
                    sys.executable,
                    "-c",
                    f"import json; json.load(open({str(base_file)!r})); "
                    f"json.load(open({str(head_file)!r}))",
                ],
            },
            runs,
            ok=(0,),
        )
    ratio = report(
        f"two artifacts ({size:.1f} MB together), {runs} runs each", medians, subject, anchor
    )
    seconds = medians[subject]
    print("\ntargets: floe diff <= 0.5 s and <= 2x the json.load floor")
    print("result:", "met" if seconds <= 0.5 and ratio <= 2.0 else "NOT met")


if __name__ == "__main__":
    main()
