"""Cold-process timing shared by the benchmarks: interleaved runs, medians, one table."""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """A console script installed beside this interpreter (the project's venv)."""
    return str(BIN / name)


def compile_bytecode(package: Path) -> None:
    """Write .pyc files like a wheel install does (pip compiles on install), so an editable
    checkout is not timed recompiling its sources on every start."""
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(package)], check=True)


def runs_option(doc: str | None, default: int, least: int) -> int:
    """``--runs N`` from the command line: how many cold runs per command (at least ``least``,
    so a median means something)."""
    parser = argparse.ArgumentParser(description=doc)
    parser.add_argument("--runs", type=int, default=default)
    return max(parser.parse_args().runs, least)


def cold_runs(
    commands: dict[str, Sequence[str]], runs: int, ok: tuple[int, ...] = (0, 1)
) -> dict[str, float]:
    """Median wall time of each command as a fresh process, runs interleaved so that machine
    load affects every command alike. Each command must exit with a code in ``ok``."""
    samples: dict[str, list[float]] = {name: [] for name in commands}
    for _ in range(runs):
        for name, argv in commands.items():
            started = time.perf_counter()
            proc = subprocess.run(argv, capture_output=True, text=True, check=False)
            samples[name].append(time.perf_counter() - started)
            if proc.returncode not in ok:
                raise SystemExit(f"{name} failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    return {name: statistics.median(values) for name, values in samples.items()}


def report(title: str, medians: dict[str, float], subject: str, anchor: str) -> float:
    ratio = medians[subject] / medians[anchor]
    print(f"\n{title}")
    for name, value in medians.items():
        print(f"  {name:<40} median {value * 1000:8.1f} ms")
    print(f"  ratio {subject} / {anchor} = {ratio:.2f}")
    return ratio
