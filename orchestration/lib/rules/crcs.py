"""The Welsh CRCS validation rule pack: ``CRCS_RULES``, run with ``run_rules(ctx, CRCS_RULES)``.

CRCS (children receiving care and support; Children in Need, CIN, before 2016-17) has one table,
``children``: in the CIN and CRCS snapshot eras one row per child whose case or plan was open on
the census date, in the CRCS all-year era (2023-24 on) one row per care and support plan open at
any time in the year, with its end date and reason for closure.

As in the CLA pack, each rule is an id, the fields it looks at, the eras it applies to, a
severity and a fixed message without personal data, and checks are vectorised and robust to bad
values: a value that is missing, unreadable or not a valid code is reported by its own rule and
skipped by every other rule.

A child is *unborn* when the row has an expected date of birth and no date of birth; *born* when
it has a date of birth. Ages are taken on the census date (in the all-year era on the plan's end
date when the plan closed in the year).

Severities: ``error`` for what breaks the submission spec (a missing or malformed value, a code
not valid in the year's era, dates that contradict each other, a row that has no place in the
return); ``warning`` for what is implausible but does not make the published figures wrong:
an expected date of birth that has passed or is far off, health items given for children too
young for them, school attendance outside school age, a code repeated in a list, and the
cross-census check with the LA's CLA return.

Overlapping plans of one child (CRCS-040) are a warning, not an error: the spec allows a child
more than one plan in the all-year era and does not forbid two open at once, and the publication
rules provide for it (a child with more than one qualifying plan takes the attributes of the
plan that started latest, and children, not plans, are counted), so the published figures stay
right; it is still worth the LA's look, as it usually means an earlier plan was not closed.
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from orchestration.lib.rules import Eras, Rule, RuleContext
from orchestration.lib.rules import helpers as h

ERROR, WARNING = "error", "warning"
# Era ranges by their first and last era (named in the eras seed): a range open at the end goes on
# into any era added after it. SNAPSHOT: a row per child open on the census date; ALL_YEAR: a row
# per plan open during the year.
SNAPSHOT = Eras(last="CRCS")
UNTIL_CIN = Eras(last="CIN")
FROM_CRCS = Eras(first="CRCS")
ALL_YEAR = Eras(first="CRCS_ALL_YEAR")

TABLE = "children"
UNBORN_SEX = frozenset({"9", "U"})  # CIN: 9 not known or unborn; CRCS: U unknown or unborn
NOT_FOR_UNBORN_NEED = frozenset({"N2", "N8", "N9"})
FLAG = ("Y", "N")
PREGNANCY = pd.DateOffset(months=9)
SCHOOL_AGE = (4, 16)  # reception (the year a child turns 5) to year 11, in completed years on the date

FORMAT_HINT = "(DD/MM/YYYY up to 2015-16, YYYY-MM-DD from 2016-17)"

_RULES: list[Rule] = []
CRCS_AREAS: dict[str, str] = {}  # rule id -> area, for docs and reports

Check = Callable[[RuleContext], pd.Series]


def _rule(
    rule_id: str,
    fields: tuple[str, ...],
    severity: str,
    message: str,
    area: str,
    eras: Eras | None = None,
    description: str = "",
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        _RULES.append(
            Rule(
                id=rule_id,
                census="crcs",
                table=TABLE,
                fields=fields,
                message=message,
                severity=severity,
                era_range=eras,
                check=check,
                description=description or (check.__doc__ or "").strip(),
            )
        )
        CRCS_AREAS[rule_id] = area
        return check

    return register


# Accessors -----------------------------------------------------------------------------------


def _frame(ctx: RuleContext) -> pd.DataFrame:
    return ctx.tables[TABLE]


def _c(ctx: RuleContext, column: str) -> pd.Series:
    return h.col(_frame(ctx), column)


def _d(ctx: RuleContext, column: str) -> pd.Series:
    return h.dates(ctx, TABLE, column)


def _valid(ctx: RuleContext, s: pd.Series, code_list: str) -> pd.Series:
    return h.isin(s, h.era_codes(ctx, code_list))


def _unborn(ctx: RuleContext) -> pd.Series:
    """No date of birth, an expected date of birth (readable or not)."""
    return _c(ctx, "date_of_birth").isna() & _c(ctx, "expected_date_of_birth").notna()


def _born(ctx: RuleContext) -> pd.Series:
    return _c(ctx, "date_of_birth").notna()


def _reference_date(ctx: RuleContext) -> pd.Series:
    """The census date; in the all-year era the plan's end date when it closed in the year."""
    census = h.census_date(ctx)
    ref = pd.Series(census, index=_frame(ctx).index, dtype="datetime64[ns]")
    if ALL_YEAR.holds(ctx):
        end = _d(ctx, "plan_end_date")
        ref = ref.where(~(end.notna() & (end < census)), end)
    return ref


