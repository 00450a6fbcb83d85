"""Fault injection: break chosen CRCS validation rules in a CRCS return, on purpose.

``inject_crcs_faults(landing_dir, year, la_code, ["CRCS-034", ...], seed)`` edits that LA's
``crcs/<year>/<gss>/children.csv`` in place so that each named rule is broken on at least one row,
and returns one short description per fault (the rule, the file and line, what was changed —
never a child id, date of birth or other personal value). The same contract as
``orchestration.lib.synthetic.faults.inject_faults`` for CLA: rows are picked with a random stream
seeded from ``seed``, the year, the LA and the rule, so the same call gives the same file; faults
of one call avoid the children an earlier fault touched, where they can.

``CRCS_FAULTS`` maps each rule id to its injector; every rule of ``CRCS_RULES`` has one. Where the
return has no row that fits (no unborn child, no plan closed in the year), the injector makes one
from a row that is there (an unborn child from a born one, a closed plan from an open one), so a
fault can always be injected into a return of an era the rule applies to. The cross-census fault
(CRCS-063) needs the LA's CLA return of the same year in the landing folder.

``DEFAULT_CRCS_DEMO_FAULTS`` is the small set the demo injects (in ``DEFAULT_CRCS_DEMO_FAULT_YEAR``).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from orchestration.lib.specs import submission_spec
from orchestration.lib.synthetic.cla_reference import upn_check_letter
from orchestration.lib.years import CollectionYear

TABLE = "children"
UNBORN_SEX = {"CIN": "9"}  # else U
NOT_FOR_UNBORN_NEED = frozenset({"N2", "N8", "N9"})

# The demo: two LAs in one recent year. W06000008 gets errors (its 2025-26 CRCS partition fails
# validation, as a real bad return would); W06000018 gets warnings only.
DEFAULT_CRCS_DEMO_FAULT_YEAR = "2025-26"
DEFAULT_CRCS_DEMO_FAULTS: dict[str, list[str]] = {
    "W06000008": ["CRCS-013", "CRCS-034", "CRCS-050"],
    "W06000018": ["CRCS-040", "CRCS-059"],
}


class NoCandidate(Exception):
    """The return has no row the fault can be put on, and none can be made."""


@dataclass
class Injected:
    rule_id: str
    row: dict | None  # the row edited or added (its line is worked out once the file is written)
    what: str


class CrcsFaultReturn:
    """One LA's CRCS children file for one year as editable rows keyed by the internal column names."""

    def __init__(self, folder: Path, year: CollectionYear, la_code: str, rng: random.Random):
        self.folder = folder
        self.year = year
        self.la_code = la_code
        self.rng = rng
        self.era = year.era("crcs").name
        self.fmt = year.era("crcs").strptime_format
        self.touched: set[str] = set()
        path = folder / f"{TABLE}.csv"
        if not path.exists():
            raise FileNotFoundError(f"crcs/{year.label}/{la_code}/{TABLE}.csv is missing: generate it first")
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        spec = submission_spec("crcs").tables[TABLE]
        by_source = {c.source_name(self.era).strip().lower(): c.name for c in spec.columns_for(self.era)}
        self.header = rows[0]
        self.names = [by_source[h.strip().lower()] for h in self.header]
        self.rows = [dict(zip(self.names, r, strict=True)) for r in rows[1:] if any(x.strip() for x in r)]

    # -- file -----------------------------------------------------------------------------

    def write(self) -> None:
        with (self.folder / f"{TABLE}.csv").open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f, lineterminator="\n")
            w.writerow(self.header)
            w.writerows([[r.get(n, "") or "" for n in self.names] for r in self.rows])

    def line_of(self, row: dict) -> int | None:
        for n, r in enumerate(self.rows):
            if r is row:
                return n + 2
        return None

    # -- values ---------------------------------------------------------------------------

    @property
    def all_year(self) -> bool:
        return self.era == "CRCS_ALL_YEAR"

    def has(self, column: str) -> bool:
        return column in self.names

    def d(self, text: str | None) -> date | None:
        if not text:
            return None
        try:
            return datetime.strptime(text.strip(), self.fmt).date()
        except ValueError:
            return None

    def t(self, d: date) -> str:
        return d.strftime(self.fmt)

    def other_format(self, d: date) -> str:
        """The date written in the other era's format (DD/MM/YYYY <-> YYYY-MM-DD)."""
        return d.strftime("%Y-%m-%d" if self.fmt == "%d/%m/%Y" else "%d/%m/%Y")

    @property
    def start(self) -> date:
        return self.year.start

    @property
    def census_date(self) -> date:
        return self.year.census_date

    def new_id(self, taken: set[str] | None = None) -> str:
        taken = {r["child_id"] for r in self.rows} | (taken or set())
        while True:
            cid = f"ZQ{self.rng.randrange(10**6):06d}"
            if cid not in taken:
                return cid

    def age(self, row: dict, on: date) -> int | None:
        dob = self.d(row.get("date_of_birth"))
        if dob is None:
            return None
        return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))

    def reference(self, row: dict) -> date:
        end = self.d(row.get("plan_end_date"))
        return end if end is not None and end < self.census_date else self.census_date

    # -- kinds of row ---------------------------------------------------------------------

    def born(self, r: dict) -> bool:
        return self.d(r.get("date_of_birth")) is not None and not (r.get("expected_date_of_birth") or "").strip()

    def unborn(self, r: dict) -> bool:
        return not (r.get("date_of_birth") or "").strip() and self.d(r.get("expected_date_of_birth")) is not None

    def is_open(self, r: dict) -> bool:
        return not self.all_year or not (r.get("plan_end_date") or "").strip()

    def closed(self, r: dict) -> bool:
        end = self.d(r.get("plan_end_date"))
        return self.all_year and end is not None and self.start <= end <= self.census_date

    def started(self, r: dict) -> date | None:
        return self.d(r.get("plan_start_date"))

    # -- choosing and making rows ---------------------------------------------------------

    def pick(self, candidates: list, child_of: Callable[[object], str] | None = None):
        """One candidate, chosen by the seeded stream, preferring children no earlier fault touched."""
        if not candidates:
            raise NoCandidate("no row fits")
        child_of = child_of or (lambda r: r["child_id"])
        fresh = [c for c in candidates if child_of(c) not in self.touched]
        choice = self.rng.choice(fresh or candidates)
        self.touched.add(child_of(choice))
        return choice

    def row(self, where: Callable[[dict], bool] = lambda r: True) -> dict:
        return self.pick([r for r in self.rows if where(r)])

    def add_after(self, anchor: dict, row: dict) -> dict:
        self.rows.insert(next(i for i, r in enumerate(self.rows) if r is anchor) + 1, row)
        return row

    def born_row(self, where: Callable[[dict], bool] = lambda r: True) -> dict:
        return self.row(lambda r: self.born(r) and where(r))

    def unborn_row(self, where: Callable[[dict], bool] = lambda r: True) -> dict:
        """An unborn child's row; else a born child's row made unborn."""
        rows = [r for r in self.rows if self.unborn(r) and where(r)]
        if rows:
            return self.pick(rows)
        row = self.born_row(where)
        row["date_of_birth"] = ""
        row["expected_date_of_birth"] = self.t(self.reference(row) + timedelta(days=90))
        row["sex"] = UNBORN_SEX.get(self.era, "U")
        row["disability"] = ""
        if row.get("category_of_need") in NOT_FOR_UNBORN_NEED:
            row["category_of_need"] = "N1"
        row["looked_after"] = "N"
        for column in ("immunisations_up_to_date", "dental_check", "school_attendance_pct"):
            if self.has(column):
                row[column] = ""
        return row

    def closed_row(self) -> dict:
        """A plan closed in the year (all-year era); else an open plan closed a week before the census date."""
        rows = [
            r for r in self.rows if self.closed(r) and self.started(r) and self.started(r) <= self.d(r["plan_end_date"])
        ]
        if rows:
            return self.pick(rows)
        end = self.census_date - timedelta(days=7)
        row = self.row(lambda r: self.is_open(r) and (self.started(r) or date.max) <= end)
        row["plan_end_date"] = self.t(end)
        row["reason_for_closure"] = "RC7"
        return row

    def open_row(self, where: Callable[[dict], bool] = lambda r: True) -> dict:
        return self.row(lambda r: self.is_open(r) and self.started(r) is not None and where(r))


