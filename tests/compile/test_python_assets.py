"""Python assets read from source without importing the project, and cross-checked against
what Dagster itself sees when the modules are imported."""

from __future__ import annotations

import json
import textwrap
from collections.abc import Callable
from pathlib import Path

from floe_runtime.compile.python_assets import discover
from tests.helpers.paths import REPO
from tests.helpers.results import Result

Floe = Callable[..., Result]


def _read(tmp_path: Path, source: str) -> tuple[dict[str, object], list[str]]:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "mod.py").write_text(textwrap.dedent(source))
    found = discover(["pkg.mod"], [tmp_path], tmp_path)
    assets = {a.key: a for a in found.assets}
    return assets, [f"{u.file}:{u.line}: {u.reason}" for u in found.unresolved]


def test_decorator_forms(tmp_path: Path) -> None:
    assets, unresolved = _read(
        tmp_path,
        """
        from dagster import AssetKey, AssetSpec, asset, multi_asset, AssetOut
        import dagster as dg

        @asset(key_prefix=["raw", "eu"], group_name="raw", owners=["team:data"])
        def orders(): ...

        @dg.asset(name="clean", deps=[orders, AssetKey(["raw", "eu", "customers"])],
                  compute_kind="duckdb", tags={"pii": "true"})
        def cleaner(context, warehouse: dg.ConfigurableResource, upstream_thing): ...

        @dg.asset(key=["gold", "kpis"], ins={"src": dg.AssetIn(key="clean")})
        def kpis(src): ...

        @multi_asset(outs={"a": AssetOut(key_prefix="m"), "b": AssetOut()}, group_name="multi")
        def two(): ...

        @dg.multi_asset(specs=[AssetSpec("s1", deps=["b"]), AssetSpec(key=["s", "2"])])
        def specs(): ...
        """,
    )
    assert unresolved == []
    assert sorted(assets) == ["b", "clean", "gold/kpis", "m/a", "raw/eu/orders", "s/2", "s1"]
    clean = assets["clean"]
    assert clean.deps == ("raw/eu/customers", "raw/eu/orders", "upstream_thing")  # type: ignore[attr-defined]
    assert clean.kinds == ("duckdb",)  # type: ignore[attr-defined]
    assert assets["gold/kpis"].deps == ("clean",)  # type: ignore[attr-defined]
    assert assets["raw/eu/orders"].owners == ("team:data",)  # type: ignore[attr-defined]
    assert assets["m/a"].group == "multi"  # type: ignore[attr-defined]
    assert assets["s1"].deps == ("b",)  # type: ignore[attr-defined]


def test_what_cannot_be_read_is_reported_with_its_line(tmp_path: Path) -> None:
    assets, unresolved = _read(
        tmp_path,
        """
        import dagster as dg
        PREFIX = "raw"

        @dg.asset(key_prefix=PREFIX)
        def computed(): ...

        @dg.asset
        def fine(): ...

        factory_assets = dg.load_assets_from_package_name("elsewhere")
        """,
    )
    assert list(assets) == ["fine"]
    assert unresolved == [
        "pkg/mod.py:6: @asset on computed() uses PREFIX, which floe cannot read without running "
        "the module",
        "pkg/mod.py:11: load_assets_from_package_name(...) at module level may build assets floe "
        "cannot read without running the module",
    ]


def test_syntax_errors_and_missing_modules_are_fatal(tmp_path: Path) -> None:
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "broken.py").write_text("import dagster as dg\n\ndef oops(:\n")
    found = discover(["pkg.broken", "pkg.missing", "pkg." + "x" * 300], [tmp_path], tmp_path)
    assert [(u.module, u.reason, u.line, u.fatal) for u in found.unresolved] == [
        ("pkg.broken", "syntax error: invalid syntax", 3, True),
        ("pkg.missing", "module not found beside floe.yaml", None, True),
        ("pkg." + "x" * 300, "module not found beside floe.yaml", None, True),
    ]


def test_what_only_the_compiler_refuses_is_a_syntax_error_too(tmp_path: Path) -> None:
    """`ast.parse` accepts `return` at module level; importing it in Dagster would fail, so the
    compile says so first, with the line."""
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "__init__.py").write_text("")
    (tmp_path / "pkg" / "early.py").write_text("import dagster as dg\nreturn 1\n")
    found = discover(["pkg.early"], [tmp_path], tmp_path)
    assert [(u.module, u.reason, u.line, u.fatal) for u in found.unresolved] == [
        ("pkg.early", "syntax error: 'return' outside function", 2, True),
    ]


def test_factory_made_assets_are_unresolved_with_their_line(tmp_path: Path) -> None:
    assets, unresolved = _read(
        tmp_path,
        """
        import dagster as dg

        def make(name):
            @dg.asset(name=name)
            def built(): ...
            return built

        one = make("one")
        for region in ["us", "eu"]:
            globals()[region] = dg.asset(name=region)(lambda: None)

        @dg.asset
        def plain(): ...
        """,
    )
    assert list(assets) == ["plain"]
    assert unresolved == [
        "pkg/mod.py:5: @asset inside a function, loop or condition (or applied by hand) may "
        "build assets floe cannot read without running the module",
        "pkg/mod.py:11: @asset inside a function, loop or condition (or applied by hand) may "
        "build assets floe cannot read without running the module",
    ]


