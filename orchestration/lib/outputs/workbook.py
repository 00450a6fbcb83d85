"""The release workbook: one accessible spreadsheet, written as ODS (odfpy) and XLSX (openpyxl).

Layout (GSS "Releasing statistics in spreadsheets"):

- ``Cover``: title, year, what the workbook holds, the status (e.g. provisional), the disclosure
  policy in words, a contact.
- ``Contents``: one row per sheet (sheet name linked to the sheet, table title, notes).
- ``Notes``: one table explaining the note codes ([c] [x] [z] [p] [r]) and the numbered notes.
- one sheet per table, named by the table id (``CLA1`` …): title in A1, a few lines of text in
  column A (what the sheet holds, units, which notes apply), then the table as a wide grid: one row
  per area (and per first dimension key for two-dimension tables), one column per key × measure,
  with a plain-English header row and area code and area name columns.

Every sheet's text sits in column A above the table; a sheet holds at most one table; no cell is
merged; the table has no blank rows, columns or cells.

Note codes and numbers (GSS guidance: a number cell must hold only the number, so it stays a number
that can be sorted and calculated with; a shorthand goes in the cell *instead* of a figure that cannot
be shown, and markers for figures that are shown go in a separate column or in the title):

- a cell without a figure (``[c]``, ``[x]``, ``[z]``) holds its note code as text, e.g. ``[c]``;
- a figure is always stored as a number (counts whole, ``#,##0``; rates, percentages and medians
  ``#,##0.0``), never as text like ``1,235 [p]``;
- a code carried by a figure that is shown (``[p]``, ``[r]``) that applies to *every* figure of the
  table goes into the table title (e.g. "…, 2025-26, provisional [p]") — this is the usual case, a
  release is provisional as a whole, and the cover says so too;
- any other such code goes into a final "Notes on figures in this row" column that names the
  column(s) it applies to (the column then holds "None" on rows without one, so no cell is blank).

Every text cell is passed through ``neutralise`` (no cell can be read as a formula in either format)
and every file is written with ``write_bytes_atomic``. The bytes are deterministic: document dates
are fixed and both zips are rewritten with fixed entry timestamps, so the same input gives
byte-identical files.
"""

import io
import re
import zipfile
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pandas as pd

from orchestration.lib.outputs.atomic import neutralise, write_bytes_atomic
from orchestration.lib.outputs.lookups import DIMENSION_LABELS, MEASURE_LABELS, NOTE_CODES, key_label
from orchestration.lib.outputs.signoff_line import signoff_cover_texts
from orchestration.lib.publication import TABLES, PublishedTable
from orchestration.lib.reference import la_names

COUNT_MEASURES = frozenset({"count", "crcs_count", "cla_count", "difference"})
EMPTY_VALUE_CODES = ("[c]", "[x]", "[z]")
CODE_RE = re.compile(r"\[[a-z]\]")
FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
ROW_NOTES_HEADER = "Notes on figures in this row"

DISCLOSURE_POLICIES = {
    "rounding": (
        "Every count is rounded to the nearest 5; a count of 1 to 4 is shown as [c] and 0 is shown as 0. "
        "Totals and subtotals are computed from unrounded counts and then rounded on their own, so figures "
        "need not add up to the totals shown. A percentage, rate or median whose own count is 1 to 4, or a "
        "percentage or median of fewer than 10 children, is shown as [c]. Where rounding alone would let a "
        "[c] count be worked out exactly from a total, that total is also shown as [c]."
    ),
    "suppression": (
        "Counts are shown exactly, except that a count of 1 to 4 is shown as [c], and further cells are "
        "shown as [c] along every total and subtotal so that no withheld count can be worked out to within "
        "5 by subtraction. A percentage, rate or median whose own count is 1 to 4, or a percentage or "
        "median of fewer than 10 children, is shown as [c]."
    ),
}

