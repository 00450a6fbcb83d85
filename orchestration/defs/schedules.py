"""Schedules: each census's annual publication build, and a daily validation sweep.

- ``<census>_annual_publication`` (default CLA on 1 September, CRCS on 1 October, 06:00; the dates
  are CSSD_PUBLICATION_DATES) launches the ingest run of the latest collection year, every LA.
  ``annual_publication_chain`` follows it: when that run succeeds it launches the year's transform,
  and when the transform succeeds, the release — the same three steps as ``cssd build``. There it
  stops: the release is **awaiting sign-off** (its tick in the UI says so) until a statistician has
  read its QA findings and run ``cssd signoff <year>`` (orchestration/lib/signoff.py).
- ``daily_validation_sweep`` (07:00) validates every LA return in the landing folder whose files
  have not been validated in that form before, and writes its report; it stores nothing.

All are off unless CSSD_SCHEDULES=on (``cssd dev --schedules`` sets it for the demo).
"""

import json
import os

from dagster import (
    DagsterRunStatus,
    DefaultScheduleStatus,
    DefaultSensorStatus,
    OpExecutionContext,
    RunRequest,
    RunStatusSensorContext,
    ScheduleEvaluationContext,
    SkipReason,
    job,
    op,
    run_status_sensor,
    schedule,
)
from dagster._core.storage.tags import ASSET_PARTITION_RANGE_END_TAG, ASSET_PARTITION_RANGE_START_TAG

from orchestration.defs.context import SETTINGS
from orchestration.defs.jobs import cla_ingest, cla_transform, crcs_ingest, crcs_transform, release
from orchestration.defs.partitions import year_la_range
from orchestration.lib.years import CollectionYear, latest_complete_year

ANNUAL_TAG = "cssd/annual"
YEAR_TAG = "cssd/year"
INGEST = {"cla": cla_ingest, "crcs": crcs_ingest}
TRANSFORM = {"cla": cla_transform, "crcs": crcs_transform}


def publication_cron(census: str) -> str:
    month, day = SETTINGS.publication_dates[census]
    return f"0 6 {day} {month} *"


def annual_run_request(census: str, year: CollectionYear) -> RunRequest:
    first, last = year_la_range(year, year)
    return RunRequest(
        run_key=f"annual-{census}-{year.label}",
        tags={
            ASSET_PARTITION_RANGE_START_TAG: first,
            ASSET_PARTITION_RANGE_END_TAG: last,
            ANNUAL_TAG: census,
            YEAR_TAG: year.label,
        },
    )


def _annual_schedule(census: str):
    @schedule(
        name=f"{census}_annual_publication",
        job=INGEST[census],
        cron_schedule=publication_cron(census),
        execution_timezone="Europe/London",
        default_status=DefaultScheduleStatus.RUNNING if SETTINGS.schedules_on else DefaultScheduleStatus.STOPPED,
        description=f"The annual {census.upper()} publication: ingest the latest collection year (every LA), then "
        "(annual_publication_chain) its transform and the release.",
    )
    def _annual(context: ScheduleEvaluationContext):
        when = context.scheduled_execution_time.date() if context.scheduled_execution_time else SETTINGS.today
        return annual_run_request(census, latest_complete_year(when))

    return _annual


cla_annual_publication = _annual_schedule("cla")
crcs_annual_publication = _annual_schedule("crcs")


def next_step(job_name: str, tags: dict[str, str]) -> "tuple[str, RunRequest] | None":
    """After a successful step of an annual build: the job and run request of the next step."""
    census, year = tags.get(ANNUAL_TAG), tags.get(YEAR_TAG)
    if not census or not year:
        return None
    step_tags = {ANNUAL_TAG: census, YEAR_TAG: year, ASSET_PARTITION_RANGE_START_TAG: year,
                 ASSET_PARTITION_RANGE_END_TAG: year}  # fmt: skip
    if job_name == f"{census}_ingest":
        return f"{census}_transform", RunRequest(run_key=f"annual-{census}-{year}-transform", tags=step_tags)
    if job_name == f"{census}_transform":
        return "release", RunRequest(run_key=f"annual-{census}-{year}-release", tags=step_tags)
    return None


def awaiting_signoff(job_name: str, tags: dict[str, str]) -> "str | None":
    """After the release of an annual build: where the build stops, and what comes next."""
    census, year = tags.get(ANNUAL_TAG), tags.get(YEAR_TAG)
    if job_name != "release" or not census or not year:
        return None
    return (
        f"{census.upper()} {year}: released, awaiting sign-off. A statistician reads output/{year}/qa/findings.html "
        f'and runs: cssd signoff {year} --by NAME --note TEXT --accept CHECK:AREA="reason"'
    )


