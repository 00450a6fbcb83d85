"""The dbt models are portable: the hand-checked fixtures of tests/dbt (cla_known for CLA1-CLA9,
crcs_known for CRCS1-CRCS8 and REC1) ingested into PostgreSQL and built with dbt's `postgres`
target publish exactly what the DuckDB warehouse publishes — every pub_* table, every column,
every cell, with the same Python type and the same text. The PostgreSQL build runs the dbt unit
tests and data tests too (`dbt build`); tests/dbt checks the DuckDB answers by hand.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.lib.ingest import prepare_year
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.warehouse import connect, connect_postgres, ensure_raw_tables, replace_partition
from orchestration.lib.years import CollectionYear
from orchestration.paths import DBT_PROJECT_DIR
from tests.conftest import FIXTURES, TEST_KEY
from tests.postgres.conftest import pg_environment

CLA_TABLES = ("children", "episodes", "adoptions", "care_leavers")
FIXTURE_RETURNS = {
    # fixture -> [(census, years, raw tables)], as tests/dbt/test_cla_tables.py and test_crcs_tables.py load them
    "cla_known": [("cla", ["2015-16", "2019-20", "2022-23", "2024-25"], CLA_TABLES)],
    "crcs_known": [
        ("crcs", ["2013-14", "2019-20", "2024-25"], ("children",)),
        ("cla", ["2019-20", "2024-25"], CLA_TABLES),
    ],
}


def _ingest(con, fixture: str) -> None:
    """Production's ingestion path (prepare_year + replace_partition), on either warehouse."""
    landing = FIXTURES / fixture / "landing"
    ensure_raw_tables(con, "cla")
    ensure_raw_tables(con, "crcs")
    for census, years, tables in FIXTURE_RETURNS[fixture]:
        for label in years:
            prepared = prepare_year(landing, census, CollectionYear.parse(label), TEST_KEY, welsh_la_codes(), None)
            replace_partition(con, census, label, prepared.returns, {t: prepared.table(t) for t in tables}, [])


def _dbt(args: list[str], target_path: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).with_name("dbt")
    return subprocess.run(
        [str(dbt), *args, "--target-path", str(target_path)],
        cwd=DBT_PROJECT_DIR,
        env={**os.environ, "DO_NOT_TRACK": "1", **env},
        capture_output=True,
        text=True,
        timeout=600,
    )


def _publication(con, placeholder_sql: str) -> dict[str, tuple[list[str], list[tuple]]]:
    """pub_* table -> (column names, rows as (type, text) cells, sorted)."""
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_schema = 'publication' "
            f"and table_name like {placeholder_sql}",
            ["pub_%"],
        ).fetchall()
    ]
    out = {}
    for table in sorted(tables):
        result = con.execute(f"select * from publication.{table}")
        columns = [d[0] for d in result.description]
        rows = sorted(
            tuple(("None", "") if v is None else (type(v).__name__, str(v)) for v in row) for row in result.fetchall()
        )
        out[table] = (columns, rows)
    return out


def _build_duckdb(fixture: str, root: Path) -> dict:
    path = root / "warehouse.duckdb"
    con = connect(path)
    _ingest(con, fixture)
    con.close()
    # tests/dbt runs the unit and data tests on DuckDB; here only the seeds and models are needed
    result = _dbt(
        ["build", "--exclude-resource-type", "unit_test", "--exclude-resource-type", "test"],
        root / "target-duckdb",
        {"CSSD_DBT_TARGET": "duckdb", "CSSD_WAREHOUSE": str(path)},
    )
    assert result.returncode == 0, result.stdout[-4000:]
    import duckdb

    con = duckdb.connect(str(path), read_only=True)
    try:
        return _publication(con, "?")
    finally:
        con.close()


def _build_postgres(fixture: str, root: Path, pg, database: str) -> dict:
    con = connect_postgres(pg.connect_kwargs(database))
    try:
        _ingest(con, fixture)
    finally:
        con.close()
    env = {"CSSD_DBT_TARGET": "postgres", **pg_environment(pg, database)}
    result = _dbt(["build"], root / "target-postgres", env)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " ERROR=0 " in result.stdout and "SKIP=0 " in result.stdout
    con = connect_postgres(pg.connect_kwargs(database))
    try:
        return _publication(con, "?")
    finally:
        con.close()


@pytest.mark.parametrize("fixture", sorted(FIXTURE_RETURNS))
def test_postgres_publishes_exactly_what_duckdb_publishes(fixture, pg_server, pg_database, tmp_path):
    on_postgres = _build_postgres(fixture, tmp_path, pg_server, pg_database)
    on_duckdb = _build_duckdb(fixture, tmp_path)
    assert sorted(on_postgres) == sorted(on_duckdb)
    assert len(on_duckdb) == 18  # pub_cla1-9, pub_crcs1-8, pub_rec1
    filled = 0
    for table, (columns, rows) in on_duckdb.items():
        pg_columns, pg_rows = on_postgres[table]
        assert pg_columns == columns, table
        assert len(pg_rows) == len(rows), table
        for pg_row, row in zip(pg_rows, rows, strict=True):
            assert pg_row == row, (table, dict(zip(columns, row, strict=True)))
        filled += sum(1 for row in rows if row[columns.index("value")] != ("None", ""))
    assert filled > 100  # the comparison is of real figures, not only empty cells
