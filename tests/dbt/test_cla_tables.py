"""Every CLA table (CLA1-CLA9), cell by cell, on the hand-built fixture tests/fixtures/cla_known.

The fixture is ingested as production does it (prepare_year + replace_partition), then
`dbt build` runs (models, data tests and unit tests). The answer key below was worked by
hand from the fixture, child by child (tests/fixtures/README.md explains every child):
who is looked after at 31 March and with what, who started and ceased, who was adopted at
what age, the care leavers' outcomes and the short breaks. The expected value of every
published cell is aggregated from that key; a few headline figures are also written out
in full. Years: 2015-16 (SSDA903 layout, 2 LAs), 2019-20 (LAC, 3 LAs), 2022-23 (CLA, 2
LAs, a transfer) and 2024-25 (CLA, all 22 LAs, so Wales has figures).
"""

import csv
import os
import subprocess
import sys
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
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

LANDING = FIXTURES / "cla_known" / "landing"
RAW_TABLES = ("children", "episodes", "adoptions", "care_leavers")
CLA_TABLES = [f"cla{i}" for i in range(1, 10)]

CARDIFF, SWANSEA, VALE = "W06000015", "W06000011", "W06000014"
ALL_LAS = sorted(welsh_la_codes())
SUBMITTED = {
    "2015-16": [CARDIFF, SWANSEA],
    "2019-20": [CARDIFF, SWANSEA, VALE],
    "2022-23": [CARDIFF, VALE],
    "2024-25": ALL_LAS,
}

# ---- The answer key, worked by hand from the fixture files ----------------------------------