def _age(ctx: RuleContext) -> pd.Series:
    """Age in completed years on the reference date (NaN when the date of birth is unknown)."""
    return h.age_on(_d(ctx, "date_of_birth"), _reference_date(ctx))


def _open_at_census(ctx: RuleContext) -> pd.Series:
    """The row's plan is open on the census date: every row in the snapshot eras, a row with no end date after."""
    if ALL_YEAR.holds(ctx):
        return _c(ctx, "plan_end_date").isna()
    return pd.Series(True, index=_frame(ctx).index)


# Rule factories ------------------------------------------------------------------------------


def _required(rule_id, column, message, area, eras=None, where: Check | None = None, description=""):
    @_rule(rule_id, (column,), ERROR, message, area, eras, description=description or f"`{column}` is empty.")
    def check(ctx):
        out = h.missing(_c(ctx, column))
        return out & where(ctx) if where else out

    return check


def _bad_date(rule_id, column, message, area, eras=None):
    description = f"`{column}` is given but is not a real date written in the era's format {FORMAT_HINT}."

    @_rule(rule_id, (column,), ERROR, message, area, eras, description=description)
    def check(ctx):
        return h.bad_date(ctx, TABLE, column)

    return check


def _code_not_valid(rule_id, column, code_list, message, area, eras=None, any_era=False):
    what = "any era's" if any_era else "the era's"

    @_rule(
        rule_id,
        (column,),
        ERROR,
        message,
        area,
        eras,
        description=f"`{column}` is given but is not in {what} `{code_list}` code list.",
    )
    def check(ctx):
        valid = h.codes_any_era(ctx.census, code_list) if any_era else h.era_codes(ctx, code_list)
        return h.not_in(_c(ctx, column), valid)

    return check


def _code_of_other_era(rule_id, column, code_list, message, area, eras):
    description = f"`{column}` is a `{code_list}` code of another era, not valid in this year's era."

    @_rule(rule_id, (column,), ERROR, message, area, eras, description=description)
    def check(ctx):
        return h.isin(_c(ctx, column), h.other_era_codes(ctx, code_list))

    return check


def _bad_items(rule_id, column, code_list, message, area):
    description = (
        f"`{column}` is given and one of its `;`-separated items is empty or not in the era's `{code_list}` list."
    )

    @_rule(rule_id, (column,), ERROR, message, area, description=description)
    def check(ctx):
        return h.bad_items(_c(ctx, column), h.era_codes(ctx, code_list))

    return check


def _repeated_items(rule_id, column, message, area):
    @_rule(rule_id, (column,), WARNING, message, area, description=f"`{column}` names the same code more than once.")
    def check(ctx):
        return h.repeated_items(_c(ctx, column))

    return check


def _flag(rule_id, column, message, area, eras=None, required=False):
    allowed = "Y or N" if required else "Y, N or empty"

    @_rule(rule_id, (column,), ERROR, message, area, eras, description=f"`{column}` is not {allowed}.")
    def check(ctx):
        s = _c(ctx, column)
        return ~h.isin(s, FLAG) if required else h.not_in(s, FLAG)

    return check


# =============================================================================================
# Identity

A_ID = "Children and plans"

_required(
    "CRCS-001",
    "child_id",
    "The child ID is missing: give every child the local authority's own ID for them.",
    A_ID,
)


@_rule(
    "CRCS-002",
    ("child_id",),
    ERROR,
    "The child ID is longer than 10 characters: use the local authority's ID for the child, at most 10 characters.",
    A_ID,
)
def _id_too_long(ctx):
    """`child_id` is longer than 10 characters."""
    return h.text_longer(_c(ctx, "child_id"), 10)


