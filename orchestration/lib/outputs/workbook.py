"""The release workbook: one accessible spreadsheet, written as ODS (odfpy) and XLSX (openpyxl), in
English and in Welsh (``<release>.ods`` / ``.xlsx`` and ``<release>-cy.ods`` / ``-cy.xlsx``).

Layout (GSS "Releasing statistics in spreadsheets"):

- ``Cover`` (``Clawr``): title, year, what the workbook holds, the status (e.g. provisional), the
  disclosure policy in words, the contact (from configuration; said plainly when none is set).
- ``Contents`` (``Cynnwys``): one row per sheet (sheet name linked to the sheet, table title, notes).
- ``Notes`` (``Nodiadau``): one table explaining the note codes ([c] [x] [z] [p] [r]) and the
  numbered notes.
- one sheet per table, named by the table id (``CLA1`` …): title in A1, a few lines of text in
  column A (what the sheet holds, units, which notes apply, what [x] means in it), then the table
  as a wide grid: one row per area (and per first dimension key for two-dimension tables), one
  column per key × measure, with a plain-language header row and area code and area name columns.

Every text comes from the translation catalogue (``orchestration/lib/translations``) in the
workbook's language; a text without its Welsh is an error, never a blank.

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
from orchestration.lib.outputs.lookups import NOTE_CODES, dimension_label, key_label, measure_label, note_code_text
from orchestration.lib.outputs.signoff_line import signoff_cover_texts
from orchestration.lib.publication import TABLES, PublishedTable
from orchestration.lib.reference import la_names
from orchestration.lib.translations import LANGUAGES, text

COUNT_MEASURES = frozenset({"count", "crcs_count", "cla_count", "difference"})
EMPTY_VALUE_CODES = ("[c]", "[x]", "[z]")
CODE_RE = re.compile(r"\[[a-z]\]")
FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)
ZIP_TIME = (2000, 1, 1, 0, 0, 0)
POLICIES = ("rounding", "suppression")

# The numbered notes (their texts are note.<n> in the catalogue) and the tables each applies to
# (empty = all tables).
NOTE_TABLES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("1", ()),
    ("2", ()),
    ("3", ("cla1", "crcs1")),
    ("4", ("cla1", "cla2", "cla3", "cla4", "cla5", "cla6", "cla7", "cla8", "cla9")),
    ("5", ("cla4",)),
    ("6", ("cla6", "cla7", "cla8", "crcs2", "crcs4", "crcs5", "crcs6", "crcs7")),
    ("7", ("crcs1", "crcs2", "crcs3", "crcs4", "crcs5", "crcs6", "crcs7", "rec1")),
    ("8", ("crcs1",)),
    ("9", ("crcs6",)),
    ("10", ("crcs8",)),
    ("11", ("rec1",)),
)
QUALITY_KEYS = ("quality.1", "quality.2")
# Tables with a rate: [x] there also means no population estimate (publication.md, Rates).
RATE_TABLES = ("cla1", "crcs1")


def disclosure_text(policy: str, lang: str = "en") -> str:
    if policy not in POLICIES:
        raise ValueError(f"unknown disclosure policy {policy!r}: use one of {', '.join(POLICIES)}")
    return text(f"disclosure.{policy}", lang)


def x_reason(table_id: str, lang: str = "en") -> str:
    """What [x] (not available) means in this table, in words: why a figure is not available."""
    tid = table_id.lower()
    if tid == "rec1":
        return text("xreason.rec1", lang)
    if TABLES[tid].wales_only:
        return text("xreason.wales_only", lang)
    reason = text("xreason.no_return", lang)
    if tid in RATE_TABLES:
        reason += " " + text("xreason.no_population", lang)
    return reason


def default_notes(lang: str) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    return tuple((n, text(f"note.{n}", lang), tables) for n, tables in NOTE_TABLES)


@dataclass(frozen=True)
class ReleaseNotes:
    """The words around the figures, in one language: shared by the workbook and release.html.

    Empty fields take the catalogue's text in ``lang``. ``contact`` is the configured contact
    (``CSSD_CONTACT``); when none is configured the release says so plainly (``release.no_contact``),
    never a placeholder."""

    lang: str = "en"
    title: str = ""
    status: str = "provisional"  # provisional | final | revised | any text
    policy: str = "rounding"
    disclosure: str = ""
    contact: str = ""
    source: str = ""
    published: str = ""
    notes: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    quality: tuple[str, ...] = ()
    extra: dict = field(default_factory=dict, compare=False)

    def __post_init__(self) -> None:
        if self.lang not in LANGUAGES:
            raise ValueError(f"unknown language {self.lang!r}: use one of {', '.join(LANGUAGES)}")
        fill = {
            "title": lambda: text("release.title", self.lang),
            "disclosure": lambda: disclosure_text(self.policy, self.lang),
            "source": lambda: text("release.source", self.lang),
            "notes": lambda: default_notes(self.lang),
            "quality": lambda: tuple(text(k, self.lang) for k in QUALITY_KEYS),
        }
        for name, make in fill.items():
            if not getattr(self, name):
                object.__setattr__(self, name, make())

    @property
    def contact_configured(self) -> bool:
        return bool(self.contact.strip())

    def contact_text(self) -> str:
        if self.contact_configured:
            return text("release.contact", self.lang, contact=self.contact.strip())
        return text("release.no_contact", self.lang)

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

    def in_language(self, lang: str) -> "ReleaseNotes":
        """The same release in ``lang``: status, policy, contact and dates kept; the texts from the catalogue."""
        return ReleaseNotes(
            lang=lang,
            status=self.status,
            policy=self.policy,
            contact=self.contact,
            published=self.published,
            extra=self.extra,
        )

    def t(self, key: str, **values: object) -> str:
        return text(key, self.lang, **values)

    def status_text(self) -> str:
        s = self.status.strip().lower()
        if s in ("provisional", "final", "revised"):
            return self.t(f"release.status.{s}")
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
    title: str  # the table's title (without id or year), in the grid's language
    label_headers: list[str]  # Area code, Area name[, first dimension]
    value_headers: list[str]
    rows: list[tuple[list[str], list[GridCell]]]
    table_codes: list[str]  # codes on every figure shown: said once, in the title
    row_notes: list[str] | None  # per row, the other codes on figures shown; None: no such codes
    lang: str = "en"

    @property
    def headers(self) -> list[str]:
        extra = [text("workbook.header.row_notes", self.lang)] if self.row_notes is not None else []
        return self.label_headers + self.value_headers + extra


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


def _column_header(spec: PublishedTable, key: str | None, measure: str, lang: str) -> str:
    m = measure_label(measure, lang)
    if key is None:
        return m
    dim = spec.dimensions[-1]
    return f"{key_label(dim, key, lang)}: {m[0].lower() + m[1:]}"


def table_title(table_id: str, lang: str = "en") -> str:
    return text(f"table.{table_id.lower()}.title", lang)


def normalise_tables(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Table id (lower case) -> frame, in the published order of TABLES; unknown ids are an error."""
    by_id = {k.lower(): v for k, v in tables.items()}
    unknown = set(by_id) - set(TABLES)
    if unknown:
        raise ValueError(f"unknown tables {sorted(unknown)}")
    return {t: by_id[t] for t in TABLES if t in by_id}


