"""Load time and peak memory of the runtime, cold processes, against a hand-written anchor.

For synthetic dbt projects of 1,000 and 5,000 models (the demo's real parsed model node
replicated, as in bench/compile.py) with 5 batch jobs and 5 schedules:

- subject: ``FloeDefinitions.from_compiled_artifacts()`` on the compiled bundle;
- anchor: what a dagster-dbt user writes by hand for the same floe.yaml — ``@dbt_assets`` on
  the manifest, five ``define_asset_job`` selecting their group, five ``ScheduleDefinition``
  and the ``DbtCliResource``.

Each process builds its definitions and resolves the repository (every job), as a code
location does when it loads. Time and peak RSS are measured in separate child processes, runs
interleaved, medians compared. Time is CPU time (user + system) of the child: the load is one
thread, and on a shared machine wall time mostly measures the neighbours (it is printed too).
Targets: time ratio <= 0.90 at 1,000 models and <= 0.80 at 5,000; RSS ratio <= 1.0.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import compile_bytecode, tool
from compile import DEMO, REPO, large_manifest, parsed_demo_manifest

JOBS = 5
TIME_TARGETS = {1000: 0.90, 5000: 0.80}
RSS_TARGET = 1.0

MEASURE = """
{body}
repository = defs.get_repository_def()
assert len(repository.get_all_jobs()) >= {jobs}
"""

FLOE = """
from floe_runtime import FloeDefinitions
defs = FloeDefinitions.from_compiled_artifacts({bundle!r}, project_root={root!r})
"""

HAND_WRITTEN = """
import dagster as dg
from dagster_dbt import DbtCliResource, dbt_assets

@dbt_assets(manifest={manifest!r})
def project_assets(context: dg.AssetExecutionContext, dbt: DbtCliResource):
    yield from dbt.cli(["build"], context=context).stream()

jobs = [
    dg.define_asset_job(f"job_{{i}}", selection=dg.AssetSelection.groups(f"g{{i}}"))
    for i in range({jobs})
]
defs = dg.Definitions(
    assets=[project_assets],
    jobs=jobs,
    schedules=[
        dg.ScheduleDefinition(job=job, cron_schedule="0 6 * * *", execution_timezone="UTC")
        for job in jobs
    ],
    resources={{"dbt": DbtCliResource(project_dir={project_dir!r})}},
)
"""


def project(work: Path, models: int, template: dict) -> tuple[Path, Path]:
    """A compiled floe project of ``models`` models: (repository root, bundle folder)."""
    root = work / f"p{models}"
    (root / ".git").mkdir(parents=True)
    dbt = root / "large" / "dbt"
    dbt.mkdir(parents=True)
    for name in ("dbt_project.yml", "profiles.yml"):
        shutil.copy(DEMO / "dbt" / name, dbt / name)
    manifest = large_manifest(template, models)
    (root / "large" / "manifest.json").write_text(json.dumps(manifest))
    jobs = "\n".join(
        f'    job_{i}: {{type: batch, selection: ["group:g{i}"]}}' for i in range(JOBS)
    )
    schedules = "\n".join(
        f'    daily_{i}: {{job: job_{i}, cron_schedule: "0 6 * * *"}}' for i in range(JOBS)
    )
    floe_yaml = root / "large" / "floe.yaml"
    floe_yaml.write_text(
        'name: large\nversion: "1"\norchestration:\n'
        "  dbt: {project_dir: dbt, target: dev, manifest_path: manifest.json}\n"
        f"  jobs:\n{jobs}\n  schedules:\n{schedules}\n"
    )
    out = root / "dist"
    subprocess.run(
        [tool("floe"), "compile", str(floe_yaml), "--out", str(out)],
        check=True,
        capture_output=True,
    )
    return root, out / "default"


def run(script: str, cwd: Path) -> tuple[float, float, float]:
    """(wall seconds, CPU seconds, peak RSS in MB) of one cold process running ``script``."""
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.stderr is not None
    stderr = proc.stderr.read()  # to the end: the child has exited or closed it
    _, status, usage = os.wait4(proc.pid, 0)  # the child's own CPU time and peak RSS
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"load failed ({proc.returncode}):\n{stderr[-3000:]}")
    return wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="timed processes per subject")
    parser.add_argument("--rss-runs", type=int, default=3, help="memory processes per subject")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    args = parser.parse_args()
    runs, rss_runs = max(args.runs, 3), max(args.rss_runs, 1)
    compile_bytecode(REPO / "floe_runtime")
    verdicts = []
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        template = parsed_demo_manifest(work)
        for models in args.sizes:
            root, bundle = project(work, models, template)
            scripts = {
                "floe from_compiled_artifacts": MEASURE.format(
                    body=FLOE.format(bundle=str(bundle), root=str(root)), jobs=JOBS
                ),
                "hand-written @dbt_assets + jobs": MEASURE.format(
                    body=HAND_WRITTEN.format(
                        manifest=str(root / "large" / "manifest.json"),
                        project_dir=str(root / "large" / "dbt"),
                        jobs=JOBS,
                    ),
                    jobs=JOBS,
                ),
            }
            timed: dict[str, list[tuple[float, float]]] = {name: [] for name in scripts}
            memory: dict[str, list[float]] = {name: [] for name in scripts}
            for _ in range(runs):
                for name, script in scripts.items():
                    wall, cpu, _ = run(script, root)
                    timed[name].append((wall, cpu))
            for _ in range(rss_runs):
                for name, script in scripts.items():
                    memory[name].append(run(script, root)[2])
            print(
                f"\n{models:,} dbt models, {JOBS} jobs, {JOBS} schedules; "
                f"{runs} timed and {rss_runs} memory processes each"
            )
            medians = {
                name: (
                    statistics.median(w for w, _ in timed[name]),
                    statistics.median(c for _, c in timed[name]),
                    statistics.median(memory[name]),
                )
                for name in scripts
            }
            for name, (wall, cpu, rss) in medians.items():
                print(
                    f"  {name:<34} CPU {cpu:6.2f} s   wall {wall:6.2f} s   peak RSS {rss:7.1f} MB"
                )
            (floe_wall, floe_cpu, floe_mb), (hand_wall, hand_cpu, hand_mb) = medians.values()
            target = TIME_TARGETS.get(models, min(TIME_TARGETS.values()))
            cpu_ratio, rss_ratio = floe_cpu / hand_cpu, floe_mb / hand_mb
            for what, ratio, limit in (
                ("time", cpu_ratio, target),
                ("peak RSS", rss_ratio, RSS_TARGET),
            ):
                met = ratio <= limit
                verdicts.append(met)
                print(
                    f"  ratio floe / hand-written, {what}: {ratio:.2f} (target <= {limit:.2f}): "
                    + ("met" if met else "NOT met")
                )
            print(f"  (wall-time ratio, for reference: {floe_wall / hand_wall:.2f})")
    print("\nresult:", "all targets met" if all(verdicts) else "NOT all targets met")


if __name__ == "__main__":
    main()
