"""The dbt models are portable: the hand-checked fixtures of tests/dbt (cla_known for CLA1-CLA9,
crcs_known for CRCS1-CRCS8 and REC1) ingested into PostgreSQL and built with dbt's `postgres`
target publish exactly what the DuckDB warehouse publishes — every pub_* table, every column,
every cell, with the same Python type and the same text. The PostgreSQL build runs the data tests
too (`dbt build`), and the dbt unit tests (once: they bring their own rows); tests/dbt checks the
DuckDB answers by hand. The frames that the Great Expectations gates judge
(orchestration/lib/gates.py) are the same on both too.
"""

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from orchestration.lib import gates
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


GATE_FRAMES = {
    "stg_cla_codes": gates.staging_code_frame,
    "stg_cla_nulls": gates.staging_null_frame,
    "fct_cla_flows": gates.cla_flow_frame,
    "pub_cla1": gates.cla1_gate_frame,
    "pub_crcs1": gates.crcs1_gate_frame,
    "fct_crcs_year_on_year": gates.crcs_year_on_year_frame,
    "pub_rec1": gates.rec1_gate_frame,
    "stg_placement_la_missing": gates.placement_la_missing_frame,
}


def _gate_frames(con) -> dict[str, pd.DataFrame]:
    """Every gate's frame, and the staging ones for one year too (the ``years`` parameter)."""
    out = {name: frame(con) for name, frame in GATE_FRAMES.items()}
    year = out["stg_cla_nulls"]["year"].max()
    out["stg_cla_codes one year"] = gates.staging_code_frame(con, [year])
    out["stg_cla_nulls one year"] = gates.staging_null_frame(con, [year])
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
        return _publication(con, "?"), _gate_frames(con)
    finally:
        con.close()


UNIT_TESTS_WITH = "crcs_known"


def _build_postgres(fixture: str, root: Path, pg, database: str) -> dict:
    con = connect_postgres(pg.connect_kwargs(database))
    try:
        _ingest(con, fixture)
    finally:
        con.close()
    env = {"CSSD_DBT_TARGET": "postgres", **pg_environment(pg, database)}
    # the dbt unit tests bring their own rows, the same whatever the fixture: run them on one
    unit_tests = [] if fixture == UNIT_TESTS_WITH else ["--exclude-resource-type", "unit_test"]
    result = _dbt(["build", *unit_tests], root / "target-postgres", env)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " ERROR=0 " in result.stdout and "SKIP=0 " in result.stdout
    con = connect_postgres(pg.connect_kwargs(database))
    try:
        return _publication(con, "?"), _gate_frames(con)
    finally:
        con.close()


@pytest.mark.parametrize("fixture", sorted(FIXTURE_RETURNS))
def test_postgres_publishes_exactly_what_duckdb_publishes(fixture, pg_server, pg_database, tmp_path):
    on_postgres, pg_gates = _build_postgres(fixture, tmp_path, pg_server, pg_database)
    on_duckdb, duckdb_gates = _build_duckdb(fixture, tmp_path)
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

    # The gates' SQL runs on both warehouses and gives the same frames (same rows, same numbers:
    # no integer division on PostgreSQL), so the suites judge the same thing on both.
    assert sorted(pg_gates) == sorted(duckdb_gates)
    for name, frame in duckdb_gates.items():
        pg_frame = pg_gates[name]
        assert list(pg_frame.columns) == list(frame.columns), name
        assert len(frame) > 0 or name in EMPTY_GATE_FRAMES[fixture], name
        keys = [
            c for c in ("year", "area_code", "status", "model", "column_name", "era", "field", "code") if c in frame
        ]
        pd.testing.assert_frame_equal(
            _comparable(pg_frame, keys), _comparable(frame, keys), check_dtype=False, check_exact=False, rtol=1e-12
        )
    # the fixtures' years are not consecutive, so ratios to the previous year are NULL here:
    # test_gate_ratios_are_the_same_on_both_warehouses compares those


# Gate frames with no rows on a fixture (cla_known has no CRCS returns).
EMPTY_GATE_FRAMES = {
    "cla_known": {"pub_crcs1", "fct_crcs_year_on_year", "pub_rec1"},
    "crcs_known": {"stg_placement_la_missing"},  # no CLA return: no episodes
}