def build_grid(table_id: str, frame: pd.DataFrame, year: str, lang: str = "en") -> Grid:
    """The wide, human-readable grid of one published (long) table for one year, in ``lang``."""
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
    value_headers = [_column_header(spec, k, m, lang) for k, m in columns]
    label_headers = [
        text("workbook.header.area_code", lang),
        text("workbook.header.area_name", lang),
        *(dimension_label(d, lang) for d in row_dims),
    ]
    row_keys = [(k,) for k in spec.keys[row_dims[0]]] if row_dims else [()]
    names = la_names(lang)

    rows: list[tuple[list[str], list[GridCell]]] = []
    for area in spec.areas():
        for rk in row_keys:
            labels = [area, names.get(area, area), *(key_label(d, k, lang) for d, k in zip(row_dims, rk, strict=True))]
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
    none = text("workbook.none", lang)
    row_notes: list[str] = []
    for _, line in rows:
        parts = []
        for c in line:
            extra = [x for x in CODE_RE.findall(c.codes) if x not in table_codes] if c.value is not None else []
            if extra:
                parts.append(f"{c.header} {' '.join(extra)}")
        row_notes.append("; ".join(parts) if parts else none)
    has_row_notes = any(n != none for n in row_notes)
    return Grid(
        table_id=tid,
        title=table_title(spec.table_id, lang),
        label_headers=label_headers,
        value_headers=value_headers,
        rows=rows,
        table_codes=table_codes,
        row_notes=row_notes if has_row_notes else None,
        lang=lang,
    )


def grid_title(grid: Grid, year: str) -> str:
    title = f"{grid.table_id}: {grid.title}, {year}"
    for code in grid.table_codes:
        word = text(f"code_word.{code.strip('[]')}", grid.lang) if code in ("[p]", "[r]") else None
        title += f", {word or text('code_word.every', grid.lang)} {code}"
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


def _t(value: str, style: str = "text", link: str | None = None) -> Cell:
    return Cell(neutralise(str(value)), style, link)


def _num(value: int | float, measure_is_count: bool) -> Cell:
    return Cell(value, "count" if measure_is_count else "decimal")


def sheet_name(kind: str, lang: str) -> str:
    """The name of the Cover, Contents or Notes sheet in ``lang``."""
    return text(f"workbook.sheet.{kind}", lang)


