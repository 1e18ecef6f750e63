"""The floe.yaml model: what each key means, its type and its default.

Pydantic v2, frozen, ``extra="forbid"``, strict (``"5"`` is not an integer), discriminated unions on
``type``. Field descriptions and examples feed the JSON Schema that editors show; the field types
themselves live in ``spec/fields.py``.
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from annotated_types import Ge
from pydantic import Field, StringConstraints, Tag

from floe_runtime.ports.dbt_manifest import translation as templates
from floe_runtime.spec.fields import (
    GROUP_NAME,
    Arguments,
    Bool,
    FloeModel,
    Identifier,
    Name,
    NonEmpty,
    PositiveInt,
    RunConfig,
    Tags,
    Template,
    Text,
    Typed,
    on_type,
)
from floe_runtime.spec.partitions import (
    Partitions,
)
from floe_runtime.spec.triggers import (
    MAX_BACKFILLS,
    Backfill,
    Schedule,
    Sensor,
)

# ── assets ─────────────────────────────────────────────────────────────────────────────────


class EagerCondition(FloeModel):
    """Materialize whenever an upstream asset updates."""

    type: Literal["eager"]


class OnCronCondition(FloeModel):
    """Materialize once per cron tick, after all upstream assets have updated."""

    type: Literal["on_cron"]
    cron_schedule: NonEmpty = Field(examples=["0 * * * *"])
    cron_timezone: NonEmpty = "UTC"


class OnMissingCondition(FloeModel):
    """Materialize partitions that have never been materialized."""

    type: Literal["on_missing"]


AutomationCondition = Union[  # noqa: UP007
    Annotated[Literal["eager", "on_missing"], Typed],
    Annotated[
        Annotated[EagerCondition, Tag("eager")]
        | Annotated[OnCronCondition, Tag("on_cron")]
        | Annotated[OnMissingCondition, Tag("on_missing")],
        on_type("an automation condition", "eager", "on_cron", "on_missing"),
    ],
]


class BackfillPolicy(FloeModel):
    """How Dagster groups partitions into runs when backfilling these assets."""

    type: Annotated[Literal["multi_run", "single_run"], Typed] = "multi_run"
    max_partitions_per_run: PositiveInt | None = Field(
        default=None,
        description="With multi_run: at most this many partitions per run (default 1).",
    )


class AssetConfig(FloeModel):
    """Settings applied to every asset whose name matches the pattern."""

    partitions: Identifier | None = Field(
        default=None, description="Name of an entry under `orchestration.partitions`."
    )
    automation_condition: AutomationCondition | None = Field(
        default=None,
        description=(
            "`eager`, `on_missing`, or `{type: on_cron, cron_schedule: ...}`; takes "
            "precedence over schedules for the same assets."
        ),
    )
    backfill_policy: BackfillPolicy | None = None
    group_name: Annotated[str, StringConstraints(pattern=GROUP_NAME), Text] | None = Field(
        default=None, description="Dagster asset group (overrides the group from code or dbt)."
    )
    compute_kind: NonEmpty | None = Field(
        default=None, description="Kind shown in the Dagster UI, e.g. `python`, `duckdb`."
    )


# ── jobs ───────────────────────────────────────────────────────────────────────────────────


class PerUniqueValue(FloeModel):
    """A limit that applies to each value of the tag on its own."""

    applyLimitPerUniqueValue: Bool  # Dagster's name


class TagConcurrencyLimit(FloeModel):
    """At most ``limit`` of the run's ops with this tag (and value) at once."""

    key: NonEmpty
    value: str | PerUniqueValue | None = Field(
        default=None,
        description="Only ops whose tag has this value; `{applyLimitPerUniqueValue: true}` "
        "limits each value separately; any value when omitted.",
    )
    limit: Annotated[int, Ge(0), Typed]


