"""Disclosure control: hand-checked cases for round5 and suppress, the LP audit, check_publishable."""

from decimal import Decimal

import pandas as pd
import pytest

from orchestration.lib.disclosure import (
    POLICIES,
    STRUCTURES,
    SUPPRESS_MIN_WIDTH,
    apply_policy,
    audit,
    check_publishable,
)
from orchestration.lib.publication import AGE_GROUPS, TABLES
from orchestration.lib.reference import WALES, area_order

YEAR = "2024-25"
LA1, LA2, LA3 = area_order()[1:4]


def frame(table_id: str, cells: list[tuple], year: str = YEAR) -> pd.DataFrame:
    """cells: (area, keys tuple, measure, value, note_codes) -> a frame like read_publication_table's."""
    spec = TABLES[table_id]
    rows = []
    for area, keys, measure, value, notes in cells:
        row = {"year": year, "area_code": area}
        row.update(dict(zip(spec.dimensions, keys, strict=True)))
        row.update(
            {
                "measure": measure,
                "value": value if value is None or isinstance(value, str) else Decimal(str(value)),
                "note_codes": notes,
            }
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=["year", "area_code", *spec.dimensions, "measure", "value", "note_codes"])


def one_dim(table_id: str, by_area: dict[str, dict[str, int]]) -> pd.DataFrame:
    """Count cells of a 1-D table; Wales = sum of the given LAs, total = sum of keys, unless given."""
    key_dim = TABLES[table_id].dimensions[0]
    keys = [k for k in TABLES[table_id].keys[key_dim] if k != "total"]
    rows = {}
    for area, vals in by_area.items():
        vals = dict(vals)
        vals.setdefault("total", sum(v for k, v in vals.items() if k in keys))
        rows[area] = vals
    if WALES not in rows:
        rows[WALES] = {k: sum(r.get(k, 0) for r in rows.values()) for k in ["total", *keys]}
    cells = []
    for area in [WALES, *[a for a in rows if a != WALES]]:
        for k in ["total", *keys]:
            cells.append((area, (k,), "count", rows[area].get(k, 0), ""))
    return frame(table_id, cells)


def out_cell(result_frame: pd.DataFrame, area: str, keys: tuple, measure: str = "count") -> tuple[str, str]:
    spec_dims = [c for c in result_frame.columns if c not in ("year", "area_code", "measure", "value", "note_codes")]
    m = (result_frame.area_code == area) & (result_frame.measure == measure)
    for d, k in zip(spec_dims, keys, strict=True):
        m &= result_frame[d] == k
    row = result_frame[m]
    assert len(row) == 1, (area, keys, measure)
    return row.iloc[0]["value"], row.iloc[0]["note_codes"]


# ----------------------------------------------------------------------------------------------- round5


def test_round5_counts_rounded_and_small_counts_confidential():
    las = area_order()[1:9]
    values = [2, 3, 7, 8, 12, 13, 0, 5]
    cells = [(WALES, (), "count", sum(values), "")] + [
        (a, (), "count", v, "") for a, v in zip(las, values, strict=True)
    ]
    res = apply_policy(frame("cla9", cells), "cla9")
    got = [out_cell(res.frame, a, ()) for a in las]
    assert got == [("", "[c]"), ("", "[c]"), ("5", ""), ("10", ""), ("10", ""), ("15", ""), ("0", ""), ("5", "")]
    assert out_cell(res.frame, WALES, ()) == ("50", "")  # 50 rounded on its own
    assert res.audit.passed, res.audit.summary()


def test_round5_totals_are_rounded_on_their_own():
    # 7 + 6 + 8 = 21 -> parts 5, 5, 10 (sum 20) but total 20; 6 + 6 + 6 = 18 -> 5 + 5 + 5 = 15 but 20
    f = one_dim(
        "cla2",
        {
            LA1: {"foster_other": 7, "residential": 6, "other": 8},
            LA2: {"foster_other": 6, "residential": 6, "other": 6},
        },
    )
    res = apply_policy(f, "cla2")
    assert out_cell(res.frame, LA1, ("total",)) == ("20", "")
    assert out_cell(res.frame, LA2, ("total",)) == ("20", "")
    assert [out_cell(res.frame, LA2, (k,))[0] for k in ("foster_other", "residential", "other")] == ["5", "5", "5"]
    assert out_cell(res.frame, WALES, ("total",)) == ("40", "")  # 39


