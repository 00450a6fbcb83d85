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
    jump = _frame(total_2020=9000.0, sum_2020=9000.0)
    result = run_suite("pub_cla1", jump, _params(jump))
    assert [f["type"] for f in result.failed] == ["expect_column_values_to_be_between"]
    missing_la = _frame().iloc[1:]
    result = run_suite("pub_cla1", missing_la, _params(_frame()))
    assert {f["type"] for f in result.failed} >= {"expect_column_distinct_values_to_equal_set"} or {
        f["type"] for f in result.failed
    } >= {"expect_table_row_count_to_equal"}
