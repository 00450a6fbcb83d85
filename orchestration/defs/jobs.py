"""Jobs. Ingestion is partitioned by year × LA and the models by year, so a build of a range of
years is three runs per census: reference seeds (only when they changed), then ingestion of every
LA of those years (one run), then dbt and the output files for those years (one run, one dbt
invocation). CRCS runs after CLA: its reconciliation table (REC1) reads CLA1. Then the release
job writes each year's workbooks, page and manifest from the published tables of both."""

from dagster import AssetSelection, define_asset_job

from orchestration.defs.ingest import raw_cla, raw_crcs
from orchestration.defs.outputs import PUBLISHED, release_files
from orchestration.defs.transform import dbt_cla_models, dbt_crcs_models

RAW = {"cla": raw_cla, "crcs": raw_crcs}
MODELS = {"cla": dbt_cla_models, "crcs": dbt_crcs_models}


def _ingest_job(census: str):
    return define_asset_job(
        name=f"{census}_ingest",
        selection=AssetSelection.assets(RAW[census]),
        description=f"Validate and store {census.upper()} returns (partitions: collection year × LA); writes "
        "validation reports.",
    )


def _transform_job(census: str):
    return define_asset_job(
        name=f"{census}_transform",
        selection=AssetSelection.assets(MODELS[census], *PUBLISHED[census]),
        description=f"dbt (staging → publication) and the published tables (disclosure control applied) for the "
        f"{census.upper()} years of the partition range.",
    )


cla_ingest = _ingest_job("cla")
cla_transform = _transform_job("cla")
crcs_ingest = _ingest_job("crcs")
crcs_transform = _transform_job("crcs")

release = define_asset_job(
    name="release",
    selection=AssetSelection.assets(release_files),
    description="The release of each year of the range: lookups, ODS/XLSX workbooks, release.html, revisions.csv "
    "and manifest.json, from the published tables of both censuses.",
)

reference_build = define_asset_job(
    name="reference_build",
    selection=AssetSelection.groups("reference"),
    description="Load the code lists, era maps, LAs, populations and published figures (dbt seed).",
)
