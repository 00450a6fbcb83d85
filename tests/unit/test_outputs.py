import csv
import io

import pandas as pd
import pytest

from orchestration.lib.outputs.atomic import neutralise, write_bytes_atomic
from orchestration.lib.outputs.statswales import format_value, to_long_csv


@pytest.mark.parametrize(
    ("measure", "value", "notes", "expected"),
    [
        ("count", 12, "", "12"),
        ("count", 12.0, "", "12"),
        ("count", 0, "", "0"),
        ("rate_per_10000", 113.5, "", "113.5"),
        ("rate_per_10000", 7, "", "7.0"),
        ("count", None, "[x]", ""),
        ("count", 3, "[c]", ""),
        ("percent", 12.3, "[p]", "12.3"),
    ],
)
def test_values_are_text_counts_whole_rates_one_decimal(measure, value, notes, expected):
    assert format_value(measure, value, notes) == expected


def test_a_fractional_count_is_an_error():
    with pytest.raises(ValueError):
        format_value("count", 2.5, "")


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1+2", "'+1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("-5", "-5"),
        ("-3.2", "-3.2"),
        ("W06000015", "W06000015"),
        ("", ""),
    ],
)
def test_formulas_are_neutralised_numbers_are_not(cell, expected):
    assert neutralise(cell) == expected


def test_long_csv_layout_and_formula_neutralised():
    frame = pd.DataFrame(
        {
            "year": ["2019-20", "2019-20"],
            "area_code": ["W92000004", "W06000015"],
            "legal_status_group": ["total", "=cmd|' /C calc'!A0"],
            "measure": ["count", "count"],
            "value": [10, None],
            "note_codes": ["", "[x]"],
        }
    )
    rows = list(csv.reader(io.StringIO(to_long_csv(frame, ["legal_status_group"]).decode())))
    assert rows[0] == ["year", "area_code", "legal_status_group", "measure", "value", "note_codes"]
    assert rows[1] == ["2019-20", "W92000004", "total", "count", "10", "t"]  # a total row carries t
    assert rows[2][2].startswith("'=") and rows[2][4:] == ["", "x"]  # bare, as StatsWales reads it


def test_atomic_write_replaces_whole_file_and_leaves_no_temp(tmp_path):
    target = tmp_path / "out" / "f.csv"
    write_bytes_atomic(target, b"old")
    write_bytes_atomic(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in target.parent.iterdir()] == ["f.csv"]


def test_atomic_write_gives_the_usual_file_mode_not_a_private_one(tmp_path):
    import os
    import stat

    old = os.umask(0o022)
    try:
        write_bytes_atomic(tmp_path / "x.csv", b"a\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "x.csv").stat().st_mode) == 0o644
