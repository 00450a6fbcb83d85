"""Fault injection: break chosen CLA validation rules in generated returns, on purpose.

``inject_faults(landing_dir, "cla", year, la_code, ["CLA-044", ...], seed)`` edits that LA's
CSV files for that year in place so that each named rule is broken on at least one row, and
returns one short description per fault (the rule, the file and line, what was changed — never
a child id, date of birth or other personal value). The rows are picked with a random stream
seeded from ``seed``, the year, the LA and the rule, so the same call gives the same files.

``FAULTS`` maps each rule id to its injector. Every rule of the pack has one. An injector picks
a row that fits (for example a closed episode followed by another of the same child) and,
where the return has no such row (a small LA with no adoption that year), makes one: a
fault can always be injected into a generated return of an era the rule applies to. Faults of
one call avoid the children an earlier fault of the same call touched, where they can, so that
they do not undo one another. Cross-year faults (CLA-100 – CLA-103) edit this year's files
against last year's return, which must be in the landing folder too. The cross-census fault
(CLA-104) edits the LA's CRCS return of the same year (writing a small one if none has landed).

``DEFAULT_DEMO_FAULTS`` is the small set the demo injects (in ``DEFAULT_DEMO_FAULT_YEAR``).
"""

from __future__ import annotations

import csv
import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from orchestration.lib.reference import welsh_la_codes
from orchestration.lib.specs import submission_spec
from orchestration.lib.years import CollectionYear

TABLES = ("children", "episodes", "adoptions", "care_leavers")
FOSTER = frozenset({"Q1", "Q2", "F1", "F2", "F3", "F4", "F5", "F6"})
ADOPTION_PLACEMENTS = frozenset({"A3", "A4", "A5", "A6"})
SHORT_BREAKS = frozenset({"V3", "V4"})

# The demo: three LAs in one recent year. W06000008 and W06000020 get errors (their 2025-26
# partitions fail validation, as a real bad return would); W06000018 gets warnings only.
DEFAULT_DEMO_FAULT_YEAR = "2025-26"
DEFAULT_DEMO_FAULTS: dict[str, list[str]] = {
    "W06000008": ["CLA-044", "CLA-052", "CLA-066"],
    "W06000020": ["CLA-023", "CLA-091", "CLA-099"],
    "W06000018": ["CLA-062", "CLA-082", "CLA-101"],
}


class NoCandidate(Exception):
    """The return has no row the fault can be put on."""


@dataclass
class Injected:
    rule_id: str
    table: str
    row: dict | None  # the row edited or added (its line is worked out once the file is written)
    what: str


