"""A small hand-built CLA return, rendered in any era, for rule tests.

The children and their episodes are written once, in the terms of the 2023-24 collection year
(CLA era, ISO dates, CLA codes). ``HandReturn(year)`` shifts every date by whole years to the
requested collection year and renders it as that era's text frames — the same shape the reader
gives a ``RuleContext``: internal column names, text values, missing = NaN, ``_line`` from 2 —
with last year's return (the same children one year earlier) as ``ctx.previous`` and, as
``ctx.linked``, the LA's CRCS return of the same year holding every child (``crcs_ids``).

Mutating helpers (``set``, ``add``, ``drop``…) edit the rendered rows, so a test can write any
text, including a badly formatted date or another era's code. ``date("2023-05-01")`` turns a
2023-24-terms date into the era's text for the year being built.

The clean return breaks no rule in any era.
"""

from __future__ import annotations

import copy
from datetime import date

import pandas as pd

from orchestration.lib.rules import RuleContext, run_rules
from orchestration.lib.specs import submission_spec
from orchestration.lib.synthetic.cla_reference import upn_check_letter
from orchestration.lib.years import CollectionYear

BASE_YEAR = 2023
LA = "W06000015"
UPN_DIGITS = "681123456789"
UPN = upn_check_letter(UPN_DIGITS) + UPN_DIGITS

# child: sex, dob, ethnicity, upn, uasc
CHILDREN = {
    "C1": ("m", "2012-05-01", "WBRI", UPN, "N"),  # long-term, placement move with X1 in the year
    "C2": ("f", "2021-03-15", "MWBC", "", "N"),  # placement order, placed for adoption, adopted in the year
    "C3": ("m", "2015-08-20", "WBRI", "UN2", "N"),  # short breaks (V3)
    "C4": ("f", "2008-01-15", "WBRI", "", "N"),  # went home (E4), came back into care (S)
    "C5": ("m", "2005-05-20", "WBRI", "", "N"),  # turned 18, stayed with foster carers (E10)
    "C6": ("f", "2010-09-09", "WBRI", "", "N"),  # transferred in from another Welsh LA (CLA era)
    "C7": ("m", "2007-06-01", "BAFR", "", "Y"),  # unaccompanied asylum-seeking child
}

# child, start, rne, legal status, cin, placement (CLA codes), outward postcode, placement LA, end, reason, from
EPISODES = [
    ("C1", "2020-01-10", "S", "C2", "N1", "F5", "CF10", "W06000015", "2023-06-30", "X1", ""),
    ("C1", "2023-06-30", "P", "C2", "N1", "F4", "CF14", "W06000015", "", "", ""),
    ("C2", "2022-06-01", "S", "C1", "N1", "F6", "CF5", "W06000015", "2022-09-01", "X1", ""),
    ("C2", "2022-09-01", "L", "E1", "N1", "F6", "CF5", "W06000015", "2023-05-10", "X1", ""),
    ("C2", "2023-05-10", "P", "E1", "N1", "A6", "NP10", "W06000022", "2024-01-20", "E11", ""),
    ("C3", "2023-07-01", "S", "V3", "N2", "K2", "CF23", "W06000015", "2023-07-03", "E4", ""),
    ("C3", "2023-08-01", "S", "V3", "N2", "K2", "CF23", "W06000015", "2023-08-02", "E4", ""),
    ("C4", "2022-09-01", "S", "V2", "N4", "K2", "CF3", "W06000015", "2023-10-01", "E4", ""),
    ("C4", "2023-12-01", "S", "V2", "N4", "F5", "CF3", "W06000015", "", "", ""),
    ("C5", "2021-01-01", "S", "C2", "N1", "F4", "CF11", "W06000015", "2023-05-19", "E10", ""),
    ("C6", "2023-09-10", "S", "C2", "N1", "F5", "CF24", "W06000015", "", "", "W06000011"),
    ("C7", "2022-11-01", "S", "V2", "N8", "K2", "CF24", "W06000015", "", "", ""),
]

# child, decision, placed, adopted
ADOPTIONS = [("C2", "2022-08-01", "2023-05-10", "2024-01-20")]

# young person, dob, in touch, suitable accommodation, activity
CARE_LEAVERS = [
    ("L1", "2004-06-10", "Y", "Y", "F2"),
    ("L2", "2004-12-01", "N", "", "0"),
    ("L3", "2005-03-31", "R", "", "0"),
]

PRE_CLA_PLACEMENT = {"F1": "Q1", "F2": "Q1", "F3": "Q1", "F4": "Q2", "F5": "Q2", "F6": "Q2"}


def _shift(iso: str, years: int) -> date | None:
    if not iso:
        return None
    d = date.fromisoformat(iso)
    return d.replace(year=d.year + years)


