"""No secret reaches an artifact, a bundled manifest or anything floe prints — whatever the
pull request's dbt project, Python modules or floe.yaml try. Real dbt parses run here."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.hostile.cli import MINIMAL, TOKEN, floe, no_token_in, shop, write

DBT_LIMIT = 90.0  # one real `dbt parse` on a shared 2-core machine
LEAK_MODEL = """
{{ config(
    tags=[env_var('%(var)s', 'absent')],
    meta={
        'dagster': {'owners': ['team:' ~ env_var('%(var)s', 'absent')]},
        'who': env_var('%(var)s', 'absent'),
    },
) }}
select 1 as x
"""


def test_dbt_never_sees_the_parent_environment(tmp_path: Path) -> None:
    """GITHUB_TOKEN is set for floe, but `dbt parse` does not get it: the model's env_var()
    falls back to its default, in the artifact and in the bundled manifest."""
    floe_yaml = shop(tmp_path)
    model = floe_yaml.parent / "dbt" / "models" / "staging" / "leak.sql"
    model.write_text(LEAK_MODEL % {"var": "GITHUB_TOKEN"})
    floe(
        "compile", "--env", "dev", "--dbt-parse", "--out", str(tmp_path / "out"),
        cwd=floe_yaml.parent, env={"GITHUB_TOKEN": TOKEN}, limit=DBT_LIMIT, codes=(0,),
    )  # fmt: skip
    bundle = tmp_path / "out" / "dev"
    artifact = json.loads((bundle / "compiled_artifacts.json").read_text())
    leak = next(a for a in artifact["asset_graph"]["assets"] if a["key"] == "leak")
    assert leak["tags"]["absent"] == "" and leak["owners"] == ["team:absent"]
    manifest = json.loads((bundle / "manifest.json").read_text())
    assert manifest["nodes"]["model.shop.leak"]["meta"]["who"] == "absent"
    no_token_in(tmp_path / "out")


def test_secret_named_profile_variables_get_a_placeholder(tmp_path: Path) -> None:
    """A variable the profile names is passed to dbt, but one whose name says it is a secret
    gets a placeholder: dbt parse never connects, and the real value never reaches dbt."""
    floe_yaml = shop(tmp_path)
    dbt = floe_yaml.parent / "dbt"
    profiles = dbt / "profiles.yml"
    profiles.write_text(
        profiles.read_text().replace(
            "schema: main", "schema: \"{{ env_var('SHOP_DB_PASSWORD') and 'main' }}\""
        )
    )
    (dbt / "models" / "staging" / "leak.sql").write_text(LEAK_MODEL % {"var": "SHOP_DB_PASSWORD"})
    floe(
        "compile", "--env", "dev", "--dbt-parse", "--out", str(tmp_path / "out"),
        cwd=floe_yaml.parent, env={"SHOP_DB_PASSWORD": TOKEN}, limit=DBT_LIMIT, codes=(0,),
    )  # fmt: skip
    manifest = json.loads((tmp_path / "out" / "dev" / "manifest.json").read_text())
    assert manifest["nodes"]["model.shop.leak"]["meta"]["who"] == "floe-dbt-parse-placeholder"
    no_token_in(tmp_path / "out")


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_secret_dbt_writes_into_the_manifest_refuses_the_compile(
    tmp_path: Path, output_format: str
) -> None:
    """A variable the profile names (so dbt gets it) holds a token, and a model copies it into
    its tags and meta: the compile is refused, naming the node and the field, never the value,
    and nothing is written."""
    floe_yaml = shop(tmp_path)
    dbt = floe_yaml.parent / "dbt"
    profiles = dbt / "profiles.yml"
    profiles.write_text(
        profiles.read_text().replace(
            "schema: main", "schema: \"{{ env_var('SHOP_LABEL', 'x') and 'main' }}\""
        )
    )
    (dbt / "models" / "staging" / "leak.sql").write_text(LEAK_MODEL % {"var": "SHOP_LABEL"})
    ran = floe(
        "compile", "--env", "dev", "--dbt-parse", "--out", str(tmp_path / "out"),
        "--format", output_format,
        cwd=floe_yaml.parent, env={"SHOP_LABEL": TOKEN}, limit=DBT_LIMIT, codes=(1,),
    )  # fmt: skip
    shown = ran.out.replace("%2C", ",")
    assert "dbt node model.shop.leak, field config.tags[1] holds a GitHub token" in shown
    assert "the bundled manifest would carry it, so nothing is written" in shown
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("output_format", ["text", "json", "github"])
def test_secret_in_a_dbt_error_message_is_redacted(tmp_path: Path, output_format: str) -> None:
    """dbt repeats the profile name in its error ("Could not find profile named 'ghp_…'")."""
    floe_yaml = shop(tmp_path)
    project = floe_yaml.parent / "dbt" / "dbt_project.yml"
    project.write_text(project.read_text().replace("profile: shop", f"profile: {TOKEN}"))
    ran = floe(
        "compile", "--env", "dev", "--dbt-parse", "--out", str(tmp_path / "out"),
        "--format", output_format,
        cwd=floe_yaml.parent, limit=DBT_LIMIT, codes=(1,),
    )  # fmt: skip
    assert "dbt parse failed" in ran.out
    assert "[redacted: a GitHub token]" in ran.out


def _manifest(description: str, padding: int = 0) -> dict[str, object]:
    """A one-model prebuilt manifest; ``padding`` filler models make it as large as wanted."""
    manifest = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
        "nodes": {
            "model.p.orders": {
                "unique_id": "model.p.orders",
                "resource_type": "model",
                "package_name": "p",
                "name": "orders",
                "original_file_path": "models/orders.sql",
                "description": description,
                "config": {"materialized": "table", "meta": {}, "tags": []},
                "depends_on": {"nodes": []},
                "fqn": ["p", "orders"],
                "tags": [],
                "meta": {},
            }
        },
        "sources": {},
    }
    nodes: dict[str, dict[str, object]] = manifest["nodes"]  # type: ignore[assignment]
    filler = "select 1 as x -- ordinary SQL, long enough to make the manifest large\n" * 100
    for i in range(padding):
        node = dict(nodes["model.p.orders"], unique_id=f"model.p.m{i}", name=f"m{i}")
        nodes[f"model.p.m{i}"] = dict(node, description="", raw_code=filler)
    return manifest


def _compile_prebuilt(tmp_path: Path, manifest_text: str, codes: tuple[int, ...]) -> str:
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL + "  dbt: {project_dir: dbt, manifest_path: manifest.json}\n",
            "manifest.json": manifest_text,
        },
    )
    return floe("compile", "--out", "out", cwd=tmp_path, codes=codes).out


def test_secret_in_a_prebuilt_manifest_refuses_the_compile(tmp_path: Path) -> None:
    shown = _compile_prebuilt(tmp_path, json.dumps(_manifest(f"loaded with {TOKEN}")), (1,))
    assert "dbt node model.p.orders, field description holds a GitHub token" in shown
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("escaped", [False, True], ids=["plain", "json-escaped"])
def test_a_large_manifest_is_scanned_as_thoroughly(tmp_path: Path, escaped: bool) -> None:
    """Past 4 MiB the scan runs in a child process beside the compile: a token is found all
    the same, also behind JSON escapes (``\\u0067hp_…``); a clean large manifest compiles."""
    description = f"loaded with {TOKEN}"
    manifest = _manifest(description, padding=700)
    text = json.dumps(manifest)
    if escaped:
        text = text.replace(TOKEN, "\\u0067" + TOKEN[1:])
    assert len(text) > 4 * 1024 * 1024
    shown = _compile_prebuilt(tmp_path, text, (1,))
    assert "dbt node model.p.orders, field description holds a GitHub token" in shown
    assert not (tmp_path / "out").exists()
    clean = json.dumps(_manifest("loaded nightly", padding=700))
    _compile_prebuilt(tmp_path, clean, (0,))
    assert (tmp_path / "out" / "default" / "manifest.json").read_text() == clean


def test_secret_in_a_python_asset_refuses_the_compile(tmp_path: Path) -> None:
    """Static discovery reads tags written in the decorator: the artifact gate refuses them."""
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL + "  asset_modules: [pkg.assets]\n",
            "pkg/__init__.py": "",
            "pkg/assets.py": f"""
                import dagster as dg

                @dg.asset(tags={{"deploy": "{TOKEN}"}})
                def orders() -> None: ...
            """,
        },
    )
    ran = floe("compile", "--out", "out", cwd=tmp_path, codes=(1,))
    assert "holds a GitHub token; the artifact would carry it, so nothing is written" in ran.out
    assert "tags.deploy" in ran.out
    assert not (tmp_path / "out").exists()


SECRET_KEYS = [
    ("API_TOKENS", "1234"),
    ("DB_PASSWORD2", "[1, 2]"),
    ("SECRETS", "{a: b}"),
    ("my_api_key", "12"),
    ("clientSecret", "x"),
    ("db_pass", "true"),
]


@pytest.mark.parametrize(("key", "value"), SECRET_KEYS)
def test_secret_named_keys_are_refused_whatever_the_value(
    tmp_path: Path, key: str, value: str
) -> None:
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL.replace("schedules: {}", "")
            + "  jobs:\n"
            + f"    v: {{type: ops, target_function: pkg.ops.v, args: {{{key}: {value}}}}}\n"
        },
    )
    ran = floe("validate", cwd=tmp_path, codes=(1,))
    assert f"{key!r} looks like a secret; floe.yaml must not carry credentials" in ran.out


def test_ordinary_names_are_not_secrets(tmp_path: Path) -> None:
    args = "{asset_key: a, partition_key: b, unique_key: c, max_tokens: 5, author: d, keys: [e]}"
    write(
        tmp_path,
        {
            "floe.yaml": MINIMAL.replace("schedules: {}", "allowed_modules: [pkg.ops]")
            + f"  jobs:\n    v: {{type: ops, target_function: pkg.ops.v, args: {args}}}\n"
        },
    )
    floe("validate", cwd=tmp_path, codes=(0,))


@pytest.mark.parametrize("where", ["job name", "args key"])
def test_a_key_that_is_a_token_is_refused(tmp_path: Path, where: str) -> None:
    job = (
        f"{TOKEN}: {{type: ops, target_function: pkg.ops.v}}"
        if where == "job name"
        else f"v: {{type: ops, target_function: pkg.ops.v, args: {{{TOKEN}: 1}}}}"
    )
    write(tmp_path, {"floe.yaml": MINIMAL.replace("schedules: {}", "") + f"  jobs:\n    {job}\n"})
    ran = floe("validate", "--format", "github", cwd=tmp_path, codes=(1,))
    assert "this key looks like a GitHub token" in ran.out
