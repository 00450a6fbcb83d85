"""The release workbook (ODS and XLSX): GSS layout, numbers as numbers, note codes, no formulas, same bytes."""

import io
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import openpyxl
import pandas as pd
import pytest

from orchestration.lib.outputs import workbook
from orchestration.lib.outputs.workbook import ReleaseNotes, build_grid, write_workbooks
from orchestration.lib.publication import TABLES, expected_cells
from orchestration.lib.reference import WALES
from orchestration.lib.translations import text

YEAR = "2024-25"
NS = {
    "table": "urn:oasis:names:tc:opendocument:xmlns:table:1.0",
    "office": "urn:oasis:names:tc:opendocument:xmlns:office:1.0",
    "text": "urn:oasis:names:tc:opendocument:xmlns:text:1.0",
}
TBL = "{" + NS["table"] + "}"
OFF = "{" + NS["office"] + "}"
SHEETS = ["Cover", "Contents", "Notes", *(t.upper() for t in TABLES)]
HEADER_ROW = 6  # title, three lines of text, then the header


def make_frame(table_id: str, year: str = YEAR, notes: str = "") -> pd.DataFrame:
    """A complete published frame: counts 12 (Wales 1234), other measures 12.5; CLA1 care orders [c]."""
    spec = TABLES[table_id]
    rows = []
    for area, *keys, measure in sorted(expected_cells(table_id)):
        value = "1234" if area == WALES else "12"
        if measure not in workbook.COUNT_MEASURES:
            value = "12.5"
        if measure == "difference":
            value = "-3"
        codes = notes
        if table_id == "cla1" and keys == ["care_order"] and area != WALES:
            value, codes = "", "[c]"
        if table_id == "crcs8" and keys[0] == "started" and keys[1] != "total":
            value, codes = "", "[z]"
        rows.append(
            {"year": year, "area_code": area, **dict(zip(spec.dimensions, keys, strict=True)), "measure": measure}
            | {"value": value, "note_codes": codes}
        )
    return pd.DataFrame(rows)


def make_tables(year: str = YEAR, notes: str = "") -> dict[str, pd.DataFrame]:
    return {t: make_frame(t, year, notes) for t in TABLES}


def _ods_sheets(path: Path) -> dict[str, list[list[ET.Element]]]:
    with zipfile.ZipFile(path) as z:
        root = ET.fromstring(z.read("content.xml"))
    out = {}
    for table in root.iter(TBL + "table"):
        rows = []
        for tr in table.iter(TBL + "table-row"):
            rows.append([c for c in tr if c.tag in (TBL + "table-cell", TBL + "covered-table-cell")])
        out[table.get(TBL + "name")] = rows
    return out


def _ods_text(cell: ET.Element) -> str:
    return "".join("".join(p.itertext()) for p in cell.iter("{" + NS["text"] + "}p"))


@pytest.fixture(scope="module")
def written(tmp_path_factory) -> tuple[Path, Path]:
    out = tmp_path_factory.mktemp("wb")
    return write_workbooks(out, "release", YEAR, make_tables(), ReleaseNotes())


def test_sheet_names_and_order(written):
    ods, xlsx = written
    assert openpyxl.load_workbook(xlsx).sheetnames == SHEETS
    assert list(_ods_sheets(ods)) == SHEETS


def test_a1_holds_a_title_on_every_sheet(written):
    ods, xlsx = written
    wb = openpyxl.load_workbook(xlsx)
    for name in SHEETS:
        a1 = wb[name]["A1"].value
        assert isinstance(a1, str) and a1.strip(), name
    assert wb["CLA1"]["A1"].value.startswith("CLA1: Children looked after at 31 March")
    assert YEAR in wb["CLA1"]["A1"].value
    for name, rows in _ods_sheets(ods).items():
        assert _ods_text(rows[0][0]) == wb[name]["A1"].value, name


def test_no_merged_cells(written):
    ods, xlsx = written
    wb = openpyxl.load_workbook(xlsx)
    assert all(not wb[n].merged_cells.ranges for n in SHEETS)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode("utf-8")
    assert "covered-table-cell" not in content
    assert "number-columns-spanned" not in content and "number-rows-spanned" not in content


