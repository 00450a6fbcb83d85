"""Synthetic CRCS returns (CIN before 2016-17): every Welsh LA's children receiving care and support.

How it works
------------
A CRCS return has two kinds of children.

*Looked-after children* come from the CLA return of the same LA and year, which must already be
in the landing folder (``generate_cla`` at the same ``scale``; the CLA files are read through the
CLA spec of their era, so SSDA903 names and dates work too). Every child looked after at 31 March
(an episode started on or before the census date with no end date, legal status not V3/V4, under
18) is written with the same child id, sex (mapped to the CRCS era's codes), date of birth,
ethnicity and UPN, ``looked_after = Y`` and the category of need of the open episode. Their plan
usually started before they came into care; for a share of those who came into care after
1 January the plan starts with care, so they are in the return but not counted by the snapshot
rule (that is why CRCS looked after < CLA stock). That share is chosen per LA by a controller so
the LA's counted looked-after children equal its target (Wales: the CLA stock × 7,188 / 7,263, the
2020-21 ratio). Some of them are on the register (Wales 2020-21: 143, split over the LAs).

*CRCS-only children* (on the register but not looked after; neither) are simulated longitudinally
per LA from a burn-in in 2003 to the last year (at least 2025-26, so a year's files do not depend
on the other years asked for). Cases (plans) start on a day, have a kind (``cpr``: on the register,
or ``neither``), a planned length and an end (never at or after the 18th birthday); some children
are re-referred after a case closes, so a child can have several plans in a year. Each year a
controller counts the cases counted by the snapshot rule on the census date and adds new cases
starting between 1 April and 1 January until the LA's targets are met, or brings forward the
closure of the soonest-ending cases when there are too many; then it adds the year's late
starters (plans starting after 1 January, ~6-7 % of rows, not counted) and the unborn children.
Their ids are ``CS`` + the LA's two-digit order + six digits (``CS15004512``) or, in the LAs whose
CLA ids carry the LA's prefix, that prefix + ``S`` + six digits (``CDFS004521``): a namespace that
never meets the CLA ids (all digits, or prefix/``C`` + digits) nor another LA's CRCS ids, and stable
across the years a child's case lasts (an unborn child keeps the id once born).

Targets (``crcs_reference``): Wales born children counted, on the register not looked after and
unborn per year, from the published headlines (CIN: published total minus published unborn,
because this platform publishes unborn children outside ``total``) and hand anchors in between;
split over the 22 LAs by largest remainder (population and CLA stock shares), so with every LA
the Wales counts land on the targets (at ``scale`` 1, within a handful of the published figures).

Deliberate differences from the CLA return (for the reconciliation and the cross-census rule),
in every LA and year:

- one or two children looked after at 31 March in the CLA return are missing from the CRCS return
  (mostly children who came into care after 1 January, so the counted target can still be met);
- one CRCS-only child counted as neither (if the LA has one) is written with ``looked_after = Y``
  although their id is not in the CLA return (and counts as looked after by the CRCS rule).

Other decisions and limits: the plan of a looked-after child whose period of care started before
the year is dated from the earliest episode in this year's CLA return (the CLA return does not
carry the period's start), so it can move between years when the child moved placement. A plan that
began while the child was unborn keeps its start after the birth (start before date of birth, by at
most about nine months). Plans close before the 18th birthday, so every open plan is an under-18's;
a closed plan in an all-year return can belong to a child who has turned 18 since. A CLA child with
no ethnicity (allowed in SSDA903 returns) gets ``NOBT`` (information not yet obtained), since CRCS
requires ethnicity for born children. Unborn children: sex ``9``/``U``, no date of birth, an
expected date after the census date, no ethnicity, disability or health items, category of need
never N2, N8 or N9.

Everything is driven by ``random.Random`` seeded from stable strings or numbers: the same
arguments (and the same CLA landing files) give byte-identical files.
"""

from __future__ import annotations

import csv
import math
import random
from datetime import date, datetime
from pathlib import Path

from orchestration.lib.specs import submission_spec
from orchestration.lib.synthetic import cla_reference as cla_ref
from orchestration.lib.synthetic import crcs_reference as ref
from orchestration.lib.synthetic.cla import CITIES, ETH_CITY_T, ETH_T, _birthday, _cum, _formatter, _pick
from orchestration.lib.years import CollectionYear

SIM_START = 2003  # burn-in; the series starts in 2009-10
DEFAULT_LAST = 2025  # always simulate to at least 2025-26, so a year's files don't depend on `years`
LATE_SHARE = 0.065  # late starters (plan after 1 January) per counted child
UNBORN_LATE_SHARE = 0.15
REREFERRAL = 0.12  # share of new cases that are a re-referral of a child whose case closed
SHORT_BREAKS = ("V3", "V4")

