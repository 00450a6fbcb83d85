"""Synthetic CLA returns: every Welsh LA's children looked after, simulated longitudinally.

How it works
------------
Each LA's children are simulated in continuous time (day resolution) from a burn-in start in
1975 to the census date of the last year. A child enters care on an arrival date with an age,
and at entry draws how their period of care will end (returned home, adopted, special
guardianship, stays until 16–18, ...) and so its length; some return to care after going home.
Until 1995 arrivals are a plain Poisson stream; from 1995-96 a controller runs each year: it
counts the periods already known to be open on the coming 31 March, then draws new arrivals
(spread over the year) until exactly the LA's target is reached — or, when the stock must fall,
brings forward the end of the soonest-ending periods. So every LA's stock at 31 March equals its
target, and Wales equals the published figure (times ``scale``).

Each period is then turned into episodes (legal status path, placement moves, adoption
timeline, the reason it ended) with its own random stream, and every requested year's return
is written from that history: the children looked after at any time in the year, every episode
open at any time in the year, adoptions dated in the year, care leavers who reached 19.
Short-break children (V3 series, or V4 agreements in a few LAs) are a separate group that never
counts in the stock. In the CLA era a few children a year transfer between Welsh LAs.

Codes are kept era-neutral inside (sex, a foster "kind") and written per the return's era.
Everything is driven by ``random.Random`` seeded from stable strings: the same arguments give
byte-identical files.
"""

from __future__ import annotations

import csv
import math
import random
from bisect import bisect_right
from datetime import date
from pathlib import Path

from orchestration.lib.specs import submission_spec
from orchestration.lib.synthetic import cla_reference as ref
from orchestration.lib.years import CollectionYear

TABLES = ("children", "episodes", "adoptions", "care_leavers")

SIM_START = 1975  # burn-in: open-loop arrivals from 1 April 1975
CONTROL_FROM = 1995  # the stock controller runs from 1995-96 on
SB_START = 1995  # short-break series simulated from here
DEFAULT_LAST = 2025  # always simulate at least to 2025-26, so a year's files don't depend on `years`
STOCK_RATIO_OPEN_LOOP = 0.36  # arrivals per year / stock, before the controller
FLOOR_FRAC = 0.13  # arrivals still in care at 31 March never fewer than this share of the target
SHORT_BREAKS_WALES = 300  # children with short breaks in a year (CLA9), scale 1
TRANSFERS_WALES = 10  # CLA-era transfers between Welsh LAs a year, scale 1
V4_LAS = ("W06000023", "W06000008", "W06000021")  # these record short-break agreements (V4)
E1_FROM = date(2005, 12, 30).toordinal()  # placement orders (Adoption and Children Act 2002)

FOSTER = ("FR", "FO")  # internal: foster with relative/friend, with other carer
YEAR_DAYS = 365.25

# ---------------------------------------------------------------------------------------------
# Distributions (tuned so that Wales flows come out near the published 2018-19 figures)

# fmt: off

AGE_GROUP_W = (0.18, 0.18, 0.18, 0.35, 0.11)  # under 1, 1–4, 5–9, 10–15, 16–17 at entry
AGE_GROUP_DAYS = ((0, 364), (365, 1825), (1826, 3652), (3653, 5843), (5844, 6560))

# How a period of care will end, by age group at entry.
KIND_BY_AGE = (
    (("adopt", 0.56), ("home", 0.07), ("sgo", 0.13), ("cao", 0.03), ("long", 0.18), ("other", 0.02),
     ("xfer_uk", 0.01)),
    (("adopt", 0.37), ("home", 0.09), ("sgo", 0.15), ("cao", 0.04), ("long", 0.31), ("other", 0.03),
     ("xfer_uk", 0.01)),
    (("adopt", 0.04), ("home", 0.13), ("sgo", 0.14), ("cao", 0.04), ("long", 0.59), ("other", 0.05),
     ("xfer_uk", 0.01)),
    (("home", 0.28), ("sgo", 0.07), ("cao", 0.02), ("long", 0.51), ("other", 0.03), ("remand", 0.05),
     ("xfer_uk", 0.01)),
    (("home", 0.25), ("long", 0.60), ("other", 0.04), ("remand", 0.07), ("xfer_uk", 0.01)),
)
REENTRY_KIND = (
    (("adopt", 0.30), ("home", 0.25), ("sgo", 0.22), ("long", 0.20), ("other", 0.03)),
    (("adopt", 0.18), ("home", 0.28), ("sgo", 0.22), ("long", 0.28), ("other", 0.04)),
    (("home", 0.32), ("sgo", 0.15), ("long", 0.48), ("other", 0.05)),
    (("home", 0.35), ("sgo", 0.05), ("long", 0.47), ("other", 0.08), ("remand", 0.05)),
    (("home", 0.26), ("long", 0.60), ("other", 0.08), ("remand", 0.06)),
)

CIN_W = (("N1", 0.57), ("N4", 0.12), ("N5", 0.10), ("N8", 0.09), ("N2", 0.04), ("N3", 0.035),
         ("N6", 0.03), ("N7", 0.015))

LS_INITIAL = (("V2", 0.37), ("C1", 0.43), ("C2", 0.10), ("L1", 0.03), ("L2", 0.018), ("L3", 0.002))

PL_INITIAL = (
    (("R3", 0.06), ("FR", 0.14), ("FO", 0.70), ("P1", 0.05), ("R2", 0.02), ("Z1", 0.03)),
    (("FR", 0.25), ("FO", 0.61), ("P1", 0.09), ("K2", 0.01), ("Z1", 0.04)),
    (("FR", 0.23), ("FO", 0.56), ("P1", 0.12), ("K2", 0.03), ("Z1", 0.05), ("S1", 0.01)),
    (("FR", 0.16), ("FO", 0.50), ("K2", 0.14), ("K1", 0.01), ("P1", 0.09), ("S1", 0.02), ("R2", 0.01),
     ("Z1", 0.04), ("H5", 0.03)),
    (("FR", 0.10), ("FO", 0.34), ("K2", 0.12), ("H5", 0.17), ("P2", 0.17), ("P1", 0.04), ("Z1", 0.03),
     ("K1", 0.01), ("R5", 0.01), ("P3", 0.01)),
)
PL_REMAND = (("K1", 0.25), ("R5", 0.10), ("FO", 0.30), ("K2", 0.35))
PL_UASC_YOUNG = (("FO", 0.80), ("K2", 0.20))
PL_UASC_OLD = (("FO", 0.50), ("H5", 0.30), ("P2", 0.12), ("K2", 0.08))
TEMP_CODES = (("T3", 0.35), ("T4", 0.30), ("T2", 0.15), ("T1", 0.15), ("T0", 0.05))
RESIDENTIAL = frozenset(("K1", "K2", "S1", "R1", "R2", "R3", "H5", "R5"))

