"""The Welsh CLA validation rule pack: ``CLA_RULES``, run with ``run_rules(ctx, CLA_RULES)``.

Each rule is an id, the table and fields it looks at, the eras it applies to, a severity and a
fixed message that tells an LA officer what to fix, without personal data. Checks are
vectorised (no Python loop over the rows of a return) and robust to bad values: a value that
is missing, unreadable or not a valid code is reported by its own format or code rule and
skipped by every other rule, so one mistake gives one issue.

Severities: ``error`` (the LA's partition is blocked until it is fixed) for anything that
breaks the submission spec — a missing or malformed value, a code not valid in the year's era,
dates that contradict each other, episodes that cannot follow one another, a child still open at 18
on the census date (care cannot continue past 18). ``warning`` (reported only) for what is
implausible or worth a look but does not make the published figures wrong: implausible dates,
short breaks mixed with care, continuity with
last year's return, and the cross-census check with the LA's CRCS return of the same year.

Legal status and placement pairs checked (CLA-061 – CLA-065), from the codes' own definitions:

- A5/A6 (placed for adoption with a placement order, or a freeing order where consent was
  dispensed with) need a court order: E1 or D1, or a care order (C1/C2). A care order alone is an
  error of recording from 30 December 2005, when placement orders came in (Adoption and Children
  Act 2002): a warning, unless the episode started, or the child's adoption decision was made,
  before then (a placement under the old law).
- A3/A4 (placed for adoption with consent) need V2 (accommodated, with consent), D1 (freeing
  order) or a care order (C1/C2); not E1 (use A5/A6), emergency, youth justice or short breaks.
- J1–J3 (remand, PACE, youth rehabilitation order with residence) cannot be placed with parents (P1).
- V3/V4 (short breaks) cannot be with parents (P1), in a secure unit (K1) or in a young offender
  institution (R5).
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from orchestration.lib.rules import Eras, Rule, RuleContext
from orchestration.lib.rules import helpers as h

ERROR, WARNING = "error", "warning"
# Era ranges by their first and last era (named in the eras seed): a range open at the end goes on
# into any era added after it.
UNTIL_SSDA903 = Eras(last="SSDA903")
FROM_LAC = Eras(first="LAC")
UNTIL_LAC = Eras(last="LAC")
FROM_CLA = Eras(first="CLA")

SHORT_BREAKS = frozenset({"V3", "V4"})
FOSTER = frozenset({"Q1", "Q2", "F1", "F2", "F3", "F4", "F5", "F6"})
ADOPTION_PLACEMENTS = frozenset({"A3", "A4", "A5", "A6"})
ADOPTED = frozenset({"E11", "E12"})
YOUTH_JUSTICE = frozenset({"J1", "J2", "J3"})
ACA_2002_IN_FORCE = pd.Timestamp(2005, 12, 30)  # placement orders (E1) exist from this date

FORMAT_HINT = "(DD/MM/YYYY up to 2015-16, YYYY-MM-DD from 2016-17)"

_RULES: list[Rule] = []
CLA_AREAS: dict[str, str] = {}  # rule id -> area, for docs and reports

Check = Callable[[RuleContext], pd.Series]


def _rule(
    rule_id: str,
    table: str,
    fields: tuple[str, ...],
    severity: str,
    message: str,
    area: str,
    eras: Eras | None = None,
    description: str = "",
    previous: bool = False,
) -> Callable[[Check], Check]:
    def register(check: Check) -> Check:
        _RULES.append(
            Rule(
                id=rule_id,
                census="cla",
                table=table,
                fields=fields,
                message=message,
                severity=severity,
                era_range=eras,
                check=check,
                description=description or (check.__doc__ or "").strip(),
                previous=previous,
            )
        )
        CLA_AREAS[rule_id] = area
        return check

    return register


def _frame(ctx: RuleContext, table: str) -> pd.DataFrame:
    return ctx.tables[table]


def _c(ctx: RuleContext, table: str, column: str) -> pd.Series:
    return h.col(ctx.tables[table], column)


# Small rule factories for the many rules of the same shape -----------------------------------


def _required(rule_id, table, column, message, area, eras=None, severity=ERROR):
    @_rule(rule_id, table, (column,), severity, message, area, eras, description=f"`{column}` is empty.")
    def check(ctx):
        return h.missing(_c(ctx, table, column))

    return check


def _too_long(rule_id, table, column, n, message, area, eras=None):
    @_rule(
        rule_id, table, (column,), ERROR, message, area, eras, description=f"`{column}` is longer than {n} characters."
    )
    def check(ctx):
        return h.text_longer(_c(ctx, table, column), n)

    return check


def _bad_date(rule_id, table, column, message, area):
    @_rule(
        rule_id,
        table,
        (column,),
        ERROR,
        message,
        area,
        description=f"`{column}` is given but is not a real date written in the era's format {FORMAT_HINT}.",
    )
    def check(ctx):
        return h.bad_date(ctx, table, column)

    return check


def _after_census(rule_id, table, column, message, area, severity=ERROR):
    @_rule(
        rule_id,
        table,
        (column,),
        severity,
        message,
        area,
        description=f"`{column}` is after the census date (31 March at the end of the collection year).",
    )
    def check(ctx):
        return h.dates(ctx, table, column) > h.census_date(ctx)

    return check


def _code_not_in_era(rule_id, table, column, code_list, message, area, eras=None, any_era=False):
    what = "any era's" if any_era else "the era's"
    description = f"`{column}` is given but is not in {what} `{code_list}` code list."

    @_rule(rule_id, table, (column,), ERROR, message, area, eras, description=description)
    def check(ctx):
        valid = h.codes_any_era(ctx.census, code_list) if any_era else h.era_codes(ctx, code_list)
        return h.not_in(_c(ctx, table, column), valid)

    return check


def _code_of_other_era(rule_id, table, column, code_list, message, area, eras):
    description = f"`{column}` is a `{code_list}` code of another era, not valid in this year's era."

    @_rule(rule_id, table, (column,), ERROR, message, area, eras, description=description)
    def check(ctx):
        return h.isin(_c(ctx, table, column), h.other_era_codes(ctx, code_list))

    return check


def _duplicate_child(rule_id, table, message, area):
    @_rule(
        rule_id,
        table,
        ("child_id",),
        ERROR,
        message,
        area,
        description="The second and later rows with the same `child_id`.",
    )
    def check(ctx):
        return h.duplicated_key(_frame(ctx, table), ["child_id"])

    return check


def _unknown_child(rule_id, table, message, area):
    @_rule(
        rule_id,
        table,
        ("child_id", "children.child_id"),
        ERROR,
        message,
        area,
        description="`child_id` is given but no row of the children file has it.",
    )
    def check(ctx):
        children = h.table(ctx, "children")
        ids = _c(ctx, table, "child_id")
        if children is None:
            return h.none(_frame(ctx, table))
        return ids.notna() & ~h.member(ids, h.col(children, "child_id"))

    return check


# =============================================================================================
# Children: identity, sex, date of birth, ethnicity, UPN, UASC

A_CHILD = "Children"

_required(
    "CLA-001",
    "children",
    "child_id",
    "The child ID is missing: give every child the local authority's own ID for them.",
    A_CHILD,
)
_too_long(
    "CLA-002",
    "children",
    "child_id",
    10,
    "The child ID is longer than 10 characters: use the local authority's ID for the child, at most 10 characters.",
    A_CHILD,
)
_duplicate_child(
    "CLA-003",
    "children",
    "The child ID appears on more than one row of the children file: each child must appear once; remove or merge "
    "the repeated row.",
    A_CHILD,
)
_required("CLA-004", "children", "sex", "Sex is missing: give the child's sex.", A_CHILD)
_code_not_in_era(
    "CLA-005",
    "children",
    "sex",
    "sex",
    "Sex is not a recognised code: use 1 (male) or 2 (female) up to 2015-16, M or F from 2016-17.",
    A_CHILD,
    any_era=True,
)
_code_of_other_era(
    "CLA-006",
    "children",
    "sex",
    "sex",
    "Sex is given as M or F, but returns up to 2015-16 use 1 (male) or 2 (female): recode the sex.",
    A_CHILD,
    UNTIL_SSDA903,
)
_code_of_other_era(
    "CLA-007",
    "children",
    "sex",
    "sex",
    "Sex is given as 1 or 2, but returns from 2016-17 use M (male) or F (female): recode the sex.",
    A_CHILD,
    FROM_LAC,
)
_required(
    "CLA-008", "children", "date_of_birth", "The date of birth is missing: give the child's date of birth.", A_CHILD
)
_bad_date(
    "CLA-009",
    "children",
    "date_of_birth",
    f"The date of birth is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_CHILD,
)
_after_census(
    "CLA-010",
    "children",
    "date_of_birth",
    "The date of birth is after the census date (31 March): check the date of birth.",
    A_CHILD,
)


@_rule(
    "CLA-011",
    "children",
    ("date_of_birth",),
    WARNING,
    "The date of birth makes the child 21 or older at the start of the year, too old to be looked after in the "
    "year: check the date of birth.",
    A_CHILD,
)
def _dob_implausibly_old(ctx):
    """The child is 21 or over on 1 April, the start of the collection year."""
    return h.age_on(h.dates(ctx, "children", "date_of_birth"), h.year_start(ctx)) >= 21


_required(
    "CLA-012",
    "children",
    "ethnicity",
    "Ethnicity is missing: it is required from 2016-17; use NOBT if it has not been obtained yet or REFU if "
    "the child or family refused to give it.",
    A_CHILD,
    eras=FROM_LAC,
)
_code_not_in_era(
    "CLA-013",
    "children",
    "ethnicity",
    "ethnicity",
    "Ethnicity is not a recognised code: use a code from the ethnicity list (for example WBRI, MWBC, NOBT).",
    A_CHILD,
)


@_rule(
    "CLA-014",
    "children",
    ("upn",),
    ERROR,
    "The UPN is not in a valid form: it must be 13 characters (a check letter then 12 digits, the last of which "
    "may be a letter for a temporary UPN), or UN1 to UN5 when the child has none.",
    A_CHILD,
)
def _upn_form(ctx):
    """`upn` is given and is neither 13 characters (a check letter from the DfE alphabet, 11 digits, then a
    digit or letter) nor one of UN1–UN5."""
    return ~h.upn_form_ok(_c(ctx, "children", "upn"))


@_rule(
    "CLA-015",
    "children",
    ("upn",),
    ERROR,
    "The UPN's check letter does not match the rest of the number: check the UPN against the school record.",
    A_CHILD,
)
def _upn_check_letter(ctx):
    """A 13-character UPN whose first letter is not the DfE check letter of characters 2–13 (weights 2–13,
    sum modulo 23; a final letter counts as its place in the alphabet ABCDEFGHJKLMNPQRTUVWXYZ)."""
    return ~h.upn_check_letter_ok(_c(ctx, "children", "upn"))


@_rule(
    "CLA-016",
    "children",
    ("uasc",),
    ERROR,
    "Unaccompanied asylum-seeking child (uasc) must be Y or N: fill in the flag.",
    A_CHILD,
    eras=FROM_LAC,
)
def _uasc(ctx):
    """`uasc` is empty or not Y/N."""
    return ~h.isin(_c(ctx, "children", "uasc"), ("Y", "N"))


@_rule(
    "CLA-017",
    "children",
    ("child_id", "episodes.child_id"),
    ERROR,
    "The child has no episodes in the episodes file: add the child's episodes, or remove the child if they were "
    "not looked after in the year.",
    A_CHILD,
)
def _child_without_episodes(ctx):
    """A child in the children file with no row in the episodes file."""
    episodes = h.table(ctx, "episodes")
    ids = _c(ctx, "children", "child_id")
    if episodes is None:
        return h.none(_frame(ctx, "children"))
    return ids.notna() & ~h.member(ids, h.col(episodes, "child_id"))


# =============================================================================================
# Episodes: required values, formats and codes

A_EP = "Episodes: formats and codes"

_required(
    "CLA-018",
    "episodes",
    "child_id",
    "The child ID is missing from the episode: give the ID used for the child in the children file.",
    A_EP,
)
_too_long(
    "CLA-019",
    "episodes",
    "child_id",
    10,
    "The child ID on the episode is longer than 10 characters: use the ID of the child in the children file.",
    A_EP,
)
_unknown_child(
    "CLA-020",
    "episodes",
    "The episode's child is not in the children file: add the child, or correct the child ID on the episode.",
    A_EP,
)
_required(
    "CLA-021", "episodes", "episode_start_date", "The episode start date is missing: give the date it started.", A_EP
)
_bad_date(
    "CLA-022",
    "episodes",
    "episode_start_date",
    f"The episode start date is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_EP,
)
_bad_date(
    "CLA-023",
    "episodes",
    "episode_end_date",
    f"The episode end date is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_EP,
)
_required(
    "CLA-024",
    "episodes",
    "reason_new_episode",
    "The reason for new episode is missing: give S, L, P, T, B or U.",
    A_EP,
)
_code_not_in_era(
    "CLA-025",
    "episodes",
    "reason_new_episode",
    "reason_new_episode",
    "The reason for new episode is not a recognised code: use S, L, P, T, B or U.",
    A_EP,
)
_required(
    "CLA-026",
    "episodes",
    "legal_status",
    "The legal status is missing: give the child's legal status during the episode.",
    A_EP,
)
_code_not_in_era(
    "CLA-027",
    "episodes",
    "legal_status",
    "legal_status",
    "The legal status is not a recognised code: use a code from the legal status list (for example C1, C2, E1, "
    "V2, J1).",
    A_EP,
)
_required(
    "CLA-028", "episodes", "category_of_need", "The category of need is missing: give a code from N1 to N8.", A_EP
)
_code_not_in_era(
    "CLA-029",
    "episodes",
    "category_of_need",
    "category_of_need",
    "The category of need is not a recognised code: use a code from N1 to N8.",
    A_EP,
)
_required("CLA-030", "episodes", "placement_type", "The placement type is missing: give the placement type.", A_EP)
_code_not_in_era(
    "CLA-031",
    "episodes",
    "placement_type",
    "placement_type",
    "The placement type is not a recognised code: use a code from this year's placement type list.",
    A_EP,
    any_era=True,
)
_code_of_other_era(
    "CLA-032",
    "episodes",
    "placement_type",
    "placement_type",
    "Placement types Q1 and Q2 are not used from 2022-23: recode the foster placement as one of F1 to F6.",
    A_EP,
    FROM_CLA,
)
_code_of_other_era(
    "CLA-033",
    "episodes",
    "placement_type",
    "placement_type",
    "Placement types F1 to F6 are only used from 2022-23: use Q1 (foster placement with relative or friend) or "
    "Q2 (other foster carer) for this year.",
    A_EP,
    UNTIL_LAC,
)
_code_not_in_era(
    "CLA-034",
    "episodes",
    "reason_episode_ceased",
    "reason_episode_ceased",
    "The reason episode ceased is not a recognised code: use a code from the reason episode ceased list (for "
    "example X1, E4, E11).",
    A_EP,
    any_era=True,
)
_code_of_other_era(
    "CLA-035",
    "episodes",
    "reason_episode_ceased",
    "reason_episode_ceased",
    "Reason episode ceased E10 (When I Am Ready) is only used from 2016-17: use a reason from this year's list.",
    A_EP,
    UNTIL_SSDA903,
)
_too_long(
    "CLA-036",
    "episodes",
    "placement_postcode",
    8,
    "The placement postcode is longer than 8 characters: correct the postcode.",
    A_EP,
)

OUTWARD_CODE = r"[A-Z]{1,2}[0-9][A-Z0-9]?"


@_rule(
    "CLA-037",
    "episodes",
    ("placement_postcode",),
    ERROR,
    "From 2016-17 the placement postcode is the outward code only (for example CF10, not CF10 1AA): remove the "
    "rest of the postcode.",
    A_EP,
    eras=FROM_LAC,
)
def _postcode_outward(ctx):
    """`placement_postcode` (8 characters or fewer) is not an outward code such as CF10, SA1 or LL57."""
    pc = _c(ctx, "episodes", "placement_postcode")
    ok = pc.str.fullmatch(OUTWARD_CODE).fillna(False).astype(bool)
    return pc.notna() & (pc.str.len() <= 8) & ~ok


@_rule(
    "CLA-038",
    "episodes",
    ("placement_la",),
    ERROR,
    "The placement LA is not a Welsh local authority code or OUT: give the GSS code (W06…) of the Welsh LA where "
    "the child is placed, or OUT for a placement outside Wales.",
    A_EP,
    eras=FROM_LAC,
)
def _placement_la(ctx):
    """`placement_la` is given and is neither one of the 22 Welsh LA GSS codes nor OUT."""
    return h.not_in(_c(ctx, "episodes", "placement_la"), h.welsh_las() | {"OUT"})


# =============================================================================================
# Transfers between Welsh LAs (CLA era)

A_XFER = "Transfers"


@_rule(
    "CLA-039",
    "episodes",
    ("transferred_from_la",),
    ERROR,
    "Transferred from LA is not a Welsh local authority code: give the GSS code (W06…) of the Welsh LA that "
    "looked after the child until the day before.",
    A_XFER,
    eras=FROM_CLA,
)
def _xfer_code(ctx):
    """`transferred_from_la` is given and is not one of the 22 Welsh LA GSS codes. (The column exists only in
    the CLA era: a file of another era that has it is rejected when it is read.)"""
    return h.not_in(_c(ctx, "episodes", "transferred_from_la"), h.welsh_las())


@_rule(
    "CLA-040",
    "episodes",
    ("transferred_from_la", "reason_new_episode"),
    ERROR,
    "Transferred from LA is only given on an episode that starts a period of care (reason for new episode S): "
    "remove it, or correct the reason for new episode.",
    A_XFER,
    eras=FROM_CLA,
)
def _xfer_not_s(ctx):
    """`transferred_from_la` is given on an episode whose `reason_new_episode` is a valid code other than S."""
    rne = _c(ctx, "episodes", "reason_new_episode")
    return (
        _c(ctx, "episodes", "transferred_from_la").notna()
        & h.isin(rne, h.era_codes(ctx, "reason_new_episode"))
        & rne.ne("S")
    )


@_rule(
    "CLA-041",
    "episodes",
    ("transferred_from_la",),
    ERROR,
    "Transferred from LA is this local authority's own code: give the LA the child was transferred from, or leave "
    "it empty if the child was not transferred.",
    A_XFER,
    eras=FROM_CLA,
)
def _xfer_self(ctx):
    """`transferred_from_la` is the submitting LA's own GSS code."""
    return _c(ctx, "episodes", "transferred_from_la").eq(ctx.la_code)


