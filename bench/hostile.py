"""`floe validate` on adversarial floe.yaml files of up to 5 MiB: wall time and peak memory.

Target (issue 7): every input <= 5 MiB validates in <= 2 s and <= 500 MB. Each input is run as
a cold process (median of --runs), its peak RSS and CPU time read from the kernel's accounting
of that one child (CPU time, unlike wall time, does not grow when other jobs share the cores);
the anchors are `python -c pass` (interpreter start) and check-jsonschema on the same
file (the schema-only check an editor runs), measured in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

from _timing import compile_bytecode, tool

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from floe_runtime.spec.triggers import MAX_BACKFILLS  # noqa: E402
from floe_runtime.spec.yaml_loader import MAX_NODES  # noqa: E402

SCHEMA = REPO / "schemas" / "floe.schema.json"
LIMIT = 5 * 1024 * 1024
TARGET_SECONDS, TARGET_MB = 2.0, 500
GIVE_UP = 60  # seconds; a run cut off there is reported with exit -1
HEAD = 'name: hostile\nversion: "1"\norchestration:\n'


def _fill(unit: Callable[[int], str], head: str = HEAD, tail: str = "") -> str:
    """``head`` + as many ``unit(i)`` as fit in 5 MiB + ``tail``."""
    parts, size, i = [head], len(head) + len(tail), 0
    while True:
        piece = unit(i)
        if size + len(piece.encode()) > LIMIT:
            return "".join(parts) + tail
        parts.append(piece)
        size += len(piece.encode())
        i += 1


def _widest(unit: Callable[[int], str], values: int, head: str, head_values: int = 10) -> str:
    """As many ``unit(i)`` (each ``values`` YAML values) as keep the file under floe's value
    cap (``head`` holds ``head_values``) and 5 MiB: the most entities a file can make floe
    check one by one."""
    count = (MAX_NODES - head_values - 10) // values
    return _fill(lambda i: unit(i) if i < count else "x" * LIMIT, head)


def _string(body: str) -> str:
    text = HEAD + '  jobs: {v: {type: batch, selection: ["*"], description: "'
    return text + body * ((LIMIT - len(text) - 8) // len(body)) + '"}}\n'


def _nested(i: int) -> str:
    """orchestration.jobs.v.args.a<i> plus 27 lists: 32 levels, the most floe reads."""
    return f"        a{i}: " + "[" * 27 + "1" + "]" * 27 + "\n"


INPUTS: dict[str, Callable[[], str | dict[str, str]]] = {
    "secret scan: 5 MiB 'a://' string": lambda: _string("a://"),
    "secret scan: 5 MiB '-eyJ' string": lambda: _string("-eyJ"),
    "secret scan: 5 MiB '://a:' string": lambda: _string("://a:"),
    "nesting at the limit (32 levels), repeated": lambda: _fill(
        _nested,
        HEAD + "  jobs:\n    v:\n      type: ops\n      target_function: p.f\n      args:\n",
    ),
    "big flow sequence (selection, 600k items)": lambda: _fill(
        lambda i: f'"key:a{i}", ', HEAD + "  jobs: {v: {type: batch, selection: [", "]}}\n"
    ),
    "many errors (invalid crons)": lambda: _widest(
        lambda i: f'    s{i}: {{job: j, cron_schedule: "61 * * * {i}"}}\n',
        3,
        HEAD + "  jobs: {j: {type: batch, selection: ['*']}}\n  schedules:\n",
    ),
    "many misspellings (unknown jobs)": lambda: _widest(
        lambda i: f'    s{i}: {{job: jbo_{i}, cron_schedule: "@daily"}}\n',
        3,
        HEAD
        + "  jobs:\n"
        + "".join(f"    job_{i}: {{type: batch, selection: ['*']}}\n" for i in range(2000))
        + "  schedules:\n",
        head_values=2000 * 4 + 10,
    ),
    "widest valid: jobs with selections": lambda: _widest(
        lambda i: f'    job_{i}: {{type: batch, selection: ["group:g{i} or key:k"]}}\n',
        4,
        HEAD + "  jobs:\n",
    ),
    "widest valid: schedules, distinct crons": lambda: _widest(
        lambda i: (
            f'    s{i}: {{job: j, cron_schedule: "{i % 60} {i // 60 % 24} '
            f'{i // 1440 % 28 + 1} * *", timezone: Europe/Berlin}}\n'
        ),
        4,
        HEAD + "  jobs: {j: {type: batch, selection: ['*']}}\n  schedules:\n",
    ),
    "widest valid: time-window partitions": lambda: _widest(
        lambda i: (
            f'    p{i}: {{type: time_window, cron_schedule: "0 {i % 24} * * *", '
            f'start: "2020-01-01", timezone: Europe/Berlin}}\n'
        ),
        5,
        HEAD + "  partitions:\n",
    ),
    "backfills: the most a file holds, distinct ranges": lambda: (
        HEAD
        + "  partitions: {d: {type: time_window, cron_schedule: '@hourly', start: '2020-01-01'}}\n"
        + "  jobs: {j: {type: batch, selection: ['*']}}\n  backfills:\n"
        + "".join(
            f"    b{i}: {{job: j, partitions: d, partition_range: "
            f"{{start: '{2020 + i % 5}-{i % 12 + 1:02d}-{i % 28 + 1:02d}-{i % 24:02d}:00', "
            f"end: '2025-06-01-00:00'}}}}\n"
            for i in range(MAX_BACKFILLS)
        )
    ),
    "selections: one 5 MiB expression": lambda: (
        HEAD
        + '  jobs: {v: {type: batch, selection: ["'
        + "key:a or " * ((LIMIT - 200) // 9)
        + 'key:a"]}}\n'
    ),
    "a file at the value limit, in 10 environments": lambda: {
        "floe.yaml": INPUTS["widest valid: jobs with selections"](),
        **{f"environments/e{i}.env": f"X={i}\n" for i in range(10)},
    },
    "aliases (expansion up to the cap)": lambda: _fill(
        lambda i: f"    s{i}: *s\n",
        HEAD + "  jobs: {j: {type: batch, selection: ['*']}}\n  schedules:\n"
        "    base: &s {job: j, cron_schedule: '@daily'}\n",
    ),
}


def _files(built: str | dict[str, str]) -> dict[str, str]:
    """An input is floe.yaml's text, or a project's files by relative path."""
    return {"floe.yaml": built} if isinstance(built, str) else built


def measure(argv: Sequence[str], runs: int) -> tuple[float, float, int, float]:
    """Median wall seconds, peak RSS in MB, the exit code and median CPU seconds (user +
    system) of ``argv`` as a cold process."""
    probe = (
        "import resource, subprocess, sys\n"
        "try:\n"
        f"    proc = subprocess.run(sys.argv[1:], capture_output=True, timeout={GIVE_UP})\n"
        "    code = proc.returncode\n"
        "except subprocess.TimeoutExpired:\n"
        "    code = 'timeout'\n"
        "use = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(code, use.ru_maxrss, use.ru_utime + use.ru_stime)"
    )
    times, peaks, cpus, code = [], [], [], 0
    for _ in range(runs):
        started = time.perf_counter()
        out = subprocess.run(
            [sys.executable, "-c", probe, *argv], capture_output=True, text=True, check=True
        ).stdout.split()
        times.append(time.perf_counter() - started)
        code, peak_kb = (-1 if out[0] == "timeout" else int(out[0])), int(out[1])
        peaks.append(peak_kb / 1024)
        cpus.append(float(out[2]))
    return statistics.median(times), max(peaks), code, statistics.median(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    floe, cjs = tool("floe"), tool("check-jsonschema")
    compile_bytecode(REPO / "floe_runtime")
    empty = measure([sys.executable, "-c", "pass"], args.runs)
    print(f"anchor python -c pass: {empty[0] * 1000:.0f} ms, {empty[1]:.0f} MB")
    print(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores: on a shared machine")
    print("wall time includes waiting for a core; the target is judged on min(wall, cpu)")
    rows, met = [], True
    with tempfile.TemporaryDirectory() as tmp:
        for number, (name, build) in enumerate(INPUTS.items()):
            folder = Path(tmp) / str(number)
            path = folder / "floe.yaml"
            for relative, text in _files(build()).items():
                (folder / relative).parent.mkdir(parents=True, exist_ok=True)
                (folder / relative).write_text(text, encoding="utf-8")
            size = path.stat().st_size
            seconds, mb, code, cpu = measure([floe, "validate", str(path)], args.runs)
            anchor = measure([cjs, "--schemafile", str(SCHEMA), str(path)], 1)
            ok = min(seconds, cpu) <= TARGET_SECONDS and mb <= TARGET_MB and code in (0, 1)
            met &= ok
            rows.append(
                {
                    "input": name,
                    "bytes": size,
                    "floe_s": round(seconds, 2),
                    "floe_cpu_s": round(cpu, 2),
                    "floe_mb": round(mb),
                    "exit": code,
                    "check_jsonschema_s": round(anchor[0], 2),
                    "check_jsonschema_mb": round(anchor[1]),
                    "ratio": round(seconds / anchor[0], 2),
                    "target": "met" if ok else "NOT met",
                }
            )
            r = rows[-1]
            print(
                f"{name:<46} {size / 1024 / 1024:4.1f} MiB  floe {r['floe_s']:5.2f} s "
                f"(cpu {r['floe_cpu_s']:5.2f} s) "
                f"{r['floe_mb']:4d} MB exit {code}  |  check-jsonschema "
                f"{r['check_jsonschema_s']:5.2f} s {r['check_jsonschema_mb']:4d} MB  "
                f"ratio {r['ratio']:.2f}  [{r['target']}]"
            )
    print(f"\ntargets: <= {TARGET_SECONDS} s and <= {TARGET_MB} MB, exit 0/1, for every input")
    print("result:", "met" if met else "NOT met")
    print(json.dumps(rows))


if __name__ == "__main__":
    main()