@_rule(
    "CRCS-003",
    ("child_id",),
    ERROR,
    "The child ID appears on more than one row: up to 2022-23 the return has one row per child, the case or plan "
    "open on 31 March; remove or merge the repeated row.",
    A_ID,
    eras=SNAPSHOT,
)
def _duplicate_child(ctx):
    """The second and later rows with the same `child_id` (CIN and CRCS snapshot eras)."""
    return h.duplicated_key(_frame(ctx), ["child_id"])


@_rule(
    "CRCS-004",
    ("child_id", "plan_start_date"),
    ERROR,
    "The same child has two rows with the same plan start date: give each care and support plan once; remove or "
    "merge the repeated row.",
    A_ID,
    eras=ALL_YEAR,
)
def _duplicate_plan(ctx):
    """The second and later rows with the same `child_id` and `plan_start_date` (all-year era)."""
    return h.duplicated_key(_frame(ctx), ["child_id", "plan_start_date"])


# =============================================================================================
# Sex

A_SEX = "Sex"

_required(
    "CRCS-005", "sex", "Sex is missing: give the child's sex (the code for not known or unborn if need be).", A_SEX
)
_code_not_valid(
    "CRCS-006",
    "sex",
    "sex",
    "Sex is not a recognised code: use 1, 2 or 9 up to 2015-16 (CIN era), M, F, N or U from 2016-17.",
    A_SEX,
    any_era=True,
)
_code_of_other_era(
    "CRCS-007",
    "sex",
    "sex",
    "Sex is given as M, F, N or U, codes of the CRCS returns from 2016-17, but returns up to 2015-16 (CIN era) use "
    "1 (male), 2 (female) or 9 (not known or unborn): recode the sex.",
    A_SEX,
    UNTIL_CIN,
)
_code_of_other_era(
    "CRCS-008",
    "sex",
    "sex",
    "Sex is given as 1, 2 or 9, codes of the CIN returns up to 2015-16, but CRCS returns from 2016-17 use M (male), "
    "F (female), N (non-binary) or U (unknown or unborn): recode the sex.",
    A_SEX,
    FROM_CRCS,
)

# =============================================================================================
# Date of birth and age

A_BIRTH = "Date of birth and age"


@_rule(
    "CRCS-009",
    ("date_of_birth", "expected_date_of_birth"),
    ERROR,
    "The date of birth is missing: give the child's date of birth, or the expected date of birth for an unborn child.",
    A_BIRTH,
)
def _no_birth_date(ctx):
    """Neither `date_of_birth` nor `expected_date_of_birth` is given."""
    return _c(ctx, "date_of_birth").isna() & _c(ctx, "expected_date_of_birth").isna()


@_rule(
    "CRCS-010",
    ("expected_date_of_birth", "date_of_birth"),
    ERROR,
    "Both a date of birth and an expected date of birth are given: the expected date is for unborn children only; "
    "remove it once the child is born.",
    A_BIRTH,
)
def _both_birth_dates(ctx):
    """`date_of_birth` and `expected_date_of_birth` are both given."""
    return _c(ctx, "date_of_birth").notna() & _c(ctx, "expected_date_of_birth").notna()


_bad_date(
    "CRCS-011",
    "date_of_birth",
    f"The date of birth is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_BIRTH,
)
_bad_date(
    "CRCS-012",
    "expected_date_of_birth",
    f"The expected date of birth is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_BIRTH,
)


@_rule(
    "CRCS-013",
    ("date_of_birth",),
    ERROR,
    "The date of birth is after the census date (31 March): check the date of birth, or give an expected date of "
    "birth instead if the child is not yet born.",
    A_BIRTH,
)
def _dob_after_census(ctx):
    """`date_of_birth` is after the census date (31 March at the end of the collection year)."""
    return _d(ctx, "date_of_birth") > h.census_date(ctx)


@_rule(
    "CRCS-014",
    ("date_of_birth",),
    ERROR,
    "The child is 18 or older on the census date (31 March): only children under 18 belong in the return; check "
    "the date of birth or remove the row.",
    A_BIRTH,
    eras=SNAPSHOT,
)
def _adult_at_census(ctx):
    """The child is 18 or over on the census date (CIN and CRCS snapshot eras)."""
    return h.age_on(_d(ctx, "date_of_birth"), h.census_date(ctx)) >= 18


