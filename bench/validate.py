"""`floe validate` against the anchor check-jsonschema, cold processes, same files, one run.

Prints median wall times (>= 7 interleaved runs each) and the ratio floe / check-jsonschema for
the demo floe.yaml and for a generated file with 2,000 jobs, 2,000 schedules and 500 sensors.
Targets: ratio <= 1.0 on both, and <= 1.0 s for floe on the large file.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from _timing import cold_runs, compile_bytecode, report, runs_option, tool

REPO = Path(__file__).resolve().parent.parent
SCHEMA = REPO / "schemas" / "floe.schema.json"
DEMO = REPO / "demo" / "shop" / "floe.yaml"
CRONS = ["0 6 * * *", "*/15 * * * *", "30 7 * * MON-FRI", "@daily", "0 0 1 * *"]
ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"]


def large_project(jobs: int = 2000, schedules: int = 2000, sensors: int = 500) -> str:
    lines = [
        "name: large",
        'version: "1.0.0"',
        "orchestration:",
        "  asset_modules: [large.assets]",
        "  partitions:",
        '    daily: {type: time_window, start: "2024-01-01"}',
        "    regions: {type: static, partition_keys: [us, eu, ap]}",
        "  assets:",
        '    "bronze_*": {partitions: daily}',
        '    "stg_*": {automation_condition: eager, group_name: silver}',
        "  jobs:",
    ]
    for i in range(jobs):
        if i % 10 == 9:
            lines.append(f"    job_{i}: {{type: ops, target_function: large.ops.task_{i}}}")
        else:
            lines.append(
                f'    job_{i}: {{type: batch, selection: ["group:g{i % 50} and not key:tmp_*", '
                f'"+key:asset_{i}"]}}'
            )
    lines.append("  schedules:")
    for i in range(schedules):
        lines.append(
            f'    schedule_{i}: {{job: job_{i % jobs}, cron_schedule: "{CRONS[i % len(CRONS)]}", '
            f"timezone: {ZONES[i % len(ZONES)]}, enabled: {'true' if i % 2 else 'false'}}}"
        )
    lines.append("  sensors:")
    for i in range(sensors):
        job = f"job_{i % jobs}"
        kind = i % 4
        if kind == 0:
            lines.append(f"    sensor_{i}: {{type: file_watcher, job: {job}, path: ./in/{i}}}")
        elif kind == 1:
            lines.append(
                f"    sensor_{i}: {{type: asset_sensor, job: {job}, watched_assets: [asset_{i}]}}"
            )
        elif kind == 2:
            lines.append(
                f"    sensor_{i}: {{type: run_status, job: {job}, watched_jobs: [job_{i + 1}]}}"
            )
        else:
            lines.append(
                f"    sensor_{i}: {{type: custom, job: {job}, target_function: large.s.ready}}"
            )
    return "\n".join(lines) + "\n"


def main() -> None:
    runs = runs_option(__doc__, 9, 7)
    floe, cjs = tool("floe"), tool("check-jsonschema")
    compile_bytecode(REPO / "floe_runtime")

    demo = cold_runs(
        {
            "floe validate (demo, 3 environments)": [floe, "validate", str(DEMO)],
            "check-jsonschema (demo)": [cjs, "--schemafile", str(SCHEMA), str(DEMO)],
        },
        runs,
    )
    demo_ratio = report(
        f"demo floe.yaml, {runs} runs each",
        demo,
        "floe validate (demo, 3 environments)",
        "check-jsonschema (demo)",
    )

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "floe.yaml"
        big.write_text(large_project(), encoding="utf-8")
        size = big.stat().st_size
        large = cold_runs(
            {
                "floe validate (large)": [floe, "validate", str(big)],
                "check-jsonschema (large)": [cjs, "--schemafile", str(SCHEMA), str(big)],
            },
            runs,
        )
    large_ratio = report(
        f"generated floe.yaml: 2,000 jobs, 2,000 schedules, 500 sensors "
        f"({size:,} bytes), {runs} runs each",
        large,
        "floe validate (large)",
        "check-jsonschema (large)",
    )
    print("\ntargets: demo ratio <= 1.0; large ratio <= 1.0 and floe <= 1.0 s")
    ok = demo_ratio <= 1.0 and large_ratio <= 1.0 and large["floe validate (large)"] <= 1.0
    print("result:", "met" if ok else "NOT met")


if __name__ == "__main__":
    main()
