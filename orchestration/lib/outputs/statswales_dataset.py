"""The all-years StatsWales dataset of each table (statswales.md, What cssd writes):

    output/statswales/<table>/
      data.csv             every released year of the series (first upload, or a full replacement)
      update_<year>.csv    the year's rows: upload with the action ``add``
      revise_<year>.csv    earlier rows whose value or note codes changed since the last dataset
                           was written: upload with ``revise`` (only written when there are some)
      lookups/*.csv        the table's dimensions, areas and measures, both languages
      metadata.json        title, summary, collection, quality, rounding, contact, ... in en and cy,
                           and the update: its files, the action each needs, the reason in en and cy
      translations.csv     type,key,english,cymraeg: every text of the dataset (translation round trip)

Written after a year's release is swapped in, from the released per-year files
(``output/<year>/statswales/<table>.csv``), which are already in StatsWales's format. The rows are
copied as text, never recomputed, so the dataset holds exactly the published figures.
"""

import csv
import io
import json
from pathlib import Path

from orchestration.lib.outputs.atomic import write_bytes_atomic
from orchestration.lib.outputs.lookups import dimension_label, write_lookups
from orchestration.lib.outputs.workbook import disclosure_text, x_reason
from orchestration.lib.publication import TABLES
from orchestration.lib.statswales_check import YEAR
from orchestration.lib.translations import both, export_csv, export_rows, text

DATASETS_DIR = "statswales"
LINKS = {
    "cla": "https://statscymru.llyw.cymru/Catalogue/Health-and-Social-Care/Social-Services/Childrens-Services/"
    "Children-Looked-After",
    "crcs": "https://statscymru.llyw.cymru/Catalogue/Health-and-Social-Care/Social-Services/Childrens-Services/"
    "children-receiving-care-and-support",
}


def _read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    return (rows[0], rows[1:]) if rows else ([], [])


def _csv(header: list[str], rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8")


def released_years(output_dir: Path) -> list[str]:
    return sorted(p.name for p in output_dir.iterdir() if p.is_dir() and YEAR.match(p.name))


def dataset_text_keys(table_id: str) -> list[str]:
    """Every catalogue key whose text the dataset writes (metadata, dimension names, labels)."""
    from orchestration.lib.outputs.lookups import dimension_keys

    spec = TABLES[table_id]
    keys = [f"table.{table_id}.title", f"table.{table_id}.summary", f"metadata.collection.{spec.census}",
            "metadata.rounding", "metadata.update_frequency", "metadata.data_provider", "metadata.topic",
            f"metadata.link.{spec.census}", "dimension.year", "dimension.area_code", "dimension.measure"]  # fmt: skip
    for dim in spec.dimensions:
        keys.append(f"dimension.{dim}")
        keys += [f"lookup.{dim}.{r['key']}" for r in dimension_keys()[dim]]
    measures = sorted({m for ms in spec.measures_by_key.values() for m in ms})
    keys += [f"measure.{m}" for m in measures]
    return sorted(set(keys))


def metadata(table_id: str, policy: str, contact: str, update: "dict | None") -> dict:
    spec = TABLES[table_id]
    quality = {
        lang: " ".join(
            [text("quality.1", lang), text("quality.2", lang), disclosure_text(policy, lang), x_reason(table_id, lang)]
        )
        for lang in ("en", "cy")
    }
    meta = {
        "table_id": table_id.upper(),
        "title": both(f"table.{table_id}.title"),
        "summary": both(f"table.{table_id}.summary"),
        "collection": both(f"metadata.collection.{spec.census}"),
        "quality": quality,
        "rounding_applied": True,
        "rounding_description": both("metadata.rounding"),
        "designation": "official",
        "update_frequency": both("metadata.update_frequency"),
        "related_links": [
            {"url": LINKS[spec.census], **{f"label_{k}": v for k, v in both(f"metadata.link.{spec.census}").items()}}
        ],
        "topics": [both("metadata.topic")],
        "data_provider": both("metadata.data_provider"),
        "dimensions": {
            column: {lang: dimension_label(column, lang) for lang in ("en", "cy")}
            for column in ["year", "area_code", *spec.dimensions, "measure"]
        },
        "roles": {"data_values": "value", "measure": "measure", "note_codes": "note_codes", "date": "year"},
        "year_format": "YYYY-YY (financial year, starting 1 April)",
        "contact": {
            "configured": bool(contact),
            **{
                lang: (text("release.contact", lang, contact=contact) if contact else text("release.no_contact", lang))
                for lang in ("en", "cy")
            },
        },
    }
    if update is not None:
        meta["update"] = update
    return meta


def write_dataset(output_dir: Path, table_id: str, year: str, policy: str, contact: str) -> Path:
    """(Re)write ``output/statswales/<table>/`` from every released year; return its folder."""
    folder = output_dir / DATASETS_DIR / table_id
    header: list[str] = []
    by_year: dict[str, list[list[str]]] = {}
    for y in released_years(output_dir):
        path = output_dir / y / "statswales" / f"{table_id}.csv"
        if path.exists():
            header, rows = _read_rows(path)
            by_year[y] = rows
    if not by_year:
        raise FileNotFoundError(f"no released {table_id}.csv under {output_dir}")
    all_rows = [r for y in sorted(by_year) for r in by_year[y]]
    # What changed in earlier years since the dataset was last written (keys: every column but the
    # value and the note codes).
    previous: dict[tuple[str, ...], tuple[str, str]] = {}
    if (folder / "data.csv").exists():
        old_header, old_rows = _read_rows(folder / "data.csv")
        if old_header == header:
            previous = {tuple(r[:-2]): (r[-2], r[-1]) for r in old_rows}
    revised = [
        r for r in all_rows if r[0] != year and tuple(r[:-2]) in previous and previous[tuple(r[:-2])] != (r[-2], r[-1])
    ]
    write_bytes_atomic(folder / "data.csv", _csv(header, all_rows))
    files = []
    if year in by_year:
        write_bytes_atomic(folder / f"update_{year}.csv", _csv(header, by_year[year]))
        files.append(
            {"file": f"update_{year}.csv", "action": "add", "instructions": both("metadata.action.add", year=year)}
        )
    stale_revise = folder / f"revise_{year}.csv"
    if revised:
        write_bytes_atomic(stale_revise, _csv(header, revised))
        files.append(
            {
                "file": f"revise_{year}.csv",
                "action": "revise",
                "instructions": both("metadata.action.revise", year=year),
            }
        )
    elif stale_revise.exists():
        stale_revise.unlink()
    reason = both("metadata.reason.add", year=year)
    if revised:
        more = both("metadata.reason.revise", n=len(revised))
        reason = {lang: f"{reason[lang]} {more[lang]}" for lang in reason}
    update = {"year": year, "files": files, "reason": reason}
    write_lookups(folder / "lookups", table_id)
    meta = metadata(table_id, policy, contact, update)
    write_bytes_atomic(folder / "metadata.json", (json.dumps(meta, indent=1, ensure_ascii=False) + "\n").encode())
    write_bytes_atomic(folder / "translations.csv", export_csv(export_rows(keys=dataset_text_keys(table_id))))
    return folder


def write_datasets(output_dir: Path, year: str, policy: str, contact: str) -> list[Path]:
    """Every table released for ``year``: its all-years dataset."""
    out = []
    for table_id in TABLES:
        if (output_dir / year / "statswales" / f"{table_id}.csv").exists():
            out.append(write_dataset(output_dir, table_id, year, policy, contact))
    return out
