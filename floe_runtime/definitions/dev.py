"""Development mode: under ``dagster dev`` a reload in the UI is all a change needs.

In the spirit of dagster-dbt's ``DbtProject.prepare_if_dev()``. When Dagster's dev CLI runs the
code location (``dagster dev`` and ``dg dev`` set ``DAGSTER_IS_DEV_CLI``) or ``FLOE_DEV=1`` asks
for it, and ``FLOE_DEV=0`` does not forbid it, the loader does not take the bundle on trust: it
compiles floe.yaml in memory for the environment, as ``floe compile --env E --dbt-parse`` would,
whenever the inputs (floe.yaml, the env file, the asset modules' packages, the dbt project)
changed since the last compile, and loads the bundle as it is now. The result is kept with a
digest of those inputs in ``.floe/dev/<env>/`` under the project root, so a reload that changed
nothing compiles nothing and dbt is parsed only when the dbt project changed. The reviewed
bundle is never written, and deployments never get here: there the bundle is all that loads.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import re
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from floe_runtime.artifact import store
from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base import files
from floe_runtime.base.diagnostics import Diagnostic
from floe_runtime.base.errors import FloeError
from floe_runtime.base.output import plural, printable
from floe_runtime.base.version import __version__
from floe_runtime.compile.pipeline import (
    Compiled,
    CompileOptions,
    compile_environments,
    write_bundles,
)
from floe_runtime.compile.python_assets import search_roots
from floe_runtime.definitions import locate
from floe_runtime.definitions.locate import ENV_VAR, LoadError
from floe_runtime.spec import environments, modules, trust
from floe_runtime.spec.load import SpecOptions

ENV_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")  # as environments/<env>.env
DEV_VAR: Final = "FLOE_DEV"
DAGSTER_DEV_VAR: Final = "DAGSTER_IS_DEV_CLI"
CACHE: Final = Path(".floe") / "dev"
STATE: Final = "inputs.json"
MAX_FILES: Final = 50_000
MAX_DEPTH: Final = 32
LARGE: Final = 5 * files.MIB  # hashed by size and modification time, not read
DBT_SUFFIXES: Final = (".sql", ".yml", ".yaml", ".csv", ".py", ".md")
DBT_OUTPUT: Final = frozenset({"target", "logs"})
SHOWN_ERRORS: Final = 10
KINDS: Final = {"config": "floe.yaml or env", "python": "Python", "dbt": "dbt project"}
UNBOUNDED: Final = "unbounded"
"""The digest of a tree too large to digest: never the same as the last one."""

log = logging.getLogger("dagster.floe")


def active(env: Mapping[str, str]) -> bool:
    """``FLOE_DEV`` decides when set (``0``/``false``/``no``/``off`` disable); else on under
    Dagster's dev CLI, as dagster-dbt's ``prepare_if_dev()``."""
    flag = env.get(DEV_VAR, "").strip().lower()
    if flag:
        return flag not in ("0", "false", "no", "off")
    return bool(env.get(DAGSTER_DEV_VAR))


@dataclass(frozen=True)
class _Bundle:
    """What development mode needs of an artifact (read as JSON: the loader builds the model
    of the one it loads)."""

    source: str
    environment: str
    checksum: str


@dataclass(frozen=True)
class _Reviewed:
    """The bundle a deployment would load (``named``: the folder asked for, which may not
    exist yet), and its artifact if it reads."""

    named: str
    file: Path | None
    artifact: _Bundle | None


def _reviewed(path: str | Path | None, env: Mapping[str, str], cwd: Path) -> _Reviewed:
    asked = path if path is not None else env.get(locate.ARTIFACTS_VAR)
    named = str(asked or Path("dist") / "floe" / (env.get(ENV_VAR) or locate.DEFAULT_ENV))
    try:
        file = locate.artifact_path(path, env, cwd)
    except LoadError:
        return _Reviewed(named, None, None)
    try:
        payload = store.read_payload(file)
        bundle = _Bundle(payload["source"]["path"], payload["environment"], payload["checksum"])
        return _Reviewed(named, file, bundle)
    except (store.ArtifactError, KeyError, TypeError) as exc:
        log.warning("floe dev mode: ignoring the bundle %s (%s)", file, exc)
        return _Reviewed(named, file, None)


def _floe_yaml(reviewed: _Reviewed, root: Path, caller: Path | None) -> Path:
    """The bundle's own floe.yaml, else the floe.yaml beside the code location file."""
    source = reviewed.artifact.source if reviewed.artifact is not None else None
    if isinstance(source, str) and trust.normalised_problem(source) is None:  # as trust.verify
        recorded = root / source
        if recorded.resolve().is_relative_to(root) and recorded.is_file():
            return recorded
    if caller is not None and (caller.parent / "floe.yaml").is_file():
        return caller.parent / "floe.yaml"
    beside = f" nor beside {caller}" if caller is not None else ""
    raise LoadError(
        f"floe dev mode: no compiled bundle names a floe.yaml under {root}{beside}; put the code "
        "location file next to floe.yaml, or run `floe compile --env ENV` once"
    )