class FaultReturn:
    """One LA's return for one year as editable rows keyed by the internal column names."""

    def __init__(self, folder: Path, census: str, year: CollectionYear, la_code: str, rng: random.Random):
        self.folder = folder
        self.census = census
        self.year = year
        self.la_code = la_code
        self.rng = rng
        self.era = year.era(census).name
        self.fmt = year.era(census).strptime_format
        self.touched: set[str] = set()
        self.headers: dict[str, list[str]] = {}
        self.names: dict[str, list[str]] = {}
        self.tables: dict[str, list[dict]] = {}
        spec = submission_spec(census)
        for table in TABLES:
            path = folder / f"{table}.csv"
            if not path.exists():
                raise FileNotFoundError(f"{census}/{year.label}/{la_code}/{table}.csv is missing: generate it first")
            with path.open(encoding="utf-8-sig", newline="") as f:
                rows = list(csv.reader(f))
            header = rows[0]
            by_source = {
                c.source_name(self.era).strip().lower(): c.name for c in spec.tables[table].columns_for(self.era)
            }
            names = [by_source[h.strip().lower()] for h in header]
            self.headers[table] = header
            self.names[table] = names
            self.tables[table] = [dict(zip(names, r, strict=True)) for r in rows[1:] if any(x.strip() for x in r)]
        self._previous: FaultReturn | None = None

    # -- files ----------------------------------------------------------------------------

    def write(self) -> None:
        for table in TABLES:
            with (self.folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow(self.headers[table])
                w.writerows([[r.get(n, "") or "" for n in self.names[table]] for r in self.tables[table]])

    def line_of(self, table: str, row: dict) -> int | None:
        for n, r in enumerate(self.tables[table]):
            if r is row:
                return n + 2
        return None

    @property
    def previous(self) -> FaultReturn:
        if self._previous is None:
            prev = self.year.previous()
            folder = self.folder.parent.parent / prev.label / self.la_code
            if not folder.is_dir():
                raise NoCandidate(f"last year's return ({prev.label}) is not in the landing folder")
            self._previous = FaultReturn(folder, self.census, prev, self.la_code, self.rng)
        return self._previous

    # -- values ---------------------------------------------------------------------------

    def d(self, text: str | None) -> date | None:
        if not text:
            return None
        try:
            return datetime.strptime(text, self.fmt).date()
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

    def new_id(self) -> str:
        taken = {r["child_id"] for t in TABLES for r in self.tables[t]}
        while True:
            cid = f"ZZ{self.rng.randrange(10**6):06d}"
            if cid not in taken:
                return cid

    # -- structure ------------------------------------------------------------------------

    def dob(self, child: str) -> date | None:
        for r in self.tables["children"]:
            if r["child_id"] == child:
                return self.d(r["date_of_birth"])
        return None

    def chains(self) -> dict[str, list[dict]]:
        """Each child's episodes sorted by start date (children with an unreadable start left out)."""
        out: dict[str, list[dict]] = {}
        for r in self.tables["episodes"]:
            out.setdefault(r["child_id"], []).append(r)
        good = {}
        for child, eps in out.items():
            if all(self.d(e["episode_start_date"]) for e in eps):
                good[child] = sorted(eps, key=lambda e: self.d(e["episode_start_date"]))
        return good

    def pairs(self) -> list[tuple[dict, dict]]:
        """(episode, the same child's next episode) for every consecutive pair."""
        return [(a, b) for eps in self.chains().values() for a, b in zip(eps, eps[1:], strict=False)]

    def pick(self, candidates: list, child_of: Callable[[object], str] | None = None):
        """One candidate, chosen by the seeded stream, preferring children no earlier fault touched."""
        if not candidates:
            raise NoCandidate("no row fits")
        child_of = child_of or (lambda x: (x[0] if isinstance(x, tuple) else x)["child_id"])
        fresh = [c for c in candidates if child_of(c) not in self.touched]
        choice = self.rng.choice(fresh or candidates)
        self.touched.add(child_of(choice))
        return choice

    def row(self, table: str, where: Callable[[dict], bool] = lambda r: True) -> dict:
        return self.pick([r for r in self.tables[table] if where(r)])

    def add_after(self, table: str, anchor: dict, row: dict) -> dict:
        rows = self.tables[table]
        rows.insert(next(i for i, r in enumerate(rows) if r is anchor) + 1, row)
        return row

    # -- rows that may have to be made ----------------------------------------------------

    def adoption_row(self, where: Callable[[dict], bool] = lambda r: True) -> dict:
        rows = [r for r in self.tables["adoptions"] if where(r)]
        if rows:
            return self.pick(rows)
        # make one: a decision early in the year for a young child of the return
        kids = [c for c in self.tables["children"] if (self.d(c["date_of_birth"]) or date.max) < self.start]
        child = self.pick(kids)
        row = {
            "child_id": child["child_id"],
            "date_decision": self.t(self.start + timedelta(days=20)),
            "date_placed": "",
            "date_adopted": "",
        }
        self.tables["adoptions"].append(row)
        if not where(row):
            raise NoCandidate("no adoption row fits")
        return row

    def care_leaver_row(self, where: Callable[[dict], bool] = lambda r: True) -> dict:
        rows = [r for r in self.tables["care_leavers"] if where(r)]
        if rows:
            return self.pick(rows)
        b19 = self.start + timedelta(days=100)
        row = {
            "child_id": self.new_id(),
            "date_of_birth": self.t(b19.replace(year=b19.year - 19)),
            "in_touch": "Y",
            "accommodation_suitable": "Y",
            "activity": "F2",
        }
        self.tables["care_leavers"].append(row)
        if not where(row):
            raise NoCandidate("no care leaver row fits")
        return row


Injector = Callable[[FaultReturn], Injected]
FAULTS: dict[str, Injector] = {}


def _fault(rule_id: str) -> Callable[[Injector], Injector]:
    def register(fn: Injector) -> Injector:
        FAULTS[rule_id] = fn
        return fn

    return register


def _set(r: FaultReturn, rule_id: str, table: str, row: dict, column: str, value: str, what: str) -> Injected:
    row[column] = value
    return Injected(rule_id, table, row, what)


def _simple(rule_id: str, table: str, column: str, value, what: str, where=lambda fr, r: True) -> None:
    """A fault that sets one column of one row to a value (or to ``value(fr, row)``)."""

    @_fault(rule_id)
    def inject(fr: FaultReturn) -> Injected:
        row = fr.row(table, lambda r: where(fr, r))
        v = value(fr, row) if callable(value) else value
        return _set(fr, rule_id, table, row, column, v, what)


def _years_before(d: date, n: int) -> date:
    """The same day ``n`` years earlier (28 February for a 29 February that does not exist)."""
    try:
        return d.replace(year=d.year - n)
    except ValueError:
        return date(d.year - n, 2, 28)


def _closed(fr, r) -> bool:
    return bool(r["episode_end_date"]) and fr.d(r["episode_end_date"]) is not None


def _open(fr, r) -> bool:
    return not r["episode_end_date"]


def _has(column):
    return lambda fr, r: bool(r.get(column))


# =============================================================================================
# Children

_simple("CLA-001", "children", "child_id", "", "child id removed")


@_fault("CLA-002")
def _long_id(fr: FaultReturn) -> Injected:
    row = fr.row("children")
    old = row["child_id"]
    new = (old + "0" * 11)[:11]
    for t in TABLES:
        for r in fr.tables[t]:
            if r["child_id"] == old:
                r["child_id"] = new
    return Injected("CLA-002", "children", row, "child id lengthened to 11 characters (in every file)")


@_fault("CLA-003")
def _dup_child(fr: FaultReturn) -> Injected:
    row = fr.row("children")
    return Injected("CLA-003", "children", fr.add_after("children", row, dict(row)), "child row repeated")


_simple("CLA-004", "children", "sex", "", "sex removed")
_simple("CLA-005", "children", "sex", "X", "sex set to X")
_simple("CLA-006", "children", "sex", lambda fr, r: {"1": "M", "2": "F"}.get(r["sex"], "M"), "sex written as M/F")
_simple("CLA-007", "children", "sex", lambda fr, r: {"M": "1", "F": "2"}.get(r["sex"], "1"), "sex written as 1/2")
_simple("CLA-008", "children", "date_of_birth", "", "date of birth removed")
_simple(
    "CLA-009",
    "children",
    "date_of_birth",
    lambda fr, r: fr.other_format(fr.d(r["date_of_birth"])),
    "date of birth written in the other era's date format",
    where=lambda fr, r: fr.d(r["date_of_birth"]) is not None,
)
_simple(
    "CLA-010",
    "children",
    "date_of_birth",
    lambda fr, r: fr.t(fr.census_date + timedelta(days=30)),
    "date of birth moved after the census date",
)
_simple(
    "CLA-011",
    "children",
    "date_of_birth",
    lambda fr, r: fr.t(_years_before(fr.start, 22)),
    "date of birth moved 22 years before the start of the year",
)
_simple("CLA-012", "children", "ethnicity", "", "ethnicity removed", where=_has("ethnicity"))
_simple("CLA-013", "children", "ethnicity", "XXXX", "ethnicity set to XXXX")
_simple("CLA-014", "children", "upn", "A12345", "UPN set to a 6-character value")


def _upn_letter(digits: str) -> str:
    from orchestration.lib.synthetic.cla_reference import upn_check_letter

    return upn_check_letter(digits)


@_fault("CLA-015")
def _upn_check(fr: FaultReturn) -> Injected:
    full = [r for r in fr.tables["children"] if len(r["upn"]) == 13 and r["upn"][1:].isdigit()]
    if full:
        row = fr.pick(full)
        digits = row["upn"][1:]
    else:
        row = fr.row("children")
        digits = f"{fr.rng.randrange(10**12):012d}"
    good = _upn_letter(digits)
    row["upn"] = ("B" if good != "B" else "C") + digits
    return Injected("CLA-015", "children", row, "UPN check letter changed")


_simple("CLA-016", "children", "uasc", "", "uasc flag removed")


@_fault("CLA-017")
def _child_without_episodes(fr: FaultReturn) -> Injected:
    row = fr.row("children")
    new = dict(row, child_id=fr.new_id())
    fr.touched.add(new["child_id"])
    return Injected("CLA-017", "children", fr.add_after("children", row, new), "child added with no episodes")


# =============================================================================================
# Episodes: formats and codes

_simple("CLA-018", "episodes", "child_id", "", "child id removed from an episode")


@_fault("CLA-019")
def _long_episode_id(fr: FaultReturn) -> Injected:
    row = fr.row("episodes")
    row["child_id"] = (row["child_id"] + "0" * 11)[:11]
    return Injected("CLA-019", "episodes", row, "child id on an episode lengthened to 11 characters")


_simple("CLA-020", "episodes", "child_id", lambda fr, r: fr.new_id(), "episode given a child id not in children")
_simple("CLA-021", "episodes", "episode_start_date", "", "episode start date removed")
_simple(
    "CLA-022",
    "episodes",
    "episode_start_date",
    lambda fr, r: fr.other_format(fr.d(r["episode_start_date"])),
    "episode start date written in the other era's format",
    where=lambda fr, r: fr.d(r["episode_start_date"]) is not None,
)
_simple(
    "CLA-023",
    "episodes",
    "episode_end_date",
    lambda fr, r: fr.other_format(fr.d(r["episode_end_date"])),
    "episode end date written in the other era's format",
    where=_closed,
)
_simple("CLA-024", "episodes", "reason_new_episode", "", "reason for new episode removed")
_simple("CLA-025", "episodes", "reason_new_episode", "Z", "reason for new episode set to Z")
_simple("CLA-026", "episodes", "legal_status", "", "legal status removed")
_simple("CLA-027", "episodes", "legal_status", "C9", "legal status set to C9")
_simple("CLA-028", "episodes", "category_of_need", "", "category of need removed")
_simple("CLA-029", "episodes", "category_of_need", "N9", "category of need set to N9")
_simple("CLA-030", "episodes", "placement_type", "", "placement type removed")
_simple("CLA-031", "episodes", "placement_type", "Q9", "placement type set to Q9")
_simple("CLA-032", "episodes", "placement_type", "Q2", "placement type set to Q2 (pre-2022 code)")
_simple("CLA-033", "episodes", "placement_type", "F5", "placement type set to F5 (2022-23 code)")
_simple("CLA-034", "episodes", "reason_episode_ceased", "E99", "reason episode ceased set to E99", where=_closed)
_simple("CLA-035", "episodes", "reason_episode_ceased", "E10", "reason episode ceased set to E10", where=_closed)
_simple("CLA-036", "episodes", "placement_postcode", "CF10 1AAXX", "placement postcode set to 10 characters")
_simple(
    "CLA-037",
    "episodes",
    "placement_postcode",
    lambda fr, r: (r["placement_postcode"] or "CF10") + " 1AA",
    "placement postcode given in full",
)
_simple("CLA-038", "episodes", "placement_la", "W06000099", "placement LA set to W06000099")

# =============================================================================================
# Transfers


def _is_s(fr, r) -> bool:
    return r["reason_new_episode"] == "S"


_simple(
    "CLA-039", "episodes", "transferred_from_la", "E06000001", "transferred from LA set to an English code", where=_is_s
)


@_fault("CLA-040")
def _xfer_not_s(fr: FaultReturn) -> Injected:
    row = fr.row("episodes", lambda r: r["reason_new_episode"] not in ("S", ""))
    other = sorted(welsh_la_codes() - {fr.la_code})
    row["transferred_from_la"] = fr.rng.choice(other)
    return Injected("CLA-040", "episodes", row, "transferred from LA given on an episode that is not S")


_simple(
    "CLA-041",
    "episodes",
    "transferred_from_la",
    lambda fr, r: fr.la_code,
    "transferred from LA set to the LA's own code",
    where=_is_s,
)

# =============================================================================================
# Episode dates


@_fault("CLA-042")
def _start_after_census(fr: FaultReturn) -> Injected:
    last = [eps[-1] for eps in fr.chains().values() if _open(fr, eps[-1])]
    row = fr.pick(last)
    row["episode_start_date"] = fr.t(fr.census_date + timedelta(days=10))
    return Injected("CLA-042", "episodes", row, "open episode's start date moved after the census date")


@_fault("CLA-043")
def _end_after_census(fr: FaultReturn) -> Injected:
    last = [eps[-1] for eps in fr.chains().values() if _closed(fr, eps[-1])]
    row = fr.pick(last)
    row["episode_end_date"] = fr.t(fr.census_date + timedelta(days=5))
    return Injected("CLA-043", "episodes", row, "last episode's end date moved after the census date")


@_fault("CLA-044")
def _end_before_start(fr: FaultReturn) -> Injected:
    rows = [r for r in fr.tables["episodes"] if _closed(fr, r) and fr.d(r["episode_start_date"])]
    row = fr.pick(rows)
    row["episode_end_date"] = fr.t(fr.d(row["episode_start_date"]) - timedelta(days=3))
    return Injected("CLA-044", "episodes", row, "episode end date set 3 days before its start")


@_fault("CLA-045")
def _ended_before_year(fr: FaultReturn) -> Injected:
    def fits(eps):
        first = eps[0]
        s, dob = fr.d(first["episode_start_date"]), fr.dob(first["child_id"])
        return (
            first["reason_new_episode"] == "S"
            and s >= fr.start + timedelta(days=10)
            and dob is not None
            and (dob < fr.start - timedelta(days=30))
        )

    fitting = [eps for eps in fr.chains().values() if fits(eps)]
    if not fitting:  # a new child whose only episode ended before the year
        child = fr.row("children")
        first = fr.pick(fr.tables["episodes"])
        cid = fr.new_id()
        fr.add_after("children", child, dict(child, child_id=cid, date_of_birth=fr.t(_years_before(fr.start, 5))))
        new = dict(
            first,
            child_id=cid,
            reason_new_episode="S",
            episode_start_date=fr.t(fr.start - timedelta(days=20)),
            episode_end_date=fr.t(fr.start - timedelta(days=10)),
            reason_episode_ceased="E4",
        )
        if "transferred_from_la" in new:
            new["transferred_from_la"] = ""
        fr.add_after("episodes", first, new)
        return Injected("CLA-045", "episodes", new, "child added whose only episode ended before the year began")
    eps = fr.pick(fitting, child_of=lambda e: e[0]["child_id"])
    first = eps[0]
    new = dict(
        first,
        episode_start_date=fr.t(fr.start - timedelta(days=20)),
        episode_end_date=fr.t(fr.start - timedelta(days=10)),
        reason_episode_ceased="E4",
    )
    if "transferred_from_la" in new:
        new["transferred_from_la"] = ""
    fr.add_after("episodes", first, new)
    return Injected("CLA-045", "episodes", new, "episode added that ended before the year began")


@_fault("CLA-046")
def _born_after_start(fr: FaultReturn) -> Injected:
    firsts = {c: eps[0] for c, eps in fr.chains().items() if fr.d(eps[0]["episode_start_date"]) >= fr.start}
    row = fr.row("children", lambda r: r["child_id"] in firsts)
    start = fr.d(firsts[row["child_id"]]["episode_start_date"])
    row["date_of_birth"] = fr.t(start + timedelta(days=1))
    return Injected("CLA-046", "children", row, "date of birth moved to the day after the child's first episode start")


@_fault("CLA-047")
def _eighteen_at_start(fr: FaultReturn) -> Injected:
    firsts = {c: eps[0] for c, eps in fr.chains().items()}
    row = fr.row("children", lambda r: r["child_id"] in firsts)
    start = fr.d(firsts[row["child_id"]]["episode_start_date"])
    row["date_of_birth"] = fr.t(_years_before(start - timedelta(days=10), 18))
    return Injected("CLA-047", "children", row, "date of birth moved so the child was 18 at the first episode start")


@_fault("CLA-048")
def _start_long_ago(fr: FaultReturn) -> Injected:
    row = fr.pick([eps[0] for eps in fr.chains().values()])
    row["episode_start_date"] = fr.t(date(fr.year.start_year - 19, 4, 1))
    return Injected("CLA-048", "episodes", row, "first episode's start moved 19 years before the year")


_simple("CLA-049", "episodes", "reason_episode_ceased", "", "reason episode ceased removed", where=_closed)
_simple(
    "CLA-050", "episodes", "reason_episode_ceased", "E4", "reason episode ceased given on an open episode", where=_open
)

# =============================================================================================
# Episode sequence


@_fault("CLA-051")
def _dup_episode(fr: FaultReturn) -> Injected:
    row = fr.row("episodes")
    return Injected("CLA-051", "episodes", fr.add_after("episodes", row, dict(row)), "episode row repeated")


@_fault("CLA-052")
def _overlap(fr: FaultReturn) -> Injected:
    def fits(p):
        a, b = p
        s, e = fr.d(a["episode_start_date"]), fr.d(a["episode_end_date"])
        return e is not None and (e - s).days >= 3

    a, b = fr.pick([p for p in fr.pairs() if fits(p)])
    b["episode_start_date"] = fr.t(fr.d(a["episode_end_date"]) - timedelta(days=2))
    return Injected("CLA-052", "episodes", b, "episode start moved 2 days before the previous episode ends")


@_fault("CLA-053")
def _open_not_last(fr: FaultReturn) -> Injected:
    pairs = [
        (eps[i], eps[i + 1])
        for eps in fr.chains().values()
        for i in range(len(eps) - 1)
        if all(_closed(fr, e) for e in eps[i:])
    ]
    if pairs:
        a, b = fr.pick(pairs)
    else:  # add a short closed episode after a child's closed last episode

        def room(r):
            return fr.d(r["episode_end_date"]) <= fr.census_date - timedelta(days=5)

        a = fr.pick(
            _closed_last(fr, room)
            or [eps[-1] for eps in fr.chains().values() if _closed(fr, eps[-1]) and room(eps[-1])]
        )
        start = fr.d(a["episode_end_date"]) + timedelta(days=2)
        b = dict(
            a,
            reason_new_episode="S",
            episode_start_date=fr.t(start),
            episode_end_date=fr.t(start + timedelta(days=1)),
            reason_episode_ceased="E4",
        )
        if "transferred_from_la" in b:
            b["transferred_from_la"] = ""
        fr.add_after("episodes", a, b)
    a["episode_end_date"] = a["reason_episode_ceased"] = ""
    return Injected("CLA-053", "episodes", a, "end date and reason removed from an episode followed by a closed one")


@_fault("CLA-054")
def _two_open(fr: FaultReturn) -> Injected:
    a, b = fr.pick([(a, b) for a, b in fr.pairs() if _closed(fr, a) and _open(fr, b)])
    a["episode_end_date"] = a["reason_episode_ceased"] = ""
    return Injected("CLA-054", "episodes", a, "end date and reason removed from the episode before an open one")


@_fault("CLA-055")
def _not_s_after_end(fr: FaultReturn) -> Injected:
    pairs = [(a, b) for a, b in fr.pairs() if a["reason_episode_ceased"] == "X1" and b["reason_new_episode"] != "S"]
    if pairs:
        a, b = fr.pick(pairs)
        a["reason_episode_ceased"] = "E8"
        return Injected("CLA-055", "episodes", b, "previous episode's reason ceased changed from X1 to E8")
    a, b = fr.pick([(a, b) for a, b in fr.pairs() if a["reason_episode_ceased"] not in ("X1", "")])
    b["reason_new_episode"] = "P"
    return Injected("CLA-055", "episodes", b, "reason for new episode set to P after care ended")


@_fault("CLA-056")
def _x1_last(fr: FaultReturn) -> Injected:
    last = [eps[-1] for eps in fr.chains().values() if _closed(fr, eps[-1])]
    row = fr.pick(last)
    row["reason_episode_ceased"] = "X1"
    return Injected("CLA-056", "episodes", row, "reason ceased X1 on the child's last episode")


@_fault("CLA-057")
def _x1_gap(fr: FaultReturn) -> Injected:
    def fits(p):
        a, b = p
        return a["reason_episode_ceased"] == "X1" and fr.d(b["episode_start_date"]) - timedelta(days=5) >= fr.d(
            a["episode_start_date"]
        )

    a, b = fr.pick([p for p in fr.pairs() if fits(p)])
    a["episode_end_date"] = fr.t(fr.d(b["episode_start_date"]) - timedelta(days=5))
    return Injected("CLA-057", "episodes", a, "X1 episode's end moved 5 days before the next episode starts")


@_fault("CLA-058")
def _s_after_x1(fr: FaultReturn) -> Injected:
    a, b = fr.pick([(a, b) for a, b in fr.pairs() if a["reason_episode_ceased"] == "X1"])
    b["reason_new_episode"] = "S"
    return Injected("CLA-058", "episodes", b, "reason for new episode set to S after an X1")


@_fault("CLA-059")
def _first_not_s(fr: FaultReturn) -> Injected:
    firsts = [
        eps[0]
        for eps in fr.chains().values()
        if fr.d(eps[0]["episode_start_date"]) > fr.start
        and eps[0]["reason_new_episode"] == "S"
        and not eps[0].get("transferred_from_la")
    ]
    row = fr.pick(firsts)
    row["reason_new_episode"] = "P"
    return Injected(
        "CLA-059", "episodes", row, "reason for new episode set to P on a first episode started in the year"
    )


@_fault("CLA-060")
def _short_break_mix(fr: FaultReturn) -> Injected:
    pairs = [
        (a, b)
        for a, b in fr.pairs()
        if a["reason_episode_ceased"] == "X1"
        and a["legal_status"] not in SHORT_BREAKS
        and b["legal_status"] not in SHORT_BREAKS
        and b["placement_type"] not in ("P1", "K1", "R5", "A3", "A4", "A5", "A6")
    ]
    a, b = fr.pick(pairs)
    b["legal_status"] = "V3"
    return Injected("CLA-060", "episodes", b, "legal status V3 after an X1 episode of ordinary care")


# =============================================================================================
# Legal status and placement


@_fault("CLA-061")
def _a56_v2(fr: FaultReturn) -> Injected:
    v2 = [r for r in fr.tables["episodes"] if r["legal_status"] == "V2"]
    row = fr.pick(v2) if v2 else fr.row("episodes")
    row["legal_status"], row["placement_type"] = "V2", "A6"
    return Injected("CLA-061", "episodes", row, "placement type A6 with legal status V2")


@_fault("CLA-062")
def _a56_c2(fr: FaultReturn) -> Injected:
    early = {
        r["child_id"] for r in fr.tables["adoptions"] if (fr.d(r["date_decision"]) or date.max) < date(2005, 12, 30)
    }
    row = fr.row(
        "episodes",
        lambda r: (
            r["legal_status"] in ("C1", "C2")
            and (fr.d(r["episode_start_date"]) or date.min) >= date(2005, 12, 30)
            and r["child_id"] not in early
        ),
    )
    row["placement_type"] = "A6"
    return Injected("CLA-062", "episodes", row, "placement type A6 with a care order")


@_fault("CLA-063")
def _a34_e1(fr: FaultReturn) -> Injected:
    row = fr.row("episodes")
    row["legal_status"], row["placement_type"] = "E1", "A4"
    return Injected("CLA-063", "episodes", row, "placement type A4 with legal status E1")


@_fault("CLA-064")
def _j_p1(fr: FaultReturn) -> Injected:
    row = fr.row("episodes")
    row["legal_status"], row["placement_type"] = "J1", "P1"
    return Injected("CLA-064", "episodes", row, "legal status J1 with placement type P1")


@_fault("CLA-065")
def _short_break_p1(fr: FaultReturn) -> Injected:
    sb = [r for r in fr.tables["episodes"] if r["legal_status"] in SHORT_BREAKS]
    row = fr.pick(sb) if sb else fr.row("episodes")
    row["legal_status"] = row["legal_status"] if row["legal_status"] in SHORT_BREAKS else "V3"
    row["placement_type"] = "P1"
    return Injected("CLA-065", "episodes", row, "short-break episode placed with parents (P1)")


# =============================================================================================
# Age and reason care ended


@_fault("CLA-066")
def _open_at_18(fr: FaultReturn) -> Injected:
    def fits(eps):
        last = eps[-1]
        return _open(fr, last) and fr.d(last["episode_start_date"]) <= fr.census_date - timedelta(days=400)

    chains = {c: eps for c, eps in fr.chains().items() if fits(eps)}
    if not chains:
        chains = {c: eps for c, eps in fr.chains().items() if _open(fr, eps[-1])}
    row = fr.row("children", lambda r: r["child_id"] in chains)
    row["date_of_birth"] = fr.t(_years_before(fr.census_date - timedelta(days=40), 18))
    return Injected("CLA-066", "children", row, "date of birth moved so an open child is 18 on the census date")


def _close(fr: FaultReturn, row: dict, reason: str) -> dict:
    """End an episode (on the census date at the latest) with ``reason``; a closed one keeps its end date."""
    if not _closed(fr, row):
        start = fr.d(row["episode_start_date"]) or fr.census_date
        row["episode_end_date"] = fr.t(max(start, fr.census_date - timedelta(days=1)))
    row["reason_episode_ceased"] = reason
    return row


def _last_or_any(fr: FaultReturn, where: Callable[[dict], bool]) -> dict:
    """A child's closed last episode that fits, else any episode that fits."""
    last = _closed_last(fr, where)
    return fr.pick(last) if last else fr.row("episodes", where)


def _closed_last(fr: FaultReturn, where=lambda r: True) -> list[dict]:
    return [
        eps[-1]
        for eps in fr.chains().values()
        if _closed(fr, eps[-1]) and eps[-1]["reason_episode_ceased"] not in ("X1", "") and where(eps[-1])
    ]


@_fault("CLA-067")
def _e10_young(fr: FaultReturn) -> Injected:
    def young(r):
        dob, end = fr.dob(r["child_id"]), fr.d(r["episode_end_date"])
        return dob is not None and (end - dob).days < 17 * 365

    row = fr.pick(_closed_last(fr, lambda r: r["placement_type"] in FOSTER and young(r)) or _closed_last(fr, young))
    _close(fr, row, "E10")
    return Injected("CLA-067", "episodes", row, "reason ceased E10 for a child well under 18")


@_fault("CLA-068")
def _e10_not_foster(fr: FaultReturn) -> Injected:
    row = _last_or_any(fr, lambda r: r["placement_type"] not in FOSTER | {""})
    _close(fr, row, "E10")
    return Injected("CLA-068", "episodes", row, "reason ceased E10 on a placement that is not foster care")


@_fault("CLA-069")
def _adopted_not_placed(fr: FaultReturn) -> Injected:
    row = _last_or_any(fr, lambda r: r["placement_type"] not in ADOPTION_PLACEMENTS | {""})
    _close(fr, row, "E11")
    return Injected("CLA-069", "episodes", row, "reason ceased E11 on a placement that is not for adoption")


# =============================================================================================
# Adoptions


def _adoption(rule_id: str, column: str, value, what: str, where=lambda fr, r: True) -> None:
    @_fault(rule_id)
    def inject(fr: FaultReturn) -> Injected:
        row = fr.adoption_row(lambda r: where(fr, r))
        row[column] = value(fr, row) if callable(value) else value
        return Injected(rule_id, "adoptions", row, what)


def _decided(fr, r) -> bool:
    return fr.d(r["date_decision"]) is not None


_adoption("CLA-070", "child_id", "", "child id removed from an adoption row")
_adoption("CLA-071", "child_id", lambda fr, r: fr.new_id(), "adoption row given a child id not in children")


@_fault("CLA-072")
def _dup_adoption(fr: FaultReturn) -> Injected:
    row = fr.adoption_row()
    return Injected("CLA-072", "adoptions", fr.add_after("adoptions", row, dict(row)), "adoption row repeated")


_adoption("CLA-073", "date_decision", "", "adoption decision date removed")
_adoption(
    "CLA-074",
    "date_decision",
    lambda fr, r: fr.other_format(fr.d(r["date_decision"])),
    "adoption decision date written in the other era's format",
    where=_decided,
)
_adoption("CLA-075", "date_placed", "31/02/2020x", "date placed written as an impossible date")
_adoption("CLA-076", "date_adopted", "2020-02-31", "adoption date written as an impossible date")
_adoption(
    "CLA-077", "date_decision", lambda fr, r: fr.t(fr.census_date + timedelta(days=2)), "decision moved after census"
)
_adoption(
    "CLA-078", "date_placed", lambda fr, r: fr.t(fr.census_date + timedelta(days=2)), "date placed moved after census"
)
_adoption(
    "CLA-079", "date_adopted", lambda fr, r: fr.t(fr.census_date + timedelta(days=2)), "adoption moved after census"
)
_adoption(
    "CLA-080",
    "date_placed",
    lambda fr, r: fr.t(fr.d(r["date_decision"]) - timedelta(days=10)),
    "date placed set 10 days before the decision",
    where=_decided,
)


@_fault("CLA-081")
def _adopted_before_placed(fr: FaultReturn) -> Injected:
    row = fr.adoption_row(lambda r: fr.d(r["date_placed"]) is not None or _decided(fr, r))
    placed = fr.d(row["date_placed"]) or fr.d(row["date_decision"]) + timedelta(days=5)
    row["date_placed"] = fr.t(placed)
    row["date_adopted"] = fr.t(placed - timedelta(days=2))
    return Injected("CLA-081", "adoptions", row, "adoption date set 2 days before the date placed")


@_fault("CLA-082")
def _adopted_without_placed(fr: FaultReturn) -> Injected:
    with_date = [r for r in fr.tables["adoptions"] if r["date_adopted"]]
    if with_date:
        row = fr.pick(with_date)
    else:
        row = fr.adoption_row(lambda r: _decided(fr, r))
        row["date_adopted"] = fr.t(min(fr.d(row["date_decision"]) + timedelta(days=30), fr.census_date))
    row["date_placed"] = ""
    return Injected("CLA-082", "adoptions", row, "date placed removed from an adoption with an adoption date")


@_fault("CLA-083")
def _adopted_date_mismatch(fr: FaultReturn) -> Injected:
    with_date = [r for r in fr.tables["adoptions"] if fr.d(r["date_adopted"])]
    if with_date:
        row = fr.pick(with_date)
        adopted = fr.d(row["date_adopted"])
        adopted = adopted - timedelta(days=1) if adopted > fr.start else adopted + timedelta(days=1)
    else:
        chains = fr.chains()
        row = fr.adoption_row(lambda r: _decided(fr, r) and r["child_id"] in chains)
        adopted = max(fr.d(row["date_decision"]), fr.start) + timedelta(days=1)
    row["date_adopted"] = fr.t(adopted)
    if fr.d(row["date_placed"]) and fr.d(row["date_placed"]) > adopted:
        row["date_placed"] = row["date_adopted"]
    return Injected("CLA-083", "adoptions", row, "adoption date moved off the last episode's end")


@_fault("CLA-084")
def _decision_before_birth(fr: FaultReturn) -> Injected:
    row = fr.adoption_row(lambda r: fr.dob(r["child_id"]) is not None)
    row["date_decision"] = fr.t(fr.dob(row["child_id"]) - timedelta(days=30))
    return Injected("CLA-084", "adoptions", row, "adoption decision moved before the date of birth")


@_fault("CLA-085")
def _no_date_in_year(fr: FaultReturn) -> Injected:
    row = fr.adoption_row()
    row["date_decision"] = fr.t(fr.start - timedelta(days=400))
    row["date_placed"] = row["date_adopted"] = ""
    return Injected("CLA-085", "adoptions", row, "adoption dates moved before the year")


@_fault("CLA-086")
def _adopted_without_row(fr: FaultReturn) -> Injected:
    adopted = [
        r
        for r in fr.tables["episodes"]
        if r["reason_episode_ceased"] in ("E11", "E12") and (fr.d(r["episode_end_date"]) or date.min) >= fr.start
    ]
    if adopted:
        row = fr.pick(adopted)
        fr.tables["adoptions"] = [r for r in fr.tables["adoptions"] if r["child_id"] != row["child_id"]]
        return Injected("CLA-086", "episodes", row, "adoption row removed for a child adopted in the year")
    row = fr.pick(_closed_last(fr, lambda r: (fr.d(r["episode_end_date"]) or date.min) >= fr.start))
    fr.tables["adoptions"] = [r for r in fr.tables["adoptions"] if r["child_id"] != row["child_id"]]
    row["reason_episode_ceased"] = "E12"
    return Injected("CLA-086", "episodes", row, "reason ceased E12 with no adoption row")


# =============================================================================================
# Care leavers


def _leaver(rule_id: str, column: str, value, what: str, where=lambda fr, r: True, also=None) -> None:
    @_fault(rule_id)
    def inject(fr: FaultReturn) -> Injected:
        row = fr.care_leaver_row(lambda r: where(fr, r))
        if also:
            row.update(also)
        row[column] = value(fr, row) if callable(value) else value
        return Injected(rule_id, "care_leavers", row, what)


_leaver("CLA-087", "child_id", "", "child id removed from a care leaver row")


@_fault("CLA-088")
def _dup_leaver(fr: FaultReturn) -> Injected:
    row = fr.care_leaver_row()
    return Injected("CLA-088", "care_leavers", fr.add_after("care_leavers", row, dict(row)), "care leaver row repeated")


_leaver("CLA-089", "date_of_birth", "", "care leaver's date of birth removed")
_leaver(
    "CLA-090",
    "date_of_birth",
    lambda fr, r: fr.other_format(fr.d(r["date_of_birth"])),
    "care leaver's date of birth written in the other era's format",
    where=lambda fr, r: fr.d(r["date_of_birth"]) is not None,
)
_leaver(
    "CLA-091",
    "date_of_birth",
    lambda fr, r: fr.t(fr.d(r["date_of_birth"]) - timedelta(days=2 * 365 + 30)),
    "care leaver's date of birth moved two years earlier",
    where=lambda fr, r: fr.d(r["date_of_birth"]) is not None,
)
_leaver("CLA-092", "in_touch", "X", "in touch set to X")
_leaver(
    "CLA-093",
    "accommodation_suitable",
    "",
    "suitable accommodation removed for a young person in touch",
    also={"in_touch": "Y", "activity": "F2"},
)
_leaver("CLA-094", "accommodation_suitable", "U", "suitable accommodation set to U")
_leaver(
    "CLA-095",
    "activity",
    "",
    "activity removed for a young person in touch",
    also={"in_touch": "Y", "accommodation_suitable": "Y"},
)
_leaver("CLA-096", "activity", "Z9", "activity set to Z9")
_leaver(
    "CLA-097",
    "activity",
    "0",
    "activity 0 for a young person in touch",
    also={"in_touch": "Y", "accommodation_suitable": "Y"},
)
_leaver(
    "CLA-098",
    "activity",
    "F1",
    "activity F1 for a young person not in touch",
    also={"in_touch": "N", "accommodation_suitable": ""},
)
_leaver(
    "CLA-099",
    "accommodation_suitable",
    "Y",
    "suitable accommodation given for a young person not in touch",
    also={"in_touch": "N", "activity": "0"},
)

# =============================================================================================
# Continuity with last year (edits this year's files against last year's return)


def _open_last_year(fr: FaultReturn) -> dict[str, dict]:
    """Children whose last episode in last year's return is open: child -> that episode."""
    return {c: eps[-1] for c, eps in fr.previous.chains().items() if _open(fr.previous, eps[-1])}


@_fault("CLA-100")
def _missing_this_year(fr: FaultReturn) -> Injected:
    open_prev = _open_last_year(fr)
    here = {r["child_id"] for r in fr.tables["episodes"]}
    child = fr.pick(sorted(set(open_prev) & here), child_of=lambda c: c)
    for t in TABLES:
        fr.tables[t] = [r for r in fr.tables[t] if r["child_id"] != child]
    line = fr.previous.line_of("episodes", open_prev[child])
    return Injected("CLA-100", "episodes", None, f"child open last year (last year's line {line}) removed this year")


def _carried(fr: FaultReturn) -> list[dict]:
    """This year's rows repeating last year's open episodes (same child and start date)."""
    open_prev = _open_last_year(fr)
    prev_fmt = fr.previous
    keys = {(c, prev_fmt.d(e["episode_start_date"])) for c, e in open_prev.items()}
    return [r for r in fr.tables["episodes"] if (r["child_id"], fr.d(r["episode_start_date"])) in keys]


@_fault("CLA-101")
def _open_start_moved(fr: FaultReturn) -> Injected:
    def fits(r):
        end = fr.d(r["episode_end_date"])
        return end is None or end - fr.d(r["episode_start_date"]) > timedelta(days=3)

    row = fr.pick([r for r in _carried(fr) if fits(r)])
    row["episode_start_date"] = fr.t(fr.d(row["episode_start_date"]) + timedelta(days=1))
    return Injected("CLA-101", "episodes", row, "start of an episode carried over from last year moved by a day")


@_fault("CLA-102")
def _open_ls_changed(fr: FaultReturn) -> Injected:
    rows = [
        r
        for r in _carried(fr)
        if r["legal_status"] not in SHORT_BREAKS and r["placement_type"] not in ADOPTION_PLACEMENTS
    ]
    row = fr.pick(rows)
    row["legal_status"] = "C1" if row["legal_status"] == "C2" else "C2"
    return Injected("CLA-102", "episodes", row, "legal status of an episode carried over from last year changed")


@_fault("CLA-103")
def _dob_changed(fr: FaultReturn) -> Injected:
    before = {r["child_id"] for r in fr.previous.tables["children"]}
    row = fr.row("children", lambda r: r["child_id"] in before and fr.d(r["date_of_birth"]) is not None)
    row["date_of_birth"] = fr.t(fr.d(row["date_of_birth"]) - timedelta(days=1))
    return Injected("CLA-103", "children", row, "date of birth moved a day from last year's")


# =============================================================================================
# Cross-census (edits the LA's CRCS return of the same year)

CRCS_SEX = {"1": "1", "2": "2", "M": "M", "F": "F"}  # CLA sex -> CRCS sex of the same era (the codes agree)


@_fault("CLA-104")
def _missing_from_crcs(fr: FaultReturn) -> Injected:
    """Remove a child looked after on 31 March from the LA's CRCS return of the year. Where no CRCS return
    has landed, write one holding the LA's other looked-after children (one row each, a plan from the
    start of their episode) so that the CLA return can be checked against it."""
    looked_after = {
        c: eps[-1]
        for c, eps in fr.chains().items()
        if _open(fr, eps[-1])
        and eps[-1]["legal_status"] not in SHORT_BREAKS
        and (fr.d(eps[-1]["episode_start_date"]) or date.max) <= fr.census_date
        and (fr.dob(c) or date.min) > fr.census_date.replace(year=fr.census_date.year - 18)
    }
    child = fr.pick(sorted(looked_after), child_of=lambda c: c)
    crcs = fr.folder.parent.parent.parent / "crcs" / fr.year.label / fr.la_code
    era = fr.year.era("crcs").name
    columns = submission_spec("crcs").tables["children"].columns_for(era)
    path = crcs / "children.csv"
    if path.exists():
        with path.open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        names = [h.strip().lower() for h in rows[0]]
        at = names.index(next(c.source_name(era).lower() for c in columns if c.name == "child_id"))
        kept = [rows[0]] + [r for r in rows[1:] if len(r) <= at or r[at].strip() != child]
        what = "child looked after on 31 March removed from the CRCS return"
    else:
        children = {r["child_id"]: r for r in fr.tables["children"]}
        kept = [[c.source_name(era) for c in columns]]
        for other, episode in sorted(looked_after.items()):
            if other == child or other not in children:
                continue
            kid = children[other]
            values = {
                "child_id": other,
                "sex": CRCS_SEX.get(kid["sex"], "9" if era == "CIN" else "U"),
                "date_of_birth": kid["date_of_birth"],
                "ethnicity": kid.get("ethnicity") or "NOBT",
                "plan_start_date": episode["episode_start_date"],
                "category_of_need": episode["category_of_need"] or "N1",
                "looked_after": "Y",
                "on_child_protection_register": "N",
            }
            kept.append([values.get(c.name, "") for c in columns])
        what = "CRCS return written without one child looked after on 31 March"
    crcs.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f, lineterminator="\n").writerows(kept)
    return Injected("CLA-104", "episodes", looked_after[child], what)


