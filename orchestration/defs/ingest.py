"""Raw ingestion: landing files → rule pack + pandera gate → pseudonyms → DuckDB schema raw.

Partitioned by collection year × LA. Nothing is ingested without the pseudonymisation key
(orchestration/lib/keys.py), nor with a key other than the one the stored returns were made with
(except in a `cssd rekey` run). Each LA's return is validated on its own and gets its validation
report; a return that passes replaces that year × LA in the raw tables, one that
fails leaves the data already stored in place. Every validation is one row of the submission log
(orchestration/lib/submissions.py). The passing returns are stored in one transaction
(orchestration/lib/ingest_run.py), then their identity records (orchestration/lib/identity.py). If
any LA of the run fails, the run fails with one message naming every bad file, row, field and rule,
after the passing LAs are stored and the raw checks have reported on what is stored (they pass: the
stored returns are whole); the failure's metadata lists the failed returns (`failed_return_list`) so
`cssd build` can go on without them.
"""

from dagster import (
    AssetCheckResult,
    AssetCheckSpec,
    AssetExecutionContext,
    AssetKey,
    AssetMaterialization,
    AssetSpec,
    BackfillPolicy,
    Failure,
    MaterializeResult,
    MetadataValue,
    MultiPartitionKey,
    MultiPartitionsDefinition,
    multi_asset,
)

from orchestration.defs.context import SETTINGS, WAREHOUSE_POOL
from orchestration.defs.partitions import LA_DIM, YEAR_DIM, YEAR_LA, YEARS, local_authorities, year_la_pairs
from orchestration.defs.resources import WarehouseResource
from orchestration.lib.identity import identity_current, store_identities
from orchestration.lib.ingest_run import FAILED, UNCHANGED, ingest_run
from orchestration.lib.issues import SubmissionError
from orchestration.lib.keys import KeyRefused, ingest_key, key_fingerprint
from orchestration.lib.landing import census_problems, root_problems
from orchestration.lib.outputs.release_store import ensure_year_view
from orchestration.lib.outputs.validation_report import write_la_report, write_summary
from orchestration.lib.readers import return_files
from orchestration.lib.reference import la_names
from orchestration.lib.specs import submission_spec
from orchestration.lib.submissions import now, received_at, record_attempts
from orchestration.lib.warehouse import (
    RAW_SCHEMA,
    ensure_raw_tables,
    other_keys_message,
    raw_table_name,
    returns_with_other_keys,
)


def raw_key(census: str, table: str) -> AssetKey:
    return AssetKey(f"raw_{census}_{table}")


def validation_dir(census: str, year_label: str):
    """Where the year's validation reports of ``census`` are read (<data>/output/<year>/validation/<census>:
    the year's release folder links validation/ to the live reports; release_store.py)."""
    ensure_year_view(SETTINGS.output_dir, year_label)
    return SETTINGS.output_dir / year_label / "validation" / census


REKEY_TAG = "cssd/rekey"  # a `cssd rekey` run: returns stored with another key are being replaced


def ignored_landing(census: str, years: "set[str] | None" = None, landing_dir=None) -> list[str]:
    """Landing folders of the census that no build reads (misnamed year, not a Welsh LA…), and why."""
    landing_dir = landing_dir or SETTINGS.landing_dir
    return root_problems(landing_dir) + census_problems(
        landing_dir,
        census,
        YEARS[census].get_partition_keys(),
        set(local_authorities.get_partition_keys()),
        years,
    )


def _rows_match_files(con, census: str, table: str, years: list[str]) -> tuple[bool, str]:
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
    return not mismatches, "; ".join(f"{y} {la}: files {f}, stored {n}" for y, la, f, n in mismatches[:20]) or "none"


