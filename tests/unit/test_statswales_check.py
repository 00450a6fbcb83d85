"""The StatsWales conformance check (orchestration/lib/statswales_check.py): files written the way
cssd writes them pass; each rule of the upload contract (spec/statswales.md), broken once, fails
with a finding that names the file, the line and the field."""

import json
import shutil
from pathlib import Path

import pytest

from orchestration.defs.outputs import lookups_in_memory
from orchestration.lib.outputs.lookups import write_lookups
from orchestration.lib.outputs.statswales import to_long_csv
from orchestration.lib.outputs.statswales_dataset import write_dataset
from orchestration.lib.publication import TABLES
from orchestration.lib.statswales_check import (
    check_data_file,
    check_dataset,
    check_output,
    check_year_folder,
    errors,
)
from tests.unit.test_release_workbook import make_tables

YEAR = "2024-25"


def _year_folder(root: Path, year: str = YEAR, notes: str = "") -> Path:
    folder = root / year / "statswales"
    folder.mkdir(parents=True)
    for table_id, frame in make_tables(year, notes).items():
        (folder / f"{table_id}.csv").write_bytes(to_long_csv(frame, TABLES[table_id].dimensions))
    write_lookups(folder / "lookups")
    return folder


@pytest.fixture(scope="module")
def good(tmp_path_factory) -> Path:
    """An output folder with two released years and the all-years datasets, as cssd writes them."""
    out = tmp_path_factory.mktemp("sw") / "output"
    _year_folder(out, "2023-24")
    _year_folder(out, YEAR, "[p]")
    for table_id in TABLES:
        write_dataset(out, table_id, YEAR, "rounding", "Children's statistics team, stats@example.gov.wales")
    return out


@pytest.fixture
def out(good, tmp_path) -> Path:
    copy = tmp_path / "output"
    shutil.copytree(good, copy)
    return copy


def _rules(findings) -> set[str]:
    return {f.rule for f in errors(findings)}


def _edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8", newline="")


def test_what_cssd_writes_conforms(good):
    findings = check_output(good)
    assert errors(findings) == [], [str(f) for f in errors(findings)][:10]
    # a contact is configured here: no warning either
    assert findings == []


def test_the_published_asset_check_passes_a_file_as_written(tmp_path):
    frame = make_tables(YEAR, "[p]")["crcs7"]
    path = tmp_path / "crcs7.csv"
    path.write_bytes(to_long_csv(frame, TABLES["crcs7"].dimensions))
    assert check_data_file(path, lookups_in_memory("crcs7"), "crcs7") == []


def test_no_contact_is_a_warning_not_an_error(out):
    meta = out / "statswales" / "cla1" / "metadata.json"
    m = json.loads(meta.read_text())
    m["contact"] = {"configured": False, "en": "No contact", "cy": "Dim cyswllt"}
    meta.write_text(json.dumps(m))
    findings = check_dataset(out / "statswales" / "cla1")
    assert errors(findings) == []
    assert [f.field for f in findings if f.level == "warning"] == ["contact"]