@_rule(
    "CRCS-015",
    ("date_of_birth", "plan_start_date"),
    ERROR,
    "The child was 18 or older when the plan started: a care and support plan for a child must start before their "
    "18th birthday; check the date of birth and the plan start date, or remove the row.",
    A_BIRTH,
    eras=ALL_YEAR,
)
def _adult_at_plan_start(ctx):
    """The child is 18 or over on `plan_start_date` (all-year era)."""
    return h.age_on(_d(ctx, "date_of_birth"), _d(ctx, "plan_start_date")) >= 18


@_rule(
    "CRCS-016",
    ("plan_end_date", "date_of_birth"),
    WARNING,
    "The plan is still open on the census date (31 March) although the young person is 18 or older: close the plan "
    "on the day it ended, or check the date of birth.",
    A_BIRTH,
    eras=ALL_YEAR,
)
def _adult_plan_open(ctx):
    """A plan with no end date (all-year era) of a child who is 18 or over on the census date, and was under 18
    when the plan started."""
    dob = _d(ctx, "date_of_birth")
    return (
        _open_at_census(ctx)
        & (h.age_on(dob, h.census_date(ctx)) >= 18)
        & (h.age_on(dob, _d(ctx, "plan_start_date")) < 18)
    )


def _first_present(ctx: RuleContext, values: pd.Series, where: pd.Series) -> pd.Series:
    """Per row: the first present value of ``values`` among the same child's rows with ``where`` (file order)."""
    ids = _c(ctx, "child_id")
    keep = ids.notna() & values.notna() & where
    first = pd.DataFrame({"child": ids[keep], "value": values[keep]}).drop_duplicates("child", keep="first")
    mapping = pd.Series(first["value"].to_numpy(dtype=object), index=first["child"].to_numpy(dtype=object))
    return h.lookup(ids, mapping)


@_rule(
    "CRCS-017",
    ("date_of_birth",),
    ERROR,
    "The child's date of birth is different on another of their plans in this return: a child has one date of "
    "birth; correct it on every row of the child.",
    A_BIRTH,
    eras=ALL_YEAR,
)
def _dob_differs(ctx):
    """A (valid) `date_of_birth` differs from the first valid date of birth of the same `child_id` in the file."""
    dob = _d(ctx, "date_of_birth")
    text = _c(ctx, "date_of_birth").where(dob.notna())
    first = _first_present(ctx, text, dob.notna())
    return text.notna() & first.notna() & text.ne(first)


@_rule(
    "CRCS-018",
    ("sex",),
    WARNING,
    "The child's sex is different on another of their plans in this return: check the child's sex and give the "
    "same on every row of the child.",
    A_BIRTH,
    eras=ALL_YEAR,
)
def _sex_differs(ctx):
    """Among the rows of a born child (with a date of birth), a valid `sex` that differs from the first one
    (the unborn code on a plan from before the birth is fine)."""
    sex = _c(ctx, "sex")
    ok = _valid(ctx, sex, "sex") & _born(ctx)
    first = _first_present(ctx, sex.where(ok), ok)
    return ok & first.notna() & sex.ne(first)


# =============================================================================================
# Unborn children

A_UNBORN = "Unborn children"


@_rule(
    "CRCS-019",
    ("expected_date_of_birth",),
    WARNING,
    "The expected date of birth is on or before the census date (31 March), or the end of the plan: if the child "
    "has been born, give the date of birth instead; otherwise check the expected date.",
    A_UNBORN,
)
def _expected_passed(ctx):
    """An unborn child whose `expected_date_of_birth` is on or before the census date (all-year era: on or before
    the plan's end date when it closed in the year)."""
    expected = _d(ctx, "expected_date_of_birth")
    return _unborn(ctx) & (expected <= _reference_date(ctx))


@_rule(
    "CRCS-020",
    ("expected_date_of_birth",),
    WARNING,
    "The expected date of birth is more than 9 months after the census date (31 March), or the end of the plan: "
    "check the expected date.",
    A_UNBORN,
)
def _expected_far_off(ctx):
    """An unborn child whose `expected_date_of_birth` is more than 9 calendar months after the census date
    (all-year era: after the plan's end date when it closed in the year)."""
    expected = _d(ctx, "expected_date_of_birth")
    return _unborn(ctx) & (expected > _reference_date(ctx) + PREGNANCY)


