"""Submission status: every return an LA sent, what became of it, and which return each LA's figures
come from (no Dagster here).

Each validation of a return (a new or changed landing folder) is one row of ``raw.submission_log``:
census, year, LA, the return's digest, when its files were received (the newest file's modification
time), when it was checked, the outcome (``accepted`` or ``failed``) and its error and warning
counts. A return that fails validation is not stored: the LA keeps its last accepted return.

The status of each return (census × year × LA), newest first:

- ``accepted``: the stored return, no warning; ``accepted_with_warnings``: the stored return, with
  warnings; ``superseded``: accepted once, since replaced by a later accepted return;
- ``failed_validation``: not stored; the figures use the last accepted return, if any;
- ``not_received``: no return and no folder; ``received``: a folder not yet validated (no build
  has read it yet).

A return stored before this log existed has no row in it: it is reported as accepted with no dates.
Texts a reader sees come from the translation catalogue (keys ``submissions.*``).
"""

import csv
import html
import io
from datetime import UTC, datetime
from pathlib import Path

LOG_TABLE = "raw.submission_log"
STATUSES = (
    "accepted",
    "accepted_with_warnings",
    "superseded",
    "failed_validation",
    "received",
    "not_received",
)
CSV_COLUMNS = [
    "census",
    "year",
    "la_code",
    "la_name",
    "status",
    "status_en",
    "status_cy",
    "received",
    "checked",
    "errors",
    "warnings",
    "figures_from_en",
    "figures_from_cy",
]


def ensure_log(con) -> None:
    con.execute("create schema if not exists raw")
    con.execute(
        f"""create table if not exists {LOG_TABLE} (
            census varchar, year varchar, la_code varchar, digest varchar, received_at varchar,
            checked_at varchar, outcome varchar, errors integer, warnings integer, run_id varchar)"""
    )


def received_at(files: "list[Path]") -> str:
    """When a return arrived: the newest modification time of its files (UTC, to the second)."""
    stamps = [p.stat().st_mtime for p in files if p.exists()]
    if not stamps:
        return ""
    return datetime.fromtimestamp(max(stamps), UTC).isoformat(timespec="seconds")


def now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record_attempts(con, attempts: "list[dict]") -> None:
    """Add one row per validated return: keys census, year, la_code, digest, received_at,
    checked_at, outcome ('accepted' | 'failed'), errors, warnings, run_id."""
    if not attempts:
        return
    ensure_log(con)
    cols = [
        "census",
        "year",
        "la_code",
        "digest",
        "received_at",
        "checked_at",
        "outcome",
        "errors",
        "warnings",
        "run_id",
    ]
    placeholders = ", ".join("?" for _ in cols)
    for a in attempts:  # a handful per run (one per new or changed return): not a per-row loop over data
        last = con.execute(
            f"select digest, outcome from {LOG_TABLE} where census = ? and year = ? and la_code = ? "
            "order by checked_at desc limit 1",
            [a["census"], a["year"], a["la_code"]],
        ).fetchone()
        if last is not None and tuple(last) == (a["digest"], a["outcome"]):
            continue  # the same return read again (a rebuild): one row per return, not per reading
        con.execute(f"insert into {LOG_TABLE} ({', '.join(cols)}) values ({placeholders})", [a[c] for c in cols])


def _raw_tables(con) -> "set[str]":
    return {
        r[0]
        for r in con.execute("select table_name from information_schema.tables where table_schema = 'raw'").fetchall()
    }


def _log(con, census: str, years: "list[str]") -> "list[tuple]":
    if "submission_log" not in _raw_tables(con):  # a read-only connection cannot create it
        return []
    return con.execute(
        f"""select year, la_code, digest, received_at, checked_at, outcome, errors, warnings
            from {LOG_TABLE} where census = ? and year in (select unnest(?))
            order by year, la_code, checked_at, received_at""",
        [census, years],
    ).fetchall()


def _stored(con, census: str, years: "list[str]") -> "dict[tuple[str, str], tuple[str, int]]":
    """(year, la) -> (digest, warnings) of the return stored now."""
    if "validated_returns" not in _raw_tables(con):
        return {}
    rows = con.execute(
        "select year, la_code, digest, warnings from raw.validated_returns "
        "where census = ? and year in (select unnest(?))",
        [census, years],
    ).fetchall()
    return {(y, la): (d, int(w or 0)) for y, la, d, w in rows}


def _day(stamp: str) -> str:
    return stamp[:10] if stamp else ""


def status_rows(con, census: str, years: "list[str]", las: "list[str]", landing_dir: Path) -> "list[dict]":
    """One row per return (or per census × year × LA with none), newest first within an LA, with the
    note saying which return the LA's figures come from."""
    from orchestration.lib.reference import la_names
    from orchestration.lib.translations import text

    names = la_names()
    log: dict[tuple[str, str], list[tuple]] = {}
    for row in _log(con, census, years):
        log.setdefault((row[0], row[1]), []).append(row)
    stored = _stored(con, census, years)
    out = []
    for year in years:
        for la in las:
            attempts = log.get((year, la), [])
            current = stored.get((year, la))
            rows = []
            accepted_seen = False
            for _y, _la, digest, received, checked, outcome, errors, warns in reversed(attempts):
                if outcome == "failed":
                    status = "failed_validation"
                elif not accepted_seen and current and current[0] == digest:
                    status = "accepted_with_warnings" if warns else "accepted"
                    accepted_seen = True
                else:
                    status = "superseded"
                    accepted_seen = True
                rows.append((status, received, checked, errors, warns))
            if current and not any(r[0].startswith("accepted") for r in rows):
                # stored before the submission log existed: accepted, its dates unknown
                rows.append(("accepted_with_warnings" if current[1] else "accepted", "", "", 0, current[1]))
            if not rows:
                folder = landing_dir / census / year / la
                rows.append(("received" if folder.is_dir() else "not_received", "", "", 0, 0))
            note = figures_from(rows)
            for status, received, checked, errors, warns in rows:
                out.append(
                    {
                        "census": census,
                        "year": year,
                        "la_code": la,
                        "la_name": names.get(la, ""),
                        "status": status,
                        "status_en": text(f"submissions.status.{status}", "en"),
                        "status_cy": text(f"submissions.status.{status}", "cy"),
                        "received": received,
                        "checked": checked,
                        "errors": int(errors or 0),
                        "warnings": int(warns or 0),
                        "figures_from_en": note["en"],
                        "figures_from_cy": note["cy"],
                    }
                )
    return out