def test_numbers_are_numbers_and_codes_are_shown(written):
    ods, xlsx = written
    ws = openpyxl.load_workbook(xlsx)["CLA1"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[:4] == [
        "Area code",
        "Area name",
        "All legal statuses: number",
        "All legal statuses: rate per 10,000 children aged 0 to 17",
    ]
    wales = [c.value for c in ws[HEADER_ROW + 1]]
    assert wales[:4] == [WALES, "Wales", 1234, 12.5]
    assert isinstance(wales[2], int) and ws.cell(HEADER_ROW + 1, 3).data_type == "n"
    assert ws.cell(HEADER_ROW + 1, 3).number_format == "#,##0"
    la = [c.value for c in ws[HEADER_ROW + 2]]
    assert la[4] == "[c]"  # care orders of an LA
    rec = openpyxl.load_workbook(xlsx)["REC1"]
    assert rec.cell(HEADER_ROW + 1, 5).value == -3

    rows = _ods_sheets(ods)["CLA1"]
    wales_row = rows[HEADER_ROW]
    assert wales_row[2].get(OFF + "value-type") == "float" and wales_row[2].get(OFF + "value") == "1234"
    assert _ods_text(wales_row[2]) == "1,234"
    assert wales_row[3].get(OFF + "value") == "12.5"
    la_row = rows[HEADER_ROW + 1]
    assert la_row[4].get(OFF + "value-type") == "string" and _ods_text(la_row[4]) == "[c]"


def test_same_content_in_both_formats(written):
    ods, xlsx = written
    wb = openpyxl.load_workbook(xlsx)
    for name, rows in _ods_sheets(ods).items():
        ws = wb[name]
        assert ws.max_row == len(rows), name
        for r, row in enumerate(rows, start=1):
            for c, cell in enumerate(row, start=1):
                x = ws.cell(r, c).value
                if cell.get(OFF + "value-type") == "float":
                    assert float(cell.get(OFF + "value")) == x, (name, r, c)
                else:
                    assert _ods_text(cell) == x, (name, r, c)


def test_no_blank_rows_columns_or_cells_inside_a_table(written):
    _, xlsx = written
    wb = openpyxl.load_workbook(xlsx)
    for name in SHEETS[3:]:
        ws = wb[name]
        width = len([c for c in ws[HEADER_ROW] if c.value is not None])
        assert width == ws.max_column, name
        for r in range(1, HEADER_ROW):  # text above the table: column A only, no blank rows
            assert ws.cell(r, 1).value, (name, r)
        for r in range(HEADER_ROW, ws.max_row + 1):
            for c in range(1, width + 1):
                v = ws.cell(r, c).value
                assert v is not None and v != "", (name, r, c)
        spec = TABLES[name.lower()]
        rows = len(spec.areas()) * (len(spec.keys[spec.dimensions[0]]) if len(spec.dimensions) == 2 else 1)
        assert ws.max_row == HEADER_ROW + rows, name
        assert list(ws.tables) == [f"table_{name}"]


def test_formula_like_labels_are_neutralised(tmp_path: Path, monkeypatch):
    evil = '=HYPERLINK("http://example.invalid","click")'
    monkeypatch.setattr(workbook, "la_names", lambda *a: {WALES: evil})
    notes = {"title": evil, "contact": "+44 29 0000 0000", "status": "@provisional"}
    ods, xlsx = write_workbooks(tmp_path, "release", YEAR, {"cla1": make_frame("cla1")}, notes)
    wb = openpyxl.load_workbook(xlsx)
    assert wb["Cover"]["A1"].value == "'" + evil + ", " + YEAR
    wales_name = wb["CLA1"].cell(HEADER_ROW + 1, 2)
    assert wales_name.value == "'" + evil and wales_name.data_type == "s"
    with zipfile.ZipFile(xlsx) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert not any(b"<f>" in z.read(n) or b"<f " in z.read(n) for n in sheets)
    with zipfile.ZipFile(ods) as z:
        content = z.read("content.xml").decode("utf-8")
    assert "table:formula" not in content
    assert _ods_text(_ods_sheets(ods)["CLA1"][HEADER_ROW][1]) == "'" + evil


def test_two_writes_give_identical_bytes(tmp_path: Path):
    a = write_workbooks(tmp_path / "a", "release", YEAR, make_tables(), {})
    # another ODS in between: odfpy keeps process-wide namespace state, which must not leak into the bytes
    write_workbooks(tmp_path / "x", "other", "2019-20", {"cla9": make_frame("cla9", "2019-20")}, {})
    b = write_workbooks(tmp_path / "b", "release", YEAR, make_tables(), {})
    for p, q in zip(a, b, strict=True):
        assert p.read_bytes() == q.read_bytes(), p.name
    with zipfile.ZipFile(io.BytesIO(a[0].read_bytes())) as z:
        assert z.namelist()[0] == "mimetype" and z.infolist()[0].compress_type == zipfile.ZIP_STORED
        assert {i.date_time for i in z.infolist()} == {workbook.ZIP_TIME}
    with zipfile.ZipFile(a[1]) as z:
        core = z.read("docProps/core.xml").decode("utf-8")
    assert "2000-01-01T00:00:00Z" in core


def test_provisional_everywhere_goes_in_the_title_and_numbers_stay_numeric(tmp_path: Path):
    _, xlsx = write_workbooks(tmp_path, "release", YEAR, {"cla2": make_frame("cla2", notes="[p]")}, {})
    ws = openpyxl.load_workbook(xlsx)["CLA2"]
    assert ws["A1"].value.endswith(", provisional [p]")
    assert ws.cell(HEADER_ROW + 1, 3).value == 1234
    assert ws.cell(HEADER_ROW, ws.max_column).value != text("workbook.header.row_notes")


def test_a_code_on_some_figures_goes_in_a_notes_column(tmp_path: Path):
    frame = make_frame("cla9")
    frame.loc[frame["area_code"] == "W06000015", "note_codes"] = "[r]"
    grid = build_grid("cla9", frame, YEAR)
    assert grid.table_codes == [] and grid.row_notes is not None
    _, xlsx = write_workbooks(tmp_path, "release", YEAR, {"CLA9": frame}, {})
    ws = openpyxl.load_workbook(xlsx)["CLA9"]
    assert ws.cell(HEADER_ROW, 4).value == text("workbook.header.row_notes")
    notes = {ws.cell(r, 1).value: ws.cell(r, 4).value for r in range(HEADER_ROW + 1, ws.max_row + 1)}
    assert notes["W06000015"] == "Number [r]"
    assert notes[WALES] == "None"
    assert ws.cell(HEADER_ROW + 1, 3).value == 1234


def test_a_missing_cell_or_a_value_without_code_is_refused():
    frame = make_frame("cla9")
    with pytest.raises(ValueError, match="no cell"):
        build_grid("cla9", frame.iloc[1:], YEAR)
    frame.loc[0, "value"] = ""
    with pytest.raises(ValueError, match="no value and no note code"):
        build_grid("cla9", frame, YEAR)
    with pytest.raises(ValueError, match="no rows"):
        build_grid("cla9", make_frame("cla9"), "2019-20")


def test_release_notes_from_a_dict():
    rn = ReleaseNotes.coerce({"status": "final", "notes": [("1", "Only note", ["CLA1"])]})
    assert rn.status_text() == "These figures are final."
    assert rn.notes_for("CLA1") == ["1"] and rn.notes_for("CLA2") == []
    with pytest.raises(ValueError, match="unknown release note fields"):
        ReleaseNotes.coerce({"titel": "x"})


def test_the_welsh_workbook_is_in_welsh(tmp_path):
    ods, xlsx = write_workbooks(tmp_path, "release-cy", YEAR, make_tables(), ReleaseNotes(lang="cy"))
    wb = openpyxl.load_workbook(xlsx)
    assert wb.sheetnames[:3] == ["Clawr", "Cynnwys", "Nodiadau"]
    assert "CLA1" in wb.sheetnames
    cla1 = wb["CLA1"]
    assert cla1["A1"].value.startswith("CLA1: Plant sy'n derbyn gofal ar 31 Mawrth")
    header = [c.value for c in cla1[HEADER_ROW]]
    assert header[:2] == ["Cod ardal", "Enw'r ardal"] and header[2].startswith("Pob statws cyfreithiol")
    assert "Ynys Môn" in [c.value for c in cla1["B"]]
    assert "Clawr" in _ods_sheets(ods)


def test_the_contact_comes_from_configuration_never_a_placeholder():
    none = ReleaseNotes()
    assert not none.contact_configured
    assert none.contact_text().startswith("No contact has been configured")
    assert none.in_language("cy").contact_text().startswith("Nid oes manylion cyswllt")
    given = ReleaseNotes(contact="Children's statistics team, stats@example.gov.wales")
    assert given.contact_text() == "Contact: Children's statistics team, stats@example.gov.wales"
    assert given.in_language("cy").contact_text().startswith("Cyswllt: Children's statistics team")
    for lang in ("en", "cy"):
        assert "[" not in ReleaseNotes(lang=lang).contact_text()  # no "[name ... to be added]" placeholder


def test_each_table_says_what_x_means_in_it(written):
    _, xlsx = written
    wb = openpyxl.load_workbook(xlsx)
    cla1 = " ".join(str(c.value) for c in wb["CLA1"]["A"][:HEADER_ROW])
    cla2 = " ".join(str(c.value) for c in wb["CLA2"]["A"][:HEADER_ROW])
    assert "did not submit a return" in cla1 and "population estimate" in cla1
    assert "did not submit a return" in cla2 and "population estimate" not in cla2
