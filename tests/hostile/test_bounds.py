"""Every walk is depth-limited and every matcher linear: hostile floe.yaml files of up to 5 MiB
are answered with a clear error (or accepted) within the time bound."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

import pytest

from tests.hostile.cli import FLOE, MINIMAL, TOKEN, floe, shop, write

NESTING = {
    "flow mappings": "a: " + "{b: " * 330 + "1" + "}" * 330,
    "flow sequences": "a: " + "[" * 500 + "]" * 500,
    "block mappings": "".join("  " * i + f"k{i}:\n" for i in range(200)) + "  " * 200 + "v\n",
    "deep args": MINIMAL.replace("schedules: {}", "")
    + "  jobs: {v: {type: ops, target_function: pkg.v, args: {a: "
    + "[" * 200
    + "]" * 200
    + "}}}",
    # each line nests 25 levels, and pastes in the line before: depth grows through aliases
    "through aliases": "a:\n"
    + "".join(
        f"  k{i}: &a{i} " + "[" * 25 + (f"*a{i - 1}" if i else "1") + "]" * 25 + "\n"
        for i in range(60)
    ),
}


@pytest.mark.parametrize("case", sorted(NESTING))
def test_deep_nesting_is_a_clear_error(tmp_path: Path, case: str) -> None:
    write(tmp_path, {"floe.yaml": NESTING[case]})
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "error: values nest more than 32 levels deep" in ran.out
    assert "hint: floe.yaml never needs this depth; flatten the structure" in ran.out


def test_nesting_past_libyamls_own_limit_is_a_clear_error(tmp_path: Path) -> None:
    write(tmp_path, {"floe.yaml": "a: " + "[" * 50_000 + "]" * 50_000})
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "error: invalid YAML: exceeded maximum nesting depth" in ran.out


def test_millions_of_tiny_values_are_a_clear_error(tmp_path: Path) -> None:
    """2 bytes a value (`1,1,1,…`): 5 MiB would be 2.6 million values to build and check."""
    write(tmp_path, {"floe.yaml": "a: [" + "1," * 2_600_000 + "]\n"})
    ran = floe("validate", cwd=tmp_path, limit=8, codes=(1,))
    assert "error: the file holds more than 200,000 values" in ran.out


@pytest.mark.parametrize(
    "entry",
    [
        '    s{i}: {{job: j, cron_schedule: "61 * * * {i}"}}\n',
        "    s{i}: {{job: jbo_{i}, cron_schedule: '@daily'}}\n",
    ],
    ids=["invalid crons", "unknown jobs"],
)
def test_a_file_of_mistakes_stops_at_the_error_limit(tmp_path: Path, entry: str) -> None:
    """5,000 broken schedules: the first 1,000 errors are reported, and a note says checking
    stopped there (a compiler's error limit), instead of minutes of output."""
    schedules = "".join(entry.format(i=i) for i in range(5000))
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL.replace("schedules: {}", "")
            + "  jobs: {j: {type: batch, selection: ['*']}}\n  schedules:\n"
            + schedules
        },
    )
    ran = floe("validate", cwd=tmp_path, limit=8, codes=(1,))
    assert ran.out.count(": error: ") == 1000
    assert "warning: floe stopped checking this file's meaning after 1,000 errors" in ran.out
    assert "hint: fix these and validate again" in ran.out
    assert ran.out.rstrip().endswith("invalid (1000 errors, 1 warning)")


def test_every_environment_counts_against_the_value_limit(tmp_path: Path) -> None:
    """Each environment interpolates and checks the whole file again: 60,000 values in five
    environments is refused at once, with the way out; one environment is checked."""
    jobs = "".join(f"    j{i}: {{type: batch, selection: [key:a{i}]}}\n" for i in range(15_000))
    files = {"floe.yaml": MINIMAL.replace("schedules: {}", "") + "  jobs:\n" + jobs}
    files |= {f"environments/e{i}.env": "X=1\n" for i in range(5)}
    write(tmp_path, files)
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "error: checking this file in 5 environments means 300,0" in ran.out
    assert "hint: check one environment at a time: --env NAME" in ran.out
    floe("validate", "--env", "e0", cwd=tmp_path, limit=5, codes=(0,))


def test_selections_past_a_mebibyte_are_not_parsed(tmp_path: Path) -> None:
    """Parsing is linear, but 5 MiB of selections would take seconds: past 1 MiB in one file,
    floe stops parsing them and says why."""
    long = "key:a or " * 130_000 + "key:a"
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL.replace("schedules: {}", "")
            + f'  jobs: {{v: {{type: batch, selection: ["{long}"]}}}}\n'
        },
    )
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert (
        "error: the selections in this file add up to more than 1,048,576 characters; "
        "floe parses no more of them" in ran.out
    )


