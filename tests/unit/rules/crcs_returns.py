"""A small hand-built CRCS return, rendered in any era, for rule and fault tests.

The children and their plans are written once, in the terms of the 2023-24 collection year
(all-year era, ISO dates, CRCS codes). ``CrcsHandReturn(year)`` shifts every date by whole years
to the requested collection year and renders it as that era's rows: in the CIN and CRCS snapshot
eras only the plans open on the census date (one per child), in the all-year era every plan open
at some time in the year, with its end date and reason for closure. ``frames()`` gives the text
frames a ``RuleContext`` holds (internal names, text, missing = None, ``_line`` from 2), and
``csv_text()`` the LA's file, with the era's column names.

The return comes with the LA's CLA return of the same year as ``ctx.linked`` (the looked-after
child's open episode, plus a short break and an ended episode that do not count), so the
cross-census rule runs on it too. The clean return breaks no rule in any era.
"""

from __future__ import annotations

import copy
import csv
import io
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

# child, sex (m/f/u), dob, expected dob, ethnicity, upn
CHILDREN = {
    "K1": ("m", "2012-05-01", "", "WBRI", UPN),  # looked after, disabled, in school
    "K2": ("f", "2020-02-10", "", "MWBC", ""),  # on the child protection register
    "K3": ("u", "", "2024-06-15", "", ""),  # unborn, pre-birth plan
    "K4": ("f", "2009-09-09", "", "WBRI", "UN2"),  # a plan closed in the year, then a new one
    "K5": ("m", "2006-05-20", "", "BAFR", ""),  # 17 on the census date
    "K6": ("m", "2015-01-01", "", "WBRI", ""),  # plan closed in the year (all-year era only)
}