# =============================================================================================
# Episode dates

A_DATES = "Episode dates"

_after_census(
    "CLA-042",
    "episodes",
    "episode_start_date",
    "The episode starts after the census date (31 March): an episode that starts after the census date belongs "
    "in next year's return.",
    A_DATES,
)
_after_census(
    "CLA-043",
    "episodes",
    "episode_end_date",
    "The episode end date is after the census date (31 March): leave the end date empty if the episode was still "
    "open on 31 March.",
    A_DATES,
)


@_rule(
    "CLA-044",
    "episodes",
    ("episode_end_date", "episode_start_date"),
    ERROR,
    "The episode ends before it starts: check the start and end dates.",
    A_DATES,
)
def _ends_before_start(ctx):
    """`episode_end_date` is before `episode_start_date` (both valid dates)."""
    return h.dates(ctx, "episodes", "episode_end_date") < h.dates(ctx, "episodes", "episode_start_date")


@_rule(
    "CLA-045",
    "episodes",
    ("episode_end_date",),
    WARNING,
    "The episode ended before the collection year began (1 April): only episodes open at some time in the year "
    "belong in the return; remove it or check the end date.",
    A_DATES,
)
def _ended_before_year(ctx):
    """`episode_end_date` is before 1 April, the start of the collection year."""
    return h.dates(ctx, "episodes", "episode_end_date") < h.year_start(ctx)


