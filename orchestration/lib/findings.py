"""Plausibility checks and their QA findings.

A plausibility check is about the data, which real returns can break (docs/quality.md): it never
blocks. Each check reads a frame of orchestration/lib/gates.py (SQL both warehouses run), compares
it with its limits in quality_thresholds.toml (orchestration/lib/thresholds.py) in whole-frame
pandas, and returns one **finding** per figure outside them: the check, the table, the year, the
area, what was measured, the observed value, the limit and what it may mean (from the translation
catalogue, ``qa.<check>.meaning``). Findings hold counts and shares of areas, never a child.

Where they go: the WARN asset checks ``qa_<check>`` in Dagster (defs/quality.py), the year's
release (``qa/findings.csv``, ``qa/findings.html``, the manifest, the output-checking record), and
``cssd build``'s summary. A statistician accepts each one, with a reason, in the sign-off
(orchestration/lib/signoff.py).
"""

import csv
import html
import io
from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from orchestration.lib import gates
from orchestration.lib.reference import WALES
from orchestration.lib.translations import text

COLUMNS = ["check", "table", "year", "area_code", "measure", "observed", "threshold", "meaning"]


@dataclass(frozen=True)
class PlausibilityCheck:
    name: str
    table: str  # the model it is about, and the asset its Dagster check is on
    relation: str  # schema.table the frame reads (the check is skipped while it does not exist)
    frame: Callable  # con -> frame (orchestration/lib/gates.py)
    judge: Callable  # (frame, limits) -> findings (COLUMNS without meaning)
    description: str
    outputs: tuple[str, ...] = ()  # the published tables its findings bear on (output_checking.csv)


def _pct(share: float) -> str:
    return f"{share * 100:g} %"


def _empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS)


def _out(frame: pd.DataFrame, check: str, table: str, measure, observed, threshold) -> pd.DataFrame:
    if frame.empty:
        return _empty()
    return pd.DataFrame(
        {
            "check": check,
            "table": table,
            "year": frame["year"].to_numpy(),
            "area_code": frame["area_code"].to_numpy(),
            "measure": measure,
            "observed": [str(v) for v in observed],  # text: as the CSV and the manifest hold it
            "threshold": [str(v) for v in threshold],
        }
    )


def judge_flow_identity(frame: pd.DataFrame, t: dict) -> pd.DataFrame:
    f = frame.dropna(subset=["stock_previous"]).copy()
    wales = f["area_code"] == WALES
    f["allowed"] = (t["wales_share"] * f["stock"]).where(
        wales, (t["la_share"] * f["stock"]).clip(lower=t["la_min_children"])
    )
    f = f[f["flow_gap"].abs() > f["allowed"]]
    limit = [
        f"at most {a:.1f} children ({_pct(t['wales_share'] if w else t['la_share'])} of {s:.0f}"
        + ("" if w else f", at least {t['la_min_children']}")
        + ")"
        for a, s, w in zip(f["allowed"], f["stock"], f["area_code"] == WALES, strict=True)
    ]
    return _out(f, "flow_identity", "fct_cla_looked_after_at_census", "flow_gap_children",
                f["flow_gap"].round(0).astype(int), limit)  # fmt: skip


def _judge_ratio(f: pd.DataFrame, t: dict, check: str, table: str, n: str, n_prev: pd.Series) -> pd.DataFrame:
    f = f.assign(_prev=n_prev).dropna(subset=["ratio_to_previous_year"])
    wales = f["area_code"] == WALES
    ratio = f["ratio_to_previous_year"]
    outside_wales = wales & ((ratio < t["wales_min_ratio"]) | (ratio > t["wales_max_ratio"]))
    outside_la = (
        ~wales
        & ((ratio < t["la_min_ratio"]) | (ratio > t["la_max_ratio"]))
        & ((f[n] - f["_prev"]).abs() >= t["la_min_children"])
    )
    f = f[outside_wales | outside_la]
    limit = [
        f"{t['wales_min_ratio']:g} to {t['wales_max_ratio']:g}"
        if w
        else f"{t['la_min_ratio']:g} to {t['la_max_ratio']:g} (or a change under {t['la_min_children']} children)"
        for w in f["area_code"] == WALES
    ]
    observed = [f"{r:.3f} ({p:.0f} to {c:.0f})" for r, p, c in zip(f["ratio_to_previous_year"], f["_prev"], f[n],
                                                                      strict=True)]  # fmt: skip
    return _out(f, check, table, "ratio_to_previous_year", observed, limit)


def judge_cla_year_on_year(frame: pd.DataFrame, t: dict) -> pd.DataFrame:
    return _judge_ratio(frame, t, "cla_year_on_year", "fct_cla_looked_after_at_census", "stock",
                        frame["stock_previous"])  # fmt: skip