def test_round5_percentages_confidential_by_count_and_denominator():
    cells = []
    # LA1: total 8 (< 10): every percentage [c]; LA2: in_touch 3 -> count and percent [c]; LA3: shown
    data = {LA1: (8, 6, 5, 8), LA2: (20, 3, 15, 12), LA3: (20, 6, 19, 10)}
    wales = tuple(sum(v[i] for v in data.values()) for i in range(4))
    for area, vals in {WALES: wales, **data}.items():
        tot = vals[0]
        cells.append((area, ("total",), "count", tot, ""))
        for k, v in zip(("in_touch", "suitable_accommodation", "education_training_employment"), vals[1:], strict=True):
            cells.append((area, (k,), "count", v, ""))
            cells.append((area, (k,), "percent", Decimal(round(Decimal(1000 * v) / tot)) / 10, ""))
    res = apply_policy(frame("cla7", cells), "cla7")
    for k in ("in_touch", "suitable_accommodation", "education_training_employment"):
        assert out_cell(res.frame, LA1, (k,), "percent") == ("", "[c]")
    assert out_cell(res.frame, LA1, ("in_touch",)) == ("5", "")  # the count itself is shown, rounded
    assert out_cell(res.frame, LA2, ("in_touch",)) == ("", "[c]")
    assert out_cell(res.frame, LA2, ("in_touch",), "percent") == ("", "[c]")
    assert out_cell(res.frame, LA2, ("suitable_accommodation",), "percent") == ("75.0", "")
    assert out_cell(res.frame, LA3, ("in_touch",), "percent") == ("30.0", "")
    assert res.audit.passed, res.audit.summary()


def test_round5_rate_confidential_when_its_count_is_small():
    cells = []
    for area, groups in {LA1: (2, 1), LA2: (40, 0)}.items():
        cells.append((area, ("total",), "count", sum(groups), ""))
        cells.append((area, ("total",), "rate_per_10000", "0.3", ""))
        cells.append((area, ("care_order",), "count", groups[0], ""))
        cells.append((area, ("placement_order",), "count", groups[1], ""))
        for k in ("voluntary_accommodation", "youth_justice", "emergency_protection"):
            cells.append((area, (k,), "count", 0, ""))
    res = apply_policy(frame("cla1", cells), "cla1")
    assert out_cell(res.frame, LA1, ("total",), "rate_per_10000") == ("", "[c]")
    assert out_cell(res.frame, LA2, ("total",), "rate_per_10000") == ("0.3", "")


@pytest.mark.parametrize(
    ("diff", "shown", "code"), [(-3, "", "[c]"), (-7, "-5", ""), (3, "", "[c]"), (8, "10", ""), (0, "0", "")]
)
def test_round5_rec1_difference_by_absolute_value(diff, shown, code):
    crcs, cla = 100 + diff, 100
    cells = [(LA1, (), "crcs_count", crcs, ""), (LA1, (), "cla_count", cla, ""), (LA1, (), "difference", diff, "")]
    res = apply_policy(frame("rec1", cells), "rec1")
    assert out_cell(res.frame, LA1, (), "difference") == (shown, code)


@pytest.mark.parametrize("policy", POLICIES)
def test_x_and_z_pass_through(policy):
    cells = [
        (WALES, (), "count", None, "[x]"),
        (LA1, (), "count", 12, ""),
        (LA2, (), "count", None, "[x]"),
        (LA3, (), "count", None, "[z]"),
    ]
    res = apply_policy(frame("cla9", cells), "cla9", policy)
    assert list(res.frame.note_codes) == ["[x]", "", "[x]", "[z]"]
    assert list(res.frame.value) == ["", "10" if policy == "round5" else "12", "", ""]
    assert res.audit.passed


