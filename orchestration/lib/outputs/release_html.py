"""release.html: one self-contained page for the release.

Headline figures (children looked after and children receiving care and support in Wales at 31 March,
with the change on last year), a Wales trend chart over all years for each census, charts of the
rates per 10,000 by local authority, every table with its note codes, and notes on quality,
disclosure control and definitions.

Self-contained: inline CSS, charts drawn as inline SVG here (no chart library), no scripts, fonts or
images, and no reference to another site (links are in-page ``#`` anchors only). Every text is HTML
escaped. Accessible: ``lang="en"``, one ``h1`` and ordered headings, every table has a ``<caption>``
and ``scope`` on its header cells, every chart has a ``<title>`` and ``<desc>`` and its data as a table
underneath. In the tables a figure is shown with its note code next to it (``1,235 [p]``; a page is read
as text, unlike a spreadsheet cell), each code an ``<abbr>`` with its meaning.
"""

import csv
import html
import math
from pathlib import Path

import pandas as pd

from orchestration.lib.outputs.atomic import write_bytes_atomic
from orchestration.lib.outputs.lookups import NOTE_CODES
from orchestration.lib.outputs.signoff_line import signoff_html
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
)
from orchestration.lib.publication import TABLES
from orchestration.lib.reference import WALES, area_order, la_names

CENSUS_NAMES = {
    "cla": "Children looked after at 31 March, Wales",
    "crcs": "Children receiving care and support at 31 March, Wales",
}
HEADLINE_TABLES = {"cla": "cla1", "crcs": "crcs1"}

