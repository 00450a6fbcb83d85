"""After an ingestion, what follows by itself (the Dagster daemon: `make dev`, or a deployment).

- Any finished ingestion run (CLA or CRCS, launched by the landing sensor or from the UI) updates the
  submission status (submission_status_job).
- An ingestion run that succeeded (an accepted return, or an accepted resubmission) launches the
  transform of the years it stored (one run over their range: one dbt invocation), and a transform
  launched that way launches the release of those years.

Runs of `cssd build` (tag ``cssd/years``) are left alone: the build runs its own transform and release.
"""

from dagster import (
    DagsterEventType,
    DagsterRunStatus,
    DefaultSensorStatus,
    RunRequest,
    RunStatusSensorContext,
    SkipReason,
    run_status_sensor,
)
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from orchestration.defs.jobs import cla_ingest, cla_transform, crcs_ingest, crcs_transform, release
from orchestration.defs.partitions import YEAR_DIM, YEAR_LA
from orchestration.defs.submissions import submission_status_job

TRIGGER_TAG = "cssd/trigger"
AUTOMATION = "automation"
BUILD_TAG = "cssd/years"  # every run of `cssd build` carries it
TRANSFORM = {"cla_ingest": ("cla", cla_transform), "crcs_ingest": ("crcs", crcs_transform)}


def stored_years(context: RunStatusSensorContext, census: str) -> list[str]:
    """The collection years of the partitions the run materialised."""
    records = context.instance.get_records_for_run(
        run_id=context.dagster_run.run_id, of_type=DagsterEventType.ASSET_MATERIALIZATION, limit=100000
    ).records
    years = set()
    for record in records:
        partition = record.event_log_entry.dagster_event.partition if record.event_log_entry.dagster_event else None
        if partition:
            key = YEAR_LA[census].get_partition_key_from_str(partition)
            years.add(key.keys_by_dimension[YEAR_DIM])
    return sorted(years)


def _from_build(context: RunStatusSensorContext) -> bool:
    return BUILD_TAG in context.dagster_run.tags


@run_status_sensor(
    name="after_ingest_status",
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[cla_ingest, crcs_ingest],
    request_job=submission_status_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="After an ingestion run that succeeded, the submission status is brought up to date.",
)
def after_ingest_status(context: RunStatusSensorContext):
    if _from_build(context):
        return SkipReason("a cssd build run: the build updates the submission status itself")
    return RunRequest(run_key=f"status:{context.dagster_run.run_id}", tags={TRIGGER_TAG: AUTOMATION})


@run_status_sensor(
    name="after_failed_ingest_status",
    run_status=DagsterRunStatus.FAILURE,
    monitored_jobs=[cla_ingest, crcs_ingest],
    request_job=submission_status_job,
    default_status=DefaultSensorStatus.RUNNING,
    description="After an ingestion run that failed (a return that failed validation is not stored), the "
    "submission status says so.",
)
def after_failed_ingest_status(context: RunStatusSensorContext):
    if _from_build(context):
        return SkipReason("a cssd build run: the build updates the submission status itself")
    return RunRequest(run_key=f"status:{context.dagster_run.run_id}", tags={TRIGGER_TAG: AUTOMATION})


@run_status_sensor(
    name="after_ingest_transform",
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[cla_ingest, crcs_ingest],
    request_jobs=[cla_transform, crcs_transform],
    default_status=DefaultSensorStatus.RUNNING,
    description="After an ingestion run that succeeded (an accepted return or resubmission), the transform "
    "(dbt and the published tables) of the years it stored, in one run.",
)
def after_ingest_transform(context: RunStatusSensorContext):
    if _from_build(context):
        return SkipReason("a cssd build run: the build runs its own transform")
    census, job = TRANSFORM[context.dagster_run.job_name]
    years = stored_years(context, census)
    if not years:
        return SkipReason("the run stored no return")
    return RunRequest(
        run_key=f"transform:{context.dagster_run.run_id}",
        job_name=job.name,
        tags={
            TRIGGER_TAG: AUTOMATION,
            ASSET_PARTITION_RANGE_START_TAG: years[0],
            ASSET_PARTITION_RANGE_END_TAG: years[-1],
        },
    )


@run_status_sensor(
    name="after_transform_release",
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[cla_transform, crcs_transform],
    request_job=release,
    default_status=DefaultSensorStatus.RUNNING,
    description="After a transform that the automation launched, the release of its years.",
)
def after_transform_release(context: RunStatusSensorContext):
    tags = context.dagster_run.tags
    if tags.get(TRIGGER_TAG) != AUTOMATION:
        return SkipReason("not launched by the automation: cssd build and UI backfills release themselves")
    first, last = tags.get(ASSET_PARTITION_RANGE_START_TAG), tags.get(ASSET_PARTITION_RANGE_END_TAG)
    if not first:
        first = last = tags.get("dagster/partition")
    return RunRequest(
        run_key=f"release:{context.dagster_run.run_id}",
        tags={TRIGGER_TAG: AUTOMATION, ASSET_PARTITION_RANGE_START_TAG: first, ASSET_PARTITION_RANGE_END_TAG: last},
    )


AUTOMATION_SENSORS = [after_ingest_status, after_failed_ingest_status, after_ingest_transform, after_transform_release]
