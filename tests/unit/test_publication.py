"""The registry of published tables: the cells each file must hold, reading back and checking files."""

import csv
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from orchestration.lib.outputs.statswales import write_long_csv
from orchestration.lib.publication import (
    TABLES,
    expected_cells,
    read_publication_table,
    statswales_path,
    verify_statswales_file,
)
from orchestration.lib.reference import WALES, area_order
from orchestration.paths import MAPPING_SEEDS_DIR

YEAR = "2024-25"
AREAS = 23


@pytest.mark.parametrize(
    ("table_id", "cells_per_area"),
    [
        ("cla1", 6 + 1),  # 6 legal-status keys, rate on total
        ("cla2", 8),  # 7 placement groups + total
        ("cla4", 9),  # N1-N8 + total
        ("cla5", 9),  # 8 ceased groups + total
        ("cla6", 6 + 1),  # 5 age groups + total, median on total
        ("cla7", 1 + 3 * 2),  # total count; count and percent on 3 outcomes
        ("cla8", 1 + 2),  # total count; 3_or_more count and percent
        ("cla9", 1),  # no dimension: one count per area
        ("crcs1", 5 + 1),  # 3 statuses + total + unborn, rate on total
        ("crcs2", 1 + 9 * 2),  # total count; count and percent on N1-N9
        ("crcs4", 13 * 2),  # 12 disability codes + total (any), count and percent on each
        ("crcs5", 6 * 2),  # 5 parental factors + total (any), count and percent on each
        ("crcs6", 4 * 2),  # 3 factors + total (any), count and percent on each
        ("crcs7", 2 * (1 + 3 * 2)),  # 2 items x (eligible total; count and percent on yes/no/not_recorded)
        ("crcs8", 2 * 9),  # started/closed x RC1-RC8 + total, counts
        ("rec1", 3),  # no dimension: crcs_count, cla_count, difference
    ],
)
def test_every_area_has_every_key_and_measure(table_id, cells_per_area):
    cells = expected_cells(table_id)
    assert len(cells) == AREAS * cells_per_area
    assert {c[0] for c in cells} == set(area_order())


def test_crcs3_is_wales_only_sex_by_age_group_like_cla3():
    assert expected_cells("crcs3") == expected_cells("cla3")


def test_crcs_rates_and_percentages_only_where_the_spec_puts_them():
    assert (WALES, "total", "rate_per_10000") in expected_cells("crcs1")
    assert (WALES, "unborn", "rate_per_10000") not in expected_cells("crcs1")
    assert (WALES, "total", "percent") not in expected_cells("crcs2")
    assert (WALES, "N9", "percent") in expected_cells("crcs2")
    assert (WALES, "total", "percent") in expected_cells("crcs4")  # any disability, of all children
    assert (WALES, "dental_check", "total", "percent") not in expected_cells("crcs7")
    assert (WALES, "dental_check", "not_recorded", "percent") in expected_cells("crcs7")
    assert (WALES, "started", "RC1", "count") in expected_cells("crcs8")  # written, as [z]
    assert expected_cells("rec1") == {(a, m) for a in area_order() for m in ("crcs_count", "cla_count", "difference")}


def test_cla3_is_wales_only_sex_by_age_group():
    cells = expected_cells("cla3")
    assert {c[0] for c in cells} == {WALES}
    assert len(cells) == 4 * 6
    assert (WALES, "total", "total", "count") in cells
    assert (WALES, "other", "under_1", "count") in cells


def test_percent_and_median_only_where_the_spec_puts_them():
    assert (WALES, "total", "median_age") in expected_cells("cla6")
    assert (WALES, "under_1", "median_age") not in expected_cells("cla6")
    assert (WALES, "in_touch", "percent") in expected_cells("cla7")
    assert (WALES, "total", "percent") not in expected_cells("cla7")
    assert (WALES, "3_or_more", "percent") in expected_cells("cla8")
    assert (WALES, "total", "percent") not in expected_cells("cla8")
    assert expected_cells("cla9") == {(a, "count") for a in area_order()}


