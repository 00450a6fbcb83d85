"""The raw schema of the DuckDB warehouse: create, replace one year (× LA), record files.

Writes happen in one transaction: delete the partition's rows, insert the new ones. If
anything fails the transaction rolls back and the data already stored stays as it was.
"""

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib.ingest import DROPPED_ON_INGEST, ID_COLUMN, PSEUDONYM_COLUMN
from orchestration.lib.specs import submission_spec

RAW_SCHEMA = "raw"


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path))


def raw_table_name(census: str, table: str) -> str:
    return f"{census}_{table}"


def raw_columns(census: str, table: str) -> list[tuple[str, str]]:
    """Column name and SQL type of a raw table: the union over eras, in spec order."""
    cols = [("year", "varchar"), ("la_code", "varchar"), (PSEUDONYM_COLUMN, "varchar")]
    for c in submission_spec(census).tables[table].columns:
        if c.name == ID_COLUMN or c.name in DROPPED_ON_INGEST:
            continue
        cols.append((c.name, {"date": "date", "number": "double"}.get(c.type, "varchar")))
    cols.append(("source_line", "integer"))
    return cols


def ensure_raw_tables(con: duckdb.DuckDBPyConnection, census: str) -> None:
    con.execute(f"create schema if not exists {RAW_SCHEMA}")
    for table in submission_spec(census).tables:
        cols = ", ".join(f"{n} {t}" for n, t in raw_columns(census, table))
        con.execute(f"create table if not exists {RAW_SCHEMA}.{raw_table_name(census, table)} ({cols})")
    con.execute(
        f"""create table if not exists {RAW_SCHEMA}.ingested_files (
            census varchar, year varchar, la_code varchar, table_name varchar,
            file varchar, sha256 varchar, row_count integer)"""
    )


def _conform(frame: pd.DataFrame, census: str, table: str) -> pd.DataFrame:
    out = pd.DataFrame(index=frame.index)
    for name, sqltype in raw_columns(census, table):
        if name in frame.columns:
            out[name] = frame[name]
        else:
            out[name] = pd.Series([None] * len(frame), index=frame.index, dtype="object")
        if sqltype == "date":
            out[name] = pd.to_datetime(out[name]).dt.date
    return out.reset_index(drop=True)


def replace_partition(
    con: duckdb.DuckDBPyConnection,
    census: str,
    year: str,
    la_codes: Iterable[str],
    tables: dict[str, pd.DataFrame],
    files: list[dict],
) -> dict[str, int]:
    """Replace the rows of ``year`` for ``la_codes`` in every given raw table, atomically."""
    la_codes = sorted(set(la_codes))
    ensure_raw_tables(con, census)
    written: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        for table, frame in tables.items():
            target = f"{RAW_SCHEMA}.{raw_table_name(census, table)}"
            con.execute(f"delete from {target} where year = ? and la_code in (select unnest(?))", [year, la_codes])
            if len(frame):
                conformed = _conform(frame, census, table)  # noqa: F841 (read by DuckDB by name)
                names = ", ".join(n for n, _ in raw_columns(census, table))
                con.execute(f"insert into {target} ({names}) select {names} from conformed")
            written[table] = len(frame)
        con.execute(
            f"delete from {RAW_SCHEMA}.ingested_files where census = ? and year = ? and la_code in (select unnest(?))",
            [census, year, la_codes],
        )
        if files:
            ingested = pd.DataFrame(files)  # noqa: F841
            con.execute(
                f"insert into {RAW_SCHEMA}.ingested_files select census, year, la_code, table_name, file, "
                "sha256, row_count from ingested"
            )
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return written
