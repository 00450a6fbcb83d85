"""The raw schema of the warehouse: create, replace one year (× LA), record files.

The warehouse is DuckDB (default) or PostgreSQL (CSSD_DBT_TARGET=postgres, docs/deploy.md);
``connect_postgres`` gives a connection with the small part of DuckDB's Python API that cssd
uses (``execute(sql, params)`` with ``?`` placeholders, then ``fetchall``/``fetchone``/``df``).

Writes happen in one transaction: delete the partition's rows, insert the new ones. If
anything fails the transaction rolls back and the data already stored stays as it was; if the
process is killed before the commit, the warehouse opens afterwards without the partial write
(tests/security/test_crash_safety.py).
"""

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib.crash import crash_point
from orchestration.lib.ingest import DROPPED_ON_INGEST, ID_COLUMN, PSEUDONYM_COLUMN
from orchestration.lib.specs import submission_spec

RAW_SCHEMA = "raw"
INGESTED_COLUMNS = ["census", "year", "la_code", "table_name", "file", "sha256", "row_count", "key_fingerprint"]


def connect(path: Path) -> duckdb.DuckDBPyConnection:
    path.parent.mkdir(parents=True, exist_ok=True)
    return duckdb.connect(str(path))


_PG_FLOATS = (1700, 700, 701)  # type oids of numeric (decimal), real, double precision
_PG_INTEGERS = (20, 21, 23)  # bigint, smallint, integer


class PostgresResult:
    def __init__(self, cursor):
        self._cursor = cursor

    def fetchall(self) -> list[tuple]:
        return self._cursor.fetchall()

    def fetchone(self):
        return self._cursor.fetchone()

    @property
    def description(self):
        return self._cursor.description

    def df(self) -> pd.DataFrame:
        """As DuckDB's ``df()``: numeric (DECIMAL) and floating-point columns come back as float64
        (NULL as NaN, even in a column of NULLs only), integer columns with a NULL as Int64."""
        description = self._cursor.description
        frame = pd.DataFrame(self._cursor.fetchall(), columns=[d.name for d in description])
        for i, d in enumerate(description):
            column = frame.iloc[:, i]
            if d.type_code in _PG_FLOATS:
                frame.isetitem(i, pd.to_numeric(column, errors="coerce").astype("float64"))
            elif d.type_code in _PG_INTEGERS and column.isna().any():
                frame.isetitem(i, column.astype("Int64"))
        return frame


class PostgresConnection:
    """A psycopg2 connection in autocommit mode, so that ``begin``/``commit``/``rollback`` given as
    SQL mark the transactions, as they do in DuckDB."""

    dialect = "postgres"

    def __init__(self, raw):
        self._raw = raw
        self._raw.autocommit = True

    def execute(self, sql: str, params=None) -> PostgresResult:
        cursor = self._raw.cursor()
        if params is None:
            cursor.execute(sql)
        else:
            cursor.execute(sql.replace("%", "%%").replace("?", "%s"), [_pg_param(p) for p in params])
        return PostgresResult(cursor)

    def insert_frame(self, target: str, names: list[str], frame: pd.DataFrame) -> None:
        from psycopg2.extras import execute_values

        rows = [
            tuple(None if _missing(v) else v for v in row)
            for row in frame[names].astype(object).itertuples(index=False, name=None)
        ]
        with self._raw.cursor() as cursor:
            execute_values(cursor, f"insert into {target} ({', '.join(names)}) values %s", rows, page_size=1000)

    def close(self) -> None:
        self._raw.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _missing(value) -> bool:
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _pg_param(value):
    return list(value) if isinstance(value, (tuple, set)) else value


def connect_postgres(connect_kwargs: dict, connect_timeout: int = 10) -> PostgresConnection:
    import psycopg2

    return PostgresConnection(psycopg2.connect(connect_timeout=connect_timeout, **connect_kwargs))


def _dialect(con) -> str:
    return getattr(con, "dialect", "duckdb")