def test_round5_secondary_for_a_pair_pinned_by_a_rounded_total():
    # CLA6 2024-25 in the demo: total 8 shown as 10 (8..12) with two [c] (each 1..4) and zeros: both are 4.
    f = one_dim("cla6", {LA1: {"1_to_4": 4, "5_to_9": 4}, LA2: {"1_to_4": 20, "5_to_9": 11}})
    literal = f.copy()
    literal["value"] = ["40", "0", "25", "15", "0", "0", "10", "0", "", "", "0", "0", "30", "0", "20", "10", "0", "0"]
    literal["note_codes"] = ["", "", "", "", "", "", "", "", "[c]", "[c]", "", "", "", "", "", "", "", ""]
    naive = audit(literal, "cla6", "round5")
    assert not naive.passed
    assert {(f.area_code, f.keys["age_group"], f.lo, f.hi) for f in naive.failures} == {
        (LA1, "1_to_4", 4, 4),
        (LA1, "5_to_9", 4, 4),
    }
    res = apply_policy(f, "cla6")
    assert out_cell(res.frame, LA1, ("total",)) == ("", "[c]")  # the total is withheld as well
    assert res.audit.passed, res.audit.summary()


# ----------------------------------------------------------------------------------------------- suppress

CLA1_ROWS = {
    LA1: {"care_order": 20, "placement_order": 15, "voluntary_accommodation": 12, "youth_justice": 2},
    LA2: {"care_order": 30, "placement_order": 18, "voluntary_accommodation": 14, "youth_justice": 6},
    LA3: {"care_order": 25, "placement_order": 16, "voluntary_accommodation": 11, "youth_justice": 8},
}


def suppressed(res_frame: pd.DataFrame, dim: str) -> set[tuple[str, str]]:
    m = res_frame.note_codes.str.contains(r"\[c\]", regex=True) & (res_frame.measure == "count")
    return set(zip(res_frame[m].area_code, res_frame[m][dim], strict=True))


def test_suppress_single_primary_forces_row_and_margin_secondaries():
    f = one_dim("cla1", CLA1_ROWS)
    res = apply_policy(f, "cla1", "suppress")
    hidden = suppressed(res.frame, "legal_status_group")
    assert (LA1, "youth_justice") in hidden
    assert any(a == LA1 and k != "youth_justice" for a, k in hidden), hidden  # in the LA's row
    assert any(k == "youth_justice" and a != LA1 for a, k in hidden), hidden  # in the column (Wales margin)
    assert res.audit.passed, res.audit.summary()
    for iv in res.audit.intervals:
        assert iv.hi - iv.lo >= SUPPRESS_MIN_WIDTH
    # published counts are exact
    assert out_cell(res.frame, LA2, ("care_order",)) == ("30", "")


def test_naive_suppression_is_recoverable_through_the_wales_margin():
    """Naive: the primary plus the smallest other cell of its row. The row total then leaves the two
    cells' sum only, but the secondary is pinned by its Wales column (Wales - other LAs), so both fall."""
    f = one_dim("cla1", CLA1_ROWS)
    naive = f.copy()
    naive["value"] = naive["value"].map(lambda v: str(int(v)))
    for key in ("youth_justice", "voluntary_accommodation"):  # 2, and the smallest other (12)
        m = (naive.area_code == LA1) & (naive.legal_status_group == key)
        naive.loc[m, "value"] = ""
        naive.loc[m, "note_codes"] = "[c]"
    result = audit(naive, "cla1", "suppress")
    assert not result.passed
    pinned = {(iv.keys["legal_status_group"], iv.lo, iv.hi) for iv in result.failures}
    assert pinned == {("youth_justice", 2, 2), ("voluntary_accommodation", 12, 12)}
    assert apply_policy(f, "cla1", "suppress").audit.passed


def sex_by_age(table_id: str, grid: dict[str, list[int]]) -> pd.DataFrame:
    """grid: sex -> counts of the five age groups; totals both ways are added."""
    ages = [a for a in AGE_GROUPS if a != "total"]
    full = {s: dict(zip(ages, v, strict=True)) for s, v in grid.items()}
    for s in full:
        full[s]["total"] = sum(full[s][a] for a in ages)
    full["total"] = {a: sum(full[s][a] for s in grid) for a in AGE_GROUPS}
    cells = [(WALES, (s, a), "count", full[s][a], "") for s in TABLES[table_id].keys["sex"] for a in AGE_GROUPS]
    return frame(table_id, cells)


