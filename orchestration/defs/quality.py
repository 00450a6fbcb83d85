"""Great Expectations suites as blocking Dagster asset checks (staging, marts, publication).

Each check queries the warehouse (DuckDB or PostgreSQL: the SQL in orchestration/lib/gates.py runs
on both), hands the frame to its suite under expectations/ and fails if any expectation fails, or
if the suite loads empty.
"""

from collections.abc import Callable
from typing import Any

import pandas as pd
from dagster import (
    AssetCheckExecutionContext,
    AssetCheckResult,
    AssetCheckSeverity,
    AssetKey,
    MetadataValue,
    asset_check,
)

from orchestration.defs.resources import WarehouseResource
from orchestration.lib import gates
from orchestration.lib.expectations import run_suite
from orchestration.lib.reference import area_order

# a DuckDB connection or orchestration.lib.warehouse.PostgresConnection -> (frame, suite parameters)
FrameAndParams = Callable[[Any], tuple[pd.DataFrame, dict]]


def _cla1(con):
    frame = gates.cla1_gate_frame(con)
    areas = area_order()
    return frame, {"area_codes": areas, "expected_rows": frame["year"].nunique() * len(areas)}


def _stg_codes(con):
    return gates.staging_code_frame(con), gates.staging_code_parameters()


def _stg_nulls(con):
    return gates.staging_null_frame(con), {}


def _flows(con):
    return gates.cla_flow_frame(con), {}


def _crcs1(con):
    return gates.crcs1_gate_frame(con), {"area_codes": area_order()}


def _crcs_year_on_year(con):
    return gates.crcs_year_on_year_frame(con), {}


def _rec1(con):
    return gates.rec1_gate_frame(con), {"area_codes": area_order()}


def ge_check(suite: str, asset: str, build: FrameAndParams, description: str, blocking: bool = True):
    """A blocking check fails the run (ERROR); a non-blocking one only warns (WARN)."""

    @asset_check(asset=AssetKey(asset), name=f"ge_{suite}", blocking=blocking, description=description)
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        con = warehouse.connect(read_only=True)
        try:
            frame, params = build(con)
        finally:
            con.close()
        result = run_suite(suite, frame, params)
        if not result.success:
            context.log.error(result.summary())
        return AssetCheckResult(
            passed=result.success,
            severity=AssetCheckSeverity.ERROR if blocking else AssetCheckSeverity.WARN,
            metadata={
                "suite": MetadataValue.text(f"expectations/{suite}.json"),
                "rows_checked": MetadataValue.int(len(frame)),
                "expectations": MetadataValue.int(result.evaluated),
                "failed": MetadataValue.int(len(result.failed)),
                "summary": MetadataValue.text(result.summary()),
            },
        )

    return _check


GE_CHECKS = [
    ge_check(
        "pub_cla1",
        "pub_cla1",
        _cla1,
        "A row for every LA and Wales in every year, legal-status groups sum to the total, Wales total within "
        "±20% of the previous year's.",
    ),
    ge_check(
        "stg_cla_codes",
        "stg_cla__episodes",
        _stg_codes,
        "Every code of every coded CLA field (children and episodes) is valid in the era of its year.",
    ),
    ge_check(
        "stg_cla_nulls",
        "stg_cla__episodes",
        _stg_nulls,
        "Null rate of each CLA staging column by year is within what the spec allows (0 for required fields).",
    ),
    ge_check(
        "fct_cla_flows",
        "fct_cla_looked_after_at_census",
        _flows,
        "Flow identity by LA and for Wales: stock last year + starts − ceases = stock now, within 2.5% of the "
        "stock for an LA and 0.5% for Wales (measured on the demo data: at most 1.26% and 0.10%).",
    ),
    ge_check(
        "fct_cla_year_on_year",
        "fct_cla_looked_after_at_census",
        _flows,
        "Each LA's and Wales's count looked after at 31 March is within 0.7–1.3 times last year's (warns).",
        blocking=False,
    ),
    ge_check(
        "pub_crcs1",
        "pub_crcs1",
        _crcs1,
        "CRCS1: the statuses (looked after, on the register, neither) sum to the total, and each status's share "
        "of the total is within its bounds for Wales and for each LA.",
    ),
    ge_check(
        "fct_crcs_year_on_year",
        "fct_crcs_children_at_census",
        _crcs_year_on_year,
        "Each LA's and Wales's count of children receiving care and support is within 0.7–1.3 times last year's "
        "(warns).",
        blocking=False,
    ),
    ge_check(
        "pub_rec1",
        "pub_rec1",
        _rec1,
        "Reconciliation: looked-after children in CRCS and in CLA at 31 March differ by at most 15% of the CLA "
        "count (at least 10 children) for an LA, 5% for Wales; the difference is CRCS minus CLA.",
    ),
]
