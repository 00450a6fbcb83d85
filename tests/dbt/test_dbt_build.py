"""`dbt build` (models, data tests, unit tests) on the small hand-checked fixture.

Known answers, worked by hand from tests/fixtures/cla_small (see its README):
Cardiff 2016-17: 4 looked after at 31 March — care order 2 (C001, C007 after L2->C1),
voluntary 1 (C004, two episodes chained by X1), youth justice 1 (C006); C002 turns 18 on
the census date and leaves care the day before, C003's episode ends on the census date, C005 has
short breaks only.
Anglesey 2016-17: 2 — placement order 1 (A1), voluntary 1 (A2's second period).
Cardiff 2015-16 (SSDA903 layout): 2, both care orders. Wales is [x]: 20 LAs did not submit.
"""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.ingest import prepare_year
from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.warehouse import connect, ensure_raw_tables, replace_partition
from orchestration.lib.years import CollectionYear
from orchestration.paths import DBT_PROJECT_DIR
from tests.conftest import TEST_KEY

EXPECTED = {
    ("2016-17", "W06000015"): {
        "total": 4,
        "care_order": 2,
        "placement_order": 0,
        "voluntary_accommodation": 1,
        "youth_justice": 1,
        "emergency_protection": 0,
    },
    ("2016-17", "W06000001"): {
        "total": 2,
        "care_order": 0,
        "placement_order": 1,
        "voluntary_accommodation": 1,
        "youth_justice": 0,
        "emergency_protection": 0,
    },
    ("2015-16", "W06000015"): {
        "total": 2,
        "care_order": 2,
        "placement_order": 0,
        "voluntary_accommodation": 0,
        "youth_justice": 0,
        "emergency_protection": 0,
    },
}
# Cardiff population aged 0-17, mid-2016 and mid-2015 (population_0_17.csv).


def _population(gss: str, mid_year: int) -> int:
    import csv

    with (DBT_PROJECT_DIR / "seeds/reference/population_0_17.csv").open() as f:
        return next(
            int(r["population_0_17"])
            for r in csv.DictReader(f)
            if r["gss_code"] == gss and int(r["mid_year"]) == mid_year
        )


def _dbt(args: list[str], warehouse: Path) -> subprocess.CompletedProcess:
    dbt = Path(sys.executable).with_name("dbt")
    env = {**os.environ, "CSSD_WAREHOUSE": str(warehouse), "DO_NOT_TRACK": "1"}
    return subprocess.run(
        [str(dbt), *args, "--target-path", str(warehouse.parent / "target")],
        cwd=DBT_PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def built_warehouse(tmp_path_factory) -> Path:
    import shutil

    from tests.conftest import FIXTURES

    root = tmp_path_factory.mktemp("dbt")
    shutil.copytree(FIXTURES / "cla_small", root / "data")
    warehouse = root / "warehouse.duckdb"
    con = connect(warehouse)
    ensure_raw_tables(con, "crcs")  # the CRCS models build too (on no rows)
    for label in ("2015-16", "2016-17"):
        p = prepare_year(
            root / "data" / "landing",
            "cla",
            CollectionYear.parse(label),
            TEST_KEY,
            welsh_la_codes(),
            ("children", "episodes"),
        )
        replace_partition(con, "cla", label, p.returns, {t: p.table(t) for t in ("children", "episodes")}, [])
    con.close()
    result = _dbt(["build"], warehouse)
    assert result.returncode == 0, result.stdout[-4000:]
    assert "PASS=" in result.stdout and " ERROR=0 " in result.stdout
    return warehouse


def _cells(warehouse: Path) -> dict:
    con = duckdb.connect(str(warehouse), read_only=True)
    rows = con.execute(
        "select year, area_code, legal_status_group, measure, value, note_codes from publication.pub_cla1"
    ).fetchall()
    con.close()
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in rows}


def test_unit_tests_ran(built_warehouse):
    # dbt build runs the unit tests; the fixture asserts the build had no error.
    assert built_warehouse.exists()


def test_pub_cla1_matches_hand_checked_answers(built_warehouse):
    cells = _cells(built_warehouse)
    for (year, area), groups in EXPECTED.items():
        for group, n in groups.items():
            assert cells[(year, area, group, "count")] == (n, ""), (year, area, group)


def test_rate_per_10000_is_half_up_from_unrounded_counts(built_warehouse):
    from decimal import ROUND_HALF_UP, Decimal

    cells = _cells(built_warehouse)
    pop = _population("W06000015", 2016)
    expected = (Decimal(4) * 10000 / Decimal(pop)).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    assert cells[("2016-17", "W06000015", "total", "rate_per_10000")] == (expected, "")


def test_missing_las_and_wales_are_x_and_every_year_has_the_same_shape(built_warehouse):
    cells = _cells(built_warehouse)
    assert cells[("2015-16", "W06000001", "total", "count")] == (None, "[x]")
    assert cells[("2016-17", "W92000004", "total", "count")] == (None, "[x]")
    assert cells[("2016-17", "W92000004", "total", "rate_per_10000")] == (None, "[x]")
    per_year = {}
    for year, *_rest in cells:
        per_year[year] = per_year.get(year, 0) + 1
    assert per_year == {"2015-16": 23 * 7, "2016-17": 23 * 7}


def test_rebuilding_one_year_replaces_only_that_year(built_warehouse):
    before = _cells(built_warehouse)
    result = _dbt(
        ["build", "--select", "marts publication", "--vars", '{"year_from": "2016-17", "year_to": "2016-17"}'],
        built_warehouse,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert _cells(built_warehouse) == before


def test_a_null_fails_not_null_columns_and_names_the_column(built_warehouse, tmp_path):
    """The model-level not-null test (one query per model) fails on a NULL and says which column."""
    import shutil

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, copy)
    con = duckdb.connect(str(copy))
    con.execute("update raw.cla_children set sex = null where la_code = 'W06000001'")
    con.close()
    result = _dbt(["test", "--select", "stg_cla__children,test_name:not_null_columns"], copy)
    assert result.returncode != 0, result.stdout[-3000:]
    assert "FAIL 2 not_null_columns_stg_cla__children" in result.stdout, result.stdout[-3000:]
    compiled = next(  # dbt shortens a long test name in the file name: find it by its text
        p
        for p in (tmp_path / "target" / "compiled").rglob("not_null_columns*.sql")
        if "stg_cla__children" in p.read_text()
    )
    con = duckdb.connect(str(copy), read_only=True)
    assert con.execute(compiled.read_text()).fetchall() == [("sex_code",), ("sex_code",)]
    con.close()


def test_the_contract_refuses_a_null_in_a_publication_table(built_warehouse, tmp_path):
    """Publication columns carry enforced not_null constraints instead of not_null tests."""
    import shutil

    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(built_warehouse, copy)
    con = duckdb.connect(str(copy))
    with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
        con.execute(
            "insert into publication.pub_cla1 (year, area_code, legal_status_group, measure, value, note_codes) "
            "values (null, 'W06000015', 'total', 'count', 1, '')"
        )
    con.close()