@_rule(
    "CLA-046",
    "episodes",
    ("episode_start_date", "children.date_of_birth"),
    ERROR,
    "The child's date of birth is after the start of this episode: check the date of birth and the episode start date.",
    A_DATES,
)
def _born_after_start(ctx):
    """The child's `date_of_birth` (children file) is after `episode_start_date`."""
    dob = h.dob_for(ctx, _c(ctx, "episodes", "child_id"))
    return dob > h.dates(ctx, "episodes", "episode_start_date")


@_rule(
    "CLA-047",
    "episodes",
    ("episode_start_date", "children.date_of_birth"),
    ERROR,
    "The child was 18 or over when this episode started: a child cannot start an episode of care at 18; check the "
    "date of birth and the start date.",
    A_DATES,
)
def _started_at_18(ctx):
    """Age in completed years on `episode_start_date` is 18 or more (29 February birthdays fall on 1 March)."""
    dob = h.dob_for(ctx, _c(ctx, "episodes", "child_id"))
    return h.age_on(dob, h.dates(ctx, "episodes", "episode_start_date")) >= 18


@_rule(
    "CLA-048",
    "episodes",
    ("episode_start_date",),
    WARNING,
    "The episode start date is more than 18 years before the start of the collection year: check the year of the "
    "start date.",
    A_DATES,
)
def _start_implausibly_old(ctx):
    """`episode_start_date` is more than 18 years before 1 April of the collection year."""
    limit = pd.Timestamp(ctx.year.start_year - 18, 4, 1)
    return h.dates(ctx, "episodes", "episode_start_date") < limit