# =============================================================================================
# Injectors

Injector = Callable[[CrcsFaultReturn], Injected]
CRCS_FAULTS: dict[str, Injector] = {}


def _fault(rule_id: str) -> Callable[[Injector], Injector]:
    def register(f: Injector) -> Injector:
        CRCS_FAULTS[rule_id] = f
        return f

    return register


def _set(rule_id: str, column: str, value, what: str, kind: str = "any", **also) -> None:
    """A fault that writes ``value`` (or ``value(fr, row)``) into ``column`` of a row of a kind."""

    @_fault(rule_id)
    def inject(fr: CrcsFaultReturn) -> Injected:
        if kind == "born":
            row = fr.born_row()
        elif kind == "unborn":
            row = fr.unborn_row()
        elif kind == "closed":
            row = fr.closed_row()
        elif kind == "open":
            row = fr.open_row()
        else:
            row = fr.row()
        row.update(also)
        row[column] = value(fr, row) if callable(value) else value
        return Injected(rule_id, row, what)


def _copy_row(rule_id: str, what: str) -> None:
    @_fault(rule_id)
    def inject(fr: CrcsFaultReturn) -> Injected:
        row = fr.row(lambda r: bool(r["child_id"]) and fr.started(r) is not None)
        return Injected(rule_id, fr.add_after(row, dict(row)), what)


