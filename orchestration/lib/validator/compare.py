"""This return against the LA's last accepted return: the headline counts and year-on-year checks.

The counts follow the published definitions (shared/spec/publication.md) as far as they can be
computed from one LA's files without the warehouse. Approximations, said on the report too:

- CLA: short-break episodes (legal status V3, V4) are removed first, as published. A child *started*
  if an episode with reason for new episode ``S`` started in the year (the rule that the first episode
  left after removing short breaks starts a period is not applied); *ceased* if an episode ended in the
  year with a reason other than ``X1``; *adopted* if the child's last episode ending in the year ended
  with ``E11`` or ``E12``. Transfers between LAs count as in the LA's own row (start and cease), not as
  in the Wales row.
- CLA *looked after at 31 March*: an episode that started on or before the census date with no end
  date, the child under 18 on the census date (date of birth in the era's format).
- CRCS *receiving care and support at 31 March*: a plan that started on or before 1 January of the
  census year and is open on the census date (no end date, or one after it), the child born and under
  18 on the census date; children are counted, not plans. *On the child protection register* and
  *looked after* are those children's flags. *Plans in the year* (all-year era only) counts rows.

A value that does not read (a bad date) leaves its row out of the count it decides: the rule pack
reports it.

Year-on-year checks (plausibility, never a block): a count of children is a count of largely
independent events and stays, LA by LA and year by year, close to a Poisson variable around a slowly
moving level; two such counts with the same mean n differ by a standard deviation of about sqrt(2n).
A change larger than 3 sqrt(2 n) — with n the larger of the two years — happens by chance about 3 times
in 1,000 (normal approximation), so it is flagged as worth a look. The CLA stock at 31 March is not
such a count: most children carry over, and its change over the year is the children who started less
those who ceased, whose variance is about started + ceased (two Poisson flows); so its limit is
3 sqrt(started + ceased), this year's flows (from the current return). At least 10 children must change
before a change is flagged: below that, the smallest LAs' counts (a few adoptions a year) would flag
on ordinary variation that the normal approximation does not describe. A count that falls to 0
from 10 or more is flagged whatever the arithmetic (a table or code left out of the export).
"""

import math
from dataclasses import dataclass
from datetime import date

import pandas as pd

from orchestration.lib.years import CollectionYear

SHORT_BREAKS = ("V3", "V4")
ADOPTED = ("E11", "E12")
MIN_CHANGE = 10  # children: see the module docstring
SIGMAS = 3.0


@dataclass(frozen=True)
class Measure:
    key: str  # catalogue key validator.measure.<key>
    previous: int | None
    current: int | None
    variance: float | None = None  # of the year-on-year change; None: 2n (see the module docstring)

    @property
    def change(self) -> int | None:
        if self.previous is None or self.current is None:
            return None
        return self.current - self.previous

    @property
    def limit(self) -> int | None:
        """The largest change not flagged (see the module docstring)."""
        if self.previous is None or self.current is None:
            return None
        variance = self.variance if self.variance is not None else 2 * max(self.previous, self.current)
        return max(MIN_CHANGE, math.ceil(SIGMAS * math.sqrt(variance)))

    @property
    def flag(self) -> str | None:
        """None (within the usual change), 'to_zero' or 'change'."""
        if self.change is None:
            return None
        if self.current == 0 and self.previous >= MIN_CHANGE:
            return "to_zero"
        if abs(self.change) > self.limit:
            return "change"
        return None


@dataclass
class Comparison:
    census: str
    previous_label: str  # the previous return's year
    previous_source: str  # the path given, as the officer typed it
    measures: list[Measure]
    problems: list[str]  # the previous return could not be read (its file issues), in English


def _dates(s: pd.Series, fmt: str) -> pd.Series:
    return pd.to_datetime(s, format=fmt, errors="coerce")


def _age_on(dob: pd.Series, on: date) -> pd.Series:
    """Completed years on ``on`` (a 29 February birthday falls on 1 March in other years)."""
    had_birthday = (dob.dt.month < on.month) | ((dob.dt.month == on.month) & (dob.dt.day <= on.day))
    return on.year - dob.dt.year - (~had_birthday).astype(int)


