"""Write one year's release from its published tables (no Dagster): lookups, workbooks and HTML in
English and Welsh, the Welsh texts still in draft (translations.csv), revisions.csv and
manifest.json. The whole set is written into a new release folder and swapped in at once
(orchestration/lib/outputs/release_store.py); a release whose StatsWales files break the upload
contract (lib/statswales_check.py) is not swapped in. Then the all-years StatsWales datasets
(``output/statswales/<table>/``) are rewritten from the released years and checked."""

import csv
import io
import json
from pathlib import Path

import pandas as pd

from orchestration.lib import release, signoff
from orchestration.lib.outputs.atomic import write_bytes_atomic

RELEASE_NAME = "cssd-release-{year}"
WELSH_SUFFIX = "-cy"  # cssd-release-2025-26-cy.ods / .xlsx


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
    """The words around the figures for the workbook and the page (English; ``.in_language("cy")`` for
    Welsh): status, disclosure policy and the configured contact (CSSD_CONTACT)."""
    from orchestration.lib.outputs.workbook import ReleaseNotes

    provisional = settings.is_provisional(year)
    policy = "rounding" if settings.disclosure_policy == "round5" else "suppression"
    return ReleaseNotes(status="provisional" if provisional else "final", policy=policy, contact=settings.contact)


