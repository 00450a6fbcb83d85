"""Assemble the Dagster definitions from defs/: no logic here."""

from dagster import Definitions, in_process_executor

from orchestration.defs.ingest import raw_cla
from orchestration.defs.jobs import cla_ingest, cla_transform, reference_build
from orchestration.defs.outputs import STATSWALES_CLA
from orchestration.defs.quality import GE_CHECKS
from orchestration.defs.resources import build_resources
from orchestration.defs.sensors import cla_landing_sensor
from orchestration.defs.transform import dbt_cla_models, dbt_reference_seeds

defs = Definitions(
    assets=[raw_cla, dbt_reference_seeds, dbt_cla_models, *STATSWALES_CLA],
    asset_checks=GE_CHECKS,
    jobs=[cla_ingest, cla_transform, reference_build],
    sensors=[cla_landing_sensor],
    resources=build_resources(),
    executor=in_process_executor,
)