@_rule(
    "CRCS-021",
    ("sex", "expected_date_of_birth"),
    ERROR,
    "An unborn child must have sex 9 (not known or unborn) up to 2015-16, or U (unknown or unborn) from 2016-17: "
    "recode the sex, or give the date of birth if the child has been born.",
    A_UNBORN,
)
def _unborn_sex(ctx):
    """An unborn child with a `sex` code valid in the era other than 9 / U."""
    sex = _c(ctx, "sex")
    return _unborn(ctx) & _valid(ctx, sex, "sex") & ~h.isin(sex, UNBORN_SEX)


@_rule(
    "CRCS-022",
    ("disability", "expected_date_of_birth"),
    ERROR,
    "A disability is recorded for an unborn child: leave disability empty until the child is born.",
    A_UNBORN,
)
def _unborn_disability(ctx):
    """An unborn child with `disability` given."""
    return _unborn(ctx) & _c(ctx, "disability").notna()


@_rule(
    "CRCS-023",
    ("category_of_need", "expected_date_of_birth"),
    ERROR,
    "The category of need cannot be N2 (child's disability or illness), N8 (absent parenting) or N9 (cases other "
    "than children in need) for an unborn child: choose the category that applies.",
    A_UNBORN,
)
def _unborn_need(ctx):
    """An unborn child with `category_of_need` N2, N8 or N9."""
    return _unborn(ctx) & h.isin(_c(ctx, "category_of_need"), NOT_FOR_UNBORN_NEED)


@_rule(
    "CRCS-024",
    ("looked_after", "expected_date_of_birth"),
    ERROR,
    "An unborn child cannot be looked after: set looked after to N, or give the date of birth if the child has been "
    "born.",
    A_UNBORN,
)
def _unborn_looked_after(ctx):
    """An unborn child with `looked_after` Y."""
    return _unborn(ctx) & _c(ctx, "looked_after").eq("Y")


# =============================================================================================
# Ethnicity and UPN

A_ETH = "Ethnicity and UPN"

_required(
    "CRCS-025",
    "ethnicity",
    "Ethnicity is missing: it is required for every child who has been born; use NOBT if it has not been obtained "
    "yet or REFU if the child or family refused to give it.",
    A_ETH,
    where=_born,
    description="`ethnicity` is empty for a child with a date of birth.",
)
_code_not_valid(
    "CRCS-026",
    "ethnicity",
    "ethnicity",
    "Ethnicity is not a recognised code: use a code from the ethnicity list (for example WBRI, MWBC, NOBT).",
    A_ETH,
)


@_rule(
    "CRCS-027",
    ("upn",),
    ERROR,
    "The UPN is not in a valid form: it must be 13 characters (a check letter then 12 digits, the last of which "
    "may be a letter for a temporary UPN), or UN1 to UN5 when the child has none.",
    A_ETH,
)
def _upn_form(ctx):
    """`upn` is given and is neither 13 characters (a check letter from the DfE alphabet, 11 digits, then a
    digit or letter) nor one of UN1–UN5."""
    return ~h.upn_form_ok(_c(ctx, "upn"))


@_rule(
    "CRCS-028",
    ("upn",),
    ERROR,
    "The UPN's check letter does not match the rest of the number: check the UPN against the school record.",
    A_ETH,
)
def _upn_check_letter(ctx):
    """A 13-character UPN whose first letter is not the DfE check letter of characters 2–13 (weights 2–13,
    sum modulo 23)."""
    return ~h.upn_check_letter_ok(_c(ctx, "upn"))


# =============================================================================================
# Plan dates

A_PLAN = "Plan dates"

_required(
    "CRCS-029",
    "plan_start_date",
    "The plan start date is missing: give the date the care and support plan started (the referral date up to "
    "2015-16).",
    A_PLAN,
)
_bad_date(
    "CRCS-030",
    "plan_start_date",
    f"The plan start date is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_PLAN,
)


@_rule(
    "CRCS-031",
    ("plan_start_date",),
    ERROR,
    "The plan start (referral) date is after the census date (31 March): the return holds only the children whose "
    "case or plan was open on 31 March; check the date, or remove the row.",
    A_PLAN,
    eras=SNAPSHOT,
)
def _start_after_census_snapshot(ctx):
    """`plan_start_date` is after the census date, so the case or plan was not open on it (CIN and CRCS snapshot
    eras: the return has no end dates, only plans open on the census date)."""
    return _d(ctx, "plan_start_date") > h.census_date(ctx)