def _comparable(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Rows in key order, numbers as float, text as text (None and NaN alike)."""
    out = frame.sort_values(keys, kind="stable").reset_index(drop=True)
    for column in out.columns:
        if pd.api.types.is_numeric_dtype(out[column]):
            out[column] = out[column].astype("float64")
        else:
            out[column] = out[column].astype(object).where(out[column].notna(), None)
    return out


def _small_marts(con) -> None:
    """Two consecutive years of every LA in the tables the flow, year-on-year, CLA1, CRCS1 and REC1
    gates read, with counts whose ratios are not whole numbers."""
    from orchestration.lib.reference import WALES, area_order

    las = [a for a in area_order() if a != WALES]
    tables = {
        "marts.fct_cla_looked_after_at_census": ("year varchar, la_code varchar", []),
        "marts.fct_cla_started": ("year varchar, la_code varchar, child_pid varchar, is_counted_for_la boolean", []),
        "marts.fct_cla_ceased": ("year varchar, la_code varchar, child_pid varchar, is_counted boolean", []),
        "marts.fct_crcs_children_at_census": ("year varchar, la_code varchar", []),
        "publication.pub_cla1": (
            "year varchar, area_code varchar, legal_status_group varchar, measure varchar, value decimal(18,1)",
            [],
        ),
        "publication.pub_crcs1": (
            "year varchar, area_code varchar, status varchar, measure varchar, value decimal(18,1)",
            [],
        ),
        "publication.pub_rec1": ("year varchar, area_code varchar, measure varchar, value decimal(18,1)", []),
    }
    for i, la in enumerate(las):
        for year, stock, starts, ceased in (("2019-20", 7 + i, 3, 2), ("2020-21", 9 + i, 4, 1)):
            tables["marts.fct_cla_looked_after_at_census"][1].extend([(year, la)] * stock)
            tables["marts.fct_crcs_children_at_census"][1].extend([(year, la)] * (stock * 3))
            tables["marts.fct_cla_started"][1].extend((year, la, f"s{k}", True) for k in range(starts))
            tables["marts.fct_cla_ceased"][1].extend((year, la, f"c{k}", True) for k in range(ceased))
            groups = {"total": stock, "care_order": stock - 2, "voluntary_accommodation": 2}
            tables["publication.pub_cla1"][1].extend((year, la, g, "count", n) for g, n in groups.items())
            statuses = {"total": 3 * stock, "looked_after": stock, "child_protection_register": stock, "neither": stock}
            tables["publication.pub_crcs1"][1].extend((year, la, s, "count", n) for s, n in statuses.items())
            rec = {"crcs_count": stock - 1, "cla_count": stock, "difference": -1}
            tables["publication.pub_rec1"][1].extend((year, la, m, n) for m, n in rec.items())
    for year in ("2019-20", "2020-21"):
        wales = sum(n for y, _, g, _, n in tables["publication.pub_cla1"][1] if y == year and g == "total")
        tables["publication.pub_cla1"][1].append((year, WALES, "total", "count", wales))
    for schema in ("marts", "publication"):
        con.execute(f"create schema {schema}")
    for table, (columns, rows) in tables.items():
        con.execute(f"create table {table} ({columns})")
        values = ", ".join(
            "(" + ", ".join(f"'{v}'" if isinstance(v, str) else str(v).lower() for v in row) + ")" for row in rows
        )
        con.execute(f"insert into {table} values {values}")


def test_gate_ratios_are_the_same_on_both_warehouses(pg_server, pg_database):
    """Ratios of counts (flow gap rate, ratio to the previous year) are divisions of integers: the same
    fractions on PostgreSQL as on DuckDB, not truncated to whole numbers."""
    import duckdb

    duck = duckdb.connect()
    pg = connect_postgres(pg_server.connect_kwargs(pg_database))
    try:
        frames = []
        for con in (duck, pg):
            _small_marts(con)
            frames.append({n: GATE_FRAMES[n](con) for n in GATE_FRAMES if not n.startswith("stg_")})
    finally:
        pg.close()
        duck.close()
    on_duckdb, on_postgres = frames
    for name, frame in on_duckdb.items():
        keys = [c for c in ("year", "area_code", "status") if c in frame]
        pd.testing.assert_frame_equal(
            _comparable(on_postgres[name], keys), _comparable(frame, keys), check_dtype=False, rtol=1e-12
        )
    flows = on_postgres["fct_cla_flows"].set_index(["year", "area_code"])
    cardiff = flows.loc[("2020-21", "W06000015")]
    first = int(on_postgres["fct_cla_flows"].query("year == '2019-20' and area_code == 'W06000015'")["stock"].iloc[0])
    assert cardiff["ratio_to_previous_year"] == pytest.approx((first + 2) / first)
    assert cardiff["flow_gap_rate"] == pytest.approx(abs(first + 4 - 1 - (first + 2)) / (first + 2))
    assert 0 < cardiff["flow_gap_rate"] < 1
    wales = flows.loc[("2020-21", "W92000004")]
    assert 1 < wales["ratio_to_previous_year"] < 2
    yoy = on_postgres["fct_crcs_year_on_year"].dropna(subset=["ratio_to_previous_year"])
    assert len(yoy) == 23 and ((yoy["ratio_to_previous_year"] > 1) & (yoy["ratio_to_previous_year"] < 2)).all()
    cla1 = on_postgres["pub_cla1"].dropna(subset=["wales_ratio_to_previous_year"])
    stocks = on_postgres["fct_cla_flows"].query("area_code == 'W92000004'")["stock"].tolist()
    assert cla1["wales_ratio_to_previous_year"].tolist() == pytest.approx([stocks[1] / stocks[0]])
    shares = on_postgres["pub_crcs1"]["share"]
    assert (shares - 1 / 3).abs().max() < 1e-12


def test_qa_findings_are_the_same_on_both_warehouses(pg_server, pg_database):
    """The plausibility checks (orchestration/lib/findings.py) read the same frames on PostgreSQL, find
    the same figures outside strict limits, and skip a check whose table is not built."""
    import copy

    import duckdb

    from orchestration.lib.findings import compute_findings
    from orchestration.lib.thresholds import load_thresholds

    strict = copy.deepcopy(load_thresholds())
    strict["flow_identity"].update(la_share=0.0, la_min_children=0, wales_share=0.0)
    strict["cla_year_on_year"].update(la_min_ratio=1.0, la_max_ratio=1.0, la_min_children=0)
    duck = duckdb.connect()
    pg = connect_postgres(pg_server.connect_kwargs(pg_database))
    try:
        found = []
        for con in (duck, pg):
            _small_marts(con)
            found.append(compute_findings(con, strict))
    finally:
        pg.close()
        duck.close()
    on_duckdb, on_postgres = found
    assert len(on_duckdb) > 0 and {"flow_identity", "cla_year_on_year"} <= set(on_duckdb["check"])
    assert "placement_la_missing" not in set(on_duckdb["check"])  # staging is not built here
    pd.testing.assert_frame_equal(on_postgres, on_duckdb)
