"""dbt as Dagster assets: seeds (reference), then staging → intermediate → marts → publication."""

from collections.abc import Mapping
from typing import Any

from dagster import (
    AssetExecutionContext,
    AssetKey,
    BackfillPolicy,
    MultiToSingleDimensionPartitionMapping,
    PartitionMapping,
)
from dagster_dbt import DagsterDbtTranslator, DagsterDbtTranslatorSettings, DbtCliResource, dbt_assets

from orchestration.defs.context import WAREHOUSE_POOL
from orchestration.defs.dbt_project import cssd_dbt_project
from orchestration.defs.partitions import YEAR_DIM, cla_years, crcs_years, dbt_years_env, years_of
from orchestration.defs.resources import WarehouseResource, dbt_environment, export_dbt_environment
from orchestration.lib.crash import crash_point

LAYERS = ("staging", "intermediate", "marts", "publication")


class CssdDbtTranslator(DagsterDbtTranslator):
    """Groups mirror the dbt folders; seeds form the reference group; raw sources map to raw assets."""

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "seed" or "reference" in dbt_resource_props.get("tags", []):
            return "reference"
        fqn = dbt_resource_props.get("fqn", [])
        for layer in LAYERS:
            if layer in fqn:
                return layer
        return None

    def get_partition_mapping(
        self, dbt_resource_props: Mapping[str, Any], dbt_parent_resource_props: Mapping[str, Any]
    ) -> PartitionMapping | None:
        """A year's staging reads every LA partition of that year of the raw tables."""
        if dbt_parent_resource_props.get("resource_type") == "source":
            return MultiToSingleDimensionPartitionMapping(partition_dimension_name=YEAR_DIM)
        return None

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            meta = dbt_resource_props.get("meta", {}).get("dagster", {})
            if "asset_key" in meta:
                return AssetKey(meta["asset_key"])
        return AssetKey(dbt_resource_props["name"])


TRANSLATOR = CssdDbtTranslator(settings=DagsterDbtTranslatorSettings(enable_asset_checks=True))


@dbt_assets(
    manifest=cssd_dbt_project.manifest_path,
    project=cssd_dbt_project,
    select="resource_type:seed tag:reference",
    dagster_dbt_translator=TRANSLATOR,
    pool=WAREHOUSE_POOL,
    name="dbt_reference_seeds",
)
def dbt_reference_seeds(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """Code lists, era maps, LAs, populations and published figures, loaded by `dbt seed`, and the
    models made from them alone (tag `reference`: dim_local_authority), which both censuses read."""
    export_dbt_environment(warehouse)
    with warehouse.lock():
        yield from dbt.cli(["build", "--indirect-selection", "cautious"], context=context).stream()


def _build_years(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource, partitions_def):
    export_dbt_environment(warehouse)
    years = dbt_years_env(years_of(context.partition_key_range, partitions_def))
    context.log.info(f"dbt build for {years['CSSD_YEAR_FROM']} to {years['CSSD_YEAR_TO']}")
    # dbt unit tests run in `make test` (tests/dbt); production runs build and run the data tests.
    args = ["build", "--exclude-resource-type", "unit_test"]
    with warehouse.lock(), dbt_environment(years):
        invocation = dbt.cli(args, context=context)
        for event in invocation.stream():
            yield event
            if invocation.process.poll() is None:  # fault injection (CSSD_CRASH_AT=dbt) while dbt runs
                crash_point("dbt", f"while dbt (pid {invocation.process.pid}) is running")


# CRCS models (and REC1, which reads both censuses) carry the dbt tag `crcs`; reference models
# (models/reference/, tag `reference`: dim_local_authority) are built with the seeds; everything else
# in the layers is CLA and is built with the CLA years.
@dbt_assets(
    manifest=cssd_dbt_project.manifest_path,
    project=cssd_dbt_project,
    select="fqn:cssd.staging.cla fqn:cssd.intermediate fqn:cssd.marts fqn:cssd.publication",
    exclude="tag:crcs",
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=cla_years,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    name="dbt_cla_models",
)
def dbt_cla_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """CLA models for the run's years: one dbt invocation over the whole partition range."""
    yield from _build_years(context, dbt, warehouse, cla_years)


@dbt_assets(
    manifest=cssd_dbt_project.manifest_path,
    project=cssd_dbt_project,
    select="tag:crcs",
    dagster_dbt_translator=TRANSLATOR,
    partitions_def=crcs_years,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    name="dbt_crcs_models",
)
def dbt_crcs_models(context: AssetExecutionContext, dbt: DbtCliResource, warehouse: WarehouseResource):
    """CRCS models and the CLA reconciliation (REC1) for the run's years: one dbt invocation."""
    yield from _build_years(context, dbt, warehouse, crcs_years)
