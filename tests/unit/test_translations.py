"""The translation catalogue (orchestration/lib/translations): one home for every text a reader sees,
in English and Welsh; the round trip with the translation service (export, fill, import, rebuild:
the Welsh appears); an import that is wrong anywhere changes nothing; docs/translations.md is current."""

import csv
import io
import shutil
from pathlib import Path

import pytest

from orchestration import cli
from orchestration.lib import translations
from orchestration.lib.outputs.lookups import lookup_rows
from orchestration.lib.outputs.release_html import render_release_html
from orchestration.lib.publication import TABLES
from orchestration.lib.translations import ImportRefused, MissingText, import_file, read_catalogue, text
from tests.unit.test_release_workbook import make_tables

YEAR = "2024-25"


@pytest.fixture
def own_catalogue(tmp_path, monkeypatch) -> Path:
    """A copy of the catalogue that the process reads instead of the shipped one."""
    path = tmp_path / "catalogue.csv"
    shutil.copy(translations.CATALOGUE_PATH, path)
    monkeypatch.setattr(translations, "CATALOGUE_PATH", path)
    translations.catalogue.cache_clear()
    yield path
    translations.catalogue.cache_clear()


def _rows(data: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode("utf-8"))))


def _write(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["type", "key", "english", "cymraeg"], lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def test_the_catalogue_is_sorted_complete_and_sourced():
    entries = read_catalogue(translations.CATALOGUE_PATH)
    assert list(entries) == sorted(entries)  # sorted by key: merges stay easy
    assert translations.CATALOGUE_PATH.read_bytes() == translations.catalogue_bytes(entries)
    for e in entries.values():
        assert e.english and e.cymraeg, e.key
        if e.status == "published":
            assert e.source.startswith("https://") and ("llyw.cymru" in e.source), e.key
        if e.status == "draft":
            assert e.source == "cssd draft", e.key
    counts = translations.status_counts(entries)
    assert counts["published"] > 0 and counts["draft"] > 0


def test_every_label_and_title_is_in_both_languages():
    for rows in lookup_rows().values():
        assert all(r["description_en"] and r["description_cy"] for r in rows)
    for table_id, spec in TABLES.items():
        assert text(f"table.{table_id}.title") == spec.title  # the catalogue's English is the table's title
        assert text(f"table.{table_id}.title", "cy")


def test_a_missing_text_is_an_error_not_a_blank():
    with pytest.raises(MissingText):
        text("no.such.key", "cy")


def test_export_lists_the_drafts_in_statswales_layout(tmp_path, own_catalogue):
    out = tmp_path / "drafts.csv"
    assert cli.main(["translations", "export", str(out)]) == 0
    rows = _rows(out.read_bytes())
    assert rows and list(rows[0]) == ["type", "key", "english", "cymraeg"]
    drafts = {k for k, e in translations.catalogue().items() if e.status == "draft"}
    assert {r["key"] for r in rows} == drafts
    assert all(r["type"] == r["key"].split(".")[0] for r in rows)


def test_round_trip_export_fill_import_rebuild_the_welsh_appears(tmp_path, own_catalogue):
    out = tmp_path / "drafts.csv"
    assert cli.main(["translations", "export", str(out)]) == 0
    rows = _rows(out.read_bytes())
    filled = []
    for r in rows:
        if r["key"] in ("html.headlines", "lookup.legal_status_group.care_order"):
            r = {**r, "cymraeg": "CYFIEITHWYD " + r["english"]}
        filled.append(r)
    _write(out, filled)
    assert cli.main(["translations", "import", str(out)]) == 0
    entry = translations.entry("html.headlines")
    assert entry.status == "translated" and entry.source == "translation service (drafts.csv)"
    # rebuilt: the page and the lookups carry the translator's Welsh
    page = render_release_html(YEAR, make_tables(), {}, {"lang": "cy"})
    assert "CYFIEITHWYD Headline figures" in page
    labels = {r["refcode"]: r["description_cy"] for r in lookup_rows("cla1")["legal_status_group"]}
    assert labels["care_order"].startswith("CYFIEITHWYD ")
    assert not any(r["key"] == "html.headlines" for r in translations.export_rows())  # no longer a draft


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda r: {**r, "key": "no.such.key"}, "no such text"),
        (lambda r: {**r, "cymraeg": ""}, "must be filled"),
        (lambda r: {**r, "cymraeg": "   "}, "must be filled"),
        (lambda r: {**r, "english": r["english"] + " (changed)"}, "not the catalogue's"),
    ],
)
def test_import_checks_every_key_and_refuses_empty_texts(tmp_path, own_catalogue, change, message):
    before = own_catalogue.read_bytes()
    rows = translations.export_rows(keys=["html.headlines", "html.trends"])
    rows = [change(rows[0]), {**rows[1], "cymraeg": "Tueddiadau newydd"}]
    path = tmp_path / "back.csv"
    _write(path, rows)
    with pytest.raises(ImportRefused, match=message) as info:
        import_file(path, own_catalogue)
    assert "back.csv line 2" in str(info.value)
    assert own_catalogue.read_bytes() == before  # nothing taken in, not even the good row
    assert cli.main(["translations", "import", str(path)]) == 1


def test_import_keeps_placeholders(tmp_path, own_catalogue):
    rows = translations.export_rows(keys=["workbook.note_n"])
    path = tmp_path / "back.csv"
    _write(path, [{**rows[0], "cymraeg": "Nodyn"}])
    with pytest.raises(ImportRefused, match="placeholders"):
        import_file(path, own_catalogue)


def test_docs_translations_md_is_up_to_date():
    current = translations.DOC_PATH.read_text(encoding="utf-8") if translations.DOC_PATH.exists() else ""
    assert current == translations.render_doc(), (
        "docs/translations.md is stale: run python -m orchestration.lib.translations"
    )
    assert translations.main(["--check"]) == 0


def test_import_keeps_the_catalogue_readable(tmp_path, own_catalogue):
    own_catalogue.chmod(0o644)
    rows = translations.export_rows(keys=["html.trends"])
    path = tmp_path / "back.csv"
    _write(path, [{**rows[0], "cymraeg": "Tueddiadau yng Nghymru (wedi'i gyfieithu)"}])
    assert import_file(path, own_catalogue) == 1
    assert own_catalogue.stat().st_mode & 0o777 == 0o644
