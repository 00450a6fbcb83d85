"""Reading LA files: encodings, headers of every era, and files a real LA might send."""

from pathlib import Path

import pytest

from orchestration.lib.readers import decode, read_csv_table
from orchestration.lib.specs import submission_spec
from orchestration.lib.years import CollectionYear

SPEC = submission_spec("cla").tables["children"]
LAC_HEADER = "child_id,sex,date_of_birth,ethnicity,upn,uasc\n"


def _read(tmp_path: Path, data: bytes, year: str = "2019-20"):
    p = tmp_path / "children.csv"
    p.write_bytes(data)
    return read_csv_table(p, "cla/2019-20/W06000015/children.csv", SPEC, "cla", CollectionYear.parse(year))


def test_utf8_with_bom_and_windows_1252_are_both_read(tmp_path):
    assert decode(b"\xef\xbb\xbfchild_id")[0] == "child_id"
    text, enc = decode("Siân".encode("cp1252"))
    assert text == "Siân" and enc == "cp1252"
    loaded = _read(tmp_path, b"\xef\xbb\xbf" + (LAC_HEADER + "C1,M,2010-01-01,WBRI,,N\n").encode())
    assert loaded.issues == [] and list(loaded.frame["child_id"]) == ["C1"]


def test_header_case_and_spaces_do_not_matter(tmp_path):
    loaded = _read(tmp_path, b" Child_ID ,SEX,Date_Of_Birth,ethnicity,UPN,uasc\r\nC1,M,2010-01-01,WBRI,,N\r\n")
    assert loaded.issues == []
    assert list(loaded.frame.columns) == ["child_id", "sex", "date_of_birth", "ethnicity", "upn", "uasc", "_line"]


def test_empty_string_is_missing_and_line_numbers_count_the_header(tmp_path):
    loaded = _read(tmp_path, (LAC_HEADER + "C1,M,2010-01-01,WBRI,,N\n\nC2,F,2011-01-01,WBRI, ,N\n").encode())
    assert list(loaded.frame["_line"]) == [2, 4]
    assert loaded.frame["upn"].isna().all()


def test_another_eras_columns_are_named_as_such(tmp_path):
    loaded = _read(tmp_path, b"CHILD,SEX,DOB,ETHNIC,UPN\nC1,1,01/01/2010,WBRI,\n")
    assert [i.rule for i in loaded.issues] == ["file.wrong_era"]
    assert "SSDA903 era" in loaded.issues[0].message and "LAC era" in loaded.issues[0].message


def test_missing_and_extra_columns(tmp_path):
    loaded = _read(tmp_path, b"child_id,sex,date_of_birth,ethnicity,postcode,uasc\nC1,M,2010-01-01,WBRI,CF10,N\n")
    assert {(i.rule, i.field) for i in loaded.issues} == {
        ("file.missing_column", "upn"),
        ("file.unexpected_column", "postcode"),
    }


@pytest.mark.parametrize(
    ("data", "rule"),
    [(b"", "file.empty"), (b"   \n\n", "file.empty"), (b"\x00\x01\x02PK", "file.binary")],
)
def test_empty_and_binary_files(tmp_path, data, rule):
    assert [i.rule for i in _read(tmp_path, data).issues] == [rule]


def test_truncated_file_names_the_row(tmp_path):
    loaded = _read(tmp_path, (LAC_HEADER + "C1,M,2010-01-01,WBRI,,N\nC2,F,2011-0").encode())
    assert [(i.rule, i.row) for i in loaded.issues] == [("file.ragged_row", 3)]
    assert loaded.frame is None