ETHNICITY_W = (("WBRI", 0.885), ("WOTH", 0.02), ("WIRI", 0.003), ("WIRT", 0.003), ("WROM", 0.004),
               ("MWBC", 0.016), ("MWBA", 0.006), ("MWAS", 0.01), ("MOTH", 0.017), ("AIND", 0.002),
               ("APKN", 0.003), ("ABAN", 0.003), ("AOTH", 0.004), ("BCRB", 0.002), ("BAFR", 0.006),
               ("BOTH", 0.003), ("CHNE", 0.001), ("OOTH", 0.005), ("REFU", 0.002), ("NOBT", 0.005))
ETHNICITY_CITY = (("WBRI", 0.70), ("WOTH", 0.035), ("WIRI", 0.003), ("WIRT", 0.004), ("WROM", 0.01),
                  ("MWBC", 0.04), ("MWBA", 0.02), ("MWAS", 0.02), ("MOTH", 0.04), ("AIND", 0.005),
                  ("APKN", 0.01), ("ABAN", 0.012), ("AOTH", 0.01), ("BCRB", 0.006), ("BAFR", 0.025),
                  ("BOTH", 0.01), ("CHNE", 0.002), ("OOTH", 0.04), ("REFU", 0.003), ("NOBT", 0.005))
ETHNICITY_UASC = (("AOTH", 0.35), ("BAFR", 0.30), ("OOTH", 0.25), ("WOTH", 0.06), ("BOTH", 0.04))
CITIES = frozenset(("W06000015", "W06000011", "W06000022"))
SB_CIN = (("N2", 0.80), ("N3", 0.08), ("N4", 0.08), ("N1", 0.04))
SB_PLACEMENT = (("FO", 0.45), ("K2", 0.45), ("R1", 0.05), ("Z1", 0.05))
CL_EET = (("F1", 0.08), ("F2", 0.30), ("F3", 0.12), ("F4", 0.06), ("F5", 0.14), ("P1", 0.02), ("P2", 0.10),
          ("P3", 0.08), ("P4", 0.03), ("P5", 0.07))
CL_NEET = (("G4", 0.2), ("G5", 0.65), ("G6", 0.15))
# fmt: on


def _cum(pairs):
    codes = tuple(c for c, _ in pairs)
    acc, out = 0.0, []
    for _, w in pairs:
        acc += w
        out.append(acc)
    cum = [x / acc for x in out]
    cum[-1] = 1.0
    return codes, tuple(cum)


KIND_T = tuple(_cum(k) for k in KIND_BY_AGE)
REENTRY_T = tuple(_cum(k) for k in REENTRY_KIND)
CIN_T = _cum(CIN_W)
LS_T = _cum(LS_INITIAL)
PL_T = tuple(_cum(p) for p in PL_INITIAL)
PL_REMAND_T = _cum(PL_REMAND)
PL_UASC_YOUNG_T = _cum(PL_UASC_YOUNG)
PL_UASC_OLD_T = _cum(PL_UASC_OLD)
TEMP_T = _cum(TEMP_CODES)
ETH_T = _cum(ETHNICITY_W)
ETH_CITY_T = _cum(ETHNICITY_CITY)
ETH_UASC_T = _cum(ETHNICITY_UASC)
AGE_GROUP_T = _cum(tuple(zip(range(5), AGE_GROUP_W, strict=True)))
SB_CIN_T = _cum(SB_CIN)
SB_PLACEMENT_T = _cum(SB_PLACEMENT)
CL_EET_T = _cum(CL_EET)
CL_NEET_T = _cum(CL_NEET)


def _pick(rng: random.Random, table) -> str:
    codes, cum = table
    return codes[bisect_right(cum, rng.random())]