_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Arial,sans-serif;margin:0 auto;max-width:70rem;padding:1rem 1.5rem;
color:#1d1d1b;line-height:1.45}
h1{font-size:1.8rem;margin-bottom:.2rem}h2{font-size:1.4rem;margin-top:2.2rem;border-bottom:2px solid #ddd}
h3{font-size:1.1rem;margin-top:1.8rem}.status{display:inline-block;background:#fff3cd;border:1px solid #c9a400;
padding:.2rem .6rem;font-weight:600}
.headlines{display:flex;flex-wrap:wrap;gap:1rem;padding:0;list-style:none}
.headlines li{flex:1 1 18rem;border:1px solid #ccc;border-left:6px solid #325083;padding:.8rem 1rem}
.headlines .figure{font-size:2rem;font-weight:700;display:block}.change{color:#444}
.table-wrap{overflow-x:auto;max-width:100%}table{border-collapse:collapse;font-size:.85rem;margin:.5rem 0}
caption{text-align:left;font-weight:600;padding:.3rem 0}th,td{border:1px solid #ccc;padding:.25rem .45rem;
vertical-align:top}thead th{background:#eef1f6;text-align:left}td.n{text-align:right;white-space:nowrap}
tbody th{text-align:left;font-weight:normal;white-space:nowrap}abbr{text-decoration:none;color:#555}
svg{max-width:100%;height:auto;background:#fff}svg text{font-family:inherit;font-size:12px;fill:#1d1d1b}
.axis{stroke:#555}.grid{stroke:#e3e3e3}.line{fill:none;stroke:#325083;stroke-width:2.5}.dot{fill:#325083}
.bar{fill:#5b7fb8}.bar.wales{fill:#1d3b6b}details{margin:.4rem 0 1rem}summary{cursor:pointer}
nav ul{columns:2}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt(value: float | int | None, count: bool) -> str:
    if value is None:
        return ""
    return f"{int(value):,}" if count else f"{value:,.1f}"


def _abbr(codes: str) -> str:
    return " ".join(f'<abbr title="{_e(NOTE_CODES.get(c, c))}">{_e(c)}</abbr>' for c in CODE_RE.findall(codes))


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


def _change(now: float | None, before: float | None, last_year: str, count: bool) -> str:
    if now is None or before is None:
        return f"No comparison with {last_year} is available."
    diff = now - before
    if diff == 0:
        return f"No change on {last_year}."
    pct = f" ({abs(diff) / before * 100:.1f}%)" if before else ""
    word = "Up" if diff > 0 else "Down"
    return f"{word} {_fmt(abs(diff), count)}{pct} on {last_year} ({_fmt(before, count)})."


def _headlines(year: str, tables: dict[str, pd.DataFrame], history: dict) -> str:
    items = []
    last = prev_year(year)
    for census, table in HEADLINE_TABLES.items():
        for measure, label, hkey in (
            ("count", CENSUS_NAMES[census], census),
            ("rate_per_10000", f"{CENSUS_NAMES[census]}: rate per 10,000 children aged 0 to 17", f"{census}_rate"),
        ):
            cell = _cell(table, (WALES, "total", measure), tables, year)
            if cell is None:
                continue
            count = measure in COUNT_MEASURES
            if cell.value is None:
                figure = f"{_abbr(cell.codes)}"
                change = "The figure is not published (see the note code)."
            else:
                figure = _e(_fmt(cell.value, count)) + (f" {_abbr(cell.codes)}" if cell.codes else "")
                before = _history_value(history.get(hkey, []), last)
                change = _e(_change(cell.value, before, last, count))
            items.append(
                f'<li id="headline-{_e(table)}-{_e(measure)}"><span class="label">{_e(label)}, {_e(year)}</span>'
                f'<span class="figure">{figure}</span><span class="change">{change}</span></li>'
            )
    return '<ul class="headlines">' + "".join(items) + "</ul>"


def _nice_max(value: float) -> tuple[float, float]:
    """An axis maximum and tick step that cover ``value``."""
    if value <= 0:
        return 1.0, 0.2
    raw = value / 5
    mag = 10 ** math.floor(math.log10(raw))
    step = next(m * mag for m in (1, 2, 2.5, 5, 10) if m * mag >= raw)
    return step * math.ceil(value / step), step


def _trend_svg(chart_id: str, title: str, series: list[tuple[str, float | None]], y_label: str) -> str:
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
    desc = (
        f"Line chart: {title}, for each year from {series[0][0]} to {series[-1][0]}. "
        + (f"First {shown[0]}; latest {shown[-1]}. " if shown else "No figures are available. ")
        + "The data are in the table below the chart."
    )
    parts = [
        f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{_e(title)}</title><desc id="{chart_id}-desc">{_e(desc)}</desc>',
    ]
    t = 0.0
    while t <= top + 1e-9:
        parts.append(f'<line class="grid" x1="{ml}" x2="{w - mr}" y1="{y(t):.1f}" y2="{y(t):.1f}"/>')
        parts.append(f'<text x="{ml - 6}" y="{y(t) + 4:.1f}" text-anchor="end">{_e(_fmt(t, True))}</text>')
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
        f'<text x="{ml + pw / 2}" y="{h - 6}" text-anchor="middle">Collection year (census on 31 March)</text>'
    )
    parts.append(
        f'<text x="16" y="{mt + ph / 2}" text-anchor="middle" transform="rotate(-90 16 {mt + ph / 2})">'
        f"{_e(y_label)}</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def _data_table(caption: str, head: tuple[str, str], rows: list[tuple[str, str]]) -> str:
    body = "".join(f'<tr><th scope="row">{_e(a)}</th><td class="n">{b}</td></tr>' for a, b in rows)
    return (
        f"<details><summary>{_e(caption)}: the data as a table</summary><table><caption>{_e(caption)}</caption>"
        f'<thead><tr><th scope="col">{_e(head[0])}</th><th scope="col">{_e(head[1])}</th></tr></thead>'
        f"<tbody>{body}</tbody></table></details>"
    )


def _trends(history: dict) -> str:
    out = []
    for census, name in CENSUS_NAMES.items():
        series = history.get(census)
        if not series:
            continue
        title = f"{name}, {series[0][0]} to {series[-1][0]}"
        out.append(f"<h3>{_e(title)}</h3>")
        out.append(_trend_svg(f"trend-{census}", title, list(series), "Children"))
        rows = [(yr, _e(_fmt(v, True)) if v is not None else _abbr("[x]")) for yr, v in series]
        out.append(_data_table(title, ("Year", "Children"), rows))
    return "".join(out)


def _rate_svg(chart_id: str, title: str, bars: list[tuple[str, str, GridCell]]) -> str:
    w, ml, mr, row_h, mt = 760, 170, 70, 20, 10
    h = mt + row_h * len(bars) + 40
    values = [c.value for _, _, c in bars if c.value is not None]
    top, step = _nice_max(max(values) if values else 1)
    pw = w - ml - mr

    def x(v: float) -> float:
        return ml + pw * v / top

    desc = (
        f"Horizontal bar chart: {title}, one bar per area, highest first"
        + (f"; highest {bars[0][1]} {_fmt(bars[0][2].value, False)}" if values else "")
        + ". The data are in the table below the chart."
    )
    parts = [
        f'<svg id="{chart_id}" role="img" aria-labelledby="{chart_id}-title {chart_id}-desc" '
        f'viewBox="0 0 {w} {h}" width="{w}" height="{h}" xmlns="http://www.w3.org/2000/svg">',
        f'<title id="{chart_id}-title">{_e(title)}</title><desc id="{chart_id}-desc">{_e(desc)}</desc>',
    ]
    base = mt + row_h * len(bars)
    t = 0.0
    while t <= top + 1e-9:
        parts.append(f'<line class="grid" x1="{x(t):.1f}" x2="{x(t):.1f}" y1="{mt}" y2="{base}"/>')
        parts.append(f'<text x="{x(t):.1f}" y="{base + 14}" text-anchor="middle">{_e(_fmt(t, True))}</text>')
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
        f'<text x="{ml + pw / 2}" y="{h - 6}" text-anchor="middle">Rate per 10,000 children aged 0 to 17</text>'
    )
    parts.append("</svg>")
    return "".join(parts)


def _rates(year: str, tables: dict[str, pd.DataFrame]) -> str:
    names = la_names()
    out = []
    for census, table in HEADLINE_TABLES.items():
        if table not in tables:
            continue
        title = f"{CENSUS_NAMES[census].replace(', Wales', '')}: rate per 10,000 children aged 0 to 17 by area, {year}"
        bars = []
        for area in area_order():
            cell = _cell(table, (area, "total", "rate_per_10000"), tables, year)
            if cell is not None:
                bars.append((area, names.get(area, area), cell))
        out.append(f"<h3>{_e(title)}</h3>")
        if not any(c.value is not None for _, _, c in bars):
            codes = sorted({x for _, _, c in bars for x in CODE_RE.findall(c.codes)})
            out.append(
                f"<p>Rates per 10,000 are not available for {_e(year)} {_abbr(' '.join(codes))}: no population "
                "estimate is held for the mid-year before the census date.</p>"
            )
            continue
        bars.sort(key=lambda b: (b[2].value is None, -(b[2].value or 0)))
        out.append(_rate_svg(f"rates-{census}", title, bars))
        rows = [
            (
                name,
                _e(_fmt(c.value, False)) + (f" {_abbr(c.codes)}" if c.codes else "")
                if c.value is not None
                else _abbr(c.codes),
            )
            for _, name, c in bars
        ]
        out.append(_data_table(title, ("Area", "Rate per 10,000"), rows))
    return "".join(out)


def _table_html(grid: Grid, year: str, notes: ReleaseNotes) -> str:
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
                cells.append(f'<td class="n">{_abbr(c.codes)}</td>')
            else:
                codes = [x for x in CODE_RE.findall(c.codes) if x not in grid.table_codes]
                text = _e(_fmt(c.value, measure in COUNT_MEASURES))
                cells.append(f'<td class="n">{text}{" " + _abbr(" ".join(codes)) if codes else ""}</td>')
        body.append("<tr>" + "".join(cells) + "</tr>")
    note_text = ", ".join(f'<a href="#note-{_e(n)}">Note {_e(n)}</a>' for n in applies) or "none"
    title = grid_title(grid, year)
    return (
        f'<section id="{_e(tid)}" aria-labelledby="{_e(tid)}-heading"><h3 id="{_e(tid)}-heading">{_e(title)}</h3>'
        f'<p>Notes: {note_text}. Note codes are explained in <a href="#note-codes">Note codes</a>.</p>'
        f'<div class="table-wrap" role="region" tabindex="0" aria-labelledby="{_e(tid)}-caption">'
        f'<table><caption id="{_e(tid)}-caption">{_e(title)}</caption><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div></section>"
    )


def _measures_of(table_id: str) -> list[str]:
    spec = TABLES[table_id]
    col_dim = spec.dimensions[-1] if spec.dimensions else None
    if col_dim is None:
        return spec.measures_for(None)
    return [m for k in spec.keys[col_dim] for m in spec.measures_for(k)]


def _notes_html(notes: ReleaseNotes, grids: list[Grid]) -> str:
    ids = [g.table_id for g in grids]
    codes = "".join(f"<dt>{_e(c)}</dt><dd>{_e(t)}</dd>" for c, t in NOTE_CODES.items())
    numbered = "".join(
        f'<li id="note-{_e(n)}" value="{_e(n)}">{_e(t)} <span class="change">('
        + _e("all tables" if not ts else ", ".join(x for x in ids if x.lower() in ts))
        + ")</span></li>"
        for n, t, ts in notes.notes
    )
    quality = "".join(f"<p>{_e(q)}</p>" for q in notes.quality)
    return (
        '<h2 id="notes">Notes</h2><h3 id="note-codes">Note codes</h3><dl>' + codes + "</dl>"
        "<h3>Numbered notes</h3><ol>" + numbered + "</ol>"
        f'<h3 id="disclosure">Disclosure control</h3><p>{_e(notes.disclosure)}</p>'
        f'<h3 id="quality">Quality</h3>{quality}<p>Source: {_e(notes.source)}.</p>'
        '<h3 id="definitions">Definitions</h3>'
        "<p>The collection year runs from 1 April to 31 March; 'at 31 March' figures are on the census date. "
        "A child is looked after at 31 March when an episode of care (short breaks left out) is open on that "
        "date and the child is under 18. A child receives care and support at 31 March when a plan that started "
        "on or before 1 January is open on 31 March. Ages are in completed years. Rates per 10,000 use the ONS "
        "mid-year estimate of children aged 0 to 17 for the mid-year before the census date. The full "
        "definitions are in the publication specification and docs/definitions.md of cssd.</p>"
        f"<h3>Contact</h3><p>{_e(notes.contact)}</p>"
    )


def render_release_html(
    year: str,
    tables: dict[str, pd.DataFrame],
    history: dict[str, list[tuple[str, float | None]]],
    notes: "ReleaseNotes | dict | None" = None,
) -> str:
    rn = ReleaseNotes.coerce(notes)
    tables = normalise_tables(tables)
    # every year up to the release's (a later build's history may hold later years)
    history = {k.lower(): [(y, v) for y, v in series if y <= year] for k, series in history.items()}
    for census, table in HEADLINE_TABLES.items():  # cla1 / crcs1 are accepted for cla / crcs
        if census not in history and table in history:
            history[census] = history.pop(table)
    grids = [build_grid(t, f, year) for t, f in tables.items()]
    title = f"{rn.title}, {year}"
    toc = "".join(f'<li><a href="#{_e(g.table_id.lower())}">{_e(grid_title(g, year))}</a></li>' for g in grids)
    doc = [
        '<!doctype html><html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f'<header><h1>{_e(title)}</h1><p class="status">{_e(rn.status_text())}</p>',
        signoff_html(rn),  # orchestration/lib/outputs/signoff_line.py
        f"<p>{_e(rn.published)}</p>" if rn.published else "",
        "</header><main>",
        '<h2 id="headlines">Headline figures</h2>',
        _headlines(year, tables, history),
        '<p>Figures are after disclosure control; see <a href="#disclosure">Disclosure control</a>.</p>',
        '<h2 id="trends">Trends in Wales</h2>',
        _trends(history),
        '<h2 id="rates">Rates by local authority</h2>',
        _rates(year, tables),
        '<h2 id="tables">Tables</h2>',
        f'<nav aria-label="Tables"><ul>{toc}</ul></nav>',
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
    """Write release.html.

    ``tables``: table id -> the published long frame (as written to StatsWales) for ``year``.
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
            out[table] = pd.read_csv(p, dtype=str, keep_default_na=False)
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