@_rule(
    "CLA-049",
    "episodes",
    ("reason_episode_ceased", "episode_end_date"),
    ERROR,
    "The episode has an end date but no reason episode ceased: give the reason, or remove the end date if the "
    "episode is still open.",
    A_DATES,
)
def _end_without_reason(ctx):
    """`episode_end_date` is given and `reason_episode_ceased` is empty."""
    return _c(ctx, "episodes", "episode_end_date").notna() & _c(ctx, "episodes", "reason_episode_ceased").isna()


@_rule(
    "CLA-050",
    "episodes",
    ("episode_end_date", "reason_episode_ceased"),
    ERROR,
    "The episode has a reason episode ceased but no end date: give the end date, or remove the reason if the "
    "episode is still open.",
    A_DATES,
)
def _reason_without_end(ctx):
    """`reason_episode_ceased` is given and `episode_end_date` is empty."""
    return _c(ctx, "episodes", "reason_episode_ceased").notna() & _c(ctx, "episodes", "episode_end_date").isna()


# =============================================================================================
# Episode sequence (each child's episodes in date order)

A_SEQ = "Episode sequence"


def _chain(ctx) -> pd.DataFrame:
    return h.episode_chain(ctx)


def _valid(ctx, s: pd.Series, code_list: str) -> pd.Series:
    return h.isin(s, h.era_codes(ctx, code_list))


@_rule(
    "CLA-051",
    "episodes",
    ("episode_start_date", "child_id"),
    ERROR,
    "The child has another episode starting on the same date: remove the duplicate episode or correct the start date.",
    A_SEQ,
)
def _duplicate_episode(ctx):
    """The second and later rows with the same `child_id` and `episode_start_date` (the file's unique key)."""
    ep = _frame(ctx, "episodes")
    key = pd.DataFrame({"c": h.col(ep, "child_id"), "s": h.dates(ctx, "episodes", "episode_start_date")})
    return key.notna().all(axis=1) & key.duplicated(keep="first")


@_rule(
    "CLA-052",
    "episodes",
    ("episode_start_date",),
    ERROR,
    "The episode starts before the child's previous episode ends: the episodes overlap; correct the dates so that "
    "each episode ends on or before the day the next one starts.",
    A_SEQ,
)
def _overlap(ctx):
    """The episode starts before the end date of the same child's previous episode."""
    c = _chain(ctx)
    return h.on_chain(ctx, c["prev_end"].notna() & (c["start"] < c["prev_end"]))


def _open_after(c: pd.DataFrame) -> pd.Series:
    """Number of the child's open episodes after each episode."""
    rev = c.iloc[::-1]
    opened = rev["open"].astype(int)
    return (opened.groupby(rev["child"], sort=False).cumsum() - opened).reindex(c.index)


@_rule(
    "CLA-053",
    "episodes",
    ("episode_end_date",),
    ERROR,
    "The episode has no end date, but the child has a later episode: add the end date and the reason episode ceased.",
    A_SEQ,
)
def _open_not_last(ctx):
    """An episode with no end date followed by a later episode of the same child, none of them open."""
    c = _chain(ctx)
    return h.on_chain(ctx, c["open"] & ~c["last"] & _open_after(c).eq(0))


@_rule(
    "CLA-054",
    "episodes",
    ("episode_end_date",),
    ERROR,
    "The child has more than one open episode (no end date): give an end date and reason to every episode but "
    "the latest.",
    A_SEQ,
)
def _two_open(ctx):
    """An open episode of a child who has a later open episode."""
    c = _chain(ctx)
    return h.on_chain(ctx, c["open"] & _open_after(c).gt(0))


@_rule(
    "CLA-055",
    "episodes",
    ("reason_new_episode",),
    ERROR,
    "The child's previous episode ended their period of care (a reason other than X1), so this episode must start "
    "a new period with reason for new episode S: correct this reason, or the previous episode's reason ceased.",
    A_SEQ,
)
def _new_period_not_s(ctx):
    """The previous episode of the child ended with a valid reason other than X1, and this episode's
    `reason_new_episode` is a valid code other than S."""
    c = _chain(ctx)
    prev_rec = c["prev_reason_episode_ceased"]
    m = (
        c["prev_end"].notna()
        & _valid(ctx, prev_rec, "reason_episode_ceased")
        & prev_rec.ne("X1")
        & _valid(ctx, c["reason_new_episode"], "reason_new_episode")
        & c["reason_new_episode"].ne("S")
    )
    return h.on_chain(ctx, m)


@_rule(
    "CLA-056",
    "episodes",
    ("reason_episode_ceased",),
    ERROR,
    "The child's last episode in the return ends with X1 (a new episode follows), but there is no later episode: "
    "add the episode that followed, or give the reason care ended.",
    A_SEQ,
)
def _x1_last(ctx):
    """The child's last episode has an end date and `reason_episode_ceased` X1."""
    c = _chain(ctx)
    return h.on_chain(ctx, c["last"] & c["end"].notna() & c["reason_episode_ceased"].eq("X1"))


