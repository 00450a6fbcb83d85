"""The CRCS Great Expectations gates, through their SQL (orchestration/lib/gates.py) on a small
publication schema in DuckDB: good tables pass; wrong status shares, statuses that do not sum to the
total, a reconciliation beyond its threshold and a wrong difference each fail."""

import duckdb
import pandas as pd
import pytest

from orchestration.lib import gates
from orchestration.lib.expectations import run_suite
from orchestration.lib.reference import WALES, area_order

LAS = [a for a in area_order() if a != WALES]


def _crcs1_rows(year: str, la_counts: dict[str, tuple[int, int, int]]) -> list[tuple]:
    rows = []
    wales = [0, 0, 0]
    for la in LAS:
        la_, cpr, neither = la_counts.get(la, (40, 15, 45))
        wales = [wales[0] + la_, wales[1] + cpr, wales[2] + neither]
        rows += _area(year, la, la_, cpr, neither)
    return rows + _area(year, WALES, *wales)


def _area(year, area, la_, cpr, neither):
    counts = {"looked_after": la_, "child_protection_register": cpr, "neither": neither}
    counts["total"] = la_ + cpr + neither
    counts["unborn"] = 1
    return [(year, area, status, "count", str(n), "") for status, n in counts.items()]


def _rec1_rows(year: str, crcs_la: int = 40, cla_la: int = 42, bad_difference: bool = False, one_la=False):
    """Every LA crcs_la vs cla_la (or, with one_la, only Cardiff; the others agree at 40); Wales the sum."""
    counts = {la: (crcs_la, cla_la) if (not one_la or la == "W06000015") else (40, 40) for la in LAS}
    counts[WALES] = (sum(c for c, _ in counts.values()), sum(c for _, c in counts.values()))
    rows = []
    for area in area_order():
        crcs, cla = counts[area]
        diff = crcs - cla + (5 if bad_difference and area == WALES else 0)
        rows += [
            (year, area, "crcs_count", str(crcs), ""),
            (year, area, "cla_count", str(cla), ""),
            (year, area, "difference", str(diff), ""),
        ]
    return rows


def _con(crcs1: list[tuple], rec1: list[tuple]) -> duckdb.DuckDBPyConnection:
    con = duckdb.connect()
    con.execute("create schema publication")
    c = pd.DataFrame(crcs1, columns=["year", "area_code", "status", "measure", "value", "note_codes"])  # noqa: F841
    r = pd.DataFrame(rec1, columns=["year", "area_code", "measure", "value", "note_codes"])  # noqa: F841
    # value as the models' contract has it: decimal(18,1), NULL when a note code hides it
    value = "cast(nullif(value, '') as decimal(18,1)) as value"
    con.execute(
        f"create table publication.pub_crcs1 as select year, area_code, status, measure, {value}, note_codes from c"
    )
    con.execute(f"create table publication.pub_rec1 as select year, area_code, measure, {value}, note_codes from r")
    return con


def _crcs1_result(con):
    return run_suite("pub_crcs1", gates.crcs1_gate_frame(con), {"area_codes": area_order()})


def _rec1_result(con):
    return run_suite("pub_rec1", gates.rec1_gate_frame(con), {"area_codes": area_order()})


def test_good_crcs1_and_rec1_pass():
    con = _con(_crcs1_rows("2019-20", {}) + _crcs1_rows("2020-21", {}), _rec1_rows("2020-21"))
    frame = gates.crcs1_gate_frame(con)
    assert len(frame) == 2 * 23 * 3  # year x area x the three statuses; unborn and total are not rows
    assert _crcs1_result(con).success
    assert _rec1_result(con).success
    yoy = frame[frame.status == "looked_after"]
    assert run_suite("fct_crcs_year_on_year", yoy, {}).success


def test_status_share_out_of_bounds_fails():
    # One LA with almost everyone looked after: share 0.95 > 0.85
    con = _con(_crcs1_rows("2020-21", {"W06000015": (95, 2, 3)}), _rec1_rows("2020-21"))
    result = _crcs1_result(con)
    assert not result.success
    assert {f["type"] for f in result.failed} == {"expect_column_pair_values_a_to_be_greater_than_b"}


def test_statuses_not_summing_to_total_fails():
    rows = _crcs1_rows("2020-21", {})
    rows = [(y, a, s, m, str(int(v) + 1) if (a == "W06000001" and s == "total") else v, n) for y, a, s, m, v, n in rows]
    result = _crcs1_result(_con(rows, _rec1_rows("2020-21")))
    assert "expect_column_pair_values_to_be_equal" in {f["type"] for f in result.failed}


def test_year_on_year_jump_warns():
    con = _con(_crcs1_rows("2019-20", {}) + _crcs1_rows("2020-21", {"W06000015": (80, 30, 90)}), _rec1_rows("2020-21"))
    frame = gates.crcs1_gate_frame(con)
    result = run_suite("fct_crcs_year_on_year", frame[frame.status == "looked_after"], {})
    assert not result.success


@pytest.mark.parametrize(
    "crcs_la, cla_la, one_la, passes",
    [
        (40, 42, False, True),  # every LA 2 children below (5 %), Wales 5 %: at the limits
        (40, 43, False, False),  # every LA 3 below: LA within 15 %, Wales 7 % beyond 5 %
        (40, 50, True, True),  # one LA 10 children below: the LA floor of 10; Wales 1 %
        (40, 51, True, False),  # one LA 11 of 51 = 22 % > 15 % (and > 10 children)
        (100, 117, True, True),  # one LA 17 of 117 = 14.5 %: within 15 %
        (100, 118, True, False),  # 18 of 118 = 15.3 %
    ],
)
def test_reconciliation_threshold(crcs_la, cla_la, one_la, passes):
    con = _con(_crcs1_rows("2020-21", {}), _rec1_rows("2020-21", crcs_la, cla_la, one_la=one_la))
    assert _rec1_result(con).success is passes


def test_reconciliation_wrong_difference_fails():
    con = _con(_crcs1_rows("2020-21", {}), _rec1_rows("2020-21", bad_difference=True))
    result = _rec1_result(con)
    assert "expect_column_pair_values_to_be_equal" in {f["type"] for f in result.failed}


def test_reconciliation_ignores_areas_with_a_missing_return():
    rows = [
        r if not (r[1] == "W06000015" and r[2] == "cla_count") else (*r[:3], "", "[x]") for r in _rec1_rows("2020-21")
    ]
    frame = gates.rec1_gate_frame(_con(_crcs1_rows("2020-21", {}), rows))
    assert "W06000015" not in set(frame["area_code"])
