"""Jobs: the build of one census for a range of years, as one run."""

from dagster import AssetSelection, define_asset_job

from orchestration.defs.ingest import raw_cla
from orchestration.defs.outputs import statswales_cla1
from orchestration.defs.transform import dbt_cla_models

cla_build = define_asset_job(
    name="cla_build",
    selection=AssetSelection.assets(raw_cla, dbt_cla_models, statswales_cla1),
    description="Landing → raw → dbt (staging to publication) → output files for the CLA years of the "
    "partition range, in one run. Run the reference job first when the seeds have changed.",
)

reference_build = define_asset_job(
    name="reference_build",
    selection=AssetSelection.groups("reference"),
    description="Load the code lists, era maps, LAs, populations and published figures (dbt seed).",
)