def _sql_type(con, sqltype: str) -> str:
    return "double precision" if sqltype == "double" and _dialect(con) == "postgres" else sqltype


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
        cols = ", ".join(f"{n} {_sql_type(con, t)}" for n, t in raw_columns(census, table))
        con.execute(f"create table if not exists {RAW_SCHEMA}.{raw_table_name(census, table)} ({cols})")
    con.execute(
        f"""create table if not exists {RAW_SCHEMA}.ingested_files (
            census varchar, year varchar, la_code varchar, table_name varchar,
            file varchar, sha256 varchar, row_count integer)"""
    )
    # The digest of what each stored return's validation depended on (lib/ingest.py
    # validation_digest): a return whose digest is unchanged is not validated and stored again.
    con.execute(
        f"""create table if not exists {RAW_SCHEMA}.validated_returns (
            census varchar, year varchar, la_code varchar, digest varchar, warnings integer)"""
    )
    # Which key made the return's pseudonyms (orchestration/lib/keys.py); empty for returns stored
    # before it was recorded.
    con.execute(f"alter table {RAW_SCHEMA}.ingested_files add column if not exists key_fingerprint varchar")


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
    validated: "dict[str, tuple[str, int]] | None" = None,
) -> dict[str, int]:
    """Replace the rows of ``year`` for ``la_codes`` in every given raw table, atomically.

    ``validated`` maps an LA to the digest and warning count of the validation that passed its
    return; the LAs replaced without one lose their digest (they are validated again next time)."""
    la_codes = sorted(set(la_codes))
    ensure_raw_tables(con, census)
    written: dict[str, int] = {}
    con.execute("begin transaction")
    try:
        for table, frame in tables.items():
            target = f"{RAW_SCHEMA}.{raw_table_name(census, table)}"
            con.execute(f"delete from {target} where year = ? and la_code in (select unnest(?))", [year, la_codes])
            if len(frame):
                conformed = _conform(frame, census, table)
                _insert(con, target, [n for n, _ in raw_columns(census, table)], conformed)
            written[table] = len(frame)
        con.execute(
            f"delete from {RAW_SCHEMA}.ingested_files where census = ? and year = ? and la_code in (select unnest(?))",
            [census, year, la_codes],
        )
        if files:
            frame = pd.DataFrame(files)
            _insert(con, f"{RAW_SCHEMA}.ingested_files", [n for n in INGESTED_COLUMNS if n in frame.columns], frame)
        con.execute(
            f"delete from {RAW_SCHEMA}.validated_returns "
            "where census = ? and year = ? and la_code in (select unnest(?))",
            [census, year, la_codes],
        )
        if validated:
            rows = [
                {"census": census, "year": year, "la_code": la, "digest": d, "warnings": w}
                for la, (d, w) in validated.items()
            ]
            _insert(con, f"{RAW_SCHEMA}.validated_returns", list(rows[0]), pd.DataFrame(rows))
        crash_point("ingest")  # fault injection (CSSD_CRASH_AT): inside the transaction, before the commit
        con.execute("commit")
    except Exception:
        con.execute("rollback")
        raise
    return written


class RunWriter:
    """The raw writes of a whole ingestion run, in one transaction (issue 15).

    ``add`` takes one passing return (its year, LA, tables, files and validation digest); the rows
    are kept and written in batches of about ``FLUSH_ROWS`` rows, each batch with one delete and one
    insert per raw table (and per ingestion record table) for all its returns, in the order they were
    added. ``commit`` writes the last batch and commits: every return of the run is stored, or (an
    error, a kill) none is and the warehouse is as it was before the run. A return that failed its
    validation is never added, so the data already stored for it stays in place."""

    # Rows held before a batch is written: bounds the memory of a run (about 100-200 MB of typed
    # frames; the largest return seen, Cardiff at ×120, is ~250 k rows, so a batch is one or a few
    # returns there and dozens at ×1), while keeping the writes to a few per run.
    FLUSH_ROWS = 200_000

    def __init__(self, con, census: str, flush_rows: "int | None" = None):
        self.con, self.census, self.flush_rows = con, census, flush_rows or self.FLUSH_ROWS
        self.tables = submission_spec(census).table_names
        self._pending: list[tuple[str, str, dict[str, pd.DataFrame], list[dict], tuple[str, int] | None]] = []
        self._rows = 0
        self.written: dict[tuple[str, str], dict[str, int]] = {}
        ensure_raw_tables(con, census)
        con.execute("begin transaction")
        self._open = True

    def add(
        self,
        year: str,
        la_code: str,
        tables: dict[str, pd.DataFrame],
        files: list[dict],
        validated: "tuple[str, int] | None" = None,
    ) -> None:
        self._pending.append((year, la_code, tables, files, validated))
        self._rows += sum(len(f) for f in tables.values())
        self.written[(year, la_code)] = {t: len(tables.get(t, ())) for t in self.tables}
        # fault injection (CSSD_CRASH_AT=ingest:N): inside the run's transaction, the N-th return added
        crash_point("ingest")
        if self._rows >= self.flush_rows:
            self.flush()

    def flush(self) -> None:
        if not self._pending:
            return
        con, census = self.con, self.census
        pairs = [[y, la] for y, la, *_ in self._pending]
        for table in self.tables:
            target = f"{RAW_SCHEMA}.{raw_table_name(census, table)}"
            _delete_pairs(con, target, pairs)
            frames = [t[table] for _, _, t, _, _ in self._pending if table in t and len(t[table])]
            if frames:
                frame = frames[0] if len(frames) == 1 else pd.concat(frames, ignore_index=True)
                _insert(con, target, [n for n, _ in raw_columns(census, table)], _conform(frame, census, table))
        _delete_pairs(con, f"{RAW_SCHEMA}.ingested_files", pairs, census)
        files = [f for *_, fs, _ in self._pending for f in fs]
        if files:
            frame = pd.DataFrame(files)
            _insert(con, f"{RAW_SCHEMA}.ingested_files", [n for n in INGESTED_COLUMNS if n in frame.columns], frame)
        _delete_pairs(con, f"{RAW_SCHEMA}.validated_returns", pairs, census)
        rows = [
            {"census": census, "year": y, "la_code": la, "digest": v[0], "warnings": v[1]}
            for y, la, _, _, v in self._pending
            if v is not None
        ]
        if rows:
            _insert(con, f"{RAW_SCHEMA}.validated_returns", list(rows[0]), pd.DataFrame(rows))
        self._pending, self._rows = [], 0

    def commit(self) -> dict[tuple[str, str], dict[str, int]]:
        """Write what is pending and commit; (year, LA) -> rows stored per table."""
        try:
            self.flush()
        except Exception:
            self.rollback()
            raise
        self.con.execute("commit")
        self._open = False
        return self.written

    def rollback(self) -> None:
        if self._open:
            self._open = False
            self.con.execute("rollback")


