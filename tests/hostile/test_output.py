"""A value floe did not write itself (a variable's value, an asset key, a name, a file name)
never starts a line of its own: in GitHub Actions a line beginning with `::` is a workflow
command, and floe's output may be a public PR comment."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.hostile.cli import MINIMAL, floe, shop, write

INJECTED = "x\n::warning::pwned\r::error::pwned"


def assert_not_injected(output: str) -> None:
    for line in output.splitlines():
        assert not line.startswith(("::warning::pwned", "::error::pwned")), output
    assert "pwned" in output  # shown, escaped


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_names_and_keys_with_newlines_are_escaped(tmp_path: Path, output_format: str) -> None:
    """A job named with a newline, scheduled under a name with one, and a wrong reference."""
    write(
        tmp_path,
        {
            "floe.yaml": """
                name: "x\\n::warning::pwned"
                version: "1"
                orchestration:
                  jobs:
                    "x\\n::warning::pwned": {type: ops, target_function: "pkg.x\\n::error::pwned"}
                  schedules:
                    "s\\n::error::pwned": {job: "nope\\n::warning::pwned", cron_schedule: "@daily"}
            """,
        },
    )
    ran = floe("validate", "--format", output_format, cwd=tmp_path, codes=(1,))
    assert_not_injected(ran.text)
    if output_format == "text":
        assert not any(line.startswith("::") for line in ran.text.splitlines())
        assert "'x\\n::warning::pwned' is not a valid name" in ran.out


@pytest.mark.parametrize("output_format", ["text", "github"])
def test_file_names_with_newlines_are_escaped(tmp_path: Path, output_format: str) -> None:
    name = "bad\n::warning::pwned.yaml"
    write(tmp_path, {name: "name: [unclosed\n"})
    ran = floe("validate", name, "--format", output_format, cwd=tmp_path, codes=(1,))
    assert_not_injected(ran.text)
    assert "bad\\n::warning::pwned.yaml" in ran.text or "bad\\n%3A%3Awarning" in ran.text


def test_asset_keys_with_newlines_are_escaped_in_listings(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL + "  asset_modules: [pkg.assets]\n",
            "pkg/__init__.py": "",
            "pkg/assets.py": """
                import dagster as dg

                @dg.asset(key="k\\n::warning::pwned", group_name="g")
                def orders() -> None: ...
            """,
        },
    )
    ran = floe("list", "assets", cwd=tmp_path, codes=(0, 1))
    assert_not_injected(ran.text)


def test_interpolated_dbt_target_with_a_newline_is_escaped(tmp_path: Path) -> None:
    """`dbt.target` comes from a variable; compile prints it in its progress line and dbt
    repeats it in its error."""
    floe_yaml = shop(tmp_path)
    ran = floe(
        "compile", "--env", "dev", "--dbt-parse", "--var", f"DBT_TARGET={INJECTED}",
        "--format", "github", "--out", str(tmp_path / "out"),
        cwd=floe_yaml.parent, limit=90, codes=(1,),
    )  # fmt: skip
    assert_not_injected(ran.text)
    assert "dbt parse --target x\\n::warning::pwned\\r::error::pwned" in ran.err
