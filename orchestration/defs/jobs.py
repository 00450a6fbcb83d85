"""Jobs. Ingestion is partitioned by year × LA and the models by year, so a build of a range of
years is three runs: reference seeds, then ingestion of every LA of those years (one run), then
dbt and the output files for those years (one run, one dbt invocation)."""

from dagster import AssetSelection, define_asset_job

from orchestration.defs.ingest import raw_cla
from orchestration.defs.outputs import STATSWALES_CLA
from orchestration.defs.transform import dbt_cla_models

cla_ingest = define_asset_job(
    name="cla_ingest",
    selection=AssetSelection.assets(raw_cla),
    description="Validate and store CLA returns (partitions: collection year × LA); writes validation reports.",
)

cla_transform = define_asset_job(
    name="cla_transform",
    selection=AssetSelection.assets(dbt_cla_models, *STATSWALES_CLA),
    description="dbt (staging → publication) and the output files for the CLA years of the partition range.",
)

reference_build = define_asset_job(
    name="reference_build",
    selection=AssetSelection.groups("reference"),
    description="Load the code lists, era maps, LAs, populations and published figures (dbt seed).",
)