# (number, text, tables it applies to; empty = all tables)
DEFAULT_NOTES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "1",
        "Figures are for the collection year 1 April to 31 March; 'at 31 March' figures are a snapshot on "
        "the census date. Totals are computed from unrounded counts, so figures need not add up to them.",
        (),
    ),
    (
        "2",
        "Every table has a row for Wales and each of the 22 local authorities. A local authority that did not "
        "submit a return has [x] cells, and so does every Wales figure of that census and year.",
        (),
    ),
    (
        "3",
        "Rates per 10,000 are the count divided by the ONS mid-year estimate of children aged 0 to 17 for "
        "the mid-year before the census date, times 10,000, from unrounded counts. Where no estimate is held "
        "the rate is [x]. Rates are given on totals only.",
        ("cla1", "crcs1"),
    ),
    (
        "4",
        "Short-break episodes (legal status V3 or V4) are removed before any other definition is applied; "
        "they are counted only in CLA9.",
        ("cla1", "cla2", "cla3", "cla4", "cla5", "cla6", "cla7", "cla8", "cla9"),
    ),
    (
        "5",
        "A child transferred in from another local authority counts as a start in the receiving authority "
        "but not in the Wales row.",
        ("cla4",),
    ),
    (
        "6",
        "Percentages are computed from unrounded counts. The denominator is the same area's total in the "
        "table (CLA7: the care leavers; CRCS4 to CRCS6: all children receiving care and support; CRCS7: the "
        "children eligible for the check). A percentage or median of no children is [z].",
        ("cla6", "cla7", "cla8", "crcs2", "crcs4", "crcs5", "crcs6", "crcs7"),
    ),
    (
        "7",
        "A child is counted as receiving care and support when their plan started on or before 1 January "
        "and is open on 31 March, and they are born and under 18 on 31 March. Children are counted, not plans.",
        ("crcs1", "crcs2", "crcs3", "crcs4", "crcs5", "crcs6", "crcs7", "rec1"),
    ),
    (
        "8",
        "Unborn children are shown separately, are not in the total and have no rate; they are left out of "
        "every other CRCS table.",
        ("crcs1",),
    ),
    ("9", "The child's mental health was first collected in 2016-17: earlier years are [z].", ("crcs6",)),
    (
        "10",
        "Plans are counted, not children. Plans closed by reason are collected from 2023-24: earlier years "
        "are [z]. Plans started have no reason for closure, so those cells are [z].",
        ("crcs8",),
    ),
    (
        "11",
        "The difference is the CRCS count minus the CLA count. The CRCS start rule (plan started on or "
        "before 1 January) makes the CRCS count lower for children who came into care after 1 January.",
        ("rec1",),
    ),
)

DEFAULT_QUALITY: tuple[str, ...] = (
    "The figures are compiled from the record-level returns of the 22 local authorities. Each return is "
    "validated against the published rule pack; a return with errors is not used until it is resubmitted.",
    "Every year's tables have the same rows and columns: a figure that does not exist in a year is [z], not left out.",
)


@dataclass(frozen=True)
class ReleaseNotes:
    """The words around the figures: shared by the workbook and release.html."""

    title: str = "Children's social services statistics for Wales"
    status: str = "provisional"  # provisional | final | revised | any text
    disclosure: str = DISCLOSURE_POLICIES["rounding"]
    contact: str = "Contact: [statistician's name, team and email address to be added before publication]"
    source: str = (
        "Children looked after (CLA) and children receiving care and support (CRCS) returns from the 22 "
        "local authorities in Wales"
    )
    published: str = ""
    notes: tuple[tuple[str, str, tuple[str, ...]], ...] = DEFAULT_NOTES
    quality: tuple[str, ...] = DEFAULT_QUALITY
    extra: dict = field(default_factory=dict, compare=False)

    @classmethod
    def coerce(cls, value: "ReleaseNotes | dict | None") -> "ReleaseNotes":
        if value is None:
            return cls()
        if isinstance(value, ReleaseNotes):
            return value
        names = {f.name for f in fields(cls)}
        unknown = set(value) - names
        if unknown:
            raise ValueError(f"unknown release note fields {sorted(unknown)}; expected some of {sorted(names)}")
        kwargs = dict(value)
        if "notes" in kwargs:
            kwargs["notes"] = tuple((str(n), str(t), tuple(x.lower() for x in ts)) for n, t, ts in kwargs["notes"])
        if "quality" in kwargs:
            kwargs["quality"] = tuple(kwargs["quality"])
        return cls(**kwargs)

    def status_text(self) -> str:
        s = self.status.strip().lower()
        if s == "provisional":
            return "These figures are provisional [p]: they may be revised in a later release."
        if s == "final":
            return "These figures are final."
        if s == "revised":
            return "This release revises figures published earlier; revised figures are marked [r]."
        return self.status

    def notes_for(self, table_id: str) -> list[str]:
        return [n for n, _, ts in self.notes if not ts or table_id.lower() in ts]


