"""The floe.yaml model: what each key means, its type and its default.

Pydantic v2, frozen, ``extra="forbid"``, strict (``"5"`` is not an integer), discriminated unions on
``type``. Field descriptions and examples feed the JSON Schema that editors show. Fields that
interpolation may fill with a typed value (booleans, integers, enumerations, names) accept a
``${...}`` string in the JSON Schema too, and re-read an interpolated string by YAML rules here.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, Union

from annotated_types import Ge
from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetCoreSchemaHandler,
    GetJsonSchemaHandler,
    StringConstraints,
    Tag,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema, core_schema

from floe_runtime.ports.dbt_manifest import translation as templates
from floe_runtime.spec.interpolation import Interpolated
from floe_runtime.spec.yaml_loader import resolve_plain_scalar

IDENTIFIER = r"^[A-Za-z_][A-Za-z0-9_]*$"
GROUP_NAME = r"^[A-Za-z0-9_]+(/[A-Za-z0-9_]+)*$"
INTERPOLATION = r"\$\{[A-Za-z_][A-Za-z0-9_]*(:[^}]*)?\}"
# Dagster's VALID_TAG_KEY_REGEX (dagster/_utils/tags.py): Dagster warns on other keys; floe refuses.
TAG_KEY = r"^([A-Za-z0-9_.-]{1,63}/|dagster/kind/)?[A-Za-z0-9_.-]{1,63}$"


class _FromVariable:
    """Marks a typed field that may be written as ``${VAR:default}``.

    Validation re-reads an ``Interpolated`` string by YAML rules (``"5"`` → 5, ``"true"`` → True)
    when ``retype`` is set; the JSON Schema accepts any string holding a ``${...}`` reference.
    """

    def __init__(self, retype: bool) -> None:
        self.retype = retype

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> CoreSchema:
        inner = handler(source)
        if not self.retype:
            return inner
        return core_schema.no_info_before_validator_function(_retype, inner)

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        variable = {
            "type": "string",
            "pattern": INTERPOLATION,
            "description": "filled from a variable: ${NAME} or ${NAME:default}",
        }
        return {"anyOf": [handler(schema), variable]}


def _retype(value: Any) -> Any:
    return resolve_plain_scalar(str(value)) if isinstance(value, Interpolated) else value


def _retype_tree(value: Any) -> Any:
    """Free-form arguments have no field type: a variable's value is read as YAML would."""
    if isinstance(value, dict):
        return {k: _retype_tree(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_retype_tree(v) for v in value]
    return _retype(value)


Typed = _FromVariable(retype=True)
Text = _FromVariable(retype=False)

Identifier = Annotated[str, StringConstraints(pattern=IDENTIFIER), Text]
Name = Annotated[str, StringConstraints(pattern=IDENTIFIER)]
NonEmpty = Annotated[str, StringConstraints(min_length=1)]
Bool = Annotated[bool, Typed]
PositiveInt = Annotated[int, Ge(1), Typed]
Arguments = Annotated[dict[str, Any], BeforeValidator(_retype_tree)]


def _template(value: str) -> str:
    try:
        templates.parse(value)
    except templates.TemplateError as exc:
        raise ValueError(str(exc)) from None
    return value


Template = Annotated[str, StringConstraints(min_length=1), AfterValidator(_template)]
Tags = dict[
    Annotated[str, StringConstraints(pattern=TAG_KEY)],
    Annotated[str, StringConstraints(max_length=4096)],
]
RunConfig = Annotated[
    Arguments,
    Field(
        examples=[{"ops": {"orders": {"config": {"limit": 10}}}}],
        description="Dagster run config (ops → op or asset name → config), as the UI's launchpad "
        "takes it; values from variables are read as YAML.",
    ),
]


def _type_tag(value: Any) -> str | None:
    """The ``type`` of an entity. It selects the shape, so it must be written literally."""
    kind = value.get("type") if isinstance(value, dict) else getattr(value, "type", None)
    return kind if type(kind) is str else None


def _on_type(what: str, *tags: str) -> Discriminator:
    """Pick a union member by its literal ``type``; name the choices when it is wrong."""
    choices = ", ".join(repr(tag) for tag in tags)
    return Discriminator(
        _type_tag,
        custom_error_type="entity_type",
        custom_error_message=f"{what} needs a literal `type:` — one of {choices}",
    )


MAX_BACKFILLS = 1000
"""Backfills are reviewed ranges, a handful per project; checking one costs date and tick
arithmetic, so a generated file of tens of thousands must not take seconds."""


class FloeModel(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", strict=True)


# ── partitions ─────────────────────────────────────────────────────────────────────────────


class TimeWindowPartitions(FloeModel):
    """Partitions that are windows of time, one per cron tick (daily, hourly, monthly...)."""

    type: Literal["time_window"]
    start: NonEmpty = Field(
        examples=["2024-01-01"],
        description="First partition's start: a date or date-time (ISO 8601, or written in `fmt`).",
    )
    end: str | None = Field(
        default=None, description="Optional end (exclusive); open-ended when omitted."
    )
    cron_schedule: NonEmpty = Field(
        default="0 0 * * *",
        examples=["0 0 * * *", "@hourly"],
        description="When each window starts: a 5-field cron, as Dagster accepts it.",
    )
    timezone: NonEmpty = Field(
        default="UTC",
        examples=["UTC", "Europe/Berlin"],
        description="IANA timezone of the windows.",
    )
    fmt: str | None = Field(
        default=None,
        examples=["%Y-%m-%d"],
        description=(
            "strftime format of partition keys; by default `%Y-%m-%d`, or "
            "`%Y-%m-%d-%H:%M` when the cron fires more than once a day."
        ),
    )
    end_offset: Annotated[int, Typed] = Field(
        default=0,
        description=(
            "Extra windows after the last complete one (1 includes the window in progress)."
        ),
    )


class StaticPartitions(FloeModel):
    """A fixed list of partition keys, e.g. regions."""

    type: Literal["static"]
    partition_keys: list[NonEmpty] = Field(
        min_length=1,
        examples=[["us", "eu", "ap"]],
        description=(
            "The keys: unique, non-empty, without `...`, `|`, `,`, `[`, `]` or control characters."
        ),
    )


class DynamicPartitions(FloeModel):
    """Partition keys added at run time (by a sensor or the UI); named after the entry."""

    type: Literal["dynamic"]


Dimension = Annotated[
    Annotated[TimeWindowPartitions, Tag("time_window")]
    | Annotated[StaticPartitions, Tag("static")]
    | Annotated[DynamicPartitions, Tag("dynamic")],
    _on_type("a partition dimension", "time_window", "static", "dynamic"),
]


class MultiPartitions(FloeModel):
    """The product of exactly two dimensions, e.g. date by region."""

    type: Literal["multi"]
    partitions: dict[Name, Union[Identifier, Dimension]] = Field(  # noqa: UP007
        min_length=2,
        max_length=2,
        examples=[{"date": "daily", "region": "regions"}],
        description=(
            "Two dimensions: dimension name → the name of another partitions entry, or "
            "an inline time_window / static / dynamic definition."
        ),
    )


Partitions = Annotated[
    Annotated[TimeWindowPartitions, Tag("time_window")]
    | Annotated[StaticPartitions, Tag("static")]
    | Annotated[MultiPartitions, Tag("multi")]
    | Annotated[DynamicPartitions, Tag("dynamic")],
    _on_type("a partitions entry", "time_window", "static", "multi", "dynamic"),
]


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
        _on_type("an automation condition", "eager", "on_cron", "on_missing"),
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
    _on_type("an executor", "in_process", "multiprocess"),
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
    _on_type("a job", "batch", "ops"),
]


# ── schedules, sensors, backfills ───────────────────────────────────────────────────────────


class Schedule(FloeModel):
    """Run a job on a cron schedule."""

    job: Identifier
    cron_schedule: NonEmpty = Field(
        examples=["0 6 * * *", "@daily"], description="5-field cron, as Dagster accepts it."
    )
    timezone: NonEmpty = Field(
        default="UTC", examples=["Europe/Berlin"], description="IANA timezone the cron is read in."
    )
    enabled: Bool = Field(
        default=False,
        description=(
            "Whether the schedule starts running (Dagster's default_status); off by default."
        ),
    )
    partition_selector: Annotated[Literal["latest", "all"], Typed] = Field(
        default="latest",
        description=(
            "For partitioned jobs: run the latest partition at each tick, or every partition."
        ),
    )
    run_config: RunConfig = {}
    tags: Tags = Field(default={}, description="Tags on each run it requests (RunRequest tags=).")
    description: str | None = None


class _SensorBase(FloeModel):
    job: Identifier
    poll_interval_seconds: PositiveInt = Field(
        default=30, description="Seconds between evaluations (Dagster's minimum_interval_seconds)."
    )
    enabled: Bool = Field(
        default=False,
        description="Whether the sensor starts running (Dagster's default_status); off by default.",
    )
    run_config: RunConfig = {}
    tags: Tags = Field(default={}, description="Tags on each run it requests (RunRequest tags=).")
    description: str | None = None


class FileWatcherSensor(_SensorBase):
    """Run the job when new files matching a pattern appear in a folder. In ``run_config``
    strings, ``{path}`` becomes the file's absolute path and ``{name}`` its name."""

    type: Literal["file_watcher"]
    path: NonEmpty = Field(examples=["./incoming"])
    pattern: NonEmpty = Field(default="*", examples=["orders_*.csv"])


class AssetSensor(_SensorBase):
    """Run the job when watched assets are materialized."""

    type: Literal["asset_sensor"]
    watched_assets: list[NonEmpty] = Field(min_length=1)


class RunStatusSensor(_SensorBase):
    """Run the job when watched jobs reach a status, e.g. to alert on failure."""

    type: Literal["run_status"]
    watched_jobs: list[Identifier] = Field(min_length=1)
    status: Annotated[Literal["SUCCESS", "FAILURE", "CANCELED"], Typed] = "FAILURE"
    every_attempt: Bool = Field(
        default=False,
        description=(
            "One run per attempt of a watched run, retries by run_retries included; by default "
            "one per root run (a failure alerts once, from the attempt Dagster will not retry)."
        ),
    )


class CustomSensor(_SensorBase):
    """Evaluate a Python function from the project that decides whether to run the job."""

    type: Literal["custom"]
    target_function: NonEmpty
    args: Arguments = {}


Sensor = Annotated[
    Annotated[FileWatcherSensor, Tag("file_watcher")]
    | Annotated[AssetSensor, Tag("asset_sensor")]
    | Annotated[RunStatusSensor, Tag("run_status")]
    | Annotated[CustomSensor, Tag("custom")],
    _on_type("a sensor", "file_watcher", "asset_sensor", "run_status", "custom"),
]


class PartitionRange(FloeModel):
    start: NonEmpty = Field(description="First partition key (a date for time windows).")
    end: NonEmpty = Field(description="Last partition key, inclusive.")


class Backfill(FloeModel):
    """A named backfill a user launches with one command, in batches."""

    job: Identifier
    partition_range: PartitionRange | None = Field(
        default=None, description="Partitions to run; every partition when omitted."
    )
    partitions: Identifier | None = Field(
        default=None,
        description=(
            "The partitions entry the range is written in; inferred from the job's "
            "assets if omitted."
        ),
    )
    batch_size: PositiveInt = Field(default=1, description="Partitions per run.")
    description: str | None = None


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
