"""`floe compile`: per-environment artifacts, exact, reproducible, atomic and secret-free."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from floe_runtime.artifact import store as artifact
from floe_runtime.base import files
from tests.helpers.paths import REPO
from tests.helpers.results import Result

Floe = Callable[..., Result]
DEMO = REPO / "demo" / "shop"
ARTIFACT_SCHEMA = json.loads((REPO / "schemas" / "compiled-artifacts.schema.json").read_text())

ASSETS_PY = """
import dagster as dg


@dg.asset(group_name="bronze", kinds={"python"})
def raw_orders() -> None: ...


@dg.asset(group_name="bronze")
def raw_customers() -> None: ...


@dg.asset(group_name="silver", deps=[raw_orders, "raw_customers"])
def orders() -> None: ...


@dg.asset(group_name="gold", tags={"finance": ""})
def revenue(orders) -> None: ...


@dg.multi_asset(specs=[dg.AssetSpec("report_a", deps=["revenue"]), dg.AssetSpec("report_b")],
                group_name="gold")
def reports() -> None: ...
"""


def acme(tmp_path: Path, floe_yaml: str, envs: dict[str, str] | None = None) -> Path:
    """A small package `acme` with Python assets, its floe.yaml and environment files."""
    package = tmp_path / "acme"
    package.mkdir(exist_ok=True)
    (package / "__init__.py").write_text("")
    (package / "assets.py").write_text(ASSETS_PY)
    (package / "ops.py").write_text("def vacuum(days: int = 1) -> None: ...\n")
    path = package / "floe.yaml"
    path.write_text(textwrap.dedent(floe_yaml).lstrip())
    for env, body in (envs or {"dev": ""}).items():
        (package / "environments").mkdir(exist_ok=True)
        (package / "environments" / f"{env}.env").write_text(body)
    return path


BASE = """
name: acme
version: "1"
orchestration:
  asset_modules: [.assets]
  partitions:
    daily: {type: time_window, start: "2024-01-01", end: "2025-01-01"}
    regions: {type: static, partition_keys: [us, eu]}
  assets:
    "raw_*": {partitions: daily}
  jobs:
    raw: {type: batch, selection: ["group:bronze"]}
    gold: {type: batch, selection: ["+key:revenue"]}
    vacuum: {type: ops, target_function: .ops.vacuum, args: {days: "${DAYS:7}"}}
  schedules:
    nightly: {job: raw, cron_schedule: "0 2 * * *", enabled: "${ON:false}"}