def _environment(env: Mapping[str, str], reviewed: _Reviewed, floe_yaml: Path) -> str:
    """The environment's name (it names a folder): ``FLOE_ENV``, else the bundle's, else the
    bundle folder's, else the one floe.yaml declares."""
    name = _chosen_environment(env, reviewed, floe_yaml)
    if not ENV_NAME.fullmatch(name):
        raise LoadError(f"floe dev mode: {name!r} is not an environment name; set {ENV_VAR}")
    return name


def _chosen_environment(env: Mapping[str, str], reviewed: _Reviewed, floe_yaml: Path) -> str:
    if env.get(ENV_VAR):
        return env[ENV_VAR]
    if reviewed.artifact is not None:
        return str(reviewed.artifact.environment)
    folder = Path(reviewed.named)
    folder = folder.parent if folder.suffix == ".json" else folder
    if folder.name in environments.discover(floe_yaml.parent):  # FLOE_ARTIFACTS=dist/floe/dev
        return folder.name
    try:
        return environments.select(floe_yaml)[0]
    except environments.EnvironmentChoiceError as exc:
        raise LoadError(
            f"floe dev mode: {floe_yaml} declares several environments; set {ENV_VAR} to one "
            f"of them ({', '.join(exc.declared)})"
        ) from None


@dataclass(frozen=True)
class _Inputs:
    """What one compile read, relative to the project root: the files that configure it, the
    process variables it used, and the Python and dbt trees whose content it reflects."""

    config: tuple[str, ...]
    variables: tuple[str, ...]
    python: tuple[str, ...]
    dbt: tuple[str, ...]

    @staticmethod
    def of(artifact: CompiledArtifact, root: Path) -> _Inputs:
        floe_yaml = root / artifact.source.path
        env_file = floe_yaml.parent / environments.ENV_DIR / f"{artifact.environment}.env"
        dbt: list[str] = []
        if artifact.dbt is not None:
            project = floe_yaml.parent / artifact.dbt.project_dir
            profiles = floe_yaml.parent / artifact.dbt.profiles_dir / "profiles.yml"
            dbt = [_relative(project, root), _relative(profiles, root)]
        return _Inputs(
            config=(artifact.source.path, _relative(env_file, root)),
            variables=tuple(sorted(artifact.variables)),
            python=tuple(_relative(p, root) for p in _packages(artifact, floe_yaml)),
            dbt=tuple(dbt),
        )


def _relative(path: Path, root: Path) -> str:
    return os.path.relpath(path, root)


def _packages(artifact: CompiledArtifact, floe_yaml: Path) -> list[Path]:
    """The top-level packages (or modules) of every asset module and target function."""
    dotted = [*artifact.orchestration.asset_modules]
    dotted += [job.target_function for job in artifact.jobs.values() if job.target_function]
    for sensor in artifact.orchestration.sensors.values():
        function = getattr(sensor, "target_function", None)
        if isinstance(function, str):
            dotted.append(function)
    roots = search_roots(floe_yaml, modules.package_of(floe_yaml))
    found: list[Path] = []
    for top in sorted({name.split(".")[0] for name in dotted}):
        for root in roots:
            for candidate in (root / top, root / f"{top}.py"):
                if candidate.exists() and candidate not in found:
                    found.append(candidate)
    return found


class _Unbounded(Exception):
    """A tree too large to digest: it counts as changed on every load."""