def ingest_returns(
    context: AssetExecutionContext,
    warehouse: WarehouseResource,
    census: str,
    partitions_def: MultiPartitionsDefinition,
):
    tables = submission_spec(census).table_names
    pairs = year_la_pairs(context.partition_keys)
    names = la_names()
    stored: dict[tuple[str, str], dict[str, int]] = {}
    failed = []
    not_submitted = []
    warnings = 0
    skipped = 0
    try:
        key = ingest_key(SETTINGS)
    except KeyRefused as exc:
        raise Failure(description=f"{census.upper()} returns not ingested: {exc}") from None
    fingerprint = key_fingerprint(key)
    ignored = ignored_landing(census, {y.label for y, _ in pairs})
    for line in ignored:
        context.log.warning(f"landing folder not read: {line}")
    con = warehouse.connect()
    try:
        ensure_raw_tables(con, census)
        others = returns_with_other_keys(con, fingerprint)
        if others and context.run.tags.get(REKEY_TAG) != "1":
            raise Failure(description=f"{census.upper()} returns not ingested: {other_keys_message(others)}")
        returns = []
        for year, la in pairs:
            folder = SETTINGS.landing_dir / census / year.label / la
            if not folder.is_dir():
                not_submitted.append(f"{year.label} {la}")
                continue
            returns.append((folder, year, la))
        folders = {(y.label, la): folder for folder, y, la in returns}
        checked_at: dict[tuple[str, str], str] = {}

        def report(result):
            checked_at[(result.year.label, result.la_code)] = now()
            write_la_report(
                validation_dir(census, result.year.label),
                result.la_code,
                f"{census.upper()} return {result.year.label}: {names.get(result.la_code, result.la_code)} "
                f"({result.la_code})",
                result.issues,
                names.get(result.la_code, ""),
            )
            if not result.passed:
                context.log.error(
                    f"{census.upper()} {result.year.label} {result.la_code}: {len(result.errors)} error(s); "
                    "the data already stored for this LA and year is unchanged"
                )

        def still_current(year, la):
            # an unchanged return is skipped only if its report and its identity records are still there
            return (validation_dir(census, year.label) / f"{la}.html").exists() and identity_current(
                SETTINGS, census, year.label, la
            )

        # every return validated, the passing ones stored in one transaction (lib/ingest_run.py)
        outcomes = ingest_run(con, census, returns, key, SETTINGS.ingest_workers, report, still_current)
        for outcome in outcomes:
            warnings += outcome.warnings
            if outcome.status == FAILED:
                failed.append(outcome.result)
                continue
            stored[(outcome.year.label, outcome.la_code)] = outcome.rows
            if outcome.status == UNCHANGED:
                skipped += 1
                continue
            # stored: its identity records follow the committed rows (a kill in between leaves the
            # identity out of date, so the return is read and stored again next time: identity_current)
            store_identities(SETTINGS, census, outcome.year.label, outcome.la_code, outcome.result.identity)
        record_attempts(
            con,
            [
                {
                    "census": census,
                    "year": o.year.label,
                    "la_code": o.la_code,
                    "digest": o.digest,
                    "received_at": received_at(return_files(folders[(o.year.label, o.la_code)])),
                    "checked_at": checked_at[(o.year.label, o.la_code)],
                    "outcome": "failed" if o.status == FAILED else "accepted",
                    "errors": len(o.result.errors),
                    "warnings": len(o.result.warnings),
                    "run_id": context.run_id,
                }
                for o in outcomes
                if o.status != UNCHANGED
            ],
        )
        years = sorted({y.label for y, _ in pairs})
        for y in years:
            if validation_dir(census, y).is_dir():
                write_summary(validation_dir(census, y), f"{census.upper()} {y}: validation summary for Wales", names)
        checks = {t: _rows_match_files(con, census, t, years) for t in tables}
    finally:
        con.close()

    if skipped:
        context.log.info(f"{skipped} return(s) unchanged since they were validated and stored: not read again")
    if not_submitted:
        context.log.info(f"no return (LA folder absent): {', '.join(not_submitted)}")
    if failed:
        for (y, la), counts in stored.items():
            for t in tables:
                yield AssetMaterialization(
                    asset_key=raw_key(census, t),
                    partition=MultiPartitionKey({YEAR_DIM: y, LA_DIM: la}),
                    metadata={"rows": MetadataValue.int(counts[t])},
                )
        for t in tables:  # the stored returns are whole: the check says so, the run's failure is the bad return
            ok, detail = checks[t]
            yield AssetCheckResult(
                asset_key=raw_key(census, t),
                check_name="rows_match_ingested_files",
                passed=ok,
                metadata={"mismatches": MetadataValue.text(detail)},
            )
        issues = [i for r in failed for i in r.errors]
        message = str(SubmissionError(issues, context=f"{census.upper()} returns"))
        raise Failure(
            description=message
            + "\nValidation reports: "
            + ", ".join(str(validation_dir(census, r.year.label) / f"{r.la_code}.html") for r in failed),
            metadata={
                "failed_returns": MetadataValue.int(len(failed)),
                "failed_return_list": MetadataValue.text(
                    "\n".join(f"{census} {r.year.label} {r.la_code}" for r in failed)
                ),
                "stored_returns": MetadataValue.int(len(stored)),
                "landing_folders_not_read": MetadataValue.text("\n".join(ignored) or "none"),
            },
        )
    last_year = max((y for y, _ in stored), default=None)
    for t in tables:
        by_la = "| year | LA | rows |\n|---|---|---|\n" + "\n".join(
            f"| {y} | {la} | {c[t]} |" for (y, la), c in sorted(stored.items()) if y == last_year
        )
        ok, detail = checks[t]
        yield MaterializeResult(
            asset_key=raw_key(census, t),
            metadata={
                "returns_stored": MetadataValue.int(len(stored)),
                "rows": MetadataValue.int(sum(c[t] for c in stored.values())),
                "warnings_reported": MetadataValue.int(warnings),
                f"rows_by_la_{last_year}": MetadataValue.md(by_la),
                "rows_by_year_and_la": MetadataValue.json({f"{y}|{la}": c[t] for (y, la), c in sorted(stored.items())}),
                "landing_folders_not_read": MetadataValue.text("\n".join(ignored) or "none"),
            },
            check_results=[
                AssetCheckResult(
                    asset_key=raw_key(census, t),
                    check_name="rows_match_ingested_files",
                    passed=ok,
                    metadata={"mismatches": MetadataValue.text(detail)},
                )
            ],
        )


def raw_assets(census: str):
    """The raw tables of one census as one multi-asset partitioned by collection year × LA."""
    tables = submission_spec(census).table_names
    label = census.upper()

    @multi_asset(
        specs=[
            AssetSpec(
                raw_key(census, t),
                group_name="raw",
                kinds={"python", "duckdb"},
                description=f"{label} {t}: every LA return in one internal schema for all eras; validated by the "
                "Welsh rule pack and the era's pandera model; child ids pseudonymised; UPN and postcodes dropped.",
            )
            for t in tables
        ],
        check_specs=[
            AssetCheckSpec(
                name="rows_match_ingested_files",
                asset=raw_key(census, t),
                description="Every ingested file's row count is what the raw table holds for its year and LA.",
            )
            for t in tables
        ],
        partitions_def=YEAR_LA[census],
        backfill_policy=BackfillPolicy.single_run(),
        pool=WAREHOUSE_POOL,
        name=f"raw_{census}",
    )
    def _raw(context: AssetExecutionContext, warehouse: WarehouseResource):
        yield from ingest_returns(context, warehouse, census, YEAR_LA[census])

    return _raw


raw_cla = raw_assets("cla")
raw_crcs = raw_assets("crcs")
