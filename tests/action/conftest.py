"""The real ``act`` running floe's composite Action on this machine (host mode, no Docker).

Each test gets a user's repository holding the demo with a base commit on ``main`` and a head
commit on ``feature``, a ``pull_request`` event file, and a fake GitHub REST server (a real
HTTP server on 127.0.0.1, from tests/helpers/fake_github.py) that act's steps reach through
``FLOE_GITHUB_API_URL``. The Action itself comes from a snapshot of this worktree through
``--local-repository floe/compile@v1=...``, exactly as a user's ``uses: floe/compile@v1``;
``actions/upload-artifact`` and ``actions/download-artifact`` are replaced, for the tests only,
by the stubs in ``stubs/`` (GitHub's artifact service does not exist offline), at the commit sha
action.yml and the test workflow pin them to. act skips ``actions/checkout`` of the repository
it runs in, whatever its ref.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.snapshot import commit, copy_demo, git, init, snapshot

ACT = str(Path(sys.executable).parent / "act")
HERE = Path(__file__).resolve().parent
STUBS = HERE / "stubs"
WORKFLOW = HERE / "workflows" / "review.yml"
WRITE_TOKEN = "ghs_floeTestWriteToken0001"
READ_TOKEN = "ghs_floeTestReadOnlyToken01"
PR = 7
REPOSITORY = "acme/shop"
PINNED_BY = [HERE.parent.parent / "action.yml", WORKFLOW]


def pinned(action: str) -> str:
    """``action@<sha>`` as action.yml and the test workflow use it: act's --local-repository
    replaces that exact ref, so a stub follows every re-pin."""
    refs = {
        ref
        for path in PINNED_BY
        for ref in re.findall(rf"uses: ({re.escape(action)}@[0-9a-f]{{40}})\b", path.read_text())
    }
    assert len(refs) == 1, f"{action}: expected one pinned sha, found {sorted(refs)}"
    return refs.pop()


@dataclass
class ActRun:
    code: int
    log: str
    outputs: dict[str, str]
    artifacts: Path

    def annotations(self, level: str) -> list[str]:
        return re.findall(rf"::{level} [^\n]*", self.log)


@pytest.fixture(scope="session")
def action_source(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return snapshot(tmp_path_factory.mktemp("floe-compile-action"))


@pytest.fixture(scope="session")
def act_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """act's HOME for the session: its tool cache keeps the Action's venv between runs."""
    return tmp_path_factory.mktemp("act-home")


@pytest.fixture
def github() -> Iterator[Any]:
    from tests.helpers.fake_github import FakeGitHub

    with FakeGitHub(page_size=30) as fake:
        fake.tokens[WRITE_TOKEN] = "github-actions[bot]"
        fake.tokens[READ_TOKEN] = "github-actions[bot]"
        fake.read_only_tokens.add(READ_TOKEN)
        yield fake


class UserRepo:
    """A user's repository: the demo on main, a feature branch, and PR events for it."""

    def __init__(self, root: Path, floe_checkout: Path | None = None) -> None:
        """The demo and the test workflow; or, given ``floe_checkout``, floe's own repository
        (its self-test workflow runs the Action with ``uses: ./``)."""
        if floe_checkout is None:
            self.root = init(root)
            copy_demo(self.root)
            workflows = self.root / ".github" / "workflows"
            workflows.mkdir(parents=True)
            shutil.copy2(WORKFLOW, workflows / "floe.yml")
        else:
            self.root = Path(shutil.copytree(floe_checkout, root, symlinks=True))
        # act names the repository (github.repository) after the origin remote
        git(self.root, "remote", "add", "origin", f"https://github.com/{REPOSITORY}.git")
        self.base = commit(self.root, "the demo")
        git(self.root, "checkout", "-q", "-b", "feature")
        self.head = self.base
        # The repository the PR's head lives in: a fork's full name, or the base repository.
        self.head_repository = REPOSITORY

    def add_copy(self, folder: str) -> str:
        """A second copy of the demo (a monorepo), on main; returns its floe.yaml path."""
        git(self.root, "checkout", "-q", "main")
        shutil.copytree(self.shop, self.root / folder)
        self.base = commit(self.root, f"a second project in {folder}")
        git(self.root, "checkout", "-q", "feature")
        git(self.root, "merge", "-q", "--ff-only", "main")
        self.head = self.base
        return f"{folder}/floe.yaml"

    @property
    def shop(self) -> Path:
        return self.root / "demo" / "shop"

    def edit(self, relative: str, old: str, new: str, message: str) -> str:
        path = self.shop / relative
        text = path.read_text(encoding="utf-8")
        assert old in text, f"{old!r} not in {relative}"
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        self.head = commit(self.root, message)
        return self.head

    def pull_request_event(self) -> Path:
        return self._event(
            "pull_request",
            {
                "action": "synchronize",
                "number": PR,
                "pull_request": {
                    "number": PR,
                    "head": {
                        "sha": self.head,
                        "ref": "feature",
                        "repo": {"full_name": self.head_repository},
                    },
                    "base": {"sha": self.base, "ref": "main", "repo": {"full_name": REPOSITORY}},
                },
            },
        )

    def workflow_run_event(self) -> Path:
        return self._event(
            "workflow_run",
            {
                "action": "completed",
                "workflow_run": {
                    "id": 4242,
                    "event": "pull_request",
                    "conclusion": "success",
                    "head_sha": self.head,
                    "head_branch": "feature",
                    "head_repository": {
                        "full_name": self.head_repository,
                        "owner": {"login": self.head_repository.split("/")[0]},
                    },
                    # GitHub leaves this empty for a fork's PR; publish never reads it
                    "pull_requests": [],
                },
            },
        )

    def _event(self, name: str, payload: dict[str, Any]) -> Path:
        owner, repo = REPOSITORY.split("/")
        payload["repository"] = {
            "full_name": REPOSITORY,
            "name": repo,
            "owner": {"login": owner},
            "default_branch": "main",
        }
        path = self.root.parent / f"{name}.json"
        path.write_text(json.dumps(payload), encoding="utf-8")
        return path


