"""The weekly retention run: deletes the landing files, identity records and raw rows whose retention
period is over, and logs each deletion (the logic and the periods: orchestration/lib/retention.py).

Off unless CSSD_SCHEDULES=on, like the other schedules.
"""

from dagster import DefaultScheduleStatus, OpExecutionContext, RunRequest, ScheduleEvaluationContext, job, op, schedule

from orchestration.defs.context import SETTINGS, WAREHOUSE_POOL
from orchestration.lib.retention import run


@op(
    pool=WAREHOUSE_POOL,  # it may delete raw rows: one writer of the warehouse at a time
    description="Delete what the retention periods make due (landing files, identity records, raw rows) and log it.",
)
def apply_retention(context: OpExecutionContext) -> None:
    deletions = run(SETTINGS, apply_it=True, say=context.log.info)
    context.log.info(f"{len(deletions)} deletion(s)")


@job(name="retention", description="Delete what the retention periods make due, and log every deletion.")
def retention():
    apply_retention()


@schedule(
    name="weekly_retention",
    job=retention,
    cron_schedule="0 5 * * 0",
    execution_timezone="Europe/London",
    default_status=DefaultScheduleStatus.RUNNING if SETTINGS.schedules_on else DefaultScheduleStatus.STOPPED,
    description="Every Sunday at 05:00: delete the landing files, identity records and raw rows whose retention "
    "period is over (CSSD_RETAIN_*), logging each deletion; published outputs are never touched.",
)
def weekly_retention(context: ScheduleEvaluationContext):
    return RunRequest(run_key=None)