# fmt: off
AGE_GROUP_W = (0.10, 0.22, 0.26, 0.32, 0.10)  # at case start: under 1, 1–4, 5–9, 10–15, 16–17½
AGE_GROUP_DAYS = ((0, 364), (365, 1825), (1826, 3652), (3653, 5843), (5844, 6390))
AGE_GROUP_T = _cum(tuple(zip(range(5), AGE_GROUP_W, strict=True)))

NEED_CPR = _cum((("N1", 0.88), ("N4", 0.05), ("N5", 0.05), ("N3", 0.02)))
NEED_NEITHER = _cum((("N1", 0.34), ("N2", 0.24), ("N3", 0.07), ("N4", 0.11), ("N5", 0.11), ("N6", 0.05),
                     ("N7", 0.02), ("N8", 0.02), ("N9", 0.04)))
NEED_UNBORN = _cum((("N1", 0.60), ("N3", 0.10), ("N4", 0.15), ("N5", 0.15)))

DISABILITY = (("LD", 0.28), ("COMM", 0.17), ("BEH", 0.14), ("AUT", 0.15), ("MOB", 0.08), ("PC", 0.04),
              ("HAND", 0.02), ("INC", 0.02), ("HEAR", 0.03), ("VIS", 0.02), ("CON", 0.02), ("OTH", 0.03))
DISABILITY_ORDER = ("MOB", "HAND", "PC", "INC", "COMM", "LD", "HEAR", "VIS", "BEH", "CON", "AUT", "OTH")
N_DISABILITIES = _cum(((1, 0.55), (2, 0.28), (3, 0.12), (4, 0.05)))
# P(disability) by status (N2 children always have one)
P_DISABILITY = {"lac": 0.10, "cpr": 0.05, "neither": 0.14}

PF_ORDER = ("PMH", "PSM", "DA", "PLD", "PPH")
PF_MULT = {"lac": 1.1, "cpr": 1.35, "neither": 0.7, "unborn": 1.2}

CPR_CATEGORY = (("NEG", 0.47), ("EMO", 0.30), ("PHY", 0.09), ("SAB", 0.05), ("MUL", 0.08), ("FIN", 0.01))

CLOSURE = _cum((("RC7", 0.58), ("RC8", 0.15), ("RC5", 0.08), ("RC3", 0.07), ("RC4", 0.07), ("RC2", 0.01),
                ("RC1", 0.01), ("RC6", 0.03)))
# fmt: on

DIS_T = _cum(DISABILITY)
CPR_CAT_T = {"CIN": _cum([p for p in CPR_CATEGORY if p[0] != "FIN"]), "CRCS": _cum(CPR_CATEGORY)}


def _pf_prob(code: str, year: int) -> float:
    """Base prevalence of a parental factor in a year (before the status multiplier)."""
    if code == "PMH":  # rising each year since 2016-17 (42 % of children in 2021)
        return 0.20 + 0.01 * (year - 2009) if year <= 2015 else min(0.48, 0.26 + 0.045 * (year - 2015))
    return {"PSM": 0.27, "DA": 0.27, "PLD": 0.06, "PPH": 0.07}[code]


def _lognorm_days(rng: random.Random, median: float, sigma: float, cap: int = 10 * 366) -> int:
    return max(1, min(cap, int(rng.lognormvariate(math.log(median), sigma))))


# ---------------------------------------------------------------------------------------------
# Calendar

YSTART: dict[int, int] = {}
JAN1: dict[int, int] = {}
CENSUS: dict[int, int] = {}


def _calendar(last: int) -> None:
    for y in range(SIM_START, last + 2):
        if y not in YSTART:
            YSTART[y] = date(y, 4, 1).toordinal()
            JAN1[y] = date(y + 1, 1, 1).toordinal()
            CENSUS[y] = date(y + 1, 3, 31).toordinal()


def _year_of(o: int) -> int:
    d = date.fromordinal(o)
    return d.year if d.month >= 4 else d.year - 1


def _age(dob: int, on: int) -> int:
    a, b = date.fromordinal(dob), date.fromordinal(on)
    return b.year - a.year - ((b.month, b.day) < (a.month, a.day))


# ---------------------------------------------------------------------------------------------
# CRCS-only children, simulated