@_rule(
    "CRCS-032",
    ("plan_start_date",),
    ERROR,
    "The plan starts after the end of the year (31 March): it belongs in next year's return; check the date, or "
    "remove the row.",
    A_PLAN,
    eras=ALL_YEAR,
)
def _start_after_census_all_year(ctx):
    """`plan_start_date` is after the census date (all-year era)."""
    return _d(ctx, "plan_start_date") > h.census_date(ctx)


_bad_date(
    "CRCS-033",
    "plan_end_date",
    f"The plan end date is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_PLAN,
    eras=ALL_YEAR,
)


@_rule(
    "CRCS-034",
    ("plan_end_date", "plan_start_date"),
    ERROR,
    "The plan ends before it starts: correct the plan start date or end date.",
    A_PLAN,
    eras=ALL_YEAR,
)
def _end_before_start(ctx):
    """`plan_end_date` is before `plan_start_date`."""
    return _d(ctx, "plan_end_date") < _d(ctx, "plan_start_date")


@_rule(
    "CRCS-035",
    ("plan_end_date",),
    ERROR,
    "The plan end date is after the census date (31 March): a plan still open on 31 March has no end date; remove "
    "the end date and the reason for closure, or correct the date.",
    A_PLAN,
    eras=ALL_YEAR,
)
def _end_after_census(ctx):
    """`plan_end_date` is after the census date."""
    return _d(ctx, "plan_end_date") > h.census_date(ctx)


@_rule(
    "CRCS-036",
    ("plan_end_date",),
    ERROR,
    "The plan ended before the year started (1 April): only plans open at some time in the year belong in the "
    "return; check the date, or remove the row.",
    A_PLAN,
    eras=ALL_YEAR,
)
def _ended_before_year(ctx):
    """`plan_end_date` is before 1 April, the start of the collection year."""
    return _d(ctx, "plan_end_date") < h.year_start(ctx)


@_rule(
    "CRCS-037",
    ("reason_for_closure", "plan_end_date"),
    ERROR,
    "The plan has an end date but no reason for closure: give the reason the plan closed.",
    A_PLAN,
    eras=ALL_YEAR,
)
def _end_without_reason(ctx):
    """`plan_end_date` is given and `reason_for_closure` is empty."""
    return _c(ctx, "plan_end_date").notna() & _c(ctx, "reason_for_closure").isna()


@_rule(
    "CRCS-038",
    ("reason_for_closure", "plan_end_date"),
    ERROR,
    "A reason for closure is given but the plan has no end date: give the date the plan ended, or remove the reason "
    "if the plan is still open.",
    A_PLAN,
    eras=ALL_YEAR,
)
def _reason_without_end(ctx):
    """`reason_for_closure` is given and `plan_end_date` is empty."""
    return _c(ctx, "reason_for_closure").notna() & _c(ctx, "plan_end_date").isna()


_code_not_valid(
    "CRCS-039",
    "reason_for_closure",
    "reason_for_closure",
    "The reason for closure is not a recognised code: use RC1 to RC8.",
    A_PLAN,
    eras=ALL_YEAR,
)


@_rule(
    "CRCS-040",
    ("plan_start_date",),
    WARNING,
    "The plan starts before another plan of the same child has ended: the child's plans overlap; check whether the "
    "earlier plan should have been closed, and correct its end date.",
    A_PLAN,
    eras=ALL_YEAR,
)
def _overlapping_plans(ctx):
    """A plan starting before the latest end of the same child's earlier-starting plans (an open plan never ends;
    a plan ending on the day the next starts does not overlap). Rows with a missing or unreadable start, and
    repeated child and start dates, are left to their own rules; an unreadable end counts as the start."""
    start = _d(ctx, "plan_start_date")
    end = _d(ctx, "plan_end_date")
    raw_end = _c(ctx, "plan_end_date")
    end = end.where(raw_end.isna() | end.notna(), start).where(raw_end.notna(), pd.Timestamp.max)
    d = pd.DataFrame({"child": _c(ctx, "child_id"), "start": start, "end": end})
    d = d[d["child"].notna() & d["start"].notna()]
    d = d[~d.duplicated(["child", "start"], keep="first")].sort_values(["child", "start"], kind="stable")
    if d.empty:
        return h.none(_frame(ctx))
    before = d.groupby("child", sort=False)["end"].cummax().groupby(d["child"], sort=False).shift(1)
    flagged = before.notna() & (d["start"] < before)
    return flagged.reindex(_frame(ctx).index, fill_value=False).astype(bool)


