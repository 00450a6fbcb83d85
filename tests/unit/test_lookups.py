"""StatsWales lookup CSVs (spec/statswales.md, Lookups): one per dimension column, plus areas and
measures; refcode, both languages for every code, whole-number sort, a hierarchy without cycles."""

import csv
from pathlib import Path

from orchestration.lib.outputs import lookups
from orchestration.lib.outputs.lookups import LOOKUP_COLUMNS, MEASURE_COLUMNS, write_lookups
from orchestration.lib.publication import MEASURE_ORDER, TABLES
from orchestration.lib.reference import WALES
from orchestration.lib.statswales_check import check_lookup_file


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_a_lookup_for_every_dimension_areas_and_measures(tmp_path: Path):
    paths = write_lookups(tmp_path / "lookups")
    names = {p.stem for p in paths}
    dims = {d for spec in TABLES.values() for d in spec.dimensions}
    assert names == dims | {"area_code", "measure"}
    for p in paths:
        header, rows = _read(p)
        assert header == (MEASURE_COLUMNS if p.stem == "measure" else LOOKUP_COLUMNS), p.name
        assert [int(r["sort"]) for r in rows] == sorted(int(r["sort"]) for r in rows), p.name
        codes = {r["refcode"] for r in rows}
        assert len(codes) == len(rows), p.name
        assert all(r["description_en"] and r["description_cy"] for r in rows), p.name  # both languages
        assert all(r["hierarchy"] in codes for r in rows if r["hierarchy"]), p.name  # parents exist
        _, problems = check_lookup_file(p)
        assert problems == [], problems


def test_every_published_key_has_a_label_in_both_languages(tmp_path: Path):
    write_lookups(tmp_path)
    for spec in TABLES.values():
        for dim in spec.dimensions:
            _, rows = _read(tmp_path / f"{dim}.csv")
            codes = {r["refcode"] for r in rows}
            assert set(spec.keys[dim]) <= codes, (spec.table_id, dim)
            parents = {r["refcode"]: r["hierarchy"] for r in rows}
            if "total" in codes:
                assert parents["total"] == ""
                assert all(parents[k] == "total" for k in spec.keys[dim] if k not in ("total", "unborn"))
    _, status = _read(tmp_path / "status.csv")
    assert {r["refcode"]: r["hierarchy"] for r in status}["unborn"] == ""  # outside the total


def test_areas_and_measures(tmp_path: Path):
    write_lookups(tmp_path)
    _, areas = _read(tmp_path / "area_code.csv")
    assert len(areas) == 23 and areas[0]["refcode"] == WALES
    assert areas[0]["description_cy"] == "Cymru" and areas[0]["hierarchy"] == ""
    assert all(r["hierarchy"] == WALES and r["description_cy"] for r in areas[1:])
    anglesey = next(r for r in areas if r["refcode"] == "W06000001")
    assert (anglesey["description_en"], anglesey["description_cy"]) == ("Isle of Anglesey", "Ynys Môn")
    _, measures = _read(tmp_path / "measure.csv")
    assert [r["refcode"] for r in measures] == MEASURE_ORDER
    formats = {r["refcode"]: (r["format"], r["decimals"]) for r in measures}
    assert formats["count"] == ("integer", "0") and formats["rate_per_10000"] == ("decimal", "1")
    assert formats["percent"] == ("percentage", "1") and formats["median_age"] == ("decimal", "1")
    rate = next(r for r in measures if r["refcode"] == "rate_per_10000")
    assert "population estimate" in rate["note_en"] and rate["note_cy"]  # why a rate can be [x]


def test_a_table_gets_only_its_own_lookups(tmp_path: Path):
    names = {p.stem for p in write_lookups(tmp_path, "cla3")}
    assert names == {"sex", "age_group", "area_code", "measure"}
    _, measures = _read(tmp_path / "measure.csv")
    assert [r["refcode"] for r in measures] == ["count"]


def test_lookups_are_deterministic(tmp_path: Path):
    a = write_lookups(tmp_path / "a")
    b = write_lookups(tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]


def test_text_cells_are_neutralised():
    rows = [{"refcode": "x", "description_en": "=HYPERLINK(1)", "description_cy": "y", "sort": "0", "hierarchy": ""}]
    assert b"'=HYPERLINK(1)" in lookups.lookup_csv(rows)
