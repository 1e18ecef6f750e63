"""Every semantic rule of floe.yaml: an invalid file, the exact line:col, and the message."""

from __future__ import annotations

import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from floe_runtime.spec.load import SpecOptions, validate

HEAD = 'name: shop\nversion: "1"\norchestration:\n'


def problems(write: Callable[..., Path], body: str) -> list[tuple[str, str]]:
    """(``line:col``, message) of every error, for a file HEAD + body."""
    path = write(HEAD + textwrap.indent(textwrap.dedent(body).lstrip("\n"), "  "))
    diagnostics, _ = validate(SpecOptions(path=path, display="floe.yaml"))
    return [
        (f"{d.position.line}:{d.position.col}" if d.position else "-", d.message)
        for d in diagnostics
        if d.severity == "error"
    ]


CASES = {
    "schedule refers to an unknown job": (
        """
        jobs:
          bronze: {type: batch, selection: ["group:bronze"]}
        schedules:
          daily: {job: bronz, cron_schedule: "0 6 * * *"}
        """,
        "7:18",
        "unknown job 'bronz'",
    ),
    "sensor refers to an unknown job": (
        """
        jobs:
          bronze: {type: batch, selection: ["group:bronze"]}
        sensors:
          files: {type: file_watcher, job: silver, path: ./in}
        """,
        "7:38",
        "unknown job 'silver'",
    ),
    "run_status sensor watches an unknown job": (
        """
        jobs:
          notify: {type: ops, target_function: shop.ops.notify}
        sensors:
          alert: {type: run_status, job: notify, watched_jobs: [gold]}
        allowed_modules: [shop]
        """,
        "7:59",
        "unknown job 'gold'",
    ),
    "backfill refers to an unknown job": (
        """
        backfills:
          b: {job: missing}
        """,
        "5:14",
        "unknown job 'missing'",
    ),
    "backfill of an ops job": (
        """
        allowed_modules: [shop]
        jobs:
          vacuum: {type: ops, target_function: shop.ops.vacuum}
        backfills:
          b: {job: vacuum}
        """,
        "8:14",
        "job 'vacuum' is an ops job; only batch jobs of partitioned assets can be backfilled",
    ),
    "asset pattern refers to unknown partitions": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01"}
        assets:
          "bronze_*": {partitions: dialy}
        """,
        "7:30",
        "unknown partitions entry 'dialy'",
    ),
    "multi partition refers to an unknown dimension": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01"}
          by_region: {type: multi, partitions: {date: daily, region: regions}}
        """,
        "6:64",
        "unknown partitions entry 'regions'",
    ),
    "multi partition refers to another multi": (
        """
        partitions:
          a: {type: static, partition_keys: [x]}
          b: {type: static, partition_keys: [y]}
          ab: {type: multi, partitions: {one: a, two: b}}
          abc: {type: multi, partitions: {first: ab, second: a}}
        """,
        "8:44",
        "dimension 'first' refers to 'ab', which is itself multi",
    ),
    "multi partition with two time dimensions": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01"}
          hourly: {type: time_window, start: "2024-01-01", cron_schedule: "@hourly"}
          both: {type: multi, partitions: {d: daily, h: hourly}}
        """,
        "7:37",
        "a multi partition can have at most one time_window dimension",
    ),
    "six-field cron is refused": (
        """
        jobs:
          j: {type: batch, selection: ["*"]}
        schedules:
          s: {job: j, cron_schedule: "0 0 6 * * *"}
        """,
        "7:32",
        "invalid cron '0 0 6 * * *': 6 fields given; Dagster schedules take 5",
    ),
    "cron value out of range": (
        """
        jobs:
          j: {type: batch, selection: ["*"]}
        schedules:
          s: {job: j, cron_schedule: "0 24 * * *"}
        """,
        "7:32",
        "invalid cron '0 24 * * *': hour field: 24 is out of range 0-23",
    ),
    "cron with an unknown name": (
        """
        partitions:
          weekly: {type: time_window, start: "2024-01-01", cron_schedule: "0 0 * * FUNDAY"}
        """,
        "5:69",
        "invalid cron '0 0 * * FUNDAY'",
    ),
    "on_cron automation condition with a bad cron": (
        """
        assets:
          "stg_*": {automation_condition: {type: on_cron, cron_schedule: "@often"}}
        """,
        "5:68",
        "invalid cron '@often'",
    ),
    "unknown IANA timezone": (
        """
        jobs:
          j: {type: batch, selection: ["*"]}
        schedules:
          s: {job: j, cron_schedule: "@daily", timezone: Europe/Berln}
        """,
        "7:52",
        "unknown timezone 'Europe/Berln'",
    ),
    "partition start after end": (
        """
        partitions:
          daily: {type: time_window, start: "2024-06-01", end: "2024-01-01"}
        """,
        "5:58",
        "start '2024-06-01' is after end '2024-01-01'",
    ),
    "partition start is not a date": (
        """
        partitions:
          daily: {type: time_window, start: "June 1st"}
        """,
        "5:39",
        "start 'June 1st' is not a date",
    ),
    "hourly cron with a daily key format": (
        """
        partitions:
          hourly: {type: time_window, start: "2024-01-01", cron_schedule: "0 * * * *",
                   fmt: "%Y-%m-%d"}
        """,
        "6:19",
        "key format '%Y-%m-%d' has no hour, but cron '0 * * * *' starts windows more than "
        "once a day: keys would collide; use '%Y-%m-%d-%H:%M'",
    ),
    "monthly key format without a month": (
        """
        partitions:
          monthly: {type: time_window, start: "2024-01-01", cron_schedule: "@monthly", fmt: "%Y"}
        """,
        "5:87",
        "key format '%Y' has no month",
    ),
    "static keys must be unique": (
        """
        partitions:
          regions: {type: static, partition_keys: [us, eu, us]}
        """,
        "5:54",
        "partition key 'us' is listed twice (first at item 1)",
    ),
    "static key with a range separator": (
        """
        partitions:
          regions: {type: static, partition_keys: [us, "eu...ap"]}
        """,
        "5:50",
        "partition key 'eu...ap' contains '...'",
    ),
    "static key with a multi-partition delimiter": (
        """
        partitions:
          regions: {type: static, partition_keys: ["us|east"]}
        """,
        "5:46",
        "partition key 'us|east' contains '|'",
    ),
    "backfill range start after end": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01"}
        assets:
          "bronze_*": {partitions: daily}
        jobs:
          j: {type: batch, selection: ["group:bronze"]}
        backfills:
          b: {job: j, partition_range: {start: "2024-03-01", end: "2024-02-01"}}
        """,
        "11:61",
        "start '2024-03-01' is after end '2024-02-01'",
    ),
    "backfill range is not written in its partitions' keys": (
        """
        partitions:
          regions: {type: static, partition_keys: [us, eu, ap]}
        jobs:
          j: {type: batch, selection: ["*"]}
        backfills:
          b: {job: j, partitions: regions, partition_range: {start: us, end: "2024-01-01"}}
        """,
        "9:72",
        "end '2024-01-01' is not a key of partitions 'regions'",
    ),
    "backfill range outside the time partitions": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01", end: "2025-01-01"}
        jobs:
          j: {type: batch, selection: ["*"]}
        backfills:
          b: {job: j, partitions: daily, partition_range: {start: "2024-06-01", end: "2025-03-01"}}
        """,
        "9:80",
        "end '2025-03-01' is at or after the partitions' end (2025-01-01)",
    ),
    "backfill time range with a non-date": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01"}
        jobs:
          j: {type: batch, selection: ["*"]}
        backfills:
          b: {job: j, partitions: daily, partition_range: {start: yesterday, end: "2024-02-01"}}
        """,
        "9:61",
        "start 'yesterday' is not a partition key",
    ),
    "a selection by table_name": (
        """
        jobs:
          j: {type: batch, selection: ['table_name:"db.main.orders"']}
        """,
        "5:34",
        "selection uses table_name:, which Dagster parses but resolves only in its UI",
    ),
    "table_name beside runtime state": (
        """
        jobs:
          j: {type: batch, selection: ['table_name:"db.main.orders" or status:MATERIALIZED']}
        """,
        [
            ("5:34", "selection uses status:, which depends on runtime state"),
            (
                "5:34",
                "selection uses table_name:, which Dagster parses but resolves only in its UI",
            ),
        ],
    ),
    "a key format that repeats a directive": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01", fmt: "%Y-%m-%d-%d"}
        """,
        "5:58",
        "key format '%Y-%m-%d-%d' cannot be read back by strptime",
    ),
    "a machine-dependent timezone": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01", timezone: localtime}
        """,
        "5:63",
        "timezone 'localtime' depends on the machine that reads it",
    ),
    "the Factory zone": (
        """
        jobs:
          j: {type: batch, selection: ["*"]}
        schedules:
          s: {job: j, cron_schedule: "0 0 * * *", timezone: Factory}
        """,
        "7:55",
        "timezone 'Factory' depends on the machine that reads it",
    ),
    "an infinite argument": (
        """
        allowed_modules: [x]
        jobs:
          j: {type: ops, target_function: x.f, args: {limit: .inf, nested: [1, {a: .nan}]}}
        """,
        [
            ("6:56", "orchestration.jobs.j.args.limit is inf, which JSON and Dagster config"),
            ("6:78", "orchestration.jobs.j.args.nested[1].a is nan"),
        ],
    ),
    "a NaN deep in sensor arguments": (
        """
        allowed_modules: [x]
        jobs:
          j: {type: batch, selection: ["*"]}
        sensors:
          s: {type: custom, job: j, target_function: x.f, args: {nested: [1, {a: .nan}]}}
        """,
        "8:76",
        "orchestration.sensors.s.args.nested[1].a is nan",
    ),
    "backfill range written outside the hourly key format": (
        """
        partitions:
          hourly: {type: time_window, start: "2024-01-01", cron_schedule: "0 * * * *"}
        jobs:
          j: {type: batch, selection: ["*"]}
        backfills:
          b: {job: j, partitions: hourly, partition_range: {start: "2024-02-01", end: "2024-02-02"}}
        """,
        [
            ("9:62", "start '2024-02-01' is not a partition key"),
            ("9:81", "end '2024-02-02' is not a partition key"),
        ],
    ),
    "backfill range past an open end": (
        """
        partitions:
          daily: {type: time_window, start: "2024-01-01"}
        jobs:
          j: {type: batch, selection: ["*"]}
        backfills:
          b: {job: j, partitions: daily, partition_range: {start: "2024-06-01", end: "9000-01-01"}}
        """,
        "9:80",
        "end '9000-01-01' is after the last partition that exists now",
    ),
    "selection that does not parse": (
        """
        jobs:
          j: {type: batch, selection: ["group:bronze and"]}
        """,
        "5:51",
        "invalid asset selection: unexpected end of expression at column 17",
    ),
    "selection in Dagster's legacy syntax": (
        """
        jobs:
          j: {type: batch, selection: ["bronze_orders+"]}
        """,
        "5:35",
        "invalid asset selection: '*' and '+' around bare asset names (one level per '+') "
        "are Dagster's legacy syntax; write key:bronze_orders+1",
    ),
    "selection on runtime state": (
        """
        jobs:
          j: {type: batch, selection: ["status:MATERIALIZED"]}
        """,
        "5:34",
        "selection uses status:, which depends on runtime state",
    ),
    "target_function outside the owned modules": (
        """
        asset_modules: [shop.assets]
        jobs:
          j: {type: ops, target_function: vendor.tools.run}
        """,
        "6:37",
        "'vendor.tools.run' is outside the modules this project owns ('shop')",
    ),
    "target_function in the standard library": (
        """
        asset_modules: [shop.assets]
        allowed_modules: [os]
        jobs:
          j: {type: ops, target_function: os.system}
        """,
        [
            ("5:21", "'os' is part of the standard library's process, file or import machinery"),
            ("7:37", "floe will not call 'os.system'"),
        ],
    ),
    "target_function that is not a dotted path": (
        """
        asset_modules: [shop.assets]
        jobs:
          j: {type: ops, target_function: "shop..run"}
        """,
        "6:37",
        "'shop..run' is not a dotted Python name",
    ),
    "target_function without a function": (
        """
        asset_modules: [shop.assets]
        sensors:
          s: {type: custom, job: j, target_function: shop}
        jobs:
          j: {type: batch, selection: ["*"]}
        """,
        "6:48",
        "'shop' names a module, not a function in a module",
    ),
    "relative module outside a package": (
        """
        asset_modules: [.assets]
        """,
        "4:19",
        "'.assets' is relative, but floe.yaml is not inside a Python package",
    ),
    "asset pattern that does not parse": (
        """
        assets:
          "stg_{orders": {group_name: silver}
        """,
        "5:5",
        "invalid asset pattern 'stg_{orders': '{' is not closed by '}'",
    ),
    "single_run backfill policy with a per-run maximum": (
        """
        assets:
          "*": {backfill_policy: {type: single_run, max_partitions_per_run: 3}}
        """,
        "5:71",
        "max_partitions_per_run only applies to type multi_run",
    ),
}


