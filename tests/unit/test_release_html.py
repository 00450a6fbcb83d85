"""release.html: self-contained, accessible, every table, headline figures with the change on last year."""

import shutil
import subprocess
from html.parser import HTMLParser
from pathlib import Path

import pytest

from orchestration.lib.outputs import workbook
from orchestration.lib.outputs.release_html import render_release_html, write_release_html
from orchestration.lib.publication import TABLES
from orchestration.lib.reference import WALES
from tests.unit.test_release_workbook import YEAR, make_frame, make_tables

HISTORY = {
    "cla": [("2021-22", 1100.0), ("2022-23", None), ("2023-24", 1200.0), ("2024-25", 1234.0), ("2025-26", 9.0)],
    "crcs": [("2022-23", 1300.0), ("2023-24", 1334.0), ("2024-25", 1234.0)],
    "cla_rate": [("2023-24", 10.0), ("2024-25", 12.5)],
}


class Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[str] = []
        self.svg_titles = 0
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))
        if tag == "title" and "svg" in self.stack:
            self.svg_titles += 1
        self.stack.append(tag)

    def handle_endtag(self, tag):
        while self.stack and self.stack.pop() != tag:
            pass

    def handle_data(self, data):
        self.text.append(data)


@pytest.fixture(scope="module")
def page(tmp_path_factory) -> tuple[str, Page, Path]:
    path = tmp_path_factory.mktemp("html") / "release.html"
    write_release_html(path, YEAR, make_tables(), HISTORY, {})
    text = path.read_text(encoding="utf-8")
    parsed = Page()
    parsed.feed(text)
    return text, parsed, path


def test_no_external_references(page):
    text, parsed, _ = page
    for tag, attrs in parsed.tags:
        assert tag not in ("script", "link", "img", "iframe", "object", "embed"), tag
        for name in ("src", "href", "xlink:href", "action", "srcset"):
            value = (attrs.get(name) or "").strip().lower()
            assert not value.startswith(("http:", "https:", "//", "data:", "javascript:")), (tag, name, value)
            if name == "href" and value:
                # in-page anchors, and the same release in the other language beside this page
                assert value.startswith("#") or value == "release-cy.html", value
    assert "@import" not in text and "url(" not in text


def test_english_and_welsh_pages_link_to_each_other():
    en = render_release_html(YEAR, make_tables(), HISTORY, {})
    cy = render_release_html(YEAR, make_tables(), HISTORY, {"lang": "cy"})
    assert '<html lang="en">' in en and '<html lang="cy">' in cy
    assert 'href="release-cy.html" hreflang="cy" lang="cy">Cymraeg</a>' in en
    assert 'href="release.html" hreflang="en" lang="en">English</a>' in cy
    # the Welsh page is in Welsh: headings, labels and area names from the catalogue and the seed
    assert "Prif ffigurau" in cy and "Headline figures" not in cy
    assert "Ynys Môn" in cy and "Isle of Anglesey" not in cy
    assert "Pob oedran" in cy or "Pob statws cyfreithiol" in cy


def test_headline_cards_say_why_in_words_not_codes():
    tables = make_tables()
    f = tables["crcs1"]
    rate = f["measure"] == "rate_per_10000"
    f.loc[rate, "value"] = ""
    f.loc[rate, "note_codes"] = "[x] [p]"
    text = render_release_html(YEAR, tables, HISTORY, {})
    card = text[text.index('id="headline-crcs1-rate_per_10000"') :]
    card = card[: card.index("</li>")]
    assert "no population estimate is held for mid-2024" in card
    assert "[x]" not in card  # the reason in words, not the code


def test_valid_accessible_structure(page):
    text, parsed, _ = page
    assert text.startswith("<!doctype html>")
    html_tag = next(a for t, a in parsed.tags if t == "html")
    assert html_tag["lang"] == "en"
    assert sum(1 for t, _ in parsed.tags if t == "h1") == 1
    tables = sum(1 for t, _ in parsed.tags if t == "table")
    assert tables == sum(1 for t, _ in parsed.tags if t == "caption")
    assert all(a.get("scope") in ("col", "row") for t, a in parsed.tags if t == "th")
    assert parsed.stack == [], "unclosed elements"


