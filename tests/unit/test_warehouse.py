"""The raw writer replaces one year (x LA) atomically and loses nothing on failure."""

import duckdb
import pandas as pd
import pytest

from orchestration.lib.ingest import prepare_year
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.warehouse import connect, replace_partition
from orchestration.lib.years import CollectionYear
from tests.conftest import TEST_KEY


def _store(con, landing, year):
    p = prepare_year(landing, "cla", CollectionYear.parse(year), TEST_KEY, welsh_la_codes(), ("children", "episodes"))
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
    return replace_partition(con, "cla", year, p.returns, {t: p.table(t) for t in ("children", "episodes")}, files)


def test_replacing_a_year_leaves_other_years_alone(small_landing, tmp_path):
    con = connect(tmp_path / "w.duckdb")
    _store(con, small_landing / "landing", "2015-16")
    _store(con, small_landing / "landing", "2016-17")
    _store(con, small_landing / "landing", "2016-17")  # rerun: replaced, not doubled
    counts = dict(con.execute("select year, count(*) from raw.cla_children group by year").fetchall())
    assert counts == {"2015-16": 2, "2016-17": 10}
    files = con.execute("select count(*) from raw.ingested_files where year = '2016-17'").fetchall()[0][0]
    assert files == 4
    types = dict(
        con.execute(
            "select column_name, data_type from information_schema.columns "
            "where table_schema='raw' and table_name='cla_episodes'"
        ).fetchall()
    )
    assert types["episode_start_date"] == "DATE" and "placement_postcode" not in types


def test_a_failing_write_rolls_back_and_keeps_the_stored_year(small_landing, tmp_path):
    con = connect(tmp_path / "w.duckdb")
    _store(con, small_landing / "landing", "2016-17")
    before = con.execute("select * from raw.cla_episodes order by all").fetchall()
    broken = pd.DataFrame({"child_pid": ["x"], "episode_start_date": ["not a date"]})
    with pytest.raises((ValueError, duckdb.Error)):
        replace_partition(con, "cla", "2016-17", ["W06000015"], {"episodes": broken}, [])
    assert con.execute("select * from raw.cla_episodes order by all").fetchall() == before