# children and plans
_set("CRCS-001", "child_id", "", "child id removed")
_set("CRCS-002", "child_id", lambda fr, r: fr.new_id() + "ABCD", "child id made 12 characters long")
_copy_row("CRCS-003", "child's row repeated")
_copy_row("CRCS-004", "plan row repeated with the same start date")

# sex
_set("CRCS-005", "sex", "", "sex removed")
_set("CRCS-006", "sex", "X", "sex set to X")
_set(
    "CRCS-007", "sex", lambda fr, r: {"1": "M", "2": "F", "9": "U"}.get(r["sex"], "M"), "sex recoded to a CRCS-era code"
)
_set(
    "CRCS-008",
    "sex",
    lambda fr, r: {"M": "1", "F": "2", "U": "9", "N": "9"}.get(r["sex"], "1"),
    "sex recoded to a CIN code",
)

# date of birth and age
_set("CRCS-009", "date_of_birth", "", "date of birth removed", kind="born")
_set(
    "CRCS-010",
    "expected_date_of_birth",
    lambda fr, r: fr.t(fr.census_date + timedelta(days=60)),
    "expected date of birth added for a born child",
    kind="born",
)
_set(
    "CRCS-011",
    "date_of_birth",
    lambda fr, r: fr.other_format(fr.d(r["date_of_birth"])),
    "date of birth written in the other era's format",
    kind="born",
)
_set(
    "CRCS-012",
    "expected_date_of_birth",
    lambda fr, r: fr.other_format(fr.d(r["expected_date_of_birth"])),
    "expected date of birth written in the other era's format",
    kind="unborn",
)
_set(
    "CRCS-013",
    "date_of_birth",
    lambda fr, r: fr.t(fr.census_date + timedelta(days=10)),
    "date of birth moved after the census date",
    kind="born",
)


@_fault("CRCS-014")
def _adult_at_census(fr: CrcsFaultReturn) -> Injected:
    row = fr.born_row()
    row["date_of_birth"] = fr.t(fr.census_date.replace(day=1, year=fr.census_date.year - 19))
    return Injected("CRCS-014", row, "date of birth moved to make the child 18 or over on the census date")


@_fault("CRCS-015")
def _adult_at_plan_start(fr: CrcsFaultReturn) -> Injected:
    row = fr.born_row(lambda r: fr.started(r) is not None)
    row["date_of_birth"] = fr.t(fr.started(row).replace(day=1) - timedelta(days=19 * 366))
    return Injected("CRCS-015", row, "date of birth moved to make the child 18 or over when the plan started")