class _Kid:
    __slots__ = ("serial", "dob", "edd", "b18", "sex", "eth", "upn", "upn_from", "upn_before", "seed", "cases", "cid")

    def __init__(self, serial: int, dob: int, rng: random.Random, gss: str):
        self.serial = serial
        self.dob = dob
        self.edd = 0
        self.b18 = _birthday(date.fromordinal(dob), 18)
        r = rng.random()
        self.sex = "m" if r < 0.52 else "f"
        self.eth = _pick(rng, ETH_CITY_T if gss in CITIES else ETH_T)
        self.seed = rng.getrandbits(48)
        self.cases: list[_Case] = []
        self.cid = ""
        # UPN: allocated around school entry (not before 2000); some never have one.
        if rng.random() < 0.85:
            alloc = max(dob + int(365.25 * (3.4 + rng.random() * 1.3)), date(2000, 9, 1).toordinal())
            la_no = cla_ref.LA_NUMBER[gss] if rng.random() < 0.9 else 660 + rng.randrange(22)
            yy = date.fromordinal(alloc).year % 100
            digits = f"{la_no:03d}{rng.randrange(1000, 8000):04d}{yy:02d}{rng.randrange(1000):03d}"
            self.upn = cla_ref.upn_check_letter(digits) + digits
            self.upn_from = alloc
            self.upn_before = "" if rng.random() < 0.6 else "UN1"
        else:
            self.upn = ""
            self.upn_from = 10**9
            self.upn_before = "" if rng.random() < 0.4 else f"UN{rng.randrange(1, 6)}"


class _Case:
    __slots__ = ("kid", "start", "end", "kind", "need", "reason", "seed")

    def __init__(self, kid: _Kid, start: int, end: int, kind: str, need: str, seed: int):
        self.kid = kid
        self.start = start
        self.end = end
        self.kind = kind  # cpr | neither
        self.need = need
        self.reason = ""
        self.seed = seed


class _LA:
    def __init__(self, gss: str, seed: int, scale: float):
        self.gss = gss
        self.scale = scale
        self.rng = random.Random(f"crcs:{seed}:{gss}")
        self.kids: list[_Kid] = []
        self.cases: list[_Case] = []
        self.active: list[_Case] = []
        self.pool: list[_Kid] = []  # children whose last case is closed (re-referral candidates)
        self.by_year: dict[int, list[_Case]] = {}  # the cases open at some time in each year written
        self.serial = 0

    def new_kid(self, dob: int) -> _Kid:
        self.serial += 1
        k = _Kid(self.serial, dob, self.rng, self.gss)
        self.kids.append(k)
        return k

    def new_case(self, kid: _Kid, start: int, end: int, kind: str, need: str | None = None) -> _Case:
        rng = self.rng
        if end >= kid.b18:  # plans end before the 18th birthday (transfer to adult services)
            end = max(start, kid.b18 - rng.randint(1, 60))
        if need is None:
            need = _pick(rng, NEED_CPR if kind == "cpr" else NEED_NEITHER)
        if rng.random() < 0.02:  # some plans close on 31 March exactly (not open: not counted)
            ce = CENSUS.get(_year_of(end))
            if ce is not None and end < ce < kid.b18:
                end = ce
        c = _Case(kid, start, end, kind, need, rng.getrandbits(48))
        c.reason = _closure_reason(rng, kid, end)
        kid.cases.append(c)
        self.cases.append(c)
        self.active.append(c)
        self.pool.append(kid)
        return c


def _closure_reason(rng: random.Random, kid: _Kid, end: int) -> str:
    if kid.b18 - end <= 120 and rng.random() < 0.7:
        return "RC6"
    r = _pick(rng, CLOSURE)
    if r == "RC6" and kid.b18 - end > 400:
        return "RC7"
    return r


def _duration(rng: random.Random, kind: str) -> int:
    if kind == "cpr":
        return _lognorm_days(rng, 330, 0.75)
    return _lognorm_days(rng, 430, 0.95)


def _arrival(la: _LA, y: int, kind: str, lo: int, hi: int) -> _Case:
    """A new case starting between ``lo`` and ``hi``: a re-referral or a new child."""
    rng = la.rng
    start = rng.randint(lo, hi)
    kid = None
    if la.pool and rng.random() < REREFERRAL:
        for _ in range(3):
            k = la.pool[rng.randrange(len(la.pool))]
            last = k.cases[-1]
            if last.end < start and last.end > start - 730 and k.b18 - start > 240 and k.dob < start:
                kid = k
                break
    if kid is None:
        g = _pick(rng, AGE_GROUP_T)
        a, b = AGE_GROUP_DAYS[g]
        kid = la.new_kid(start - rng.randint(a, b))
    return la.new_case(kid, start, start + _duration(rng, kind), kind)


def _counted_born(c: _Case, y: int) -> bool:
    return c.start <= JAN1[y] and c.end > CENSUS[y] and c.kid.dob <= CENSUS[y]


