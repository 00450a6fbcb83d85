"""The raw schema on PostgreSQL: the same writer as DuckDB's (orchestration/lib/warehouse.py),
one transaction per replace — a rerun replaces, never doubles, and a failing replace leaves the
rows already stored, in every table it touched."""

import pandas as pd
import pytest

from orchestration.lib.ingest import prepare_year
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.warehouse import analyze_raw_tables, connect_postgres, replace_partition
from orchestration.lib.years import CollectionYear
from tests.conftest import TEST_KEY


@pytest.fixture
def pg(pg_server, pg_database):
    con = connect_postgres(pg_server.connect_kwargs(pg_database))
    yield con
    con.close()


def _store(con, landing, year):
    tables = ("children", "episodes")
    p = prepare_year(landing, "cla", CollectionYear.parse(year), TEST_KEY, welsh_la_codes(), tables)
    files = [
        {
            "census": "cla",
            "year": year,
            "la_code": la,
            "table_name": f["table"],
            "file": f["file"],
            "sha256": f["sha256"],
            "row_count": f.get("rows", 0),
        }
        for la, r in p.returns.items()
        for f in r.files
    ]
    return replace_partition(con, "cla", year, p.returns, {t: p.table(t) for t in tables}, files)


def _all(con, table):
    return con.execute(f"select * from raw.{table} order by 1, 2, 3, source_line").fetchall()


def test_replacing_a_year_leaves_other_years_alone(pg, small_landing):
    _store(pg, small_landing / "landing", "2015-16")
    _store(pg, small_landing / "landing", "2016-17")
    _store(pg, small_landing / "landing", "2016-17")  # rerun: replaced, not doubled
    counts = dict(pg.execute("select year, count(*) from raw.cla_children group by year").fetchall())
    assert counts == {"2015-16": 2, "2016-17": 10}
    assert pg.execute("select count(*) from raw.ingested_files where year = ?", ["2016-17"]).fetchone()[0] == 4
    types = dict(
        pg.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema = 'raw' and table_name = 'cla_episodes'"
        ).fetchall()
    )
    assert types["episode_start_date"] == "date" and "placement_postcode" not in types
    # ? placeholders and list parameters work as in DuckDB (the readers' queries use them)
    la = pg.execute(
        "select distinct la_code from raw.cla_children where year in (select unnest(?)) order by la_code",
        [["2015-16"]],
    ).df()
    assert la["la_code"].tolist() == ["W06000015"]


def test_a_write_failing_in_the_database_rolls_back_every_table(pg, small_landing):
    _store(pg, small_landing / "landing", "2016-17")
    children, episodes = _all(pg, "cla_children"), _all(pg, "cla_episodes")
    files = pg.execute("select * from raw.ingested_files order by file").fetchall()
    good = pd.DataFrame({"child_pid": ["x"], "sex": ["1"], "source_line": [2]})
    broken = pd.DataFrame({"child_pid": ["y"], "source_line": ["not a number"]})  # refused by PostgreSQL
    with pytest.raises(Exception, match="integer"):
        replace_partition(pg, "cla", "2016-17", ["W06000015"], {"children": good, "episodes": broken}, [])
    assert _all(pg, "cla_children") == children  # the first table's delete and insert are undone too
    assert _all(pg, "cla_episodes") == episodes
    assert pg.execute("select * from raw.ingested_files order by file").fetchall() == files


def test_a_write_failing_in_python_rolls_back(pg, small_landing):
    _store(pg, small_landing / "landing", "2016-17")
    before = _all(pg, "cla_episodes")
    broken = pd.DataFrame({"child_pid": ["x"], "episode_start_date": ["not a date"]})
    with pytest.raises(ValueError):
        replace_partition(pg, "cla", "2016-17", ["W06000015"], {"episodes": broken}, [])
    assert _all(pg, "cla_episodes") == before
    assert pg.execute("select 1").fetchone() == (1,)  # the connection is usable after the rollback


def test_the_raw_tables_are_analysed_after_ingestion(pg, small_landing):
    """PostgreSQL plans from statistics only ANALYZE gathers: without them it took a raw table for a
    few rows and chose nested loops (issue 15). After an ingestion run the planner knows their size."""
    _store(pg, small_landing / "landing", "2016-17")

    def planner_rows(table):
        return pg.execute("select reltuples from pg_class where oid = ?::regclass", [f"raw.{table}"]).fetchone()[0]

    assert planner_rows("cla_children") < 0  # never analysed: the planner guesses
    analysed = analyze_raw_tables(pg, "cla")
    assert "raw.cla_children" in analysed and "raw.ingested_files" in analysed
    assert planner_rows("cla_children") == 10
    assert pg.execute("select count(*) from raw.cla_episodes").fetchone()[0] == planner_rows("cla_episodes")