GRID = {"male": [12, 30, 41, 55, 20], "female": [10, 28, 3, 49, 25], "other": [0, 0, 0, 0, 0]}


def test_suppress_two_dimensional_table_needs_a_rectangle():
    f = sex_by_age("crcs3", GRID)
    res = apply_policy(f, "crcs3", "suppress")
    m = res.frame.note_codes == "[c]"
    hidden = set(zip(res.frame[m].sex, res.frame[m].age_group, strict=True))
    assert ("female", "5_to_9") in hidden
    assert len(hidden) >= 4  # at least a rectangle: two sexes x two age groups
    assert res.audit.passed, res.audit.summary()


def test_naive_pair_in_a_two_dimensional_table_is_pinned_by_the_other_margin():
    """The primary (female, 5-9) = 3 and the smallest other cell of its row (female, under 1) = 10:
    the row total is protected, but each column total minus the male cell gives them exactly."""
    f = sex_by_age("crcs3", GRID)
    naive = f.copy()
    naive["value"] = naive["value"].map(lambda v: str(int(v)))
    for age in ("5_to_9", "under_1"):
        m = (naive.sex == "female") & (naive.age_group == age)
        naive.loc[m, ["value", "note_codes"]] = ["", "[c]"]
    result = audit(naive, "crcs3", "suppress")
    assert {(iv.keys["age_group"], iv.lo, iv.hi) for iv in result.failures} == {("5_to_9", 3, 3), ("under_1", 10, 10)}
    assert apply_policy(f, "crcs3", "suppress").audit.passed


def test_suppress_rec1_difference_takes_a_count_and_the_wales_margin():
    cells = []
    data = {LA1: (52, 50), LA2: (80, 90), LA3: (40, 31)}
    for area, (crcs, cla) in {WALES: (172, 171), **data}.items():
        cells += [
            (area, (), "crcs_count", crcs, ""),
            (area, (), "cla_count", cla, ""),
            (area, (), "difference", crcs - cla, ""),
        ]
    res = apply_policy(frame("rec1", cells), "rec1", "suppress")
    assert out_cell(res.frame, LA1, (), "difference") == ("", "[c]")
    hidden_counts = [m for m in ("crcs_count", "cla_count") if out_cell(res.frame, LA1, (), m)[1] == "[c]"]
    assert hidden_counts
    assert res.audit.passed, res.audit.summary()


def test_suppress_percentage_hidden_with_its_count_and_with_its_denominator():
    f = one_dim(
        "crcs2",
        {LA1: {"N1": 40, "N2": 3, "N3": 25}, LA2: {"N1": 50, "N2": 12, "N3": 30}, LA3: {"N1": 45, "N2": 9, "N3": 14}},
    )
    rows = []
    for _, r in f.iterrows():
        rows.append(r.to_dict())
        if r["category_of_need"] != "total":
            tot = f[(f.area_code == r["area_code"]) & (f.category_of_need == "total")].value.iloc[0]
            rows.append(
                {
                    **r.to_dict(),
                    "measure": "percent",
                    "value": (Decimal(1000) * r["value"] / tot).quantize(Decimal(1)) / 10,
                }
            )
    res = apply_policy(pd.DataFrame(rows), "crcs2", "suppress")
    assert out_cell(res.frame, LA1, ("N2",), "percent") == ("", "[c]")
    for area, key in suppressed(res.frame, "category_of_need"):
        if key != "total":
            assert out_cell(res.frame, area, (key,), "percent")[1] == "[c]"
        else:  # a withheld denominator hides every percentage of the area
            assert all(out_cell(res.frame, area, (k,), "percent")[1] == "[c]" for k in ("N1", "N2", "N3"))
    assert res.audit.passed, res.audit.summary()


# ----------------------------------------------------------------------------------------------- audit