# ---------------------------------------------------------------------------------------------------
# The table grid: shared by the workbook and release.html


@dataclass(frozen=True)
class GridCell:
    value: int | float | None  # None: not shown, the codes say why
    codes: str  # the note codes as given, e.g. "", "[c]", "[p]"
    header: str


@dataclass(frozen=True)
class Grid:
    table_id: str  # upper case, e.g. CLA1
    title: str  # the table's title (without id or year)
    label_headers: list[str]  # Area code, Area name[, first dimension]
    value_headers: list[str]
    rows: list[tuple[list[str], list[GridCell]]]
    table_codes: list[str]  # codes on every figure shown: said once, in the title
    row_notes: list[str] | None  # per row, the other codes on figures shown; None: no such codes

    @property
    def headers(self) -> list[str]:
        return self.label_headers + self.value_headers + ([ROW_NOTES_HEADER] if self.row_notes is not None else [])


def prev_year(year: str) -> str:
    start = int(year[:4]) - 1
    return f"{start}-{str(start + 1)[2:]}"


def parse_value(measure: str, value: object, codes: str, where: str) -> int | float | None:
    if any(c in codes for c in EMPTY_VALUE_CODES):
        return None
    if value is None or (not isinstance(value, str) and pd.isna(value)) or str(value).strip() == "":
        raise ValueError(f"{where}: no value and no note code")
    try:
        d = Decimal(str(value).strip())
    except InvalidOperation as e:
        raise ValueError(f"{where}: value {value!r} is not a number") from e
    if measure in COUNT_MEASURES:
        if d != d.to_integral_value():
            raise ValueError(f"{where}: count {value!r} is not a whole number")
        return int(d)
    return float(d)


def note_codes_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return " ".join(str(value).split())


def _column_header(spec: PublishedTable, key: str | None, measure: str) -> str:
    m = MEASURE_LABELS[measure]
    if key is None:
        return m
    dim = spec.dimensions[-1]
    return f"{key_label(dim, key)}: {m[0].lower() + m[1:]}"