@_fault("CRCS-016")
def _adult_plan_open(fr: CrcsFaultReturn) -> Injected:
    limit = fr.census_date - timedelta(days=2)
    row = fr.born_row(lambda r: fr.is_open(r) and (fr.started(r) or date.max) <= limit)
    turned_18 = fr.census_date - timedelta(days=1)
    row["date_of_birth"] = fr.t(turned_18.replace(year=turned_18.year - 18))
    return Injected("CRCS-016", row, "date of birth moved so the child turns 18 the day before the census date")


def _second_plan(fr: CrcsFaultReturn) -> dict:
    """A later row of a born child with two or more rows; else a copy of a born row, starting a day later."""
    firsts: dict[str, dict] = {}
    later = []
    for r in fr.rows:
        if not fr.born(r) or not r["child_id"]:
            continue
        if r["child_id"] in firsts:
            later.append(r)
        else:
            firsts[r["child_id"]] = r
    if later:
        return fr.pick(later)
    row = fr.born_row(lambda r: fr.started(r) is not None and fr.is_open(r))
    copy = dict(row, plan_start_date=fr.t(min(fr.started(row) + timedelta(days=1), fr.census_date)))
    return fr.add_after(row, copy)


@_fault("CRCS-017")
def _dob_differs(fr: CrcsFaultReturn) -> Injected:
    row = _second_plan(fr)
    row["date_of_birth"] = fr.t(fr.d(row["date_of_birth"]) + timedelta(days=1))
    return Injected("CRCS-017", row, "date of birth on a later plan of the child moved a day")


@_fault("CRCS-018")
def _sex_differs(fr: CrcsFaultReturn) -> Injected:
    row = _second_plan(fr)
    row["sex"] = "F" if row["sex"] == "M" else "M"
    return Injected("CRCS-018", row, "sex on a later plan of the child changed")


# unborn children
@_fault("CRCS-019")
def _expected_passed(fr: CrcsFaultReturn) -> Injected:
    row = fr.unborn_row(fr.is_open)
    row["expected_date_of_birth"] = fr.t(fr.census_date - timedelta(days=10))
    return Injected("CRCS-019", row, "expected date of birth moved before the census date")


_set(
    "CRCS-020",
    "expected_date_of_birth",
    lambda fr, r: fr.t(fr.census_date + timedelta(days=400)),
    "expected date of birth moved more than 9 months after the census date",
    kind="unborn",
)
_set(
    "CRCS-021",
    "sex",
    lambda fr, r: "2" if fr.era == "CIN" else "F",
    "sex of an unborn child set to female",
    kind="unborn",
)
_set("CRCS-022", "disability", "LD", "disability given for an unborn child", kind="unborn")
_set("CRCS-023", "category_of_need", "N2", "category of need N2 for an unborn child", kind="unborn")
_set("CRCS-024", "looked_after", "Y", "unborn child marked looked after", kind="unborn")

# ethnicity and UPN
_set("CRCS-025", "ethnicity", "", "ethnicity removed", kind="born")
_set("CRCS-026", "ethnicity", "XXXX", "ethnicity set to XXXX")
_set("CRCS-027", "upn", "A12345", "UPN cut short")


def _wrong_check_letter(fr: CrcsFaultReturn, row: dict) -> str:
    digits = f"{fr.rng.randrange(10**12):012d}"
    right = upn_check_letter(digits)
    return ("B" if right != "B" else "C") + digits


_set("CRCS-028", "upn", _wrong_check_letter, "UPN given with a wrong check letter")