def _poisson(rng: random.Random, lam: float) -> int:
    if lam <= 0:
        return 0
    if lam > 40:
        return max(0, int(round(rng.gauss(lam, math.sqrt(lam)))))
    limit, k, p = math.exp(-lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


def _birthday(dob: date, years: int) -> int:
    try:
        return dob.replace(year=dob.year + years).toordinal()
    except ValueError:  # 29 February: the birthday falls on 1 March in other years
        return date(dob.year + years, 3, 1).toordinal()


def _age_group(days: int) -> int:
    for i, (_, hi) in enumerate(AGE_GROUP_DAYS):
        if days <= hi:
            return i
    return 4


# ---------------------------------------------------------------------------------------------
# State


class _Child:
    __slots__ = (
        "serial",
        "dob",
        "b16",
        "b18",
        "b19",
        "sex",
        "eth",
        "eth_blank",
        "upn",
        "upn_from",
        "upn_before",
        "uasc",
        "seed",
        "periods",
        "sb_eps",
        "cid",
        "first",
        "xfer_out",
    )

    def __init__(self, serial, dob, sex, uasc, seed):
        self.serial = serial
        self.dob = dob
        d = date.fromordinal(dob)
        self.b16 = _birthday(d, 16)
        self.b18 = _birthday(d, 18)
        self.b19 = _birthday(d, 19)
        self.sex = sex
        self.uasc = uasc
        self.seed = seed
        self.periods: list[_Period] = []
        self.sb_eps: list[tuple] = []
        self.cid = ""
        self.first = 0
        self.xfer_out = False
        self.eth = "WBRI"
        self.eth_blank = False
        self.upn = ""
        self.upn_from = 0
        self.upn_before = ""


class _Period:
    __slots__ = (
        "child",
        "start",
        "end",
        "kind",
        "cin",
        "rne",
        "xfer_from",
        "init_ls",
        "init_pl",
        "seed",
        "eps",
        "adopt",
        "mix",
    )

    def __init__(self, child, start, end, kind, cin, seed):
        self.child = child
        self.start = start
        self.end = end
        self.kind = kind
        self.cin = cin
        self.seed = seed
        self.rne = "S"
        self.xfer_from = ""
        self.init_ls = None
        self.init_pl = None
        self.eps = None
        self.adopt = None
        self.mix = False


class _LA:
    def __init__(self, gss: str, seed: int, scale: float):
        self.gss = gss
        self.rng = random.Random(f"{seed}:{gss}")
        self.scale = scale
        self.children: list[_Child] = []
        self.periods: list[_Period] = []
        self.active: list[_Period] = []
        self.serial = 0
        self.city = gss in CITIES
        self.districts = ref.POSTCODE_DISTRICTS[gss].split()
        self.uses_v4 = gss in V4_LAS
        self.open_loop_stock = 0.0  # the stock the burn-in arrivals aim at
        self.care_leavers_by_year: dict[int, list[_Child]] = {}

    def new_child(self, dob: int, sex: str, uasc: bool) -> _Child:
        rng = self.rng
        self.serial += 1
        ch = _Child(self.serial, dob, sex, uasc, rng.getrandbits(48))
        if uasc:
            ch.eth = _pick(rng, ETH_UASC_T)
        else:
            ch.eth = _pick(rng, ETH_CITY_T if self.city else ETH_T)
        ch.eth_blank = rng.random() < 0.06
        # UPN: allocated around school entry (not before 2000); some never have one.
        r = rng.random()
        if r < 0.86 and not uasc:
            alloc = max(dob + int(YEAR_DAYS * (3.4 + rng.random() * 1.3)), date(2000, 9, 1).toordinal())
            la_no = ref.LA_NUMBER[self.gss] if rng.random() < 0.85 else 660 + rng.randrange(22)
            yy = date.fromordinal(alloc).year % 100
            digits = f"{la_no:03d}{rng.randrange(1000, 8000):04d}{yy:02d}{rng.randrange(1000):03d}"
            ch.upn = ref.upn_check_letter(digits) + digits
            ch.upn_from = alloc
            ch.upn_before = "" if rng.random() < 0.5 else f"UN{1 + (rng.random() < 0.3)}"
        else:
            ch.upn_from = 10**9
            ch.upn_before = "" if rng.random() < 0.4 else f"UN{rng.randrange(1, 6)}"
        self.children.append(ch)
        return ch

    def new_period(self, ch: _Child, start: int, end: int, kind: str, cin: str) -> _Period:
        p = _Period(ch, start, end, kind, cin, self.rng.getrandbits(48))
        ch.periods.append(p)
        self.periods.append(p)
        self.active.append(p)
        return p


# ---------------------------------------------------------------------------------------------
# Arrivals and periods


def _duration(rng: random.Random, kind: str, age_days: int) -> int:
    if kind == "home":
        d = rng.lognormvariate(math.log(330), 1.1)
    elif kind == "adopt":
        d = (400 if age_days < 365 else 480) + rng.triangular(0, 900, 250)
    elif kind == "sgo":
        d = rng.lognormvariate(math.log(620), 0.5)
    elif kind == "cao":
        d = rng.lognormvariate(math.log(450), 0.6)
    elif kind == "long":
        d = 10**6 if rng.random() < 0.6 else rng.lognormvariate(math.log(6.5 * 365), 0.6)
    elif kind == "other":
        d = rng.lognormvariate(math.log(200), 1.1)
    elif kind == "remand":
        d = rng.lognormvariate(math.log(30), 1.0)
    elif kind == "xfer_uk":
        d = rng.lognormvariate(math.log(200), 1.0)
    else:  # died
        d = rng.uniform(1, 700)
    return max(1, int(d))


def _uasc_prob(year: int) -> float:
    if year < 2008:
        return 0.002
    if year < 2015:
        return 0.008
    if year < 2021:
        return 0.025
    return 0.045


def _adoption_propensity(year: int) -> float:
    """Fewer adoption plans from 2018 (adoptions fell to 244 in 2022-23; special guardianship rose)."""
    return 1.0 if year < 2018 else max(0.72, 1.0 - 0.08 * (year - 2017))


def _new_arrival(la: _LA, a: int, year: int) -> int:
    """A new child enters care on day ``a``; returns 1 if the chain of periods it starts has one
    open on the year's census date."""
    rng = la.rng
    uasc = rng.random() < _uasc_prob(year) * (2.0 if la.city else 0.7)
    if uasc:
        age_days = int(YEAR_DAYS * (14.0 + rng.random() * 3.7))
        sex = "m" if rng.random() < 0.92 else "f"
        g = _age_group(age_days)
    else:
        g = _pick(rng, AGE_GROUP_T)
        lo, hi = AGE_GROUP_DAYS[g]
        age_days = rng.randint(0, 14) if g == 0 and rng.random() < 0.4 else rng.randint(lo, hi)
        sex = "m" if rng.random() < 0.525 else "f"
    ch = la.new_child(a - age_days, sex, uasc)
    if a > ch.b18 - 3:
        a = ch.b18 - 3
    if uasc:
        kind = "long" if rng.random() < 0.88 else "other"
        cin = "N8"
    else:
        kind = "died" if rng.random() < 0.002 else _pick(rng, KIND_T[g])
        if kind == "adopt" and rng.random() > _adoption_propensity(year):
            kind = "sgo" if rng.random() < 0.3 else "long"
        cin = _pick(rng, CIN_T)
    ch.first = a
    return _start_chain(la, ch, a, kind, cin, year, depth=0)


def _start_chain(la: _LA, ch: _Child, a: int, kind: str, cin: str, year: int, depth: int) -> int:
    rng = la.rng
    dur = _duration(rng, kind, a - ch.dob)
    end = min(a + dur, ch.b18 - 1)
    p = la.new_period(ch, a, end, kind, cin)
    if ch.uasc:
        p.init_ls = "V2" if rng.random() < 0.95 else "C1"
    surv = 1 if end > CENSUS[year] and a <= CENSUS[year] else 0
    # Return to care after going home (or after a remand / other ending).
    if kind in ("home", "other", "remand") and end < ch.b18 - 120:
        p_back = (0.12, 0.08, 0.05)[min(depth, 2)] * (2.0 if kind == "remand" else 1.0)
        if rng.random() < p_back:
            back = end + 14 + int(rng.expovariate(1 / 420.0))
            if back < ch.b18 - 90:
                g = _age_group(back - ch.dob)
                k2 = _pick(rng, REENTRY_T[g])
                cin2 = cin if rng.random() < 0.7 else _pick(rng, CIN_T)
                s2 = _start_chain(la, ch, back, k2, cin2, year, depth + 1)
                if back <= CENSUS[year]:
                    surv += s2
    return surv


def _shorten(la: _LA, n: int, year: int) -> None:
    """Bring forward the end of the ``n`` soonest-ending periods open on the census date."""
    rng = la.rng
    ys, ce = YSTART[year], CENSUS[year]
    cands = [p for p in la.active if p.start < ys and p.end > ce and p.child.periods[-1] is p]
    if len(cands) < n:
        cands += [p for p in la.active if ys <= p.start < ce and p.end > ce and p.child.periods[-1] is p]
    cands.sort(key=lambda p: (p.end, p.child.serial, p.start))
    pool = cands[: max(n, int(n * 2.5))]
    rng.shuffle(pool)
    for p in pool[:n]:
        lo = max(p.start + 1, ys)
        p.end = rng.randint(lo, ce)
        if p.kind in ("long", "adopt") and p.end - p.start < 365:
            p.kind = "home"


def _run_year(la: _LA, year: int, target: int | None) -> None:
    rng = la.rng
    ys, ce = YSTART[year], CENSUS[year]
    la.active = [p for p in la.active if p.end >= ys]
    if target is None:  # open loop (burn-in)
        lam = STOCK_RATIO_OPEN_LOOP * la.open_loop_stock
        for _ in range(_poisson(rng, lam)):
            _new_arrival(la, rng.randint(ys, ce), year)
        return
    existing = sum(1 for p in la.active if p.start <= ce < p.end)
    needed = target - existing
    floor = int(round(FLOOR_FRAC * target))
    goal = max(needed, floor)
    surv = 0
    guard = 0
    while surv < goal and guard < 100000:
        surv += _new_arrival(la, rng.randint(ys, ce), year)
        guard += 1
    if existing + surv > target:
        _shorten(la, existing + surv - target, year)


# ---------------------------------------------------------------------------------------------
# Short breaks


def _simulate_short_breaks(la: _LA, last_year: int, weights_by_year) -> None:
    rng = random.Random(f"{la.rng.getrandbits(32)}:sb:{la.gss}")
    for year in range(SB_START, last_year + 1):
        active = SHORT_BREAKS_WALES * la.scale * weights_by_year(year)[la.gss]
        n = _poisson(rng, active / 3.2 * (3.0 if year == SB_START else 1.0))
        for _ in range(n):
            a = rng.randint(YSTART[year] if year > SB_START else YSTART[year] - 900, CENSUS[year])
            age_days = int(YEAR_DAYS * (4 + rng.random() * 11.5))
            sex = "m" if rng.random() < 0.6 else "f"
            ch = la.new_child(a - age_days, sex, False)
            ch.first = a
            series_end = min(a + int(YEAR_DAYS * (1 + rng.random() * 5)), ch.b18 - 1)
            cin = _pick(rng, SB_CIN_T)
            pl = _pick(rng, SB_PLACEMENT_T)
            loc = _location(rng, la, pl)
            fk = "short" if pl in FOSTER else ""
            mix = rng.random() < 0.04 and series_end - ch.dob < 16.5 * YEAR_DAYS
            if la.uses_v4 and rng.random() < 0.7:
                mix = False
                t = a
                while t < series_end:
                    end = min(t + rng.randint(180, 400), series_end)
                    reason = "E8" if rng.random() < 0.7 else "E4"
                    ch.sb_eps.append((t, end, "S", "V4", pl, fk, loc[0], loc[1], reason, "", cin))
                    t = end + rng.randint(1, 30)
                continue
            t = a
            gap = rng.uniform(4.0, 24.0)  # mean days between breaks for this child
            eps = ch.sb_eps
            while True:
                end = t + rng.randint(1, 4)
                if end > series_end:
                    break
                reason = "E4" if rng.random() < 0.93 else "E8"
                eps.append((t, end, "S", "V3", pl, fk, loc[0], loc[1], reason, "", cin))
                t = end + 3 + int(rng.expovariate(1 / gap))
            if mix and eps:
                t_mix = eps[-1][1]
                last = eps[-1]
                eps[-1] = last[:8] + ("X1",) + last[9:]
                age = t_mix - ch.dob
                g = _age_group(age)
                kind = _pick(rng, _cum([kw for kw in REENTRY_KIND[g] if kw[0] != "adopt"]))
                end = min(t_mix + _duration(rng, kind, age), ch.b18 - 1)
                if end <= t_mix:
                    eps[-1] = last
                    continue
                p = la.new_period(ch, t_mix, end, kind, cin)
                p.mix = True
                if rng.random() < 0.25:
                    p.rne = "L"
                    p.init_pl = (pl, fk, loc)
                else:
                    p.rne = "B"
                p.init_ls = "V2" if rng.random() < 0.8 else "C1"
            elif not eps:
                la.children.pop()  # no break fitted before the series ended


# ---------------------------------------------------------------------------------------------
# Transfers between Welsh LAs (CLA era)


def _transfers(las: dict[str, _LA], year: int, seed: int, scale: float) -> None:
    if len(las) < 2:
        return
    rng = random.Random(f"{seed}:transfers:{year}")
    ys, ce = YSTART[year], CENSUS[year]
    n = max(2, int(round(TRANSFERS_WALES * scale + rng.uniform(-2, 2))))
    codes = sorted(las)
    for _ in range(n):
        weights = [len(las[g].active) for g in codes]
        if not sum(weights):
            return
        src = las[rng.choices(codes, weights)[0]]
        d = rng.randint(ys + 30, ce - 30)
        cands = [
            p
            for p in src.active
            if p.start < d - 30
            and p.end > ce
            and p.child.periods[-1] is p
            and not p.child.xfer_out
            and p.kind not in ("adopt", "xfer_uk", "died")
            and p.child.b18 - d > 365
            and not p.mix
        ]
        if not cands:
            continue
        cands.sort(key=lambda p: (p.child.serial, p.start))
        p = rng.choice(cands)
        same = [g for g in codes if g != src.gss and ref.REGION[g] == ref.REGION[src.gss]]
        others = [g for g in codes if g != src.gss]
        dst = las[rng.choice(same if same and rng.random() < 0.7 else others)]
        old = p.child
        orig_end, orig_kind = p.end, p.kind
        p.end = d - 1
        p.kind = "xfer_w"
        old.xfer_out = True
        ch = dst.new_child(old.dob, old.sex, old.uasc)
        ch.eth, ch.eth_blank = old.eth, old.eth_blank
        ch.upn, ch.upn_from, ch.upn_before = old.upn, old.upn_from, old.upn_before
        ch.first = d
        q = dst.new_period(ch, d, orig_end, orig_kind, p.cin)
        q.xfer_from = src.gss
        q.init_ls = "C2" if d - p.start > 300 else "C1"


# ---------------------------------------------------------------------------------------------
# Episodes of a period


def _location(rng: random.Random, la: _LA, pl: str) -> tuple[str, str]:
    r = rng.random()
    if pl in RESIDENTIAL:
        where = "own" if r < 0.45 else ("other" if r < 0.75 else "out")
    elif pl in FOSTER:
        where = "own" if r < 0.78 else ("other" if r < 0.95 else "out")
    else:
        where = "own" if r < 0.85 else ("other" if r < 0.96 else "out")
    if where == "own":
        code, districts = la.gss, la.districts
    elif where == "other":
        region = ref.REGION[la.gss]
        near = [g for g in ref.REGION if g != la.gss and ref.REGION[g] == region]
        pool = near if near and rng.random() < 0.8 else [g for g in ref.REGION if g != la.gss]
        code = pool[rng.randrange(len(pool))]
        districts = ref.POSTCODE_DISTRICTS[code].split()
    else:
        code, districts = "OUT", _OUT
    blank = 0.25 if pl == "P1" else (0.15 if pl == "P2" else 0.07)
    if rng.random() < blank:
        return code, ""
    letters = ref.INWARD_LETTERS
    district = districts[rng.randrange(len(districts))]
    inward = f"{rng.randrange(10)}{letters[rng.randrange(len(letters))]}{letters[rng.randrange(len(letters))]}"
    return code, f"{district} {inward}"


_OUT = ref.OUT_DISTRICTS.split()


def _initial_ls(rng: random.Random, kind: str, age_days: int) -> str:
    if kind == "remand":
        return "J1" if rng.random() < 0.7 else "J2"
    r = rng.random()
    if kind == "home" and r < 0.15:
        return "V2"
    if kind in ("adopt", "long", "sgo") and r < 0.25:
        return "C1"
    ls = _pick(rng, LS_T)
    if kind == "adopt" and ls == "V2" and rng.random() < 0.5:
        ls = "C1"
    return ls


def _initial_pl(rng: random.Random, ch: _Child, kind: str, age_days: int) -> tuple[str, str]:
    if kind == "remand":
        pl = _pick(rng, PL_REMAND_T)
    elif ch.uasc:
        pl = _pick(rng, PL_UASC_OLD_T if age_days >= 16 * 365 else PL_UASC_YOUNG_T)
    else:
        pl = _pick(rng, PL_T[_age_group(age_days)])
        if pl in ("H5", "P2") and age_days < 16 * 365 + 4:
            pl = "FO" if age_days < 15 * 365 else pl
    if pl == "FR":
        return pl, ("temp" if rng.random() < 0.35 else "short")
    if pl == "FO":
        return pl, ("ffa" if kind == "adopt" and age_days < 365 and rng.random() < 0.35 else "short")
    return pl, ""


def _next_pl(rng: random.Random, cur: str, age_days: int, elapsed: int, kind: str) -> tuple[str, str]:
    g = _age_group(age_days)
    r = rng.random()
    if cur in FOSTER and r < 0.5:
        pl = cur if rng.random() < 0.8 else ("FO" if cur == "FR" else "FR")
    elif cur in ("K2", "K1", "S1", "R1") and r < 0.5 and g >= 3:
        pl = "K2"
    elif cur in ("P2", "H5") and r < 0.6:
        pl = "P2" if rng.random() < 0.5 else "H5"
    else:
        pl = _pick(rng, PL_T[g])
        if pl in ("R3", "R2", "P3"):
            pl = "FO"
        if pl in ("H5", "P2") and age_days < 16 * 365 + 4:
            pl = "K2" if g >= 3 and rng.random() < 0.3 else "FO"
    if pl in FOSTER:
        longish = kind in ("long", "sgo", "cao") and elapsed > 270
        return pl, ("long" if longish and rng.random() < 0.55 else "short")
    return pl, ""


def _move_rate(elapsed_days: int, age_days: int) -> float:
    if elapsed_days < 60:
        r = 1.7
    elif elapsed_days < 365:
        r = 0.65
    elif elapsed_days < 3 * 365:
        r = 0.38
    else:
        r = 0.22
    return r * (1.3 if age_days > 12 * 365 else 1.0)


MOVE_RMAX = 3.4


def _materialise(p: _Period, la: _LA, horizon: int) -> None:
    """Turn a period into episodes: (start, end, rne, ls, pl, fk, pla, pcode, reason, xfer, cin)."""
    rng = random.Random(p.seed)
    ch = p.child
    s, e = p.start, p.end
    span = e - s
    age_s = s - ch.dob
    kind = p.kind
    at18 = e == ch.b18 - 1
    if kind == "adopt" and (span < 300 or e - ch.dob > 9 * 365):
        kind = "sgo" if span >= 150 and e < ch.b16 else "home"
    lim = min(e, horizon + 1)  # no change needed after the last census date written
    events: list[tuple[int, int, str, object]] = []  # (date, order, type, value)

    # Legal status path.
    ls0 = p.init_ls or _initial_ls(rng, kind, age_s)
    cur, t = ls0, s
    if cur in ("L1", "L2", "L3"):
        t = s + rng.randint(1, 25)
        cur = "C1" if rng.random() < 0.65 else "V2"
        events.append((t, 0, "ls", cur))
        if rng.random() < 0.4:
            events.append((t, 2, "move", None))  # a new placement with the new legal status
    elif cur in ("J1", "J2") and span > 60:
        t = s + rng.randint(20, 60)
        cur = "V2"
        events.append((t, 0, "ls", cur))
    consent = False
    if cur == "V2":
        if kind == "adopt" and age_s < 365 and rng.random() < 0.35:
            consent = True
        elif (kind in ("adopt", "long", "sgo", "cao") and rng.random() < 0.8) or (
            kind == "home" and rng.random() < 0.08
        ):
            t = t + rng.randint(20, 300)
            cur = "C1"
            events.append((t, 0, "ls", cur))
            if rng.random() < 0.2:
                events.append((t, 2, "move", None))
    c2_at = None
    if cur == "C1":
        t2 = t + rng.randint(90, 330)
        if kind != "home" or rng.random() < 0.5:
            c2_at = t2
            events.append((t2, 0, "ls", "C2"))
            cur = "C2"

    # Anchored placements (adoption, final placements before leaving) freeze the random moves.
    freeze = lim
    if kind == "adopt":
        dd = s + int(span * rng.uniform(0.25, 0.45))
        od = dd + max(1, int((e - dd) * rng.uniform(0.05, 0.3)))
        pd = od + max(1, int((e - od) * rng.uniform(0.25, 0.55)))
        if pd >= e:
            pd = e - 1
        if od >= pd:
            od = pd - 1
        if dd >= od:
            dd = od - 1
        if not consent:
            events = [ev for ev in events if ev[0] < od]
            if od >= E1_FROM:
                events.append((od, 0, "ls", "E1"))
            elif rng.random() < 0.35:
                events.append((od, 0, "ls", "D1"))
            elif c2_at is not None and c2_at >= od:
                events.append((od, 0, "ls", "C2"))
            else:
                ls_at_od = ls0
                for ev in sorted(ev for ev in events if ev[2] == "ls"):
                    ls_at_od = ev[3]
                if ls_at_od == "V2":  # placed for adoption without consent needs a freeing order (CLA-061)
                    events.append((od, 0, "ls", "D1"))
        events.append((pd, 1, "adopt", "A3/A4" if consent else "A5/A6"))
        freeze = min(freeze, pd)
        p.adopt = (dd, pd, e)
    elif kind in ("sgo", "long") and age_s < 6 * 365 and span > 500 and rng.random() < 0.12:
        p.adopt = (s + int(span * rng.uniform(0.3, 0.6)), None, None)  # decision, never adopted
    if kind == "sgo" and span > 200 and rng.random() < 0.5:
        t = e - rng.randint(90, min(400, span - 30))
        carer = "FR" if rng.random() < 0.6 else "FO"
        events.append((t, 1, "place", (carer, "long" if rng.random() < 0.5 else "short")))
        freeze = min(freeze, t)
    elif (kind == "home" and span > 180 and cur in ("C1", "C2") and rng.random() < 0.8) or (
        kind == "long" and e < ch.b16 and span > 400 and rng.random() < 0.5
    ):
        t = e - rng.randint(60, min(720, span - 30))
        events.append((t, 1, "place", ("P1", "")))
        freeze = min(freeze, t)
    elif (kind == "long" or at18) and e - ch.b16 > 60 and not ch.uasc and rng.random() < 0.5:
        t = max(ch.b16, e - rng.randint(30, 330))
        if s < t < e:
            events.append((t, 1, "place", ("P2" if rng.random() < 0.55 else "H5", "")))
            freeze = min(freeze, t)

    # Random placement moves, temporary moves, foster placements becoming long-term.
    t = s
    while True:
        t += 1 + int(rng.expovariate(MOVE_RMAX) * YEAR_DAYS)
        if t >= freeze:
            break
        if rng.random() * MOVE_RMAX < _move_rate(t - s, t - ch.dob):
            events.append((t, 2, "move", None))
        elif rng.random() < 0.015:
            events.append((t, 2, "temp", rng.randint(2, 12)))
    if kind in ("long", "sgo", "cao") and span > 500 and rng.random() < 0.45:
        t = s + rng.randint(300, 900)
        if t < freeze:
            events.append((t, 3, "tolong", None))

    # Temporary moves only where nothing else happens before the child is back.
    events.sort(key=lambda ev: (ev[0], ev[1]))
    stop = min(freeze, e, horizon + 1)
    clean = []
    for i, ev in enumerate(events):
        if ev[2] == "temp":
            back = ev[0] + ev[3]
            if back >= stop or any(o[0] <= back for o in events[i + 1 : i + 2]):
                continue
            clean.append((ev[0], 2, "temp_go", None))
            clean.append((back, 2, "temp_back", None))
        else:
            clean.append(ev)
    clean.sort(key=lambda ev: (ev[0], ev[1]))

    # Walk the events in date order, building change points.
    if p.init_pl:
        pl, fk, loc = p.init_pl
    else:
        pl, fk = _initial_pl(rng, ch, kind, age_s)
        loc = _location(rng, la, pl)
    ls = ls0
    state0 = (ls, pl, fk, loc)
    changes: list[list] = []  # [date, ls, pl, fk, loc, prev state, same carer]
    saved = None
    for d, _, typ, val in clean:
        if d <= s or d >= e or d > horizon:
            continue
        nls, npl, nfk, nloc, same = ls, pl, fk, loc, True
        if typ == "ls":
            nls = val
        elif typ == "move":
            if pl[0] in "TA":
                continue
            npl, nfk = _next_pl(rng, pl, d - ch.dob, d - s, kind)
            nloc = _location(rng, la, npl)
            same = False
        elif typ == "place":
            npl, nfk = val
            if npl in FOSTER and pl == npl and rng.random() < 0.5:
                nloc = loc  # the same carers: the plan changes, not the home
            else:
                nloc = _location(rng, la, npl)
                same = False
        elif typ == "adopt":
            with_carers = pl in FOSTER and (fk == "ffa" or rng.random() < 0.25)
            # A3/A4 with consent (V2), A5/A6 with a placement order; A3/A5 = with the current carers
            npl = ("A3" if with_carers else "A4") if val == "A3/A4" else ("A5" if with_carers else "A6")
            nfk = ""
            same = with_carers
            nloc = loc if with_carers else _location(rng, la, npl)
        elif typ == "tolong":
            if pl not in FOSTER or fk == "long":
                continue
            nfk = "long"
        elif typ == "temp_go":
            if pl not in FOSTER:
                continue
            saved = (pl, fk, loc)
            npl, nfk = _pick(rng, TEMP_T), ""
            nloc = (loc[0], "") if rng.random() < 0.5 else _location(rng, la, "T")
            same = False
        elif typ == "temp_back":
            if saved is None:
                continue
            npl, nfk, nloc = saved
            saved = None
            same = False
        if (nls, npl, nfk, nloc) == (ls, pl, fk, loc):
            continue
        if changes and changes[-1][0] == d:
            c = changes[-1]
            c[1], c[2], c[3], c[4] = nls, npl, nfk, nloc
            c[6] = c[6] and same
            if (nls, npl, nfk, nloc) == c[5]:
                changes.pop()
        else:
            changes.append([d, nls, npl, nfk, nloc, (ls, pl, fk, loc), same])
        ls, pl, fk, loc = nls, npl, nfk, nloc

    # Episodes: each change point ends one episode (X1) and starts the next, the same day or
    # (sometimes) the next day, never leaving a census date between them.
    eps = []
    st = s
    cur = state0
    rne = p.rne
    for c in changes:
        d = c[0]
        end = d
        if rng.random() < 0.12 and d - 1 > st and (d - 1) not in CENSUS_SET:
            end = d - 1
        eps.append(
            [
                st,
                end,
                rne,
                cur[0],
                cur[1],
                cur[2],
                cur[3][0],
                cur[3][1],
                "X1",
                p.xfer_from if st == s else "",
                p.cin,
            ]
        )
        prev = c[5]
        ls_changed = c[1] != prev[0]
        pl_changed = (c[2], c[3], c[4]) != prev[1:]
        if ls_changed and pl_changed:
            rne = "U" if c[6] else "B"
        elif ls_changed:
            rne = "L"
        else:
            rne = "T" if c[6] else "P"
        st = d
        cur = (c[1], c[2], c[3], c[4])
    eps.append([st, e, rne, cur[0], cur[1], cur[2], cur[3][0], cur[3][1], "", p.xfer_from if st == s else "", p.cin])
    for x in eps:  # a child remanded or detained (J1-J3) is never placed with parents (rule CLA-064)
        if x[3] in ("J1", "J2", "J3") and x[4] == "P1":
            x[4], x[5] = "K2", ""
    last_pl = eps[-1][4]
    eps[-1][8] = _exit_reason(rng, kind, at18, e - ch.dob, last_pl, e)
    if eps[-1][8] not in ("E11", "E12") and p.adopt and p.adopt[2] is not None:
        p.adopt = (p.adopt[0], p.adopt[1], None)
    p.eps = [tuple(x) for x in eps]


def _exit_reason(rng: random.Random, kind: str, at18: bool, age_e: int, last_pl: str, e: int) -> str:
    """The reason the period ended, from how it was meant to end, the age and the last placement."""
    r = rng.random()
    foster = last_pl in FOSTER
    era = ERA_OF_YEAR.get(_year_of(e), "CLA")
    if kind == "xfer_w":
        return "E3"
    if kind == "died":
        return "E2"
    if at18:
        if era != "SSDA903" and foster and r < 0.45:
            return "E10"
        if last_pl in ("P2", "H5"):
            return "E5" if rng.random() < 0.6 else "E6"
        r = rng.random()
        return "E8" if r < 0.5 else ("E5" if r < 0.8 else "E6")
    if kind == "adopt" and last_pl in ("A3", "A4", "A5", "A6"):
        return "E12" if r < 0.62 else "E11"
    if kind in ("sgo", "adopt"):
        return "E43" if foster and r < 0.75 else "E44"
    if kind == "cao":
        return "E41"
    if kind == "xfer_uk":
        return "E3"
    if kind == "remand":
        if r < 0.5:
            return "E8"
        return "E4" if r < 0.85 or age_e < 12 * 365 else "E9"
    if kind == "other":
        if age_e > 17 * 365 and r < 0.05:
            return "E7"
        return "E8" if r < 0.88 else "E4"
    if age_e >= 16 * 365 and (kind == "long" or last_pl in ("P2", "H5")):
        return "E5" if r < 0.45 else ("E6" if r < 0.75 else "E8")
    if kind == "long":
        if last_pl == "P1" or r < 0.4:
            return "E4"
        if r < 0.6:
            return "E43" if foster else "E44"
        if r < 0.7:
            return "E44"
        if r < 0.8:
            return "E41"
        return "E8"
    return "E4" if r < 0.95 else "E8"


# ---------------------------------------------------------------------------------------------
# Calendar

YSTART: dict[int, int] = {}
CENSUS: dict[int, int] = {}
CENSUS_SET: set[int] = set()
ERA_OF_YEAR: dict[int, str] = {}
_YEAR_STARTS: list[int] = []


def _calendar(last: int) -> None:
    if CENSUS and max(CENSUS) >= last:
        return
    for y in range(SIM_START, last + 2):
        YSTART[y] = date(y, 4, 1).toordinal()
        CENSUS[y] = date(y + 1, 3, 31).toordinal()
        CENSUS_SET.add(CENSUS[y])
        try:
            ERA_OF_YEAR[y] = CollectionYear(y).era("cla").name
        except Exception:
            ERA_OF_YEAR[y] = "SSDA903"
    _YEAR_STARTS[:] = [YSTART[y] for y in sorted(YSTART)]


def _year_of(ordinal: int) -> int:
    return SIM_START + bisect_right(_YEAR_STARTS, ordinal) - 1


# ---------------------------------------------------------------------------------------------
# Writing


_DATE_CACHE: dict[str, dict[int, str]] = {}


def _formatter(fmt: str):
    """A fast ordinal -> text date function for a strptime format (cached across calls)."""
    cache = _DATE_CACHE.setdefault(fmt, {})
    iso = fmt == "%Y-%m-%d"
    if not iso and fmt != "%d/%m/%Y":
        raise ValueError(f"unsupported date format {fmt!r}")

    def render(o: int) -> str:
        s = cache.get(o)
        if s is None:
            d = date.fromordinal(o)
            s = f"{d.year:04d}-{d.month:02d}-{d.day:02d}" if iso else f"{d.day:02d}/{d.month:02d}/{d.year:04d}"
            cache[o] = s
        return s

    return render


def _render_pl(pl: str, fk: str, era: str) -> str:
    if pl == "FR":
        if era != "CLA":
            return "Q1"
        return {"long": "F1", "temp": "F3"}.get(fk, "F2")
    if pl == "FO":
        if era != "CLA":
            return "Q2"
        return {"long": "F4", "ffa": "F6"}.get(fk, "F5")
    return pl


def _care_leaver_row(ch: _Child) -> tuple[str, str, str]:
    """in_touch, accommodation_suitable, activity for a young person at 19 (stable per child)."""
    rng = random.Random(ch.seed ^ 0x5EED)
    r = rng.random()
    if r < 0.90:
        suitable = "Y" if rng.random() < 0.88 else "N"
        activity = _pick(rng, CL_EET_T if rng.random() < 0.58 else CL_NEET_T)
        return "Y", suitable, activity
    return ("N" if r < 0.96 else "R"), "", "0"


def _write_la(la: _LA, out_years: list[int], landing: Path, summary: dict, sim_last: int) -> None:
    spec = submission_spec("cla")
    y0, y1 = out_years[0], out_years[-1]
    w0, horizon = YSTART[min(out_years)], CENSUS[max(out_years)]
    ny = y1 - y0 + 1
    by_year: list[dict[_Child, list[tuple]]] = [{} for _ in range(ny)]
    adopt_by_year: list[list[tuple[_Child, tuple]]] = [[] for _ in range(ny)]

    def place(ch, ep):
        s, e = ep[0], ep[1]
        if s > horizon or e < w0:
            return
        a = max(_year_of(s), y0) - y0
        b = min(_year_of(e), y1) - y0
        for i in range(a, b + 1):
            by_year[i].setdefault(ch, []).append(ep)

    for ch in la.children:
        for ep in ch.sb_eps:
            place(ch, ep)
        for p in ch.periods:
            if p.end < w0 or p.start > horizon:
                continue
            _materialise(p, la, CENSUS[sim_last])  # the same episodes whatever years are written
            for ep in p.eps:
                place(ch, ep)
            if p.adopt:
                dates = [x for x in p.adopt if x is not None]
                for yy in sorted({_year_of(x) for x in dates}):
                    if y0 <= yy <= y1:
                        adopt_by_year[yy - y0].append((ch, p.adopt))

    for i in range(ny):
        year = y0 + i
        if year not in out_years:
            continue
        cy = CollectionYear(year)
        era = ERA_OF_YEAR[year]
        fmt = _formatter(cy.era("cla").strptime_format)
        ce = CENSUS[year]
        kids = sorted(by_year[i], key=lambda c: c.cid)
        stock = short_breaks = 0
        rows: dict[str, list[tuple]] = {t: [] for t in TABLES}
        rows_children, rows_eps = rows["children"], rows["episodes"]
        ssda = era == "SSDA903"
        for ch in kids:
            eps = sorted(by_year[i][ch], key=lambda x: x[0])
            if ssda:
                sex = "1" if ch.sex == "m" else "2"
                eth = "" if ch.eth_blank else ch.eth
            else:
                sex = "M" if ch.sex == "m" else "F"
                eth = ch.eth
            upn = ch.upn if ce >= ch.upn_from else ch.upn_before
            rows_children.append((ch.cid, sex, fmt(ch.dob), eth, upn, "Y" if ch.uasc else "N"))
            looked_after = had_short_break = False
            for s, e, rne, ls, pl, fk, pla, pcode, reason, xfer, cin in eps:
                closed = e <= ce
                if ls in ("V3", "V4"):
                    had_short_break = True
                elif not closed and ce < ch.b18:
                    looked_after = True
                pc = pcode if ssda or not pcode else pcode.split(" ")[0]
                rows_eps.append(
                    (
                        ch.cid,
                        fmt(s),
                        rne,
                        ls,
                        cin,
                        _render_pl(pl, fk, era),
                        pc,
                        pla,
                        fmt(e) if closed else "",
                        reason if closed else "",
                        xfer,
                    )
                )
            stock += looked_after
            short_breaks += had_short_break
        seen = set()
        for ch, (dd, pd, ad) in sorted(adopt_by_year[i], key=lambda x: (x[0].cid, x[1][0])):
            if ch.cid in seen or ch not in by_year[i] or dd > ce:
                continue
            seen.add(ch.cid)
            rows["adoptions"].append(
                (
                    ch.cid,
                    fmt(dd),
                    fmt(pd) if pd is not None and pd <= ce else "",
                    fmt(ad) if ad is not None and ad <= ce else "",
                )
            )
        for ch in sorted(la.care_leavers_by_year.get(year, ()), key=lambda c: c.cid):
            rows["care_leavers"].append((ch.cid, fmt(ch.dob), *_care_leaver_row(ch)))
        folder = landing / "cla" / cy.label / la.gss
        folder.mkdir(parents=True, exist_ok=True)
        for table in TABLES:
            cols = spec.tables[table].columns_for(era)
            pick = [_INTERNAL_COLUMNS[table].index(c.name) for c in cols]
            with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as f:
                w = csv.writer(f, lineterminator="\n")
                w.writerow([c.source_name(era) for c in cols])
                w.writerows([[r[j] for j in pick] for r in rows[table]])
        sm = summary[cy.label]
        sm["files"] += len(TABLES)
        sm["children"] += len(rows_children)
        sm["episodes"] += len(rows_eps)
        sm["looked_after_31_march"] += stock
        sm["short_breaks"] += short_breaks
        sm["adoptions_rows"] += len(rows["adoptions"])
        sm["care_leavers"] += len(rows["care_leavers"])


# The order of the value tuples built above (the internal = LAC/CLA column names).
_INTERNAL_COLUMNS = {
    "children": ("child_id", "sex", "date_of_birth", "ethnicity", "upn", "uasc"),
    "episodes": (
        "child_id",
        "episode_start_date",
        "reason_new_episode",
        "legal_status",
        "category_of_need",
        "placement_type",
        "placement_postcode",
        "placement_la",
        "episode_end_date",
        "reason_episode_ceased",
        "transferred_from_la",
    ),
    "adoptions": ("child_id", "date_decision", "date_placed", "date_adopted"),
    "care_leavers": ("child_id", "date_of_birth", "in_touch", "accommodation_suitable", "activity"),
}


def _assign_ids(la: _LA) -> None:
    kind, prefix, digits, gap = ref.id_style(la.gss)
    rng = random.Random(f"ids:{la.gss}")
    n = 10 ** (digits - 1) + rng.randrange(10 ** (digits - 1)) // 4 if kind == "num" else rng.randrange(500)
    for ch in sorted(la.children, key=lambda c: (c.first, c.serial)):
        n += rng.randint(1, gap)
        ch.cid = f"{prefix}{n:0{digits}d}"
        assert len(ch.cid) <= 10


def _care_leavers(la: _LA) -> None:
    out: dict[int, list[_Child]] = {}
    for ch in la.children:
        if ch.xfer_out or not ch.periods:
            continue
        if any(p.end >= ch.b16 for p in ch.periods):
            out.setdefault(_year_of(ch.b19), []).append(ch)
    la.care_leavers_by_year = out


# ---------------------------------------------------------------------------------------------
# Public


def wales_targets(
    first: str | CollectionYear = "2002-03", last: str | CollectionYear = "2025-26", scale: float = 1.0
) -> dict[str, int]:
    """The Wales count looked after at 31 March the generator is calibrated to, per year label.

    The latest published figure where there is one (``published_stock()``), held with a gentle
    trend after the last. Multiplied by ``scale`` and rounded, as the generator does.
    """
    a, b = CollectionYear.parse(first), CollectionYear.parse(last)
    return ref.wales_targets(a.start_year, b.start_year, scale)


def published_stock() -> dict[str, int]:
    """Latest published Wales stock at 31 March per year (revised where revised)."""
    return dict(ref.published_stock())


def published_flows() -> dict[str, dict[str, int]]:
    """Published Wales flows where known (started, ceased, adopted), per year."""
    return {k: dict(v) for k, v in ref.published_flows().items()}


def generate_cla(
    landing_dir: Path,
    years: list[CollectionYear],
    seed: int = 1,
    scale: float = 1.0,
    la_codes: list[str] | None = None,
) -> dict:
    """Write synthetic CLA returns to ``<landing_dir>/cla/<year>/<gss>/<table>.csv``.

    Returns a summary: per year label, files written, rows, and the Wales count looked after at
    31 March computed from the rows written (with the target it was calibrated to).
    """
    landing_dir = Path(landing_dir)
    years = sorted({CollectionYear.parse(y) for y in years})
    if not years:
        return {"seed": seed, "scale": scale, "las": [], "years": {}}
    all_las = ref.la_codes()
    codes = all_las if la_codes is None else [g for g in all_las if g in set(la_codes)]
    unknown = sorted(set(la_codes or ()) - set(all_las))
    if unknown:
        raise ValueError(f"unknown LA code(s): {', '.join(unknown)}")
    if scale <= 0:
        raise ValueError("scale must be positive")
    first_out = years[0].start_year
    if first_out < 2002:
        raise ValueError("CLA returns start in 2002-03")
    last = max(years[-1].start_year, DEFAULT_LAST)
    _calendar(last)

    weights_cache: dict[int, dict[str, float]] = {}

    def weights(y: int) -> dict[str, float]:
        if y not in weights_cache:
            weights_cache[y] = ref.la_weights(y)
        return weights_cache[y]

    las = {g: _LA(g, seed, scale) for g in codes}
    for la in las.values():
        la.open_loop_stock = ref.wales_target(CONTROL_FROM) * scale * weights(CONTROL_FROM)[la.gss]
        _simulate_short_breaks(la, last, weights)

    flows_by_year: dict[int, dict[str, int]] = {}
    for y in range(SIM_START, last + 1):
        if ERA_OF_YEAR[y] == "CLA" and y >= 2022:
            _transfers(las, y, seed, scale)
        targets = ref.la_stock_targets(y, scale) if y >= CONTROL_FROM else None
        for g in codes:
            _run_year(las[g], y, None if targets is None else targets[g])

    out_years = [y.start_year for y in years]
    summary_years = {
        y.label: {
            "files": 0,
            "children": 0,
            "episodes": 0,
            "looked_after_31_march": 0,
            "target": sum(ref.la_stock_targets(y.start_year, scale)[g] for g in codes),
            "short_breaks": 0,
            "adoptions_rows": 0,
            "care_leavers": 0,
        }
        for y in years
    }
    for g in codes:
        la = las[g]
        _assign_ids(la)
        _care_leavers(la)
        _write_la(la, out_years, landing_dir, summary_years, last)
    # Flows from the simulated periods (started/ceased excluding short breaks; Wales view).
    for y in out_years:
        ys, ce = YSTART[y], CENSUS[y]
        started = ceased = adopted = 0
        for la in las.values():
            kids_started, kids_ceased, kids_adopted = set(), set(), set()
            for p in la.periods:
                if ys <= p.start <= ce and not p.xfer_from:
                    kids_started.add(p.child)
                if ys <= p.end <= ce:
                    kids_ceased.add(p.child)
                    if p.eps and p.eps[-1][8] in ("E11", "E12"):
                        kids_adopted.add(p.child)
            started += len(kids_started)
            ceased += len(kids_ceased)
            adopted += len(kids_adopted)
        flows_by_year[y] = {"started": started, "ceased": ceased, "adopted": adopted}
        summary_years[CollectionYear(y).label].update(flows_by_year[y])
    return {"seed": seed, "scale": scale, "las": codes, "years": summary_years}