# Looked after at 31 March: (year, LA, child, legal-status group, placement group, sex, age, placements in year)
STOCK = [
    ("2015-16", CARDIFF, "K01", "care_order", "foster_other", "male", 10, 1),
    ("2015-16", CARDIFF, "K02", "care_order", "foster_other", "female", 1, 2),  # L does not count; P does
    ("2015-16", SWANSEA, "S02", "care_order", "foster_relative_friend", "male", 5, 2),  # two periods
    ("2019-20", CARDIFF, "C01", "placement_order", "placed_for_adoption", "male", 7, 3),  # first, P, (L), P
    ("2019-20", CARDIFF, "C04", "voluntary_accommodation", "independent_living", "male", 17, 1),  # 18 on 1 April
    ("2019-20", CARDIFF, "C05", "care_order", "foster_other", "male", 12, 3),  # born 29 Feb 2008
    ("2019-20", CARDIFF, "C06", "care_order", "foster_other", "female", 0, 1),
    ("2019-20", CARDIFF, "C08", "care_order", "foster_other", "female", 11, 1),  # V4 before: removed
    ("2019-20", SWANSEA, "W01", "youth_justice", "residential", "female", 15, 1),
    ("2019-20", SWANSEA, "W02", "care_order", "foster_relative_friend", "male", 0, 4),  # first, B, P, T
    ("2019-20", SWANSEA, "W03", "care_order", "foster_other", "male", 8, 1),  # P on 1 April: no start
    ("2022-23", CARDIFF, "D02", "care_order", "foster_relative_friend", "female", 7, 1),  # F2
    ("2022-23", VALE, "VD1", "care_order", "foster_other", "male", 8, 1),  # transfer in from Cardiff
    ("2022-23", VALE, "V02", "care_order", "foster_relative_friend", "female", 10, 2),
    ("2024-25", VALE, "T1V", "care_order", "foster_other", "male", 10, 1),
    ("2024-25", SWANSEA, "T2", "care_order", "foster_relative_friend", "female", 11, 2),
    ("2024-25", "W06000022", "S1", "care_order", "foster_other", "male", 0, 1),
    ("2024-25", "W06000016", "S2", "voluntary_accommodation", "residential", "female", 15, 1),
    ("2024-25", "W06000003", "P1", "placement_order", "foster_other", "female", 13, 3),  # first, P, (L), T
    ("2024-25", "W06000002", "P2", "placement_order", "foster_other", "male", 15, 2),  # first, (L), U
]
# 2024-25: each LA's base child B1 (make_2024_25.py): sex, age, legal-status group, placement group; 1 placement.
BASE_2024 = {
    "W06000001": ("male", 2, "care_order", "foster_relative_friend"),  # C2, F1
    "W06000002": ("female", 3, "care_order", "foster_other"),  # C2, F5
    "W06000003": ("male", 4, "voluntary_accommodation", "foster_other"),  # V2, F5
    "W06000004": ("female", 5, "care_order", "residential"),  # C2, K2
    "W06000005": ("male", 6, "care_order", "foster_other"),  # C2, F5
    "W06000006": ("female", 7, "placement_order", "placed_for_adoption"),  # E1, A5
    "W06000023": ("male", 8, "care_order", "foster_relative_friend"),  # C2, F2
    "W06000008": ("female", 9, "care_order", "foster_other"),  # C2, F5
    "W06000009": ("male", 10, "voluntary_accommodation", "placed_with_parents"),  # V2, P1
    "W06000010": ("female", 11, "care_order", "foster_other"),  # C2, F5
    "W06000011": ("male", 12, "care_order", "residential"),  # C2, K2
    "W06000012": ("female", 13, "youth_justice", "residential"),  # J1, K1
    "W06000013": ("male", 14, "care_order", "foster_other"),  # C2, F5
    "W06000014": ("female", 15, "care_order", "foster_other"),  # C2, F4
    "W06000015": ("male", 16, "voluntary_accommodation", "independent_living"),  # V2, P2
    "W06000016": ("female", 17, "care_order", "residential"),  # C2, H5
    "W06000024": ("male", 2, "care_order", "foster_other"),  # C2, F5
    "W06000018": ("female", 5, "care_order", "foster_relative_friend"),  # C2, F3
    "W06000019": ("male", 9, "care_order", "other"),  # C1, Z1
    "W06000020": ("female", 10, "care_order", "foster_other"),  # C2, F5
    "W06000021": ("male", 15, "care_order", "foster_other"),  # C2, F6
    "W06000022": ("female", 16, "care_order", "foster_other"),  # C2, F5
}
STOCK += [("2024-25", la, "B1", ls, pl, sex, age, 1) for la, (sex, age, ls, pl) in BASE_2024.items()]

# Started in the year: (year, LA, child, category counted in the LA's row, category counted in Wales or None)
STARTS = [
    ("2015-16", CARDIFF, "K02", "N1", "N1"),
    ("2015-16", SWANSEA, "S02", "N4", "N4"),  # two starts: the first counts
    ("2019-20", CARDIFF, "C02", "N4", "N4"),
    ("2019-20", CARDIFF, "C05", "N1", "N1"),  # two starts: N1 then N8
    ("2019-20", CARDIFF, "C06", "N1", "N1"),
    ("2019-20", CARDIFF, "C08", "N1", "N1"),  # after a V4 short-break agreement
    ("2019-20", SWANSEA, "W02", "N1", "N1"),
    ("2019-20", VALE, "V01", "N3", "N3"),
    ("2022-23", CARDIFF, "D02", "N2", "N2"),
    ("2022-23", VALE, "VD1", "N1", None),  # transfer in from Cardiff
    ("2022-23", VALE, "V02", "N4", "N5"),  # transfer in (N4), later genuine start (N5)
    ("2024-25", "W06000002", "P2", "N1", "N1"),
    ("2024-25", "W06000022", "S1", "N1", "N1"),
    ("2024-25", "W06000016", "S2", "N6", "N6"),
    ("2024-25", SWANSEA, "T2", "N4", "N5"),  # transfer in from NPT, later genuine start
    ("2024-25", VALE, "T1V", "N1", None),  # transfer in from Cardiff
]

