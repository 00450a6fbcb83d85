"""StatsWales lookup CSVs: one per dimension column, plus areas, measures and note codes; the translations doc."""

import csv
from pathlib import Path

from orchestration.lib.outputs import lookups
from orchestration.lib.outputs.lookups import LOOKUP_COLUMNS, write_lookups
from orchestration.lib.publication import MEASURE_ORDER, TABLES
from orchestration.lib.reference import WALES


def _read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as f:
        reader = csv.DictReader(f)
        return list(reader.fieldnames or []), list(reader)


def test_a_lookup_for_every_dimension_and_the_extras(tmp_path: Path):
    paths = write_lookups(tmp_path / "lookups")
    names = {p.stem for p in paths}
    dims = {d for spec in TABLES.values() for d in spec.dimensions}
    assert names == dims | {"area_code", "measure", "note_codes"}
    for p in paths:
        header, rows = _read(p)
        assert header == LOOKUP_COLUMNS, p.name
        assert [int(r["sort_order"]) for r in rows] == sorted(int(r["sort_order"]) for r in rows), p.name
        codes = {r["code"] for r in rows}
        assert len(codes) == len(rows), p.name
        assert all(r["description_en"] for r in rows), p.name
        assert all(r["hierarchy"] in codes for r in rows if r["hierarchy"]), p.name  # parents exist


def test_every_published_key_has_a_label(tmp_path: Path):
    write_lookups(tmp_path)
    for spec in TABLES.values():
        for dim in spec.dimensions:
            _, rows = _read(tmp_path / f"{dim}.csv")
            codes = {r["code"] for r in rows}
            assert set(spec.keys[dim]) <= codes, (spec.table_id, dim)
            parents = {r["code"]: r["hierarchy"] for r in rows}
            if "total" in codes:
                assert parents["total"] == ""
                assert all(parents[k] == "total" for k in spec.keys[dim] if k not in ("total", "unborn"))
    _, status = _read(tmp_path / "status.csv")
    assert {r["code"]: r["hierarchy"] for r in status}["unborn"] == ""  # outside the total


def test_areas_measures_and_note_codes(tmp_path: Path):
    write_lookups(tmp_path)
    _, areas = _read(tmp_path / "area_code.csv")
    assert len(areas) == 23 and areas[0]["code"] == WALES
    assert areas[0]["description_cy"] == "Cymru" and areas[0]["hierarchy"] == ""
    assert all(r["hierarchy"] == WALES and r["description_cy"] for r in areas[1:])
    anglesey = next(r for r in areas if r["code"] == "W06000001")
    assert (anglesey["description_en"], anglesey["description_cy"]) == ("Isle of Anglesey", "Ynys Môn")
    _, measures = _read(tmp_path / "measure.csv")
    assert [r["code"] for r in measures] == MEASURE_ORDER
    _, codes = _read(tmp_path / "note_codes.csv")
    assert [r["code"] for r in codes] == ["[c]", "[x]", "[z]", "[p]", "[r]"]
    assert codes[0]["description_en"].startswith("Confidential")
    assert all(r["description_cy"] == "" for r in codes)  # no Welsh held: left empty, not invented


def test_bytes_are_deterministic(tmp_path: Path):
    a = write_lookups(tmp_path / "a")
    b = write_lookups(tmp_path / "b")
    assert [p.read_bytes() for p in a] == [p.read_bytes() for p in b]
    assert all(b"\r" not in p.read_bytes() for p in a)


def test_text_cells_are_neutralised(monkeypatch):
    rows = [{"code": "x", "description_en": "=HYPERLINK(1)", "description_cy": "", "sort_order": "0", "hierarchy": ""}]
    assert b"'=HYPERLINK(1)" in lookups.lookup_csv(rows)


def test_docs_translations_md_is_up_to_date():
    current = lookups.TRANSLATIONS_DOC.read_text(encoding="utf-8") if lookups.TRANSLATIONS_DOC.exists() else ""
    assert current == lookups.render_translations_doc(), (
        "docs/translations.md is stale: run `python -m orchestration.lib.outputs.lookups`"
    )
    assert lookups.main(["--check"]) == 0
    text = current
    assert "| care_order | Care orders (C1 interim; C2 full) |" in text
    assert "| W06000001 |" not in text  # area names have Welsh