def write_release(
    settings,
    year,
    landing_files: list[dict],
    run_id: str = "",
    years_in_run: "tuple[str, ...]" = (),
    findings: "pd.DataFrame | None" = None,
    submissions: "list[dict] | None" = None,
) -> tuple[dict, list[str]]:
    """Write the year's release from its staged tables and swap it in whole; return the manifest and
    what is wrong (empty = fine). A release that does not read back is not swapped in: the previous
    one stays, and the new one is kept as ``.releases/<year>/<NNNN>.failed`` (release_store.py).

    ``findings``: the year's QA findings (orchestration/lib/findings.py), written to qa/ and the
    manifest; None = none found. The sign-off record of the year, if any, goes in as signoff.json,
    and its state (signed off, stale, not signed off) into release.html, the workbooks, the manifest
    and output_checking.csv (orchestration/lib/signoff.py).
    ``submissions``: the status of the year's returns (lib/submissions.py), written as the release's
    submissions.csv and .html: its quality note on which return each LA's figures come from."""
    import time
    from datetime import UTC, datetime

    from orchestration.lib.crash import crash_point
    from orchestration.lib.outputs.lookups import write_lookups
    from orchestration.lib.outputs.release_html import (
        PAGE_NAMES,
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
    from orchestration.lib.statswales_check import check_year_folder, errors
    from orchestration.lib.translations import export_csv, export_rows

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
        # Signed outputs, so written before the sign-off state is read (_write_qa). translations.csv: the
        # Welsh texts still in draft, for the translation service (statswales.md, Translations).
        write_bytes_atomic(out / "translations.csv", export_csv(export_rows()))
        write_bytes_atomic(out / "metadata.json", release_metadata(notes, year.label))
        # signed outputs too: written before the sign-off state is read (_write_qa)
        if submissions is not None:
            from orchestration.lib.submissions import write_status_files

            write_status_files(out, submissions, year.label)
        elif current is not None:  # a re-release (cssd signoff): the returns are the current release's
            for name in ("submissions.csv", "submissions.html"):
                if (current / name).is_file():
                    write_bytes_atomic(out / name, (current / name).read_bytes())
        findings, record, state = _write_qa(settings, year.label, out, findings, landing_files)
        notes = signoff_notes(notes, state)
        notes_cy = notes.in_language("cy")
        name = RELEASE_NAME.format(year=year.label)
        ods, xlsx = write_workbooks(out, name, year.label, tables, notes)
        ods_cy, xlsx_cy = write_workbooks(out, name + WELSH_SUFFIX, year.label, tables, notes_cy)
        crash_point("outputs", f"(release {out.name} of {year.label} half written)")
        staged_years = {y: staging_dir(output_dir, y) / "statswales" for y in {*years_in_run, year.label}}
        history = history_from_statswales(output_dir, staged_years)
        html = write_release_html(out / PAGE_NAMES["en"], year.label, tables, history, notes)
        html_cy = write_release_html(out / PAGE_NAMES["cy"], year.label, tables, history, notes_cy)
        problems += check_release_files(ods, xlsx, html, tables)
        problems += check_release_files(ods_cy, xlsx_cy, html_cy, tables)
        conformance = check_year_folder(out / "statswales", f"{year.label}/statswales")
        problems += [str(f) for f in errors(conformance)]
        manifest = release.build_manifest(
            out,
            year.label,
            landing_files,
            settings.disclosure_policy,
            settings.is_provisional(year),
            {
                "release_reads_back": {"passed": not problems, "problems": problems},
                "statswales_conformance": {
                    "passed": not errors(conformance),
                    "errors": [str(f) for f in errors(conformance)][:100],
                    "warnings": [str(f) for f in conformance if f.level == "warning"][:100],
                },
            },
            warehouse=settings.warehouse_target,
        )
        manifest["qa_findings"] = {
            "count": len(findings),
            "by_check": {str(k): int(v) for k, v in findings.groupby("check").size().items()} if len(findings) else {},
            "findings": findings.to_dict("records"),
        }
        manifest["signoff"] = state.as_dict()
        write_bytes_atomic(out / "manifest.json", release.manifest_bytes(manifest))
        write_bytes_atomic(
            out / signoff.CHECKING_FILE, signoff.checking_csv(manifest, findings, state, _check_tables())
        )
        for entry in manifest["outputs"]:
            if release.sha256_file(out / entry["path"]) != entry["sha256"]:
                problems.append(f"{entry['path']}: hash differs from the manifest")
        run = {
            "year": year.label,
            "run_id": run_id,
            "finished_at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.monotonic() - started, 2),
            "outputs": len(manifest["outputs"]),
        }
        write_bytes_atomic(out / "run_record.json", (json.dumps(run, indent=1) + "\n").encode())
        if problems:
            failed = abandon_release(out)
            problems.append(f"not released: the previous release stays in place; this one is kept in {failed}")
        else:
            commit_release(output_dir, year.label, out)
    return manifest, problems


def _check_tables() -> dict[str, tuple[str, ...]]:
    from orchestration.lib.findings import CHECKS

    return {name: c.outputs for name, c in CHECKS.items()}


def _write_qa(settings, year: str, out: Path, findings: "pd.DataFrame | None", landing_files: list[dict]):
    """qa/findings.csv and .html, and signoff.json (the year's record, if any), into the release
    being written; returns the findings, the record and the sign-off state."""
    from orchestration.lib import findings as qa
    from orchestration.lib.reference import la_names

    found = qa.with_meaning(findings) if findings is not None and len(findings) else pd.DataFrame(columns=qa.COLUMNS)
    write_bytes_atomic(out / signoff.FINDINGS_CSV, qa.findings_csv(found))
    write_bytes_atomic(out / signoff.FINDINGS_HTML, qa.findings_html(found, year, la_names()))
    record, state = signoff.release_state(settings.output_dir, year, out, found, landing_files)
    if record is not None:
        data = json.dumps(record, indent=1, sort_keys=True) + "\n"
        write_bytes_atomic(out / signoff.SIGNOFF_FILE, data.encode("utf-8"))
    return found, record, state


def signoff_notes(notes, state):
    """The release notes with the sign-off line (release.html, workbook cover) in ``extra``."""
    from dataclasses import replace

    return replace(notes, extra={**notes.extra, "signoff": {"en": state.line("en"), "cy": state.line("cy"),
                                                             "status": state.status}})  # fmt: skip


def release_metadata(notes, year: str) -> bytes:
    """The release's metadata in English and Welsh (the tables' own are in output/statswales/<table>/)."""
    import json

    from orchestration.lib.translations import both

    by_lang = {lang: notes.in_language(lang) for lang in ("en", "cy")}
    meta = {
        "year": year,
        "title": {lang: f"{n.title}, {year}" for lang, n in by_lang.items()},
        "status": {lang: n.status_text() for lang, n in by_lang.items()},
        "source": {lang: n.source for lang, n in by_lang.items()},
        "collection": {
            lang: f"{both('metadata.collection.cla')[lang]} {both('metadata.collection.crcs')[lang]}"
            for lang in by_lang
        },  # fmt: skip
        "quality": {lang: " ".join(n.quality) for lang, n in by_lang.items()},
        "disclosure": {lang: n.disclosure for lang, n in by_lang.items()},
        "rounding_description": both("metadata.rounding"),
        "contact": {"configured": notes.contact_configured, **{lang: n.contact_text() for lang, n in by_lang.items()}},
    }
    return (json.dumps(meta, indent=1, ensure_ascii=False, sort_keys=True) + "\n").encode("utf-8")


def write_statswales_datasets(settings, year) -> list:
    """Rewrite the all-years StatsWales dataset of every table released for ``year`` and check them
    all; return the findings (lib/statswales_check.py; errors block the release job's check)."""
    from orchestration.lib.outputs.release_store import output_lock
    from orchestration.lib.outputs.statswales_dataset import write_datasets
    from orchestration.lib.statswales_check import check_dataset

    policy = "rounding" if settings.disclosure_policy == "round5" else "suppression"
    findings = []
    with output_lock(settings.output_dir):
        for folder in write_datasets(settings.output_dir, year.label, policy, settings.contact):
            findings += check_dataset(folder, f"statswales/{folder.name}")
    return findings


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
    from orchestration.lib.outputs.release_html import PAGE_NAMES

    lang = re.search(r'<html lang="(en|cy)"', text)
    if lang is None:
        problems.append(f"{html.name}: no lang on <html> (en or cy)")
    else:
        other = PAGE_NAMES["cy" if lang.group(1) == "en" else "en"]
        if f'href="{other}"' not in text:
            problems.append(f"{html.name}: no link to the page in the other language ({other})")
    return problems
