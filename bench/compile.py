"""`floe compile` timings, cold processes, one run, against named anchors.

1. `floe compile --all-envs` of the demo (3 environments, no dbt parse) — target <= 1.0 s;
   anchor: `python -c pass` (the interpreter's own start), printed for scale.
2. `floe compile` with a 5,000-model dbt manifest vs the floor
   `python -c 'import json; json.load(open(manifest))'` — target <= 3x the floor.
3. dbt parsed once, incrementally, on a copy of the demo (3 environments, 3 targets); anchor:
   one warm partial `dbt parse` of the same project (its own target path, parsed before), after
   the same one-line change to a model that each round makes first:
   - `floe compile --all-envs --dbt-parse` after the change — target <= 1.3x the anchor;
   - the same compile again, nothing changed — target <= 0.5x the anchor;
   - `floe review` of a branch changing floe.yaml, with dbt, floe's cache empty (a fresh CI
     runner: the head parses, the base reuses it) — target <= 2.0x the anchor; and the same
     review with the cache kept from the round before (a developer's laptop), for scale.

The manifest is a real `dbt parse` of the demo's dbt project, its model nodes replicated to
5,000 models with realistic dependencies (so it has dbt's real size per node).

`--baseline REF` also times floe as it was at git ref REF on the same manifest, interleaved
(a temporary `git worktree`, the same interpreter and dependencies): "no slower than before"
measured in one run, e.g. `--baseline 1237da0` (main before the layout change).
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _timing import cold_runs, compile_bytecode, report, tool

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from tests.helpers.snapshot import commit, git, init

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "demo" / "shop"
FLOOR = "floor: json.load(manifest)"


def parsed_demo_manifest(work: Path) -> dict:
    subprocess.run(
        [
            tool("dbt"),
            "parse",
            "--project-dir",
            str(DEMO / "dbt"),
            "--profiles-dir",
            str(DEMO / "dbt"),
            "--target-path",
            str(work / "target"),
            "--log-path",
            str(work / "logs"),
        ],
        check=True,
        capture_output=True,
        env={"DBT_SEND_ANONYMOUS_USAGE_STATS": "false", "PATH": str(Path(sys.executable).parent)},
    )
    return json.loads((work / "target" / "manifest.json").read_text())


def large_manifest(template: dict, models: int, seed: int = 7) -> dict:
    """``models`` copies of a real model node in a layered DAG (each reads up to 3 earlier)."""
    rng = random.Random(seed)
    manifest = copy.deepcopy(template)
    base = next(
        n
        for n in template["nodes"].values()
        if n["resource_type"] == "model" and n["config"]["materialized"] == "table"
    )
    nodes = dict(manifest["nodes"])
    ids: list[str] = []
    for i in range(models):
        name = f"model_{i:05d}"
        node = copy.deepcopy(base)
        uid = f"model.shop.{name}"
        node.update(
            unique_id=uid,
            name=name,
            alias=name,
            fqn=["shop", "gold", name],
            path=f"gold/{name}.sql",
            original_file_path=f"models/gold/{name}.sql",
        )
        node["checksum"] = {"name": "sha256", "checksum": f"{i:064x}"}
        parents = rng.sample(ids[-300:], k=min(len(ids), rng.randint(0, 3))) if ids else []
        node["depends_on"] = {"macros": [], "nodes": parents or list(base["depends_on"]["nodes"])}
        node["config"]["meta"] = {"dagster": {"group": f"g{i % 40}"}}
        node["meta"] = node["config"]["meta"]
        nodes[uid] = node
        ids.append(uid)
    manifest["nodes"] = nodes
    manifest["child_map"] = {}
    manifest["parent_map"] = {}
    return manifest


def large_project(folder: Path) -> Path:
    (folder / "environments").mkdir(parents=True)
    (folder / "environments" / "prod.env").write_text("DBT_TARGET=prod\n")
    jobs = "\n".join(
        f'    job_{i}: {{type: batch, selection: ["group:g{i} and not key:tmp_*"]}}'
        for i in range(40)
    )
    path = folder / "floe.yaml"
    path.write_text(
        'name: large\nversion: "1"\norchestration:\n'
        '  dbt: {project_dir: dbt, target: "${DBT_TARGET:dev}", manifest_path: manifest.json}\n'
        '  assets:\n    "model_0*": {automation_condition: eager}\n'
        f"  jobs:\n{jobs}\n"
    )
    return path


def baseline_command(ref: str, work: Path) -> list[str]:
    """``floe`` as it was at git ref ``ref`` (checked out beside this run, same interpreter and
    dependencies), so "no slower than before" is measured in the same run, interleaved."""
    tree = work / "baseline"
    subprocess.run(
        ["git", "-C", str(REPO), "worktree", "add", "--detach", "--force", str(tree), ref],
        check=True,
        capture_output=True,
    )
    compile_bytecode(tree / "floe_runtime")
    entry = (
        f"import sys; sys.path.insert(0, {str(tree)!r}); from floe_runtime.cli import main; main()"
    )
    return [sys.executable, "-c", entry]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--baseline", metavar="REF", help="also time floe at this git ref")
    args = parser.parse_args()
    runs = max(args.runs, 5)
    floe, python = tool("floe"), sys.executable
    compile_bytecode(REPO / "floe_runtime")

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        try:
            _run(work, runs, floe, python, args.baseline)
        finally:
            if args.baseline:
                subprocess.run(
                    [
                        "git",
                        "-C",
                        str(REPO),
                        "worktree",
                        "remove",
                        "--force",
                        str(work / "baseline"),
                    ],
                    check=False,
                    capture_output=True,
                )


def _run(work: Path, runs: int, floe: str, python: str, baseline: str | None) -> None:
    demo = cold_runs(
        {
            "floe compile --all-envs (demo, 3 envs)": [
                floe,
                "compile",
                str(DEMO / "floe.yaml"),
                "--all-envs",
                "--out",
                str(work / "demo-out"),
            ],
            "python -c pass": [python, "-c", "pass"],
        },
        runs,
        ok=(0,),
    )
    report(
        f"demo, {runs} runs each",
        demo,
        "floe compile --all-envs (demo, 3 envs)",
        "python -c pass",
    )

    manifest = large_manifest(parsed_demo_manifest(work), 5000)
    project = large_project(work / "large")
    manifest_file = project.parent / "manifest.json"
    manifest_file.write_text(json.dumps(manifest))
    size = manifest_file.stat().st_size
    arguments = ["compile", str(project), "--env", "prod", "--out"]
    commands = {
        "floe compile (5,000-model manifest)": [floe, *arguments, str(work / "out")],
        FLOOR: [
            python,
            "-c",
            f"import json; json.load(open({str(manifest_file)!r}))",
        ],
    }
    if baseline:
        earlier = [*baseline_command(baseline, work), *arguments, str(work / "out-before")]
        commands[f"floe at {baseline} (same manifest)"] = earlier
    large = cold_runs(commands, runs, ok=(0,))
    ratio = report(
        f"5,000-model manifest ({size / 1e6:.1f} MB), {runs} runs each",
        large,
        "floe compile (5,000-model manifest)",
        FLOOR,
    )
    if baseline:
        earlier_ratio = large[f"floe at {baseline} (same manifest)"] / large[FLOOR]
        print(f"  ratio floe at {baseline} / {FLOOR} = {earlier_ratio:.2f}")
    artifact = json.loads((work / "out" / "prod" / "compiled_artifacts.json").read_text())
    print(
        f"  compiled {len(artifact['asset_graph']['assets'])} assets, {len(artifact['jobs'])} jobs"
    )
    demo_time = demo["floe compile --all-envs (demo, 3 envs)"]
    parse_met = _dbt_rounds(work, runs, floe)
    print("\ntargets: demo <= 1.0 s; 5,000 models <= 3x the json.load floor")
    print("result:", "met" if demo_time <= 1.0 and ratio <= 3.0 else "NOT met")
    print("dbt parse targets (1.3x, 0.5x, 2.0x):", "met" if parse_met else "NOT met")


ANCHOR = "dbt parse (warm, partial; anchor)"
CHANGED = "floe compile --all-envs --dbt-parse, a model changed"
SAME = "floe compile --all-envs --dbt-parse, nothing changed"
REVIEW_COLD = "floe review with dbt, empty cache"
REVIEW_WARM = "floe review with dbt, cache kept"


def _timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    started = time.perf_counter()
    proc = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    if proc.returncode != 0:
        raise SystemExit(f"{argv[:3]} failed ({proc.returncode}):\n{proc.stderr[-3000:]}")
    return elapsed


def _dbt_rounds(work: Path, runs: int, floe: str) -> bool:
    """Section 3: each round changes one model, then times every command once, interleaved."""
    repo = init(work / "dbt-repo")
    shutil.copytree(
        DEMO, repo / "shop", ignore=shutil.ignore_patterns("target", "logs", "*.duckdb*")
    )
    commit(repo, "base")
    git(repo, "checkout", "-q", "-b", "feature")
    floe_yaml = repo / "shop" / "floe.yaml"
    floe_yaml.write_text(floe_yaml.read_text().replace('"0 3 * * SUN"', '"0 4 * * SUN"'))
    commit(repo, "head: vacuum an hour later")
    reviewed = work / "dbt-review"  # a clone whose dbt project stays as committed
    subprocess.run(["git", "clone", "-q", str(repo), str(reviewed)], check=True)
    git(reviewed, "branch", "-q", "main", "origin/main")
    project = repo / "shop" / "dbt"
    model = project / "models" / "gold" / "customer_orders.sql"
    env = {**os.environ, "DBT_SEND_ANONYMOUS_USAGE_STATS": "false"}
    env["FLOE_CACHE_DIR"] = str(work / "cache")
    anchor = [
        tool("dbt"), "parse", "--project-dir", str(project), "--profiles-dir", str(project),
        "--target-path", str(work / "anchor" / "target"), "--log-path", str(work / "anchor"),
    ]  # fmt: skip
    compile_ = [floe, "compile", str(floe_yaml), "--all-envs", "--dbt-parse", "--out"]
    compile_ += [str(work / "parse-out")]
    review = [floe, "review", "--base", "main", "--config", "shop/floe.yaml"]
    review += ["--out", str(work / "review-out")]
    samples: dict[str, list[float]] = {
        name: [] for name in (ANCHOR, CHANGED, SAME, REVIEW_COLD, REVIEW_WARM)
    }
    for round_ in range(runs + 1):  # round 0 warms dbt's and floe's caches, untimed
        with model.open("a") as handle:
            handle.write(f"-- round {round_}\n")
        times = {
            ANCHOR: _timed(anchor, repo, env),
            CHANGED: _timed(compile_, repo, env),
            SAME: _timed(compile_, repo, env),
            REVIEW_WARM: _timed(review, reviewed, env),
        }
        shutil.rmtree(work / "cache-cold", ignore_errors=True)
        cold = {**env, "FLOE_CACHE_DIR": str(work / "cache-cold")}
        times[REVIEW_COLD] = _timed(review, reviewed, cold)
        if round_:
            for name, value in times.items():
                samples[name].append(value)
    medians = {name: statistics.median(values) for name, values in samples.items()}
    print(f"\ndbt parse on the demo (3 environments, 3 targets), {runs} rounds each")
    for name, value in medians.items():
        print(f"  {name:<56} median {value * 1000:8.1f} ms")
    met = True
    for name, target in ((CHANGED, 1.3), (SAME, 0.5), (REVIEW_COLD, 2.0), (REVIEW_WARM, None)):
        ratio = medians[name] / medians[ANCHOR]
        verdict = "" if target is None else f" (target <= {target}: "
        verdict += "" if target is None else ("met)" if ratio <= target else "NOT met)")
        met = met and (target is None or ratio <= target)
        print(f"  ratio {name} / anchor = {ratio:.2f}{verdict}")
    return met


if __name__ == "__main__":
    main()