# =============================================================================================
# Public


def inject_faults(
    landing_dir: Path, census: str, year: CollectionYear, la_code: str, rule_ids: list[str], seed: int
) -> list[str]:
    """Break each named rule on at least one row of the LA's files for the year; describe each fault.

    Raises ``ValueError`` for an unknown rule, a rule that does not apply in the year's era, or a
    return that offers no row for the fault (for the cross-year rules: last year's return missing).
    """
    from orchestration.lib.rules.cla import CLA_RULES

    if census != "cla":
        raise ValueError(f"fault injection is for the CLA census only, not {census!r}")
    year = CollectionYear.parse(year)
    rules = {r.id: r for r in CLA_RULES}
    folder = Path(landing_dir) / census / year.label / la_code
    era = year.era(census).name
    for rule_id in rule_ids:
        if rule_id not in FAULTS:
            raise ValueError(f"no fault injector for {rule_id!r}")
        if rules[rule_id].eras is not None and era not in rules[rule_id].eras:
            raise ValueError(f"{rule_id} does not apply in {year.label} ({era} era)")
    fr = FaultReturn(folder, census, year, la_code, random.Random())
    done: list[Injected] = []
    for rule_id in rule_ids:
        fr.rng = random.Random(f"{seed}:{census}:{year.label}:{la_code}:{rule_id}")
        try:
            done.append(FAULTS[rule_id](fr))
        except NoCandidate as e:
            raise ValueError(f"cannot inject {rule_id} into {census}/{year.label}/{la_code}: {e}") from e
    fr.write()
    out = []
    for f in done:
        line = fr.line_of(f.table, f.row) if f.row is not None else None
        if line:
            where = f"{f.table}.csv line {line}"
        elif f.row is not None:
            where = f"{f.table}.csv (row since removed by a later fault)"
        else:
            where = f"{f.table}.csv"
        out.append(f"{f.rule_id}: {where}: {f.what}")
    return out


def inject_demo_faults(landing_dir: Path, seed: int, faults: dict[str, list[str]] | None = None) -> list[str]:
    """Inject ``DEFAULT_DEMO_FAULTS`` (or ``faults``) into ``DEFAULT_DEMO_FAULT_YEAR``'s CLA returns."""
    year = CollectionYear.parse(DEFAULT_DEMO_FAULT_YEAR)
    out = []
    for la_code, rule_ids in sorted((faults or DEFAULT_DEMO_FAULTS).items()):
        out += [f"{la_code} {year.label} {d}" for d in inject_faults(landing_dir, "cla", year, la_code, rule_ids, seed)]
    return out