@_rule(
    "CRCS-041",
    ("plan_start_date", "date_of_birth"),
    WARNING,
    "The plan starts more than 9 months before the child's date of birth: check the plan start date and the date "
    "of birth.",
    A_PLAN,
)
def _start_long_before_birth(ctx):
    """`plan_start_date` is more than 9 calendar months before `date_of_birth` (a plan may start before the birth,
    but not by more than a pregnancy)."""
    return _d(ctx, "plan_start_date") + PREGNANCY < _d(ctx, "date_of_birth")


# =============================================================================================
# Category of need, disability and parental factors

A_NEED = "Need, disability and parental factors"

_required(
    "CRCS-042", "category_of_need", "The category of need is missing: give the child's main need (N1 to N9).", A_NEED
)
_code_not_valid(
    "CRCS-043",
    "category_of_need",
    "category_of_need",
    "The category of need is not a recognised code: use N1 to N9.",
    A_NEED,
)
_bad_items(
    "CRCS-044",
    "disability",
    "disability",
    "A disability code is not recognised: use codes from the disability list (for example MOB, LD, AUT), separated "
    "by ; when there are several, or leave it empty when no disability is recorded.",
    A_NEED,
)
_repeated_items(
    "CRCS-045",
    "disability",
    "The same disability code is given more than once for the child: give each code once.",
    A_NEED,
)
_bad_items(
    "CRCS-046",
    "parental_factors",
    "parental_factors",
    "A parental factor code is not recognised: use codes from the parental factors list (PMH, PSM, DA, PLD, PPH), "
    "separated by ; when there are several, or leave it empty when none is recorded.",
    A_NEED,
)
_repeated_items(
    "CRCS-047",
    "parental_factors",
    "The same parental factor code is given more than once for the child: give each code once.",
    A_NEED,
)

# =============================================================================================
# Looked after and child protection

A_CP = "Looked after and child protection"

_flag(
    "CRCS-048",
    "looked_after",
    "Looked after must be Y or N: say whether the child is looked after.",
    A_CP,
    required=True,
)
_flag(
    "CRCS-049",
    "on_child_protection_register",
    "On the child protection register must be Y or N: say whether the child is on the register.",
    A_CP,
    required=True,
)


@_rule(
    "CRCS-050",
    ("cpr_category", "on_child_protection_register"),
    ERROR,
    "The child is on the child protection register but the category of abuse is missing: give the register category.",
    A_CP,
)
def _cpr_category_missing(ctx):
    """`on_child_protection_register` is Y and `cpr_category` is empty."""
    return _c(ctx, "on_child_protection_register").eq("Y") & _c(ctx, "cpr_category").isna()


@_rule(
    "CRCS-051",
    ("cpr_category", "on_child_protection_register"),
    ERROR,
    "A child protection register category is given but the child is not on the register: remove the category, or "
    "set on the register to Y.",
    A_CP,
)
def _cpr_category_not_on_register(ctx):
    """`on_child_protection_register` is N and `cpr_category` is given."""
    return _c(ctx, "on_child_protection_register").eq("N") & _c(ctx, "cpr_category").notna()


_code_not_valid(
    "CRCS-052",
    "cpr_category",
    "child_protection_category",
    "The child protection register category is not a recognised code: use NEG, PHY, SAB, EMO or MUL (and FIN from "
    "2016-17).",
    A_CP,
    any_era=True,
)
_code_of_other_era(
    "CRCS-053",
    "cpr_category",
    "child_protection_category",
    "The child protection register category FIN (financial abuse) is a code of the CRCS returns from 2016-17; CIN "
    "returns up to 2015-16 do not have it: use NEG, PHY, SAB, EMO or MUL.",
    A_CP,
    UNTIL_CIN,
)

# =============================================================================================
# Health, wellbeing and school

A_HEALTH = "Health, wellbeing and school"

