"""Artifact payloads for diff tests, in the exact shape `floe compile` writes, sealed."""

from __future__ import annotations

import copy
from typing import Any

from floe_runtime.artifact.store import SCHEMA_VERSION, sealed


def asset(key: str, deps: list[str] | None = None, **fields: Any) -> dict[str, Any]:
    return {
        "automation_condition": None,
        "backfill_policy": None,
        "configured_by": [],
        "deps": deps or [],
        "group": "default",
        "key": key,
        "kind": "dbt",
        "origin": f"dbt:models/{key}.sql",
        "owners": [],
        "partitions": None,
        "tags": {},
        **fields,
    }


def artifact(
    environment: str = "prod",
    *,
    assets: list[dict[str, Any]] | None = None,
    jobs: dict[str, list[str]] | None = None,
    schedules: dict[str, dict[str, Any]] | None = None,
    ops: dict[str, dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """A sealed payload: batch ``jobs`` (name → resolved assets), ``schedules`` (name → the
    fields that differ from a daily, stopped schedule of the first job), ops jobs' args."""
    assets = assets if assets is not None else [asset("orders"), asset("revenue", ["orders"])]
    jobs = jobs if jobs is not None else {"daily": [a["key"] for a in assets]}
    orchestration_jobs: dict[str, Any] = {
        name: {"description": None, "selection": ["*"], "type": "batch"} for name in jobs
    }
    job_records: dict[str, Any] = {
        name: {"assets": keys, "partitions": None, "target_function": None, "type": "batch"}
        for name, keys in jobs.items()
    }
    for name, args in (ops or {}).items():
        orchestration_jobs[name] = {
            "args": args,
            "description": None,
            "target_function": "shop.ops.run",
            "type": "ops",
        }
        job_records[name] = {
            "assets": [],
            "partitions": None,
            "target_function": "shop.ops.run",
            "type": "ops",
        }
    first = next(iter(jobs), "daily")
    payload: dict[str, Any] = {
        "asset_graph": {
            "assets": copy.deepcopy(assets),
            "complete": True,
            "discovery": "static",
            "unresolved": [],
        },
        "dbt": None,
        "environment": environment,
        "floe_version": "0.1.0",
        "jobs": job_records,
        "orchestration": {
            "allowed_modules": [],
            "asset_modules": [],
            "assets": {},
            "backfills": {},
            "dbt": None,
            "jobs": orchestration_jobs,
            "partitions": {},
            "schedules": {
                name: {
                    "cron_schedule": "0 6 * * *",
                    "description": None,
                    "enabled": False,
                    "job": first,
                    "partition_selector": "latest",
                    "timezone": "UTC",
                    **fields,
                }
                for name, fields in (schedules or {}).items()
            },
            "sensors": {},
        },
        "project": {"name": "shop", "version": "1.0.0"},
        "schema_version": SCHEMA_VERSION,
        "source": {"path": "floe.yaml", "sha256": "0" * 64},
        "variables": {},
        "warnings": [],
    }
    payload["checksum"], _ = sealed(payload)
    return payload


def text(payload: dict[str, Any]) -> str:
    """The file `floe compile` would write for ``payload``."""
    return sealed(payload)[1]
