"""Headless Chromium (Debian's package) for the release page tests: measure a page at a window width.

``measure(html, width)`` writes a copy of the page with a small measuring script appended (the page
itself has no script), loads it with ``chromium --headless --dump-dom`` at ``width`` px, and reads
back what the script wrote into the DOM: the page's scroll width, the smallest text size as rendered
(SVG text scaled by its chart's displayed size), the number of columns of the contents list, and the
link to the page in the other language. ``screenshot(path, png, width)`` saves a picture."""

import json
import re
import shutil
import subprocess
import tempfile
from html import escape as html_escape
from pathlib import Path

CHROMIUM_NAMES = ("chromium", "chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]

MEASURE_SCRIPT = r"""
<script>
(function () {
  function px(el) { return parseFloat(getComputedStyle(el).fontSize); }
  var smallest = 1e9, where = "";
  document.querySelectorAll("body *").forEach(function (el) {
    if (el.closest("svg") || ["SCRIPT", "STYLE", "PRE"].indexOf(el.tagName) >= 0) return;
    var own = Array.prototype.some.call(el.childNodes, function (n) {
      return n.nodeType === 3 && n.textContent.trim();
    });
    var r = el.getBoundingClientRect();
    if (own && r.width > 0 && px(el) < smallest) {
      smallest = px(el);
      where = el.tagName + " " + el.textContent.slice(0, 40);
    }
  });
  var svgSmallest = 1e9;
  document.querySelectorAll("svg").forEach(function (svg) {
    var scale = svg.getBoundingClientRect().width / svg.viewBox.baseVal.width;
    svg.querySelectorAll("text").forEach(function (t) {
      var size = parseFloat(getComputedStyle(t).fontSize) * scale;
      if (size < svgSmallest) svgSmallest = size;
    });
  });
  var items = document.querySelectorAll("nav li");
  var lefts = {};
  items.forEach(function (li) { lefts[Math.round(li.getBoundingClientRect().left)] = 1; });
  var split = 0;
  items.forEach(function (li) { if (li.getClientRects().length > 1) split += 1; });
  var other = document.getElementById("other-language");
  var out = {
    width: window.innerWidth,
    scrollWidth: document.documentElement.scrollWidth,
    smallestText: smallest, smallestWhere: where,
    smallestChartText: svgSmallest,
    contentsColumns: Object.keys(lefts).length,
    splitItems: split,
    lang: document.documentElement.lang,
    otherHref: other ? other.getAttribute("href") : null,
    otherLang: other ? other.getAttribute("hreflang") : null,
    scrollBoxes: document.querySelectorAll(".scroll").length,
    cues: document.querySelectorAll(".cue").length
  };
  var host = window.parent ? window.parent.document : document;
  var pre = host.createElement("pre");
  pre.id = "cssd-measure";
  pre.textContent = JSON.stringify(out);
  host.body.appendChild(pre);
})();
</script>
"""


def chromium() -> "str | None":
    for name in CHROMIUM_NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def _run(args: list[str]) -> subprocess.CompletedProcess:
    exe = chromium()
    if exe is None:
        raise RuntimeError("Chromium is not installed: apt-get install -y chromium (.ci/run does it)")
    profile = tempfile.mkdtemp(prefix="cssd-chromium-")
    try:
        return subprocess.run(
            [exe, *FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=180
        )
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def measure(page: Path, width: int) -> dict:
    """Headless Chromium will not make a window narrower than 500 px, so the page is loaded in a frame
    ``width`` px wide (``srcdoc``: the frame shares the host's origin, so the script can report to it)."""
    html = page.read_text(encoding="utf-8").replace("</body>", MEASURE_SCRIPT + "</body>")
    probe = page.with_name(page.stem + f".measure-{width}.html")
    probe.write_text(
        '<!doctype html><html><body style="margin:0">'
        f'<iframe width="{width}" height="3000" style="border:0;display:block" srcdoc="{html_escape(html)}"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    try:
        result = _run(["--window-size=1600,3000", "--virtual-time-budget=10000", "--dump-dom", probe.as_uri()])
    finally:
        probe.unlink(missing_ok=True)
    m = re.search(r'<pre id="cssd-measure">(.*?)</pre>', result.stdout, re.S)
    if m is None:
        raise RuntimeError(f"no measurement from Chromium (exit {result.returncode}): {result.stderr[-2000:]}")
    return json.loads(m.group(1).replace("&quot;", '"').replace("&amp;", "&").replace("&lt;", "<").replace("&gt;", ">"))


def screenshot(page: Path, png: Path, width: int, height: int = 3000) -> Path:
    png.parent.mkdir(parents=True, exist_ok=True)
    result = _run([f"--window-size={width},{height}", f"--screenshot={png}", page.as_uri()])
    if not png.exists():
        raise RuntimeError(f"no screenshot (exit {result.returncode}): {result.stderr[-2000:]}")
    return png