@_rule(
    "CLA-057",
    "episodes",
    ("reason_episode_ceased", "episode_end_date"),
    ERROR,
    "The episode ends with X1 (care continues), but the child's next episode starts more than a day later: correct "
    "the dates, or give the reason care ended.",
    A_SEQ,
)
def _x1_gap(ctx):
    """X1, and the next episode of the child starts two or more days after this one ends."""
    c = _chain(ctx)
    gap = h.days_between(c["end"], c["next_start"])
    return h.on_chain(ctx, c["reason_episode_ceased"].eq("X1") & (gap > 1))


@_rule(
    "CLA-058",
    "episodes",
    ("reason_new_episode",),
    ERROR,
    "The episode starts a new period of care (S) although the previous episode ended with X1 the same or the "
    "previous day: use the reason for the change (L, P, T, B or U), or correct the previous reason ceased.",
    A_SEQ,
)
def _s_after_x1(ctx):
    """`reason_new_episode` S where the previous episode ended with X1 on the same day or the day before."""
    c = _chain(ctx)
    gap = h.days_between(c["prev_end"], c["start"])
    return h.on_chain(
        ctx, c["reason_new_episode"].eq("S") & c["prev_reason_episode_ceased"].eq("X1") & gap.between(0, 1)
    )


@_rule(
    "CLA-059",
    "episodes",
    ("reason_new_episode", "episode_start_date"),
    ERROR,
    "The child's first episode in the return starts during the year but does not start a period of care (S): "
    "include the episode before it, or correct the reason for new episode.",
    A_SEQ,
)
def _first_not_s(ctx):
    """The child's first episode starts after 1 April and its `reason_new_episode` is a valid code other than S
    (the episode before it was open during the year, so it belongs in the return)."""
    c = _chain(ctx)
    rne = c["reason_new_episode"]
    m = c["first"] & (c["start"] > h.year_start(ctx)) & _valid(ctx, rne, "reason_new_episode") & rne.ne("S")
    return h.on_chain(ctx, m)


@_rule(
    "CLA-060",
    "episodes",
    ("legal_status",),
    WARNING,
    "The period of care mixes short breaks (legal status V3 or V4) with other legal statuses: check the legal "
    "status; short breaks are counted apart from other care.",
    A_SEQ,
)
def _short_breaks_mixed(ctx):
    """Within one period of care (episodes joined by X1), an episode switches between a short-break legal status
    (V3, V4) and another one. Flags the episode where the switch happens."""
    c = _chain(ctx)
    ls = c["legal_status"]
    valid = _valid(ctx, ls, "legal_status")
    prev_ls = c["prev_legal_status"]
    prev_valid = _valid(ctx, prev_ls, "legal_status")
    same_period = ~c["first"] & c["prev_reason_episode_ceased"].eq("X1")
    switch = ls.isin(SHORT_BREAKS) != prev_ls.isin(SHORT_BREAKS)
    return h.on_chain(ctx, same_period & valid & prev_valid & switch)


# =============================================================================================
# Legal status and placement

A_LSPL = "Legal status and placement"


def _ls_pl(ctx) -> tuple[pd.Series, pd.Series, pd.Series]:
    ls, pl = _c(ctx, "episodes", "legal_status"), _c(ctx, "episodes", "placement_type")
    both = _valid(ctx, ls, "legal_status") & _valid(ctx, pl, "placement_type")
    return ls, pl, both


@_rule(
    "CLA-061",
    "episodes",
    ("placement_type", "legal_status"),
    ERROR,
    "The child is placed for adoption under a placement order (placement type A5 or A6) but the legal status is "
    "not an order under which that can happen (E1, D1 or a care order): check the placement type and legal status.",
    A_LSPL,
)
def _a56_needs_order(ctx):
    """Placement A5/A6 with a legal status other than E1, D1, C1 or C2 (for example V2, a short break, an
    emergency or youth justice status): consent was not dispensed with by a court."""
    ls, pl, both = _ls_pl(ctx)
    return both & pl.isin({"A5", "A6"}) & ~ls.isin({"E1", "D1", "C1", "C2"})


@_rule(
    "CLA-062",
    "episodes",
    ("legal_status", "placement_type"),
    WARNING,
    "The child is placed for adoption under a placement order (placement type A5 or A6) but the legal status is "
    "still a care order: record the placement order (E1) as a change of legal status.",
    A_LSPL,
)
def _a56_care_order(ctx):
    """Placement A5/A6 with a care order (C1, C2). Placement orders exist from 30 December 2005: a care order is
    accepted when the episode started before then, or when the child's adoption decision (`date_decision` in the
    adoptions file) was made before then (a placement under the old law)."""
    ls, pl, both = _ls_pl(ctx)
    start = h.dates(ctx, "episodes", "episode_start_date")
    old_law = start < ACA_2002_IN_FORCE
    adoptions = h.table(ctx, "adoptions")
    if adoptions is not None and not adoptions.empty:
        decision = h.dates(ctx, "adoptions", "date_decision")
        ids = h.col(adoptions, "child_id")
        early = ids[(decision < ACA_2002_IN_FORCE) & ids.notna()]
        old_law |= h.member(_c(ctx, "episodes", "child_id"), early)
    return both & pl.isin({"A5", "A6"}) & ls.isin({"C1", "C2"}) & ~old_law


@_rule(
    "CLA-063",
    "episodes",
    ("placement_type", "legal_status"),
    ERROR,
    "The child is placed for adoption with consent (placement type A3 or A4) but the legal status does not allow "
    "it (V2, D1, C1 or C2 expected): with a placement order use A5 or A6, otherwise check the legal status.",
    A_LSPL,
)
def _a34_needs_consent(ctx):
    """Placement A3/A4 with a legal status other than V2, D1, C1 or C2."""
    ls, pl, both = _ls_pl(ctx)
    return both & pl.isin({"A3", "A4"}) & ~ls.isin({"V2", "D1", "C1", "C2"})


@_rule(
    "CLA-064",
    "episodes",
    ("placement_type", "legal_status"),
    ERROR,
    "A child on a youth justice legal status (J1, J2 or J3) cannot be placed with parents (P1): check the legal "
    "status and the placement type.",
    A_LSPL,
)
def _youth_justice_p1(ctx):
    """Legal status J1, J2 or J3 with placement P1."""
    ls, pl, both = _ls_pl(ctx)
    return both & ls.isin(YOUTH_JUSTICE) & pl.eq("P1")


@_rule(
    "CLA-065",
    "episodes",
    ("placement_type", "legal_status"),
    ERROR,
    "A short break (legal status V3 or V4) cannot be a placement with parents, in a secure unit or in a young "
    "offender institution (P1, K1, R5): check the legal status and the placement type.",
    A_LSPL,
)
def _short_break_placement(ctx):
    """Legal status V3 or V4 with placement P1, K1 or R5."""
    ls, pl, both = _ls_pl(ctx)
    return both & ls.isin(SHORT_BREAKS) & pl.isin({"P1", "K1", "R5"})