def normalise_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Table id (lower case) -> frame, in the published order of TABLES; unknown ids are an error."""
    by_id = {k.lower(): v for k, v in tables.items()}
    unknown = set(by_id) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables {sorted(unknown)}")
    return {t: by_id[t] for t in TABLES if t in by_id}


def build_grid(table_id: str, frame: pd.DataFrame, year: str) -> Grid:
    """The wide, human-readable grid of one published (long) table for one year."""
    spec = TABLES[table_id.lower()]
    tid = spec.table_id.upper()
    if "year" in frame.columns:
        frame = frame[frame["year"].astype(str) == year]
    cells: dict[tuple[str, ...], tuple[object, str]] = {}
    for rec in frame.to_dict("records"):
        key = (str(rec["area_code"]), *(str(rec[d]) for d in spec.dimensions), str(rec["measure"]))
        cells[key] = (rec.get("value"), note_codes_text(rec.get("note_codes")))
    if not cells:
        raise ValueError(f"{tid}: no rows for {year}")

    dims = spec.dimensions
    row_dims, col_dim = (dims[:1], dims[1]) if len(dims) == 2 else ([], dims[0] if dims else None)
    columns = (
        [(k, m) for k in spec.keys[col_dim] for m in spec.measures_for(k)]
        if col_dim
        else [(None, m) for m in spec.measures_for(None)]
    )
    value_headers = [_column_header(spec, k, m) for k, m in columns]
    label_headers = ["Area code", "Area name", *(DIMENSION_LABELS[d] for d in row_dims)]
    row_keys = [(k,) for k in spec.keys[row_dims[0]]] if row_dims else [()]
    names = la_names()

    rows: list[tuple[list[str], list[GridCell]]] = []
    for area in spec.areas():
        for rk in row_keys:
            labels = [area, names.get(area, area), *(key_label(d, k) for d, k in zip(row_dims, rk, strict=True))]
            line = []
            for (k, m), header in zip(columns, value_headers, strict=True):
                cell_key = (area, *rk, *((k,) if k is not None else ()), m)
                if cell_key not in cells:
                    raise ValueError(f"{tid} {year}: no cell {cell_key}")
                value, codes = cells[cell_key]
                line.append(GridCell(parse_value(m, value, codes, f"{tid} {year} {cell_key}"), codes, header))
            rows.append((labels, line))

    shown = [c for _, line in rows for c in line if c.value is not None]
    code_sets = [set(CODE_RE.findall(c.codes)) for c in shown]
    table_codes = sorted(set.intersection(*code_sets)) if code_sets else []
    row_notes: list[str] = []
    for _, line in rows:
        parts = []
        for c in line:
            extra = [x for x in CODE_RE.findall(c.codes) if x not in table_codes] if c.value is not None else []
            if extra:
                parts.append(f"{c.header} {' '.join(extra)}")
        row_notes.append("; ".join(parts) if parts else "None")
    has_row_notes = any(n != "None" for n in row_notes)
    return Grid(
        table_id=tid,
        title=spec.title,
        label_headers=label_headers,
        value_headers=value_headers,
        rows=rows,
        table_codes=table_codes,
        row_notes=row_notes if has_row_notes else None,
    )


CODE_WORDS = {"[p]": "provisional", "[r]": "revised"}


def grid_title(grid: Grid, year: str) -> str:
    title = f"{grid.table_id}: {grid.title}, {year}"
    for code in grid.table_codes:
        title += f", {CODE_WORDS.get(code, 'every figure')} {code}"
    return title


# ---------------------------------------------------------------------------------------------------
# The workbook model: both formats are rendered from it, so they hold the same content


@dataclass(frozen=True)
class Cell:
    value: str | int | float
    style: str = "text"  # title | heading | text | header | label | code | count | decimal | link
    link: str | None = None  # sheet to link to (style "link")


@dataclass
class Sheet:
    name: str
    rows: list[list[Cell]]
    widths: list[float]  # column widths in characters
    table_header_row: int | None = None  # 0-based row of the table's header (None: no table)


def _t(text: str, style: str = "text", link: str | None = None) -> Cell:
    return Cell(neutralise(str(text)), style, link)


def _num(value: int | float, measure_is_count: bool) -> Cell:
    return Cell(value, "count" if measure_is_count else "decimal")


def _cover(notes: ReleaseNotes, year: str, grids: list[Grid]) -> Sheet:
    rows = [
        [_t(f"{notes.title}, {year}", "title")],
        [_t("About this release", "heading")],
        [
            _t(
                f"This workbook holds the official statistics on children looked after (CLA) and children "
                f"receiving care and support (CRCS) in Wales for {year}: the year 1 April to 31 March, with "
                f"'at 31 March' figures on the census date."
            )
        ],
        [_t(f"Source: {notes.source}.")],
        [_t("What this workbook contains", "heading")],
        [
            _t(
                f"{len(grids)} tables, one per sheet, listed on the Contents sheet. The Notes sheet explains the "
                "note codes and the numbered notes."
            )
        ],
        [_t("Status", "heading")],
        [_t(notes.status_text())],
        *[[_t(t, style)] for t, style in zip(signoff_cover_texts(notes), ("heading", "text"), strict=True)],
        [_t("Disclosure control", "heading")],
        [_t(notes.disclosure)],
        [_t("Note codes", "heading")],
        [
            _t(
                "A cell shows a note code instead of a figure when the figure cannot be shown: [c] confidential, "
                "[x] not available, [z] not applicable. [p] provisional and [r] revised mark figures that are "
                "shown. Figures are stored as numbers."
            )
        ],
        [_t("Contact", "heading")],
        [_t(notes.contact)],
    ]
    if notes.published:
        rows += [[_t("Published", "heading")], [_t(notes.published)]]
    return Sheet("Cover", rows, [110])


def _contents(grids: list[Grid], year: str, notes: ReleaseNotes) -> Sheet:
    rows = [
        [_t("Contents", "title")],
        [_t("This worksheet contains one table. Select a sheet name to go to that sheet.")],
        [_t("Sheet name", "header"), _t("Table title", "header"), _t("Notes", "header")],
        [_t("Notes", "link", "Notes"), _t("Note codes and numbered notes"), _t("Explains the notes of every table")],
    ]
    for g in grids:
        applies = notes.notes_for(g.table_id)
        rows.append(
            [
                _t(g.table_id, "link", g.table_id),
                _t(grid_title(g, year)),
                _t(", ".join(f"Note {n}" for n in applies) if applies else "None"),
            ]
        )
    return Sheet("Contents", rows, [14, 100, 40], table_header_row=2)


def _notes_sheet(grids: list[Grid], notes: ReleaseNotes) -> Sheet:
    rows = [
        [_t("Notes", "title")],
        [
            _t(
                "This worksheet contains one table. A note code replaces a figure that cannot be shown, or marks "
                "a figure that is shown; a numbered note applies to the tables listed."
            )
        ],
        [_t("Note", "header"), _t("Description", "header"), _t("Tables", "header")],
    ]
    for code, text in NOTE_CODES.items():
        rows.append([_t(code, "label"), _t(text), _t("Any table")])
    ids = [g.table_id for g in grids]
    for number, text, applies in notes.notes:
        listed = [t for t in ids if not applies or t.lower() in applies]
        if not listed:
            continue
        rows.append([_t(f"Note {number}", "label"), _t(text), _t("All tables" if not applies else ", ".join(listed))])
    return Sheet("Notes", rows, [12, 110, 40], table_header_row=2)


def _table_sheet(grid: Grid, year: str, notes: ReleaseNotes) -> Sheet:
    spec = TABLES[grid.table_id.lower()]
    unit = "plans" if spec.table_id == "crcs8" else "children"
    applies = notes.notes_for(grid.table_id)
    rows = [
        [_t(grid_title(grid, year), "title")],
        [
            _t(
                "This worksheet contains one table. Some cells show a note code instead of a figure; the codes "
                "are explained on the Notes sheet."
            )
        ],
        [
            _t(
                f"Figures are numbers of {unit} unless the column heading says otherwise; rates, percentages "
                "and medians have one decimal place. Counts are after disclosure control (see the Cover sheet)."
            )
        ],
        [_t("Notes that apply to this table: " + (", ".join(f"Note {n}" for n in applies) or "none") + ".")],
        [_t(h, "header") for h in grid.headers],
    ]
    for i, (labels, line) in enumerate(grid.rows):
        out = [_t(x, "label") for x in labels]
        for c, (_, m) in zip(line, _measures(spec), strict=True):
            out.append(_t(c.codes, "code") if c.value is None else _num(c.value, m in COUNT_MEASURES))
        if grid.row_notes is not None:
            out.append(_t(grid.row_notes[i]))
        rows.append(out)
    widths = [12, 24] + [28] * (len(grid.label_headers) - 2) + [18] * len(grid.value_headers)
    if grid.row_notes is not None:
        widths.append(40)
    return Sheet(grid.table_id, rows, widths, table_header_row=4)


def _measures(spec: PublishedTable) -> list[tuple[str | None, str]]:
    dims = spec.dimensions
    col_dim = dims[-1] if dims else None
    if col_dim is None:
        return [(None, m) for m in spec.measures_for(None)]
    return [(k, m) for k in spec.keys[col_dim] for m in spec.measures_for(k)]


def build_sheets(year: str, tables: dict[str, pd.DataFrame], notes: "ReleaseNotes | dict | None") -> list[Sheet]:
    rn = ReleaseNotes.coerce(notes)
    grids = [build_grid(t, f, year) for t, f in normalise_tables(tables).items()]
    return [
        _cover(rn, year, grids),
        _contents(grids, year, rn),
        _notes_sheet(grids, rn),
        *(_table_sheet(g, year, rn) for g in grids),
    ]


# ---------------------------------------------------------------------------------------------------
# Rendering


_ROOT_TAG = re.compile(r"<([A-Za-z:-]+)((?:\s+[^\s=>]+=\"[^\"]*\")*)\s*(/?)>")
_ATTR = re.compile(r"([^\s=]+)=\"([^\"]*)\"")


def _canonical_namespaces(xml: str) -> str:
    """odfpy declares on the root element every namespace the *process* has seen, in first-seen order
    (a class-level dict): keep the ones the document uses, sorted, so the bytes do not depend on history."""
    decl_end = xml.index("?>") + 2 if xml.startswith("<?xml") else 0
    m = _ROOT_TAG.search(xml, decl_end)
    if m is None:
        return xml
    body = xml[m.end() :]
    attrs = _ATTR.findall(m.group(2))
    kept = []
    for name, value in attrs:
        if name.startswith("xmlns:"):
            prefix = name[6:]
            if f"{prefix}:" not in body and not any(n.startswith(f"{prefix}:") for n, _ in attrs):
                continue
        kept.append((name, value))
    kept.sort(key=lambda a: (not a[0].startswith("xmlns"), a[0]))
    tag = f"<{m.group(1)}" + "".join(f' {n}="{v}"' for n, v in kept) + f"{m.group(3)}>"
    return xml[: m.start()] + tag + body


def _fixed_zip(data: bytes, canonical_xml: bool = False) -> bytes:
    """The same archive with fixed entry timestamps and permissions (ODS: canonical namespace lists)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            payload = src.read(info.filename)
            if canonical_xml and info.filename.endswith(".xml"):
                payload = _canonical_namespaces(payload.decode("utf-8")).encode("utf-8")
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_TIME)
            zi.compress_type = info.compress_type
            zi.external_attr = 0o644 << 16
            zi.create_system = 3
            dst.writestr(zi, payload)
    return out.getvalue()