def _run_year(la: _LA, y: int, t: dict[str, int]) -> None:
    rng = la.rng
    ys, j1, ce = YSTART[y], JAN1[y], CENSUS[y]
    la.active = [c for c in la.active if c.end >= ys]
    la.pool = [k for k in la.pool if k.cases[-1].end >= ys - 730 and k.b18 - ys > 240]
    # Unborn children counted on the census date (their plan started by 1 January).
    unborn = sum(1 for c in la.active if c.kid.dob > ce and c.start <= j1 and c.end > ce)
    for _ in range(max(0, t["unborn"] - unborn)):
        _unborn_case(la, y, late=False)
    # Born children counted, per kind: add arrivals, or close the soonest-ending cases.
    targets = {"cpr": t["cpr"], "neither": t["neither"] + 1}  # +1: the deliberate extra (see docstring)
    for kind in ("cpr", "neither"):
        counted = [c for c in la.active if c.kind == kind and _counted_born(c, y)]
        n = len(counted)
        while n < targets[kind]:
            if _counted_born(_arrival(la, y, kind, ys, j1), y):
                n += 1
        if n > targets[kind]:
            counted.sort(key=lambda c: (c.end, c.kid.serial, c.start))
            for c in counted[: n - targets[kind]]:
                c.end = ce if rng.random() < 0.08 else rng.randint(max(c.start, ys), ce)
                c.reason = _closure_reason(rng, c.kid, c.end)
    # Late starters: plans that start after 1 January (in the return, not counted).
    for _ in range(int(round(LATE_SHARE * t["total"]))):
        c = _arrival(la, y, "cpr" if rng.random() < 0.25 else "neither", j1 + 1, ce)
        if c.end <= ce and rng.random() < 0.85 and c.kid.b18 > ce + 30:
            c.end = ce + _duration(rng, c.kind)
            if c.end >= c.kid.b18:
                c.end = c.kid.b18 - 1
            c.reason = _closure_reason(rng, c.kid, c.end)
    for _ in range(int(round(UNBORN_LATE_SHARE * t["unborn"] + rng.random() * 0.5))):
        _unborn_case(la, y, late=True)


def _unborn_case(la: _LA, y: int, late: bool) -> None:
    rng = la.rng
    ys, j1, ce = YSTART[y], JAN1[y], CENSUS[y]
    dob = ce + rng.randint(1, 170)
    kid = la.new_kid(dob)
    kid.edd = max(ce + 1, dob + rng.randint(-12, 12))
    start = rng.randint(j1 + 1, ce) if late else rng.randint(max(ys, dob - 270), j1)
    kind = "cpr" if rng.random() < 0.3 else "neither"
    la.new_case(kid, start, dob + _lognorm_days(rng, 420, 0.8), kind, _pick(rng, NEED_UNBORN))


def _assign_ids(la: _LA) -> None:
    kind, prefix, _digits, _gap = cla_ref.id_style(la.gss)
    # The LA's own prefix (unique to the LA) or CS + the LA's two-digit order: ids never meet
    # the CLA ids (all digits, or prefix/C + digits) nor another LA's CRCS ids.
    own = kind == "prefix" and prefix == cla_ref.ID_PREFIX.get(la.gss)
    head = f"{prefix}S" if own else f"CS{cla_ref.la_codes().index(la.gss) + 1:02d}"
    rng = random.Random(f"crcs-ids:{la.gss}")
    n = rng.randrange(500)
    for k in sorted(la.kids, key=lambda k: (k.cases[0].start if k.cases else 0, k.serial)):
        n += rng.randint(1, 3)
        k.cid = f"{head}{n:06d}"
        assert len(k.cid) <= 10


# ---------------------------------------------------------------------------------------------
# The CLA return of the same LA and year


_PARSED: dict[tuple[bool, str], int] = {}