def cla_counts(tables: dict[str, pd.DataFrame], year: CollectionYear) -> dict[str, int]:
    fmt = year.era("cla").strptime_format
    episodes, children = tables.get("episodes"), tables.get("children")
    if episodes is None or episodes.empty:
        return {}
    ep = episodes.loc[~episodes["legal_status"].isin(SHORT_BREAKS)]
    start = _dates(ep["episode_start_date"], fmt)
    end = _dates(ep["episode_end_date"], fmt)
    first, last = pd.Timestamp(year.start), pd.Timestamp(year.census_date)
    in_year_start = start.between(first, last)
    in_year_end = end.between(first, last)
    ceased_reason = ep["reason_episode_ceased"].fillna("")
    out = {
        "cla.looked_after_in_year": int(ep["child_id"].nunique()),
        "cla.started": int(ep.loc[in_year_start & ep["reason_new_episode"].eq("S"), "child_id"].nunique()),
        "cla.ceased": int(ep.loc[in_year_end & ~ceased_reason.isin(["X1", ""]), "child_id"].nunique()),
    }
    ended = ep.loc[in_year_end, ["child_id", "reason_episode_ceased"]].assign(_end=end[in_year_end])
    last_ended = ended.sort_values(["child_id", "_end"]).drop_duplicates("child_id", keep="last")
    out["cla.adopted"] = int(last_ended["reason_episode_ceased"].isin(ADOPTED).sum())
    open_ids = ep.loc[(start <= last) & ep["episode_end_date"].isna(), "child_id"].unique()
    if children is not None and not children.empty:
        dob = _dates(children.set_index("child_id")["date_of_birth"], fmt)
        dob = dob[~dob.index.duplicated()]
        age = _age_on(dob.reindex(open_ids), year.census_date)
        out["cla.looked_after_31_march"] = int((age < 18).sum())
    return out


def crcs_counts(tables: dict[str, pd.DataFrame], year: CollectionYear) -> dict[str, int]:
    era = year.era("crcs")
    fmt = era.strptime_format
    children = tables.get("children")
    if children is None or children.empty:
        return {}
    census = pd.Timestamp(year.census_date)
    start = _dates(children["plan_start_date"], fmt)
    end = _dates(children["plan_end_date"], fmt) if "plan_end_date" in children.columns else None
    dob = _dates(children["date_of_birth"], fmt)
    open_at_census = start.le(pd.Timestamp(year.census_date.year, 1, 1))
    if end is not None:
        open_at_census &= children["plan_end_date"].isna() | end.gt(census)
    born = dob.notna() & dob.le(census)
    under_18 = _age_on(dob, year.census_date) < 18
    counted = children.loc[open_at_census & born & under_18]
    latest = counted.assign(_start=start[counted.index]).sort_values("_start").drop_duplicates("child_id", keep="last")
    out = {
        "crcs.receiving_31_march": int(latest["child_id"].nunique()),
        "crcs.child_protection_31_march": int(latest["on_child_protection_register"].eq("Y").sum()),
        "crcs.looked_after_31_march": int(latest["looked_after"].eq("Y").sum()),
    }
    if era.name == "CRCS_ALL_YEAR":
        out["crcs.plans_in_year"] = len(children)
    return out


def counts(census: str, tables: dict[str, pd.DataFrame], year: CollectionYear) -> dict[str, int]:
    return cla_counts(tables, year) if census == "cla" else crcs_counts(tables, year)


ORDER = {
    "cla": [
        "cla.looked_after_31_march",
        "cla.looked_after_in_year",
        "cla.started",
        "cla.ceased",
        "cla.adopted",
    ],
    "crcs": [
        "crcs.receiving_31_march",
        "crcs.child_protection_31_march",
        "crcs.looked_after_31_march",
        "crcs.plans_in_year",
    ],
}


def compare(
    census: str,
    year: CollectionYear,
    current: dict[str, pd.DataFrame],
    previous: "dict[str, pd.DataFrame] | None",
    previous_source: str,
    problems: "list[str] | None" = None,
) -> Comparison:
    now = counts(census, current, year)
    before = counts(census, previous, year.previous()) if previous else {}
    flows = now.get("cla.started", 0) + now.get("cla.ceased", 0) if census == "cla" else None
    measures = [
        Measure(key, before.get(key), now.get(key), flows if key == "cla.looked_after_31_march" else None)
        for key in ORDER[census]
        if key in now or key in before
    ]
    return Comparison(census, year.previous().label, previous_source, measures, list(problems or []))