# =============================================================================================
# Age and how care ended

A_AGE = "Age and reason care ended"


@_rule(
    "CLA-066",
    "episodes",
    ("episode_end_date", "children.date_of_birth"),
    # An error (it was a warning): a child stops being looked after at 18, so an episode open at 18 on
    # the census date is a missing end date (or a wrong date of birth), never a real placement.
    ERROR,
    "The child is 18 or over on the census date but the episode is still open: care cannot continue past 18; "
    "give the end date and the reason care ended, or correct the date of birth.",
    A_AGE,
)
def _open_at_18(ctx):
    """The child's last episode has no end date and the child is 18 or over on 31 March."""
    c = _chain(ctx)
    dob = h.dob_for(ctx, c["child"])
    return h.on_chain(ctx, c["last"] & c["open"] & (h.age_on(dob, h.census_date(ctx)) >= 18))


@_rule(
    "CLA-067",
    "episodes",
    ("reason_episode_ceased", "episode_end_date", "children.date_of_birth"),
    WARNING,
    "Reason episode ceased E10 (turned 18 and stayed with former foster carers) is used, but the episode ends "
    "before the eve of the young person's 18th birthday: check the reason and the end date.",
    A_AGE,
    eras=FROM_LAC,
)
def _e10_before_18(ctx):
    """E10 with an end date more than one day before the 18th birthday."""
    end = h.dates(ctx, "episodes", "episode_end_date")
    dob = h.dob_for(ctx, _c(ctx, "episodes", "child_id"))
    rec = _c(ctx, "episodes", "reason_episode_ceased")
    return rec.eq("E10") & (h.age_on(dob, end + pd.Timedelta(days=1)) < 18)


@_rule(
    "CLA-068",
    "episodes",
    ("reason_episode_ceased", "placement_type"),
    WARNING,
    "Reason episode ceased E10 (stayed with former foster carers) is used, but the episode's placement is not a "
    "foster placement: check the reason and the placement type.",
    A_AGE,
    eras=FROM_LAC,
)
def _e10_not_foster(ctx):
    """E10 on an episode whose (valid) placement type is not a foster placement (Q1, Q2, F1–F6)."""
    pl = _c(ctx, "episodes", "placement_type")
    rec = _c(ctx, "episodes", "reason_episode_ceased")
    return rec.eq("E10") & _valid(ctx, pl, "placement_type") & ~pl.isin(FOSTER)


@_rule(
    "CLA-069",
    "episodes",
    ("reason_episode_ceased", "placement_type"),
    WARNING,
    "The child left care by adoption (E11 or E12), but the placement was not a placement for adoption (A3 to A6): "
    "check the reason episode ceased and the placement type.",
    A_AGE,
)
def _adopted_not_placed(ctx):
    """E11/E12 on an episode whose (valid) placement type is not A3–A6."""
    pl = _c(ctx, "episodes", "placement_type")
    rec = _c(ctx, "episodes", "reason_episode_ceased")
    return rec.isin(ADOPTED) & _valid(ctx, pl, "placement_type") & ~pl.isin(ADOPTION_PLACEMENTS)


# =============================================================================================
# Adoptions

A_ADOPT = "Adoptions"

_required(
    "CLA-070",
    "adoptions",
    "child_id",
    "The child ID is missing from the adoption row: give the ID used for the child in the children file.",
    A_ADOPT,
)
_unknown_child(
    "CLA-071",
    "adoptions",
    "The child on the adoption row is not in the children file: add the child, or correct the child ID.",
    A_ADOPT,
)
_duplicate_child(
    "CLA-072",
    "adoptions",
    "The child appears on more than one row of the adoptions file: give one row per child with all three dates.",
    A_ADOPT,
)
_required(
    "CLA-073",
    "adoptions",
    "date_decision",
    "The date of the decision that the child should be placed for adoption is missing: give the date.",
    A_ADOPT,
)
_bad_date(
    "CLA-074",
    "adoptions",
    "date_decision",
    f"The date of the adoption decision is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_ADOPT,
)
_bad_date(
    "CLA-075",
    "adoptions",
    "date_placed",
    f"The date placed for adoption is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_ADOPT,
)
_bad_date(
    "CLA-076",
    "adoptions",
    "date_adopted",
    f"The adoption date is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_ADOPT,
)
_after_census(
    "CLA-077",
    "adoptions",
    "date_decision",
    "The date of the adoption decision is after the census date (31 March): check the date.",
    A_ADOPT,
)
_after_census(
    "CLA-078",
    "adoptions",
    "date_placed",
    "The date placed for adoption is after the census date (31 March): leave it empty until next year's return, "
    "or check the date.",
    A_ADOPT,
)
_after_census(
    "CLA-079",
    "adoptions",
    "date_adopted",
    "The adoption date is after the census date (31 March): leave it empty until next year's return, or check the "
    "date.",
    A_ADOPT,
)


@_rule(
    "CLA-080",
    "adoptions",
    ("date_placed", "date_decision"),
    ERROR,
    "The date placed for adoption is before the date of the decision that the child should be placed for "
    "adoption: check both dates.",
    A_ADOPT,
)
def _placed_before_decision(ctx):
    """`date_placed` is before `date_decision`."""
    return h.dates(ctx, "adoptions", "date_placed") < h.dates(ctx, "adoptions", "date_decision")


@_rule(
    "CLA-081",
    "adoptions",
    ("date_adopted", "date_placed"),
    ERROR,
    "The adoption date is before the date the child was placed for adoption: check both dates.",
    A_ADOPT,
)
def _adopted_before_placed(ctx):
    """`date_adopted` is before `date_placed`."""
    return h.dates(ctx, "adoptions", "date_adopted") < h.dates(ctx, "adoptions", "date_placed")


@_rule(
    "CLA-082",
    "adoptions",
    ("date_placed", "date_adopted"),
    WARNING,
    "The adoption date is given but the date placed for adoption is missing: give the date the child was placed "
    "for adoption.",
    A_ADOPT,
)
def _adopted_not_placed_date(ctx):
    """`date_adopted` is given and `date_placed` is empty."""
    return _c(ctx, "adoptions", "date_adopted").notna() & _c(ctx, "adoptions", "date_placed").isna()


def _last_episode_by_child(ctx) -> pd.DataFrame:
    c = _chain(ctx)
    return c.loc[c["last"], ["child", "end", "reason_episode_ceased"]].set_index("child")


