"""`cssd validate` as a function: validate one return, build its report, write the officer's files."""

import time
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.years import CollectionYear


@dataclass
class Validated:
    result: object  # ingest.LAReturn
    report: object  # report.Report


def validate(
    path: Path,
    census: str,
    year: CollectionYear,
    la_code: str,
    key: "bytes | None" = None,
    only: "str | None" = None,
    skip: "str | None" = None,
    previous: "Path | None" = None,
    lang: str = "en",
) -> Validated:
    """Validate the return at ``path`` with the selected rules; compare it with ``previous`` (the LA's
    last accepted return, a folder or workbook) if given. Raises ``selection.UnknownRules``."""
    from orchestration.lib.ingest import validate_return
    from orchestration.lib.reference import local_authorities
    from orchestration.lib.validator.compare import compare
    from orchestration.lib.validator.report import build_report
    from orchestration.lib.validator.selection import pack, select_rules

    rules = select_rules(census, only, skip)
    started = time.monotonic()
    prev_frames: dict | bool = True  # default: last year's folder beside this one, if there is one
    problems: list[str] = []
    if previous is not None:
        prev_frames, problems = read_previous(previous, census, year)
    result = validate_return(
        path, census, year, la_code, key, display_prefix=str(path.name), previous=prev_frames or None, rules=rules
    )
    if only or skip:
        # The pandera backstop checks the whole spec: with a selection, only the selected rules (and the
        # file problems that stop a file being read) are reported.
        chosen = {r.id for r in rules}
        result.issues = [i for i in result.issues if i.rule in chosen or i.rule.startswith("file.")]
    comparison = None
    if previous is not None:
        comparison = compare(census, year, result.text, prev_frames or None, str(previous), problems)
    names = {r["gss_code"]: (r["name_en"], r["name_cy"] or r["name_en"]) for r in local_authorities()}
    la_name = names.get(la_code, ("", ""))[0 if lang == "en" else 1]
    report = build_report(
        result,
        rules,
        len(pack(census)),
        lang=lang,
        la_name=la_name,
        comparison=comparison,
        seconds=time.monotonic() - started,
        selection=bool(only or skip),
    )
    return Validated(result, report)


def read_previous(path: Path, census: str, year: CollectionYear) -> "tuple[dict, list[str]]":
    """Last year's return as text frames (and the messages of any file it could not read)."""
    from orchestration.lib.readers import read_return_folder

    prev_year = year.previous()
    prev_year.era(census)  # a clear error before the series starts
    loaded = read_return_folder(path, f"{path.name} ({prev_year.label})", census, prev_year)
    frames = {t: lt.frame for t, lt in loaded.items() if lt.frame is not None}
    problems = [str(i) for lt in loaded.values() for i in lt.issues if i.severity == "error"]
    return frames, problems


def report_paths(directory: Path, census: str, year: CollectionYear, la_code: str, lang: str) -> tuple[Path, Path]:
    stem = f"{la_code}-{census}-{year.label}-report-{lang}"
    return directory / f"{stem}.html", directory / f"{stem}.xlsx"


def write_report(report, directory: Path) -> list[Path]:
    """The page and the workbook, written atomically into ``directory`` (made if missing)."""
    from orchestration.lib.outputs.atomic import write_bytes_atomic
    from orchestration.lib.validator.html import render_html
    from orchestration.lib.validator.xlsx import render_xlsx

    html_path, xlsx_path = report_paths(directory, report.census, report.year, report.la_code, report.lang)
    write_bytes_atomic(html_path, render_html(report))
    write_bytes_atomic(xlsx_path, render_xlsx(report))
    return [html_path, xlsx_path]
