"""Raw ingestion assets: landing files → pandera gate → pseudonyms → DuckDB schema raw."""

import json

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    StaticPartitionsDefinition,
    multi_asset,
)

from orchestration.defs.context import SETTINGS, WAREHOUSE_POOL
from orchestration.defs.partitions import cla_years, years_of
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.ingest import prepare_year
from orchestration.lib.issues import SubmissionError
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.warehouse import RAW_SCHEMA, raw_table_name, replace_partition

CLA_RAW_TABLES = ("children", "episodes")


def _raw_key(census: str, table: str) -> AssetKey:
    return AssetKey(f"raw_{census}_{table}")


def _rows_check_spec(census: str, table: str) -> AssetCheckSpec:
    return AssetCheckSpec(
        name="rows_match_ingested_files",
        asset=_raw_key(census, table),
        description="Every ingested file's row count is what the raw table holds for its year and LA.",
    )


def _rows_match_files(con, census: str, table: str, years: list[str]) -> tuple[bool, dict]:
    mismatches = con.execute(
        f"""
        with files as (
            select year, la_code, row_count from {RAW_SCHEMA}.ingested_files
            where census = ? and table_name = ? and year in (select unnest(?))
        ), stored as (
            select year, la_code, count(*) as n from {RAW_SCHEMA}.{raw_table_name(census, table)}
            where year in (select unnest(?)) group by year, la_code
        )
        select coalesce(f.year, s.year), coalesce(f.la_code, s.la_code), f.row_count, s.n
        from files f full outer join stored s on f.year = s.year and f.la_code = s.la_code
        where coalesce(f.row_count, 0) <> coalesce(s.n, 0)
        """,
        [census, table, years, years],
    ).fetchall()
    return not mismatches, {"mismatches": [list(map(str, m)) for m in mismatches[:20]]}


def _ingest(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    census: str,
    tables: tuple[str, ...],
    partitions_def: StaticPartitionsDefinition,
):
    years = years_of(context.partition_key_range, partitions_def)
    known = welsh_la_codes()
    failures: list[str] = []
    rows_by_year: dict[str, dict[str, dict[str, int]]] = {}
    con = warehouse.connect()
    try:
        for year in years:
            try:
                prepared = prepare_year(SETTINGS.landing_dir, census, year, SETTINGS.pseudonym_key, known, tables)
            except SubmissionError as exc:
                context.log.error(str(exc))
                failures.append(str(exc))
                continue
            if not prepared.returns:
                failures.append(
                    f"{census.upper()} {year.label}: no LA returns under {SETTINGS.landing_dir / census / year.label}"
                )
                continue
            files = [
                {
                    "census": census,
                    "year": year.label,
                    "la_code": la,
                    "table_name": f["table"],
                    "file": f["file"],
                    "sha256": f["sha256"],
                    "row_count": f.get("rows", 0),
                }
                for la, r in prepared.returns.items()
                for f in r.files
            ]
            frames = {t: prepared.table(t) for t in tables}
            replace_partition(con, census, year.label, prepared.returns, frames, files)
            rows_by_year[year.label] = {
                t: {la: len(r.tables[t]) for la, r in sorted(prepared.returns.items())} for t in tables
            }
            context.log.info(f"{census.upper()} {year.label}: stored {len(prepared.returns)} LA returns")
        checks = {t: _rows_match_files(con, census, t, [y.label for y in years]) for t in tables}
    finally:
        con.close()
    if failures:
        raise Failure(
            description="\n\n".join(failures),
            metadata={"failed_years": len(failures), "stored_years": len(rows_by_year)},
        )
    for t in tables:
        total_rows = sum(sum(v[t].values()) for v in rows_by_year.values())
        las = {la for v in rows_by_year.values() for la in v[t]}
        last = sorted(rows_by_year)[-1]
        table_md = "| LA | rows |\n|---|---|\n" + "\n".join(
            f"| {la} | {n} |" for la, n in sorted(rows_by_year[last][t].items())
        )
        ok, check_meta = checks[t]
        yield MaterializeResult(
            asset_key=_raw_key(census, t),
            metadata={
                "years": MetadataValue.text(", ".join(sorted(rows_by_year))),
                "rows": MetadataValue.int(total_rows),
                "las": MetadataValue.int(len(las)),
                f"rows_by_la_{last}": MetadataValue.md(table_md),
                "rows_by_year_and_la": MetadataValue.json({y: v[t] for y, v in sorted(rows_by_year.items())}),
            },
            check_results=[
                AssetCheckResult(
                    asset_key=_raw_key(census, t),
                    check_name="rows_match_ingested_files",
                    passed=ok,
                    metadata={"detail": MetadataValue.text(json.dumps(check_meta))},
                )
            ],
        )


@multi_asset(
    specs=[
        AssetSpec(
            _raw_key("cla", t),
            group_name="raw",
            kinds={"python", "duckdb"},
            description=f"CLA {t} of every LA return, every era in one internal schema; gated by the era's "
            "pandera model; child ids pseudonymised; UPN and postcodes dropped.",
        )
        for t in CLA_RAW_TABLES
    ],
    check_specs=[_rows_check_spec("cla", t) for t in CLA_RAW_TABLES],
    partitions_def=cla_years,
    backfill_policy=BackfillPolicy.single_run(),
    pool=WAREHOUSE_POOL,
    name="raw_cla",
)
def raw_cla(context: AssetExecutionContext, warehouse: WarehouseResource):
    yield from _ingest(context, warehouse, "cla", CLA_RAW_TABLES, cla_years)