def test_odd_python_is_read_without_crashing(tmp_path: Path) -> None:
    deep = "(" * 150 + "1" + ")" * 150
    huge = " + ".join(["1"] * 500)
    assets, unresolved = _read(
        tmp_path,
        f"""
        import dagster as dg

        @dg.multi_asset(specs=[dg.AssetSpec()])
        def keyless(): ...

        @dg.asset(group_name=None)
        def default_group(): ...

        @dg.asset(group_name=[{deep}])
        def nested(): ...

        TOTAL = {huge}
        """,
    )
    assert assets["default_group"].group is None  # type: ignore[attr-defined]  # not "None"
    assert any("AssetSpec() without a key" in u for u in unresolved)
    assert any("nested()" in u for u in unresolved)
    # An expression too deep for Python's own compiler: Dagster could not import it either.
    (tmp_path / "pkg" / "deep.py").write_text("TOTAL = " + " + ".join(["1"] * 50000) + "\n")
    found = discover(["pkg.deep"], [tmp_path], tmp_path)
    assert [(u.reason, u.fatal) for u in found.unresolved] == [
        ("too deeply nested for Python to parse", True)
    ]


def test_import_discovery_agrees_with_the_static_read_on_the_demo(
    floe: Floe, tmp_path: Path
) -> None:
    """The opt-in import mode runs Dagster in a child process; on the demo both modes must
    find the same assets with the same groups, dependencies and kinds."""
    demo = REPO / "demo" / "shop" / "floe.yaml"
    graphs = {}
    for mode in ("static", "import"):
        out = tmp_path / mode
        result = floe("compile", str(demo), "--env", "dev", "--discover", mode, "--out", str(out))
        assert result.code == 0, result.text
        payload = json.loads((out / "dev" / "compiled_artifacts.json").read_text())
        assert payload["asset_graph"]["discovery"] == mode
        graphs[mode] = [
            (a["key"], a["group"], a["deps"], a["tags"], a["origin"])
            for a in payload["asset_graph"]["assets"]
            if a["kind"] == "python"
        ]
    assert graphs["import"] == graphs["static"]
    assert [g[0] for g in graphs["static"]] == [
        "bronze_customers",
        "bronze_orders",
        "bronze_payments",
    ]


def test_import_discovery_names_the_failing_file_and_line(tmp_path: Path, floe: Floe) -> None:
    package = tmp_path / "boom"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "assets.py").write_text("import dagster as dg\n\nraise RuntimeError('no db')\n")
    (package / "floe.yaml").write_text(
        'name: boom\nversion: "1"\norchestration:\n  asset_modules: [.assets]\n'
    )
    result = floe("compile", str(package / "floe.yaml"), "--check", "--discover", "import")
    assert result.code == 1, result.text  # Dagster cannot load it either
    assert "error: boom.assets: RuntimeError: no db (boom/assets.py:3)" in result.out


def test_import_discovery_ignores_what_modules_print_at_import_and_exit(
    tmp_path: Path, floe: Floe
) -> None:
    package = tmp_path / "noisy"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "assets.py").write_text(
        "import atexit, sys\nimport dagster as dg\n"
        "print('loading...')\nsys.stdout.write('{half a line')\n"
        "atexit.register(lambda: print('bye {not json'))\n\n"
        "@dg.asset(group_name='g')\ndef a(): ...\n"
    )
    (package / "floe.yaml").write_text(
        'name: noisy\nversion: "1"\norchestration:\n  asset_modules: [.assets]\n'
        '  jobs:\n    j: {type: batch, selection: ["group:g"]}\n'
    )
    out = tmp_path / "out"
    result = floe("compile", str(package / "floe.yaml"), "--discover", "import", "--out", str(out))
    assert result.code == 0, result.text
    payload = json.loads((out / "default" / "compiled_artifacts.json").read_text())
    assert [a["key"] for a in payload["asset_graph"]["assets"]] == ["a"]
    assert payload["asset_graph"]["complete"] is True


def test_import_discovery_tells_a_missing_dependency_from_a_broken_module(
    tmp_path: Path, floe: Floe
) -> None:
    """A third-party package missing here may exist where Dagster runs: unresolved, a warning.
    A module of the project itself that is missing is an error."""
    package = tmp_path / "deps"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "assets.py").write_text("import not_installed_anywhere_xyz\n")
    (package / "other.py").write_text("import deps.nowhere\n")
    floe_yaml = package / "floe.yaml"
    floe_yaml.write_text('name: deps\nversion: "1"\norchestration:\n  asset_modules: [.assets]\n')
    result = floe("compile", str(floe_yaml), "--check", "--discover", "import")
    assert result.code == 0, result.text
    assert "warning: deps.assets: ModuleNotFoundError: No module named" in result.out
    assert "install the project's dependencies here" in result.out
    floe_yaml.write_text(floe_yaml.read_text().replace("[.assets]", "[.other]"))
    result = floe("compile", str(floe_yaml), "--check", "--discover", "import")
    assert result.code == 1
    assert "error: deps.other: ModuleNotFoundError: No module named 'deps.nowhere'" in result.out