_flag(
    "CRCS-054",
    "child_mental_health",
    "Child mental health must be Y, N or empty: correct the value.",
    A_HEALTH,
    eras=FROM_CRCS,
)
_flag(
    "CRCS-055", "child_substance_misuse", "Child substance misuse must be Y, N or empty: correct the value.", A_HEALTH
)
_flag("CRCS-056", "youth_offending", "Youth offending must be Y, N or empty: correct the value.", A_HEALTH)
_flag(
    "CRCS-057",
    "immunisations_up_to_date",
    "Immunisations up to date must be Y, N or empty: correct the value.",
    A_HEALTH,
)
_flag("CRCS-058", "dental_check", "Dental check must be Y, N or empty: correct the value.", A_HEALTH)


@_rule(
    "CRCS-059",
    ("immunisations_up_to_date",),
    WARNING,
    "Immunisations up to date is given for a child under 1 or unborn: it is recorded for children aged 1 and over "
    "only; leave it empty, or check the date of birth.",
    A_HEALTH,
)
def _immunisations_too_young(ctx):
    """`immunisations_up_to_date` is given for an unborn child or one under 1 (on the census date, or the plan's
    end date when it closed in the year)."""
    return _c(ctx, "immunisations_up_to_date").notna() & (_unborn(ctx) | (_age(ctx) < 1))


@_rule(
    "CRCS-060",
    ("dental_check",),
    WARNING,
    "Dental check is given for a child under 5 or unborn: it is recorded for children aged 5 and over only; leave "
    "it empty, or check the date of birth.",
    A_HEALTH,
)
def _dental_too_young(ctx):
    """`dental_check` is given for an unborn child or one under 5 (on the census date, or the plan's end date)."""
    return _c(ctx, "dental_check").notna() & (_unborn(ctx) | (_age(ctx) < 5))


@_rule(
    "CRCS-061",
    ("school_attendance_pct",),
    ERROR,
    "School attendance must be a percentage from 0 to 100 (a number, without the % sign): correct the value.",
    A_HEALTH,
    eras=FROM_CRCS,
)
def _attendance_not_a_percentage(ctx):
    """`school_attendance_pct` is given and is not a number from 0 to 100."""
    s = _c(ctx, "school_attendance_pct")
    n = h.numbers(s)
    return s.notna() & ~n.between(0, 100)


@_rule(
    "CRCS-062",
    ("school_attendance_pct", "date_of_birth"),
    WARNING,
    "School attendance is given for a child who is not of school age (4 to 16 on 31 March) or is unborn: leave it "
    "empty, or check the date of birth.",
    A_HEALTH,
    eras=FROM_CRCS,
)
def _attendance_not_school_age(ctx):
    """`school_attendance_pct` is given for an unborn child, or one under 4 or over 16 in completed years (on the
    census date, or the plan's end date when it closed in the year)."""
    age = _age(ctx)
    low, high = SCHOOL_AGE
    return _c(ctx, "school_attendance_pct").notna() & (_unborn(ctx) | (age < low) | (age > high))


# =============================================================================================
# Cross-census: the LA's CLA return for the same year (ctx.linked)

A_LINK = "Cross-census"


@_rule(
    "CRCS-063",
    ("looked_after", "child_id"),
    WARNING,
    "The child is recorded as looked after, but the local authority's CLA return for the same year does not have "
    "them looked after on 31 March: check the looked after flag here, or the child's episodes and ID in the CLA "
    "return.",
    A_LINK,
)
def _looked_after_missing_from_cla(ctx):
    """A born child with `looked_after` Y whose plan is open on the census date, and whose `child_id` has no CLA
    episode open on 31 March (start on or before it, no end date, legal status not V3/V4) in the LA's CLA return
    of the same year. Quiet when that return has not landed."""
    frame = _frame(ctx)
    episodes = (ctx.linked or {}).get("episodes")
    if not isinstance(episodes, pd.DataFrame):
        return h.none(frame)
    looked_after = h.cla_looked_after_at_census(episodes, ctx.year)
    in_cla = h.col(episodes, "child_id")[looked_after]
    ids = _c(ctx, "child_id")
    return _c(ctx, "looked_after").eq("Y") & _born(ctx) & _open_at_census(ctx) & ids.notna() & ~h.member(ids, in_cla)


CRCS_RULES: tuple[Rule, ...] = tuple(_RULES)

assert [r.id for r in CRCS_RULES] == [f"CRCS-{i:03d}" for i in range(1, len(CRCS_RULES) + 1)], "rule ids in order"