def test_more_than_a_thousand_backfills_are_refused(tmp_path: Path) -> None:
    backfills = "".join(f"    b{i}: {{job: j}}\n" for i in range(1001))
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL.replace("schedules: {}", "")
            + "  jobs: {j: {type: batch, selection: ['*']}}\n  backfills:\n"
            + backfills
        },
    )
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "error: backfills takes at most 1,000 item(s) (this file has 1,001)" in ran.out


@pytest.mark.parametrize("digits", ["1" * 5000, "0x" + "f" * 20_000])
def test_huge_integers_are_a_clear_error(tmp_path: Path, digits: str) -> None:
    write(tmp_path, {"floe.yaml": f'name: a\nversion: "1"\nsize: {digits}\n'})
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert f"floe.yaml:3:7: error: an integer of {len(digits):,} digits is too long" in ran.out
    assert "hint: quote it to keep it as a string" in ran.out


def test_a_huge_integer_from_a_variable_is_a_clear_error(tmp_path: Path) -> None:
    """A variable's value is read as YAML would read it: the same bound applies, or the
    artifact could not be written."""
    huge = "${X:0x" + "f" * 20_000 + "}"
    job = f'{{type: ops, target_function: pkg.ops.v, args: {{n: "{huge}"}}}}'
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL.replace("schedules: {}", "allowed_modules: [pkg.ops]")
            + f"  jobs: {{v: {job}}}\n"
        },
    )
    ran = floe("validate", cwd=tmp_path, limit=5, codes=(1,))
    assert "error: an integer of 80,000 bits is too long" in ran.out


# text, and whether the file is valid (the text also names a group: only some texts can)
ADVERSARIAL = {
    "url letters": ("a" * 4_000_000, 0),
    "url separators": ("a://" * 1_000_000, 1),
    "url userinfo": ("://a:" * 800_000, 1),
    "jwt runs": ("-eyJ" * 1_000_000, 1),
    "token prefixes": ("ghp_" * 1_000_000, 0),
}


@pytest.mark.parametrize("case", sorted(ADVERSARIAL))
def test_four_megabyte_strings_are_scanned_in_linear_time(tmp_path: Path, case: str) -> None:
    """The secret scan used to be quadratic (100 KB: 10 s). A 4 MB description, and the same
    text as a default and as an env file value, validate within the time bound."""
    text, code = ADVERSARIAL[case]
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL.replace("schedules: {}", "")
            + f'  jobs: {{v: {{type: batch, selection: ["*"], description: "{text}"}}}}\n'
            + f'  assets: {{"x": {{group_name: "${{G:{text[:100_000]}}}"}}}}\n',
            "environments/dev.env": f"LONG={text[:200_000]}\n",
        },
    )
    ran = floe("validate", cwd=tmp_path, limit=8, codes=(code,))
    assert "looks like a" not in ran.out  # bait, not a secret: no false alarm
    if code == 1:
        assert "is not a valid Dagster group name" in ran.out
        assert "invalid (1 error)" in ran.out


def test_planted_token_inside_a_huge_string_is_still_found(tmp_path: Path) -> None:
    text = "a://" * 500_000 + TOKEN + "-eyJ" * 500_000
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL.replace("schedules: {}", "")
            + f'  jobs: {{v: {{type: batch, selection: ["*"], description: "{text}"}}}}\n'
        },
    )
    ran = floe("validate", "--format", "github", cwd=tmp_path, limit=8, codes=(1,))
    assert "this value looks like a GitHub token" in ran.out


def _dbt_processes(marker: str) -> list[str]:
    """Command lines of running `dbt parse` processes (the `dbt` program, or floe's process
    running several parses) that mention ``marker``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            args = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue  # the process ended meanwhile
        if ("dbt parse" in args or "floe_dbt_parse" in args) and marker in args:
            found.append(args)
    return found


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_during_dbt_parse_leaves_nothing_behind(
    tmp_path: Path, signum: signal.Signals
) -> None:
    """A real `floe compile --dbt-parse` (three environments, three targets) gets the signal
    while dbt runs: it exits 128+signal, its temp folder is gone and no `dbt parse` process
    survives it."""
    floe_yaml = shop(tmp_path)
    scratch = tmp_path / "scratch"  # floe's TMPDIR: what it leaves there is visible
    scratch.mkdir()
    proc = subprocess.Popen(
        [FLOE, "compile", "--all-envs", "--dbt-parse", "--out", str(tmp_path / "out")],
        cwd=floe_yaml.parent,
        env={**os.environ, "TMPDIR": str(scratch)},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 60
    while not _dbt_processes(str(scratch)) and time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        time.sleep(0.05)
    assert _dbt_processes(str(scratch)), "dbt parse never started"
    assert any(p.name.startswith("floe-compile-") for p in scratch.iterdir())
    proc.send_signal(signum)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 128 + signum, out + err
    assert "Traceback" not in out + err
    time.sleep(0.5)
    assert _dbt_processes(str(scratch)) == []
    assert list(scratch.iterdir()) == []
    assert not (tmp_path / "out").exists()
