"""A second synthetic generator, written from the submission spec (spec/submissions.md and the code
lists in spec/codes/) and nothing of cssd's own generator, to test cssd on returns shaped
differently from the ones it was developed against:

- small LAs: some send a handful of children a year;
- many children have several periods of care in a year (returned home, then back within weeks);
- transfers between Welsh LAs (the sending LA ends with E3, the receiving LA starts the next day
  with S; from 2022-23 the receiving LA gives ``transferred_from_la``);
- CRCS and CLA differ as real returns do: a looked-after child's plan may start when they came
  into care (after 1 January: outside the CRCS count), a few looked-after children are recorded
  in CRCS as not looked after, and a few short-term placements are in CRCS as looked after but in
  no CLA return of that LA.

One simulation of every child's care history per LA, day by day, from three years before the
first year asked for; each year's return is cut from it, so that returns agree across years as an
LA's systems would (the open episode of 31 March is repeated the next year). Deterministic by seed.

    write_returns(landing_dir, census, years, seed)    -> writes <landing>/<census>/<year>/<gss>/*.csv
"""

import csv
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

# The 22 Welsh LAs (reference/local_authorities.csv), with a size: children coming into care a year.
# Deliberately uneven: four LAs with a handful of children, the rest small to middling.
LA_SIZES = {
    "W06000001": 2,  # Isle of Anglesey
    "W06000002": 6,
    "W06000003": 1,
    "W06000004": 8,
    "W06000005": 3,
    "W06000006": 10,
    "W06000008": 4,
    "W06000009": 2,
    "W06000010": 12,
    "W06000011": 18,
    "W06000012": 9,
    "W06000013": 11,
    "W06000014": 7,
    "W06000015": 22,
    "W06000016": 16,
    "W06000018": 12,
    "W06000019": 5,
    "W06000020": 8,
    "W06000021": 3,
    "W06000022": 14,
    "W06000023": 6,
    "W06000024": 9,
}

ETHNICITY = ["WBRI"] * 14 + ["WOTH", "MWBC", "MWBA", "MOTH", "AOTH", "BAFR", "OOTH", "NOBT"]
NEED = ["N1"] * 6 + ["N2", "N3", "N4", "N4", "N5", "N5", "N6", "N7", "N8"]
REASON_HOME = ["E4", "E4", "E4", "E41", "E43", "E44", "E5", "E6", "E8"]


def year_bounds(year: str) -> tuple[date, date]:
    start = int(year[:4])
    return date(start, 4, 1), date(start + 1, 3, 31)


def cla_era(year: str) -> str:
    y = int(year[:4])
    return "SSDA903" if y < 2016 else ("LAC" if y < 2022 else "CLA")


def crcs_era(year: str) -> str:
    y = int(year[:4])
    return "CIN" if y < 2016 else ("CRCS" if y < 2023 else "CRCS_ALL_YEAR")


def add_years(d: date, n: int) -> date:
    try:
        return d.replace(year=d.year + n)
    except ValueError:  # 29 February
        return date(d.year + n, 3, 1)


@dataclass
class Episode:
    start: date
    rne: str
    legal: str
    placement: str  # Q1/Q2 for a foster placement, recoded F* in CLA-era returns
    need: str
    placement_la: str
    end: "date | None" = None
    rec: str = ""
    transferred_from: str = ""


@dataclass
class Child:
    la: str
    child_id: str
    sex: str  # M / F
    dob: date
    ethnicity: str
    uasc: str
    episodes: list[Episode] = field(default_factory=list)
    adoption: "tuple[date, date, date] | None" = None  # decision, placed, adopted
    plan_starts: list[date] = field(default_factory=list)  # CRCS plan start per period (same order)
    crcs_not_la: bool = False  # recorded in CRCS as not looked after
    fostered_by: int = 0  # foster code choice 1 (relative) or 2 (other)


