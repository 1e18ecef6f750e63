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

import json
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from floe_runtime.artifact import store
from floe_runtime.artifact.errors import ArtifactError
from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.artifact.view import read_view
from floe_runtime.base import files
from floe_runtime.base.diagnostics import Diagnostic, and_more, capped
from floe_runtime.base.errors import FileRefused, FloeError
from floe_runtime.base.exported import users_own
from floe_runtime.base.output import plural, printable
from floe_runtime.base.version import __version__
from floe_runtime.compile.options import CompileOptions
from floe_runtime.compile.pipeline import Compiled, compile_environments, write_bundles
from floe_runtime.definitions import locate
from floe_runtime.definitions.dev_inputs import KINDS, UNBOUNDED, Inputs, digests, relative
from floe_runtime.definitions.errors import LoadError
from floe_runtime.definitions.locate import ENV_VAR
from floe_runtime.spec import environments, trust
from floe_runtime.spec.errors import EnvironmentChoiceError
from floe_runtime.spec.load import SpecOptions

ENV_NAME: Final = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.-]{0,99}")  # as environments/<env>.env
DEV_VAR: Final = "FLOE_DEV"
DAGSTER_DEV_VAR: Final = "DAGSTER_IS_DEV_CLI"
CACHE: Final = Path(".floe") / "dev"
STATE: Final = "inputs.json"
SHOWN_ERRORS: Final = 10

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
        bundle = _Bundle(*read_view(file).identity)
        return _Reviewed(named, file, bundle)
    except ArtifactError as exc:
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
    except EnvironmentChoiceError as exc:
        raise LoadError(
            f"floe dev mode: {floe_yaml} declares several environments; set {ENV_VAR} to one "
            f"of them ({', '.join(exc.declared)})"
        ) from None


@dataclass(frozen=True)
class _State:
    """``.floe/dev/<env>/inputs.json``: what the cached bundle was compiled from."""

    checksum: str
    inputs: Inputs
    digests: dict[str, str]
    dbt: dict[str, Any] | None

    @staticmethod
    def read(folder: Path) -> _State | None:
        try:
            data = json.loads(files.read_text(folder / STATE, files.CONFIG_LIMIT, "dev state"))
            if data.get("floe") != __version__:
                return None
            inputs = Inputs(**{k: tuple(v) for k, v in data["inputs"].items()})
            return _State(data["checksum"], inputs, dict(data["digests"]), data["dbt"])
        except (OSError, ValueError, KeyError, TypeError, AttributeError, FileRefused):
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
    listed, left = capped(errors, SHOWN_ERRORS)
    return LoadError(
        "\n".join(_located(d) for d in listed)
        + and_more(left, "\n… ", " (floe validate lists them all)")
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
    env = users_own(env)  # not what an earlier load in this process exported from a bundle
    reviewed = _reviewed(path, env, cwd)
    floe_yaml = _floe_yaml(reviewed, root, caller)
    environment = _environment(env, reviewed, floe_yaml)
    cache = root / CACHE
    folder = cache / environment
    cached = folder / store.ARTIFACT_NAME
    state = _State.read(folder) if cached.is_file() else None
    before = digests(state.inputs, root, env) if state is not None else {}
    changed = [
        kind
        for kind in KINDS
        if state is None or before[kind] != state.digests.get(kind) or before[kind] == UNBOUNDED
    ]
    shown = relative(floe_yaml, root)
    if state is not None and not changed:
        log.info("floe dev mode: %s unchanged since its last compile", shown)
        return _chosen(reviewed, state.checksum, cached)

    manifest = folder / store.MANIFEST_NAME
    reuse = manifest if "dbt" not in changed and manifest.is_file() else None
    result, artifact = _compile(floe_yaml, shown, environment, env, reuse)
    if reuse is not None and state is not None and _dbt_settings(artifact) != state.dbt:
        reuse = None  # another target or project: the cached manifest is not this one's
        result, artifact = _compile(floe_yaml, shown, environment, env, None)
    inputs = Inputs.of(artifact, root)
    same_inputs = state is not None and inputs == state.inputs  # digested before compiling
    try:
        write_bundles([result], out=cache)
        now = before if same_inputs else digests(inputs, root, env)
        _State(artifact.checksum, inputs, now, _dbt_settings(artifact)).write(folder)
    except FileRefused as exc:
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
