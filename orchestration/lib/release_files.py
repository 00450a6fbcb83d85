"""Write one year's release from its published tables (no Dagster): lookups, workbooks, HTML,
revisions.csv and manifest.json. The whole set is written into a new release folder and swapped in
at once (orchestration/lib/outputs/release_store.py)."""

import csv
import io
from pathlib import Path

import pandas as pd

from orchestration.lib import release
from orchestration.lib.outputs.atomic import write_bytes_atomic

RELEASE_NAME = "cssd-release-{year}"


def merged_revisions(year_dir: Path) -> bytes:
    rows: list[list[str]] = []
    header: list[str] | None = None
    folder = year_dir / release.REVISIONS_DIR
    for path in sorted(folder.glob("*.csv")) if folder.is_dir() else []:
        with path.open(encoding="utf-8", newline="") as f:
            r = list(csv.reader(f))
        if r:
            header = header or r[0]
            rows += r[1:]
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header or release.REVISIONS_HEADER)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def release_notes(settings, year):
    """The words around the figures for the workbook and the page: status and disclosure policy."""
    from orchestration.lib.outputs.workbook import DISCLOSURE_POLICIES, ReleaseNotes

    provisional = settings.is_provisional(year)
    policy = "rounding" if settings.disclosure_policy == "round5" else "suppression"
    return ReleaseNotes(status="provisional" if provisional else "final", disclosure=DISCLOSURE_POLICIES[policy])


def write_release(
    settings, year, landing_files: list[dict], run_id: str = "", years_in_run: "tuple[str, ...]" = ()
) -> tuple[dict, list[str]]:
    """Write the year's release from its staged tables and swap it in whole; return the manifest and
    what is wrong (empty = fine). A release that does not read back is not swapped in: the previous
    one stays, and the new one is kept as ``.releases/<year>/<NNNN>.failed`` (release_store.py)."""
    import json
    import time
    from datetime import UTC, datetime

    from orchestration.lib.crash import crash_point
    from orchestration.lib.outputs.lookups import write_lookups
    from orchestration.lib.outputs.release_html import (
        history_from_statswales,
        read_statswales_tables,
        write_release_html,
    )
    from orchestration.lib.outputs.release_store import (
        abandon_release,
        commit_release,
        new_release,
        output_lock,
        recover,
        staging_dir,
    )
    from orchestration.lib.outputs.workbook import write_workbooks

    started = time.monotonic()
    output_dir = settings.output_dir
    staged = staging_dir(output_dir, year.label)
    problems: list[str] = []
    tables = read_statswales_tables(staged / "statswales")
    if not tables:
        return {"outputs": []}, [f"no published table for {year.label}"]
    notes = release_notes(settings, year)
    with output_lock(output_dir):
        current = recover(output_dir, year.label)
        out = new_release(output_dir, year.label)
        for table_id in sorted(tables):
            data = (staged / "statswales" / f"{table_id}.csv").read_bytes()
            write_bytes_atomic(out / "statswales" / f"{table_id}.csv", data)
            # The baseline is the table as first released (docs/release.md): the current release's,
            # or this one's for a table released for the first time.
            baseline = current / release.BASELINE_DIR / f"{table_id}.csv" if current else None
            if baseline is not None and baseline.exists():
                data = baseline.read_bytes()
            write_bytes_atomic(out / release.BASELINE_DIR / f"{table_id}.csv", data)
        for name in (release.GATES_DIR, release.REVISIONS_DIR):
            for path in sorted((staged / name).glob("*")) if (staged / name).is_dir() else []:
                if path.is_file() and not path.name.startswith("."):
                    write_bytes_atomic(out / name / path.name, path.read_bytes())
        write_lookups(out / "statswales" / "lookups")
        write_bytes_atomic(out / "revisions.csv", merged_revisions(out))
        name = RELEASE_NAME.format(year=year.label)
        ods, xlsx = write_workbooks(out, name, year.label, tables, notes)
        crash_point("outputs", f"(release {out.name} of {year.label} half written)")
        staged_years = {y: staging_dir(output_dir, y) / "statswales" for y in {*years_in_run, year.label}}
        history = history_from_statswales(output_dir, staged_years)
        html = write_release_html(out / "release.html", year.label, tables, history, notes)
        problems += check_release_files(ods, xlsx, html, tables)
        manifest = release.build_manifest(
            out,
            year.label,
            landing_files,
            settings.disclosure_policy,
            settings.is_provisional(year),
            {"release_reads_back": {"passed": not problems, "problems": problems}},
            warehouse=settings.warehouse_target,
        )
        write_bytes_atomic(out / "manifest.json", release.manifest_bytes(manifest))
        for entry in manifest["outputs"]:
            if release.sha256_file(out / entry["path"]) != entry["sha256"]:
                problems.append(f"{entry['path']}: hash differs from the manifest")
        record = {
            "year": year.label,
            "run_id": run_id,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - started, 2),
            "outputs": len(manifest["outputs"]),
        }
        write_bytes_atomic(out / "run_record.json", (json.dumps(record, indent=1) + "\n").encode())
        if problems:
            failed = abandon_release(out)
            problems.append(f"not released: the previous release stays in place; this one is kept in {failed}")
        else:
            commit_release(output_dir, year.label, out)
    return manifest, problems


def check_release_files(ods: Path, xlsx: Path, html: Path, tables: dict[str, pd.DataFrame]) -> list[str]:
    """The workbooks open with a sheet per table; the page parses and makes no external request."""
    import re
    import zipfile

    from openpyxl import load_workbook

    problems = []
    wanted = {t.upper() for t in tables}
    wb = load_workbook(xlsx, read_only=True)
    missing = wanted - set(wb.sheetnames)
    if missing:
        problems.append(f"{xlsx.name}: no sheet for {', '.join(sorted(missing))}")
    wb.close()
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode("utf-8")
    for t in sorted(wanted):
        if f'table:name="{t}"' not in content:
            problems.append(f"{ods.name}: no sheet for {t}")
    text = html.read_text(encoding="utf-8")
    if re.search(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""", text, re.IGNORECASE):
        problems.append(f"{html.name}: refers to an external resource")
    for t in sorted(wanted):
        if t not in text:
            problems.append(f"{html.name}: table {t} missing")
    return problems
