"""The checks of staging, marts and publication, of two kinds (docs/quality.md):

- ``ge_<suite>``: invariants, Great Expectations suites as *blocking* asset checks. Each queries the
  warehouse (DuckDB or PostgreSQL: the SQL in orchestration/lib/gates.py runs on both), hands the
  frame to its suite under expectations/ and fails if any expectation fails, or if the suite loads
  empty. A failure is a bug or a damaged input: the run stops.
- ``qa_<check>``: plausibility checks (orchestration/lib/findings.py, limits in
  quality_thresholds.toml), *non-blocking* WARN asset checks. A figure outside its limits is a QA
  finding: the check warns, with counts only in its metadata, and the build goes on.
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

from orchestration.defs.context import SETTINGS
from orchestration.defs.resources import WarehouseResource
from orchestration.lib import gates
from orchestration.lib.expectations import run_suite
from orchestration.lib.findings import CHECKS, PlausibilityCheck, run_check
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


def _rec1(con):
    return gates.rec1_gate_frame(con), {"area_codes": area_order()}


def ge_check(suite: str, asset: str, build: FrameAndParams, description: str):
    """An invariant: a failure fails the run (ERROR)."""

    @asset_check(asset=AssetKey(asset), name=f"ge_{suite}", blocking=True, description=description)
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
            severity=AssetCheckSeverity.ERROR,
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
        "A row for every LA and Wales in every year, once; legal-status groups sum to the total; no total below 0.",
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
        "No required CLA staging column has a missing value in any year (validation refuses such a return).",
    ),
    ge_check(
        "fct_cla_flows",
        "fct_cla_looked_after_at_census",
        _flows,
        "The flow frame: one row per year and area, the stock at 31 March present and not below 0, starts and "
        "ceases not below 0 (how close the flows add up is the plausibility check qa_flow_identity).",
    ),
    ge_check(
        "pub_crcs1",
        "pub_crcs1",
        _crcs1,
        "CRCS1: the statuses (looked after, on the register, neither) sum to the total, one row per year, area "
        "and status, each share between 0 and 1 (how plausible each share is: qa_crcs_status_shares).",
    ),
    ge_check(
        "pub_rec1",
        "pub_rec1",
        _rec1,
        "Reconciliation: the published difference is CRCS minus CLA, one row per year and area, areas only the "
        "22 LAs and Wales (how large the difference may plausibly be: qa_rec1_difference).",
    ),
]


def qa_check(check: PlausibilityCheck):
    """A plausibility check: never blocks; a figure outside its limits is a finding and the check warns."""

    @asset_check(asset=AssetKey(check.table), name=f"qa_{check.name}", blocking=False, description=check.description)
    def _check(context: AssetCheckExecutionContext, warehouse: WarehouseResource) -> AssetCheckResult:
        from orchestration.lib.thresholds import load_thresholds

        limits = load_thresholds(SETTINGS.quality_thresholds)[check.name]
        con = warehouse.connect(read_only=True)
        try:
            found, rows = run_check(con, check, limits)
        finally:
            con.close()
        if len(found):
            context.log.warning(
                f"qa_{check.name}: {len(found)} QA finding(s) in {found['year'].nunique()} year(s); they are "
                "listed in each year's release (qa/findings.csv) and wait for the statistician's sign-off"
            )
        # counts only: no figure of an area, nothing about a child
        return AssetCheckResult(
            passed=found.empty,
            severity=AssetCheckSeverity.WARN,
            metadata={
                "kind": MetadataValue.text("plausibility (a finding never blocks)"),
                "rows_checked": MetadataValue.int(rows),
                "findings": MetadataValue.int(len(found)),
                "areas_with_findings": MetadataValue.int(found["area_code"].nunique() if len(found) else 0),
                "years_with_findings": MetadataValue.int(found["year"].nunique() if len(found) else 0),
                "limits": MetadataValue.text(f"quality_thresholds.toml [{check.name}]"),
            },
        )

    return _check


QA_CHECKS = [qa_check(c) for c in CHECKS.values()]