def _read_cla(landing: Path, gss: str, cy: CollectionYear) -> tuple[list[dict], set[str]]:
    """The children looked after at 31 March in the CLA return (with the start of their period
    of care and the category of need of the open episode), and every child id of the return."""
    folder = landing / "cla" / cy.label / gss
    paths = {t: folder / f"{t}.csv" for t in ("children", "episodes")}
    missing = [str(p) for p in paths.values() if not p.is_file()]
    if missing:
        raise FileNotFoundError(
            f"no CLA return for {gss} {cy.label} ({', '.join(missing)} missing): the CRCS generator links "
            "its looked-after children to the CLA return, so generate the CLA returns first (generate_cla, "
            "same landing folder, years, seed and scale)"
        )
    era = cy.era("cla")
    spec = submission_spec("cla")
    fmt = era.strptime_format

    def read(table: str) -> list[dict[str, str]]:
        names = {c.source_name(era.name).strip().lower(): c.name for c in spec.tables[table].columns_for(era.name)}
        with paths[table].open(encoding="utf-8-sig", newline="") as f:
            rows = list(csv.reader(f))
        header = [names.get(h.strip().lower(), h.strip().lower()) for h in rows[0]]
        return [dict(zip(header, r, strict=False)) for r in rows[1:]]

    iso = fmt == "%Y-%m-%d"

    def day(text: str) -> int | None:
        if not text:
            return None
        o = _PARSED.get((iso, text))
        if o is None:
            try:
                a, b, c = (int(x) for x in text.strip().split("-" if iso else "/"))
                o = (date(a, b, c) if iso else date(c, b, a)).toordinal()
            except ValueError:
                o = datetime.strptime(text.strip(), fmt).date().toordinal()
            _PARSED[(iso, text)] = o
        return o

    children = {r["child_id"]: r for r in read("children")}
    ce = cy.census_date.toordinal()
    eps_by: dict[str, list[tuple]] = {}
    for e in read("episodes"):
        if e.get("legal_status") in SHORT_BREAKS:
            continue
        eps_by.setdefault(e["child_id"], []).append(
            (day(e["episode_start_date"]), day(e.get("episode_end_date", "")), e.get("reason_new_episode", ""), e)
        )
    out = []
    for cid in sorted(eps_by):
        ch = children.get(cid)
        if ch is None or not ch.get("date_of_birth"):
            continue
        dob = day(ch["date_of_birth"])
        eps = sorted(eps_by[cid], key=lambda x: x[0])
        open_i = next((i for i, x in enumerate(eps) if x[0] <= ce and x[1] is None), None)
        if open_i is None or _age(dob, ce) >= 18:
            continue
        i = open_i  # back to the episode that started the period (or the first in the return)
        while i > 0 and eps[i][2] != "S":
            i -= 1
        sex = ch.get("sex", "")
        out.append(
            {
                "cid": cid,
                "sex": "m" if sex in ("1", "M") else ("f" if sex in ("2", "F") else "u"),
                "dob": dob,
                "eth": ch.get("ethnicity", "") or "NOBT",
                "upn": ch.get("upn", ""),
                "entry": eps[i][0],
                "need": eps[open_i][3].get("category_of_need", "") or "N1",
            }
        )
    return out, set(children)


# ---------------------------------------------------------------------------------------------
# Rows


# Internal row: the spec's internal column names; dates as ordinals (None = empty).
_COLS = (
    "child_id",
    "sex",
    "date_of_birth",
    "expected_date_of_birth",
    "ethnicity",
    "upn",
    "plan_start_date",
    "plan_end_date",
    "reason_for_closure",
    "category_of_need",
    "disability",
    "looked_after",
    "on_child_protection_register",
    "cpr_category",
    "parental_factors",
    "child_mental_health",
    "child_substance_misuse",
    "youth_offending",
    "immunisations_up_to_date",
    "dental_check",
    "school_attendance_pct",
)
_DATE_COLS = frozenset(("date_of_birth", "expected_date_of_birth", "plan_start_date", "plan_end_date"))


_M64 = (1 << 64) - 1


class _Mix:
    """A tiny deterministic stream (splitmix64) for the draws that change every year: much cheaper
    to start than a ``random.Random`` per row."""

    __slots__ = ("state",)

    def __init__(self, seed: int):
        self.state = seed & _M64

    def random(self) -> float:
        self.state = (self.state + 0x9E3779B97F4A7C15) & _M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & _M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & _M64
        return ((z ^ (z >> 31)) >> 11) / 9007199254740992.0


def _yn(rng, p_yes: float, p_no: float) -> str:
    r = rng.random()
    return "Y" if r < p_yes else ("N" if r < p_yes + p_no else "")


def _disability_list(rng: _Mix) -> str:
    n = _pick(rng, N_DISABILITIES)
    codes: set[str] = set()
    while len(codes) < n:
        codes.add(_pick(rng, DIS_T))
    return ";".join(c for c in DISABILITY_ORDER if c in codes)


_STABLE: dict[int, tuple] = {}  # per child/plan seed: the draws that do not change with the year