@pytest.fixture
def user_repo(tmp_path: Path) -> UserRepo:
    return UserRepo(tmp_path / "shop")


@pytest.fixture
def act(tmp_path: Path, action_source: Path, act_home: Path, github: Any) -> Any:
    """Run the test workflow with the real act; returns an ActRun."""
    artifacts = tmp_path / "uploaded"
    artifacts.mkdir()
    counter = iter(range(1, 100))

    def _run(
        repo: UserRepo,
        event: str = "pull_request",
        token: str = WRITE_TOKEN,
        workflow: str = ".github/workflows/floe.yml",
        **env: str,
    ) -> ActRun:
        number = next(counter)
        outputs = tmp_path / f"outputs-{number}.json"
        pull = event in ("pull_request", "pull_request_target")
        event_file = repo.pull_request_event() if pull else repo.workflow_run_event()
        test_env = {
            "FLOE_GITHUB_API_URL": github.url,
            "FLOE_TEST_ARTIFACTS": str(artifacts),
            "FLOE_TEST_OUTPUTS": str(outputs),
            **env,
        }
        argv = [
            ACT,
            event,
            "-P",
            "ubuntu-latest=-self-hosted",
            "-e",
            str(event_file),
            "-W",
            workflow,
            "--local-repository",
            f"floe/compile@v1={action_source}",
            "--local-repository",
            f"{pinned('actions/upload-artifact')}={STUBS / 'upload-artifact'}",
            "--local-repository",
            f"{pinned('actions/download-artifact')}={STUBS / 'download-artifact'}",
            "-s",
            f"GITHUB_TOKEN={token}",
        ]
        for key, value in test_env.items():
            argv += ["--env", f"{key}={value}"]
        # dbt from this venv at the END of PATH: found by `command -v dbt`, while `python3`
        # stays the system interpreter that creates the Action's own venv.
        venv_bin = str(Path(sys.executable).parent)
        path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if p != venv_bin]
        process_env = {
            **{k: v for k, v in os.environ.items() if not k.startswith(("VIRTUAL_ENV", "FLOE_"))},
            "HOME": str(act_home),
            "PATH": os.pathsep.join([*path, venv_bin]),
            "ACT_DISABLE_VERSION_CHECK": "1",
            "NO_COLOR": "1",
        }
        proc = subprocess.run(
            argv,
            cwd=repo.root,
            env=process_env,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
        log = proc.stdout + proc.stderr
        (tmp_path / f"act-{number}.log").write_text(log, encoding="utf-8")  # for a failure
        data = json.loads(outputs.read_text()) if outputs.is_file() else {}
        return ActRun(proc.returncode, log, data, artifacts)

    return _run