# plan dates
_set("CRCS-029", "plan_start_date", "", "plan start date removed")
_set(
    "CRCS-030",
    "plan_start_date",
    lambda fr, r: fr.other_format(fr.started(r)),
    "plan start date written in the other era's format",
    kind="open",
)
_set(
    "CRCS-031",
    "plan_start_date",
    lambda fr, r: fr.t(fr.census_date + timedelta(days=10)),
    "plan start date moved after the census date",
)
_set(
    "CRCS-032",
    "plan_start_date",
    lambda fr, r: fr.t(fr.census_date + timedelta(days=10)),
    "plan start date moved after the end of the year",
    kind="open",
)
_set(
    "CRCS-033",
    "plan_end_date",
    lambda fr, r: fr.other_format(fr.d(r["plan_end_date"])),
    "plan end date written in the other era's format",
    kind="closed",
)
_set(
    "CRCS-034",
    "plan_end_date",
    lambda fr, r: fr.t(fr.started(r) - timedelta(days=1)),
    "plan end date moved before its start",
    kind="closed",
)
_set(
    "CRCS-035",
    "plan_end_date",
    lambda fr, r: fr.t(fr.census_date + timedelta(days=5)),
    "plan end date moved after the census date",
    kind="closed",
)
_set(
    "CRCS-036",
    "plan_end_date",
    lambda fr, r: fr.t(fr.start - timedelta(days=1)),
    "plan end date moved before the start of the year",
    kind="closed",
)
_set("CRCS-037", "reason_for_closure", "", "reason for closure removed from a closed plan", kind="closed")
_set("CRCS-038", "reason_for_closure", "RC7", "reason for closure given for an open plan", kind="open")
_set("CRCS-039", "reason_for_closure", "RC9", "reason for closure set to RC9", kind="closed")


@_fault("CRCS-040")
def _overlapping_plans(fr: CrcsFaultReturn) -> Injected:
    limit = fr.census_date - timedelta(days=2)
    row = fr.open_row(lambda r: bool(r["child_id"]) and fr.started(r) <= limit)
    copy = dict(row, plan_start_date=fr.t(fr.started(row) + timedelta(days=1)))
    return Injected("CRCS-040", fr.add_after(row, copy), "a second plan added, starting while the child's plan is open")


@_fault("CRCS-041")
def _start_long_before_birth(fr: CrcsFaultReturn) -> Injected:
    row = fr.born_row()
    row["plan_start_date"] = fr.t(fr.d(row["date_of_birth"]) - timedelta(days=400))
    return Injected("CRCS-041", row, "plan start date moved more than 9 months before the birth")


# need, disability and parental factors
_set("CRCS-042", "category_of_need", "", "category of need removed")
_set("CRCS-043", "category_of_need", "N0", "category of need set to N0")
_set("CRCS-044", "disability", "LD;XYZ", "an unknown disability code added", kind="born")
_set("CRCS-045", "disability", "LD;LD", "a disability code repeated", kind="born")
_set("CRCS-046", "parental_factors", "PMH;ZZ", "an unknown parental factor code added")
_set("CRCS-047", "parental_factors", "DA;DA", "a parental factor code repeated")

# looked after and child protection
_set("CRCS-048", "looked_after", "", "looked after removed")
_set("CRCS-049", "on_child_protection_register", "X", "on the register set to X")
_set(
    "CRCS-050",
    "cpr_category",
    "",
    "register category removed for a child on the register",
    on_child_protection_register="Y",
)
_set(
    "CRCS-051",
    "cpr_category",
    "NEG",
    "register category given for a child not on the register",
    on_child_protection_register="N",
)
_set("CRCS-052", "cpr_category", "ABC", "register category set to ABC", on_child_protection_register="Y")
_set("CRCS-053", "cpr_category", "FIN", "register category FIN in a CIN-era return", on_child_protection_register="Y")

# health, wellbeing and school
_set("CRCS-054", "child_mental_health", "Yes", "mental health set to Yes")
_set("CRCS-055", "child_substance_misuse", "1", "substance misuse set to 1")
_set("CRCS-056", "youth_offending", "n", "youth offending set to lower-case n")
_set("CRCS-057", "immunisations_up_to_date", "X", "immunisations set to X")
_set("CRCS-058", "dental_check", "X", "dental check set to X")


def _young_or_unborn(fr: CrcsFaultReturn, under: int) -> dict:
    rows = [r for r in fr.rows if fr.unborn(r) or (fr.born(r) and (fr.age(r, fr.reference(r)) or 0) < under)]
    return fr.pick(rows) if rows else fr.unborn_row()


@_fault("CRCS-059")
def _immunisations_too_young(fr: CrcsFaultReturn) -> Injected:
    row = _young_or_unborn(fr, 1)
    row["immunisations_up_to_date"] = "Y"
    return Injected("CRCS-059", row, "immunisations given for a child under 1 or unborn")