class InProcessExecutor(FloeModel):
    """Run every step of a run in one process, one after another (Dagster's
    ``in_process_executor``)."""

    type: Literal["in_process"]


class MultiprocessExecutor(FloeModel):
    """Run each step in its own process (Dagster's ``multiprocess_executor``)."""

    type: Literal["multiprocess"]
    max_concurrent: Annotated[int, Ge(0), Typed] | None = Field(
        default=None,
        description="At most this many steps at once; 0 or omitted: the number of CPUs.",
    )
    tag_concurrency_limits: list[TagConcurrencyLimit] = Field(
        default=[],
        examples=[[{"key": "database", "value": "duckdb", "limit": 1}]],
        description="Limits on steps that carry a tag (op tags), as Dagster's executor takes them.",
    )


Executor = Annotated[
    Annotated[InProcessExecutor, Tag("in_process")]
    | Annotated[MultiprocessExecutor, Tag("multiprocess")],
    on_type("an executor", "in_process", "multiprocess"),
]


class _JobBase(FloeModel):
    tags: Tags = Field(
        default={},
        description="Tags on the job (Dagster's define_asset_job tags=); they also go on its runs "
        "unless `run_tags` is set.",
    )
    run_tags: Tags | None = Field(
        default=None,
        description="Tags on every run of the job instead of `tags` (Dagster's run_tags=).",
    )
    description: str | None = None


class BatchJob(_JobBase):
    """A job that materializes the assets its selection picks."""

    type: Literal["batch"]
    selection: list[NonEmpty] = Field(
        min_length=1,
        examples=[["group:bronze"], ["+key:customer_orders"]],
        description="Dagster asset selection strings; the job runs their union.",
    )
    config: RunConfig = {}
    executor: Executor | None = Field(
        default=None,
        description="How a run executes its steps; Dagster's default (multiprocess) when omitted.",
    )


class OpsJob(_JobBase):
    """A job that calls one Python function from the project, e.g. maintenance."""

    type: Literal["ops"]
    target_function: NonEmpty = Field(
        examples=["shop.assets.ops.vacuum"],
        description="Dotted path of the function, inside a module the project owns.",
    )
    args: Arguments = Field(
        default={},
        description=(
            "Keyword arguments passed to the function (values from variables are read as YAML)."
        ),
    )


Job = Annotated[
    Annotated[BatchJob, Tag("batch")] | Annotated[OpsJob, Tag("ops")],
    on_type("a job", "batch", "ops"),
]


# ── project ────────────────────────────────────────────────────────────────────────────────


class SourceTranslation(FloeModel):
    """Keys of dbt sources (the assets that dbt models read)."""

    key: Template | None = Field(
        default=None,
        examples=["taxi_{name}"],
        description="The source table's asset key ('/' separates components); `{key}` is the "
        "key floe gives without it.",
    )
    key_prefix: Template | list[Template] = Field(
        default=[], description="Components put in front of the key."
    )


class DbtTranslation(FloeModel):
    """Templates over each dbt node's fields: `{name}`, `{alias}`, `{schema}`, `{database}`,
    `{resource_type}`, `{package_name}`, `{fqn[i]}` (negative i counts from the end), `{key}`
    (the key without translation), `{source_name}` and `{identifier}` (sources); `{{` and `}}`
    are literal braces. Nothing else is evaluated."""

    key: Template | None = Field(
        default=None,
        examples=["{name}", "{fqn[1]}/{name}"],
        description="Asset key of each model, seed and snapshot ('/' separates components).",
    )
    key_prefix: Template | list[Template] = Field(
        default=[],
        examples=["analytics", ["warehouse", "{schema}"]],
        description="Components put in front of each model's, seed's and snapshot's key.",
    )
    group_name: Template | None = Field(
        default=None,
        examples=["{fqn[1]}"],
        description="Group of each model, seed and snapshot (asset patterns still override it).",
    )
    sources: SourceTranslation = SourceTranslation()

    def rules(self) -> templates.Translation:
        """The parsed templates the asset graph and the runtime's translator both apply."""
        return templates.Translation(
            nodes=templates.rules(self.key, _listed(self.key_prefix), self.group_name),
            sources=templates.rules(self.sources.key, _listed(self.sources.key_prefix)),
        )


