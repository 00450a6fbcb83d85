"""The baseline of `make bench` is right: its plain DuckDB SQL (benchmarks/plain_sql.py) gives the
hand-checked CLA1 and CRCS1 answers of tests/fixtures/cla_known and crcs_known (every era, every LA
that sent a return, Wales when all 22 did, the rates), straight from the landing files."""

import csv
from decimal import Decimal

from benchmarks.plain_sql import plain_cells
from orchestration.lib.publication import TABLES
from orchestration.lib.reference import WALES
from tests.conftest import FIXTURES
from tests.dbt.test_cla_tables import SUBMITTED, counts, half_up, population


def _by_cell(cells: list[list], table: str) -> dict[tuple[str, str, str, str], Decimal]:
    return {(y, a, k, m): Decimal(v) for t, y, a, k, m, v in cells if t == table}


def test_cla1_gives_the_hand_checked_answers_of_cla_known():
    cells, seconds = plain_cells(FIXTURES / "cla_known" / "landing")
    expected = {}
    for year, las in SUBMITTED.items():  # SSDA903 (DD/MM/YYYY, CHILD/DECOM/LS…), LAC and CLA layouts
        for area in [*las, *([WALES] if len(las) == 22 else [])]:
            n = counts("cla1", year, area)
            for key in TABLES["cla1"].keys["legal_status_group"]:
                expected[(year, area, key, "count")] = Decimal(n[(key,)])
            pop = population(area, int(year[:4]))
            if pop:  # no figure for mid-2022: 2022-23 has no rate
                rate = half_up(Decimal(n[("total",)]) * 10000, Decimal(pop))
                expected[(year, area, "total", "rate_per_10000")] = rate
    got = _by_cell(cells, "cla1")
    assert got == expected
    # written out in full (tests/fixtures/README.md): Wales 2024-25 and Cardiff 2019-20
    assert got[("2024-25", WALES, "total", "count")] == 28
    assert got[("2024-25", WALES, "care_order", "count")] == 20
    assert got[("2019-20", "W06000015", "total", "count")] == 5
    assert ("2019-20", WALES, "total", "count") not in got  # only 3 LAs sent a return
    assert not _by_cell(cells, "crcs1") and seconds > 0


def test_crcs1_gives_the_hand_checked_answers_of_crcs_known():
    cells, _ = plain_cells(FIXTURES / "crcs_known" / "landing")
    expected, cla_counts = {}, {}
    with (FIXTURES / "crcs_known" / "expected.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            if r["value"] == "":  # [x] or [z]: no figure, and none from the plain SQL either
                continue
            if r["table"] == "crcs1":
                expected[(r["year"], r["area_code"], r["keys"].removeprefix("status="), r["measure"])] = Decimal(
                    r["value"]
                )
            elif r["table"] == "rec1" and r["measure"] == "cla_count":
                cla_counts[(r["year"], r["area_code"], "total", "count")] = Decimal(r["value"])
    assert len(expected) > 100
    assert _by_cell(cells, "crcs1") == expected  # CIN (2013-14), snapshot (2019-20) and all-year (2024-25)
    # the CLA returns copied into crcs_known give REC1's cla_count as their CLA1 totals
    cla1 = _by_cell(cells, "cla1")
    assert {k: cla1[k] for k in cla_counts} == cla_counts and len(cla_counts) == 23 + 3


def test_one_return_alone():
    landing = FIXTURES / "crcs_known" / "landing"
    cells, _ = plain_cells(landing, years=["2024-25"], las=["W06000015"])
    everything = [c for c in plain_cells(landing)[0] if c[1] == "2024-25" and c[2] == "W06000015"]
    assert cells == everything and {c[0] for c in cells} == {"cla1", "crcs1"}
    cla_only, _ = plain_cells(landing, years=["2024-25"], las=["W06000015"], censuses=("cla",))
    assert cla_only == [c for c in cells if c[0] == "cla1"]