# Ceased in the year, counted once by the last cease: (year, LA, child, ceased group)
CEASES = [
    ("2015-16", CARDIFF, "K03", "returned_home"),
    ("2015-16", CARDIFF, "K04", "adopted"),
    ("2015-16", SWANSEA, "S01", "independent_living"),  # E5 on the 18th birthday
    ("2015-16", SWANSEA, "S02", "returned_home"),
    ("2019-20", CARDIFF, "C02", "returned_home"),  # ends on the census date
    ("2019-20", CARDIFF, "C03", "when_i_am_ready"),  # E10 at 18
    ("2019-20", CARDIFF, "C05", "child_arrangements_order"),
    ("2019-20", CARDIFF, "C09", "adopted"),
    ("2019-20", CARDIFF, "C10", "adopted"),
    ("2019-20", SWANSEA, "W04", "other"),  # E9
    ("2019-20", VALE, "V01", "returned_home"),
    ("2022-23", CARDIFF, "D01", "transferred"),  # E3 to the Vale
    ("2022-23", CARDIFF, "D03", "adopted"),
    ("2022-23", VALE, "V02", "returned_home"),
    ("2024-25", "W06000001", "G1", "special_guardianship"),
    ("2024-25", "W06000008", "X1C", "transferred"),  # E7
    ("2024-25", SWANSEA, "T2", "returned_home"),
    ("2024-25", "W06000012", "T2N", "transferred"),  # E3 to Swansea
    ("2024-25", "W06000013", "A1", "adopted"),
    ("2024-25", CARDIFF, "T1", "transferred"),  # E3 to the Vale
    ("2024-25", "W06000020", "A2", "adopted"),
    ("2024-25", "W06000020", "A3", "adopted"),
]

# Adopted (last episode ended E11/E12): (year, LA, child, age in completed years on that date)
ADOPTIONS = [
    ("2015-16", CARDIFF, "K04", 3),
    ("2019-20", CARDIFF, "C09", 3),
    ("2019-20", CARDIFF, "C10", 6),
    ("2022-23", CARDIFF, "D03", 2),  # born 29 Feb 2020, adopted 28 Feb 2023: 2, not 3
    ("2024-25", "W06000013", "A1", 4),  # born 29 Feb 2020, adopted 28 Feb 2025: 4, not 5
    ("2024-25", "W06000020", "A2", 1),
    ("2024-25", "W06000020", "A3", 6),  # the day before the 7th birthday
]

# Care leavers: (year, LA, id, in touch, suitable accommodation, in education, training or employment)
CARE_LEAVERS = [
    ("2015-16", CARDIFF, "CL1", True, True, True),  # Y, Y, F3
    ("2015-16", CARDIFF, "CL2", True, False, False),  # Y, N, G5
    ("2015-16", CARDIFF, "CL3", False, False, False),  # N
    ("2019-20", CARDIFF, "L1", True, True, True),  # Y, Y, P2
    ("2019-20", CARDIFF, "L2", True, True, False),  # Y, Y, G6
    ("2019-20", CARDIFF, "L3", False, False, False),  # R (refused)
    ("2019-20", CARDIFF, "L4", True, False, True),  # Y, N, F1
    ("2019-20", SWANSEA, "L5", False, False, False),  # N
    ("2022-23", CARDIFF, "L6", True, True, True),  # Y, Y, F4
    ("2022-23", CARDIFF, "L7", True, False, True),  # Y, N, P5
    ("2024-25", "W06000005", "L11", True, True, True),  # Y, Y, P1
    ("2024-25", "W06000006", "L8", True, True, True),  # Y, Y, F2
    ("2024-25", "W06000006", "L9", True, False, False),  # Y, N, G4
    ("2024-25", "W06000006", "L10", False, False, False),  # N
    ("2024-25", "W06000023", "L12", False, False, False),  # R
]

