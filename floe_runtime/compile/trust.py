"""The trust check: an artifact re-judged by the compiler's rules before anything is imported.

The checksum is an unkeyed sha256: it proves the artifact intact, not who sealed it, so anyone
who can write the bundle can re-seal an edited one. Before the runtime imports a module or
reads a folder the artifact names, ``verify`` applies the rules of ``spec.trust`` again (the
compiler applies them to floe.yaml, and ``refusals`` to every artifact it writes), checks that
every path stays inside the project root or the bundle, and that the bundled dbt manifest is
the one the artifact records. Provenance (who compiled it) is GitHub's artifact attestations'.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from floe_runtime.artifact.schema import CompiledArtifact
from floe_runtime.base.diagnostics import JsonPath
from floe_runtime.compile.errors import TrustError
from floe_runtime.compile.python_assets import module_file, search_roots
from floe_runtime.ports.dbt_manifest import load_manifest, manifest_digest
from floe_runtime.ports.errors import ManifestError
from floe_runtime.spec import modules, trust
from floe_runtime.spec.models import OpsJob
from floe_runtime.spec.triggers import CustomSensor
from floe_runtime.spec.trust import Refusal

NOT_COMPILED = (
    "floe compile never writes this, so the artifact is not the one floe compiled: recompile "
    "it with `floe compile`, or download the bundle again from the CI run that compiled it"
)

SAME_SOURCE = "the compiler writes both from the same floe.yaml"


@dataclass(frozen=True)
class Trusted:
    """Where the runtime may import from, found and checked before any import."""

    floe_yaml: Path
    package: str | None
    roots: list[Path]
    manifest: dict[str, Any] | None


def refusals(artifact: CompiledArtifact, package: str | None) -> list[Refusal]:
    """Every rule the compiler applies, on the artifact (no disk): its orchestration, its
    paths, and the records that must repeat the orchestration (jobs, dbt)."""
    problem = trust.normalised_problem(artifact.source.path)
    if problem is not None:
        return [_path(("source", "path"), artifact.source.path, problem)]
    folder = PurePosixPath(artifact.source.path).parent
    found = trust.refusals(artifact.orchestration, package, folder)
    found += _records(artifact)
    return found


def _path(field: JsonPath, value: str, problem: str) -> Refusal:
    return Refusal(field, f"path {value!r} {problem}", "paths are relative to the root", "path")


def _records(artifact: CompiledArtifact) -> Iterator[Refusal]:
    """The runtime imports jobs' functions from ``jobs`` and dbt from ``dbt``: they must be
    what ``orchestration`` (which the rules judged) says."""
    specs = artifact.orchestration.jobs
    for name, record in artifact.jobs.items():
        spec = specs.get(name)
        function = spec.target_function if isinstance(spec, OpsJob) else None
        if spec is None or spec.type != record.type or function != record.target_function:
            yield Refusal(
                ("jobs", name),
                f"job {name!r} is not the job orchestration.jobs declares",
                SAME_SOURCE,
                "artifact",
            )
    dbt, settings = artifact.dbt, artifact.orchestration.dbt
    if (dbt is None) != (settings is None):
        yield Refusal(("dbt",), "dbt and orchestration.dbt disagree", SAME_SOURCE, "artifact")
    elif dbt is not None and settings is not None:
        profiles = settings.profiles_dir or settings.project_dir
        if (dbt.project_dir, dbt.profiles_dir) != (settings.project_dir, profiles):
            yield Refusal(
                ("dbt",), "dbt's folders are not orchestration.dbt's", SAME_SOURCE, "artifact"
            )
        if dbt.manifest is not None:
            name = dbt.manifest.file
            if "/" in name or trust.normalised_problem(name) is not None:
                yield _path(("dbt", "manifest", "file"), name, "is not a file name in the bundle")


def verify(artifact: CompiledArtifact, file: Path, root: Path) -> Trusted:
    """Check the artifact at ``file`` against the project at ``root`` (resolved) before anything
    is imported; raise ``TrustError`` naming the field and the fix."""
    problem = trust.normalised_problem(artifact.source.path)
    if problem is not None:
        raise _refused(_path(("source", "path"), artifact.source.path, problem))
    floe_yaml = root / artifact.source.path
    if not floe_yaml.parent.is_dir():
        raise TrustError(
            ("source", "path"),
            f"the folder of {artifact.source.path} (from the artifact) is not under the project "
            f"root {root}; pass project_root= or set FLOE_PROJECT_ROOT to the repository root",
        )
    _inside(("source", "path"), floe_yaml, root, "the project root")
    package = modules.package_of(floe_yaml)
    for refusal in refusals(artifact, package):
        raise _refused(refusal)
    roots = search_roots(floe_yaml, package)
    _inside(("source", "path"), roots[0], root, "the project root")
    _modules(artifact, roots, root)
    if artifact.dbt is not None:
        folder = floe_yaml.parent
        _inside(("dbt", "project_dir"), folder / artifact.dbt.project_dir, root, "the project root")
        _inside(
            ("dbt", "profiles_dir"), folder / artifact.dbt.profiles_dir, root, "the project root"
        )
    return Trusted(floe_yaml, package, roots, _manifest(artifact, file.parent))


def _refused(refusal: Refusal) -> TrustError:
    return TrustError(refusal.field, f"{_dotted(refusal.field)}: {refusal.message}; {NOT_COMPILED}")


def _dotted(field: JsonPath) -> str:
    return ".".join(str(part) for part in field)


def _inside(field: JsonPath, path: Path, base: Path, what: str) -> None:
    """``path`` (symlinks followed) is inside ``base`` (resolved)."""
    if not path.resolve().is_relative_to(base):
        raise TrustError(
            field,
            f"{_dotted(field)}: {path} leads to {path.resolve()}, outside {what} {base}; floe "
            f"reads and imports nothing outside it. {NOT_COMPILED}",
        )


def _modules(artifact: CompiledArtifact, roots: list[Path], root: Path) -> None:
    """Asset modules are files of the project; a function's module, where it is one, too."""
    orchestration = artifact.orchestration
    for index, name in enumerate(orchestration.asset_modules):
        field: JsonPath = ("orchestration", "asset_modules", index)
        found = module_file(name, roots)
        if found is None:
            raise TrustError(
                field,
                f"module {name!r} not found (searched {', '.join(str(r) for r in roots)}); "
                "check the name, or the project root (project_root= / FLOE_PROJECT_ROOT)",
            )
        _inside(field, found, root, "the project root")
    functions: list[tuple[JsonPath, str]] = [
        (("orchestration", "jobs", name, "target_function"), job.target_function)
        for name, job in orchestration.jobs.items()
        if isinstance(job, OpsJob)
    ]
    functions += [
        (("orchestration", "sensors", name, "target_function"), sensor.target_function)
        for name, sensor in orchestration.sensors.items()
        if isinstance(sensor, CustomSensor)
    ]
    for field, dotted in functions:
        found = module_file(dotted.rpartition(".")[0], roots)
        if found is not None:
            _inside(field, found, root, "the project root")


def _manifest(artifact: CompiledArtifact, bundle: Path) -> dict[str, Any] | None:
    """The bundled manifest, read by the compiler's reader, that the artifact's digest names."""
    if artifact.dbt is None or artifact.dbt.manifest is None:
        return None
    record = artifact.dbt.manifest
    field: JsonPath = ("dbt", "manifest", "file")
    path = bundle / record.file
    _inside(field, path, bundle.resolve(), "the bundle")
    try:
        manifest = load_manifest(path)
    except ManifestError as exc:
        raise TrustError(
            field,
            f"the bundle's dbt manifest is missing or unreadable ({exc}); deploy the whole "
            "bundle folder that `floe compile` wrote, or recompile",
        ) from None
    if manifest_digest(manifest) != record.digest:
        raise TrustError(
            ("dbt", "manifest", "digest"),
            f"{path} is not the dbt manifest this artifact was compiled with (its digest is not "
            f"{record.digest}): it was changed after compilation; download the bundle again "
            "from the CI run that compiled it, or recompile with `floe compile`",
        )
    return manifest