def _delete_pairs(con, target: str, pairs: list[list[str]], census: "str | None" = None) -> None:
    """Delete the rows of the given (year, LA) pairs (of ``census``, where the table holds both)."""
    where_census = "census = ? and " if census else ""
    params = [census] if census else []
    for year in sorted({y for y, _ in pairs}):
        las = sorted({la for y, la in pairs if y == year})
        con.execute(
            f"delete from {target} where {where_census}year = ? and la_code in (select unnest(?))",
            [*params, year, las],
        )


def analyze_raw_tables(con, census: str) -> list[str]:
    """Gather the planner's statistics on the census's raw tables (and the ingestion records) after
    an ingestion run, on PostgreSQL: it plans from statistics that only ANALYZE gathers (autovacuum
    comes later, if at all), and a raw table it believes tiny gets nested loops in every model built
    on it (issue 15: int_cla_periods 513 s for 27 k rows, 0.2 s after ANALYZE). DuckDB keeps its
    statistics as it writes: nothing to do. Returns the tables analysed."""
    if _dialect(con) != "postgres":
        return []
    tables = [f"{RAW_SCHEMA}.{raw_table_name(census, t)}" for t in submission_spec(census).tables]
    tables += [f"{RAW_SCHEMA}.ingested_files", f"{RAW_SCHEMA}.validated_returns"]
    for table in tables:
        con.execute(f"analyze {table}")
    return tables


def _insert(con, target: str, names: list[str], frame: pd.DataFrame) -> None:
    if _dialect(con) == "postgres":
        con.insert_frame(target, names, frame)
        return
    rows = frame  # noqa: F841 (read by DuckDB by name)
    columns = ", ".join(names)
    con.execute(f"insert into {target} ({columns}) select {columns} from rows")


def returns_with_other_keys(con, fingerprint: str) -> list[tuple[str, str, str, "str | None"]]:
    """(census, year, LA, fingerprint) of every stored return whose pseudonyms were not made with the key
    of ``fingerprint``: made with another key, or stored before cssd recorded the key (fingerprint None),
    when the public demo key was used silently whenever no key was set."""
    return [
        tuple(r)
        for r in con.execute(
            f"""select distinct census, year, la_code, key_fingerprint from {RAW_SCHEMA}.ingested_files
            where key_fingerprint is distinct from ? order by 1, 2, 3""",
            [fingerprint],
        ).fetchall()
    ]


def other_keys_message(others: list[tuple]) -> str:
    sample = ", ".join(" ".join(r[:3]) for r in others[:5]) + (" …" if len(others) > 5 else "")
    unrecorded = sum(1 for r in others if r[3] is None)
    before = f"; {unrecorded} of them stored before cssd recorded which key made them" if unrecorded else ""
    return (
        f"the warehouse holds {len(others)} return(s) whose pseudonyms were not made with the key in "
        f"CSSD_PSEUDONYM_KEY ({sample}{before}). Storing returns under this key beside them would break the "
        "linking of each child's records (CLA with CRCS, year with year). If the key was changed on purpose, "
        "or to bring a warehouse built before keys were recorded up to date, run `cssd rekey`: it re-ingests "
        "every return with this key (docs/security.md). If not, set CSSD_PSEUDONYM_KEY back to the key this "
        "warehouse was built with."
    )