@pytest.mark.parametrize("case", sorted(CASES), ids=sorted(CASES))
def test_semantic_rule(case: str, project: Callable[..., Path]) -> None:
    body, *rest = CASES[case]
    expected = rest[0] if isinstance(rest[0], list) else [tuple(rest)]
    found = problems(project, body)
    # The complete list: exactly these problems, nothing else reported.
    assert [
        (pos, text[: len(message)])
        for (pos, text), (_, message) in zip(found, expected, strict=False)
    ] == expected, found
    assert len(found) == len(expected), found


def test_batch_size_and_poll_interval_must_be_positive(project: Callable[..., Path]) -> None:
    found = problems(
        project,
        """
        jobs:
          j: {type: batch, selection: ["*"]}
        sensors:
          s: {type: file_watcher, job: j, path: ., poll_interval_seconds: 0}
        backfills:
          b: {job: j, batch_size: 0}
        """,
    )
    assert ("7:69", "must be at least 1") in found
    assert ("9:29", "must be at least 1") in found


def test_all_errors_are_reported_at_once(project: Callable[..., Path]) -> None:
    found = problems(
        project,
        """
        jobs:
          j: {type: batch, selection: ["*"]}
        schedules:
          a: {job: x, cron_schedule: "@daily"}
          b: {job: j, cron_schedule: "@never"}
          c: {job: j, cron_schedule: "@daily", timezone: Nowhere}
        """,
    )
    assert [pos for pos, _ in found] == ["7:14", "8:32", "9:52"]


def test_did_you_mean_finds_the_name_among_thousands(project: Callable[..., Path]) -> None:
    """Hints stay right when there are thousands of names (their cost is in bench/)."""
    jobs = "".join(
        f"  load_table_{i:04d}: {{type: batch, selection: ['*']}}\n" for i in range(3000)
    )
    body = f"jobs:\n{jobs}schedules:\n  s: {{job: load_tabel_1234, cron_schedule: '0 6 * * *'}}\n"
    path = project(HEAD + textwrap.indent(body, "  "))
    diagnostics, _ = validate(SpecOptions(path=path, display="floe.yaml"))
    assert [d.hint for d in diagnostics] == ["did you mean 'load_table_1234'?"]
