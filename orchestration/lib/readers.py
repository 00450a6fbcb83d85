"""Read one LA's return for one year: files → text frames with the internal column names.

Every problem that stops a file being read at all (encoding, empty, ragged rows, wrong
or missing columns, another era's column names) becomes an ``Issue`` naming the file and,
where there is one, the row. Values are read as text; typing is the pandera gate's job.
"""

import csv
import hashlib
import io
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

import pandas as pd

from orchestration.lib.issues import Issue
from orchestration.lib.specs import TableSpec, submission_spec
from orchestration.lib.years import CollectionYear, eras_of

LINE_COLUMN = "_line"  # the line of the LA's file each row came from (header = line 1)
# Tables every return has rows in: a census's children, and for CLA their episodes. A file of these
# with its header and no rows is a failed export, not an LA with no children. Adoptions and care
# leavers may have no rows (a small LA can have no adoption in a year).
MUST_HAVE_ROWS = {"cla": ("children", "episodes"), "crcs": ("children",)}


@dataclass
class LoadedTable:
    table: str
    file: str  # display path, relative to the landing folder
    sha256: str
    frame: pd.DataFrame | None  # internal column names, text (None = missing), plus _line
    issues: list[Issue]


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode(data: bytes) -> tuple[str, str]:
    """UTF-8 (with or without a BOM), else Windows-1252, as the spec allows."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8"), "utf-8-sig"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        return data.decode("cp1252"), "cp1252"


def _normalise(name: str) -> str:
    return name.strip().lower()


def _header_issues(
    header: list[str], spec: TableSpec, census: str, era: str, year: CollectionYear, file: str
) -> tuple[list[Issue], dict[str, str]]:
    """Check the header against the era; return issues and a map file column -> internal name."""
    expected = {_normalise(c.source_name(era)): c.name for c in spec.columns_for(era)}
    got = [_normalise(h) for h in header]
    issues: list[Issue] = []
    dupes = sorted({h for h in got if got.count(h) > 1})
    for d in dupes:
        issues.append(Issue(file, 1, d, "file.duplicate_column", "the column appears more than once in the header"))
    missing = [h for h in expected if h not in got]
    extra = [h for h in got if h not in expected and h]
    if missing or extra:
        known = {_normalise(c.source_name(e.name)) for e in eras_of(census) for c in spec.columns_for(e.name)}
        if not any(h in known for h in got):
            # No column name of any era: the first line is data (or something else), not the header.
            # Its cells may be a child's id or date of birth, so none of them is repeated here.
            return [
                Issue(
                    file,
                    1,
                    None,
                    "file.missing_header",
                    "the first line is not the header row: none of its cells is a column name of this file; "
                    f"add the header row ({year.label}, {era} era): {', '.join(expected)}",
                )
            ], {}
        # Is this another era's layout? Say so: it is the commonest cause.
        for other in eras_of(census):
            if other.name == era:
                continue
            other_names = {_normalise(c.source_name(other.name)) for c in spec.columns_for(other.name)}
            if set(got) == other_names:
                issues.append(
                    Issue(
                        file,
                        1,
                        None,
                        "file.wrong_era",
                        f"the columns are those of the {other.name} era, but {year.label} is in the "
                        f"{era} era; expected columns: {', '.join(expected)}",
                    )
                )
                return issues, {}
        for m in missing:
            issues.append(
                Issue(file, 1, m, "file.missing_column", f"required column is missing for {year.label} ({era} era)")
            )
        for x in extra:
            issues.append(
                Issue(file, 1, x, "file.unexpected_column", _unexpected_column_message(x, spec, census, era, year))
            )
    return issues, {h: expected[h] for h in got if h in expected}


def _era_span(era) -> str:
    first = f"{era.first_year}-{(era.first_year + 1) % 100:02d}"
    if era.last_year is None:
        return f"{first} on"
    return f"{first} to {era.last_year}-{(era.last_year + 1) % 100:02d}"


def _unexpected_column_message(name: str, spec: TableSpec, census: str, era: str, year: CollectionYear) -> str:
    """The column a file has but its era does not: named, with the era(s) it belongs to when it is one."""
    expected = ", ".join(_normalise(c.source_name(era)) for c in spec.columns_for(era))
    owners = [
        e for e in eras_of(census) if name in {_normalise(c.source_name(e.name)) for c in spec.columns_for(e.name)}
    ]
    if owners:
        where = " and ".join(f"the {e.name} era ({_era_span(e)})" for e in owners)
        return (
            f"column {name} belongs to {where}, not to {year.label} ({era} era): remove the column, or check that "
            f"the return is filed under the right year; expected columns: {expected}"
        )
    return f"column {name} is not part of the {era} era {spec.name} file; expected columns: {expected}"


def _table_from_rows(
    rows: list[list[str]],
    lines: list[int],
    display: str,
    digest: str,
    spec: TableSpec,
    census: str,
    year: CollectionYear,
) -> LoadedTable:
    """Header + body rows (text) -> a LoadedTable, with header and ragged-row issues."""
    era = year.era(census).name
    while rows and not any((cell or "").strip() for cell in rows[-1]):
        rows.pop()  # trailing blank lines
        lines.pop()
    if not rows:
        return LoadedTable(
            spec.name, display, digest, None, [Issue(display, None, None, "file.empty", "the file is empty")]
        )
    header, body, body_lines = rows[0], rows[1:], lines[1:]
    issues, mapping = _header_issues(header, spec, census, era, year, display)
    width = len(header)
    for r, line in zip(body, body_lines, strict=True):
        if len(r) != width and any((cell or "").strip() for cell in r):
            issues.append(
                Issue(
                    display,
                    line,
                    None,
                    "file.ragged_row",
                    f"the row has {len(r)} fields but the header has {width}: the file may be truncated "
                    "or a value may hold an unquoted comma",
                )
            )
    if issues:
        return LoadedTable(spec.name, display, digest, None, issues)
    keep = [i for i, r in enumerate(body) if any((cell or "").strip() for cell in r)]
    if not keep and spec.name in MUST_HAVE_ROWS.get(census, ()):
        # One file-level error, not one per child of the other tables (e.g. "the child has no episodes").
        return LoadedTable(
            spec.name,
            display,
            digest,
            None,
            [
                Issue(
                    display,
                    None,
                    None,
                    "file.no_rows",
                    f"the {spec.name} file {display.rsplit('/', 1)[-1]} has its header row but no rows: "
                    "export the records again, or send the file with them",
                )
            ],
        )
    norm = [_normalise(h) for h in header]
    frame = pd.DataFrame([body[i] for i in keep], columns=norm, dtype="str")
    frame = frame.rename(columns=mapping)[[c.name for c in spec.columns_for(era)]]
    for c in frame.columns:
        col = frame[c].str.strip()
        frame[c] = col.where(col != "", None)
    frame[LINE_COLUMN] = [body_lines[i] for i in keep]
    return LoadedTable(spec.name, display, digest, frame, [])


def read_csv_table(path: Path, display: str, spec: TableSpec, census: str, year: CollectionYear) -> LoadedTable:
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if not data.strip():
        return LoadedTable(
            spec.name, display, digest, None, [Issue(display, None, None, "file.empty", "the file is empty")]
        )
    if _looks_utf16_or_32(data):
        return LoadedTable(
            spec.name,
            display,
            digest,
            None,
            [
                Issue(
                    display,
                    None,
                    None,
                    "file.encoding",
                    'the file is saved as UTF-16 or UTF-32 ("Unicode text"): save it as CSV UTF-8 '
                    "(or Windows-1252) and send it again",
                )
            ],
        )
    if b"\x00" in data:
        return LoadedTable(
            spec.name,
            display,
            digest,
            None,
            [Issue(display, None, None, "file.binary", "the file is not a CSV text file (it holds binary data)")],
        )
    try:
        text, _encoding = decode(data)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        return LoadedTable(
            spec.name,
            display,
            digest,
            None,
            [
                Issue(
                    display,
                    line,
                    None,
                    "file.encoding",
                    f"the file is neither UTF-8 nor Windows-1252 text (byte 0x{data[exc.start]:02X} at "
                    f"position {exc.start} is neither): save it as CSV UTF-8 and send it again",
                )
            ],
        )
    rows: list[list[str]] = []
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        for row in reader:
            rows.append(row)
    except csv.Error as exc:
        # The reader stops at the line it cannot read; say which, never what it holds.
        line = reader.line_num
        field_name = None
        if "field larger than field limit" in str(exc):
            rule = "file.field_too_long"
            field_name = _over_long_field(text, line, rows[0] if rows else [])
            what = f"the {field_name} value" if field_name else "a value"
            message = (
                f"{what} is longer than {csv.field_size_limit():,} characters: no field of the return is "
                'that long; the file may be damaged, or a quote (") may be missing'
            )
        else:
            rule = "file.malformed_csv"
            message = f"the file cannot be read as CSV from this line ({exc}): save it again as CSV"
        return LoadedTable(spec.name, display, digest, None, [Issue(display, line, field_name, rule, message)])
    return _table_from_rows(rows, list(range(1, len(rows) + 1)), display, digest, spec, census, year)


def _over_long_field(text: str, line: int, header: list[str]) -> str | None:
    """The column (as the file's header names it) of the first over-long value on ``line``: the file is
    read again with no field limit up to that line. None if it cannot be told."""
    limit = csv.field_size_limit()
    csv.field_size_limit(max(limit, len(text) + 1))
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        for row in reader:
            if reader.line_num >= line:
                for i, cell in enumerate(row):
                    if len(cell) > limit:
                        return _normalise(header[i]) if i < len(header) else None
                return None
    except csv.Error:
        return None
    finally:
        csv.field_size_limit(limit)
    return None


def _looks_utf16_or_32(data: bytes) -> bool:
    """A UTF-16/32 byte-order mark, or text whose every other byte is NUL (UTF-16 without a mark)."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")):
        return True
    head = data[:4096]
    if len(head) < 8:
        return False
    even, odd = head[0::2], head[1::2]
    return max(even.count(0) / len(even), odd.count(0) / len(odd)) > 0.9 and min(even.count(0), odd.count(0)) == 0