def judge_crcs_year_on_year(frame: pd.DataFrame, t: dict) -> pd.DataFrame:
    previous = frame["children"] / frame["ratio_to_previous_year"]
    return _judge_ratio(frame, t, "crcs_year_on_year", "fct_crcs_children_at_census", "children", previous)


def judge_crcs_status_shares(frame: pd.DataFrame, t: dict) -> pd.DataFrame:
    f = frame.dropna(subset=["share"]).copy()
    where = f["area_code"].eq(WALES).map({True: "wales", False: "la"})
    f["lo"] = [t[f"{s}_{w}_min"] for s, w in zip(f["status"], where, strict=True)]
    f["hi"] = [t[f"{s}_{w}_max"] for s, w in zip(f["status"], where, strict=True)]
    f = f[(f["share"] < f["lo"]) | (f["share"] > f["hi"])]
    observed = [f"{s:.3f} ({n:.0f} of {t:.0f})" for s, n, t in zip(f["share"], f["n"], f["total"], strict=True)]
    limit = [f"{lo:g} to {hi:g}" for lo, hi in zip(f["lo"], f["hi"], strict=True)]
    return _out(f, "crcs_status_shares", "pub_crcs1", [f"share_{s}" for s in f["status"]], observed, limit)


def judge_rec1_difference(frame: pd.DataFrame, t: dict) -> pd.DataFrame:
    f = frame.copy()
    wales = f["area_code"] == WALES
    f["allowed"] = (t["wales_share"] * f["cla_count"]).where(
        wales, (t["la_share"] * f["cla_count"]).clip(lower=t["la_min_children"])
    )
    f = f[f["abs_difference"] > f["allowed"]]
    observed = [f"{d:+.0f} (CRCS {c:.0f}, CLA {a:.0f})" for d, c, a in zip(f["difference"], f["crcs_count"],
                                                                            f["cla_count"], strict=True)]  # fmt: skip
    limit = [
        f"at most {a:.1f} children ({_pct(t['wales_share'] if w else t['la_share'])} of CLA"
        + ("" if w else f", at least {t['la_min_children']}")
        + ")"
        for a, w in zip(f["allowed"], f["area_code"] == WALES, strict=True)
    ]
    return _out(f, "rec1_difference", "pub_rec1", "crcs_minus_cla_children", observed, limit)


def judge_placement_la_missing(frame: pd.DataFrame, t: dict) -> pd.DataFrame:
    f = frame[frame["missing_share"] > t["max_share"]]
    observed = [f"{s:.3f} ({m:.0f} of {e:.0f} episodes)" for s, m, e in zip(f["missing_share"], f["missing"],
                                                                               f["episodes"], strict=True)]  # fmt: skip
    return _out(f, "placement_la_missing", "stg_cla__episodes", "share_missing", observed,
                [f"at most {t['max_share']:g}"] * len(f))  # fmt: skip


CHECKS: dict[str, PlausibilityCheck] = {
    c.name: c
    for c in (
        PlausibilityCheck(
            "flow_identity",
            "fct_cla_looked_after_at_census",
            "marts.fct_cla_looked_after_at_census",
            gates.cla_flow_frame,
            judge_flow_identity,
            "Flow identity by LA and for Wales: looked after last year + started - ceased is close to looked "
            "after now (limits: quality_thresholds.toml [flow_identity]).",
            ("cla1", "cla4", "cla5"),
        ),
        PlausibilityCheck(
            "cla_year_on_year",
            "fct_cla_looked_after_at_census",
            "marts.fct_cla_looked_after_at_census",
            gates.cla_flow_frame,
            judge_cla_year_on_year,
            "Children looked after at 31 March, each LA and Wales, against last year's "
            "(limits: quality_thresholds.toml [cla_year_on_year]).",
            ("cla1",),
        ),
        PlausibilityCheck(
            "crcs_year_on_year",
            "fct_crcs_children_at_census",
            "marts.fct_crcs_children_at_census",
            gates.crcs_year_on_year_frame,
            judge_crcs_year_on_year,
            "Children receiving care and support at 31 March, each LA and Wales, against last year's "
            "(limits: quality_thresholds.toml [crcs_year_on_year]).",
            ("crcs1",),
        ),
        PlausibilityCheck(
            "crcs_status_shares",
            "pub_crcs1",
            "publication.pub_crcs1",
            gates.crcs1_gate_frame,
            judge_crcs_status_shares,
            "CRCS1: each status's share (looked after, on the register, neither) of the total, each LA and Wales "
            "(limits: quality_thresholds.toml [crcs_status_shares]).",
            ("crcs1",),
        ),
        PlausibilityCheck(
            "rec1_difference",
            "pub_rec1",
            "publication.pub_rec1",
            gates.rec1_gate_frame,
            judge_rec1_difference,
            "REC1: looked-after children in CRCS against CLA1's total, each LA and Wales "
            "(limits: quality_thresholds.toml [rec1_difference]).",
            ("rec1",),
        ),
        PlausibilityCheck(
            "placement_la_missing",
            "stg_cla__episodes",
            "staging.stg_cla__episodes",
            gates.placement_la_missing_frame,
            judge_placement_la_missing,
            "Share of each LA's episodes in a year with no placement LA "
            "(limit: quality_thresholds.toml [placement_la_missing]).",
            (),  # no table of the release uses the placement LA
        ),
    )
}