def _dimension_keys() -> dict[str, list[tuple[int, str]]]:
    out: dict[str, list[tuple[int, str]]] = {}
    with (MAPPING_SEEDS_DIR / "dimension_keys.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["dimension"], []).append((int(r["sort_order"]), r["key"]))
    return out


def test_registry_keys_are_the_lookup_keys_in_their_sort_order():
    lookups = _dimension_keys()
    for spec in TABLES.values():
        for dim in spec.dimensions:
            seeded = [k for _, k in sorted(lookups[dim]) if k in spec.keys[dim]]
            assert seeded == spec.keys[dim], (spec.table_id, dim)
            # `total` comes first where a dimension has one (CRCS7 health_item and CRCS8 flow
            # have none: publication.md lists their keys without it).
            if "total" in spec.keys[dim]:
                assert spec.keys[dim][0] == "total", (spec.table_id, dim)
            else:
                assert (spec.table_id, dim) in {("crcs7", "health_item"), ("crcs8", "flow")}


def _frame(table_id: str, value: object = 1, notes: str = "") -> pd.DataFrame:
    spec = TABLES[table_id]
    rows = []
    for area, *keys, measure in sorted(expected_cells(table_id)):
        rows.append(
            {"year": YEAR, "area_code": area, **dict(zip(spec.dimensions, keys, strict=True)), "measure": measure}
            | {"value": value, "note_codes": notes}
        )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("table_id", sorted(TABLES))
def test_a_complete_file_reads_back_clean(tmp_path: Path, table_id: str):
    path = statswales_path(tmp_path, YEAR, table_id)
    write_long_csv(path, _frame(table_id), TABLES[table_id].dimensions)
    assert verify_statswales_file(path, table_id, YEAR) == []


def test_a_file_with_a_missing_cell_or_an_empty_value_is_reported(tmp_path: Path):
    frame = _frame("cla9")
    path = statswales_path(tmp_path, YEAR, "cla9")
    write_long_csv(path, frame.iloc[1:], [])
    assert any("1 cells missing" in p for p in verify_statswales_file(path, "cla9", YEAR))

    frame = _frame("cla3", value=None)
    path = statswales_path(tmp_path, YEAR, "cla3")
    write_long_csv(path, frame, ["sex", "age_group"])
    assert any("no value and no note code" in p for p in verify_statswales_file(path, "cla3", YEAR))


def test_a_wales_only_file_with_an_la_row_is_reported(tmp_path: Path):
    frame = _frame("cla3", notes="[x]")
    extra = frame.iloc[[0]].assign(area_code=area_order()[1])
    path = statswales_path(tmp_path, YEAR, "cla3")
    write_long_csv(path, pd.concat([frame, extra]), ["sex", "age_group"])
    assert any("1 unexpected cells" in p for p in verify_statswales_file(path, "cla3", YEAR))


def test_read_publication_table_orders_areas_keys_and_measures_and_handles_no_dimension():
    con = duckdb.connect()
    con.execute("create schema publication")
    con.execute(
        "create table publication.pub_cla9 (year varchar, area_code varchar, measure varchar, "
        "value decimal(18,1), note_codes varchar)"
    )
    con.execute(
        "insert into publication.pub_cla9 values (?, ?, 'count', 2, ''), (?, ?, 'count', 2, ''), "
        "('2023-24', ?, 'count', null, '[x]')",
        [YEAR, area_order()[2], YEAR, WALES, WALES],
    )
    frame = read_publication_table(con, "cla9", [YEAR])
    assert list(frame.columns) == ["year", "area_code", "measure", "value", "note_codes"]
    assert list(frame["area_code"]) == [WALES, area_order()[2]]

    con.execute(
        "create table publication.pub_cla6 (year varchar, area_code varchar, age_group varchar, "
        "measure varchar, value decimal(18,1), note_codes varchar)"
    )
    con.execute(
        "insert into publication.pub_cla6 values "
        f"('{YEAR}', '{WALES}', 'under_1', 'count', 0, ''), "
        f"('{YEAR}', '{WALES}', 'total', 'median_age', 4, ''), "
        f"('{YEAR}', '{WALES}', 'total', 'count', 3, '')"
    )
    frame = read_publication_table(con, "cla6", [YEAR])
    assert list(zip(frame["age_group"], frame["measure"], strict=True)) == [
        ("total", "count"),
        ("total", "median_age"),
        ("under_1", "count"),
    ]