# child, start, end, reason, need, disability, looked after, cpr, cpr category, parental factors,
# mental health, substance misuse, youth offending, immunisations, dental, school attendance
PLANS = [
    ("K1", "2022-06-01", "", "", "N1", "LD;AUT", "Y", "N", "", "PMH;DA", "Y", "N", "N", "Y", "Y", "92.5"),
    ("K2", "2023-01-15", "", "", "N4", "", "N", "Y", "NEG", "PSM", "", "", "", "Y", "", ""),
    ("K3", "2024-01-10", "", "", "N1", "", "N", "N", "", "PSM;DA", "", "", "", "", "", ""),
    ("K4", "2022-09-01", "2023-06-30", "RC7", "N5", "", "N", "N", "", "", "N", "N", "N", "Y", "Y", "88"),
    ("K4", "2023-11-01", "", "", "N5", "", "N", "N", "", "DA", "Y", "N", "N", "Y", "Y", "85"),
    ("K5", "2023-02-01", "", "", "N6", "BEH", "N", "N", "", "", "Y", "Y", "Y", "Y", "N", ""),
    ("K6", "2023-04-10", "2023-09-30", "RC5", "N4", "", "N", "N", "", "", "", "", "", "Y", "Y", "97"),
]
PLAN_COLUMNS = (
    "child_id",
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

# The LA's CLA episodes of the same year: child, start, end, legal status (K1 looked after on 31 March;
# K2 had short breaks, K5 an episode that ended: neither is looked after on 31 March)
CLA_EPISODES = [
    ("K1", "2022-05-20", "", "C2"),
    ("K2", "2023-10-01", "", "V3"),
    ("K5", "2023-04-02", "2023-05-01", "V2"),
]
CLA_EPISODE_COLUMNS = ("child_id", "episode_start_date", "episode_end_date", "legal_status")

SEX = {"CIN": {"m": "1", "f": "2", "u": "9"}, "*": {"m": "M", "f": "F", "u": "U"}}


def _shift(iso: str, years: int) -> date | None:
    if not iso:
        return None
    d = date.fromisoformat(iso)
    return d.replace(year=d.year + years)


class CrcsHandReturn:
    """One LA's CRCS return for ``year``, built from the hand-written children above."""

    def __init__(self, year: int = BASE_YEAR, la_code: str = LA, copies: int = 1):
        self.copies = copies  # the hand-written children repeated under other ids (K1, K1x1, K1x2, ...)
        self.year = CollectionYear(year)
        self.la_code = la_code
        self.era = self.year.era("crcs").name
        self.fmt = self.year.era("crcs").strptime_format
        self.shift = self.year.start_year - BASE_YEAR
        self.rows = self._render()
        self.cla_episodes = self._render_cla()
        self.linked_present = True

    # -- rendering ------------------------------------------------------------------------

    def _text(self, d: date | None) -> str | None:
        return d.strftime(self.fmt) if d else None

    def _render(self) -> list[dict]:
        start, census = self.year.start, self.year.census_date
        all_year = self.era == "CRCS_ALL_YEAR"
        sexes = SEX.get(self.era, SEX["*"])
        out = []
        for plan in self._copied(PLANS):
            p = dict(zip(PLAN_COLUMNS, plan, strict=True))
            ds, de = _shift(p["plan_start_date"], self.shift), _shift(p["plan_end_date"], self.shift)
            if ds > census or (de is not None and de < start):
                continue
            if not all_year and de is not None and de <= census:
                continue  # snapshot eras: only the plans open on the census date
            sex, dob, expected, eth, upn = CHILDREN[p["child_id"].split("x")[0]]
            row = {
                "child_id": p["child_id"],
                "sex": sexes[sex],
                "date_of_birth": self._text(_shift(dob, self.shift)),
                "expected_date_of_birth": self._text(_shift(expected, self.shift)),
                "ethnicity": eth or None,
                "upn": upn or None,
                **{k: (v or None) for k, v in p.items() if k != "child_id"},
            }
            row["plan_start_date"] = self._text(ds)
            row["plan_end_date"] = self._text(de)
            out.append(row)
        return out

    def _render_cla(self) -> list[dict]:
        fmt = self.year.era("cla").strptime_format
        return [
            {
                "child_id": child,
                "episode_start_date": _shift(s, self.shift).strftime(fmt),
                "episode_end_date": _shift(e, self.shift).strftime(fmt) if e else None,
                "legal_status": ls,
            }
            for child, s, e, ls in self._copied(CLA_EPISODES)
        ]

    def _copied(self, rows: list[tuple]) -> list[tuple]:
        return [(row[0] + (f"x{k}" if k else ""), *row[1:]) for k in range(self.copies) for row in rows]

    # -- editing --------------------------------------------------------------------------

    def date(self, iso: str) -> str:
        """A date given in 2023-24 terms, shifted to this return's year and written in its era's format."""
        return self._text(_shift(iso, self.shift))

    def of(self, child: str) -> list[dict]:
        return [r for r in self.rows if r["child_id"] == child]

    def set(self, child: str, column: str, value, i: int = 0) -> CrcsHandReturn:
        self.of(child)[i][column] = value
        return self

    def copy_row(self, child: str, i: int = 0, **changes) -> CrcsHandReturn:
        row = copy.deepcopy(self.of(child)[i])
        row.update(changes)
        self.rows.append(row)
        return self

    def drop(self, child: str) -> CrcsHandReturn:
        self.rows = [r for r in self.rows if r["child_id"] != child]
        return self

    def line(self, child: str, i: int = 0) -> int:
        """The file line of a child's i-th row (header = line 1)."""
        target = self.of(child)[i]
        return next(n + 2 for n, r in enumerate(self.rows) if r is target)

    # -- to files and contexts ------------------------------------------------------------

    def columns(self) -> list:
        return list(submission_spec("crcs").tables["children"].columns_for(self.era))

    def frames(self) -> dict[str, pd.DataFrame]:
        names = [c.name for c in self.columns()]
        return {"children": _text_frame(self.rows, names)}

    def linked(self) -> dict[str, pd.DataFrame] | None:
        if not self.linked_present:
            return None
        return {"episodes": _text_frame(self.cla_episodes, list(CLA_EPISODE_COLUMNS))}

    def ctx(self) -> RuleContext:
        return RuleContext("crcs", self.year, self.la_code, self.frames(), linked=self.linked())

    def issues(self, rules):
        return run_rules(self.ctx(), list(rules))

    def csv_text(self) -> str:
        """The LA's children.csv for the year: the era's column names, one line per row."""
        cols = self.columns()
        out = io.StringIO()
        w = csv.writer(out, lineterminator="\n")
        w.writerow([c.source_name(self.era) for c in cols])
        w.writerows([[r.get(c.name) or "" for c in cols] for r in self.rows])
        return out.getvalue()

    def cla_csv_texts(self) -> dict[str, str]:
        """The LA's CLA children.csv and episodes.csv for the year (only what the cross-census rule reads)."""
        era = self.year.era("cla").name
        spec = submission_spec("cla")
        dob = {r["child_id"]: r["date_of_birth"] for r in self.rows}
        fmt = self.year.era("cla").strptime_format
        cla_rows = {
            "children": [
                {
                    "child_id": e["child_id"],
                    "sex": "1" if era == "SSDA903" else "M",
                    "date_of_birth": dob.get(e["child_id"]) or _shift("2012-05-01", self.shift).strftime(fmt),
                    "ethnicity": "WBRI",
                    "uasc": "N",
                }
                for e in self.cla_episodes
            ],
            "episodes": [
                {
                    **e,
                    "reason_new_episode": "S",
                    "category_of_need": "N1",
                    "placement_type": "K2",
                    "reason_episode_ceased": "E4" if e["episode_end_date"] else None,
                }
                for e in self.cla_episodes
            ],
        }
        out = {}
        for table, rows in cla_rows.items():
            cols = spec.tables[table].columns_for(era)
            buf = io.StringIO()
            w = csv.writer(buf, lineterminator="\n")
            w.writerow([c.source_name(era) for c in cols])
            w.writerows([[r.get(c.name) or "" for c in cols] for r in rows])
            out[table] = buf.getvalue()
        return out


def _text_frame(rows: list[dict], columns: list[str]) -> pd.DataFrame:
    body = [[r.get(c) or "" for c in columns] for r in rows]
    frame = pd.DataFrame(body, columns=columns, dtype="str")
    for c in frame.columns:  # as the reader does
        s = frame[c].str.strip()
        frame[c] = s.where(s != "", None)
    frame["_line"] = list(range(2, len(rows) + 2))
    return frame
