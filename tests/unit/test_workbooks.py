"""A return sent as one workbook (a sheet per table) gives the same data as the CSVs."""

import csv
from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from orchestration.lib.ingest import validate_return
from orchestration.lib.years import CollectionYear
from tests.conftest import TEST_KEY

Y = CollectionYear.parse("2016-17")
TABLES = ("children", "episodes", "adoptions", "care_leavers")
DATE_COLUMNS = {
    "date_of_birth",
    "episode_start_date",
    "episode_end_date",
    "date_decision",
    "date_placed",
    "date_adopted",
}


def _workbook_from_csvs(folder: Path, target: Path, real_dates: bool = True) -> Workbook:
    wb = Workbook()
    wb.remove(wb.active)
    for table in TABLES:
        ws = wb.create_sheet(table)
        with (folder / f"{table}.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        ws.append(rows[0])
        for r in rows[1:]:
            ws.append(
                [
                    datetime.strptime(v, "%Y-%m-%d") if real_dates and h in DATE_COLUMNS and v else (v or None)
                    for h, v in zip(rows[0], r, strict=True)
                ]
            )
    wb.save(target)
    return wb


@pytest.fixture
def cardiff(small_landing) -> Path:
    return small_landing / "landing" / "cla" / "2016-17" / "W06000015"


def test_workbook_with_real_dates_matches_the_csvs(cardiff, tmp_path):
    from_csv = validate_return(cardiff, "cla", Y, "W06000015", TEST_KEY)
    folder = tmp_path / "cla" / "2016-17" / "W06000015"
    folder.mkdir(parents=True)
    _workbook_from_csvs(cardiff, folder / "submission.xlsx")
    from_xlsx = validate_return(folder, "cla", Y, "W06000015", TEST_KEY)
    assert from_csv.passed and from_xlsx.passed, from_xlsx.issues
    for t in ("children", "episodes"):
        a = from_csv.tables[t].drop(columns=["source_line"]).reset_index(drop=True)
        b = from_xlsx.tables[t].drop(columns=["source_line"]).reset_index(drop=True)
        assert a.astype(str).equals(b.astype(str)), t


def test_workbook_path_can_be_validated_directly(cardiff, tmp_path):
    path = tmp_path / "submission.xlsx"
    _workbook_from_csvs(cardiff, path)
    assert validate_return(path, "cla", Y, "W06000015", TEST_KEY, previous=None).passed


def test_missing_hidden_and_merged_sheets_are_named(cardiff, tmp_path):
    path = tmp_path / "submission.xlsx"
    wb = _workbook_from_csvs(cardiff, path)
    wb.remove(wb["care_leavers"])
    wb["adoptions"].sheet_state = "hidden"
    wb["children"].merge_cells("A2:B2")
    wb.save(path)
    result = validate_return(path, "cla", Y, "W06000015", TEST_KEY, previous=None)
    rules = {i.rule for i in result.errors}
    assert {"file.missing_sheet", "file.hidden_sheet", "file.merged_cells"} <= rules
    assert any("sheet care_leavers" in i.file for i in result.errors)


def test_folder_with_both_csvs_and_a_workbook_is_refused(cardiff):
    _workbook_from_csvs(cardiff, cardiff / "submission.xlsx")
    result = validate_return(cardiff, "cla", Y, "W06000015", TEST_KEY)
    assert [i.rule for i in result.errors][:1] == ["file.mixed_formats"]
