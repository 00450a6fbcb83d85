"""Every CRCS rule: a passing input (the clean hand-built return) and a failing one (one edit).

``CASES`` maps each rule id to the collection year it is tested in and the edit that breaks it;
``test_every_rule_has_a_case`` keeps the two in step. The clean return passes every rule in
every era, and each broken return makes its rule fire — on the edited row where the case says
which one.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from orchestration.lib.rules import run_rules
from orchestration.lib.rules.crcs import CRCS_AREAS, CRCS_RULES
from orchestration.lib.years import eras_of
from tests.unit.rules.crcs_returns import UPN, CrcsHandReturn

RULES = {r.id: r for r in CRCS_RULES}
ALL_YEAR, CRCS_YEAR, CIN_YEAR = 2024, 2019, 2014
CLEAN_YEARS = [2009, 2014, 2015, 2016, 2019, 2022, 2023, 2024, 2025]


@dataclass
class Case:
    edit: Callable[[CrcsHandReturn], object]
    year: int = ALL_YEAR
    row: tuple[str, int] | None = None  # (child, i): the row that must be flagged; None = at least one row


def _bad_upn_check_letter(r: CrcsHandReturn) -> None:
    wrong = "B" if UPN[0] != "B" else "C"
    r.set("K1", "upn", wrong + UPN[1:])


def _cla_episode_ended(r: CrcsHandReturn) -> None:
    r.cla_episodes[0]["episode_end_date"] = r.year.start.strftime(r.year.era("cla").strptime_format)


CASES: dict[str, Case] = {
    # children and plans
    "CRCS-001": Case(lambda r: r.set("K2", "child_id", None)),
    "CRCS-002": Case(lambda r: r.set("K2", "child_id", "ABCDEFGHIJK"), row=("ABCDEFGHIJK", 0)),
    "CRCS-003": Case(lambda r: r.copy_row("K1"), year=CRCS_YEAR, row=("K1", 1)),
    "CRCS-004": Case(lambda r: r.copy_row("K1"), row=("K1", 1)),
    # sex
    "CRCS-005": Case(lambda r: r.set("K1", "sex", None), row=("K1", 0)),
    "CRCS-006": Case(lambda r: r.set("K1", "sex", "X"), row=("K1", 0)),
    "CRCS-007": Case(lambda r: r.set("K1", "sex", "M"), year=CIN_YEAR, row=("K1", 0)),
    "CRCS-008": Case(lambda r: r.set("K1", "sex", "1"), row=("K1", 0)),
    # date of birth and age
    "CRCS-009": Case(lambda r: r.set("K1", "date_of_birth", None), row=("K1", 0)),
    "CRCS-010": Case(lambda r: r.set("K1", "expected_date_of_birth", r.date("2024-05-01")), row=("K1", 0)),
    "CRCS-011": Case(lambda r: r.set("K1", "date_of_birth", "2012/05/01"), row=("K1", 0)),
    "CRCS-012": Case(lambda r: r.set("K3", "expected_date_of_birth", "15-06-2024"), row=("K3", 0)),
    "CRCS-013": Case(lambda r: r.set("K1", "date_of_birth", r.date("2024-06-01")), row=("K1", 0)),
    "CRCS-014": Case(lambda r: r.set("K5", "date_of_birth", r.date("2005-06-01")), year=CRCS_YEAR, row=("K5", 0)),
    "CRCS-015": Case(lambda r: r.set("K5", "date_of_birth", r.date("2004-01-01")), row=("K5", 0)),
    "CRCS-016": Case(lambda r: r.set("K5", "date_of_birth", r.date("2006-03-01")), row=("K5", 0)),
    "CRCS-017": Case(lambda r: r.set("K4", "date_of_birth", r.date("2009-09-10"), i=1), row=("K4", 1)),
    "CRCS-018": Case(lambda r: r.set("K4", "sex", "M", i=1), row=("K4", 1)),
    # unborn children
    "CRCS-019": Case(lambda r: r.set("K3", "expected_date_of_birth", r.date("2024-03-01")), row=("K3", 0)),
    "CRCS-020": Case(lambda r: r.set("K3", "expected_date_of_birth", r.date("2025-03-01")), row=("K3", 0)),
    "CRCS-021": Case(lambda r: r.set("K3", "sex", "F"), row=("K3", 0)),
    "CRCS-022": Case(lambda r: r.set("K3", "disability", "LD"), row=("K3", 0)),
    "CRCS-023": Case(lambda r: r.set("K3", "category_of_need", "N2"), row=("K3", 0)),
    "CRCS-024": Case(lambda r: r.set("K3", "looked_after", "Y"), row=("K3", 0)),
    # ethnicity and UPN
    "CRCS-025": Case(lambda r: r.set("K1", "ethnicity", None), row=("K1", 0)),
    "CRCS-026": Case(lambda r: r.set("K1", "ethnicity", "XXXX"), row=("K1", 0)),
    "CRCS-027": Case(lambda r: r.set("K1", "upn", "A12345"), row=("K1", 0)),
    "CRCS-028": Case(_bad_upn_check_letter, row=("K1", 0)),
    # plan dates
    "CRCS-029": Case(lambda r: r.set("K2", "plan_start_date", None), row=("K2", 0)),
    "CRCS-030": Case(lambda r: r.set("K2", "plan_start_date", "2023/01/15"), row=("K2", 0)),
    "CRCS-031": Case(lambda r: r.set("K2", "plan_start_date", r.date("2024-04-10")), year=CRCS_YEAR, row=("K2", 0)),
    "CRCS-032": Case(lambda r: r.set("K2", "plan_start_date", r.date("2024-04-10")), row=("K2", 0)),
    "CRCS-033": Case(lambda r: r.set("K4", "plan_end_date", "2023-06-31"), row=("K4", 0)),
    "CRCS-034": Case(lambda r: r.set("K4", "plan_end_date", r.date("2022-08-01")), row=("K4", 0)),
    "CRCS-035": Case(lambda r: r.set("K4", "plan_end_date", r.date("2024-04-05")), row=("K4", 0)),
    "CRCS-036": Case(lambda r: r.set("K4", "plan_end_date", r.date("2023-03-01")), row=("K4", 0)),
    "CRCS-037": Case(lambda r: r.set("K4", "reason_for_closure", None), row=("K4", 0)),
    "CRCS-038": Case(lambda r: r.set("K2", "reason_for_closure", "RC7"), row=("K2", 0)),
    "CRCS-039": Case(lambda r: r.set("K4", "reason_for_closure", "RC9"), row=("K4", 0)),
    "CRCS-040": Case(lambda r: r.set("K4", "plan_start_date", r.date("2023-06-01"), i=1), row=("K4", 1)),
    "CRCS-041": Case(lambda r: r.set("K1", "plan_start_date", r.date("2011-01-01")), row=("K1", 0)),
    # need, disability and parental factors
    "CRCS-042": Case(lambda r: r.set("K1", "category_of_need", None), row=("K1", 0)),
    "CRCS-043": Case(lambda r: r.set("K1", "category_of_need", "N0"), row=("K1", 0)),
    "CRCS-044": Case(lambda r: r.set("K1", "disability", "LD;XYZ"), row=("K1", 0)),
    "CRCS-045": Case(lambda r: r.set("K1", "disability", "LD; AUT; LD"), row=("K1", 0)),
    "CRCS-046": Case(lambda r: r.set("K1", "parental_factors", "PMH;ZZ"), row=("K1", 0)),
    "CRCS-047": Case(lambda r: r.set("K1", "parental_factors", "DA;DA"), row=("K1", 0)),
    # looked after and child protection
    "CRCS-048": Case(lambda r: r.set("K1", "looked_after", None), row=("K1", 0)),
    "CRCS-049": Case(lambda r: r.set("K1", "on_child_protection_register", "X"), row=("K1", 0)),
    "CRCS-050": Case(lambda r: r.set("K2", "cpr_category", None), row=("K2", 0)),
    "CRCS-051": Case(lambda r: r.set("K1", "cpr_category", "NEG"), row=("K1", 0)),
    "CRCS-052": Case(lambda r: r.set("K2", "cpr_category", "ABC"), row=("K2", 0)),
    "CRCS-053": Case(lambda r: r.set("K2", "cpr_category", "FIN"), year=CIN_YEAR, row=("K2", 0)),
    # health, wellbeing and school
    "CRCS-054": Case(lambda r: r.set("K1", "child_mental_health", "Yes"), row=("K1", 0)),
    "CRCS-055": Case(lambda r: r.set("K1", "child_substance_misuse", "1"), row=("K1", 0)),
    "CRCS-056": Case(lambda r: r.set("K1", "youth_offending", "n"), row=("K1", 0)),
    "CRCS-057": Case(lambda r: r.set("K1", "immunisations_up_to_date", "X"), row=("K1", 0)),
    "CRCS-058": Case(lambda r: r.set("K1", "dental_check", "X"), row=("K1", 0)),
    "CRCS-059": Case(lambda r: r.set("K3", "immunisations_up_to_date", "Y"), row=("K3", 0)),
    "CRCS-060": Case(lambda r: r.set("K2", "dental_check", "N"), row=("K2", 0)),
    "CRCS-061": Case(lambda r: r.set("K1", "school_attendance_pct", "105"), row=("K1", 0)),
    "CRCS-062": Case(lambda r: r.set("K5", "school_attendance_pct", "80"), row=("K5", 0)),
    # cross-census
    "CRCS-063": Case(_cla_episode_ended, row=("K1", 0)),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES)


def test_ids_in_order_and_at_least_thirty():
    ids = [r.id for r in CRCS_RULES]
    assert ids == [f"CRCS-{i:03d}" for i in range(1, len(ids) + 1)]
    assert len(ids) >= 30
    assert set(CRCS_AREAS) == set(ids)
    assert {r.census for r in CRCS_RULES} == {"crcs"}
    assert {r.table for r in CRCS_RULES} == {"children"}


def test_every_rule_applies_to_at_least_one_era():
    era_names = [e.name for e in eras_of("crcs")]
    for rule in CRCS_RULES:
        assert rule.eras is None or (rule.eras and set(rule.eras) <= set(era_names)), rule.id


@pytest.mark.parametrize("year", CLEAN_YEARS)
def test_the_clean_return_passes_every_rule(year):
    r = CrcsHandReturn(year)
    assert r.issues(CRCS_RULES) == []
    r.linked_present = False
    assert r.issues(CRCS_RULES) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_clean_and_fails_broken(rule_id):
    rule, case = RULES[rule_id], CASES[rule_id]
    clean = CrcsHandReturn(case.year)
    assert rule.applies(clean.ctx()), f"{rule_id} is not tested in an era it applies to"
    assert clean.issues([rule]) == []

    broken = CrcsHandReturn(case.year)
    case.edit(broken)
    issues = broken.issues([rule])
    assert issues, f"{rule_id} did not fire"
    assert {i.rule for i in issues} == {rule_id}
    assert {i.severity for i in issues} == {rule.severity}
    assert {i.message for i in issues} == {rule.message}
    if case.row is not None:
        child, i = case.row
        assert [i.row for i in issues] == [broken.line(child, i)]


def test_cin_era_issues_name_the_cin_column():
    r = CrcsHandReturn(CIN_YEAR)
    r.set("K2", "plan_start_date", None)
    (issue,) = r.issues([RULES["CRCS-029"]])
    assert issue.field == "REFERRAL_DATE"
    assert issue.file == f"crcs/{r.year.label}/{r.la_code}/children.csv"


def test_rules_apply_only_in_their_eras():
    assert RULES["CRCS-003"].eras == ("CIN", "CRCS")
    assert RULES["CRCS-004"].eras == ("CRCS_ALL_YEAR",)
    assert RULES["CRCS-007"].eras == ("CIN",)
    assert RULES["CRCS-053"].eras == ("CIN",)
    for rule_id in ("CRCS-054", "CRCS-061", "CRCS-062"):
        assert RULES[rule_id].eras == ("CRCS", "CRCS_ALL_YEAR")
    # FIN is right from 2016-17 and wrong before; M right from 2016-17, 1 right before
    for year, fin_fires in ((2015, True), (2016, False), (2023, False)):
        r = CrcsHandReturn(year)
        r.set("K2", "cpr_category", "FIN")
        fired = {i.rule for i in r.issues(CRCS_RULES)}
        assert ("CRCS-053" in fired) == fin_fires, (year, fired)
        assert "CRCS-052" not in fired
    for year, code, fires in ((2015, "M", "CRCS-007"), (2016, "1", "CRCS-008"), (2015, "9", None), (2016, "U", None)):
        r = CrcsHandReturn(year)
        r.set("K3", "sex", code)
        fired = {i.rule for i in r.issues(CRCS_RULES)}
        assert fired == ({fires} if fires else set()), (year, code, fired)


def test_dates_must_be_in_the_eras_format():
    cin, crcs = CrcsHandReturn(2015), CrcsHandReturn(2016)
    cin.set("K1", "date_of_birth", "2003-05-01")  # ISO in a DD/MM/YYYY year
    crcs.set("K1", "date_of_birth", "01/05/2004")  # DD/MM/YYYY in an ISO year
    for r in (cin, crcs):
        assert [i.rule for i in r.issues(CRCS_RULES)] == ["CRCS-011"]


def test_a_bad_date_is_reported_once_by_its_format_rule():
    r = CrcsHandReturn(ALL_YEAR)
    r.set("K4", "plan_start_date", "2023-11-31", i=1)
    assert [i.rule for i in r.issues(CRCS_RULES)] == ["CRCS-030"]
    r = CrcsHandReturn(ALL_YEAR)
    r.set("K3", "expected_date_of_birth", "not a date")
    assert [i.rule for i in r.issues(CRCS_RULES)] == ["CRCS-012"]


def test_bad_codes_are_reported_by_the_code_rule_only():
    r = CrcsHandReturn(ALL_YEAR)
    r.set("K1", "disability", "LD;;AUT")
    r.set("K3", "category_of_need", "N22")
    assert sorted(i.rule for i in r.issues(CRCS_RULES)) == ["CRCS-043", "CRCS-044"]


def test_code_lists_allow_spaces_and_one_trailing_separator():
    r = CrcsHandReturn(ALL_YEAR)
    r.set("K1", "disability", "LD ; AUT;")
    r.set("K1", "parental_factors", " PMH;DA ")
    assert r.issues(CRCS_RULES) == []


def test_unborn_child_born_in_the_year_keeps_unborn_sex_on_the_earlier_plan():
    """All-year era: a plan from before the birth (unborn, sex U), then a plan after it (born, sex F)."""
    r = CrcsHandReturn(ALL_YEAR)
    r.set("K3", "plan_end_date", r.date("2024-02-01")).set("K3", "reason_for_closure", "RC8")
    r.set("K3", "expected_date_of_birth", r.date("2024-02-20"))
    r.copy_row(
        "K3",
        plan_start_date=r.date("2024-02-25"),
        plan_end_date=None,
        reason_for_closure=None,
        sex="F",
        date_of_birth=r.date("2024-02-20"),
        expected_date_of_birth=None,
        ethnicity="WBRI",
    )
    assert r.issues(CRCS_RULES) == []


def test_a_plan_ending_the_day_the_next_starts_does_not_overlap():
    r = CrcsHandReturn(ALL_YEAR)
    r.set("K4", "plan_start_date", r.date("2023-06-30"), i=1)
    assert r.issues([RULES["CRCS-040"]]) == []
    r.set("K4", "plan_end_date", None).set("K4", "reason_for_closure", None)  # the first plan never closed
    assert [i.row for i in r.issues([RULES["CRCS-040"]])] == [r.line("K4", 1)]


def test_messages_are_fixed_and_free_of_personal_data():
    r = CrcsHandReturn(ALL_YEAR)
    personal = {UPN} | {row[c] for row in r.rows for c in ("child_id", "date_of_birth", "expected_date_of_birth")}
    personal.discard(None)
    for rule in CRCS_RULES:
        words = set(rule.message.replace(",", " ").replace(".", " ").replace(":", " ").split())
        assert not words & personal, rule.id
        assert "{" not in rule.message, rule.id
        assert rule.message[0].isupper() and rule.message.endswith("."), rule.id
        assert rule.severity in ("error", "warning")
        assert rule.fields and rule.description, rule.id


BAD_VALUES = ["", " ", "?", ";", "1066-01-01", "31/12/1066", "9999-12-31", "01/01/9999", "2023-02-30", "X" * 300, "0"]


@pytest.mark.parametrize("year", [ALL_YEAR, CRCS_YEAR, CIN_YEAR])
@pytest.mark.parametrize("every_row", [True, False], ids=["every-row", "first-row"])
def test_no_rule_crashes_on_bad_values(year, every_row):
    for value in BAD_VALUES:
        r = CrcsHandReturn(year)
        for row in r.rows if every_row else r.rows[:1]:
            for column in row:
                if column != "child_id":
                    row[column] = value
        r.issues(CRCS_RULES)


def test_no_rule_crashes_on_an_empty_return_or_missing_linked_tables():
    r = CrcsHandReturn(ALL_YEAR)
    ctx = r.ctx()
    ctx.tables["children"] = ctx.tables["children"].iloc[0:0]
    assert run_rules(ctx, CRCS_RULES) == []
    ctx = r.ctx()
    ctx.linked = {"children": ctx.linked["episodes"]}  # the CLA episodes file did not read
    assert run_rules(ctx, CRCS_RULES) == []
    ctx = r.ctx()
    del ctx.tables["children"]
    assert run_rules(ctx, CRCS_RULES) == []


def test_every_crcs_rule_is_in_the_generated_rules_doc_once():
    from tools import gen_rules_doc

    text = gen_rules_doc.render()
    assert "## CRCS rules" in text and "## CLA rules" in text
    for rule in CRCS_RULES:
        assert text.count(f"| {rule.id} |") == 1
        assert " ".join(rule.message.split()).replace("|", "\\|") in text


@pytest.mark.parametrize("year", [2009, 2015, 2016, 2024])
def test_cross_census_rule_counts_only_cla_children_looked_after_on_31_march(year):
    """K1's CLA episode is open on 31 March (read in the CLA era's date format); K2's is a short break
    (V3) and K5's ended: marked looked after in CRCS, those two are reported, K1 is not."""
    rule = RULES["CRCS-063"]
    r = CrcsHandReturn(year)
    r.set("K2", "looked_after", "Y").set("K5", "looked_after", "Y")
    assert sorted(i.row for i in r.issues([rule])) == sorted([r.line("K2"), r.line("K5")])
    r.linked_present = False
    assert r.issues([rule]) == []


def test_cross_census_rule_skips_closed_plans_of_the_all_year_era():
    rule = RULES["CRCS-063"]
    r = CrcsHandReturn(ALL_YEAR)
    r.set("K6", "looked_after", "Y")  # plan closed in the year: not open on 31 March
    assert r.issues([rule]) == []