def test_every_table_is_there(page):
    _, parsed, _ = page
    ids = {a.get("id") for _, a in parsed.tags}
    body = "".join(parsed.text)
    for t in TABLES:
        assert t in ids, t
        assert f"{t.upper()}: {TABLES[t].title}, {YEAR}" in body
    assert "[c]" in body and "[z]" in body  # note codes shown in the tables


def test_headline_figures_with_change_on_last_year(page):
    _, parsed, _ = page
    body = " ".join(parsed.text)
    assert "Children looked after at 31 March, Wales, 2024-25" in body
    assert "1,234" in body
    assert "Up 34 (2.8%) on 2023-24 (1,200)." in body  # CLA1
    assert "Down 100 (7.5%) on 2023-24 (1,334)." in body  # CRCS1
    assert "Up 2.5 (25.0%) on 2023-24 (10.0)." in body  # CLA1 rate


def test_charts_are_svg_with_titles_and_a_data_table(page):
    text, parsed, _ = page
    svgs = [a for t, a in parsed.tags if t == "svg"]
    assert {a["id"] for a in svgs} == {"trend-cla", "trend-crcs", "rates-cla", "rates-crcs"}
    assert all(a.get("role") == "img" and a.get("aria-labelledby") for a in svgs)
    assert parsed.svg_titles >= len(svgs)
    assert sum(1 for t, _ in parsed.tags if t == "desc") == len(svgs)
    assert "Children looked after at 31 March, Wales, 2021-22 to 2024-25" in text  # all years up to the release
    assert "2025-26" not in text  # a later year in the history is not charted
    assert sum(1 for t, _ in parsed.tags if t == "details") == len(svgs)


def test_rates_not_available_say_so_instead_of_a_chart():
    tables = make_tables()
    for t in ("cla1", "crcs1"):
        f = tables[t]
        rate = f["measure"] == "rate_per_10000"
        f.loc[rate, "value"] = ""
        f.loc[rate, "note_codes"] = "[x]"
    text = render_release_html(YEAR, tables, HISTORY, {})
    assert 'id="rates-cla"' not in text
    assert "Rates per 10,000 are not published for 2024-25" in text
    # the reason in words: every LA submitted (the counts are shown), no population estimate is held
    assert "no population estimate is held for mid-2024" in text


def test_everything_is_escaped(monkeypatch):
    monkeypatch.setattr(workbook, "la_names", lambda *a: {WALES: "<script>alert(1)</script>"})
    text = render_release_html(YEAR, {"cla9": make_frame("cla9")}, {}, {"title": "A & B <i>"})
    assert "<script>" not in text and "<i>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text and "A &amp; B &lt;i&gt;" in text


def test_bytes_are_deterministic(tmp_path: Path):
    a = write_release_html(tmp_path / "a.html", YEAR, make_tables(), HISTORY, {})
    b = write_release_html(tmp_path / "b.html", YEAR, make_tables(), HISTORY, {})
    assert a.read_bytes() == b.read_bytes()


def _browser() -> str | None:
    for name in ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_screenshot(page, tmp_path: Path):
    browser = _browser()
    if browser is None:
        pytest.skip("no Chromium/Chrome on PATH (chromium, chromium-browser, google-chrome): no screenshot taken")
    _, _, path = page
    shot = tmp_path / "release_html.png"  # pytest's tmp dir: printed below (pytest -s), kept by pytest
    subprocess.run(
        [
            browser,
            "--headless",
            "--disable-gpu",
            "--no-sandbox",
            "--hide-scrollbars",
            "--window-size=1280,4000",
            f"--screenshot={shot}",
            path.as_uri(),
        ],
        check=True,
        timeout=120,
        capture_output=True,
    )
    print(f"screenshot of release.html: {shot}")
    assert shot.exists() and shot.stat().st_size > 0