"""


def test_compile_writes_one_artifact_per_environment(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, BASE, {"dev": "", "prod": "ON=true\nDAYS=30\n"})
    result = floe("compile", str(path), "--all-envs", "--out", str(tmp_path / "out"))
    assert result.code == 0, result.text
    prod = json.loads((tmp_path / "out" / "prod" / "compiled_artifacts.json").read_text())
    jsonschema.validate(prod, ARTIFACT_SCHEMA)
    assert prod["environment"] == "prod"
    assert prod["jobs"]["raw"] == {
        "type": "batch",
        "assets": ["raw_customers", "raw_orders"],
        "partitions": "daily",
        "target_function": None,
    }
    assert prod["jobs"]["gold"]["assets"] == ["orders", "raw_customers", "raw_orders", "revenue"]
    assert prod["jobs"]["vacuum"]["target_function"] == "acme.ops.vacuum"
    assert prod["orchestration"]["jobs"]["vacuum"]["args"] == {"days": 30}
    assert prod["orchestration"]["schedules"]["nightly"]["enabled"] is True
    assert prod["orchestration"]["partitions"]["daily"]["fmt"] == "%Y-%m-%d"
    assert prod["orchestration"]["asset_modules"] == ["acme.assets"]
    assert prod["variables"] == {
        "DAYS": {"value": "30", "source": "env_file:environments/prod.env"},
        "ON": {"value": "true", "source": "env_file:environments/prod.env"},
    }
    revenue = next(a for a in prod["asset_graph"]["assets"] if a["key"] == "revenue")
    assert revenue["deps"] == ["orders"]
    assert revenue["tags"] == {"finance": ""}
    assert revenue["origin"] == "acme/assets.py:17"
    raw = next(a for a in prod["asset_graph"]["assets"] if a["key"] == "raw_orders")
    assert raw["configured_by"] == [{"pattern": "raw_*", "line": 9}]
    assert raw["tags"] == {"dagster/kind/python": ""}
    dev = json.loads((tmp_path / "out" / "dev" / "compiled_artifacts.json").read_text())
    assert dev["orchestration"]["schedules"]["nightly"]["enabled"] is False
    assert artifact.read(tmp_path / "out" / "dev" / "compiled_artifacts.json").environment == "dev"


def test_same_inputs_give_byte_identical_artifacts(tmp_path: Path) -> None:
    """Two clones in different folders, compiled from different working directories at
    different times, with a fresh `dbt parse` each: identical bytes."""
    outputs = []
    for clone, cwd in (("first", "."), ("second/nested", "demo/shop")):
        root = tmp_path / clone
        shutil.copytree(
            REPO / "demo",
            root / "demo",
            ignore=shutil.ignore_patterns("target", "logs", "*.duckdb", ".user.yml"),
        )
        subprocess.run(["git", "init", "-q", str(root)], check=True)
        out = tmp_path / f"out-{len(outputs)}"
        floe_yaml = (root / "demo" / "shop" / "floe.yaml").relative_to(root / cwd)
        proc = subprocess.run(
            [
                str(Path(sys.executable).parent / "floe"),
                "compile",
                str(floe_yaml),
                "--env",
                "prod",
                "--dbt-parse",
                "--out",
                str(out),
            ],
            cwd=root / cwd,
            capture_output=True,
            text=True,
            check=False,
        )
        assert proc.returncode == 0, proc.stdout + proc.stderr
        outputs.append((out / "prod" / "compiled_artifacts.json").read_bytes())
    assert outputs[0] == outputs[1]
    payload = json.loads(outputs[0])
    jsonschema.validate(payload, ARTIFACT_SCHEMA)
    assert payload["source"]["path"] == "demo/shop/floe.yaml"
    assert payload["dbt"]["manifest"]["digest"].startswith("sha256:")
    keys = {a["key"]: a for a in payload["asset_graph"]["assets"]}
    assert keys["stg_orders"]["deps"] == ["bronze_orders"]  # the dbt source maps onto Python
    assert keys["raw/exchange_rates"]["kind"] == "external"
    # all gold reads but bronze, which triggers it: its sensor is not re-triggered by it
    assert payload["jobs"]["gold_pipeline"]["assets"] == [
        "country_codes",
        "customer_orders",
        "revenue_daily",
        "stg_customers",
        "stg_orders",
        "stg_payments",
        "tmp_order_totals",
    ]


def test_interrupted_write_leaves_the_previous_artifact(
    tmp_path: Path, floe: Floe, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A crash between writing the temp file and renaming it is simulated by making the rename
    fail (no real crash can be triggered deterministically in-process)."""
    path = acme(tmp_path, BASE)
    out = tmp_path / "out"
    assert floe("compile", str(path), "--out", str(out)).code == 0
    target = out / "dev" / "compiled_artifacts.json"
    before = target.read_bytes()
    path.write_text(path.read_text().replace('version: "1"', 'version: "2"'))

    def fail(*args: object, **kwargs: object) -> None:
        raise OSError("disk unplugged")

    monkeypatch.setattr(files.os, "replace", fail)
    result = floe("compile", str(path), "--out", str(out))
    assert result.code == 1
    assert "compiled_artifacts.json: cannot write: disk unplugged" in result.err
    assert target.read_bytes() == before
    assert sorted(p.name for p in (out / "dev").iterdir()) == ["compiled_artifacts.json"]


def test_planted_secrets_fail_compile_without_showing_them(tmp_path: Path, floe: Floe) -> None:
    token = "ghp_" + "Q7w8E9r0T1y2U3i4O5p6A7s8D9f0G1h2J3k4"
    password = "correct-horse-battery-staple-42"
    path = acme(
        tmp_path,
        BASE.replace('{days: "${DAYS:7}"}', f'{{days: 7, note: "{token}"}}'),
        {"prod": f"WAREHOUSE_PASSWORD={password}\n"},
    )
    out = tmp_path / "out"
    result = floe("compile", str(path), "--env", "prod", "--out", str(out))
    assert result.code == 1
    assert "WAREHOUSE_PASSWORD looks like a secret" in result.text
    assert "this value looks like a GitHub token" in result.text
    assert token not in result.text and password not in result.text
    assert not out.exists()