def _listed(prefix: str | list[str]) -> list[str]:
    return [prefix] if isinstance(prefix, str) else prefix


class DbtSettings(FloeModel):
    """Where the dbt project is and how floe loads it."""

    project_dir: NonEmpty = Field(
        examples=["dbt"], description="Folder holding dbt_project.yml, relative to floe.yaml."
    )
    profiles_dir: NonEmpty | None = Field(
        default=None, description="Folder holding profiles.yml; defaults to project_dir."
    )
    target: NonEmpty | None = Field(
        default=None,
        examples=["${DBT_TARGET:dev}"],
        description="dbt target (output in profiles.yml) per environment.",
    )
    manifest_path: NonEmpty | None = Field(
        default=None,
        description="A prebuilt manifest.json; `floe compile --dbt-parse` can produce one instead.",
    )
    observability_level: Annotated[Literal["per_model", "job_level"], Typed] = Field(
        default="per_model",
        description="Report one Dagster asset event per dbt model, or one per job.",
    )
    translation: DbtTranslation | None = Field(
        default=None,
        description="Asset keys and groups by rule, as a custom DagsterDbtTranslator (or "
        "DbtProjectComponent's `translation:`) would give them.",
    )
    op_name: Identifier | None = Field(
        default=None,
        description="Name of the dbt op (`@dbt_assets(name=)`); default `dbt_<project name>`. "
        "Models with partitions run in ops named `<op_name>_<partitions name>`.",
    )


class Automation(FloeModel):
    """The one sensor that evaluates the assets' automation conditions."""

    enabled: Bool = Field(
        default=False,
        description=(
            "Whether the automation sensor starts running (Dagster's default_status); off by "
            "default, like schedules."
        ),
    )
    poll_interval_seconds: PositiveInt = Field(
        default=30,
        description="Seconds between evaluations (Dagster's minimum_interval_seconds).",
    )


class Orchestration(FloeModel):
    asset_modules: list[NonEmpty] = Field(
        default=[],
        examples=[["shop.assets.bronze", ".assets.ops"]],
        description=(
            "Python modules with Dagster assets: absolute, or relative to floe.yaml's package."
        ),
    )
    allowed_modules: list[NonEmpty] = Field(
        default=[], description="Extra module prefixes that target_function may point into."
    )
    dbt: DbtSettings | None = None
    partitions: dict[Name, Partitions] = {}
    assets: dict[NonEmpty, AssetConfig] = Field(
        default={},
        examples=[{"bronze_*": {"partitions": "daily"}}],
        description="Glob pattern (`* ? [ab] {a,b}`) over asset names → settings.",
    )
    jobs: dict[Name, Job] = {}
    schedules: dict[Name, Schedule] = {}
    sensors: dict[Name, Sensor] = {}
    backfills: dict[Name, Backfill] = Field(
        default={},
        max_length=MAX_BACKFILLS,
        description=(
            "Named partition ranges to backfill; each is checked against its partitions, so a "
            f"file holds at most {MAX_BACKFILLS:,}."
        ),
    )
    automation: Automation = Field(
        default=Automation(),
        description=(
            "The sensor that evaluates `automation_condition`s: `enabled` per environment, "
            "`poll_interval_seconds`."
        ),
    )


class FloeProject(FloeModel):
    """floe.yaml: how a dbt + Dagster project is orchestrated, in every environment."""

    name: Name = Field(examples=["shop"], description="Project identifier.")
    version: NonEmpty = Field(
        examples=["1.0.0"], description="Version of this configuration (a string: quote it)."
    )
    orchestration: Orchestration = Orchestration()