@_rule(
    "CLA-083",
    "adoptions",
    ("date_adopted", "episodes.episode_end_date", "episodes.reason_episode_ceased"),
    ERROR,
    "The adoption date is given, but the child's last episode does not end on that date with reason E11 or E12 "
    "(adopted): check the adoption date and the last episode's end date and reason.",
    A_ADOPT,
)
def _adopted_date_matches_episode(ctx):
    """`date_adopted` (in the year) is given, but the child's last episode in the return does not end on that
    date with E11 or E12. Children with no usable episodes are left to the episode rules."""
    adopted = h.dates(ctx, "adoptions", "date_adopted")
    ids = _c(ctx, "adoptions", "child_id")
    last = _last_episode_by_child(ctx)
    known = h.member(ids, last.index.to_series())
    end = h.lookup(ids, last["end"])
    rec = h.lookup(ids, last["reason_episode_ceased"])
    in_year = (adopted >= h.year_start(ctx)) & (adopted <= h.census_date(ctx))
    return in_year & known & ~(rec.isin(ADOPTED) & end.eq(adopted))


@_rule(
    "CLA-084",
    "adoptions",
    ("date_decision", "children.date_of_birth"),
    ERROR,
    "The decision that the child should be placed for adoption is dated before the child's date of birth: check "
    "the decision date and the date of birth.",
    A_ADOPT,
)
def _decision_before_birth(ctx):
    """`date_decision` is before the child's `date_of_birth` in the children file."""
    dob = h.dob_for(ctx, _c(ctx, "adoptions", "child_id"))
    return h.dates(ctx, "adoptions", "date_decision") < dob


@_rule(
    "CLA-085",
    "adoptions",
    ("date_decision", "date_placed", "date_adopted"),
    WARNING,
    "None of the adoption dates (decision, placed, adopted) falls in the collection year: the adoptions file holds "
    "only children with one of these dated in the year; check the dates or remove the row.",
    A_ADOPT,
)
def _no_adoption_date_in_year(ctx):
    """No valid one of `date_decision`, `date_placed`, `date_adopted` is in 1 April – 31 March; rows with an
    unreadable date are left to the format rules."""
    start, end = h.year_start(ctx), h.census_date(ctx)
    any_in = pd.Series(False, index=_frame(ctx, "adoptions").index)
    any_bad = any_in.copy()
    for column in ("date_decision", "date_placed", "date_adopted"):
        d = h.dates(ctx, "adoptions", column)
        any_in |= (d >= start) & (d <= end)
        any_bad |= h.bad_date(ctx, "adoptions", column)
    return ~any_in & ~any_bad


@_rule(
    "CLA-086",
    "episodes",
    ("reason_episode_ceased", "adoptions.date_adopted"),
    ERROR,
    "The episode ends with adoption (E11 or E12), but the adoptions file has no adoption date for the child: add "
    "the child's adoption row with the date of the adoption order.",
    A_ADOPT,
)
def _adopted_without_row(ctx):
    """An episode ending in the year with E11/E12 whose child has no adoptions row with `date_adopted` given."""
    adoptions = h.table(ctx, "adoptions")
    if adoptions is None:
        return h.none(_frame(ctx, "episodes"))
    with_date = h.col(adoptions, "child_id")[h.col(adoptions, "date_adopted").notna()]
    end = h.dates(ctx, "episodes", "episode_end_date")
    rec = _c(ctx, "episodes", "reason_episode_ceased")
    ids = _c(ctx, "episodes", "child_id")
    return rec.isin(ADOPTED) & (end >= h.year_start(ctx)) & ids.notna() & ~h.member(ids, with_date)


# =============================================================================================
# Care leavers

A_CL = "Care leavers"

_required(
    "CLA-087",
    "care_leavers",
    "child_id",
    "The child ID is missing from the care leaver row: give the local authority's ID for the young person.",
    A_CL,
)
_duplicate_child(
    "CLA-088",
    "care_leavers",
    "The young person appears on more than one row of the care leavers file: give one row per young person.",
    A_CL,
)
_required(
    "CLA-089",
    "care_leavers",
    "date_of_birth",
    "The care leaver's date of birth is missing: give the date of birth.",
    A_CL,
)
_bad_date(
    "CLA-090",
    "care_leavers",
    "date_of_birth",
    f"The care leaver's date of birth is not a valid date in this year's format {FORMAT_HINT}: correct the date.",
    A_CL,
)


@_rule(
    "CLA-091",
    "care_leavers",
    ("date_of_birth",),
    ERROR,
    "The young person's 19th birthday is not in the collection year (1 April to 31 March): the file holds only "
    "care leavers who turned 19 in the year; check the date of birth or remove the row.",
    A_CL,
)
def _nineteenth_birthday(ctx):
    """The 19th birthday (29 February -> 1 March) is before 1 April or after 31 March of the collection year."""
    b19 = h.birthday(h.dates(ctx, "care_leavers", "date_of_birth"), 19)
    return (b19 < h.year_start(ctx)) | (b19 > h.census_date(ctx))


@_rule(
    "CLA-092",
    "care_leavers",
    ("in_touch",),
    ERROR,
    "In touch must be Y (yes), N (no) or R (the young person refused contact): fill in whether the local authority "
    "is in touch.",
    A_CL,
)
def _in_touch(ctx):
    """`in_touch` is empty or not Y, N or R."""
    return ~h.isin(_c(ctx, "care_leavers", "in_touch"), ("Y", "N", "R"))


def _cl(ctx, column: str) -> pd.Series:
    return _c(ctx, "care_leavers", column)


@_rule(
    "CLA-093",
    "care_leavers",
    ("accommodation_suitable", "in_touch"),
    ERROR,
    "Suitable accommodation is missing: it is required (Y or N) when the local authority is in touch with the "
    "young person.",
    A_CL,
)
def _accommodation_missing(ctx):
    """`in_touch` is Y and `accommodation_suitable` is empty."""
    return _cl(ctx, "in_touch").eq("Y") & _cl(ctx, "accommodation_suitable").isna()


@_rule(
    "CLA-094",
    "care_leavers",
    ("accommodation_suitable",),
    ERROR,
    "Suitable accommodation must be Y or N (or empty when the local authority is not in touch): correct the value.",
    A_CL,
)
def _accommodation_code(ctx):
    """`accommodation_suitable` is given and is not Y or N."""
    return h.not_in(_cl(ctx, "accommodation_suitable"), ("Y", "N"))


@_rule(
    "CLA-095",
    "care_leavers",
    ("activity", "in_touch"),
    ERROR,
    "The care leaver's activity is missing: it is required when the local authority is in touch with the young person.",
    A_CL,
)
def _activity_missing(ctx):
    """`in_touch` is Y and `activity` is empty."""
    return _cl(ctx, "in_touch").eq("Y") & _cl(ctx, "activity").isna()


_code_not_in_era(
    "CLA-096",
    "care_leavers",
    "activity",
    "care_leaver_activity",
    "The care leaver's activity is not a recognised code: use a code from the activity list (for example F1, P2, "
    "G5, or 0 when not in touch).",
    A_CL,
)


