"""The pandera gate: one strict, coercing DataFrameModel per table per era."""

import pandas as pd
import pandera.pandas as pa
import pytest

from orchestration.lib.schemas import all_models, failures_to_issues, table_model
from orchestration.lib.specs import submission_spec


def _episodes(**overrides):
    row = {
        "child_id": "C1",
        "episode_start_date": "2019-05-01",
        "reason_new_episode": "S",
        "legal_status": "C2",
        "category_of_need": "N1",
        "placement_type": "Q2",
        "placement_postcode": "CF10",
        "placement_la": "W06000015",
        "episode_end_date": None,
        "reason_episode_ceased": None,
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_there_is_a_model_per_table_and_era():
    models = all_models()
    assert set(models) == {
        ("cla", t, e) for t in ("children", "episodes", "adoptions", "care_leavers") for e in ("SSDA903", "LAC", "CLA")
    } | {("crcs", "children", e) for e in ("CIN", "CRCS", "CRCS_ALL_YEAR")}
    m = table_model("cla", "episodes", "LAC")
    assert issubclass(m, pa.DataFrameModel)
    assert m.Config.strict is True and m.Config.coerce is True


def test_valid_lac_episode_passes_and_dates_are_typed():
    out = table_model("cla", "episodes", "LAC").validate(_episodes())
    assert str(out["episode_start_date"].dtype).startswith("datetime64")


def test_ssdaa903_dates_use_day_month_year():
    frame = _episodes(episode_start_date="01/05/2014")
    frame = frame.drop(columns=["placement_la"])
    out = table_model("cla", "episodes", "SSDA903").validate(frame)
    assert out["episode_start_date"][0] == pd.Timestamp(2014, 5, 1)


def test_failing_frame_reports_every_failure_lazily():
    bad = pd.concat(
        [
            _episodes(legal_status="Z9"),
            _episodes(child_id="C2", episode_start_date="31/02/2019"),
            _episodes(child_id="C3", placement_type="F4"),  # F4 only from the CLA era
            _episodes(child_id="C4", episode_end_date="2019-06-01"),  # end date without a reason
        ],
        ignore_index=True,
    )
    with pytest.raises(pa.errors.SchemaErrors) as exc:
        table_model("cla", "episodes", "LAC").validate(bad, lazy=True)
    issues = failures_to_issues(
        exc.value.failure_cases,
        submission_spec("cla").tables["episodes"],
        "LAC",
        "episodes.csv",
        pd.Series([2, 3, 4, 5]),
        "2019-20",
    )
    by_row = {(i.row, i.rule) for i in issues}
    assert (2, "format.code") in by_row
    assert (3, "format.date") in by_row
    assert (4, "format.code") in by_row
    text = "\n".join(str(i) for i in issues)
    assert "'Z9' is not a valid legal status code in 2019-20 (LAC era)" in text
    assert "F4" in text and "valid codes:" in text


def test_cross_field_rule_reason_ceased_iff_end_date():
    bad = _episodes(episode_end_date="2019-06-01")
    with pytest.raises(pa.errors.SchemaErrors) as exc:
        table_model("cla", "episodes", "LAC").validate(bad, lazy=True)
    issues = failures_to_issues(
        exc.value.failure_cases,
        submission_spec("cla").tables["episodes"],
        "LAC",
        "episodes.csv",
        pd.Series([2]),
        "2019-20",
    )
    assert [i.rule for i in issues] == ["format.reason_ceased_iff_end"]


def test_strict_model_rejects_a_column_from_another_era():
    frame = _episodes(transferred_from_la="W06000001")  # CLA era only
    with pytest.raises(pa.errors.SchemaErrors):
        table_model("cla", "episodes", "LAC").validate(frame, lazy=True)
    table_model("cla", "episodes", "CLA").validate(_episodes(transferred_from_la="W06000001", placement_type="F4"))


def test_duplicate_child_and_personal_values_never_shown():
    frame = pd.DataFrame(
        {
            "child_id": ["SECRET1", "SECRET1"],
            "sex": ["M", "M"],
            "date_of_birth": ["2010-01-01", "1999-13-45"],
            "ethnicity": ["WBRI", "WBRI"],
            "upn": [None, None],
            "uasc": ["N", "N"],
        }
    )
    with pytest.raises(pa.errors.SchemaErrors) as exc:
        table_model("cla", "children", "LAC").validate(frame, lazy=True)
    issues = failures_to_issues(
        exc.value.failure_cases,
        submission_spec("cla").tables["children"],
        "LAC",
        "children.csv",
        pd.Series([2, 3]),
        "2019-20",
    )
    rules = {i.rule for i in issues}
    assert "format.duplicate" in rules and "format.date" in rules
    text = "\n".join(str(i) for i in issues)
    assert "SECRET1" not in text and "1999-13-45" not in text


def test_ethnicity_optional_before_2016_required_after():
    ssda = pd.DataFrame(
        {"child_id": ["C1"], "sex": ["1"], "date_of_birth": ["01/01/2010"], "ethnicity": [None], "upn": [None]}
    )
    table_model("cla", "children", "SSDA903").validate(ssda)
    lac = pd.DataFrame(
        {
            "child_id": ["C1"],
            "sex": ["M"],
            "date_of_birth": ["2010-01-01"],
            "ethnicity": [None],
            "upn": [None],
            "uasc": ["N"],
        }
    )
    with pytest.raises(pa.errors.SchemaErrors):
        table_model("cla", "children", "LAC").validate(lac, lazy=True)


def _crcs_row(**overrides) -> pd.DataFrame:
    row = {
        "child_id": "A1",
        "sex": "M",
        "date_of_birth": "2010-05-01",
        "expected_date_of_birth": None,
        "ethnicity": "WBRI",
        "upn": None,
        "plan_start_date": "2023-06-01",
        "plan_end_date": None,
        "reason_for_closure": None,
        "category_of_need": "N1",
        "disability": "MOB; LD",
        "looked_after": "N",
        "on_child_protection_register": "Y",
        "cpr_category": "NEG",
        "parental_factors": "PMH;DA",
        "child_mental_health": "Y",
        "child_substance_misuse": None,
        "youth_offending": "N",
        "immunisations_up_to_date": "Y",
        "dental_check": "N",
        "school_attendance_pct": "92.5",
    }
    row.update(overrides)
    return pd.DataFrame([row])


def test_crcs_all_year_row_passes_with_code_lists_and_a_number():
    out = table_model("crcs", "children", "CRCS_ALL_YEAR").validate(_crcs_row())
    assert out["school_attendance_pct"].iloc[0] == 92.5
    assert out["disability"].iloc[0] == "MOB; LD"


@pytest.mark.parametrize(
    "overrides, check",
    [
        ({"disability": "MOB;WINGS"}, "str_matches"),
        ({"parental_factors": "PMH,DA"}, "str_matches"),
        ({"school_attendance_pct": "101"}, "less_than_or_equal_to"),
        ({"plan_end_date": "2024-01-01", "reason_for_closure": None}, "reason_for_closure_iff_end"),
        ({"plan_end_date": "2023-01-01", "reason_for_closure": "RC7"}, "plan_end_not_before_start"),
        ({"on_child_protection_register": "N"}, "cpr_category_iff_register"),
        ({"date_of_birth": None}, "born_or_expected"),
        ({"sex": "1"}, "isin"),
    ],
)
def test_crcs_all_year_gates_fail(overrides, check):
    with pytest.raises(pa.errors.SchemaErrors) as exc:
        table_model("crcs", "children", "CRCS_ALL_YEAR").validate(_crcs_row(**overrides), lazy=True)
    assert exc.value.failure_cases["check"].astype(str).str.startswith(check).any()


def test_crcs_unique_key_depends_on_era():
    assert table_model("crcs", "children", "CIN").Config.unique == ["child_id"]
    assert table_model("crcs", "children", "CRCS_ALL_YEAR").Config.unique == ["child_id", "plan_start_date"]