def _attributes(
    seed: int, y: int, era: str, status: str, need: str, dob: int, unborn: bool, cpr: bool
) -> dict[str, str]:
    """The row's characteristics: stable per child/plan (``seed``), health items per year."""
    crcs = era != "CIN"
    row: dict[str, str] = {}
    st = _STABLE.get(seed)
    if st is None:
        stable = _Mix(seed)
        st = _STABLE[seed] = (
            [stable.random() for _ in PF_ORDER],
            stable.random(),
            _disability_list(stable),
            stable.random(),
        )
    u_pf, u_dis, dis, u_cat = st
    # Parental factors: a stable draw per factor against a prevalence that moves with the year.
    mult = PF_MULT["unborn" if unborn else status] * (0.4 if need == "N2" else 1.0)
    row["parental_factors"] = ";".join(c for c, u in zip(PF_ORDER, u_pf, strict=True) if u < _pf_prob(c, y) * mult)
    row["cpr_category"] = _pick_u(CPR_CAT_T["CRCS" if crcs else "CIN"], u_cat) if cpr else ""
    if unborn:
        row["disability"] = ""
        for k in ("child_mental_health", "child_substance_misuse", "youth_offending"):
            row[k] = ""
        row["immunisations_up_to_date"] = row["dental_check"] = row["school_attendance_pct"] = ""
        return row
    row["disability"] = dis if (need == "N2" or u_dis < P_DISABILITY[status]) else ""
    rng = _Mix(seed * 131 + y)
    age = _age(dob, CENSUS[y])
    row["child_mental_health"] = (_yn(rng, 0.18, 0.68) if age >= 5 else _yn(rng, 0.01, 0.6)) if crcs else ""
    row["child_substance_misuse"] = _yn(rng, 0.07, 0.80) if age >= 10 else _yn(rng, 0.0, 0.6)
    row["youth_offending"] = _yn(rng, 0.08 if status == "lac" else 0.04, 0.80) if age >= 10 else _yn(rng, 0, 0.6)
    row["immunisations_up_to_date"] = _yn(rng, 0.80, 0.12) if age >= 1 else ""
    row["dental_check"] = _yn(rng, 0.70, 0.18) if age >= 5 else ""
    att = ""
    if crcs and 5 <= age <= 15 and rng.random() < 0.9:
        att = f"{100.0 * (1.0 - 0.35 * rng.random() ** 3.0):.1f}"
    row["school_attendance_pct"] = att
    return row


def _pick_u(table, u: float) -> str:
    codes, cum = table
    for c, x in zip(codes, cum, strict=True):
        if u < x:
            return c
    return codes[-1]


def _sex_code(sex: str, era: str, unborn: bool) -> str:
    if era == "CIN":
        return "9" if unborn or sex not in ("m", "f") else ("1" if sex == "m" else "2")
    if unborn:
        return "U"
    return {"m": "M", "f": "F", "n": "N"}.get(sex, "U")


def _counted(row: dict, y: int) -> bool:
    """publication.md: plan started by 1 January, open on the census date (end empty or later)."""
    return row["plan_start_date"] <= JAN1[y] and (row["plan_end_date"] is None or row["plan_end_date"] > CENSUS[y])


