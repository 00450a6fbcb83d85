"""Validation reports: one per LA and year (CSV and HTML) and a Wales summary.

A report lists rule id, severity, message, table, row and field. It never holds a child id or
any other personal value: the row number in the LA's own file is enough to find the record.
"""

import csv
import html
import io
from collections import Counter
from pathlib import Path

from orchestration.lib.issues import Issue
from orchestration.lib.outputs.atomic import neutralise, write_bytes_atomic

REPORT_COLUMNS = ["rule_id", "severity", "message", "table", "file", "row", "field"]


def _table_of(issue: Issue) -> str:
    name = issue.file.rsplit("/", 1)[-1]
    if "[sheet " in name:
        return name.split("[sheet ", 1)[1].rstrip("]")
    return name.rsplit(".", 1)[0] if "." in name else ""


def report_rows(issues: list[Issue]) -> list[dict[str, str]]:
    ordered = sorted(issues, key=lambda i: (i.severity != "error", i.file, i.row or 0, i.rule))
    return [
        {
            "rule_id": i.rule,
            "severity": i.severity,
            "message": i.message,
            "table": _table_of(i),
            "file": i.file,
            "row": "" if i.row is None else str(i.row),
            "field": i.field or "",
        }
        for i in ordered
    ]


def report_csv(issues: list[Issue]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=REPORT_COLUMNS, lineterminator="\n")
    w.writeheader()
    for row in report_rows(issues):
        w.writerow({k: neutralise(v) for k, v in row.items()})
    return buf.getvalue().encode("utf-8")


_STYLE = """body{font-family:system-ui,sans-serif;margin:2rem;color:#1d1d1b}h1{font-size:1.4rem}
table{border-collapse:collapse;width:100%;font-size:.9rem}th,td{border:1px solid #ccc;padding:.3rem .5rem;
text-align:left;vertical-align:top}th{background:#eee}.error{color:#a00;font-weight:600}.warning{color:#8a5a00}
.ok{color:#064}"""


def report_html(title: str, issues: list[Issue], la_name: str = "") -> bytes:
    rows = report_rows(issues)
    counts = Counter(r["severity"] for r in rows)
    verdict = (
        f'<p class="error">{counts["error"]} error(s): the return cannot be accepted until they are fixed.</p>'
        if counts["error"]
        else '<p class="ok">No errors: the return can be accepted.</p>'
    )
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="{html.escape(r["severity"])}">{html.escape(r[c])}</td>'
            if c == "severity"
            else f"<td>{html.escape(r[c])}</td>"
            for c in REPORT_COLUMNS
        )
        + "</tr>"
        for r in rows
    )
    head = "".join(f"<th>{c.replace('_', ' ')}</th>" for c in REPORT_COLUMNS)
    doc = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        f"<p>{html.escape(la_name)}</p>{verdict}<p>{counts['error']} error(s), {counts['warning']} warning(s). "
        "Rows are lines of your file (the header is line 1).</p>"
        + (f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>" if rows else "")
        + "</body></html>"
    )
    return doc.encode("utf-8")


def write_la_report(directory: Path, la_code: str, title: str, issues: list[Issue], la_name: str = "") -> list[Path]:
    csv_path = directory / f"{la_code}.csv"
    html_path = directory / f"{la_code}.html"
    write_bytes_atomic(csv_path, report_csv(issues))
    write_bytes_atomic(html_path, report_html(title, issues, la_name))
    return [csv_path, html_path]


SUMMARY_COLUMNS = ["la_code", "la_name", "rule_id", "severity", "message", "count"]


def summarise_reports(directory: Path, names: dict[str, str]) -> list[dict[str, str]]:
    """Errors and warnings by LA and rule, from the LA reports in a year's folder."""
    rows = []
    for path in sorted(directory.glob("W06*.csv")):
        la = path.stem
        with path.open(encoding="utf-8", newline="") as f:
            counts = Counter((r["rule_id"], r["severity"], r["message"]) for r in csv.DictReader(f))
        if not counts:
            rows.append(
                {
                    "la_code": la,
                    "la_name": names.get(la, ""),
                    "rule_id": "",
                    "severity": "",
                    "message": "no errors or warnings",
                    "count": "0",
                }
            )
        for (rule, sev, msg), n in sorted(counts.items()):
            rows.append(
                {
                    "la_code": la,
                    "la_name": names.get(la, ""),
                    "rule_id": rule,
                    "severity": sev,
                    "message": msg,
                    "count": str(n),
                }
            )
    return rows


def write_summary(directory: Path, title: str, names: dict[str, str]) -> list[Path]:
    rows = summarise_reports(directory, names)
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=SUMMARY_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: neutralise(v) for k, v in r.items()})
    csv_path = directory / "summary.csv"
    write_bytes_atomic(csv_path, buf.getvalue().encode("utf-8"))
    by_la: dict[str, Counter] = {}
    for r in rows:
        c = by_la.setdefault(r["la_code"], Counter())
        if r["severity"]:
            c[r["severity"]] += int(r["count"])
    table = "".join(
        f"<tr><td>{html.escape(la)}</td><td>{html.escape(names.get(la, ''))}</td>"
        f'<td class="{"error" if c["error"] else "ok"}">{c["error"]}</td><td>{c["warning"]}</td></tr>'
        for la, c in sorted(by_la.items())
    )
    detail = "".join(
        "<tr>" + "".join(f"<td>{html.escape(r[k])}</td>" for k in SUMMARY_COLUMNS) + "</tr>"
        for r in rows
        if r["severity"]
    )
    doc = (
        f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>{html.escape(title)}</title>'
        f"<style>{_STYLE}</style></head><body><h1>{html.escape(title)}</h1>"
        "<h2>By local authority</h2><table><thead><tr><th>LA</th><th>name</th><th>errors</th><th>warnings</th>"
        f"</tr></thead><tbody>{table}</tbody></table><h2>By rule</h2><table><thead><tr>"
        + "".join(f"<th>{k.replace('_', ' ')}</th>" for k in SUMMARY_COLUMNS)
        + f"</tr></thead><tbody>{detail}</tbody></table></body></html>"
    )
    html_path = directory / "summary.html"
    write_bytes_atomic(html_path, doc.encode("utf-8"))
    return [csv_path, html_path]