def render_xlsx(sheets: list[Sheet], title: str) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.properties import CalcProperties
    from openpyxl.worksheet.hyperlink import Hyperlink
    from openpyxl.worksheet.table import Table, TableStyleInfo
    from openpyxl.writer.excel import ExcelWriter

    wb = Workbook()
    wb.remove(wb.active)
    fonts = {
        "title": Font(bold=True, size=15),
        "heading": Font(bold=True, size=13),
        "header": Font(bold=True),
        "link": Font(color="0563C1", underline="single"),
    }
    formats = {"count": "#,##0", "decimal": "#,##0.0"}
    wrap = Alignment(wrap_text=True, vertical="top")
    right = Alignment(horizontal="right")
    for sheet in sheets:
        ws = wb.create_sheet(sheet.name)
        for r, row in enumerate(sheet.rows, start=1):
            for c, cell in enumerate(row, start=1):
                xc = ws.cell(row=r, column=c)
                if isinstance(cell.value, str):
                    xc.value = cell.value
                    xc.data_type = "s"  # never a formula, whatever the text
                else:
                    xc.value = cell.value
                if cell.style in fonts:
                    xc.font = fonts[cell.style]
                if cell.style in formats:
                    xc.number_format = formats[cell.style]
                if cell.style == "code":
                    xc.alignment = right
                if cell.style == "header" or (sheet.table_header_row is None and r > 1):
                    xc.alignment = wrap
                if cell.link:
                    xc.hyperlink = Hyperlink(ref=xc.coordinate, location=f"'{cell.link}'!A1", display=cell.value)
        for i, w in enumerate(sheet.widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = w
        if sheet.table_header_row is not None:
            top = sheet.table_header_row + 1
            ncols = len(sheet.rows[sheet.table_header_row])
            ref = f"A{top}:{get_column_letter(ncols)}{len(sheet.rows)}"
            table = Table(displayName=f"table_{sheet.name}", ref=ref)
            table.tableStyleInfo = TableStyleInfo(name="TableStyleLight1", showRowStripes=False)
            ws.add_table(table)
    wb.properties.title = title
    wb.properties.creator = "cssd"
    wb.properties.lastModifiedBy = "cssd"
    wb.properties.created = FIXED_TIME
    wb.properties.modified = FIXED_TIME
    wb.calculation = CalcProperties(fullCalcOnLoad=False)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return _fixed_zip(buf.getvalue())


def _ods_text(text: str):
    from odf.text import P

    return P(text=text)


def render_ods(sheets: list[Sheet], title: str) -> bytes:
    from odf import dc
    from odf.number import Number, NumberStyle
    from odf.opendocument import OpenDocumentSpreadsheet
    from odf.style import ParagraphProperties, Style, TableCellProperties, TableColumnProperties, TextProperties
    from odf.table import Table, TableCell, TableColumn, TableRow
    from odf.text import A, P

    doc = OpenDocumentSpreadsheet()
    doc.meta.addElement(dc.Title(text=title))
    doc.meta.addElement(dc.Creator(text="cssd"))
    styles = {}
    for name, size in (("title", "15pt"), ("heading", "13pt"), ("header", None)):
        s = Style(name=name, family="table-cell")
        s.addElement(TextProperties(fontweight="bold", **({"fontsize": size} if size else {})))
        if name == "header":
            s.addElement(TableCellProperties(wrapoption="wrap", verticalalign="top"))
        doc.automaticstyles.addElement(s)
        styles[name] = s
    for name, places in (("count", "0"), ("decimal", "1")):
        ns = NumberStyle(name=f"N{name}")
        ns.addElement(Number(decimalplaces=places, minintegerdigits="1", grouping="true"))
        doc.automaticstyles.addElement(ns)
        s = Style(name=name, family="table-cell", datastylename=f"N{name}")
        doc.automaticstyles.addElement(s)
        styles[name] = s
    code = Style(name="code", family="table-cell")
    code.addElement(ParagraphProperties(textalign="end"))
    doc.automaticstyles.addElement(code)
    styles["code"] = code
    wrapped = Style(name="wrapped", family="table-cell")
    wrapped.addElement(TableCellProperties(wrapoption="wrap", verticalalign="top"))
    doc.automaticstyles.addElement(wrapped)
    col_styles: dict[float, Style] = {}

    for sheet in sheets:
        table = Table(name=sheet.name)
        for w in sheet.widths:
            if w not in col_styles:
                cs = Style(name=f"co{len(col_styles) + 1}", family="table-column")
                cs.addElement(TableColumnProperties(columnwidth=f"{w * 0.19:.2f}cm"))
                doc.automaticstyles.addElement(cs)
                col_styles[w] = cs
            table.addElement(TableColumn(stylename=col_styles[w]))
        for r, row in enumerate(sheet.rows):
            tr = TableRow()
            for cell in row:
                style = styles.get(cell.style)
                if cell.style == "text" and sheet.table_header_row is None and r > 0:
                    style = wrapped
                kw = {"stylename": style} if style is not None else {}
                if isinstance(cell.value, str):
                    tc = TableCell(valuetype="string", **kw)
                    if cell.link:
                        p = P()
                        p.addElement(A(type="simple", href=f"#{cell.link}.A1", text=cell.value))
                        tc.addElement(p)
                    else:
                        tc.addElement(_ods_text(cell.value))
                else:
                    shown = f"{cell.value:,}" if cell.style == "count" else f"{cell.value:,.1f}"
                    tc = TableCell(valuetype="float", value=repr(cell.value), **kw)
                    tc.addElement(P(text=shown))
                tr.addElement(tc)
            table.addElement(tr)
        doc.spreadsheet.addElement(table)
    buf = io.BytesIO()
    doc.write(buf)
    return _fixed_zip(buf.getvalue(), canonical_xml=True)


def write_workbooks(
    out_dir: Path,
    release_name: str,
    year: str,
    tables: dict[str, pd.DataFrame],
    notes: "ReleaseNotes | dict | None" = None,
) -> tuple[Path, Path]:
    """Write ``<release_name>.ods`` and ``<release_name>.xlsx`` (the same content); return their paths."""
    rn = ReleaseNotes.coerce(notes)
    sheets = build_sheets(year, tables, rn)
    title = neutralise(f"{rn.title}, {year}")
    ods_path = out_dir / f"{release_name}.ods"
    xlsx_path = out_dir / f"{release_name}.xlsx"
    write_bytes_atomic(ods_path, render_ods(sheets, title))
    write_bytes_atomic(xlsx_path, render_xlsx(sheets, title))
    return ods_path, xlsx_path
