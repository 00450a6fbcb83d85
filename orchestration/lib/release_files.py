"""Write one year's release from its published tables (no Dagster): lookups, workbooks, HTML,
revisions.csv and manifest.json. Every file is written atomically."""

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


def write_release(settings, year, landing_files: list[dict]) -> tuple[dict, list[str]]:
    """Write the year's release files; return the manifest and what is wrong (empty = fine)."""
    from orchestration.lib.outputs.lookups import write_lookups
    from orchestration.lib.outputs.release_html import (
        history_from_statswales,
        read_statswales_tables,
        write_release_html,
    )
    from orchestration.lib.outputs.workbook import write_workbooks

    output_dir = settings.output_dir
    year_dir = output_dir / year.label
    problems: list[str] = []
    tables = read_statswales_tables(year_dir / "statswales")
    if not tables:
        return {"outputs": []}, [f"no published table for {year.label}"]
    notes = release_notes(settings, year)
    write_lookups(year_dir / "statswales" / "lookups")
    write_bytes_atomic(year_dir / "revisions.csv", merged_revisions(year_dir))
    name = RELEASE_NAME.format(year=year.label)
    ods, xlsx = write_workbooks(year_dir, name, year.label, tables, notes)
    history = history_from_statswales(output_dir)
    html = write_release_html(year_dir / "release.html", year.label, tables, history, notes)
    problems += check_release_files(ods, xlsx, html, tables)
    manifest = release.build_manifest(
        year_dir,
        year.label,
        landing_files,
        settings.disclosure_policy,
        settings.is_provisional(year),
        {"release_reads_back": {"passed": not problems, "problems": problems}},
    )
    path = year_dir / "manifest.json"
    write_bytes_atomic(path, release.manifest_bytes(manifest))
    for entry in manifest["outputs"]:
        if release.sha256_file(year_dir / entry["path"]) != entry["sha256"]:
            problems.append(f"{entry['path']}: hash differs from the manifest")
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
