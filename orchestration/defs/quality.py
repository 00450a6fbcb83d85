"""Great Expectations suites as blocking Dagster asset checks on the marts and publication models."""

from dagster import AssetCheckExecutionContext, AssetCheckResult, AssetKey, MetadataValue, asset_check

from orchestration.defs.resources import WarehouseResource
from orchestration.lib.expectations import run_suite
from orchestration.lib.gates import cla1_gate_frame
from orchestration.lib.reference import area_order


@asset_check(
    asset=AssetKey("pub_cla1"),
    name="ge_pub_cla1",
    blocking=True,
    description="Great Expectations suite expectations/pub_cla1.json: a row for every LA and Wales in "
    "every year, legal-status groups sum to the total, Wales total within ±20% of the previous year.",
)
def ge_pub_cla1(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
    con = warehouse.connect(read_only=True)
    try:
        frame = cla1_gate_frame(con)
    finally:
        con.close()
    years = frame["year"].nunique()
    areas = area_order()
    result = run_suite("pub_cla1", frame, {"area_codes": areas, "expected_rows": years * len(areas)})
    if not result.success:
        context.log.error(result.summary())
    return AssetCheckResult(
        passed=result.success,
        metadata={
            "suite": "pub_cla1",
            "years_checked": MetadataValue.int(int(years)),
            "expectations": MetadataValue.int(result.evaluated),
            "failed": MetadataValue.int(len(result.failed)),
            "summary": MetadataValue.text(result.summary()),
        },
    )