@_fault("CRCS-060")
def _dental_too_young(fr: CrcsFaultReturn) -> Injected:
    row = _young_or_unborn(fr, 5)
    row["dental_check"] = "Y"
    return Injected("CRCS-060", row, "dental check given for a child under 5 or unborn")


_set("CRCS-061", "school_attendance_pct", "105", "school attendance set to 105")


@_fault("CRCS-062")
def _attendance_not_school_age(fr: CrcsFaultReturn) -> Injected:
    def outside(r: dict) -> bool:
        age = fr.age(r, fr.reference(r))
        return fr.unborn(r) or (fr.born(r) and age is not None and (age < 4 or age > 16))

    rows = [r for r in fr.rows if outside(r)]
    row = fr.pick(rows) if rows else fr.unborn_row()
    row["school_attendance_pct"] = "80"
    return Injected("CRCS-062", row, "school attendance given for a child not of school age")


# cross-census
@_fault("CRCS-063")
def _looked_after_missing_from_cla(fr: CrcsFaultReturn) -> Injected:
    from orchestration.lib.readers import read_return_folder

    cla_folder = fr.folder.parent.parent.parent / "cla" / fr.year.label / fr.la_code
    if not cla_folder.is_dir():
        raise NoCandidate(f"the LA's CLA return for {fr.year.label} is not in the landing folder")
    cla = read_return_folder(cla_folder, "cla", "cla", fr.year, ("children", "episodes"))
    cla_ids = {i for lt in cla.values() if lt.frame is not None for i in lt.frame["child_id"].dropna()}
    row = fr.born_row(fr.is_open)
    row["child_id"] = fr.new_id(cla_ids)
    row["looked_after"] = "Y"
    return Injected("CRCS-063", row, "a looked-after child given an id the CLA return does not have")


# =============================================================================================
# Public


def inject_crcs_faults(
    landing_dir: Path, year: CollectionYear | str, la_code: str, rule_ids: list[str], seed: int
) -> list[str]:
    """Break each named CRCS rule on at least one row of the LA's children file for the year; describe each fault.

    Raises ``ValueError`` for an unknown rule, a rule that does not apply in the year's era, or a
    return that offers no row for the fault (for CRCS-063: the LA's CLA return missing).
    """
    from orchestration.lib.rules.crcs import CRCS_RULES

    year = CollectionYear.parse(year)
    rules = {r.id: r for r in CRCS_RULES}
    folder = Path(landing_dir) / "crcs" / year.label / la_code
    era = year.era("crcs").name
    for rule_id in rule_ids:
        if rule_id not in CRCS_FAULTS:
            raise ValueError(f"no fault injector for {rule_id!r}")
        if rules[rule_id].eras is not None and era not in rules[rule_id].eras:
            raise ValueError(f"{rule_id} does not apply in {year.label} ({era} era)")
    fr = CrcsFaultReturn(folder, year, la_code, random.Random())
    done: list[Injected] = []
    for rule_id in rule_ids:
        fr.rng = random.Random(f"{seed}:crcs:{year.label}:{la_code}:{rule_id}")
        try:
            done.append(CRCS_FAULTS[rule_id](fr))
        except NoCandidate as e:
            raise ValueError(f"cannot inject {rule_id} into crcs/{year.label}/{la_code}: {e}") from e
    fr.write()
    out = []
    for f in done:
        line = fr.line_of(f.row) if f.row is not None else None
        where = f"{TABLE}.csv line {line}" if line else f"{TABLE}.csv (row since removed by a later fault)"
        out.append(f"{f.rule_id}: {where}: {f.what}")
    return out


def inject_crcs_demo_faults(landing_dir: Path, seed: int, faults: dict[str, list[str]] | None = None) -> list[str]:
    """Inject ``DEFAULT_CRCS_DEMO_FAULTS`` (or ``faults``) into ``DEFAULT_CRCS_DEMO_FAULT_YEAR``'s CRCS returns."""
    year = CollectionYear.parse(DEFAULT_CRCS_DEMO_FAULT_YEAR)
    out = []
    for la_code, rule_ids in sorted((faults or DEFAULT_CRCS_DEMO_FAULTS).items()):
        out += [f"{la_code} {year.label} {d}" for d in inject_crcs_faults(landing_dir, year, la_code, rule_ids, seed)]
    return out