# --- the data file ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("table", "old", "new", "rule", "field"),
    [
        # key unique
        ("cla9", "2024-25,W06000002,count,12,p\n", "2024-25,W06000001,count,12,p\n", "key", ""),
        # key complete (never empty) and exact (no surrounding space)
        ("cla9", "2024-25,W06000002,count", "2024-25,,count", "key", "area_code"),
        ("cla9", "2024-25,W06000002,count", "2024-25,W06000002 ,count", "key", "area_code"),
        # value numeric or empty
        ("cla9", "2024-25,W92000004,count,1234,p", '2024-25,W92000004,count,"1,234",p', "value", "value"),
        ("cla9", "2024-25,W92000004,count,1234,p", "2024-25,W92000004,count,NA,p", "value", "value"),
        ("cla9", "2024-25,W92000004,count,1234,p", "2024-25,W92000004,count,1e3,p", "value", "value"),
        ("cla8", ",12.5,p", ",0.00001,p", "value", "value"),
        ("cla9", "2024-25,W92000004,count,1234,p", "2024-25,W92000004,count,,p", "value", "value"),
        # note codes valid, bare and ordered
        ("cla9", "2024-25,W92000004,count,1234,p", "2024-25,W92000004,count,1234,[p]", "notes", "note_codes"),
        ("cla1", 'count,1234,"p,t"', "count,1234,p t", "notes", "note_codes"),
        ("cla1", 'count,1234,"p,t"', 'count,1234,"t,p"', "notes", "note_codes"),
        ("cla9", "2024-25,W92000004,count,1234,p", "2024-25,W92000004,count,1234,q", "notes", "note_codes"),
        ("cla1", 'count,1234,"p,t"', "count,1234,p", "notes", "note_codes"),  # a total row without t
        # year
        ("cla9", "2024-25,W92000004", "2024/25,W92000004", "data", "year"),
    ],
)
def test_each_data_rule_broken_once_fails(out, table, old, new, rule, field):
    folder = out / YEAR / "statswales"
    assert check_year_folder(folder) == []
    _edit(folder / f"{table}.csv", old, new)
    found = [f for f in errors(check_year_folder(folder)) if f.path.endswith(f"{table}.csv")]
    assert found, "the broken rule was not found"
    # a broken key is also a code its lookup lacks: coverage may join in, nothing else
    assert rule in {f.rule for f in found} and {f.rule for f in found} <= {rule, "coverage"}, [str(f) for f in found]
    assert any(f.field == field for f in found), [str(f) for f in found]
    assert all(f.line for f in found if f.rule in ("key", "value", "notes")), "a row finding names its line"


def test_one_line_ending_style(out):
    path = out / YEAR / "statswales" / "cla9.csv"
    lines = path.read_bytes().split(b"\n")
    path.write_bytes(b"\r\n".join(lines[:3]) + b"\n" + b"\n".join(lines[3:]))
    assert "csv" in _rules(check_year_folder(path.parent))
    path.write_bytes(b"\r\n".join(lines))  # all CRLF is one style: fine
    assert check_data_file(path, None, "cla9") == []


@pytest.mark.parametrize(
    ("old", "new"),
    [
        ("year,area_code,measure,value,note_codes", "year,area_code,measure,Value,note_codes"),
        ("year,area_code,measure,value,note_codes", "year,area_code,measure,value,value"),
        ("2024-25,W92000004,count,1234,p\n", "2024-25,W92000004,count,1234,p,extra\n"),
    ],
)
def test_header_format_and_field_count(out, old, new):
    path = out / YEAR / "statswales" / "cla9.csv"
    _edit(path, old, new)
    assert "csv" in _rules(check_data_file(path))


# --- lookups ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lookup", "old", "new"),
    [
        ("legal_status_group.csv", "care_order,", "care_orders,"),  # a code the data uses is missing
        ("area_code.csv", "Ynys Môn", ""),  # no Welsh description
        ("legal_status_group.csv", "refcode,", "code,"),  # the join column is refcode
        ("legal_status_group.csv", ",1,total", ",1.5,total"),  # sort a whole number
        ("legal_status_group.csv", ",1,total", ",1,nowhere"),  # hierarchy: a refcode
        ("legal_status_group.csv", ",0,\n", ",0,care_order\n"),  # hierarchy: no cycle (total <-> care_order)
        ("measure.csv", ",integer,0,", ",,0,"),  # format never empty
        ("measure.csv", ",integer,0,", ",integer,none,"),  # decimals a whole number
    ],
)
def test_each_lookup_rule_broken_once_fails(out, lookup, old, new):
    folder = out / YEAR / "statswales"
    _edit(folder / "lookups" / lookup, old, new)
    rules = _rules(check_year_folder(folder))
    assert rules & {"lookup", "coverage"}, rules
    assert rules <= {"lookup", "coverage"}, rules


# --- the all-years dataset -------------------------------------------------------------------------


def test_dataset_rules(out):
    ds = out / "statswales" / "cla1"
    assert check_dataset(ds) == []
    meta = json.loads((ds / "metadata.json").read_text())
    meta["summary"]["cy"] = ""
    (ds / "metadata.json").write_text(json.dumps(meta))
    _edit(ds / "translations.csv", "Pob statws cyfreithiol", "")
    _edit(ds / "data.csv", "2023-24,W92000004,total,count,1234,t", "2023-24,W92000004,total,count,1234,")
    rules = _rules(check_dataset(ds))
    assert rules == {"metadata", "translations", "notes"}, rules