def test_unknown_environment_lists_the_known_ones(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, BASE, {"dev": "", "prod": ""})
    result = floe("compile", str(path), "--env", "qa")
    assert result.code == 1
    assert "unknown environment 'qa'" in result.out
    assert "known environments: 'dev', 'prod'" in result.out


def test_several_environments_need_a_choice(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, BASE, {"dev": "", "prod": ""})
    result = floe("compile", str(path))
    assert result.code == 2
    assert "choose an environment with --env (dev, prod) or use --all-envs" in result.err


def test_check_compiles_everything_and_writes_nothing(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, BASE, {"dev": "", "prod": ""})
    result = floe("compile", str(path), "--all-envs", "--check", "--out", str(tmp_path / "o"))
    assert result.code == 0, result.text
    assert "floe: dev: 6 assets (6 python, 0 dbt, 0 external), 3 jobs, 1 schedule, 0 sensors" in (
        result.out
    )
    assert "checked, nothing written" in result.out
    assert not (tmp_path / "o").exists()


def test_compile_check_runs_without_dagster(tmp_path: Path) -> None:
    """pre-commit's isolated venv has only floe's base dependencies: block dagster, dbt and
    dagster_dbt from being imported at all and compile the demo."""
    code = textwrap.dedent(
        f"""
        import sys
        class Block:
            def find_spec(self, name, path=None, target=None):
                if name.split(".")[0] in ("dagster", "dagster_dbt", "dbt"):
                    raise ImportError("blocked: " + name)
        sys.meta_path.insert(0, Block())
        from floe_runtime.cli.main import run
        code = run(["compile", {str(DEMO / "floe.yaml")!r}, "--all-envs", "--check"])
        print("exit", code, sorted(m for m in sys.modules if m.startswith(("dagster", "dbt"))))
        """
    )
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=True
    )
    assert proc.stdout.strip().splitlines()[-1] == "exit 0 []"


def _diagnostics(floe: Floe, path: Path) -> list[tuple[str, str, str]]:
    result = floe("compile", str(path), "--check", "--format", "json")
    report = json.loads(result.out)
    return [(f"{d['line']}:{d['col']}", d["severity"], d["message"]) for d in report["diagnostics"]]