@run_status_sensor(
    name="annual_publication_chain",
    run_status=DagsterRunStatus.SUCCESS,
    monitored_jobs=[cla_ingest, crcs_ingest, cla_transform, crcs_transform, release],
    request_jobs=[cla_transform, crcs_transform, release],
    default_status=DefaultSensorStatus.RUNNING if SETTINGS.schedules_on else DefaultSensorStatus.STOPPED,
    description="Follows an annual publication build: ingest succeeded → transform; transform succeeded → release; "
    "release succeeded → stops, awaiting sign-off (cssd signoff).",
)
def annual_publication_chain(context: RunStatusSensorContext):
    waiting = awaiting_signoff(context.dagster_run.job_name, context.dagster_run.tags)
    if waiting:
        return SkipReason(waiting)
    step = next_step(context.dagster_run.job_name, context.dagster_run.tags)
    if step is None:
        return SkipReason("not a step of an annual publication build")
    job_name, request = step
    return RunRequest(run_key=request.run_key, tags=request.tags, job_name=job_name)


# ---------------------------------------------------------------------------------------------
# The daily validation sweep


def sweep_record_path():
    return SETTINGS.data_dir / "validation_sweep.json"


def validate_new_returns(log=None) -> dict[str, int]:
    """Validate every landing return whose files changed since it was last validated; write its report."""
    from orchestration.defs.ingest import ignored_landing, validation_dir
    from orchestration.defs.sensors import return_digest
    from orchestration.lib.ingest import validate_return
    from orchestration.lib.outputs.validation_report import write_la_report
    from orchestration.lib.readers import return_files, submitted_las
    from orchestration.lib.reference import la_names, welsh_la_codes

    path = sweep_record_path()
    seen = json.loads(path.read_text(encoding="utf-8")) if path.exists() else {}
    names = la_names()
    counts = {"validated": 0, "unchanged": 0, "with_errors": 0}
    for census in ("cla", "crcs"):
        for year in SETTINGS.years(census):
            for la in submitted_las(SETTINGS.landing_dir, census, year):
                folder = SETTINGS.landing_dir / census / year.label / la
                files = return_files(folder)
                if la not in welsh_la_codes() or not files:
                    continue
                key = f"{census}|{year.label}|{la}"
                digest = return_digest(files)
                if seen.get(key) == digest:
                    counts["unchanged"] += 1
                    continue
                # Nothing is stored: no pseudonymisation key is needed (a throwaway one keeps ids out).
                result = validate_return(folder, census, year, la, os.urandom(32))
                title = f"{census.upper()} return {year.label}: {names.get(la, la)} ({la})"
                write_la_report(validation_dir(census, year.label), la, title, result.issues, names.get(la, ""))
                counts["validated"] += 1
                counts["with_errors"] += int(not result.passed)
                if log is not None:
                    log.info(f"{key}: {len(result.errors)} error(s), {len(result.warnings)} warning(s)")
                seen[key] = digest
        if log is not None:
            for line in ignored_landing(census, landing_dir=SETTINGS.landing_dir):
                log.warning(f"landing folder not read: {line}")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(seen, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return counts


@op(description="Validate every LA return not yet validated in its current form; write its report.")
def validate_landing_returns(context: OpExecutionContext) -> None:
    counts = validate_new_returns(context.log)
    context.log.info(
        f"validated {counts['validated']} return(s) ({counts['with_errors']} with errors); "
        f"{counts['unchanged']} unchanged since last validated"
    )


@job(name="validation_sweep", description="Validate new or changed LA returns and write their reports.")
def validation_sweep():
    validate_landing_returns()


@schedule(
    name="daily_validation_sweep",
    job=validation_sweep,
    cron_schedule="0 7 * * *",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING if SETTINGS.schedules_on else DefaultScheduleStatus.STOPPED,
    description="Every morning: validate each LA return in the landing folder not yet validated, and write its "
    "report, so an LA hears about problems the day it sends a return.",
)
def daily_validation_sweep(context: ScheduleEvaluationContext):
    return RunRequest(run_key=None)


SCHEDULES = [cla_annual_publication, crcs_annual_publication, daily_validation_sweep]
SENSORS = [annual_publication_chain]
