"""Regenerate docs/asset-graph.png: the demo's asset graph as the real Dagster UI draws it.

`make screenshot` runs this: compile the demo (with `dbt parse`), serve `demo/shop/definitions.py`
with `dagster-webserver` on 127.0.0.1 (a free port, a throw-away DAGSTER_HOME), open the global
asset lineage page in headless Chromium and save the picture, then stop the server.
Needs Chromium (`apt-get install -y chromium`). Standard library only.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

REPO = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
STARTUP_SECONDS = 240
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--floe-yaml", type=Path, default=REPO / "demo/shop/floe.yaml")
    parser.add_argument("--definitions", type=Path, default=REPO / "demo/shop/definitions.py")
    parser.add_argument("--env", default="dev")
    parser.add_argument("--page", default="/asset-groups", help="UI path to capture")
    parser.add_argument("--size", default="1400,1300", help="window width,height")
    parser.add_argument("--out", type=Path, default=REPO / "docs/asset-graph.png")
    args = parser.parse_args()
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    if browser is None:
        print("screenshot: Chromium not found; apt-get install -y chromium", file=sys.stderr)
        return 1
    with tempfile.TemporaryDirectory(prefix="floe-screenshot-") as scratch:
        work = Path(scratch)
        bundle = work / "dist"
        compiled = subprocess.run(
            [
                str(BIN / "floe"),
                "compile",
                str(args.floe_yaml),
                "--env",
                args.env,
                "--dbt-parse",
                "--out",
                str(bundle),
            ],
            cwd=REPO,
            check=False,
        )
        if compiled.returncode != 0:
            return compiled.returncode
        env = {
            **os.environ,
            "DAGSTER_HOME": str(work / "home"),
            "FLOE_ARTIFACTS": str(bundle / args.env),
            "FLOE_PROJECT_ROOT": str(REPO),
        }
        (work / "home").mkdir()
        port = _free_port()
        url = f"http://127.0.0.1:{port}"
        with (work / "webserver.log").open("w") as log:
            server = subprocess.Popen(
                [
                    str(BIN / "dagster-webserver"),
                    "-h",
                    "127.0.0.1",
                    "-p",
                    str(port),
                    "-f",
                    str(args.definitions),
                    "-d",
                    str(args.definitions.parent.parent),
                ],
                cwd=REPO,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
            try:
                if not _wait(url, server):
                    print((work / "webserver.log").read_text()[-4000:], file=sys.stderr)
                    return 1
                _graphql(url, "mutation { setNuxSeen }")  # as clicking Skip on the welcome dialog
                page = args.page if args.page != "/asset-groups" else _every_group_open(url)
                args.out.parent.mkdir(parents=True, exist_ok=True)
                subprocess.run(
                    [
                        browser,
                        *CHROMIUM_FLAGS,
                        f"--user-data-dir={work / 'chromium'}",
                        f"--window-size={args.size}",
                        "--virtual-time-budget=20000",
                        f"--screenshot={args.out.resolve()}",
                        url + page,
                    ],
                    check=True,
                    timeout=180,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            finally:
                _stop(server)
    print(f"screenshot: wrote {args.out}")
    return 0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _wait(url: str, server: subprocess.Popen[bytes]) -> bool:
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline and server.poll() is None:
        try:
            with urllib.request.urlopen(f"{url}/server_info", timeout=5) as response:
                if response.status == 200:
                    return True
        except (urllib.error.URLError, OSError):
            time.sleep(0.5)
    return False


def _every_group_open(url: str) -> str:
    """The lineage page with every asset group expanded (the UI folds them when there are
    several; its ``expanded`` URL parameter lists the open ones)."""
    nodes = _graphql(url, "{ assetNodes { groupName } }")["assetNodes"]
    groups = sorted({node["groupName"] for node in nodes if node["groupName"]})
    return "/asset-groups?" + urlencode(
        {"expanded": ",".join(f"global@global:{g}" for g in groups)}
    )


def _graphql(url: str, query: str) -> dict[str, Any]:
    request = urllib.request.Request(
        f"{url}/graphql",
        data=json.dumps({"query": query}).encode(),
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())["data"]  # type: ignore[no-any-return]


def _stop(server: subprocess.Popen[bytes]) -> None:
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait(timeout=30)


if __name__ == "__main__":
    sys.exit(main())