def _la_rows(la: _LA, lac_kids: list[dict], y: int, era: str, t: dict[str, int], seed: int) -> tuple[list, dict]:
    ys, j1, ce = YSTART[y], JAN1[y], CENSUS[y]
    all_year = era == "CRCS_ALL_YEAR"
    rows: list[dict] = []
    info = {"cla_missing": [], "extra_looked_after": [], "lac_late_dropped": 0}
    # CRCS-only cases in the return.
    cases = [c for c in la.by_year.get(y, ()) if c.start <= ce and (c.end >= ys if all_year else c.end > ce)]
    cases.sort(key=lambda c: (c.kid.cid, c.start))
    for c in cases:
        k = c.kid
        unborn = k.dob > ce
        status = "cpr" if c.kind == "cpr" else "neither"
        row = {
            "child_id": k.cid,
            "sex": _sex_code("n" if k.seed % 500 == 0 and _age(k.dob, ce) >= 12 else k.sex, era, unborn),
            "date_of_birth": None if unborn else k.dob,
            "expected_date_of_birth": k.edd if unborn else None,
            "ethnicity": "" if unborn else k.eth,
            "upn": "" if unborn else (k.upn if ce >= k.upn_from else k.upn_before),
            "plan_start_date": c.start,
            "plan_end_date": c.end if c.end <= ce else None,
            "reason_for_closure": c.reason if c.end <= ce else "",
            "category_of_need": c.need,
            "looked_after": "N",
            "on_child_protection_register": "Y" if c.kind == "cpr" else "N",
        }
        row.update(_attributes(c.seed, y, era, status, c.need, k.dob, unborn, c.kind == "cpr"))
        if row["plan_end_date"] is not None and not unborn:
            # A plan closed in the year: health items follow the child's age when it closed.
            age_then = _age(k.dob, row["plan_end_date"])
            if age_then < 1:
                row["immunisations_up_to_date"] = ""
            if age_then < 5:
                row["dental_check"] = ""
        rows.append(row)
    # The deliberate extra: a child counted as neither, recorded as looked after, not in the CLA return.
    rng = random.Random(f"crcs-lac:{seed}:{la.gss}:{y}")
    neither = [
        r
        for r in rows
        if r["on_child_protection_register"] == "N" and r["date_of_birth"] is not None and _counted(r, y)
    ]
    if neither:
        extra = neither[rng.randrange(len(neither))]
        extra["looked_after"] = "Y"
        info["extra_looked_after"].append(extra["child_id"])
    n_extra = len(info["extra_looked_after"])
    # Looked-after children of the CLA return.
    kids = list(lac_kids)
    n_missing = min(len(kids), 1 + (rng.random() < 0.5))
    # Mostly children who came into care after 1 January (the likeliest to be missed), so the
    # looked-after count can still meet its target.
    late_all = [k for k in kids if k["entry"] > j1]
    born_late = [k for k in late_all if k["dob"] > j1]  # could not be counted anyway
    pick_from = born_late if len(born_late) >= n_missing else late_all
    if len(pick_from) < n_missing or rng.random() < 0.2:
        pick_from = kids
    missing = set(k["cid"] for k in rng.sample(pick_from, n_missing)) if n_missing else set()
    info["cla_missing"] = sorted(missing)
    kids = [k for k in kids if k["cid"] not in missing]
    late = [k for k in kids if k["entry"] > j1]
    must_drop = [k for k in late if k["dob"] > j1]
    may_drop = [k for k in late if k["dob"] <= j1]
    need_drop = len(kids) + n_extra - t["lac"]
    extra_drop = max(0, min(len(may_drop), need_drop - len(must_drop)))
    dropped = {k["cid"] for k in must_drop} | {k["cid"] for k in rng.sample(may_drop, extra_drop)}
    info["lac_late_dropped"] = len(dropped)
    counted_lac = sorted(k["cid"] for k in kids if k["cid"] not in dropped)
    on_register = set(rng.sample(counted_lac, min(len(counted_lac), t["lac_cpr"])))
    for k in kids:
        cid = k["cid"]
        crng = random.Random(f"crcs-lac-child:{seed}:{la.gss}:{cid}")
        offset = 0 if crng.random() < 0.12 else _lognorm_days(crng, 160, 1.0, cap=5 * 366)
        cseed = crng.getrandbits(48)
        if cid in dropped:
            start = k["entry"]  # the plan starts with care, after 1 January: not counted
        else:
            start = max(k["dob"], k["entry"] - offset)
            if start > j1:
                start = max(k["dob"], j1 - offset % 200)
        need = k["need"] if k["need"] in ("N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8") else "N1"
        row = {
            "child_id": cid,
            "sex": _sex_code(k["sex"], era, False),
            "date_of_birth": k["dob"],
            "expected_date_of_birth": None,
            "ethnicity": k["eth"],
            "upn": k["upn"],
            "plan_start_date": start,
            "plan_end_date": None,
            "reason_for_closure": "",
            "category_of_need": need,
            "looked_after": "Y",
            "on_child_protection_register": "Y" if cid in on_register else "N",
        }
        row.update(_attributes(cseed, y, era, "lac", need, k["dob"], False, cid in on_register))
        rows.append(row)
    rows.sort(key=lambda r: (r["child_id"], r["plan_start_date"]))
    return rows, info


def _count(rows: list[dict], y: int) -> dict[str, int]:
    """The snapshot rule on the rows (children, not plans; the latest qualifying plan)."""
    ce = CENSUS[y]
    best: dict[str, dict] = {}
    unborn: set[str] = set()
    for r in rows:
        if not _counted(r, y):
            continue
        if r["date_of_birth"] is None:
            unborn.add(r["child_id"])
            continue
        if _age(r["date_of_birth"], ce) >= 18:
            continue
        b = best.get(r["child_id"])
        if b is None or r["plan_start_date"] > b["plan_start_date"]:
            best[r["child_id"]] = r
    out = {"total": len(best), "looked_after": 0, "child_protection_register": 0, "neither": 0}
    out["looked_after_and_cpr"] = 0
    for r in best.values():
        if r["looked_after"] == "Y":
            out["looked_after"] += 1
            out["looked_after_and_cpr"] += r["on_child_protection_register"] == "Y"
        elif r["on_child_protection_register"] == "Y":
            out["child_protection_register"] += 1
        else:
            out["neither"] += 1
    out["unborn"] = len(unborn)
    return out


def _write(rows: list[dict], folder: Path, era: str, fmt) -> None:
    cols = submission_spec("crcs").tables["children"].columns_for(era)
    folder.mkdir(parents=True, exist_ok=True)
    with (folder / "children.csv").open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow([c.source_name(era) for c in cols])
        for r in rows:
            out = []
            for c in cols:
                v = r[c.name]
                out.append(("" if v is None else fmt(v)) if c.name in _DATE_COLS else v)
            w.writerow(out)


# ---------------------------------------------------------------------------------------------
# Public