# Short breaks (V3/V4 open in the year): (year, LA, child)
SHORT_BREAKS = [
    ("2015-16", CARDIFF, "K05"),
    ("2019-20", CARDIFF, "C07"),
    ("2019-20", CARDIFF, "C08"),
    ("2022-23", CARDIFF, "D04"),
    ("2024-25", "W06000004", "SB2"),
    ("2024-25", "W06000021", "SB1"),
]


# ---- Expected cells, aggregated from the key ------------------------------------------------


def age_group(age: int) -> str:
    if age < 1:
        return "under_1"
    if age <= 4:
        return "1_to_4"
    if age <= 9:
        return "5_to_9"
    if age <= 15:
        return "10_to_15"
    return "16_to_17"


def _in_area(rows: list[tuple], year: str, area: str) -> list[tuple]:
    return [r for r in rows if r[0] == year and (area == WALES or r[1] == area)]


def _with_total(keys: list[str]) -> Counter:
    c = Counter((k,) for k in keys)
    c[("total",)] = len(keys)
    return c


def counts(table_id: str, year: str, area: str) -> Counter:
    """Count of each cell (keys tuple) of a table for one area with figures."""
    stock = _in_area(STOCK, year, area)
    if table_id == "cla1":
        return _with_total([r[3] for r in stock])
    if table_id == "cla2":
        return _with_total([r[4] for r in stock])
    if table_id == "cla3":
        c = Counter()
        for r in stock:
            for sex in (r[5], "total"):
                for group in (age_group(r[6]), "total"):
                    c[(sex, group)] += 1
        return c
    if table_id == "cla4":
        column = 4 if area == WALES else 3
        return _with_total([r[column] for r in _in_area(STARTS, year, area) if r[column] is not None])
    if table_id == "cla5":
        return _with_total([r[3] for r in _in_area(CEASES, year, area)])
    if table_id == "cla6":
        return _with_total([age_group(r[3]) for r in _in_area(ADOPTIONS, year, area)])
    if table_id == "cla7":
        leavers = _in_area(CARE_LEAVERS, year, area)
        return Counter(
            {
                ("total",): len(leavers),
                ("in_touch",): sum(r[3] for r in leavers),
                ("suitable_accommodation",): sum(r[4] for r in leavers),
                ("education_training_employment",): sum(r[5] for r in leavers),
            }
        )
    if table_id == "cla8":
        return Counter({("total",): len(stock), ("3_or_more",): sum(r[7] >= 3 for r in stock)})
    if table_id == "cla9":
        return Counter({(): len(_in_area(SHORT_BREAKS, year, area))})
    raise KeyError(table_id)


