"""release.html and release-cy.html in a real browser (headless Chromium from Debian's packages; CI
installs it, .ci/run): at 320, 400 and 1,400 px the page never scrolls sideways, the contents list is
one column on a phone and no item is split, text renders at 12 px or more (chart text included), and
each language links to the other. The probe is checked too: a page that does overflow is caught.

Screenshots of both languages at 400 and 1,400 px are written to CSSD_SCREENSHOTS when it is set."""

import os
from pathlib import Path

import pytest

from orchestration.lib.outputs.release_html import PAGE_NAMES, write_release_html
from tests.browser.chromium import chromium, measure, screenshot
from tests.unit.test_release_workbook import make_tables

YEAR = "2024-25"
# Long series, as a real release has: 22 years of CLA, 16 of CRCS.
HISTORY = {
    "cla": [(f"{y}-{str(y + 1)[2:]}", 4500.0 + 40 * (y - 2003)) for y in range(2003, 2025)],
    "crcs": [(f"{y}-{str(y + 1)[2:]}", 15000.0 + 90 * (y - 2009)) for y in range(2009, 2025)],
}
MIN_TEXT_PX = 12  # the smallest text a reader should have to read, charts included
WIDTHS = (320, 400, 1400)


def test_chromium_is_installed():
    # Not a skip: the browser checks must run in CI (.ci/run installs Debian's chromium when missing).
    assert chromium(), "Chromium is missing: apt-get install -y chromium"


@pytest.fixture(scope="module")
def pages(tmp_path_factory) -> dict[str, Path]:
    folder = tmp_path_factory.mktemp("pages")
    out = {}
    for lang in ("en", "cy"):
        out[lang] = write_release_html(folder / PAGE_NAMES[lang], YEAR, make_tables(), HISTORY, {"lang": lang})
    return out


@pytest.mark.parametrize("lang", ["en", "cy"])
@pytest.mark.parametrize("width", WIDTHS)
def test_page_fits_and_reads_at_every_width(pages, lang, width):
    m = measure(pages[lang], width)
    assert m["width"] == width
    assert m["scrollWidth"] <= width, f"the page scrolls sideways at {width} px: {m['scrollWidth']}"
    assert m["smallestText"] >= MIN_TEXT_PX, m
    assert m["smallestChartText"] >= MIN_TEXT_PX, m
    assert m["splitItems"] == 0, "a contents item is split across columns"
    if width <= 400:
        assert m["contentsColumns"] == 1, m
    assert m["scrollBoxes"] == m["cues"] > 0  # every box that scrolls sideways says so
    other = "cy" if lang == "en" else "en"
    assert (m["lang"], m["otherHref"], m["otherLang"]) == (lang, PAGE_NAMES[other], other)
    shots = os.environ.get("CSSD_SCREENSHOTS")
    if shots and width in (400, 1400):
        png = screenshot(pages[lang], Path(shots) / f"release-{lang}-{width}.png", width)
        assert png.stat().st_size > 0


def test_the_probe_catches_overflow_and_small_text(tmp_path, pages):
    bad = tmp_path / "bad.html"
    text = pages["en"].read_text(encoding="utf-8")
    bad.write_text(
        text.replace("<main>", '<main><div style="width:1800px">wide</div><p style="font-size:7px">tiny</p>'),
        encoding="utf-8",
    )
    m = measure(bad, 1400)
    assert m["scrollWidth"] > 1400
    assert m["smallestText"] < MIN_TEXT_PX