class World:
    """Every LA's children over the simulated span."""

    def __init__(self, first_year: str, last_year: str, seed: int):
        self.rng = random.Random(seed)
        self.sim_start = date(int(first_year[:4]) - 3, 4, 1)
        self.sim_end = year_bounds(last_year)[1]
        self.children: dict[str, list[Child]] = {la: [] for la in LA_SIZES}
        self.counter: dict[str, int] = dict.fromkeys(LA_SIZES, 0)
        self.extra_crcs: dict[str, list[tuple]] = {la: [] for la in LA_SIZES}
        for la, size in LA_SIZES.items():
            days = (self.sim_end - self.sim_start).days
            entries = self._poisson(size * days / 365.25)
            for _ in range(entries):
                start = self.sim_start + timedelta(days=self.rng.randrange(days))
                self._new_child(la, start)
            # short-term placements that CRCS records as looked after but no CLA return has (a few a year)
            for _ in range(self._poisson(max(size // 8, 0) * days / 365.25 / 2)):
                start = self.sim_start + timedelta(days=self.rng.randrange(days))
                self.extra_crcs[la].append((start, self._dob_for(start)))

    def _poisson(self, lam: float) -> int:
        # sum of exponential gaps: exact Poisson without numpy
        n, t = 0, self.rng.expovariate(1.0)
        while t < lam:
            n += 1
            t += self.rng.expovariate(1.0)
        return n

    def _dob_for(self, start: date) -> date:
        age_days = int(self.rng.triangular(10, 17.5 * 365, 6 * 365))
        return start - timedelta(days=age_days)

    def _next_id(self, la: str) -> str:
        self.counter[la] += 1
        return f"{la[-2:]}X{self.counter[la]:06d}"

    def _new_child(self, la: str, start: date, dob: "date | None" = None, sex: str = "", eth: str = "") -> Child:
        rng = self.rng
        child = Child(
            la=la,
            child_id=self._next_id(la),
            sex=sex or rng.choice("MF"),
            dob=dob or self._dob_for(start),
            ethnicity=eth or rng.choice(ETHNICITY),
            uasc="Y" if rng.random() < 0.03 else "N",
            crcs_not_la=rng.random() < 0.03,
            fostered_by=1 if rng.random() < 0.3 else 2,
        )
        self.children[la].append(child)
        self._period(child, start, transferred_from="")
        return child

    def _period(self, child: Child, start: date, transferred_from: str) -> None:
        """One period of care from ``start``: episodes until it ends (or the simulation does)."""
        rng = self.rng
        eighteen = add_years(child.dob, 18)
        if start >= eighteen - timedelta(days=2):
            return
        need = rng.choice(NEED)
        legal = rng.choice(["C1", "C1", "V2", "V2", "V2", "L2"])
        if child.sex and rng.random() < 0.02 and (start - child.dob).days > 12 * 365:
            legal = "J1"
        placement = self._placement(legal)
        # a plan of care and support before care (60 %) or from the day care began
        plan = start - timedelta(days=rng.randrange(30, 400)) if rng.random() < 0.6 else start
        child.plan_starts.append(max(plan, child.dob))
        ep = Episode(
            start, "S", legal, placement, need, self._placement_la(child.la), transferred_from=transferred_from
        )
        child.episodes.append(ep)
        if not transferred_from and rng.random() < 0.3:
            # a short emergency or respite stay (days to weeks), home again, and often back soon after
            end = start + timedelta(days=rng.randrange(2, 30))
            if end < eighteen and end <= self.sim_end:
                ep.legal = rng.choice(["L2", "V2"])
                ep.placement = self._placement(ep.legal)
                self._close(child, end, "E4")
                back = end + timedelta(days=rng.randrange(3, 45))
                if rng.random() < 0.7 and back <= self.sim_end:
                    self._period(child, back, transferred_from="")
                return
        adoptable = (start - child.dob).days < 5 * 365 and legal in ("C1", "L2") and rng.random() < 0.35
        day = start
        while True:
            length = max(1, int(rng.expovariate(1 / 140)))
            end = day + timedelta(days=length)
            if end >= eighteen:  # care ends at 18
                self._close(child, eighteen, "E8")
                return
            if end > self.sim_end:
                return  # still open at the end of the simulation
            current = child.episodes[-1]
            roll = rng.random()
            if adoptable and current.legal in ("C2",) and roll < 0.5:
                self._adopt(child, end)
                return
            if roll < 0.30:  # the period ends
                reason = rng.choice(REASON_HOME)
                if rng.random() < 0.12 and end < self.sim_end - timedelta(days=2):
                    self._transfer(child, end)
                    return
                self._close(child, end, reason)
                if reason in ("E4", "E41") and rng.random() < 0.45:  # back into care within weeks
                    back = end + timedelta(days=rng.randrange(3, 80))
                    if back <= self.sim_end:
                        self._period(child, back, transferred_from="")
                return
            # a change within the period: legal status, placement or both
            new_legal = current.legal
            new_place = current.placement
            change = rng.choice("LPTB")
            if change in "LB":
                new_legal = {"C1": "C2", "L2": "C1", "V2": "C1", "C2": "C2", "J1": "V2"}[current.legal]
                if current.legal == "C2" and adoptable:
                    new_legal = "C2"
            if change in "PB":
                new_place = self._placement(new_legal)
            if change == "T":
                new_place = current.placement
            if (new_legal, new_place) == (current.legal, current.placement) and change != "T":
                change = "T"
            current.end, current.rec = end, "X1"
            child.episodes.append(
                Episode(end, change, new_legal, new_place, current.need, self._placement_la(child.la))
            )
            day = end

    def _placement(self, legal: str) -> str:
        rng = self.rng
        if legal == "J1":
            return rng.choice(["K1", "K2", "R5"])
        roll = rng.random()
        if roll < 0.72:
            return "FOSTER"
        if roll < 0.84:
            return "K2"
        if roll < 0.92 and legal in ("C1", "C2"):
            return "P1"
        return rng.choice(["H5", "R1", "Z1"])

    def _placement_la(self, la: str) -> str:
        roll = self.rng.random()
        if roll < 0.8:
            return la
        if roll < 0.95:
            return self.rng.choice(sorted(LA_SIZES))
        return "OUT"

    def _close(self, child: Child, end: date, reason: str) -> None:
        last = child.episodes[-1]
        if end <= last.start:
            end = last.start + timedelta(days=1)
        last.end, last.rec = end, reason

    def _adopt(self, child: Child, when: date) -> None:
        """Decision now, placed for adoption (E1, A6) a few months on, adopted later."""
        rng = self.rng
        current = child.episodes[-1]
        decision = max(current.start, child.dob + timedelta(days=1))
        placed = when + timedelta(days=rng.randrange(30, 200))
        adopted = placed + timedelta(days=rng.randrange(60, 300))
        eighteen = add_years(child.dob, 18)
        if adopted > self.sim_end or adopted >= eighteen:
            return  # stays in care with its current episode open
        current.end, current.rec = placed, "X1"
        child.episodes.append(
            Episode(placed, "B", "E1", "A6", current.need, self._placement_la(child.la), end=adopted, rec="E11")
        )
        child.adoption = (decision, placed, adopted)

    def _transfer(self, child: Child, end: date) -> None:
        """Care taken over by another Welsh LA: E3 here, S the next day there (a new id there)."""
        self._close(child, end, "E3")
        other = self.rng.choice([la for la in sorted(LA_SIZES) if la != child.la])
        moved = Child(
            la=other,
            child_id=self._next_id(other),
            sex=child.sex,
            dob=child.dob,
            ethnicity=child.ethnicity,
            uasc=child.uasc,
            fostered_by=child.fostered_by,
        )
        self.children[other].append(moved)
        self._period(moved, child.episodes[-1].end + timedelta(days=1), transferred_from=child.la)


def _d(d: "date | None") -> str:
    return d.isoformat() if d else ""


def _foster(code: str, child: Child, era: str) -> str:
    if code != "FOSTER":
        return code
    if era == "CLA":
        return "F2" if child.fostered_by == 1 else "F5"
    return "Q1" if child.fostered_by == 1 else "Q2"


def _write(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(header)
        w.writerows(rows)


def cla_return(world: World, la: str, year: str) -> dict[str, tuple[list[str], list[list]]]:
    first, census = year_bounds(year)
    era = cla_era(year)
    children, episodes, adoptions, leavers = [], [], [], []
    for child in world.children[la]:
        eps = [e for e in child.episodes if e.start <= census and (e.end is None or e.end >= first)]
        if not eps:
            continue
        children.append([child.child_id, child.sex, _d(child.dob), child.ethnicity, "", child.uasc])
        for e in eps:
            end = e.end if e.end and e.end <= census else None
            row = [
                child.child_id,
                _d(e.start),
                e.rne,
                e.legal,
                e.need,
                _foster(e.placement, child, era),
                "",
                e.placement_la,
                _d(end),
                e.rec if end else "",
            ]
            if era == "CLA":
                row.append(e.transferred_from if e.rne == "S" else "")
            episodes.append(row)
        if child.adoption and any(first <= d <= census for d in child.adoption):
            decision, placed, adopted = (d if d <= census else None for d in child.adoption)
            adoptions.append([child.child_id, _d(decision), _d(placed), _d(adopted)])
    for child in world.children[la]:
        nineteen = add_years(child.dob, 19)
        sixteen = add_years(child.dob, 16)
        if first <= nineteen <= census and any(e.end is None or e.end >= sixteen for e in child.episodes):
            roll = world.rng.random()
            if roll < 0.8:
                leavers.append(
                    [child.child_id, _d(child.dob), "Y", "Y" if roll < 0.7 else "N", "F3" if roll < 0.4 else "G5"]
                )
            else:
                leavers.append([child.child_id, _d(child.dob), "N" if roll < 0.93 else "R", "", "0"])
    ep_header = [
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
    ] + (["transferred_from_la"] if era == "CLA" else [])
    return {
        "children": (["child_id", "sex", "date_of_birth", "ethnicity", "upn", "uasc"], children),
        "episodes": (ep_header, episodes),
        "adoptions": (["child_id", "date_decision", "date_placed", "date_adopted"], adoptions),
        "care_leavers": (
            ["child_id", "date_of_birth", "in_touch", "accommodation_suitable", "activity"],
            leavers,
        ),
    }


CRCS_HEADER = [
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
]


def _age(dob: date, on: date) -> int:
    return on.year - dob.year - ((on.month, on.day) < (dob.month, dob.day))


def crcs_return(world: World, la: str, year: str, seed: int) -> dict[str, tuple[list[str], list[list]]]:
    """Plans of care and support: every looked-after child's (from the CLA history), plus children on
    a plan who are not looked after (on the register or not), plus a few unborn children."""
    first, census = year_bounds(year)
    era = crcs_era(year)
    rng = random.Random(f"{seed}:{la}:{year}")
    plans = []  # (child_id, sex, dob, plan_start, plan_end, looked_after, need)
    for child in world.children[la]:
        periods = _periods(child)
        for (start, end), plan_start in zip(periods, child.plan_starts, strict=False):
            plan_end = end  # the plan closes when care ends
            # looked after on the census date (or on the day the plan closed, if it closed in the year);
            # a plan that began before care is "not looked after" until care begins
            on = census if plan_end is None or plan_end > census else plan_end
            looked_after = "Y" if start <= on and not child.crcs_not_la else "N"
            plans.append(
                (child.child_id, child.sex, child.dob, plan_start, plan_end, looked_after, child.episodes[0].need)
            )
    for i, (start, dob) in enumerate(world.extra_crcs[la]):
        end = start + timedelta(days=rng.randrange(20, 120))
        plans.append((f"{la[-2:]}S{i:05d}", rng.choice("MF"), dob, start, end, "Y", "N4"))
    # children on a plan who are not looked after: about twice as many as looked after
    prng = random.Random(f"{seed}:{la}:plans")
    days = (world.sim_end - world.sim_start).days
    n = int(LA_SIZES[la] * 2.2 * days / 365.25)
    for i in range(n):
        start = world.sim_start + timedelta(days=prng.randrange(days))
        dob = start - timedelta(days=int(prng.triangular(30, 17.5 * 365, 8 * 365)))
        end = start + timedelta(days=int(prng.expovariate(1 / 300)) + 14)
        end = min(end, add_years(dob, 18) - timedelta(days=1))
        if end <= start:
            continue
        plans.append((f"{la[-2:]}P{i:05d}", prng.choice("MFFMMFN"), dob, start, end, "N", prng.choice(NEED + ["N9"])))
        if prng.random() < 0.15:  # a second plan of the same child after a gap
            again = end + timedelta(days=prng.randrange(20, 200))
            end2 = again + timedelta(days=int(prng.expovariate(1 / 200)) + 14)
            end2 = min(end2, add_years(dob, 18) - timedelta(days=1))
            if end2 > again:
                plans.append((f"{la[-2:]}P{i:05d}", plans[-1][1], dob, again, end2, "N", plans[-1][6]))
    rows = []
    for child_id, sex, dob, start, end, looked_after, need in plans:
        if start > census:
            continue
        if era == "CRCS_ALL_YEAR":
            if end is not None and end < first:
                continue
        elif not (end is None or end > census):
            continue  # snapshot: open on 31 March
        too_old = _age(dob, census) >= 18 and (era != "CRCS_ALL_YEAR" or _age(dob, start) >= 18)
        if dob > census or too_old:
            continue
        closed = end if end is not None and end <= census else None
        age = _age(dob, census)
        cp = looked_after == "N" and rng.random() < 0.25
        rows.append(
            [
                child_id,
                "M" if sex == "M" else ("F" if sex == "F" else "N"),
                _d(dob),
                "",
                "WBRI" if rng.random() < 0.8 else rng.choice(ETHNICITY),
                "",
                _d(start),
                _d(closed) if era == "CRCS_ALL_YEAR" else "",
                (rng.choice(["RC3", "RC4", "RC7", "RC7", "RC8"]) if closed else "") if era == "CRCS_ALL_YEAR" else "",
                need,
                rng.choice(["", "", "", "", "LD", "AUT", "COMM;LD", "MOB;PC"]) if need != "N9" else "",
                looked_after,
                "Y" if cp else "N",
                rng.choice(["NEG", "EMO", "PHY", "MUL"]) if cp else "",
                rng.choice(["", "", "DA", "PMH;PSM", "PSM", "DA;PMH"]),
                rng.choice(["", "Y", "N", "N"]),
                rng.choice(["", "N", "N"]) if age >= 10 else "",
                rng.choice(["", "N"]) if age >= 10 else "",
                rng.choice(["Y", "Y", "N"]) if age >= 1 else "",
                rng.choice(["Y", "N"]) if age >= 5 else "",
                str(rng.randrange(60, 101)) if 5 <= age <= 15 else "",
            ]
        )
    # unborn children on a plan at the census date (pre-birth assessments)
    for i in range(rng.randrange(0, 3)):
        expected = census + timedelta(days=rng.randrange(20, 200))
        start = census - timedelta(days=rng.randrange(30, 150))
        rows.append(
            [f"{la[-2:]}U{year[2:4]}{i:02d}", "U", "", _d(expected), "", "", _d(start), "", "", "N1", "", "N", "N"]
            + ["", "", "", "", "", "", "", ""]
        )
    header = list(CRCS_HEADER)
    if era != "CRCS_ALL_YEAR":
        drop = {"plan_end_date", "reason_for_closure"}
        keep = [i for i, h in enumerate(header) if h not in drop]
        header = [header[i] for i in keep]
        rows = [[r[i] for i in keep] for r in rows]
    rows = _one_plan_per_start(rows) if era == "CRCS_ALL_YEAR" else _one_row_per_child(rows, header)
    return {"children": (header, rows)}


def _periods(child: Child) -> list[tuple[date, "date | None"]]:
    """(start, end) of each period of care: from an S episode to the episode that ends it."""
    out = []
    for e in child.episodes:
        if e.rne == "S":
            out.append([e.start, None])
        if e.end is not None and e.rec != "X1":
            out[-1][1] = e.end
    return [tuple(p) for p in out]


def _one_plan_per_start(rows: list[list]) -> list[list]:
    seen, out = set(), []
    for r in rows:
        if (r[0], r[6]) not in seen:
            seen.add((r[0], r[6]))
            out.append(r)
    return out


def _one_row_per_child(rows: list[list], header: list[str]) -> list[list]:
    """Snapshot eras: one row per child, the plan that started latest."""
    start = header.index("plan_start_date")
    best: dict[str, list] = {}
    for r in rows:
        if r[0] not in best or r[start] > best[r[0]][start]:
            best[r[0]] = r
    return list(best.values())


def write_returns(landing_dir: Path, censuses: "list[str]", years: "list[str]", seed: int = 7) -> dict:
    """Write the returns of every LA for ``years`` (labels 'YYYY-YY') of the given censuses; return
    {census: {year: {la: rows in the main file}}}."""
    world = World(years[0], years[-1], seed)
    summary: dict = {}
    for census in censuses:
        for year in years:
            for la in sorted(LA_SIZES):
                files = cla_return(world, la, year) if census == "cla" else crcs_return(world, la, year, seed)
                main = "episodes" if census == "cla" else "children"
                summary.setdefault(census, {}).setdefault(year, {})[la] = len(files[main][1])
                for table, (header, rows) in files.items():
                    _write(landing_dir / census / year / la / f"{table}.csv", header, rows)
    return summary
