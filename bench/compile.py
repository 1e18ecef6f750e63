"""`floe compile` timings, cold processes, one run, against named anchors.

1. `floe compile --all-envs` of the demo (3 environments, no dbt parse) — target <= 1.0 s;
   anchor: `python -c pass` (the interpreter's own start), printed for scale.
2. `floe compile` with a 5,000-model dbt manifest vs the floor
   `python -c 'import json; json.load(open(manifest))'` — target <= 3x the floor.

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
import random
import subprocess
import sys
import tempfile
from pathlib import Path

from _timing import cold_runs, compile_bytecode, report, tool

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
    print("\ntargets: demo <= 1.0 s; 5,000 models <= 3x the json.load floor")
    print("result:", "met" if demo_time <= 1.0 and ratio <= 3.0 else "NOT met")


if __name__ == "__main__":
    main()
