"""release.html (English) and release-cy.html (Welsh): one self-contained page for the release, in
each language, each linking to the other.

Headline figures (children looked after and children receiving care and support in Wales at 31 March,
with the change on last year; a figure that is not available says why, in words), a Wales trend
chart over all years for each census, charts of the rates per 10,000 by local authority, every
table with its note codes, and notes on quality, disclosure control, definitions and the contact.
Every text comes from the translation catalogue (``orchestration/lib/translations``).

Self-contained: inline CSS, charts drawn as inline SVG here (no chart library), no scripts, fonts or
images, and no reference to another site (links are in-page ``#`` anchors, and the relative link to
the page in the other language). Every text is HTML escaped. Accessible: ``lang`` set, one ``h1``
and ordered headings, every table has a ``<caption>`` and ``scope`` on its header cells, every chart
has a ``<title>`` and ``<desc>`` and its data as a table underneath. In the tables a figure is shown
with its note code next to it (``1,235 [p]``; a page is read as text, unlike a spreadsheet cell),
each code an ``<abbr>`` with its meaning.

At every width: the contents list is one column below 48rem; charts keep their drawn size (so their
text renders at 12 px or more) and, like wide tables, scroll sideways in their own box, with a
shadow at the edge that has more to see and a written cue; the page itself never scrolls sideways.
"""

import csv
import html
import math
from pathlib import Path

import pandas as pd

from orchestration.lib.outputs.atomic import write_bytes_atomic
from orchestration.lib.outputs.lookups import NOTE_CODES, note_code_text
from orchestration.lib.outputs.signoff_line import signoff_html
from orchestration.lib.outputs.statswales import read_long_csv
from orchestration.lib.outputs.workbook import (
    CODE_RE,
    COUNT_MEASURES,
    Grid,
    GridCell,
    ReleaseNotes,
    build_grid,
    grid_title,
    normalise_tables,
    note_codes_text,
    parse_value,
    prev_year,
    x_reason,
)
from orchestration.lib.publication import TABLES
from orchestration.lib.reference import WALES, area_order, la_names
from orchestration.lib.translations import text

