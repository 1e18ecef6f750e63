"""Load time and peak memory of the runtime, cold processes, against a hand-written anchor.

For synthetic dbt projects of 1,000 and 5,000 models (the demo's real parsed model node
replicated, as in bench/compile.py) with 5 batch jobs and 5 schedules:

- subject: ``FloeDefinitions.from_compiled_artifacts()`` on the compiled bundle;
- anchor: the hand-written equivalent on the same manifest — a bare ``@dbt_assets``, five
  ``define_asset_job`` and five ``ScheduleDefinition``.

Each process builds its definitions and resolves the repository (every job), as a code
location does when it loads. Runs are interleaved; medians of wall time and of peak RSS, and
their ratios, are printed. Target: ratio <= 1.10.
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
TARGET = 1.10

MEASURE = """
import resource, sys, time
started = time.perf_counter()
{body}
repository = defs.get_repository_def()
assert len(repository.get_all_jobs()) >= {jobs}
print(f"{{time.perf_counter() - started}} {{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}}")
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


def measure(script: str, cwd: Path) -> tuple[float, float]:
    """(seconds to load, peak RSS in MB) of one cold process."""
    started = time.perf_counter()
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    proc = subprocess.run(
        [sys.executable, "-c", script],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    wall = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"load failed:\n{proc.stderr[-3000:]}")
    _, rss_kb = proc.stdout.split()[-2:]
    return wall, int(rss_kb) / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    args = parser.parse_args()
    runs = max(args.runs, 5)
    compile_bytecode(REPO / "floe_runtime")
    worst = 0.0
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
            samples: dict[str, list[tuple[float, float]]] = {name: [] for name in scripts}
            for _ in range(runs):
                for name, script in scripts.items():
                    samples[name].append(measure(script, root))
            print(f"\n{models:,} dbt models, {JOBS} jobs, {JOBS} schedules, {runs} runs each")
            medians = {
                name: (
                    statistics.median(s[0] for s in values),
                    statistics.median(s[1] for s in values),
                )
                for name, values in samples.items()
            }
            for name, (seconds, rss) in medians.items():
                print(f"  {name:<34} load {seconds:6.2f} s   peak RSS {rss:7.1f} MB")
            (floe_s, floe_mb), (hand_s, hand_mb) = medians.values()
            time_ratio, rss_ratio = floe_s / hand_s, floe_mb / hand_mb
            print(f"  ratio floe / hand-written: time {time_ratio:.2f}, RSS {rss_ratio:.2f}")
            worst = max(worst, time_ratio, rss_ratio)
    print(f"\ntarget: ratios <= {TARGET:.2f}; result:", "met" if worst <= TARGET else "NOT met")


if __name__ == "__main__":
    main()