def _walk(top: Path, suffixes: tuple[str, ...], python: bool) -> Iterator[Path]:
    """Regular files under ``top`` (itself, when a file) in a stable order, bounded. A Python
    walk skips dbt projects (digested as dbt); a dbt walk skips dbt's output, not its packages."""
    if not top.is_dir():
        if top.is_file():
            yield top
        return
    count = 0
    base_depth = len(top.parts)
    for folder, dirs, names in os.walk(top, followlinks=False):
        here = Path(folder)
        dirs[:] = sorted(
            d
            for d in dirs
            if not d.startswith(".")
            and (not (here / d / "dbt_project.yml").is_file() if python else d not in DBT_OUTPUT)
            and len(here.parts) - base_depth < MAX_DEPTH
        )
        for name in sorted(names):
            if name.endswith(suffixes) and not name.startswith("."):  # dbt's .user.yml
                count += 1
                if count > MAX_FILES:
                    raise _Unbounded(top)
                yield here / name


def _feed(digest: Any, path: Path, root: Path) -> None:
    digest.update(_relative(path, root).encode() + b"\0")
    try:
        status = os.stat(path)
        if status.st_size > LARGE:
            digest.update(f"{status.st_size}:{status.st_mtime_ns}".encode())
        else:
            digest.update(hashlib.sha256(files.read_bytes(path, LARGE, "an input")).digest())
    except (OSError, files.FileRefused):
        digest.update(b"unreadable")
    digest.update(b"\0")


def _digest(paths: Iterable[Path], root: Path, suffixes: tuple[str, ...], python: bool) -> str:
    digest = hashlib.sha256(__version__.encode())
    try:
        for top in paths:
            digest.update(b"tree:" + _relative(top, root).encode() + b"\0")
            for path in _walk(top, suffixes, python):
                _feed(digest, path, root)
    except _Unbounded:
        return UNBOUNDED
    return digest.hexdigest()


def _digests(inputs: _Inputs, root: Path, env: Mapping[str, str]) -> dict[str, str]:
    """One digest per kind of input: what the compile read (floe.yaml, the env file, the
    process variables it used), the Python packages, the dbt project."""
    config = hashlib.sha256(__version__.encode())
    for name in inputs.config:
        _feed(config, root / name, root)
    config.update(json.dumps({n: env.get(n) for n in inputs.variables}, sort_keys=True).encode())
    return {
        "config": config.hexdigest(),
        "python": _digest((root / p for p in inputs.python), root, (".py",), python=True),
        "dbt": _digest((root / p for p in inputs.dbt), root, DBT_SUFFIXES, python=False),
    }