def half_up(numerator: Decimal, denominator: Decimal) -> Decimal:
    return (numerator / denominator).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def population(gss: str, mid_year: int) -> int | None:
    with (DBT_PROJECT_DIR / "seeds/reference/population_0_17.csv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if r["gss_code"] == gss and int(r["mid_year"]) == mid_year:
                return int(r["population_0_17"])
    return None


def expected_value(table_id: str, year: str, area: str, keys: tuple, measure: str) -> tuple[Decimal | None, str]:
    wales_has_figures = set(SUBMITTED[year]) == set(ALL_LAS)
    if (area == WALES and not wales_has_figures) or (area != WALES and area not in SUBMITTED[year]):
        return None, "[x]"
    c = counts(table_id, year, area)
    if measure == "count":
        return Decimal(c[keys]), ""
    if measure == "rate_per_10000":
        pop = population(area, int(year[:4]))
        return (None, "[x]") if pop is None else (half_up(Decimal(c[("total",)]) * 10000, Decimal(pop)), "")
    if measure == "percent":
        total = c[("total",)]
        return (None, "[z]") if total == 0 else (half_up(Decimal(c[keys]) * 100, Decimal(total)), "")
    if measure == "median_age":
        ages = sorted(r[3] for r in _in_area(ADOPTIONS, year, area))
        if not ages:
            return None, "[z]"
        middle = ages[(len(ages) - 1) // 2 : len(ages) // 2 + 1]
        return half_up(Decimal(sum(middle)), Decimal(len(middle))), ""
    raise KeyError(measure)


# ---- Build ------------------------------------------------------------------------------------


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
    path = tmp_path_factory.mktemp("cla_known") / "warehouse.duckdb"
    con = connect(path)
    ensure_raw_tables(con, "cla")
    ensure_raw_tables(con, "crcs")  # the CRCS models build too (on no rows)
    for label in SUBMITTED:
        prepared = prepare_year(LANDING, "cla", CollectionYear.parse(label), TEST_KEY, welsh_la_codes(), RAW_TABLES)
        assert sorted(prepared.returns) == sorted(SUBMITTED[label])
        replace_partition(con, "cla", label, prepared.returns, {t: prepared.table(t) for t in RAW_TABLES}, [])
    con.close()
    result = _dbt(["build"], path)
    assert result.returncode == 0, result.stdout[-4000:]
    assert " ERROR=0 " in result.stdout
    return path


@pytest.fixture(scope="module")
def published(warehouse) -> dict[str, dict[tuple, tuple]]:
    """table id -> {(year, area, *keys, measure): (value, note_codes)}."""
    con = duckdb.connect(str(warehouse), read_only=True)
    out = {}
    for table_id in CLA_TABLES:
        frame = read_publication_table(con, table_id, list(SUBMITTED))
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


# ---- Tests ------------------------------------------------------------------------------------


@pytest.mark.parametrize("table_id", CLA_TABLES)
def test_every_cell_matches_the_hand_worked_answer(published, table_id):
    cells = published[table_id]
    wrong = []
    for year in SUBMITTED:
        shape = {(year, *cell) for cell in expected_cells(table_id)}
        assert {k for k in cells if k[0] == year} == shape, f"{table_id} {year}: not the published shape"
        for year_, area, *keys, measure in sorted(shape):
            expected = expected_value(table_id, year_, area, tuple(keys), measure)
            if cells[(year_, area, *keys, measure)] != expected:
                wrong.append(((year_, area, *keys, measure), cells[(year_, area, *keys, measure)], expected))
    assert wrong == [], f"{len(wrong)} cells differ (got, expected), e.g. {wrong[:5]}"


def _cell(published, table_id, year, area, *keys_and_measure):
    return published[table_id][(year, area, *keys_and_measure)]


def test_wales_2024_25_headlines_written_out(published):
    y, w = "2024-25", WALES
    n = Decimal
    # CLA1 / CLA2: 22 base children and 6 more open on 31 March.
    assert _cell(published, "cla1", y, w, "total", "count") == (n(28), "")
    assert _cell(published, "cla1", y, w, "care_order", "count") == (n(20), "")
    assert _cell(published, "cla2", y, w, "foster_other", "count") == (n(15), "")
    assert _cell(published, "cla2", y, w, "residential", "count") == (n(5), "")
    # CLA3: Wales only, every cell of the sex x age-group grid.
    grid = {
        "male": [14, 1, 3, 3, 6, 1],
        "female": [14, 0, 1, 4, 7, 2],
        "other": [0, 0, 0, 0, 0, 0],
        "total": [28, 1, 4, 7, 13, 3],
    }
    for sex, values in grid.items():
        for group, value in zip(TABLES["cla3"].keys["age_group"], values, strict=True):
            assert _cell(published, "cla3", y, w, sex, group, "count") == (n(value), ""), (sex, group)
    # CLA4: the two transfers in count in the Vale (N1) and Swansea (N4) but not in Wales;
    # Swansea's later genuine start counts in Wales with its own category (N5).
    assert _cell(published, "cla4", y, w, "total", "count") == (n(4), "")
    assert _cell(published, "cla4", y, w, "N1", "count") == (n(2), "")
    assert _cell(published, "cla4", y, w, "N4", "count") == (n(0), "")
    assert _cell(published, "cla4", y, w, "N5", "count") == (n(1), "")
    assert _cell(published, "cla4", y, VALE, "N1", "count") == (n(1), "")
    assert _cell(published, "cla4", y, SWANSEA, "N4", "count") == (n(1), "")
    # CLA5: both E3 transfers out and the E7 count as transferred, in their LAs and in Wales.
    assert _cell(published, "cla5", y, w, "total", "count") == (n(8), "")
    assert _cell(published, "cla5", y, w, "transferred", "count") == (n(3), "")
    assert _cell(published, "cla5", y, CARDIFF, "transferred", "count") == (n(1), "")
    # CLA6: ages 4 (leap-day birthday), 1 and 6: median 4.0; Torfaen 1 and 6: 3.5.
    assert _cell(published, "cla6", y, w, "total", "median_age") == (n("4.0"), "")
    assert _cell(published, "cla6", y, "W06000013", "1_to_4", "count") == (n(1), "")
    assert _cell(published, "cla6", y, "W06000020", "total", "median_age") == (n("3.5"), "")
    assert _cell(published, "cla6", y, CARDIFF, "total", "median_age") == (None, "[z]")
    # CLA7: 5 care leavers, 3 in touch (60.0%), 2 suitable (40.0%), 2 EET (40.0%).
    assert _cell(published, "cla7", y, w, "total", "count") == (n(5), "")
    assert _cell(published, "cla7", y, w, "in_touch", "percent") == (n("60.0"), "")
    assert _cell(published, "cla7", y, "W06000006", "in_touch", "percent") == (n("66.7"), "")
    assert _cell(published, "cla7", y, CARDIFF, "in_touch", "percent") == (None, "[z]")
    # CLA8: one child (Conwy) with 3 placements of 28: 3.6%.
    assert _cell(published, "cla8", y, w, "3_or_more", "percent") == (n("3.6"), "")
    assert _cell(published, "cla8", y, "W06000003", "3_or_more", "percent") == (n("50.0"), "")
    # CLA9
    assert _cell(published, "cla9", y, w, "count") == (n(2), "")


def test_earlier_years_headlines_written_out(published):
    n = Decimal
    # LAC era: two adoptions aged 3 and 6, median 4.5; 2 of 5 with three or more placements.
    assert _cell(published, "cla6", "2019-20", CARDIFF, "total", "median_age") == (n("4.5"), "")
    assert _cell(published, "cla8", "2019-20", CARDIFF, "3_or_more", "percent") == (n("40.0"), "")
    assert _cell(published, "cla8", "2019-20", VALE, "3_or_more", "percent") == (None, "[z]")
    # A P episode starting on 1 April continues last year's period: Swansea has one start (W02).
    assert _cell(published, "cla4", "2019-20", SWANSEA, "total", "count") == (n(1), "")
    # CLA era: born 29 February 2020, adopted 28 February 2023: aged 2.
    assert _cell(published, "cla6", "2022-23", CARDIFF, "total", "median_age") == (n("2.0"), "")
    assert _cell(published, "cla4", "2022-23", VALE, "total", "count") == (n(2), "")
    # SSDA903 layout: care leavers 2 of 3 in touch.
    assert _cell(published, "cla7", "2015-16", CARDIFF, "in_touch", "percent") == (n("66.7"), "")
    # Wales is [x] whenever an LA did not submit.
    for table_id in CLA_TABLES:
        for (year, area, *_rest), (value, notes) in published[table_id].items():
            if year != "2024-25" and area == WALES:
                assert (value, notes) == (None, "[x]"), (table_id, year)


@pytest.mark.parametrize("table_id", CLA_TABLES)
def test_statswales_files_read_back(warehouse, tmp_path, table_id):
    con = duckdb.connect(str(warehouse), read_only=True)
    frame = read_publication_table(con, table_id, list(SUBMITTED))
    con.close()
    for year in SUBMITTED:
        path = tmp_path / f"{table_id}_{year}.csv"
        write_long_csv(path, frame[frame["year"] == year], TABLES[table_id].dimensions)
        assert verify_statswales_file(path, table_id, year) == []
