"""Every CLA rule: a passing input (the clean hand-built return) and a failing one (one edit).

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
from orchestration.lib.rules.cla import CLA_AREAS, CLA_RULES
from tests.unit.rules.returns import LA, UPN, HandReturn

RULES = {r.id: r for r in CLA_RULES}
CLA_YEAR, LAC_YEAR, SSDA_YEAR = 2023, 2019, 2014


@dataclass
class Case:
    edit: Callable[[HandReturn], object]
    year: int = CLA_YEAR
    # (table, child, i): the row that must be flagged; None = at least one row of the rule's table
    row: tuple[str, str, int] | None = None


def _bad_upn_check_letter(r: HandReturn) -> None:
    wrong = "B" if UPN[0] != "B" else "C"
    r.set("children", "C1", "upn", wrong + UPN[1:])


CASES: dict[str, Case] = {
    # children
    "CLA-001": Case(lambda r: r.set("children", "C3", "child_id", None)),
    "CLA-002": Case(lambda r: r.set("children", "C3", "child_id", "ABCDEFGHIJK"), row=("children", "ABCDEFGHIJK", 0)),
    "CLA-003": Case(lambda r: r.copy_row("children", "C1"), row=("children", "C1", 1)),
    "CLA-004": Case(lambda r: r.set("children", "C1", "sex", None), row=("children", "C1", 0)),
    "CLA-005": Case(lambda r: r.set("children", "C1", "sex", "X"), row=("children", "C1", 0)),
    "CLA-006": Case(lambda r: r.set("children", "C1", "sex", "M"), year=SSDA_YEAR, row=("children", "C1", 0)),
    "CLA-007": Case(lambda r: r.set("children", "C1", "sex", "1"), year=LAC_YEAR, row=("children", "C1", 0)),
    "CLA-008": Case(lambda r: r.set("children", "C1", "date_of_birth", None), row=("children", "C1", 0)),
    "CLA-009": Case(lambda r: r.set("children", "C1", "date_of_birth", "2012/05/01"), row=("children", "C1", 0)),
    "CLA-010": Case(
        lambda r: r.set("children", "C7", "date_of_birth", r.date("2024-06-01")), row=("children", "C7", 0)
    ),
    "CLA-011": Case(
        lambda r: r.set("children", "C7", "date_of_birth", r.date("2001-01-01")), row=("children", "C7", 0)
    ),
    "CLA-012": Case(lambda r: r.set("children", "C1", "ethnicity", None), year=LAC_YEAR, row=("children", "C1", 0)),
    "CLA-013": Case(lambda r: r.set("children", "C1", "ethnicity", "XXXX"), row=("children", "C1", 0)),
    "CLA-014": Case(lambda r: r.set("children", "C1", "upn", "A12345"), row=("children", "C1", 0)),
    "CLA-015": Case(_bad_upn_check_letter, row=("children", "C1", 0)),
    "CLA-016": Case(lambda r: r.set("children", "C1", "uasc", None), row=("children", "C1", 0)),
    "CLA-017": Case(lambda r: r.drop("episodes", "C3"), row=("children", "C3", 0)),
    # episodes: formats and codes
    "CLA-018": Case(lambda r: r.set("episodes", "C3", "child_id", None)),
    "CLA-019": Case(lambda r: r.set("episodes", "C3", "child_id", "ABCDEFGHIJK"), row=("episodes", "ABCDEFGHIJK", 0)),
    "CLA-020": Case(lambda r: r.set("episodes", "C3", "child_id", "ZZZ"), row=("episodes", "ZZZ", 0)),
    "CLA-021": Case(lambda r: r.set("episodes", "C3", "episode_start_date", None), row=("episodes", "C3", 0)),
    "CLA-022": Case(lambda r: r.set("episodes", "C3", "episode_start_date", "2023/07/01"), row=("episodes", "C3", 0)),
    "CLA-023": Case(lambda r: r.set("episodes", "C3", "episode_end_date", "01-07-2023"), row=("episodes", "C3", 0)),
    "CLA-024": Case(lambda r: r.set("episodes", "C3", "reason_new_episode", None), row=("episodes", "C3", 0)),
    "CLA-025": Case(lambda r: r.set("episodes", "C3", "reason_new_episode", "Z"), row=("episodes", "C3", 0)),
    "CLA-026": Case(lambda r: r.set("episodes", "C7", "legal_status", None), row=("episodes", "C7", 0)),
    "CLA-027": Case(lambda r: r.set("episodes", "C7", "legal_status", "C9"), row=("episodes", "C7", 0)),
    "CLA-028": Case(lambda r: r.set("episodes", "C7", "category_of_need", None), row=("episodes", "C7", 0)),
    "CLA-029": Case(lambda r: r.set("episodes", "C7", "category_of_need", "N9"), row=("episodes", "C7", 0)),
    "CLA-030": Case(lambda r: r.set("episodes", "C7", "placement_type", None), row=("episodes", "C7", 0)),
    "CLA-031": Case(lambda r: r.set("episodes", "C7", "placement_type", "Q9"), row=("episodes", "C7", 0)),
    "CLA-032": Case(lambda r: r.set("episodes", "C1", "placement_type", "Q2", i=1), row=("episodes", "C1", 1)),
    "CLA-033": Case(
        lambda r: r.set("episodes", "C1", "placement_type", "F5", i=1), year=LAC_YEAR, row=("episodes", "C1", 1)
    ),
    "CLA-034": Case(lambda r: r.set("episodes", "C4", "reason_episode_ceased", "E99"), row=("episodes", "C4", 0)),
    "CLA-035": Case(
        lambda r: r.set("episodes", "C5", "reason_episode_ceased", "E10"), year=SSDA_YEAR, row=("episodes", "C5", 0)
    ),
    "CLA-036": Case(lambda r: r.set("episodes", "C7", "placement_postcode", "CF10 1AAXX"), row=("episodes", "C7", 0)),
    "CLA-037": Case(lambda r: r.set("episodes", "C7", "placement_postcode", "CF10 1AA"), row=("episodes", "C7", 0)),
    "CLA-038": Case(lambda r: r.set("episodes", "C7", "placement_la", "W06000099"), row=("episodes", "C7", 0)),
    # transfers
    "CLA-039": Case(lambda r: r.set("episodes", "C6", "transferred_from_la", "E06000001"), row=("episodes", "C6", 0)),
    "CLA-040": Case(
        lambda r: r.set("episodes", "C1", "transferred_from_la", "W06000011", i=1), row=("episodes", "C1", 1)
    ),
    "CLA-041": Case(lambda r: r.set("episodes", "C6", "transferred_from_la", LA), row=("episodes", "C6", 0)),
    # episode dates
    "CLA-042": Case(
        lambda r: r.set("episodes", "C6", "episode_start_date", r.date("2024-04-10")), row=("episodes", "C6", 0)
    ),
    "CLA-043": Case(
        lambda r: r.set("episodes", "C5", "episode_end_date", r.date("2024-04-05")), row=("episodes", "C5", 0)
    ),
    "CLA-044": Case(
        lambda r: r.set("episodes", "C3", "episode_end_date", r.date("2023-06-30")), row=("episodes", "C3", 0)
    ),
    "CLA-045": Case(
        lambda r: r.add(
            "episodes",
            {
                **r.rows("episodes", "C3")[0],
                "episode_start_date": r.date("2023-01-01"),
                "episode_end_date": r.date("2023-01-03"),
            },
        ),
        row=("episodes", "C3", 2),
    ),
    "CLA-046": Case(
        lambda r: r.set("children", "C7", "date_of_birth", r.date("2022-12-01")), row=("episodes", "C7", 0)
    ),
    "CLA-047": Case(
        lambda r: r.set("children", "C7", "date_of_birth", r.date("2004-06-01")), row=("episodes", "C7", 0)
    ),
    "CLA-048": Case(
        lambda r: r.set("episodes", "C1", "episode_start_date", r.date("2004-01-10")), row=("episodes", "C1", 0)
    ),
    "CLA-049": Case(lambda r: r.set("episodes", "C4", "reason_episode_ceased", None), row=("episodes", "C4", 0)),
    "CLA-050": Case(lambda r: r.set("episodes", "C7", "reason_episode_ceased", "E4"), row=("episodes", "C7", 0)),
    # episode sequence
    "CLA-051": Case(lambda r: r.copy_row("episodes", "C7"), row=("episodes", "C7", 1)),
    "CLA-052": Case(
        lambda r: r.set("episodes", "C1", "episode_start_date", r.date("2023-06-01"), i=1), row=("episodes", "C1", 1)
    ),
    "CLA-053": Case(
        lambda r: r.set("episodes", "C3", "episode_end_date", None).set(
            "episodes", "C3", "reason_episode_ceased", None
        ),
        row=("episodes", "C3", 0),
    ),
    "CLA-054": Case(
        lambda r: r.set("episodes", "C4", "episode_end_date", None).set(
            "episodes", "C4", "reason_episode_ceased", None
        ),
        row=("episodes", "C4", 0),
    ),
    "CLA-055": Case(lambda r: r.set("episodes", "C4", "reason_new_episode", "P", i=1), row=("episodes", "C4", 1)),
    "CLA-056": Case(lambda r: r.set("episodes", "C5", "reason_episode_ceased", "X1"), row=("episodes", "C5", 0)),
    "CLA-057": Case(
        lambda r: r.set("episodes", "C1", "episode_start_date", r.date("2023-07-05"), i=1), row=("episodes", "C1", 0)
    ),
    "CLA-058": Case(lambda r: r.set("episodes", "C1", "reason_new_episode", "S", i=1), row=("episodes", "C1", 1)),
    "CLA-059": Case(lambda r: r.set("episodes", "C3", "reason_new_episode", "P"), row=("episodes", "C3", 0)),
    "CLA-060": Case(lambda r: r.set("episodes", "C1", "legal_status", "V3", i=1), row=("episodes", "C1", 1)),
    # legal status and placement
    "CLA-061": Case(lambda r: r.set("episodes", "C2", "legal_status", "V2", i=1), row=("episodes", "C2", 1)),
    "CLA-062": Case(lambda r: r.set("episodes", "C2", "legal_status", "C2", i=1), row=("episodes", "C2", 1)),
    "CLA-063": Case(lambda r: r.set("episodes", "C2", "placement_type", "A4", i=1), row=("episodes", "C2", 1)),
    "CLA-064": Case(
        lambda r: r.set("episodes", "C7", "legal_status", "J1").set("episodes", "C7", "placement_type", "P1"),
        row=("episodes", "C7", 0),
    ),
    "CLA-065": Case(lambda r: r.set("episodes", "C3", "placement_type", "P1"), row=("episodes", "C3", 0)),
    # age and reason care ended
    "CLA-066": Case(
        lambda r: r.set("children", "C7", "date_of_birth", r.date("2005-01-01")), row=("episodes", "C7", 0)
    ),
    "CLA-067": Case(
        lambda r: r.set("children", "C5", "date_of_birth", r.date("2005-09-01")), row=("episodes", "C5", 0)
    ),
    "CLA-068": Case(lambda r: r.set("episodes", "C5", "placement_type", "K2"), row=("episodes", "C5", 0)),
    "CLA-069": Case(lambda r: r.set("episodes", "C2", "placement_type", "F4", i=1), row=("episodes", "C2", 1)),
    # adoptions
    "CLA-070": Case(lambda r: r.set("adoptions", "C2", "child_id", None)),
    "CLA-071": Case(lambda r: r.set("adoptions", "C2", "child_id", "ZZZ"), row=("adoptions", "ZZZ", 0)),
    "CLA-072": Case(lambda r: r.copy_row("adoptions", "C2"), row=("adoptions", "C2", 1)),
    "CLA-073": Case(lambda r: r.set("adoptions", "C2", "date_decision", None), row=("adoptions", "C2", 0)),
    "CLA-074": Case(lambda r: r.set("adoptions", "C2", "date_decision", "2022-13-01"), row=("adoptions", "C2", 0)),
    "CLA-075": Case(lambda r: r.set("adoptions", "C2", "date_placed", "10/05/2023x"), row=("adoptions", "C2", 0)),
    "CLA-076": Case(lambda r: r.set("adoptions", "C2", "date_adopted", "31/02/2024"), row=("adoptions", "C2", 0)),
    "CLA-077": Case(
        lambda r: r.set("adoptions", "C2", "date_decision", r.date("2024-04-02")), row=("adoptions", "C2", 0)
    ),
    "CLA-078": Case(
        lambda r: r.set("adoptions", "C2", "date_placed", r.date("2024-04-02")), row=("adoptions", "C2", 0)
    ),
    "CLA-079": Case(
        lambda r: r.set("adoptions", "C2", "date_adopted", r.date("2024-04-02")), row=("adoptions", "C2", 0)
    ),
    "CLA-080": Case(
        lambda r: r.set("adoptions", "C2", "date_placed", r.date("2022-07-01")), row=("adoptions", "C2", 0)
    ),
    "CLA-081": Case(
        lambda r: r.set("adoptions", "C2", "date_adopted", r.date("2023-05-01")), row=("adoptions", "C2", 0)
    ),
    "CLA-082": Case(lambda r: r.set("adoptions", "C2", "date_placed", None), row=("adoptions", "C2", 0)),
    "CLA-083": Case(
        lambda r: r.set("adoptions", "C2", "date_adopted", r.date("2024-01-21")), row=("adoptions", "C2", 0)
    ),
    "CLA-084": Case(
        lambda r: r.set("adoptions", "C2", "date_decision", r.date("2021-01-01")), row=("adoptions", "C2", 0)
    ),
    "CLA-085": Case(
        lambda r: r.set("adoptions", "C2", "date_placed", r.date("2023-03-01")).set(
            "adoptions", "C2", "date_adopted", None
        ),
        row=("adoptions", "C2", 0),
    ),
    "CLA-086": Case(lambda r: r.drop("adoptions", "C2"), row=("episodes", "C2", 1)),
    # care leavers
    "CLA-087": Case(lambda r: r.set("care_leavers", "L1", "child_id", None)),
    "CLA-088": Case(lambda r: r.copy_row("care_leavers", "L1"), row=("care_leavers", "L1", 1)),
    "CLA-089": Case(lambda r: r.set("care_leavers", "L1", "date_of_birth", None), row=("care_leavers", "L1", 0)),
    "CLA-090": Case(lambda r: r.set("care_leavers", "L1", "date_of_birth", "2004-6-10"), row=("care_leavers", "L1", 0)),
    "CLA-091": Case(
        lambda r: r.set("care_leavers", "L1", "date_of_birth", r.date("2003-06-10")), row=("care_leavers", "L1", 0)
    ),
    "CLA-092": Case(lambda r: r.set("care_leavers", "L1", "in_touch", "X"), row=("care_leavers", "L1", 0)),
    "CLA-093": Case(
        lambda r: r.set("care_leavers", "L1", "accommodation_suitable", None), row=("care_leavers", "L1", 0)
    ),
    "CLA-094": Case(
        lambda r: r.set("care_leavers", "L1", "accommodation_suitable", "U"), row=("care_leavers", "L1", 0)
    ),
    "CLA-095": Case(lambda r: r.set("care_leavers", "L1", "activity", None), row=("care_leavers", "L1", 0)),
    "CLA-096": Case(lambda r: r.set("care_leavers", "L1", "activity", "Z9"), row=("care_leavers", "L1", 0)),
    "CLA-097": Case(lambda r: r.set("care_leavers", "L1", "activity", "0"), row=("care_leavers", "L1", 0)),
    "CLA-098": Case(lambda r: r.set("care_leavers", "L2", "activity", "F1"), row=("care_leavers", "L2", 0)),
    "CLA-099": Case(
        lambda r: r.set("care_leavers", "L2", "accommodation_suitable", "Y"), row=("care_leavers", "L2", 0)
    ),
    # continuity with last year
    "CLA-100": Case(lambda r: r.drop("children", "C7").drop("episodes", "C7")),
    "CLA-101": Case(
        lambda r: r.set("episodes", "C7", "episode_start_date", r.date("2022-11-02")), row=("episodes", "C7", 0)
    ),
    "CLA-102": Case(lambda r: r.set("episodes", "C7", "legal_status", "C2"), row=("episodes", "C7", 0)),
    "CLA-103": Case(
        lambda r: r.set("children", "C1", "date_of_birth", r.date("2012-05-02")), row=("children", "C1", 0)
    ),
    # cross-census
    "CLA-104": Case(lambda r: r.crcs_ids.remove("C7"), row=("episodes", "C7", 0)),
}


def test_every_rule_has_a_case():
    assert set(CASES) == set(RULES)


def test_ids_in_order_and_at_least_sixty():
    ids = [r.id for r in CLA_RULES]
    assert ids == [f"CLA-{i:03d}" for i in range(1, len(ids) + 1)]
    assert len(ids) >= 60
    assert set(CLA_AREAS) == set(ids)


@pytest.mark.parametrize("year", [2025, 2023, 2022, 2021, 2019, 2016, 2015, 2014, 2006, 2003])
def test_the_clean_return_passes_every_rule(year):
    r = HandReturn(year)
    assert r.issues(CLA_RULES) == []
    assert r.issues(CLA_RULES, with_previous=False) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_passes_clean_and_fails_broken(rule_id):
    rule, case = RULES[rule_id], CASES[rule_id]
    clean = HandReturn(case.year)
    assert rule.applies(clean.ctx()), f"{rule_id} is not tested in an era it applies to"
    assert clean.issues([rule]) == []

    broken = HandReturn(case.year)
    case.edit(broken)
    issues = broken.issues([rule])
    assert issues, f"{rule_id} did not fire"
    assert {i.rule for i in issues} == {rule_id}
    assert {i.severity for i in issues} == {rule.severity}
    assert {i.message for i in issues} == {rule.message}
    if case.row is not None:
        table, child, i = case.row
        assert table == rule.table
        assert [i.row for i in issues] == [broken.line(table, child, i)]


def test_previous_year_rule_points_at_last_years_file():
    r = HandReturn(CLA_YEAR)
    CASES["CLA-100"].edit(r)
    (issue,) = r.issues([RULES["CLA-100"]])
    assert issue.file == f"cla/2022-23/{LA}/episodes.csv"
    c7_line = next(n + 2 for n, row in enumerate(r.prev_tables["episodes"]) if row["child_id"] == "C7")
    assert issue.row == c7_line


def test_cross_year_rules_quiet_without_last_years_return():
    for rule_id in ("CLA-100", "CLA-101", "CLA-102", "CLA-103"):
        r = HandReturn(CLA_YEAR)
        CASES[rule_id].edit(r)
        assert r.issues([RULES[rule_id]], with_previous=False) == []


def test_rules_apply_only_in_their_eras():
    assert RULES["CLA-006"].eras == ("SSDA903",)
    assert RULES["CLA-007"].eras == ("LAC", "CLA")
    assert RULES["CLA-032"].eras == ("CLA",)
    assert RULES["CLA-033"].eras == ("SSDA903", "LAC")
    assert RULES["CLA-035"].eras == ("SSDA903",)
    for rule_id in ("CLA-039", "CLA-040", "CLA-041"):
        assert RULES[rule_id].eras == ("CLA",)
    # Q2 is right in 2021-22 and wrong in 2022-23; F5 the other way round
    for year, code, fires in ((2021, "Q2", False), (2022, "Q2", True), (2021, "F5", True), (2022, "F5", False)):
        r = HandReturn(year)
        r.set("episodes", "C7", "placement_type", code)
        fired = {i.rule for i in r.issues(CLA_RULES)}
        assert bool(fired & {"CLA-032", "CLA-033"}) == fires, (year, code, fired)
        assert "CLA-031" not in fired


def test_dates_must_be_in_the_eras_format():
    ssda, lac = HandReturn(2015), HandReturn(2016)
    ssda.set("children", "C1", "date_of_birth", "2006-05-01")  # ISO in a DD/MM/YYYY year
    lac.set("children", "C1", "date_of_birth", "01/05/2007")  # DD/MM/YYYY in an ISO year
    for r in (ssda, lac):
        assert [i.rule for i in r.issues([RULES["CLA-009"]])] == ["CLA-009"]


def test_a_bad_date_is_reported_once_by_its_format_rule():
    """An unreadable start date: the format rule reports it; no date-logic or sequence rule does."""
    r = HandReturn(CLA_YEAR)
    r.set("episodes", "C1", "episode_start_date", "30/06/2023", i=1)
    fired = [i.rule for i in r.issues(CLA_RULES)]
    assert fired == ["CLA-022"]
    r = HandReturn(CLA_YEAR)
    r.set("children", "C7", "date_of_birth", "not a date")
    assert [i.rule for i in r.issues(CLA_RULES)] == ["CLA-009"]
    r = HandReturn(CLA_YEAR)
    r.set("episodes", "C4", "episode_end_date", "2023-10-32")
    assert [i.rule for i in r.issues(CLA_RULES)] == ["CLA-023"]


def test_bad_codes_are_reported_by_the_code_rule_only():
    r = HandReturn(CLA_YEAR)
    r.set("episodes", "C4", "reason_episode_ceased", "E4X")
    r.set("episodes", "C2", "legal_status", "E9", i=1)
    assert sorted(i.rule for i in r.issues(CLA_RULES)) == ["CLA-027", "CLA-034"]


def test_nineteenth_birthday_on_29_february_falls_on_1_march():
    r = HandReturn(2022)  # 1 April 2022 – 31 March 2023: a 19th birthday on 1 March 2023 is in the year
    r.set("care_leavers", "L1", "date_of_birth", "2004-02-29")
    assert r.issues([RULES["CLA-091"]]) == []
    r = HandReturn(2023)  # ... and not in 2023-24
    r.set("care_leavers", "L1", "date_of_birth", "2004-02-29")
    assert [i.rule for i in r.issues([RULES["CLA-091"]])] == ["CLA-091"]


def test_transitional_care_order_with_placement_order_placement():
    """A5/A6 with a care order: accepted when the adoption decision predates placement orders."""
    r = HandReturn(2006)  # 2006-07: the placement for adoption starts in May 2006
    r.set("episodes", "C2", "legal_status", "C2", i=1)
    r.set("adoptions", "C2", "date_decision", "15/01/2006")
    assert [i.rule for i in r.issues([RULES["CLA-062"]])] == ["CLA-062"]
    r.set("adoptions", "C2", "date_decision", "01/12/2005")
    assert r.issues([RULES["CLA-062"]]) == []
    assert r.issues([RULES["CLA-061"]]) == []


def test_messages_are_fixed_and_free_of_personal_data():
    r = HandReturn(CLA_YEAR)
    personal = {UPN} | {row["date_of_birth"] for table in ("children", "care_leavers") for row in r.tables[table]}
    for rule in CLA_RULES:
        words = set(rule.message.replace(",", " ").replace(".", " ").replace(":", " ").split())
        assert not words & personal, rule.id
        assert "{" not in rule.message, rule.id
        assert rule.message[0].isupper() and rule.message.endswith("."), rule.id
        assert rule.severity in ("error", "warning")
        assert rule.fields and rule.description, rule.id


BAD_VALUES = ["", " ", "?", "1066-01-01", "31/12/1066", "9999-12-31", "01/01/9999", "2023-02-30", "X" * 300, "0", "S"]


@pytest.mark.parametrize("year", [CLA_YEAR, LAC_YEAR, SSDA_YEAR])
@pytest.mark.parametrize("every_row", [True, False], ids=["every-row", "first-row"])
def test_no_rule_crashes_on_bad_values(year, every_row):
    """Any text in any column (of every row, or of each table's first row only, so that the other
    rows stay valid and the logic rules run around it): rules report it or skip it, none raises."""
    for value in BAD_VALUES:
        r = HandReturn(year)
        for rows in r.tables.values():
            for row in rows if every_row else rows[:1]:
                for column in row:
                    if column != "child_id":
                        row[column] = value
        r.issues(CLA_RULES)


def test_no_rule_crashes_on_empty_or_missing_tables():
    r = HandReturn(CLA_YEAR)
    ctx = r.ctx()
    for table in ("adoptions", "care_leavers", "episodes", "children"):
        ctx = r.ctx()
        del ctx.tables[table]
        run_rules(ctx, CLA_RULES)
        ctx = r.ctx()
        ctx.tables[table] = ctx.tables[table].iloc[0:0]
        run_rules(ctx, CLA_RULES)
    ctx = r.ctx()
    ctx.previous = {"children": ctx.previous["children"]}  # last year's episodes unknown
    run_rules(ctx, CLA_RULES)


def test_cross_census_rule_counts_only_children_looked_after_on_31_march_under_18():
    rule = RULES["CLA-104"]
    r = HandReturn(CLA_YEAR)
    r.crcs_ids = ["C2"]  # C1, C4, C6, C7 are looked after on 31 March; C2 (adopted), C3 (short breaks), C5 (left) not
    assert sorted(i.row for i in r.issues([rule])) == sorted(
        r.line("episodes", c, i) for c, i in (("C1", 1), ("C4", 1), ("C6", 0), ("C7", 0))
    )
    r.set("children", "C7", "date_of_birth", r.date("2005-01-01"))  # 18 on 31 March: not a CRCS child
    assert r.line("episodes", "C7", 0) not in {i.row for i in r.issues([rule])}


def test_cross_census_rule_quiet_without_the_crcs_return_or_before_2009_10():
    rule = RULES["CLA-104"]
    r = HandReturn(CLA_YEAR)
    r.crcs_ids = None
    assert r.issues([rule]) == []
    for year, fires in ((2008, False), (2009, True)):
        r = HandReturn(year)
        r.crcs_ids = []
        assert bool(r.issues([rule])) == fires, year