def _cover(notes: ReleaseNotes, year: str, grids: list[Grid]) -> Sheet:
    t = notes.t
    rows = [
        [_t(f"{notes.title}, {year}", "title")],
        [_t(t("workbook.cover.about_heading"), "heading")],
        [_t(t("workbook.cover.about", year=year))],
        [_t(t("release.source_line", source=notes.source))],
        [_t(t("workbook.cover.contents_heading"), "heading")],
        [_t(t("workbook.cover.contents", n=len(grids)))],
        [_t(t("workbook.cover.status_heading"), "heading")],
        [_t(notes.status_text())],
        *[[_t(line, style)] for line, style in zip(signoff_cover_texts(notes), ("heading", "text"), strict=True)],
        [_t(t("release.disclosure_heading"), "heading")],
        [_t(notes.disclosure)],
        [_t(t("release.note_codes_heading"), "heading")],
        [_t(t("workbook.cover.codes"))],
        [_t(t("release.contact_heading"), "heading")],
        [_t(notes.contact_text())],
    ]
    if notes.published:
        rows += [[_t(t("workbook.cover.published_heading"), "heading")], [_t(notes.published)]]
    return Sheet(sheet_name("cover", notes.lang), rows, [110])


def _note_list(numbers: list[str], notes: ReleaseNotes) -> str:
    return ", ".join(notes.t("workbook.note_n", n=n) for n in numbers) if numbers else notes.t("workbook.none")


def _contents(grids: list[Grid], year: str, notes: ReleaseNotes) -> Sheet:
    t = notes.t
    notes_sheet = sheet_name("notes", notes.lang)
    rows = [
        [_t(sheet_name("contents", notes.lang), "title")],
        [_t(t("workbook.contents.intro"))],
        [
            _t(t("workbook.header.sheet"), "header"),
            _t(t("workbook.header.title"), "header"),
            _t(t("workbook.header.notes"), "header"),
        ],  # fmt: skip
        [
            _t(notes_sheet, "link", notes_sheet),
            _t(t("workbook.contents.notes_title")),
            _t(t("workbook.contents.notes_notes")),
        ],  # fmt: skip
    ]
    for g in grids:
        rows.append(
            [
                _t(g.table_id, "link", g.table_id),
                _t(grid_title(g, year)),
                _t(_note_list(notes.notes_for(g.table_id), notes)),
            ]
        )
    return Sheet(sheet_name("contents", notes.lang), rows, [14, 100, 40], table_header_row=2)


def _notes_sheet(grids: list[Grid], notes: ReleaseNotes) -> Sheet:
    t = notes.t
    rows = [
        [_t(sheet_name("notes", notes.lang), "title")],
        [_t(t("workbook.notes.intro"))],
        [
            _t(t("workbook.header.note"), "header"),
            _t(t("workbook.header.description"), "header"),
            _t(t("workbook.header.tables"), "header"),
        ],  # fmt: skip
    ]
    for code in NOTE_CODES:
        rows.append([_t(code, "label"), _t(note_code_text(code, notes.lang)), _t(t("workbook.notes.any_table"))])
    ids = [g.table_id for g in grids]
    for number, note, applies in notes.notes:
        listed = [x for x in ids if not applies or x.lower() in applies]
        if not listed:
            continue
        where = t("workbook.notes.all_tables") if not applies else ", ".join(listed)
        rows.append([_t(t("workbook.note_n", n=number), "label"), _t(note), _t(where)])
    return Sheet(sheet_name("notes", notes.lang), rows, [12, 110, 40], table_header_row=2)


def _table_sheet(grid: Grid, year: str, notes: ReleaseNotes) -> Sheet:
    spec = TABLES[grid.table_id.lower()]
    t = notes.t
    unit = t("workbook.unit.plans" if spec.table_id == "crcs8" else "workbook.unit.children")
    rows = [
        [_t(grid_title(grid, year), "title")],
        [_t(t("workbook.table.intro"))],
        [_t(t("workbook.table.units", unit=unit))],
        [_t(t("workbook.table.notes_apply", notes=_note_list(notes.notes_for(grid.table_id), notes)))],
        [_t(t("workbook.table.x", reason=x_reason(spec.table_id, notes.lang)))],
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
    return Sheet(grid.table_id, rows, widths, table_header_row=5)


def _measures(spec: PublishedTable) -> list[tuple[str | None, str]]:
    dims = spec.dimensions
    col_dim = dims[-1] if dims else None
    if col_dim is None:
        return [(None, m) for m in spec.measures_for(None)]
    return [(k, m) for k in spec.keys[col_dim] for m in spec.measures_for(k)]


def build_sheets(year: str, tables: dict[str, pd.DataFrame], notes: "ReleaseNotes | dict | None") -> list[Sheet]:
    rn = ReleaseNotes.coerce(notes)
    grids = [build_grid(t, f, year, rn.lang) for t, f in normalise_tables(tables).items()]
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
