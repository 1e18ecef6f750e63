"""`dagster dev` reloads of the demo in development mode, against a plain reload, same run.

Two real `dagster dev` on copies of the compiled demo, side by side on 127.0.0.1: one with
``FLOE_DEV=0`` (the anchor: Dagster reloading the reviewed bundle, nothing compiled) and one in
development mode. Reloads go through GraphQL ``reloadRepositoryLocation`` (the UI's Reload
button), interleaved so machine load hits both alike; median of ``--runs`` each. In development
mode: nothing changed, a Python asset edited, an env value edited (both recompile floe.yaml
without dbt), a dbt model edited (dbt parses). Goal (issue 16): the first two cost about a plain
reload; the dbt one adds a `dbt parse`.
"""

from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import ExitStack
from pathlib import Path

from _timing import runs_option, tool

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.definitions.runs.webserver import dagster_dev, graphql  # noqa: E402

RELOAD = """
mutation ($name: String!) {
  reloadRepositoryLocation(repositoryLocationName: $name) {
    ... on WorkspaceLocationEntry { locationOrLoadError { __typename } }
  }
}
"""
LOCATION = "{ workspaceOrError { ... on Workspace { locationEntries { name } } } }"
ANCHOR = "plain reload, FLOE_DEV=0"


def demo(root: Path) -> Path:
    """The demo in a repository of its own, with its dev bundle compiled."""
    (root / ".git").mkdir(parents=True)
    shutil.copytree(
        REPO / "demo", root / "demo", ignore=shutil.ignore_patterns("target", "logs", "*.duckdb")
    )
    floe_yaml = root / "demo" / "shop" / "floe.yaml"
    out = root / "dist" / "floe"
    command = [tool("floe"), "compile", str(floe_yaml), "--env", "dev", "--dbt-parse"]
    subprocess.run([*command, "--out", str(out)], check=True, capture_output=True)
    return root


def reload(url: str, name: str) -> float:
    started = time.perf_counter()
    entry = graphql(url, RELOAD, {"name": name}, timeout=600)["reloadRepositoryLocation"]
    seconds = time.perf_counter() - started
    if entry["locationOrLoadError"]["__typename"] != "RepositoryLocation":
        raise SystemExit(f"the location did not load: {entry}")
    return seconds


def main() -> None:
    runs = runs_option(__doc__, default=3, least=3)
    with tempfile.TemporaryDirectory(prefix="floe-bench-dev-") as tmp, ExitStack() as stack:
        work = Path(tmp)
        urls: dict[str, tuple[str, str]] = {}
        for label, flag in (("plain", "0"), ("dev", "1")):
            root = demo(work / label)
            env = {
                "FLOE_ARTIFACTS": str(root / "dist" / "floe" / "dev"),
                "FLOE_PROJECT_ROOT": str(root),
                "FLOE_DEV": flag,
            }
            shop = root / "demo" / "shop"
            target = ["-f", str(shop / "definitions.py"), "-d", str(root / "demo")]
            url = stack.enter_context(dagster_dev(target, work / f"home-{label}", root, env))
            (entry,) = graphql(url, LOCATION)["workspaceOrError"]["locationEntries"]
            urls[label] = (url, entry["name"])
            reload(url, entry["name"])  # the first dev load verifies the bundle once
        shop = work / "dev" / "demo" / "shop"
        bronze, env_file = shop / "assets" / "bronze.py", shop / "environments" / "dev.env"
        model = shop / "dbt" / "models" / "staging" / "stg_orders.sql"
        originals = {p: p.read_text() for p in (bronze, env_file, model)}

        def edit(path: Path, suffix: Callable[[int], str]) -> Callable[[int], None]:
            return lambda run: path.write_text(originals[path] + suffix(run))

        steps: dict[str, tuple[str, Callable[[int], None] | None]] = {
            ANCHOR: ("plain", None),
            "dev mode, nothing changed": ("dev", None),
            "dev mode, Python asset edited": ("dev", edit(bronze, lambda n: f"\n# run {n}\n")),
            "dev mode, env value edited": ("dev", edit(env_file, lambda n: f"VACUUM_DAYS={n}\n")),
            "dev mode, dbt model edited": ("dev", edit(model, lambda n: f"\n-- run {n}\n")),
        }
        samples: dict[str, list[float]] = {name: [] for name in steps}
        for run in range(runs):
            for name, (label, change) in steps.items():
                if change is not None:
                    change(run)
                samples[name].append(reload(*urls[label]))
    medians = {name: statistics.median(values) for name, values in samples.items()}
    anchor = medians[ANCHOR]
    print(f"\n`dagster dev` reload of the demo, median of {runs} (cpus: {os.cpu_count()})")
    for name, value in medians.items():
        print(f"  {name:<34} median {value:7.2f} s   ratio to anchor {value / anchor:5.2f}")


if __name__ == "__main__":
    main()
