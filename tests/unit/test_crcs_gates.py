"""The CRCS checks, through their SQL (orchestration/lib/gates.py) on a small publication schema in
DuckDB. Invariants (Great Expectations, blocking): good tables pass; statuses that do not sum to the
total and a wrong difference fail. Plausibility (orchestration/lib/findings.py, never blocking): a
status share out of its range, a year-on-year jump and a reconciliation beyond its limit are
findings, and the suites still pass."""

import duckdb
import pandas as pd
import pytest

from orchestration.lib import gates
from orchestration.lib.expectations import run_suite
from orchestration.lib.findings import CHECKS, run_check
from orchestration.lib.reference import WALES, area_order
from orchestration.lib.thresholds import load_thresholds

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


LIMITS = load_thresholds()


def _findings(con, check):
    found, _ = run_check(con, CHECKS[check], LIMITS[check])
    return found


def test_good_crcs1_and_rec1_pass():
    con = _con(_crcs1_rows("2019-20", {}) + _crcs1_rows("2020-21", {}), _rec1_rows("2020-21"))
    frame = gates.crcs1_gate_frame(con)
    assert len(frame) == 2 * 23 * 3  # year x area x the three statuses; unborn and total are not rows
    assert _crcs1_result(con).success
    assert _rec1_result(con).success
    assert _findings(con, "crcs_status_shares").empty and _findings(con, "rec1_difference").empty


def test_status_share_out_of_range_is_a_finding_not_a_failure():
    # One LA with almost everyone looked after: share 0.95 > 0.85 (quality_thresholds.toml)
    con = _con(_crcs1_rows("2020-21", {"W06000015": (95, 2, 3)}), _rec1_rows("2020-21"))
    assert _crcs1_result(con).success
    found = _findings(con, "crcs_status_shares")
    # looked after 0.95 > 0.85 and neither 0.03 < 0.05; on the register 0.02 is within 0 to 0.50
    assert set(zip(found["area_code"], found["measure"], strict=True)) == {
        ("W06000015", "share_looked_after"),
        ("W06000015", "share_neither"),
    }
    assert found.loc[found["measure"] == "share_looked_after", "threshold"].tolist() == ["0.05 to 0.85"]


def test_statuses_not_summing_to_total_fails():
    rows = _crcs1_rows("2020-21", {})
    rows = [(y, a, s, m, str(int(v) + 1) if (a == "W06000001" and s == "total") else v, n) for y, a, s, m, v, n in rows]
    result = _crcs1_result(_con(rows, _rec1_rows("2020-21")))
    assert "expect_column_pair_values_to_be_equal" in {f["type"] for f in result.failed}


@pytest.mark.parametrize(
    "crcs_la, cla_la, one_la, areas",
    [
        (40, 42, False, set()),  # every LA 2 children below (5 %), Wales 5 %: at the limits
        (40, 43, False, {WALES}),  # every LA 3 below: LA within the floor, Wales 7 % beyond 5 %
        (40, 55, True, set()),  # one LA 15 children below: the LA floor of 15; Wales under 2 %
        (40, 56, True, {"W06000015"}),  # one LA 16 of 56 = 29 % > 20 % (and > 15 children)
        (100, 125, True, set()),  # one LA 25 of 125 = 20 %: within 20 %
        (100, 126, True, {"W06000015"}),  # 26 of 126 = 20.6 %
    ],
)
def test_reconciliation_limit_makes_findings_and_never_fails_the_suite(crcs_la, cla_la, one_la, areas):
    con = _con(_crcs1_rows("2020-21", {}), _rec1_rows("2020-21", crcs_la, cla_la, one_la=one_la))
    assert _rec1_result(con).success
    assert set(_findings(con, "rec1_difference")["area_code"]) == areas


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
