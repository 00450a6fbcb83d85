"""A whole ingestion run: every return of a census over some years × LAs validated, and the passing
ones stored in one transaction (no Dagster here: orchestration/defs/ingest.py calls ``ingest_run``).

For each (year, LA) the outcome is one of:

- ``unchanged``: its validation digest (its files, last year's and the other census's return, the
  validation code and the key) equals the one stored with it, and its report stands: not read again;
- ``failed``: its validation found an error: nothing of it is stored, the data already stored for
  that year × LA stays in place, and ``result.issues`` holds every issue;
- ``stored``: it passed and its rows replace that year × LA in the raw tables.

The passing returns are written by a ``RunWriter`` (orchestration/lib/warehouse.py): one transaction
for the run, in batches of one delete and one insert per raw table. A kill or an error leaves the
warehouse as it was before the run; a failed return never stops the others being stored.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from orchestration.lib.ingest import LAReturn, validate_many, validation_digest
from orchestration.lib.keys import key_fingerprint
from orchestration.lib.specs import submission_spec
from orchestration.lib.warehouse import RAW_SCHEMA, RunWriter, analyze_raw_tables
from orchestration.lib.years import CollectionYear

STORED, FAILED, UNCHANGED = "stored", "failed", "unchanged"


@dataclass
class Outcome:
    year: CollectionYear
    la_code: str
    status: str  # stored | failed | unchanged
    rows: dict[str, int] = field(default_factory=dict)  # rows per raw table now stored (none if failed)
    warnings: int = 0
    result: "LAReturn | None" = None  # the validation (None when unchanged)
    digest: str = ""  # the validation digest (lib/ingest.validation_digest) of the return read


def stored_validations(con, census: str, years: list[str]) -> dict:
    """(year, LA) -> (digest, warnings, rows per table) of the returns stored with a validation digest."""
    rows = con.execute(
        f"""
        select v.year, v.la_code, v.digest, v.warnings, f.table_name, f.row_count
        from {RAW_SCHEMA}.validated_returns v
        join {RAW_SCHEMA}.ingested_files f
          on f.census = v.census and f.year = v.year and f.la_code = v.la_code
        where v.census = ? and v.year in (select unnest(?))
        """,
        [census, years],
    ).fetchall()
    out: dict = {}
    for year, la, digest, warns, table, n in rows:
        out.setdefault((year, la), (digest, warns, {}))[2][table] = n
    return out


def ingest_run(
    con,
    census: str,
    returns: "list[tuple[Path, CollectionYear, str]]",
    key: bytes,
    workers: int,
    report: "Callable[[LAReturn], None] | None" = None,
    report_exists: "Callable[[CollectionYear, str], bool] | None" = None,
    flush_rows: "int | None" = None,
) -> list[Outcome]:
    """Validate and store the ``returns`` (landing folder, year, LA) of one census; one ``Outcome`` per
    return, in the order given. ``report`` is called with each validation as it arrives (the LA's
    validation report); a return is ``unchanged`` only if ``report_exists`` says its report is there."""
    tables = submission_spec(census).table_names
    fingerprint = key_fingerprint(key)
    years = sorted({y.label for _, y, _ in returns})
    writer = RunWriter(con, census, flush_rows)  # begins the run's transaction
    try:
        known = stored_validations(con, census, years)
        outcomes: dict[tuple[str, str], Outcome] = {}
        jobs, digests = [], {}
        for folder, year, la in returns:
            digest = validation_digest(folder, census, year, key)
            prior = known.get((year.label, la))
            if prior and prior[0] == digest and (report_exists is None or report_exists(year, la)):
                outcomes[(year.label, la)] = Outcome(year, la, UNCHANGED, prior[2], prior[1])
                continue
            digests[(year.label, la)] = digest
            jobs.append((folder, census, year, la))
        for (_folder, _, year, la), result in validate_many(jobs, key, workers):
            if report is not None:
                report(result)
            if not result.passed:
                outcomes[(year.label, la)] = Outcome(
                    year, la, FAILED, {}, len(result.warnings), result, digests[(year.label, la)]
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
                    "row_count": f["rows"],
                    "key_fingerprint": fingerprint,
                }
                for f in result.files
            ]
            writer.add(year.label, la, result.tables, files, (digests[(year.label, la)], len(result.warnings)))
            rows = {t: len(result.tables.get(t, [])) for t in tables}
            outcomes[(year.label, la)] = Outcome(
                year, la, STORED, rows, len(result.warnings), result, digests[(year.label, la)]
            )
            result.tables = {}  # stored (or pending in the writer): the outcome keeps the issues, not the rows
        writer.commit()
    except BaseException:
        writer.rollback()
        raise
    analyze_raw_tables(con, census)  # PostgreSQL: the planner's statistics for the models built next
    return [outcomes[(y.label, la)] for _, y, la in returns]
