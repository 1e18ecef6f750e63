"""floe's pre-commit hooks: floe-validate against check-jsonschema's own hook, same file, same
run; and floe-compile (every environment compiled in memory, no dbt).

Both hooks are installed first (pre-commit's isolated venvs: floe from a snapshot of this
worktree, check-jsonschema from PyPI through a ``repo: local`` hook, since its GitHub repository
cannot be cloned offline), then ``pre-commit run HOOK --files demo/shop/floe.yaml`` is timed
as a fresh process, interleaved, median of >= 5 runs each, with a no-op hook as pre-commit's
own floor (git queries, config, hook lookup). floe-compile is timed on the demo's floe.yaml and
on an asset module alone (traced to that floe.yaml). Targets: floe-validate <= 0.5 s,
floe-compile <= 0.8 s.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from importlib.metadata import version
from pathlib import Path

from _timing import cold_runs, report, runs_option, tool

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.helpers.snapshot import commit, copy_demo, git, init, snapshot  # noqa: E402

CONFIG = "demo/shop/floe.yaml"
MODULE = "demo/shop/assets/bronze.py"


def user_repository(root: Path, floe_repo: Path) -> Path:
    """A user's repository: the demo, the schema, and a .pre-commit-config.yaml with both."""
    repo = init(root / "user")
    copy_demo(repo)
    (repo / "schemas").mkdir()
    shutil.copy2(REPO / "schemas" / "floe.schema.json", repo / "schemas")
    rev = git(floe_repo, "rev-parse", "HEAD")
    (repo / ".pre-commit-config.yaml").write_text(
        f"""repos:
  - repo: {floe_repo}
    rev: {rev}
    hooks:
      - id: floe-validate
      - id: floe-compile
  - repo: local
    hooks:
      - id: check-jsonschema
        name: check-jsonschema (floe.schema.json)
        entry: check-jsonschema --schemafile schemas/floe.schema.json
        language: python
        additional_dependencies: ["check-jsonschema=={version("check-jsonschema")}"]
        files: (^|/)floe\\.ya?ml$
      - id: noop
        name: no-op (pre-commit's own floor)
        entry: "true"
        language: unsupported
        files: (^|/)floe\\.ya?ml$
""",
        encoding="utf-8",
    )
    commit(repo, "demo")
    return repo


def main() -> None:
    runs = runs_option(__doc__, 7, 5)
    pre_commit = tool("pre-commit")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        repo = user_repository(root, snapshot(root / "floe"))
        os.environ["PRE_COMMIT_HOME"] = str(root / "pre-commit-home")
        os.chdir(repo)
        subprocess.run([pre_commit, "install-hooks"], check=True, capture_output=True)
        medians = cold_runs(
            {
                "pre-commit run floe-validate": [
                    pre_commit,
                    "run",
                    "floe-validate",
                    "--files",
                    CONFIG,
                ],
                "pre-commit run check-jsonschema": [
                    pre_commit,
                    "run",
                    "check-jsonschema",
                    "--files",
                    CONFIG,
                ],
                "pre-commit run no-op hook (floor)": [pre_commit, "run", "noop", "--files", CONFIG],
                "pre-commit run floe-compile": [
                    pre_commit,
                    "run",
                    "floe-compile",
                    "--files",
                    CONFIG,
                ],
                "pre-commit run floe-compile (asset module)": [
                    pre_commit,
                    "run",
                    "floe-compile",
                    "--files",
                    MODULE,
                ],
            },
            runs,
            ok=(0,),
        )
    report(
        f"pre-commit hooks on the demo floe.yaml, installed, {runs} runs each",
        medians,
        "pre-commit run floe-validate",
        "pre-commit run check-jsonschema",
    )
    floe = medians["pre-commit run floe-validate"]
    floor = medians["pre-commit run no-op hook (floor)"]
    print(f"  floe-validate above pre-commit's own floor: {(floe - floor) * 1000:.1f} ms")
    compile_ = max(
        medians["pre-commit run floe-compile"],
        medians["pre-commit run floe-compile (asset module)"],
    )
    print(f"  floe-compile above pre-commit's own floor: {(compile_ - floor) * 1000:.1f} ms")
    print("\ntarget: floe-validate <= 0.5 s; result:", "met" if floe <= 0.5 else "NOT met")
    print("target: floe-compile <= 0.8 s; result:", "met" if compile_ <= 0.8 else "NOT met")


if __name__ == "__main__":
    main()