def _cell_text(value: object, date_format: str) -> str:
    """A workbook cell as the text a CSV of the same era would hold (real dates in the era's format)."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.strftime(date_format)
    if isinstance(value, bool):
        return "Y" if value else "N"
    if isinstance(value, int | float):
        if float(value).is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def read_workbook(
    path: Path, display_prefix: str, census: str, year: CollectionYear, tables: tuple[str, ...]
) -> dict[str, LoadedTable]:
    """One workbook, one sheet per table named after it (case-insensitive)."""
    from openpyxl import load_workbook

    spec = submission_spec(census)
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    display = f"{display_prefix}/{path.name}"
    try:
        # Formulas are read as formulas (not their cached values) so that they can be refused below.
        wb = load_workbook(io.BytesIO(data), read_only=False, data_only=False)
    except Exception:  # noqa: BLE001 - any unreadable workbook is the same problem for the LA
        issue = Issue(
            display,
            None,
            None,
            "file.unreadable_workbook",
            "the workbook cannot be opened: save it again as an Excel .xlsx workbook",
        )
        return {t: LoadedTable(t, display, digest, None, [issue]) for t in tables}
    sheets = {ws.title.strip().lower(): ws for ws in wb.worksheets}
    fmt = year.era(census).strptime_format
    out: dict[str, LoadedTable] = {}
    for table in tables:
        where = f"{display} [sheet {table}]"
        ws = sheets.get(table)
        if ws is None:
            out[table] = LoadedTable(
                table,
                where,
                digest,
                None,
                [
                    Issue(
                        where,
                        None,
                        None,
                        "file.missing_sheet",
                        f"the workbook has no sheet named {table!r}; sheets found: "
                        f"{', '.join(w.title for w in wb.worksheets)}",
                    )
                ],
            )
            continue
        issues = []
        if ws.sheet_state != "visible":
            issues.append(
                Issue(
                    where,
                    None,
                    None,
                    "file.hidden_sheet",
                    f"the {table} sheet is hidden: unhide it, or remove it if it is not the return",
                )
            )
        if ws.merged_cells.ranges:
            first = sorted(str(r) for r in ws.merged_cells.ranges)[0]
            issues.append(
                Issue(
                    where,
                    None,
                    None,
                    "file.merged_cells",
                    f"the sheet has merged cells (e.g. {first}): unmerge them so each value has its own cell",
                )
            )
        issues += _formula_issues(ws, where)
        if issues:
            out[table] = LoadedTable(table, where, digest, None, issues)
            continue
        rows = [[_cell_text(v, fmt) for v in row] for row in ws.iter_rows(values_only=True)]
        width = max((len(r) for r in rows), default=0)
        header_width = len(rows[0]) if rows else 0
        while header_width and rows and not (rows[0][header_width - 1] or "").strip():
            header_width -= 1  # trailing empty header cells
        rows = [r[: max(header_width, _last_filled(r))] for r in rows] if width else rows
        out[table] = _table_from_rows(
            rows, list(range(1, len(rows) + 1)), where, digest, spec.tables[table], census, year
        )
    return out


def _formula_issues(ws, where: str, limit: int = 50) -> list[Issue]:
    """One issue per cell holding a formula (its cell and column, never the formula: it may hold data)."""
    header = {c.column: c.value for c in next(ws.iter_rows(min_row=1, max_row=1), ()) if c.data_type != "f"}
    issues = []
    for row in ws.iter_rows():
        for c in row:
            if c.data_type == "f":
                name = header.get(c.column)
                issues.append(
                    Issue(
                        where,
                        c.row,
                        _normalise(str(name)) if name is not None and c.row > 1 else None,
                        "file.formula",
                        f"cell {c.coordinate} holds a formula: the platform reads values only; copy the "
                        "sheet and paste it as values",
                    )
                )
                if len(issues) >= limit:
                    return issues
    return issues


def _last_filled(row: list[str]) -> int:
    for i in range(len(row), 0, -1):
        if (row[i - 1] or "").strip():
            return i
    return 0


WORKBOOK_NAME = "submission.xlsx"


def return_files(folder: Path) -> list[Path]:
    """The files of an LA return folder that cssd reads (CSVs and workbooks)."""
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in (".csv", ".xlsx"))


def read_la_return(
    landing_dir: Path, census: str, year: CollectionYear, la_code: str, tables: "tuple[str, ...] | None" = None
) -> dict[str, LoadedTable]:
    """Read the tables of one LA folder: ``<table>.csv`` files, or one workbook with a sheet per table."""
    folder = landing_dir / census / year.label / la_code
    return read_return_folder(folder, f"{census}/{year.label}/{la_code}", census, year, tables)


def read_return_folder(
    folder: Path, display_prefix: str, census: str, year: CollectionYear, tables: "tuple[str, ...] | None" = None
) -> dict[str, LoadedTable]:
    spec = submission_spec(census)
    tables = tables or spec.table_names
    if folder.is_file() and folder.suffix.lower() == ".xlsx":
        return read_workbook(folder, display_prefix, census, year, tables)
    files = return_files(folder)
    workbooks = [p for p in files if p.suffix.lower() == ".xlsx"]
    csvs = [p for p in files if p.suffix.lower() == ".csv"]
    if workbooks and csvs:
        issue = Issue(
            display_prefix,
            None,
            None,
            "file.mixed_formats",
            "the folder holds both CSV files and a workbook: send one or the other, not both",
        )
        return {t: LoadedTable(t, display_prefix, "", None, [issue]) for t in tables}
    if len(workbooks) > 1:
        issue = Issue(
            display_prefix,
            None,
            None,
            "file.several_workbooks",
            f"the folder holds {len(workbooks)} workbooks: send one, named {WORKBOOK_NAME}",
        )
        return {t: LoadedTable(t, display_prefix, "", None, [issue]) for t in tables}
    if workbooks:
        return read_workbook(workbooks[0], display_prefix, census, year, tables)
    by_name = {p.stem.strip().lower(): p for p in csvs}
    out: dict[str, LoadedTable] = {}
    for table in tables:
        display = f"{display_prefix}/{table}.csv"
        path = by_name.get(table)
        if path is None:
            out[table] = LoadedTable(
                table,
                display,
                "",
                None,
                [Issue(display, None, None, "file.missing", f"the {table} file is missing from the return")],
            )
            continue
        out[table] = read_csv_table(path, f"{display_prefix}/{path.name}", spec.tables[table], census, year)
    return out


def submitted_las(landing_dir: Path, census: str, year: CollectionYear) -> list[str]:
    folder = landing_dir / census / year.label
    if not folder.is_dir():
        return []
    return sorted(p.name for p in folder.iterdir() if p.is_dir())