def test_audit_fails_on_one_suppressed_cell_in_a_row_with_a_published_total():
    f = one_dim("cla5", {LA1: {"returned_home": 20, "adopted": 3, "other": 15}})
    pub = f.copy()
    pub["value"] = pub["value"].map(lambda v: str(int(v)))
    pub["note_codes"] = ["", "", "[c]", "", "", "", "", "", ""] * 2
    pub.loc[pub.note_codes == "[c]", "value"] = ""
    result = audit(pub, "cla5", "suppress")
    assert not result.passed
    assert {(iv.area_code, iv.lo, iv.hi) for iv in result.failures} == {(WALES, 3, 3), (LA1, 3, 3)}
    assert "NOT protected" in result.summary()


def test_audit_fails_on_a_disclosive_round5_table():
    """Rounding alone: total 8 shown as 10 (8..12), two [c] (1..4 each), zeros elsewhere: both are 4."""
    pub = one_dim("cla5", {LA1: {"returned_home": 4, "adopted": 4}, LA2: {"returned_home": 30}})
    zeros = ["0"] * 6
    pub["value"] = ["40", "35", "", *zeros] + ["10", "", "", *zeros] + ["30", "30", "0", *zeros]
    pub["note_codes"] = ["[c]" if v == "" else "" for v in pub["value"]]
    result = audit(pub, "cla5", "round5")
    assert not result.passed
    assert {(iv.area_code, iv.keys["ceased_group"], iv.lo, iv.hi) for iv in result.failures} >= {
        (LA1, "returned_home", 4, 4),
        (LA1, "adopted", 4, 4),
    }


def test_audit_reports_a_publication_that_contradicts_its_relations():
    cells = [(WALES, (), "count", "20", ""), (LA1, (), "count", "5", ""), (LA2, (), "count", "5", "")]
    result = audit(frame("cla9", cells), "cla9", "suppress")
    assert not result.passed and result.problems


def test_audit_reads_text_frames_back():
    f = one_dim("cla1", CLA1_ROWS)
    res = apply_policy(f, "cla1", "suppress")
    back = res.frame.astype(str)
    again = audit(back, "cla1", "suppress")
    assert again.passed and again.suppressed == res.audit.suppressed


def test_unknown_policy_and_table():
    f = one_dim("cla1", CLA1_ROWS)
    with pytest.raises(ValueError, match="policy"):
        apply_policy(f, "cla1", "round10")
    with pytest.raises(ValueError, match="table"):
        audit(f, "cla99", "round5")


def test_broken_relation_is_refused():
    f = one_dim("cla2", {LA1: {"foster_other": 7, "total": 9}})
    with pytest.raises(ValueError, match="relations"):
        apply_policy(f, "cla2")


def test_every_table_has_a_structure():
    assert set(STRUCTURES) == set(TABLES)
    for table_id, st in STRUCTURES.items():
        spec = TABLES[table_id]
        for ref in st.ratios:
            assert ref[1] in spec.measures_for(ref[0][-1] if ref[0] else None), (table_id, ref)


# ----------------------------------------------------------------------------------------------- check_publishable


def test_check_publishable_names_the_problems():
    cells = [
        (WALES, (), "count", "25", ""),
        (LA1, (), "count", "7", ""),
        (LA2, (), "count", "3", ""),
        (LA3, (), "count", "10", "[c]"),
        (area_order()[4], (), "count", "", ""),
        (area_order()[5], (), "count", "5", "[q]"),
    ]
    problems = check_publishable(frame("cla9", cells), "cla9", "round5")
    text = "\n".join(problems)
    assert f"CLA9 {YEAR} {LA1} [-] count: count 7 is not a multiple of 5" in text
    assert "count 3 is between 1 and 4" in text
    assert "value '10' shown with [c]" in text
    assert "empty value without [c], [x] or [z]" in text
    assert "unknown note code(s) [q]" in text
    assert "cell missing" in text  # the other LAs
    assert not any("multiple of 5" in p for p in check_publishable(frame("cla9", cells), "cla9", "suppress"))


def test_check_publishable_accepts_several_codes_and_negative_differences():
    cells = []
    for area in area_order():
        cells += [
            (area, (), "crcs_count", "", "[c] [p]"),
            (area, (), "cla_count", "100", "[r]"),
            (area, (), "difference", "-5", ""),
        ]
    assert check_publishable(frame("rec1", cells), "rec1", "round5") == []