@dataclass(frozen=True)
class _State:
    """``.floe/dev/<env>/inputs.json``: what the cached bundle was compiled from."""

    checksum: str
    inputs: _Inputs
    digests: dict[str, str]
    dbt: dict[str, Any] | None

    @staticmethod
    def read(folder: Path) -> _State | None:
        try:
            data = json.loads(files.read_text(folder / STATE, files.CONFIG_LIMIT, "dev state"))
            if data.get("floe") != __version__:
                return None
            inputs = _Inputs(**{k: tuple(v) for k, v in data["inputs"].items()})
            return _State(data["checksum"], inputs, dict(data["digests"]), data["dbt"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, files.FileRefused):
            return None

    def write(self, folder: Path) -> None:
        data = {
            "floe": __version__,
            "checksum": self.checksum,
            "inputs": {k: list(v) for k, v in self.inputs.__dict__.items()},
            "digests": self.digests,
            "dbt": self.dbt,
        }
        files.write_atomic(folder / STATE, (json.dumps(data, indent=2) + "\n").encode())


def _dbt_settings(artifact: CompiledArtifact) -> dict[str, Any] | None:
    if artifact.dbt is None:
        return None
    return artifact.dbt.model_dump(mode="json", include={"project_dir", "profiles_dir", "target"})


def _located(d: Diagnostic) -> str:
    where = f"{d.file}:{d.position.line}:{d.position.col}" if d.position else d.file
    hint = f" ({d.hint})" if d.hint else ""
    return printable(f"{where}: {d.severity}: {d.message}{hint}")


def _refused(result: Compiled, shown: str) -> LoadError:
    """The compile's errors as one load error, each ``file:line:col: error: message``."""
    errors = [d for d in result.diagnostics if d.severity == "error"]
    lines = [_located(d) for d in errors[:SHOWN_ERRORS]]
    if len(errors) > SHOWN_ERRORS:
        lines.append(f"... and {len(errors) - SHOWN_ERRORS} more (floe validate lists them all)")
    return LoadError(
        "\n".join(lines)
        + f"\n(floe dev mode: {shown} does not compile for environment {result.environment!r}, "
        f"{plural(len(errors), 'error')}; fix it and reload)"
    )


def _compile(
    floe_yaml: Path, shown: str, environment: str, env: Mapping[str, str], manifest: Path | None
) -> tuple[Compiled, CompiledArtifact]:
    """``floe compile --env E --dbt-parse`` in memory; with ``manifest``, that one instead of
    a parse (the dbt project did not change)."""
    options = CompileOptions(
        spec=SpecOptions(path=floe_yaml, display=shown, process_env=env),
        environments=(environment,),
        dbt_parse=manifest is None,
        manifests={environment: manifest} if manifest is not None else {},
    )
    try:
        (result,) = compile_environments(options)
    except FloeError as exc:
        raise LoadError(f"floe dev mode: {exc}") from None
    if result.artifact is None:
        raise _refused(result, shown)
    return result, result.artifact


def prepare(
    path: str | Path | None, env: Mapping[str, str], cwd: Path, root: Path, caller: Path | None
) -> Path:
    """The artifact to load in development mode: the bundle when it is what floe.yaml compiles
    to now, else the one just compiled into ``.floe/dev/<env>/`` (``caller``: the code location
    file, beside which floe.yaml is looked for when there is no bundle)."""
    reviewed = _reviewed(path, env, cwd)
    floe_yaml = _floe_yaml(reviewed, root, caller)
    environment = _environment(env, reviewed, floe_yaml)
    cache = root / CACHE
    folder = cache / environment
    cached = folder / store.ARTIFACT_NAME
    state = _State.read(folder) if cached.is_file() else None
    before = _digests(state.inputs, root, env) if state is not None else {}
    changed = [
        kind
        for kind in KINDS
        if state is None or before[kind] != state.digests.get(kind) or before[kind] == UNBOUNDED
    ]
    shown = _relative(floe_yaml, root)
    if state is not None and not changed:
        log.info("floe dev mode: %s unchanged since its last compile", shown)
        return _chosen(reviewed, state.checksum, cached)

    manifest = folder / store.MANIFEST_NAME
    reuse = manifest if "dbt" not in changed and manifest.is_file() else None
    result, artifact = _compile(floe_yaml, shown, environment, env, reuse)
    if reuse is not None and state is not None and _dbt_settings(artifact) != state.dbt:
        reuse = None  # another target or project: the cached manifest is not this one's
        result, artifact = _compile(floe_yaml, shown, environment, env, None)
    inputs = _Inputs.of(artifact, root)
    same_inputs = state is not None and inputs == state.inputs  # digested before compiling
    try:
        write_bundles([result], cache)
        digests = before if same_inputs else _digests(inputs, root, env)
        _State(artifact.checksum, inputs, digests, _dbt_settings(artifact)).write(folder)
    except files.FileRefused as exc:
        raise LoadError(f"floe dev mode: {exc}") from None
    chosen = _chosen(reviewed, artifact.checksum, cached)
    if chosen == cached:
        log.warning(
            "floe dev mode: compiled %s for environment %r in memory (%s; %s) and loaded it: "
            "the bundle %s is %s; deployments still load only a bundle from `floe compile`",
            shown,
            environment,
            f"changed: {', '.join(KINDS[k] for k in changed)}" if state else "first load",
            "dbt parsed" if reuse is None and artifact.dbt is not None else "no dbt parse",
            reviewed.named,
            "missing" if reviewed.artifact is None else "stale",
        )
    return chosen


def _chosen(reviewed: _Reviewed, checksum: str, cached: Path) -> Path:
    """The reviewed bundle when it is the same artifact, else the freshly compiled one."""
    fresh = reviewed.artifact is not None and reviewed.artifact.checksum == checksum
    if reviewed.file is not None and fresh:
        log.info("floe dev mode: the bundle %s is up to date", reviewed.file)
        return reviewed.file
    return cached
