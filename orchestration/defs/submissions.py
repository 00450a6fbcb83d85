"""Submission status as a Dagster asset: every return of both censuses (census × year × LA), what
became of it (not received, failed validation, accepted, accepted with warnings, superseded) and
which return each LA's figures come from (orchestration/lib/submissions.py). Materialised after
every ingestion (by `cssd build` and by the automation sensor); writes
<data>/output/<year>/validation/submissions.csv and .html (the live copy; each release has its own
output/<year>/submissions.csv and .html)."""

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    MaterializeResult,
    MetadataValue,
    asset,
    define_asset_job,
)

from orchestration.defs.context import SETTINGS
from orchestration.defs.ingest import raw_key, validation_dir
from orchestration.defs.partitions import YEARS, local_authorities
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.specs import submission_spec
from orchestration.lib.submissions import failed_returns, read_back_problems, status_rows, write_status_files

CENSUSES = ("cla", "crcs")


def year_status(con, year: str) -> "list[dict]":
    """The status rows of one collection year, both censuses (those whose series has the year)."""
    las = local_authorities.get_partition_keys()
    rows: list[dict] = []
    for census in CENSUSES:
        if year in YEARS[census].get_partition_keys():
            rows += status_rows(con, census, [year], las, SETTINGS.landing_dir)
    return rows


@asset(
    name="submission_status",
    deps=[raw_key(c, t) for c in CENSUSES for t in submission_spec(c).table_names],
    group_name="raw",
    kinds={"csv", "html"},
    check_specs=[
        AssetCheckSpec(
            name="status_files_read_back",
            asset="submission_status",
            blocking=True,
            description="Each year's submissions.csv reads back with one status for every census, year and LA "
            "and no return left without a status.",
        )
    ],
    description="The status of every return, per census, collection year and LA: not received, failed "
    "validation, accepted, accepted with warnings, superseded, with the dates received and validated, and "
    "which return each LA's figures come from. Files: output/YEAR/validation/submissions.csv and .html.",
)
def submission_status(context: AssetExecutionContext, warehouse: WarehouseResource):
    years = sorted({y for c in CENSUSES for y in YEARS[c].get_partition_keys()})
    con = warehouse.connect(read_only=True)
    try:
        by_year = {y: year_status(con, y) for y in years}
    finally:
        con.close()
    problems: list[str] = []
    counts: dict[str, int] = {}
    failed: list[dict] = []
    las = local_authorities.get_partition_keys()
    for year, rows in by_year.items():
        if all(r["status"] == "not_received" for r in rows):
            continue  # a year nobody has sent anything for: no file
        folder = validation_dir("cla", year).parent
        paths = write_status_files(folder, rows, year)
        problems += read_back_problems(paths[0], rows, las)
        for r in rows:
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        failed += failed_returns(rows)
    table = "| census | year | LA | figures |\n|---|---|---|---|\n" + "\n".join(
        f"| {r['census'].upper()} | {r['year']} | {r['la_code']} | {r['figures_from_en']} |" for r in failed
    )
    return MaterializeResult(
        metadata={
            **{f"returns_{status}": MetadataValue.int(n) for status, n in sorted(counts.items())},
            "failed_returns": MetadataValue.md(table if failed else "none"),
        },
        check_results=[
            AssetCheckResult(
                check_name="status_files_read_back",
                passed=not problems,
                metadata={"problems": MetadataValue.text("\n".join(problems[:20]) or "none")},
            )
        ],
    )


submission_status_job = define_asset_job(
    name="submission_status_job",
    selection=[submission_status],
    description="The status of every return (submissions.csv and .html per year).",
)