@_rule(
    "CLA-097",
    "care_leavers",
    ("activity", "in_touch"),
    ERROR,
    "Activity 0 (not in touch or not known) is given although the local authority is in touch with the young "
    "person: give the young person's activity.",
    A_CL,
)
def _activity_zero_in_touch(ctx):
    """`in_touch` is Y and `activity` is 0."""
    return _cl(ctx, "in_touch").eq("Y") & _cl(ctx, "activity").eq("0")


@_rule(
    "CLA-098",
    "care_leavers",
    ("activity", "in_touch"),
    ERROR,
    "The local authority is not in touch with the young person (N or R), so the activity must be 0: check in "
    "touch and activity.",
    A_CL,
)
def _activity_not_in_touch(ctx):
    """`in_touch` is N or R and `activity` is a valid code other than 0."""
    act = _cl(ctx, "activity")
    return _cl(ctx, "in_touch").isin({"N", "R"}) & _valid(ctx, act, "care_leaver_activity") & act.ne("0")


@_rule(
    "CLA-099",
    "care_leavers",
    ("accommodation_suitable", "in_touch"),
    WARNING,
    "Suitable accommodation is given although the local authority is not in touch with the young person: leave "
    "it empty, or check in touch.",
    A_CL,
)
def _accommodation_not_in_touch(ctx):
    """`in_touch` is N or R and `accommodation_suitable` is given."""
    return _cl(ctx, "in_touch").isin({"N", "R"}) & _cl(ctx, "accommodation_suitable").notna()


# =============================================================================================
# Continuity with last year's return (ctx.previous)

A_PREV = "Continuity with last year"


def _previous_open(ctx) -> pd.DataFrame:
    """Last year's open episodes at 31 March: a child's last episode with no end date."""
    if ctx.previous is None:
        return pd.DataFrame(columns=["child", "start", "legal_status"])
    return h.open_at_census(ctx, previous=True)


@_rule(
    "CLA-100",
    "episodes",
    ("child_id",),
    WARNING,
    "This child's episode was open on 31 March at the end of last year's return, but the child is not in this "
    "year's return: include the child and the episode, or correct last year's return.",
    A_PREV,
    previous=True,
)
def _missing_this_year(ctx):
    """Reported against last year's episodes file: the child's last episode there has no end date, and no
    episode of this year's return has the child's id."""
    prev = h.table(ctx, "episodes", previous=True)
    episodes = h.table(ctx, "episodes")
    if prev is None or episodes is None:
        return pd.Series(False, index=prev.index if prev is not None else [])
    open_prev = _previous_open(ctx)
    gone = ~h.member(open_prev["child"], h.col(episodes, "child_id"))
    return gone[gone].reindex(prev.index, fill_value=False).astype(bool)


@_rule(
    "CLA-101",
    "episodes",
    ("episode_start_date",),
    WARNING,
    "The child's episode that was open on 31 March last year is not in this year's return with the same start "
    "date: check this child's start dates against last year's return.",
    A_PREV,
)
def _open_episode_moved(ctx):
    """The child's last episode in last year's return was open, the child is in this year's return, but none of
    the child's episodes this year starts on that date. Flags the child's first episode this year."""
    c = _chain(ctx)
    if ctx.previous is None or c.empty:
        return h.none(_frame(ctx, "episodes"))
    open_prev = _previous_open(ctx)[["child", "start"]]
    here = open_prev[h.member(open_prev["child"], c["child"])]
    matched = here.merge(c[["child", "start"]], on=["child", "start"], how="inner")["child"]
    lost = frozenset(here["child"]) - frozenset(matched)
    return h.on_chain(ctx, c["first"] & h.isin(c["child"], lost))


@_rule(
    "CLA-102",
    "episodes",
    ("legal_status",),
    WARNING,
    "The episode repeated from last year's return (open on 31 March) has a different legal status this year: an "
    "episode keeps its legal status; check this year's and last year's returns.",
    A_PREV,
)
def _open_episode_changed(ctx):
    """The same child and start date as last year's open episode, with a different (present) legal status."""
    c = _chain(ctx)
    if ctx.previous is None or c.empty:
        return h.none(_frame(ctx, "episodes"))
    open_prev = _previous_open(ctx)[["child", "start", "legal_status"]].rename(columns={"legal_status": "was"})
    here = c[["child", "start", "legal_status"]].reset_index().merge(open_prev, on=["child", "start"], how="inner")
    changed = here["legal_status"].notna() & here["was"].notna() & here["legal_status"].ne(here["was"])
    frame = _frame(ctx, "episodes")
    return pd.Series(frame.index.isin(here.loc[changed, "index"]), index=frame.index)


@_rule(
    "CLA-103",
    "children",
    ("date_of_birth",),
    WARNING,
    "The child's date of birth is different from the one in last year's return: check which is right and correct "
    "the other return.",
    A_PREV,
)
def _dob_changed(ctx):
    """Both years give a valid date of birth for the same child id and they differ."""
    if ctx.previous is None or h.table(ctx, "children", previous=True) is None:
        return h.none(_frame(ctx, "children"))
    dob = h.dates(ctx, "children", "date_of_birth")
    before = h.dob_for(ctx, _c(ctx, "children", "child_id"), previous=True)
    return dob.notna() & before.notna() & dob.ne(before)


# =============================================================================================
# Cross-census: the LA's CRCS return for the same year (ctx.linked)

A_LINK = "Cross-census"


@_rule(
    "CLA-104",
    "episodes",
    ("child_id",),
    WARNING,
    "The child is looked after on 31 March but is not in the local authority's CRCS return for the same year: every "
    "looked after child has a care and support plan; add the child to the CRCS return, or check the child's ID in "
    "both returns.",
    A_LINK,
)
def _looked_after_missing_from_crcs(ctx):
    """An episode open on 31 March (start on or before it, no end date, legal status not V3/V4) of a child under
    18 on that date, whose `child_id` has no row in the LA's CRCS return of the same year (from 2009-10, when
    the CIN census starts). Quiet when that return has not landed."""
    frame = _frame(ctx, "episodes")
    crcs = (ctx.linked or {}).get("children")
    if not isinstance(crcs, pd.DataFrame):
        return h.none(frame)
    try:
        ctx.year.era("crcs")
    except ValueError:  # YearError: no CRCS (CIN) return before 2009-10
        return h.none(frame)
    ids = _c(ctx, "episodes", "child_id")
    under_18 = h.age_on(h.dob_for(ctx, ids), h.census_date(ctx)) < 18
    return h.cla_looked_after_at_census(frame, ctx.year) & under_18 & ~h.member(ids, h.col(crcs, "child_id"))


CLA_RULES: tuple[Rule, ...] = tuple(_RULES)

assert [r.id for r in CLA_RULES] == [f"CLA-{i:03d}" for i in range(1, len(CLA_RULES) + 1)], "rule ids in order"
