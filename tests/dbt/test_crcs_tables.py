"""Every CRCS table (CRCS1-CRCS8) and REC1, cell by cell, on the hand-built fixture tests/fixtures/crcs_known.

The fixture is ingested as production does it (prepare_year + replace_partition, both
censuses), then one `dbt build` runs (models, data tests and unit tests). The expected value of
every published cell is in tests/fixtures/crcs_known/expected.csv, aggregated by answer_key.py
from a child-by-child key worked out by hand (tests/fixtures/README.md explains every row).
Years: 2013-14 (CIN layout, 2 LAs), 2019-20 (CRCS snapshot, 3 LAs, with the CLA returns of
cla_known for REC1) and 2024-25 (all-year, all 22 LAs, so Wales has figures; CLA for REC1).
"""

import csv
import importlib.util
import json
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.ingest import prepare_year
from orchestration.lib.outputs.statswales import write_long_csv
from orchestration.lib.publication import TABLES, expected_cells, read_publication_table, verify_statswales_file
from orchestration.lib.reference import WALES, welsh_la_codes
from orchestration.lib.warehouse import connect, ensure_raw_tables, replace_partition
from orchestration.lib.years import CollectionYear
from orchestration.paths import DBT_PROJECT_DIR
from tests.conftest import FIXTURES, TEST_KEY