def wales_targets(year: str | CollectionYear, scale: float = 1.0) -> dict[str, int]:
    """The Wales counted targets of a year at ``scale`` (total born, looked after, on the register
    not looked after, neither, looked after and on the register, unborn)."""
    return ref.wales_targets(CollectionYear.parse(year).start_year, scale)


def generate_crcs(
    landing: Path,
    years: list[CollectionYear],
    seed: int = 1,
    scale: float = 1.0,
    las: list[str] | None = None,
) -> dict:
    """Write synthetic CRCS returns to ``<landing>/crcs/<year>/<gss>/children.csv``.

    The CLA returns of the same years and LAs must already be in ``landing`` (``generate_cla``
    with the same seed and scale): the looked-after children are read from them.

    Returns ``{"seed", "scale", "las", "years": {label: {...}}}``; per year: ``era``, ``files``,
    ``rows``, ``children`` (distinct ids), ``late_starters`` (rows whose plan started after
    1 January), ``plans_closed`` (all-year era), ``counted`` (the snapshot rule on the rows
    written: ``total`` born, ``looked_after``, ``child_protection_register`` (not looked after),
    ``neither``, ``looked_after_and_cpr``, ``unborn``), ``target`` (the same keys, what the
    controller aimed at), ``cla_looked_after`` (CLA stock at 31 March of those LAs) and the
    deliberate differences per LA: ``cla_missing`` and ``extra_looked_after`` (child ids).
    """
    landing = Path(landing)
    years = sorted({CollectionYear.parse(y) for y in years})
    all_las = cla_ref.la_codes()
    unknown = sorted(set(las or ()) - set(all_las))
    if unknown:
        raise ValueError(f"unknown LA code(s): {', '.join(unknown)}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    codes = all_las if las is None else [g for g in all_las if g in set(las)]
    if not years:
        return {"seed": seed, "scale": scale, "las": codes, "years": {}}
    for y in years:
        y.era("crcs")  # raises for years before the series
    last = max(years[-1].start_year, DEFAULT_LAST)
    _calendar(last)
    _STABLE.clear()

    sims = {g: _LA(g, seed, scale) for g in codes}
    for y in range(SIM_START, last + 1):
        targets = ref.la_targets(y, scale)
        for g in codes:
            _run_year(sims[g], y, targets[g])
    wanted = {y.start_year for y in years}
    lo, hi = min(wanted), max(wanted)
    for la in sims.values():
        _assign_ids(la)
        for c in la.cases:
            for y in range(max(_year_of(c.start), lo), min(_year_of(c.end), hi) + 1):
                if y in wanted:
                    la.by_year.setdefault(y, []).append(c)

    summary_years: dict[str, dict] = {}
    for cy in years:
        y = cy.start_year
        era = cy.era("crcs")
        fmt = _formatter(era.strptime_format)
        targets = ref.la_targets(y, scale)
        keys = ("total", "looked_after", "child_protection_register", "neither", "looked_after_and_cpr", "unborn")
        sm = {
            "era": era.name,
            "files": 0,
            "rows": 0,
            "children": 0,
            "late_starters": 0,
            "plans_closed": 0,
            "counted": dict.fromkeys(keys, 0),
            "target": dict.fromkeys(keys, 0),
            "cla_looked_after": 0,
            "cla_missing": {},
            "extra_looked_after": {},
        }
        for g in codes:
            t = targets[g]
            lac_kids, _cla_ids = _read_cla(landing, g, cy)
            rows, info = _la_rows(sims[g], lac_kids, y, era.name, t, seed)
            _write(rows, landing / "crcs" / cy.label / g, era.name, fmt)
            counts = _count(rows, y)
            for k in keys:
                sm["counted"][k] += counts[k]
            tt = {
                "total": t["total"],
                "looked_after": t["lac"],
                "child_protection_register": t["cpr"],
                "neither": t["neither"],
                "looked_after_and_cpr": t["lac_cpr"],
                "unborn": t["unborn"],
            }
            for k in keys:
                sm["target"][k] += tt[k]
            sm["files"] += 1
            sm["rows"] += len(rows)
            sm["children"] += len({r["child_id"] for r in rows})
            sm["late_starters"] += sum(1 for r in rows if r["plan_start_date"] > JAN1[y])
            sm["plans_closed"] += sum(1 for r in rows if r["plan_end_date"] is not None)
            sm["cla_looked_after"] += len(lac_kids)
            sm["cla_missing"][g] = info["cla_missing"]
            sm["extra_looked_after"][g] = info["extra_looked_after"]
        summary_years[cy.label] = sm
    _STABLE.clear()
    _PARSED.clear()
    return {"seed": seed, "scale": scale, "las": codes, "years": summary_years}
