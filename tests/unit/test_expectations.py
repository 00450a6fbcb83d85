"""The GE gate: a suite that loads empty or lacks its expectations fails; bad marts fail."""

import json

import pandas as pd
import pytest

from orchestration.lib.expectations import SuiteError, load_suite_json, run_suite
from orchestration.lib.reference import area_order


def _frame(total_2020=7000.0, sum_2020=7000.0):
    rows = []
    for year, wales_total, wales_sum in (("2018-19", 6800.0, 6800.0), ("2019-20", total_2020, sum_2020)):
        for area in area_order():
            if area == "W92000004":
                rows.append((year, area, wales_total, wales_sum))
            else:
                rows.append((year, area, 10.0, 10.0))
    f = pd.DataFrame(rows, columns=["year", "area_code", "total", "sum_of_groups"])
    ratio = f[f.area_code == "W92000004"].set_index("year")["total"]
    f["wales_ratio_to_previous_year"] = None
    f.loc[(f.area_code == "W92000004") & (f.year == "2019-20"), "wales_ratio_to_previous_year"] = (
        ratio["2019-20"] / ratio["2018-19"]
    )
    f["wales_ratio_to_previous_year"] = f["wales_ratio_to_previous_year"].astype("float64")
    return f


def _params(frame):
    return {"area_codes": area_order(), "expected_rows": frame["year"].nunique() * len(area_order())}


def test_empty_suite_fails(tmp_path):
    (tmp_path / "empty.json").write_text(json.dumps({"name": "empty", "expectations": []}))
    with pytest.raises(SuiteError, match="loaded empty"):
        load_suite_json("empty", tmp_path)


def test_suite_lacking_a_required_expectation_fails(tmp_path):
    suite = load_suite_json("pub_cla1")
    suite["expectations"] = [e for e in suite["expectations"] if e["type"] != "expect_column_pair_values_to_be_equal"]
    (tmp_path / "pub_cla1.json").write_text(json.dumps(suite))
    with pytest.raises(SuiteError, match="lacks required"):
        load_suite_json("pub_cla1", tmp_path)


def test_cla1_suite_passes_good_and_fails_bad_marts():
    good = _frame()
    assert run_suite("pub_cla1", good, _params(good)).success
    groups_off = _frame(sum_2020=6990.0)
    result = run_suite("pub_cla1", groups_off, _params(groups_off))
    assert not result.success and [f["type"] for f in result.failed] == ["expect_column_pair_values_to_be_equal"]
    # a jump in the Wales total is not an invariant: it is the plausibility check cla_year_on_year
    jump = _frame(total_2020=9000.0, sum_2020=9000.0)
    assert run_suite("pub_cla1", jump, _params(jump)).success
    negative = _frame(total_2020=-5.0, sum_2020=-5.0)
    result = run_suite("pub_cla1", negative, _params(negative))
    assert [f["type"] for f in result.failed] == ["expect_column_values_to_be_between"]
    missing_la = _frame().iloc[1:]
    result = run_suite("pub_cla1", missing_la, _params(_frame()))
    assert {f["type"] for f in result.failed} >= {"expect_column_distinct_values_to_equal_set"} or {
        f["type"] for f in result.failed
    } >= {"expect_table_row_count_to_equal"}


def _flow_frame(gap=0.0, ratio=1.02):
    return pd.DataFrame(
        {
            "year": ["2019-20", "2019-20"],
            "area_code": ["W06000015", "W92000004"],
            "stock": [100.0, 7000.0],
            "stock_previous": [98.0, 6900.0],
            "starts": [30.0, 2000.0],
            "ceased": [28.0, 1900.0],
            "flow_gap": [gap, 0.0],
            "flow_gap_rate": [abs(gap) / 100, 0.0],
            "ratio_to_previous_year": [ratio, 1.01],
        }
    )


def test_flow_suite_holds_the_invariants_only():
    # a large flow gap is a plausibility finding (tests/unit/test_findings.py), not a failure of the suite
    assert run_suite("fct_cla_flows", _flow_frame(gap=30.0)).success
    twice = pd.concat([_flow_frame(), _flow_frame()], ignore_index=True)
    result = run_suite("fct_cla_flows", twice)
    assert [f["type"] for f in result.failed] == ["expect_compound_columns_to_be_unique"]
    negative = _flow_frame()
    negative.loc[0, "starts"] = -1.0
    assert not run_suite("fct_cla_flows", negative).success


def test_staging_code_suite_fails_on_a_code_from_another_era():
    from orchestration.lib.gates import staging_code_parameters

    params = staging_code_parameters()
    good = pd.DataFrame(
        {"era": ["LAC", "CLA"], "field": ["placement_type", "placement_type"], "code": ["Q2", "F4"], "n": [10, 12]}
    )
    assert run_suite("stg_cla_codes", good, params).success
    bad = pd.DataFrame(
        {"era": ["LAC", "CLA"], "field": ["placement_type", "placement_type"], "code": ["Q2", "Q2"], "n": [10, 12]}
    )  # Q2 ended with the LAC era
    result = run_suite("stg_cla_codes", bad, params)
    assert not result.success and len(result.failed) == 1


def test_staging_null_suite_fails_when_a_required_field_has_gaps():
    frame = pd.DataFrame(
        {
            "model": ["stg_cla__episodes"] * 2,
            "column_name": ["legal_status", "placement_la"],
            "year": ["2019-20"] * 2,
            "era": ["LAC"] * 2,
            "null_rate": [0.0, 0.1],
            "max_null_rate": [0.0, 0.25],
        }
    )
    assert run_suite("stg_cla_nulls", frame).success
    frame.loc[0, "null_rate"] = 0.01
    assert not run_suite("stg_cla_nulls", frame).success