HEADLINE_TABLES = {"cla": "cla1", "crcs": "crcs1"}
PAGE_NAMES = {"en": "release.html", "cy": "release-cy.html"}
CHART_TEXT_PX = 12  # the charts' text size at their drawn size (they are never shrunk)

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;
color:#1d1d1b;line-height:1.45;overflow-wrap:break-word}
*,*::before,*::after{box-sizing:border-box}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{font-size:1.4rem;margin-top:2.2rem;border-bottom:2px solid #ddd}
h3{font-size:1.1rem;margin-top:1.8rem}.status{display:inline-block;background:#fff3cd;border:1px solid #c9a400;
padding:.2rem .6rem;font-weight:600}.lang{float:right;margin:0 0 .5rem 1rem}
.headlines{display:flex;flex-wrap:wrap;gap:1rem;padding:0;list-style:none}
.headlines li{flex:1 1 16rem;min-width:0;border:1px solid #ccc;border-left:6px solid #325083;padding:.8rem 1rem}
.headlines .figure{font-size:2rem;font-weight:700;display:block}.headlines .reason{font-size:1.1rem;font-weight:600;
display:block}.change{color:#444}
.scroll{overflow-x:auto;max-width:100%;
background:linear-gradient(to right,#fff 30%,rgba(255,255,255,0)),
linear-gradient(to right,rgba(255,255,255,0),#fff 70%) 100% 0,
radial-gradient(farthest-side at 0 50%,rgba(0,0,0,.25),rgba(0,0,0,0)),
radial-gradient(farthest-side at 100% 50%,rgba(0,0,0,.25),rgba(0,0,0,0)) 100% 0;
background-repeat:no-repeat;background-size:40px 100%,40px 100%,14px 100%,14px 100%;
background-attachment:local,local,scroll,scroll}
.scroll:focus{outline:3px solid #fd0}
.cue{font-size:.9rem;color:#444;margin:.2rem 0}.cue::before{content:"\\2194\\00a0"}
table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.3rem 0}th,td{border:1px solid #ccc;padding:.25rem .45rem;
vertical-align:top}thead th{background:#eef1f6;text-align:left;min-width:7rem}td.n{text-align:right;white-space:nowrap}
tbody th{text-align:left;font-weight:normal}abbr{text-decoration:none;color:#555}
svg{display:block;max-width:none;height:auto;background:#fff}svg text{font-family:inherit;font-size:12px;fill:#1d1d1b}
.axis{stroke:#555}.grid{stroke:#e3e3e3}.line{fill:none;stroke:#325083;stroke-width:2.5}.dot{fill:#325083}
.bar{fill:#5b7fb8}.bar.wales{fill:#1d3b6b}details{margin:.4rem 0 1rem}summary{cursor:pointer}
nav ul{padding-left:1.2rem}nav li{break-inside:avoid;margin-bottom:.3rem}
@media (min-width:48rem){nav ul{columns:2;column-gap:2.5rem}}
@media (min-width:62rem){.cue.narrow{display:none}}
@media (max-width:30rem){body{padding:.75rem}h1{font-size:1.5rem}.headlines .figure{font-size:1.7rem}}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float | int | None, count: bool) -> str:
    if value is None:
        return ""
    return f"{int(value):,}" if count else f"{value:,.1f}"


def _abbr(codes: str, lang: str = "en") -> str:
    return " ".join(
        f'<abbr title="{_e(note_code_text(c, lang) if c in NOTE_CODES else c)}">{_e(c)}</abbr>'
        for c in CODE_RE.findall(codes)
    )


def _cell(table: str, key: tuple[str, ...], tables: dict[str, pd.DataFrame], year: str) -> GridCell | None:
    """One cell of a published frame: (area, keys..., measure)."""
    frame = tables.get(table)
    if frame is None:
        return None
    spec = TABLES[table]
    f = frame[frame["year"].astype(str) == year] if "year" in frame.columns else frame
    mask = f["area_code"].astype(str) == key[0]
    for d, k in zip(spec.dimensions, key[1:-1], strict=True):
        mask &= f[d].astype(str) == k
    mask &= f["measure"].astype(str) == key[-1]
    hit = f[mask]
    if hit.empty:
        return None
    rec = hit.iloc[0]
    codes = note_codes_text(rec.get("note_codes"))
    return GridCell(parse_value(key[-1], rec["value"], codes, f"{table} {key}"), codes, "")


def _history_value(history: list[tuple[str, float | None]], year: str) -> float | None:
    for y, v in history:
        if y == year:
            return v
    return None


def _change(now: float | None, before: float | None, last_year: str, count: bool, lang: str) -> str:
    if now is None or before is None:
        return text("html.change.none", lang, year=last_year)
    diff = now - before
    if diff == 0:
        return text("html.change.same", lang, year=last_year)
    pct = f" ({abs(diff) / before * 100:.1f}%)" if before else ""
    key = "html.change.up" if diff > 0 else "html.change.down"
    return text(key, lang, diff=_fmt(abs(diff), count), pct=pct, year=last_year, before=_fmt(before, count))


def mid_year(year: str) -> str:
    """The mid-year whose population estimate a rate of ``year`` uses: 2024-25 (census 31 March 2025) -> 2024."""
    return str(int(year[:4]))


def hidden_reason(codes: str, measure: str, count_shown: bool, year: str, lang: str) -> str:
    """Why a headline figure is not shown, in words (never a bare code)."""
    found = CODE_RE.findall(codes)
    if "[z]" in found:
        return text("headline.reason.z", lang)
    if "[c]" in found:
        return text("headline.reason.c", lang)
    if measure == "rate_per_10000" and count_shown:
        return text("headline.reason.no_population", lang, mid=mid_year(year))
    return text("headline.reason.no_return", lang)


def _headlines(year: str, tables: dict[str, pd.DataFrame], history: dict, lang: str) -> str:
    items = []
    last = prev_year(year)
    for census, table in HEADLINE_TABLES.items():
        count_cell = _cell(table, (WALES, "total", "count"), tables, year)
        for measure, label, hkey in (
            ("count", text(f"html.headline.{census}", lang), census),
            ("rate_per_10000", text(f"html.headline.{census}_rate", lang), f"{census}_rate"),
        ):
            cell = _cell(table, (WALES, "total", measure), tables, year)
            if cell is None:
                continue
            count = measure in COUNT_MEASURES
            if cell.value is None:
                shown = count_cell is not None and count_cell.value is not None
                reason = hidden_reason(cell.codes, measure, shown, year, lang)
                figure = f'<span class="reason">{_e(reason)}</span>'
                change = _e(text("html.headline.not_published", lang))
            else:
                figure = (
                    f'<span class="figure">{_e(_fmt(cell.value, count))}'
                    + (f" {_abbr(cell.codes, lang)}" if cell.codes else "")
                    + "</span>"
                )
                before = _history_value(history.get(hkey, []), last)
                change = _e(_change(cell.value, before, last, count, lang))
            items.append(
                f'<li id="headline-{_e(table)}-{_e(measure)}"><span class="label">{_e(label)}, {_e(year)}</span>'
                f'{figure}<span class="change">{change}</span></li>'
            )
    return '<ul class="headlines">' + "".join(items) + "</ul>"


def _tick(value: float, step: float) -> str:
    """An axis label: whole numbers when the step is whole (2,000), else one decimal (2.5)."""
    return _fmt(value, True) if float(step).is_integer() else _fmt(value, False)


def _nice_max(value: float) -> tuple[float, float]:
    """An axis maximum and tick step that cover ``value``."""
    if value <= 0:
        return 1.0, 0.2
    raw = value / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return step * math.ceil(value / step), step


def _scroll_box(inner: str, label: str, lang: str, narrow_only: bool) -> str:
    """A box that scrolls sideways on its own (keyboard-focusable, labelled), with a written cue."""
    cue_class = "cue narrow" if narrow_only else "cue"
    return (
        f'<p class="{cue_class}">{_e(text("html.scroll_cue", lang))}</p>'
        f'<div class="scroll" role="region" tabindex="0" aria-label="{_e(label)}">{inner}</div>'
    )


def _trend_svg(chart_id: str, title: str, series: list[tuple[str, float | None]], y_label: str, lang: str) -> str:
    w, h, ml, mr, mt, mb = 760, 340, 70, 20, 20, 80
    pw, ph = w - ml - mr, h - mt - mb
    values = [v for _, v in series if v is not None]
    top, step = _nice_max(max(values) if values else 1)
    n = len(series)

    def x(i: int) -> float:
        return ml + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(v: float) -> float:
        return mt + ph - ph * v / top

    shown = [f"{yr}: {_fmt(v, True)}" for yr, v in series if v is not None]
    desc = text("html.chart.trend_desc", lang, title=title, first=series[0][0], last=series[-1][0]) + " "
    desc += (
        text("html.chart.first_latest", lang, first=shown[0], latest=shown[-1])
        if shown
        else text("html.chart.no_figures", lang)
    )
    desc += " " + text("html.chart.data_below", lang)
    parts = [
        f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{_e(title)}</title><desc id="{chart_id}-desc">{_e(desc)}</desc>',
    ]
    t = 0.0
    while t <= top + 1e-9:
        parts.append(f'<line class="grid" x1="{ml}" x2="{w - mr}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>')
        parts.append(f'<text x="{ml - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{_e(_tick(t, step))}</text>')
        t += step
    parts.append(f'<line class="axis" x1="{ml}" x2="{ml}" y1="{mt}" y2="{mt + ph}"/>')
    parts.append(f'<line class="axis" x1="{ml}" x2="{w - mr}" y1="{mt + ph}" y2="{mt + ph}"/>')
    every = 1 if n <= 14 else 2
    for i, (yr, _) in enumerate(series):
        if i % every == 0 or i == n - 1:
            parts.append(
                f'<text x="{x(i):.1f}" y="{mt + ph + 14}" text-anchor="end" '
                f'transform="rotate(-45 {x(i):.1f} {mt + ph + 14})">{_e(yr)}</text>'
            )
    segments: list[list[str]] = [[]]
    for i, (_, v) in enumerate(series):
        if v is None:
            segments.append([])
        else:
            segments[-1].append(f"{x(i):.1f},{y(v):.1f}")
    for seg in segments:
        if len(seg) > 1:
            parts.append(f'<polyline class="line" points="{" ".join(seg)}"/>')
    for i, (yr, v) in enumerate(series):
        if v is not None:
            parts.append(
                f'<circle class="dot" cx="{x(i):.1f}" cy="{y(v):.1f}" r="3.5">'
                f"<title>{_e(yr)}: {_e(_fmt(v, True))}</title></circle>"
            )
    parts.append(
        f'<text x="{ml + pw / 2}" y="{h - 6}" text-anchor="middle">{_e(text("html.chart.year_axis", lang))}</text>'
    )
    parts.append(
        f'<text x="16" y="{mt + ph / 2}" text-anchor="middle" transform="rotate(-90 16 {mt + ph / 2})">'
        f"{_e(y_label)}</text>"
    )
    parts.append("</svg>")
    return _scroll_box("".join(parts), title, lang, narrow_only=True)


def _data_table(caption: str, head: tuple[str, str], rows: list[tuple[str, str]], lang: str) -> str:
    body = "".join(f'<tr><th scope="row">{_e(a)}</th><td class="n">{b}</td></tr>' for a, b in rows)
    return (
        f"<details><summary>{_e(text('html.chart.as_table', lang, caption=caption))}</summary><table>"
        f"<caption>{_e(caption)}</caption>"
        f'<thead><tr><th scope="col">{_e(head[0])}</th><th scope="col">{_e(head[1])}</th></tr></thead>'
        f"<tbody>{body}</tbody></table></details>"
    )


def _trends(history: dict, lang: str) -> str:
    out = []
    for census in HEADLINE_TABLES:
        series = history.get(census)
        if not series:
            continue
        name = text(f"html.census.{census}", lang)
        title = text("html.trend_title", lang, name=name, first=series[0][0], last=series[-1][0])
        children = text("html.children", lang)
        out.append(f"<h3>{_e(title)}</h3>")
        out.append(_trend_svg(f"trend-{census}", title, list(series), children, lang))
        rows = [(yr, _e(_fmt(v, True)) if v is not None else _abbr("[x]", lang)) for yr, v in series]
        out.append(_data_table(title, (text("html.year", lang), children), rows, lang))
    return "".join(out)


def _rate_svg(chart_id: str, title: str, bars: list[tuple[str, str, GridCell]], lang: str) -> str:
    w, ml, mr, row_h, mt = 760, 190, 70, 20, 10
    h = mt + row_h * len(bars) + 40
    values = [c.value for _, _, c in bars if c.value is not None]
    top, step = _nice_max(max(values) if values else 1)
    pw = w - ml - mr

    def x(v: float) -> float:
        return ml + pw * v / top

    desc = text("html.chart.rate_desc", lang, title=title)
    if values:
        desc += " " + text("html.chart.highest", lang, name=bars[0][1], value=_fmt(bars[0][2].value, False))
    desc += " " + text("html.chart.data_below", lang)
    parts = [
        f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{_e(title)}</title><desc id="{chart_id}-desc">{_e(desc)}</desc>',
    ]
    base = mt + row_h * len(bars)
    t = 0.0
    while t <= top + 1e-9:
        parts.append(f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{mt}" y2="{base}"/>')
        parts.append(f'<text x="{x(t):.1f}" y="{base + 14}" text-anchor="middle">{_e(_tick(t, step))}</text>')
        t += step
    for i, (code, name, cell) in enumerate(bars):
        yy = mt + i * row_h
        parts.append(f'<text x="{ml - 6}" y="{yy + 14}" text-anchor="end">{_e(name)}</text>')
        if cell.value is None:
            parts.append(f'<text x="{ml + 4}" y="{yy + 14}">{_e(cell.codes)}</text>')
            continue
        cls = "bar wales" if code == WALES else "bar"
        parts.append(
            f'<rect class="{cls}" x="{ml}" y="{yy + 3}" width="{max(x(cell.value) - ml, 0.5):.1f}" '
            f'height="{row_h - 6}"><title>{_e(name)}: {_e(_fmt(cell.value, False))}</title></rect>'
        )
        parts.append(f'<text x="{x(cell.value) + 4:.1f}" y="{yy + 14}">{_e(_fmt(cell.value, False))}</text>')
    parts.append(f'<line class="axis" x1="{ml}" x2="{ml}" y1="{mt}" y2="{base}"/>')
    parts.append(
        f'<text x="{ml + pw / 2}" y="{h - 6}" text-anchor="middle">{_e(text("measure.rate_per_10000", lang))}</text>'
    )
    parts.append("</svg>")
    return _scroll_box("".join(parts), title, lang, narrow_only=True)


def _rates(year: str, tables: dict[str, pd.DataFrame], lang: str) -> str:
    names = la_names(lang)
    out = []
    for census, table in HEADLINE_TABLES.items():
        if table not in tables:
            continue
        title = text("html.rates_title", lang, name=text(f"html.census_short.{census}", lang), year=year)
        bars = []
        for area in area_order():
            cell = _cell(table, (area, "total", "rate_per_10000"), tables, year)
            if cell is not None:
                bars.append((area, names.get(area, area), cell))
        out.append(f"<h3>{_e(title)}</h3>")
        if not any(c.value is not None for _, _, c in bars):
            found = {x for _, _, c in bars for x in CODE_RE.findall(c.codes)}
            codes = [c for c in NOTE_CODES if c in found]
            count_cell = _cell(table, (WALES, "total", "count"), tables, year)
            shown = count_cell is not None and count_cell.value is not None
            reason = hidden_reason(" ".join(codes), "rate_per_10000", shown, year, lang)
            out.append(
                f"<p>{_e(text('html.rates_not_available', lang, year=year, reason=reason))} "
                f"{_abbr(' '.join(codes), lang)}</p>"
            )
            continue
        bars.sort(key=lambda b: (b[2].value is None, -(b[2].value or 0)))
        out.append(_rate_svg(f"rates-{census}", title, bars, lang))
        rows = [
            (
                name,
                _e(_fmt(c.value, False)) + (f" {_abbr(c.codes, lang)}" if c.codes else "")
                if c.value is not None
                else _abbr(c.codes, lang),
            )
            for _, name, c in bars
        ]
        out.append(_data_table(title, (text("html.area", lang), text("html.rate", lang)), rows, lang))
    return "".join(out)


def _table_html(grid: Grid, year: str, notes: ReleaseNotes) -> str:
    lang = notes.lang
    tid = grid.table_id.lower()
    applies = notes.notes_for(grid.table_id)
    n_labels = len(grid.label_headers)
    head = "".join(f'<th scope="col">{_e(h)}</th>' for h in grid.label_headers[1:] + grid.value_headers)
    head = f'<th scope="col">{_e(grid.label_headers[0])}</th>' + head
    body = []
    for labels, line in grid.rows:
        cells = [f"<td>{_e(labels[0])}</td>"] + [f'<th scope="row">{_e(x)}</th>' for x in labels[1:n_labels]]
        for c, measure in zip(line, _measures_of(tid), strict=True):
            if c.value is None:
                # a code said once in the title (provisional [p]) is not repeated in the cell
                hidden = [x for x in CODE_RE.findall(c.codes) if x not in grid.table_codes] or CODE_RE.findall(c.codes)
                cells.append(f'<td class="n">{_abbr(" ".join(hidden), lang)}</td>')
            else:
                codes = [x for x in CODE_RE.findall(c.codes) if x not in grid.table_codes]
                value = _e(_fmt(c.value, measure in COUNT_MEASURES))
                cells.append(f'<td class="n">{value}{" " + _abbr(" ".join(codes), lang) if codes else ""}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    note_links = ", ".join(f'<a href="#note-{_e(n)}">{_e(notes.t("workbook.note_n", n=n))}</a>' for n in applies)
    title = grid_title(grid, year)
    wide = len(grid.value_headers) > 7  # wider than a 70rem page: the cue shows at every width
    table = (
        f'<table><caption id="{_e(tid)}-caption">{_e(title)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table>"
    )
    return (
        f'<section id="{_e(tid)}" aria-labelledby="{_e(tid)}-heading"><h3 id="{_e(tid)}-heading">{_e(title)}</h3>'
        f"<p>{_e(notes.t('html.table_notes'))} {note_links or _e(notes.t('workbook.none'))}. "
        f'{_e(notes.t("html.codes_explained"))} <a href="#note-codes">{_e(notes.t("release.note_codes_heading"))}</a>.'
        f"</p><p>{_e(notes.t('workbook.table.x', reason=x_reason(tid, lang)))}</p>"
        + _scroll_box(table, title, lang, narrow_only=not wide)
        + "</section>"
    )


def _measures_of(table_id: str) -> list[str]:
    spec = TABLES[table_id]
    col_dim = spec.dimensions[-1] if spec.dimensions else None
    if col_dim is None:
        return spec.measures_for(None)
    return [m for k in spec.keys[col_dim] for m in spec.measures_for(k)]


def _notes_html(notes: ReleaseNotes, grids: list[Grid]) -> str:
    t = notes.t
    ids = [g.table_id for g in grids]
    codes = "".join(f"<dt>{_e(c)}</dt><dd>{_e(note_code_text(c, notes.lang))}</dd>" for c in NOTE_CODES)
    numbered = "".join(
        f'<li id="note-{_e(n)}" value="{_e(n)}">{_e(txt)} <span class="change">('
        + _e(t("html.all_tables") if not ts else ", ".join(x for x in ids if x.lower() in ts))
        + ")</span></li>"
        for n, txt, ts in notes.notes
    )
    quality = "".join(f"<p>{_e(q)}</p>" for q in notes.quality)
    return (
        f'<h2 id="notes">{_e(t("workbook.header.notes"))}</h2>'
        f'<h3 id="note-codes">{_e(t("release.note_codes_heading"))}</h3><dl>{codes}</dl>'
        f"<h3>{_e(t('html.numbered_notes'))}</h3><ol>{numbered}</ol>"
        f'<h3 id="disclosure">{_e(t("release.disclosure_heading"))}</h3><p>{_e(notes.disclosure)}</p>'
        f'<h3 id="quality">{_e(t("html.quality"))}</h3>{quality}'
        f"<p>{_e(t('release.source_line', source=notes.source))}</p>"
        f'<h3 id="definitions">{_e(t("html.definitions"))}</h3><p>{_e(t("html.definitions_text"))}</p>'
        f'<h3 id="contact">{_e(t("release.contact_heading"))}</h3><p>{_e(notes.contact_text())}</p>'
        f'<p id="draft-texts">{_e(t("html.draft_texts", n=draft_count()))}</p>'
    )


def draft_count() -> int:
    """How many Welsh texts are still drafts (listed in the release's translations.csv)."""
    from orchestration.lib.translations import status_counts

    return status_counts()["draft"]


def render_release_html(
    year: str,
    tables: dict[str, pd.DataFrame],
    history: dict[str, list[tuple[str, float | None]]],
    notes: "ReleaseNotes | dict | None" = None,
) -> str:
    rn = ReleaseNotes.coerce(notes)
    lang = rn.lang
    other = "cy" if lang == "en" else "en"
    tables = normalise_tables(tables)
    # every year up to the release's (a later build's history may hold later years)
    history = {k.lower(): [(y, v) for y, v in series if y <= year] for k, series in history.items()}
    for census, table in HEADLINE_TABLES.items():  # cla1 / crcs1 are accepted for cla / crcs
        if census not in history and table in history:
            history[census] = history.pop(table)
    grids = [build_grid(t, f, year, lang) for t, f in tables.items()]
    title = f"{rn.title}, {year}"
    toc = "".join(f'<li><a href="#{_e(g.table_id.lower())}">{_e(grid_title(g, year))}</a></li>' for g in grids)
    doc = [
        f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f'<header><p class="lang"><a id="other-language" href="{PAGE_NAMES[other]}" hreflang="{other}" '
        f'lang="{other}">{_e(text("html.other_language", other))}</a></p>',
        f'<h1>{_e(title)}</h1><p class="status">{_e(rn.status_text())}</p>',
        signoff_html(rn),  # orchestration/lib/outputs/signoff_line.py
        f"<p>{_e(rn.published)}</p>" if rn.published else "",
        "</header><main>",
        f'<h2 id="headlines">{_e(rn.t("html.headlines"))}</h2>',
        _headlines(year, tables, history, lang),
        f"<p>{_e(rn.t('html.after_disclosure'))} "
        f'<a href="#disclosure">{_e(rn.t("release.disclosure_heading"))}</a>.</p>',
        f'<h2 id="trends">{_e(rn.t("html.trends"))}</h2>',
        _trends(history, lang),
        f'<h2 id="rates">{_e(rn.t("html.rates"))}</h2>',
        _rates(year, tables, lang),
        f'<h2 id="tables">{_e(rn.t("html.tables"))}</h2>',
        f'<nav aria-label="{_e(rn.t("html.tables"))}"><ul>{toc}</ul></nav>',
        *(_table_html(g, year, rn) for g in grids),
        _notes_html(rn, grids),
        "</main></body></html>\n",
    ]
    return "".join(doc)


def write_release_html(
    path: Path,
    year: str,
    tables: dict[str, pd.DataFrame],
    history: dict[str, list[tuple[str, float | None]]],
    notes: "ReleaseNotes | dict | None" = None,
) -> Path:
    """Write release.html (or, for notes in Welsh, the Welsh page: name it PAGE_NAMES['cy']).

    ``tables``: table id -> the published long frame (note codes in the '[c] [p]' form) for ``year``.
    ``history``: series of Wales figures for every year, oldest first: ``cla`` and ``crcs`` (the CLA1 /
    CRCS1 Wales total count; None where not published) drive the trend charts and the change on last
    year; optional ``cla_rate`` / ``crcs_rate`` give the change in the headline rates.
    """
    write_bytes_atomic(path, render_release_html(year, tables, history, notes).encode("utf-8"))
    return path


def read_statswales_tables(statswales_dir: Path) -> dict[str, pd.DataFrame]:
    """The published long CSVs of one year's ``statswales`` folder, as text."""
    out = {}
    for table in TABLES:
        p = statswales_dir / f"{table}.csv"
        if p.exists():
            out[table] = read_long_csv(p)
    return out


def history_from_statswales(
    output_dir: Path, staged: "dict[str, Path] | None" = None
) -> dict[str, list[tuple[str, float | None]]]:
    """Wales totals (count and rate) of CLA1 and CRCS1 for every year under ``<output_dir>/<year>/statswales``
    (the released tables), or in ``staged[year]`` (a statswales folder) for the years being released now."""
    staged = staged or {}
    out: dict[str, list[tuple[str, float | None]]] = {}
    released = {p.name: p / "statswales" for p in output_dir.iterdir() if p.is_dir() and not p.name.startswith(".")}
    for year, folder in sorted({**released, **staged}.items()):
        for census, table in HEADLINE_TABLES.items():
            path = folder / f"{table}.csv"
            if not path.exists():
                continue
            with path.open(encoding="utf-8", newline="") as f:
                for r in csv.DictReader(f):
                    if r["area_code"] != WALES or r["status" if census == "crcs" else "legal_status_group"] != "total":
                        continue
                    key = census if r["measure"] == "count" else f"{census}_rate"
                    value = float(r["value"]) if r["value"] else None
                    out.setdefault(key, []).append((year, value))
    return out