FIXTURE = FIXTURES / "crcs_known"
LANDING = FIXTURE / "landing"
CRCS_TABLES = [f"crcs{i}" for i in range(1, 9)] + ["rec1"]
CLA_RAW_TABLES = ("children", "episodes", "adoptions", "care_leavers")
CARDIFF, SWANSEA, VALE, NEWPORT = "W06000015", "W06000011", "W06000014", "W06000022"
ALL_LAS = sorted(welsh_la_codes())
CRCS_SUBMITTED = {"2013-14": [CARDIFF, SWANSEA], "2019-20": [CARDIFF, SWANSEA, VALE], "2024-25": ALL_LAS}
CLA_SUBMITTED = {"2019-20": [CARDIFF, SWANSEA, VALE], "2024-25": ALL_LAS}
YEARS = list(CRCS_SUBMITTED)


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
def warehouse(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("crcs_known") / "warehouse.duckdb"
    con = connect(path)
    ensure_raw_tables(con, "cla")
    ensure_raw_tables(con, "crcs")
    for census, submitted, tables in (
        ("crcs", CRCS_SUBMITTED, ("children",)),
        ("cla", CLA_SUBMITTED, CLA_RAW_TABLES),
    ):
        for label, las in submitted.items():
            prepared = prepare_year(LANDING, census, CollectionYear.parse(label), TEST_KEY, welsh_la_codes(), None)
            assert sorted(prepared.returns) == sorted(las), (census, label)
            replace_partition(con, census, label, prepared.returns, {t: prepared.table(t) for t in tables}, [])
    con.close()
    result = _dbt(["build"], path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " ERROR=0 " in result.stdout
    return path


def _read(warehouse: Path) -> dict[str, dict[tuple, tuple]]:
    """table id -> {(year, area, *keys, measure): (value, note_codes)}."""
    con = duckdb.connect(str(warehouse), read_only=True)
    out = {}
    for table_id in CRCS_TABLES:
        frame = read_publication_table(con, table_id, YEARS)
        dims = TABLES[table_id].dimensions
        out[table_id] = {
            (r["year"], r["area_code"], *(r[d] for d in dims), r["measure"]): (
                None if r["value"] is None or r["value"] != r["value"] else Decimal(str(r["value"])),
                r["note_codes"],
            )
            for r in frame.to_dict("records")
        }
    con.close()
    return out


@pytest.fixture(scope="module")
def published(warehouse) -> dict[str, dict[tuple, tuple]]:
    return _read(warehouse)


def _expected() -> dict[str, dict[tuple, tuple]]:
    out: dict[str, dict[tuple, tuple]] = {t: {} for t in CRCS_TABLES}
    with (FIXTURE / "expected.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            keys = [k.split("=", 1)[1] for k in r["keys"].split("|")] if r["keys"] else []
            value = Decimal(r["value"]) if r["value"] else None
            out[r["table"]][(r["year"], r["area_code"], *keys, r["measure"])] = (value, r["note_codes"])
    return out


EXPECTED = _expected()


def test_expected_file_is_the_answer_key_aggregated():
    spec = importlib.util.spec_from_file_location("crcs_answer_key", FIXTURE / "answer_key.py")
    key = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(key)
    with (FIXTURE / "expected.csv").open(encoding="utf-8", newline="") as f:
        assert list(csv.DictReader(f)) == key.expected_rows(), "rerun answer_key.py"


@pytest.mark.parametrize("table_id", CRCS_TABLES)
def test_expected_file_has_the_published_shape(table_id):
    for year in YEARS:
        shape = {(year, *cell) for cell in expected_cells(table_id)}
        assert {k for k in EXPECTED[table_id] if k[0] == year} == shape, (table_id, year)


@pytest.mark.parametrize("table_id", CRCS_TABLES)
def test_every_cell_matches_the_hand_worked_answer(published, table_id):
    cells, expected = published[table_id], EXPECTED[table_id]
    assert set(cells) == set(expected), f"{table_id}: not the published shape"
    wrong = [(k, cells[k], expected[k]) for k in sorted(expected) if cells[k] != expected[k]]
    assert wrong == [], f"{len(wrong)} cells differ (got, expected), e.g. {wrong[:5]}"


def _cell(published, table_id, year, area, *keys_and_measure):
    return published[table_id][(year, area, *keys_and_measure)]


def test_snapshot_rule_and_unborn_written_out(published):
    n = Decimal
    # CIN 2013-14 Cardiff: A1 (referral 1 January, looked after and on the register) counts as
    # looked_after; A2 (2 January) does not; A3 is on the register; A4 is unborn, outside total.
    assert _cell(published, "crcs1", "2013-14", CARDIFF, "total", "count") == (n(2), "")
    assert _cell(published, "crcs1", "2013-14", CARDIFF, "looked_after", "count") == (n(1), "")
    assert _cell(published, "crcs1", "2013-14", CARDIFF, "child_protection_register", "count") == (n(1), "")
    assert _cell(published, "crcs1", "2013-14", CARDIFF, "unborn", "count") == (n(1), "")
    assert _cell(published, "crcs1", "2013-14", CARDIFF, "total", "rate_per_10000") == (None, "[x]")  # no mid-2013
    assert _cell(published, "crcs2", "2013-14", CARDIFF, "total", "count") == (n(2), "")
    # CIN: no mental health question: [z] whether or not the LA submitted.
    assert _cell(published, "crcs6", "2013-14", CARDIFF, "mental_health", "count") == (None, "[z]")
    assert _cell(published, "crcs6", "2013-14", "W06000001", "mental_health", "percent") == (None, "[z]")
    assert _cell(published, "crcs6", "2013-14", "W06000001", "total", "count") == (None, "[x]")
    # CRCS8 does not exist before 2023-24.
    assert _cell(published, "crcs8", "2019-20", CARDIFF, "closed", "total", "count") == (None, "[z]")
    # 2024-25, Cardiff: X1's two plans count once, with the later plan (N4, on the register, LD);
    # X2 (1 January) counts, X3 (2 January) does not but its plan started in the year.
    assert _cell(published, "crcs1", "2024-25", CARDIFF, "total", "count") == (n(3), "")
    assert _cell(published, "crcs2", "2024-25", CARDIFF, "N4", "count") == (n(2), "")
    assert _cell(published, "crcs2", "2024-25", CARDIFF, "N1", "count") == (n(0), "")
    assert _cell(published, "crcs4", "2024-25", CARDIFF, "MOB", "count") == (n(0), "")
    assert _cell(published, "crcs4", "2024-25", CARDIFF, "LD", "count") == (n(1), "")
    assert _cell(published, "crcs8", "2024-25", CARDIFF, "started", "total", "count") == (n(3), "")
    # Swansea: Y1 closed on 31 March is not open; Y2's closed plan counts as closed (RC5).
    assert _cell(published, "crcs1", "2024-25", SWANSEA, "total", "count") == (n(2), "")
    assert _cell(published, "crcs8", "2024-25", SWANSEA, "closed", "RC7", "count") == (n(1), "")
    assert _cell(published, "crcs8", "2024-25", SWANSEA, "started", "RC7", "count") == (None, "[z]")
    # Newport: U1 unborn (not in total nor in CRCS8), U2's closed plan left out of CRCS8.
    assert _cell(published, "crcs1", "2024-25", NEWPORT, "unborn", "count") == (n(1), "")
    assert _cell(published, "crcs1", "2024-25", NEWPORT, "total", "count") == (n(1), "")
    assert _cell(published, "crcs8", "2024-25", NEWPORT, "closed", "total", "count") == (n(0), "")


def test_wales_2024_25_headlines_written_out(published):
    y, w, n = "2024-25", WALES, Decimal
    assert _cell(published, "crcs1", y, w, "total", "count") == (n(26), "")
    assert _cell(published, "crcs1", y, w, "looked_after", "count") == (n(14), "")
    assert _cell(published, "crcs1", y, w, "child_protection_register", "count") == (n(4), "")
    assert _cell(published, "crcs1", y, w, "neither", "count") == (n(8), "")
    assert _cell(published, "crcs1", y, w, "unborn", "count") == (n(1), "")
    assert _cell(published, "crcs2", y, w, "N1", "percent") == (n("34.6"), "")  # 9 of 26
    assert _cell(published, "crcs3", y, w, "male", "10_to_15", "count") == (n(6), "")
    assert _cell(published, "crcs4", y, w, "total", "percent") == (n("38.5"), "")  # 10 of 26
    assert _cell(published, "crcs8", y, w, "started", "total", "count") == (n(6), "")
    assert _cell(published, "crcs8", y, w, "closed", "total", "count") == (n(8), "")
    # REC1: 14 looked after in CRCS against 28 in CLA (children who came into care after
    # 1 January, and the CLA fixture's own children).
    assert _cell(published, "rec1", y, w, "crcs_count") == (n(14), "")
    assert _cell(published, "rec1", y, w, "cla_count") == (n(28), "")
    assert _cell(published, "rec1", y, w, "difference") == (n(-14), "")
    # Before 2024-25 every Wales cell is [x], or [z] where the table or key does not exist.
    for table_id in CRCS_TABLES:
        for (year, area, *_rest), (value, notes) in published[table_id].items():
            if year != y and area == w:
                assert value is None and notes in ("[x]", "[z]"), (table_id, year)


def test_crcs_models_build_on_their_own_after_cla(warehouse, published):
    """The CRCS asset's selection (tag:crcs) rebuilds one year alone and changes nothing."""
    result = _dbt(
        [
            "build",
            "--select",
            "tag:crcs",
            "--exclude-resource-type",
            "unit_test",
            "--vars",
            json.dumps({"year_from": "2024-25", "year_to": "2024-25"}),
        ],
        warehouse,
    )
    assert result.returncode == 0, result.stdout[-3000:]
    assert "publication.pub_cla1 " not in result.stdout  # CLA models are not rebuilt
    assert _read(warehouse) == published


@pytest.mark.parametrize("table_id", CRCS_TABLES)
def test_statswales_files_read_back(published, warehouse, tmp_path, table_id):
    con = duckdb.connect(str(warehouse), read_only=True)
    frame = read_publication_table(con, table_id, YEARS)
    con.close()
    for year in YEARS:
        path = tmp_path / f"{table_id}_{year}.csv"
        write_long_csv(path, frame[frame["year"] == year], TABLES[table_id].dimensions)
        assert verify_statswales_file(path, table_id, year) == []
