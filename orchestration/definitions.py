"""Assemble the Dagster definitions from defs/: no logic here."""

from dagster import Definitions, in_process_executor

from orchestration.defs.ingest import raw_cla
from orchestration.defs.jobs import cla_build, reference_build
from orchestration.defs.outputs import statswales_cla1
from orchestration.defs.quality import ge_pub_cla1
from orchestration.defs.resources import build_resources
from orchestration.defs.transform import dbt_cla_models, dbt_reference_seeds

defs = Definitions(
    assets=[raw_cla, dbt_reference_seeds, dbt_cla_models, statswales_cla1],
    asset_checks=[ge_pub_cla1],
    jobs=[cla_build, reference_build],
    resources=build_resources(),
    executor=in_process_executor,
)