def figures_from(rows: "list[tuple]") -> "dict[str, str]":
    """Which return an LA's figures come from, in both languages. ``rows``: (status, received,
    checked, errors, warnings), newest first."""
    from orchestration.lib.translations import both

    accepted = next((r for r in rows if r[0] in ("accepted", "accepted_with_warnings")), None)
    newest = rows[0] if rows else None
    if accepted is None:
        if newest and newest[0] == "failed_validation":
            return both("submissions.figures.failed_none", received=_day(newest[1]))
        return both("submissions.figures.none")
    when = _day(accepted[2]) or _day(accepted[1])
    if newest is not None and newest[0] == "failed_validation":
        return both("submissions.figures.failed_kept", received=_day(newest[1]), accepted=when or "?")
    return both("submissions.figures.accepted", accepted=when or "?") if when else both("submissions.figures.stored")


def failed_returns(rows: "list[dict]") -> "list[dict]":
    """The rows of returns whose newest attempt failed validation (one per census × year × LA)."""
    seen, out = set(), []
    for r in rows:
        key = (r["census"], r["year"], r["la_code"])
        if key in seen:
            continue
        seen.add(key)
        if r["status"] == "failed_validation":
            out.append(r)
    return out


def status_csv(rows: "list[dict]") -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=CSV_COLUMNS, lineterminator="\n")
    w.writeheader()
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def status_html(rows: "list[dict]", year: str) -> bytes:
    """A bilingual page: the quality note (where each LA's figures come from) and every return's status."""
    from orchestration.lib.translations import both

    title = both("submissions.title", year=year)
    heads = [
        "submissions.column.census",
        "submissions.column.la",
        "submissions.column.status",
        "submissions.column.received",
        "submissions.column.checked",
        "submissions.column.errors",
        "submissions.column.warnings",
    ]
    e = html.escape
    parts = [
        "<!doctype html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{e(title['en'])} / {e(title['cy'])}</title>",
        "<style>body{font-family:sans-serif;max-width:70em;margin:1em auto}table{border-collapse:collapse}"
        "td,th{border:1px solid #999;padding:.2em .5em;text-align:left}</style></head><body>",
        f"<h1>{e(title['en'])}</h1>",
        f'<p lang="cy">{e(title["cy"])}</p>',
    ]
    note = both("submissions.quality_note")
    parts += [f"<h2>{e(note['en'])}</h2>", f'<p lang="cy">{e(note["cy"])}</p>', "<ul>"]
    seen = set()
    for r in rows:
        key = (r["census"], r["la_code"])
        if key in seen:
            continue
        seen.add(key)
        parts.append(
            f"<li>{e(r['census'].upper())} {e(r['la_code'])} {e(r['la_name'])}: {e(r['figures_from_en'])} "
            f'<span lang="cy">/ {e(r["figures_from_cy"])}</span></li>'
        )
    parts.append("</ul>")
    header = "".join(f'<th>{e(both(k)["en"])}<br><span lang="cy">{e(both(k)["cy"])}</span></th>' for k in heads)
    parts += ["<table>", f"<tr>{header}</tr>"]
    for r in rows:
        cells = [
            r["census"].upper(),
            f"{r['la_code']} {r['la_name']}",
            f"{r['status_en']} / {r['status_cy']}",
            r["received"],
            r["checked"],
            str(r["errors"]),
            str(r["warnings"]),
        ]
        parts.append("<tr>" + "".join(f"<td>{e(c)}</td>" for c in cells) + "</tr>")
    parts += ["</table>", "</body></html>", ""]
    return "\n".join(parts).encode("utf-8")


def read_back_problems(csv_path: Path, rows: "list[dict]", las: "list[str]") -> "list[str]":
    """What is wrong with a written submissions.csv: a census × LA without a status, or not the rows
    written (empty = fine)."""
    with csv_path.open(encoding="utf-8", newline="") as f:
        back = list(csv.DictReader(f))
    wanted = {(r["census"], r["year"], la) for r in rows for la in las}
    got = {(r["census"], r["year"], r["la_code"]) for r in back if r.get("status") in STATUSES}
    problems = []
    if wanted - got:
        problems.append(f"{csv_path}: {len(wanted - got)} census × year × LA without a status")
    if len(back) != len(rows):
        problems.append(f"{csv_path}: {len(back)} rows read back, {len(rows)} written")
    return problems


def write_status_files(folder: Path, rows: "list[dict]", year: str) -> "list[Path]":
    """``submissions.csv`` and ``submissions.html`` in ``folder`` (each written atomically)."""
    from orchestration.lib.outputs.atomic import write_bytes_atomic

    csv_path, html_path = folder / "submissions.csv", folder / "submissions.html"
    write_bytes_atomic(csv_path, status_csv(rows))
    write_bytes_atomic(html_path, status_html(rows, year))
    return [csv_path, html_path]