def relation_exists(con, relation: str) -> bool:
    schema, table = relation.split(".")
    rows = con.execute(
        "select count(*) from information_schema.tables where table_schema = ? and table_name = ?", [schema, table]
    ).fetchall()
    return bool(rows and rows[0][0])


def with_meaning(findings: pd.DataFrame, lang: str = "en") -> pd.DataFrame:
    out = findings.copy()
    out["meaning"] = [text(f"qa.{c}.meaning", lang) for c in out["check"]]
    return out[COLUMNS].reset_index(drop=True)


def run_check(con, check: PlausibilityCheck, limits: dict) -> tuple[pd.DataFrame, int]:
    """(findings, rows checked) of one check; no rows while its table does not exist yet."""
    if not relation_exists(con, check.relation):
        return _empty(), 0
    frame = check.frame(con)
    return with_meaning(check.judge(frame, limits)), len(frame)


def compute_findings(con, thresholds: dict, years: "list[str] | None" = None) -> pd.DataFrame:
    """Every plausibility check's findings (of ``years``, or all), sorted by year, check and area."""
    parts = []
    for check in CHECKS.values():
        found, _ = run_check(con, check, thresholds[check.name])
        parts.append(found)
    out = pd.concat([p for p in parts if not p.empty] or [_empty()], ignore_index=True)
    if years is not None:
        out = out[out["year"].isin(list(years))]
    return out.sort_values(["year", "check", "area_code", "measure"], kind="stable").reset_index(drop=True)


def finding_key(check: str, area_code: str) -> str:
    """What a sign-off accepts: every finding of one check in one area (of the year signed)."""
    return f"{check}:{area_code}"


# ---------------------------------------------------------------------------------------------
# The year's files: qa/findings.csv and qa/findings.html


def findings_csv(findings: pd.DataFrame) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(COLUMNS)
    for rec in findings[COLUMNS].itertuples(index=False):
        w.writerow(rec)
    return buf.getvalue().encode("utf-8")


def read_findings_csv(path) -> pd.DataFrame:
    if not path.exists():
        return _empty()
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def findings_html(findings: pd.DataFrame, year: str, area_names: "dict[str, str] | None" = None) -> bytes:
    """A page for the statistician: every finding, in English with the Welsh below each heading."""
    e = html.escape
    names = area_names or {}

    def both(key: str, **values) -> str:
        return f'{e(text(key, "en", **values))} <span lang="cy">/ {e(text(key, "cy", **values))}</span>'

    heads = ["check", "table", "year", "area", "measure", "observed", "threshold", "meaning"]
    rows = []
    for r in findings.to_dict("records"):
        area = f"{names.get(r['area_code'], '')} ({r['area_code']})" if r["area_code"] in names else r["area_code"]
        rows.append(
            "<tr>"
            + "".join(
                f"<td>{e(str(v))}</td>"
                for v in (r["check"], r["table"], r["year"], area, r["measure"], r["observed"], r["threshold"])
            )
            + f"<td>{e(text('qa.' + r['check'] + '.meaning', 'en'))}"
            + f'<br><span lang="cy">{e(text("qa." + r["check"] + ".meaning", "cy"))}</span></td></tr>'
        )
    table = (
        "<table><thead><tr>"
        + "".join(f"<th>{both('qa.column.' + h)}</th>" for h in heads)
        + "</tr></thead><tbody>"
        + "".join(rows)
        + "</tbody></table>"
        if rows
        else f"<p>{both('qa.findings.none')}</p>"
    )
    page = (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(text('qa.findings.title', 'en', year=year))}</title>"
        "<style>body{font-family:sans-serif;max-width:75em;margin:1em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:.3em;vertical-align:top}span[lang=cy]{color:#444}</style>"
        f"</head><body><h1>{both('qa.findings.title', year=year)}</h1>"
        f"<p>{both('qa.findings.intro')}</p>"
        f"<p>{both('qa.findings.count', count=len(findings))}</p>{table}</body></html>\n"
    )
    return page.encode("utf-8")


def summary_lines(findings_by_year: dict[str, pd.DataFrame]) -> list[str]:
    """A short human summary for cssd build: per year, how many findings of which check."""
    lines = []
    for year, f in sorted(findings_by_year.items()):
        if f.empty:
            continue
        counts = f.groupby("check").size()
        detail = ", ".join(f"{c} {n}" for c, n in counts.items())
        lines.append(f"  {year}: {len(f)} QA finding(s) ({detail}) — output/{year}/qa/findings.html")
    return lines