class HandReturn:
    """One LA's return for ``year`` (and last year's), built from the hand-written children above."""

    def __init__(self, year: int = BASE_YEAR, la_code: str = LA):
        self.year = CollectionYear(year)
        self.la_code = la_code
        self.era = self.year.era("cla").name
        shift = self.year.start_year - BASE_YEAR  # the same children, seen from this year and the one before
        self.tables = self._render(self.year, shift)
        self.prev_tables = self._render(self.year.previous(), shift)
        # the child ids of the LA's CRCS return of the same year (ctx.linked); None = not landed
        self.crcs_ids: list[str] | None = list(CHILDREN)

    # -- rendering ------------------------------------------------------------------------

    def _render(self, year: CollectionYear, shift: int) -> dict[str, list[dict]]:
        era = year.era("cla")
        fmt = era.strptime_format
        start, census = year.start, year.census_date

        def text(d: date | None) -> str | None:
            return d.strftime(fmt) if d else None

        out: dict[str, list[dict]] = {"children": [], "episodes": [], "adoptions": [], "care_leavers": []}
        in_return: set[str] = set()
        for child, s, rne, ls, cin, pl, pc, pla, e, rec, xfer in EPISODES:
            ds, de = _shift(s, shift), _shift(e, shift)
            if ds > census or (de is not None and de < start):
                continue
            closed = de is not None and de <= census
            if era.name != "CLA":
                pl = PRE_CLA_PLACEMENT.get(pl, pl)
            if era.name == "SSDA903" and rec == "E10":
                rec = "E8"
            out["episodes"].append(
                {
                    "child_id": child,
                    "episode_start_date": text(ds),
                    "reason_new_episode": rne,
                    "legal_status": ls,
                    "category_of_need": cin,
                    "placement_type": pl,
                    "placement_postcode": pc + " 1AA" if era.name == "SSDA903" else pc,
                    "placement_la": pla,
                    "episode_end_date": text(de) if closed else None,
                    "reason_episode_ceased": rec if closed else None,
                    "transferred_from_la": xfer or None,
                }
            )
            in_return.add(child)
        for child, (sex, dob, eth, upn, uasc) in CHILDREN.items():
            if child not in in_return:
                continue
            sex = {"m": "1", "f": "2"}[sex] if era.name == "SSDA903" else {"m": "M", "f": "F"}[sex]
            out["children"].append(
                {
                    "child_id": child,
                    "sex": sex,
                    "date_of_birth": text(_shift(dob, shift)),
                    "ethnicity": eth,
                    "upn": upn or None,
                    "uasc": uasc,
                }
            )
        for child, dd, dp, da in ADOPTIONS:
            dates = [_shift(x, shift) for x in (dd, dp, da)]
            if child not in in_return or not any(x and start <= x <= census for x in dates):
                continue
            dd_, dp_, da_ = (text(x) if x and x <= census else None for x in dates)
            out["adoptions"].append({"child_id": child, "date_decision": dd_, "date_placed": dp_, "date_adopted": da_})
        for yp, dob, touch, suitable, activity in CARE_LEAVERS:
            d = _shift(dob, shift)
            b19 = d.replace(year=d.year + 19)
            if start <= b19 <= census:
                out["care_leavers"].append(
                    {
                        "child_id": yp,
                        "date_of_birth": text(d),
                        "in_touch": touch,
                        "accommodation_suitable": suitable or None,
                        "activity": activity,
                    }
                )
        return out

    # -- editing --------------------------------------------------------------------------

    def date(self, iso: str, previous: bool = False) -> str:
        """A date given in 2023-24 terms, shifted to this return's year and written in its era's format."""
        year = self.year.previous() if previous else self.year
        d = _shift(iso, self.year.start_year - BASE_YEAR)
        return d.strftime(year.era("cla").strptime_format)

    def rows(self, table: str, child: str, previous: bool = False) -> list[dict]:
        source = self.prev_tables if previous else self.tables
        return [r for r in source[table] if r["child_id"] == child]

    def set(self, table: str, child: str, column: str, value, i: int = 0, previous: bool = False) -> HandReturn:
        self.rows(table, child, previous)[i][column] = value
        return self

    def add(self, table: str, row: dict, previous: bool = False) -> HandReturn:
        (self.prev_tables if previous else self.tables)[table].append(dict(row))
        return self

    def copy_row(self, table: str, child: str, i: int = 0, **changes) -> HandReturn:
        row = copy.deepcopy(self.rows(table, child)[i])
        row.update(changes)
        return self.add(table, row)

    def drop(self, table: str, child: str, previous: bool = False) -> HandReturn:
        source = self.prev_tables if previous else self.tables
        source[table] = [r for r in source[table] if r["child_id"] != child]
        return self

    def line(self, table: str, child: str, i: int = 0) -> int:
        """The file line of a child's i-th row (header = line 1)."""
        rows = self.tables[table]
        target = self.rows(table, child)[i]
        return next(n + 2 for n, r in enumerate(rows) if r is target)

    # -- to a context ---------------------------------------------------------------------

    def frames(self, previous: bool = False) -> dict[str, pd.DataFrame]:
        year = self.year.previous() if previous else self.year
        era = year.era("cla").name
        spec = submission_spec("cla")
        source = self.prev_tables if previous else self.tables
        out = {}
        for table, rows in source.items():
            columns = [c.name for c in spec.tables[table].columns_for(era)]
            body = [[r.get(c) or "" for c in columns] for r in rows]
            frame = pd.DataFrame(body, columns=columns, dtype="str")
            for c in frame.columns:  # as the reader does
                s = frame[c].str.strip()
                frame[c] = s.where(s != "", None)
            frame["_line"] = list(range(2, len(rows) + 2))
            out[table] = frame
        return out

    def linked(self) -> dict[str, pd.DataFrame] | None:
        """The LA's CRCS return of the same year, as far as the cross-census rule reads it (the child ids)."""
        if self.crcs_ids is None:
            return None
        frame = pd.DataFrame({"child_id": pd.Series(self.crcs_ids, dtype=object)})
        frame["_line"] = list(range(2, len(frame) + 2))
        return {"children": frame}

    def ctx(self, with_previous: bool = True) -> RuleContext:
        return RuleContext(
            "cla",
            self.year,
            self.la_code,
            self.frames(),
            previous=self.frames(previous=True) if with_previous else None,
            linked=self.linked(),
        )

    def issues(self, rules, with_previous: bool = True):
        return run_rules(self.ctx(with_previous), list(rules))