COMPILE_CASES = {
    "a job that selects nothing, with the nearest names": (
        BASE.replace('"group:bronze"]', '"group:bronz"]'),
        ("11:36", "error", "selection 'group:bronz' selects no assets"),
    ),
    "an asset sensor watching an unknown asset": (
        BASE + "  sensors:\n    s: {type: asset_sensor, job: raw, watched_assets: [revenu]}\n",
        ("17:56", "error", "sensor 's' watches unknown asset 'revenu'"),
    ),
    "a backfill on a job without partitioned assets": (
        BASE.replace('"raw_*": {partitions: daily}', '"raw_*": {group_name: bronze}')
        + "  backfills:\n    b: {job: raw}\n",
        ("17:14", "error", "backfill 'b' runs job 'raw', which has no partitioned assets"),
    ),
    "a backfill range outside the job's partitions": (
        BASE + "  backfills:\n    b: {job: raw, partition_range: {start: 2023-06-01, end: "
        "2024-02-01}}\n",
        (
            "17:44",
            "error",
            "backfill 'b': start '2023-06-01' is before the first partition (2024-01-01)",
        ),
    ),
    "a job mixing partition definitions": (
        BASE.replace(
            '"raw_*": {partitions: daily}',
            '"raw_*": {partitions: daily}\n    "orders": {partitions: regions}',
        ),
        (
            "13:36",
            "error",
            "job 'gold' mixes assets with different partitions "
            "(daily: raw_customers, raw_orders; regions: orders)",
        ),
    ),
    "a pattern that matches no asset": (
        BASE.replace(
            '"raw_*": {partitions: daily}',
            '"raw_*": {partitions: daily}\n    "stg_*": {group_name: silver}',
        ),
        ("10:5", "warning", "asset pattern 'stg_*' matches no asset"),
    ),
    "an automation condition and a schedule on the same assets": (
        BASE.replace(
            '"raw_*": {partitions: daily}',
            '"raw_*": {partitions: daily, automation_condition: eager}',
        ),
        (
            "15:20",
            "warning",
            "schedule 'nightly' runs job 'raw', whose assets raw_customers, "
            "raw_orders also have automation conditions: the condition wins and the schedule "
            "skips them",
        ),
    ),
    "an asset sensor whose own job materializes what it watches": (
        BASE + "  sensors:\n    s: {type: asset_sensor, job: raw, watched_assets: [raw_orders]}\n",
        (
            "17:56",
            "warning",
            "sensor 's' watches raw_orders, which its own job 'raw' materializes: the sensor "
            "ignores what its own runs materialize",
        ),
    ),
    "an eager asset that waits for every daily partition since the start": (
        BASE.replace(', end: "2025-01-01"', "").replace(
            '"raw_*": {partitions: daily}',
            '"raw_*": {partitions: daily}\n    orders: {automation_condition: eager}',
        ),
        (
            "10:36",
            "warning",
            "automation condition 'eager' on orders can never become true: it is not "
            "partitioned by time but reads 'raw_customers', partitioned by 'daily', and "
            "Dagster's eager waits until no dependency is missing",
        ),
    ),
    "a job reading an asset that nothing materializes": (
        BASE.replace('["+key:revenue"]', '["key:revenue"]'),
        (
            "12:36",
            "warning",
            "job 'gold' reads orders (read by revenue), which no job materializes and no "
            "automation condition will",
        ),
    ),
    "a backfill batch wider than an asset's backfill policy": (
        BASE.replace(
            '"raw_*": {partitions: daily}',
            '"raw_*": {partitions: daily, backfill_policy: {max_partitions_per_run: 5}}',
        )
        + "  backfills:\n    b: {job: raw, batch_size: 10}\n",
        (
            "17:31",
            "error",
            "backfill 'b' runs 10 partitions at a time, but asset 'raw_customers' takes at most "
            "5 per run",
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(COMPILE_CASES), ids=sorted(COMPILE_CASES))
def test_compile_diagnostic(case: str, tmp_path: Path, floe: Floe) -> None:
    text, (where, severity, message) = COMPILE_CASES[case]
    found = _diagnostics(floe, acme(tmp_path, text))
    assert [(w, s, m[: len(message)]) for w, s, m in found] == [(where, severity, message)], found


def test_zero_asset_job_hint_names_what_exists(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, BASE.replace('"group:bronze"]', '"group:bronz"]'))
    result = floe("compile", str(path), "--check")
    assert result.code == 1
    # Dagster's grammar has no single quotes: the hint is written as it must be typed
    assert "hint: did you mean group:bronze?" in result.out
    path = acme(tmp_path, BASE.replace('"group:bronze"]', '"key:raw_ordrs"]'))
    assert "hint: did you mean key:raw_orders?" in floe("compile", str(path), "--check").out


def test_graph_too_big_for_dagster_to_load_quickly_warns(tmp_path: Path, floe: Floe) -> None:
    lines = ["import dagster as dg", ""]
    for i in range(2500):
        lines += ["@dg.asset(group_name='g')", f"def a{i}(): ...", ""]
    jobs = "".join(f'    j{i}: {{type: batch, selection: ["key:a{i}+"]}}\n' for i in range(20))
    path = acme(
        tmp_path,
        'name: acme\nversion: "1"\norchestration:\n  asset_modules: [.assets]\n  jobs:\n' + jobs,
    )
    (path.parent / "assets.py").write_text("\n".join(lines))
    found = _diagnostics(floe, path)
    assert (
        "6:5",
        "warning",
        "2,500 assets and 21 asset jobs: Dagster will need about 14 s to "
        "load this code location (~1.3 s per job at 5,000 assets)",
    ) in found


def test_every_artifact_validates_against_its_schema(tmp_path: Path, floe: Floe) -> None:
    """The demo's three environments and a project using every kind of entity."""
    everything = BASE + (
        "  sensors:\n"
        "    f: {type: file_watcher, job: raw, path: ./in, pattern: '*.csv'}\n"
        "    a: {type: asset_sensor, job: gold, watched_assets: [revenue]}\n"
        "    r: {type: run_status, job: vacuum, watched_jobs: [gold], status: SUCCESS}\n"
        "    c: {type: custom, job: raw, target_function: acme.ops.vacuum, args: {days: [1, 2]}}\n"
        "  backfills:\n"
        "    b: {job: raw, partition_range: {start: '2024-02-01', end: '2024-02-29'}}\n"
    ).replace(
        "    regions: {type: static, partition_keys: [us, eu]}",
        "    regions: {type: static, partition_keys: [us, eu]}\n"
        "    tenants: {type: dynamic}\n"
        "    by_tenant: {type: multi, partitions: {day: daily, tenant: tenants}}",
    )
    projects = [
        (DEMO / "floe.yaml", tmp_path / "demo"),
        (acme(tmp_path, everything), tmp_path / "a"),
    ]
    written = []
    for path, out in projects:
        result = floe("compile", str(path), "--all-envs", "--out", str(out))
        assert result.code == 0, result.text
        written += sorted(out.glob("*/compiled_artifacts.json"))
    assert len(written) == 4
    for path in written:
        jsonschema.validate(json.loads(path.read_text()), ARTIFACT_SCHEMA)
        assert artifact.read(path).schema_version == "1.2"


# --- asset modules, target functions and groups (issue 7) ------------------------------------

COMPILE_CASES_7 = {
    "an asset module that does not exist": (
        BASE.replace("asset_modules: [.assets]", "asset_modules: [.assets, .nowhere]"),
        ("4:28", "error", "acme.nowhere: module not found beside floe.yaml"),
    ),
    "a target_function its module does not define": (
        BASE.replace(".ops.vacuum", ".ops.vacum"),
        ("13:42", "error", "'acme.ops' (ops.py) defines no function 'vacum'"),
    ),
    "args the function does not take": (
        BASE.replace('{days: "${DAYS:7}"}', "{days: 1, dayz: 2}"),
        ("13:77", "error", "acme.ops.vacuum() has no parameter 'dayz'"),
    ),
    "a required parameter args does not give": (
        BASE.replace('{days: "${DAYS:7}"}', "{}"),
        ("13:42", "error", "acme.ops.required() requires 'limit', which args does not give"),
    ),
    "a group Dagster refuses": (
        BASE.replace("asset_modules: [.assets]", "asset_modules: [.assets, .badgroup]"),
        ("4:18", "error", "asset 'odd' (acme/badgroup.py:2) is in group 'not-valid'"),
    ),
}


@pytest.mark.parametrize("case", sorted(COMPILE_CASES_7), ids=sorted(COMPILE_CASES_7))
def test_compile_refuses_what_dagster_would_fail_on(case: str, tmp_path: Path, floe: Floe) -> None:
    text, (where, severity, message) = COMPILE_CASES_7[case]
    if "required" in message:
        text = text.replace(".ops.vacuum", ".ops.required")
    path = acme(tmp_path, text)
    (path.parent / "ops.py").write_text(
        "def vacuum(days: int = 1) -> None: ...\n\n\ndef required(limit, *, dry=False): ...\n"
    )
    (path.parent / "badgroup.py").write_text(
        "import dagster as dg\n@dg.asset(group_name='not-valid')\ndef odd(): ...\n"
    )
    found = _diagnostics(floe, path)
    assert any(w == where and s == severity and m.startswith(message) for w, s, m in found), found
    out = tmp_path / "out"
    assert floe("compile", str(path), "--out", str(out)).code == 1
    assert not out.exists()  # no artifact, not even a partial one


def test_a_syntax_error_in_an_asset_module_fails_the_compile(tmp_path: Path, floe: Floe) -> None:
    path = acme(tmp_path, BASE)
    (path.parent / "assets.py").write_text(ASSETS_PY + "\ndef broken(:\n")
    out = tmp_path / "out"
    result = floe("compile", str(path), "--out", str(out))
    assert result.code == 1
    assert "error: acme.assets: syntax error: invalid syntax (acme/assets.py:" in result.out
    assert not out.exists()


def test_factory_assets_make_the_graph_incomplete_and_say_where(tmp_path: Path, floe: Floe) -> None:
    """One warning names the factory's line; the checks it makes impossible are grouped under
    one more warning instead of one warning each."""
    path = acme(tmp_path, BASE.replace('"+key:revenue"]', '"+key:revenue", "key:made_*"]'))
    (path.parent / "assets.py").write_text(
        ASSETS_PY + "\n\nfor name in ['made_a', 'made_b']:\n"
        "    globals()[name] = dg.asset(name=name)(lambda: None)\n"
    )
    out = tmp_path / "out"
    result = floe("compile", str(path), "--out", str(out))
    assert result.code == 0, result.text
    assert "warning: acme.assets: @asset inside a function, loop or condition" in result.out
    assert "(acme/assets.py:27)" in result.out
    warnings = [line for line in result.out.splitlines() if ": warning: " in line]
    assert len(warnings) == 2, warnings
    assert (
        "1 check against the asset graph could not be made because the graph is " in (warnings[1])
    )
    payload = json.loads((out / "dev" / "compiled_artifacts.json").read_text())
    assert payload["asset_graph"]["complete"] is False
    assert payload["asset_graph"]["unresolved"] == [
        {
            "source": "python",
            "what": "acme/assets.py:27",
            "reason": "@asset inside a function, loop or condition (or applied by hand) may "
            "build assets floe cannot read without running the module",
        }
    ]


def test_a_malformed_prebuilt_manifest_is_an_error_not_a_crash(tmp_path: Path, floe: Floe) -> None:
    manifest = {
        "metadata": {"dbt_schema_version": "https://schemas.getdbt.com/dbt/manifest/v12.json"},
        "nodes": {"model.x.a": {"resource_type": "model", "name": "a", "config": None}},
        "sources": {"source.x.s.t": {"resource_type": "source", "name": "t"}},
    }
    (tmp_path / "manifest.json").write_text(json.dumps(manifest))
    text = BASE.replace(
        "  partitions:",
        "  dbt: {project_dir: dbt, manifest_path: ../manifest.json}\n  partitions:",
    )
    result = floe("compile", str(acme(tmp_path, text)), "--check")
    assert result.code == 1
    assert "malformed dbt manifest: nodes['model.x.a'] has no original_file_path; " in result.out
    assert "nodes['model.x.a'].config must be an object, not null" in result.out
    assert "sources['source.x.s.t'] has no source_name" in result.out


def test_dbt_parse_errors_keep_dbts_reason(tmp_path: Path, floe: Floe) -> None:
    project = tmp_path / "acme" / "dbt"
    shutil.copytree(REPO / "tests" / "fixtures" / "jaffle_dbt", project)
    (project / "models" / "marts" / "bad.yml").write_text(
        "version: 2\nmodels:\n  - name: customers\n    columns: 5\n"
    )
    text = BASE.replace("  partitions:", "  dbt: {project_dir: dbt}\n  partitions:")
    result = floe("compile", str(acme(tmp_path, text)), "--check", "--dbt-parse")
    assert result.code == 1
    assert "dbt parse failed (exit 2): Encountered an error: | Parsing Error | Invalid models" in (
        result.out
    )
    assert "at path ['columns']: 5 is not of type 'array'" in result.out


def test_a_function_in_a_package_outside_the_repository_only_warns(
    tmp_path: Path, floe: Floe
) -> None:
    """allowed_modules may name an installed package floe cannot read: unchecked, said so."""
    text = BASE.replace("  partitions:", "  allowed_modules: [company_lib]\n  partitions:").replace(
        ".ops.vacuum", "company_lib.tasks.vacuum"
    )
    found = _diagnostics(floe, acme(tmp_path, text))
    assert (
        "14:42",
        "warning",
        "module 'company_lib.tasks' of 'company_lib.tasks.vacuum' is not found beside floe.yaml, "
        "so floe cannot check that it defines the function",
    ) in found


def test_compile_errors_on_values_from_variables_name_the_variable(
    tmp_path: Path, floe: Floe
) -> None:
    path = acme(
        tmp_path,
        BASE.replace('"group:bronze"]', '"${RAW_SELECTION:group:bronze}"]'),
        {"prod": "# production\nRAW_SELECTION=group:bronz\n"},
    )
    result = floe("compile", str(path), "--env", "prod", "--check")
    assert result.code == 1
    assert (
        "selection 'group:bronz' selects no assets (`RAW_SELECTION` = 'group:bronz' from "
    ) in result.out
    assert "environments/prod.env:2)" in result.out
