"""Assemble the Dagster definitions from defs/: no logic here."""

from dagster import Definitions, in_process_executor

from orchestration.defs.automation import AUTOMATION_SENSORS
from orchestration.defs.ingest import raw_cla, raw_crcs
from orchestration.defs.jobs import cla_ingest, cla_transform, crcs_ingest, crcs_transform, reference_build, release
from orchestration.defs.outputs import PUBLISHED_CLA, PUBLISHED_CRCS, release_files
from orchestration.defs.quality import GE_CHECKS, QA_CHECKS
from orchestration.defs.resources import build_resources
from orchestration.defs.retention import retention, weekly_retention
from orchestration.defs.schedules import SCHEDULES, SENSORS, validation_sweep
from orchestration.defs.sensors import cla_landing_sensor, crcs_landing_sensor
from orchestration.defs.submissions import submission_status, submission_status_job
from orchestration.defs.transform import dbt_cla_models, dbt_crcs_models, dbt_reference_seeds

defs = Definitions(
    assets=[
        raw_cla,
        raw_crcs,
        dbt_reference_seeds,
        dbt_cla_models,
        dbt_crcs_models,
        *PUBLISHED_CLA,
        *PUBLISHED_CRCS,
        release_files,
        submission_status,
    ],
    asset_checks=[*GE_CHECKS, *QA_CHECKS],
    jobs=[
        cla_ingest,
        cla_transform,
        crcs_ingest,
        crcs_transform,
        release,
        reference_build,
        validation_sweep,
        submission_status_job,
        retention,
    ],
    schedules=[*SCHEDULES, weekly_retention],
    sensors=[cla_landing_sensor, crcs_landing_sensor, *SENSORS, *AUTOMATION_SENSORS],
    resources=build_resources(),
    executor=in_process_executor,
)
