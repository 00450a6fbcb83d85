"""StatsWales lookup CSVs: a code list for every dimension column of the published tables.

``lookups/<dimension>.csv`` holds ``refcode, description_en, description_cy, sort, hierarchy``
(statswales.md, Lookups): ``refcode`` is the code as the data file writes it, ``sort`` a whole
number, ``hierarchy`` the parent's refcode (``total`` for the keys under it, ``W92000004`` for a
local authority) and empty at the top. Besides one file per dimension column there are
``area_code.csv`` (22 LAs and Wales; StatsWales has no built-in geography) and ``measure.csv``,
which adds ``format`` and ``decimals`` (counts ``integer``/0; rates, percentages and medians
``decimal``/1) and, in ``note_en``/``note_cy``, when a measure is not available (``[x]``) and why.

The codes, their order and their parents come from the seed ``mappings/dimension_keys.csv`` (dbt
uses it too); every label comes from the translation catalogue (``orchestration/lib/translations``:
``lookup.<dimension>.<key>``, ``measure.<measure>``, ``dimension.<column>``, ``note_code.<code>``),
in English and Welsh, so a label without its Welsh is an error, never a blank. Area names come
from the reference seed (``reference/local_authorities.csv``), which holds the official Welsh names.
"""

import csv
import io
from functools import lru_cache
from pathlib import Path

from orchestration.lib.outputs.atomic import neutralise, write_bytes_atomic
from orchestration.lib.publication import MEASURE_ORDER, TABLES
from orchestration.lib.reference import WALES, area_order, local_authorities
from orchestration.lib.translations import text
from orchestration.paths import MAPPING_SEEDS_DIR

LOOKUP_COLUMNS = ["refcode", "description_en", "description_cy", "sort", "hierarchy"]
MEASURE_COLUMNS = [*LOOKUP_COLUMNS, "format", "decimals", "note_en", "note_cy"]
# StatsWales's display formats (services/measure-handler.ts): counts are whole numbers; rates,
# percentages and medians have one decimal place (publication.md, Rounding).
MEASURE_FORMAT = {
    "count": ("integer", 0),
    "crcs_count": ("integer", 0),
    "cla_count": ("integer", 0),
    "difference": ("integer", 0),
    "rate_per_10000": ("decimal", 1),
    "percent": ("percentage", 1),
    "median_age": ("decimal", 1),
}
# The GSS note codes cssd writes, in the order the notes list them.
NOTE_CODES = ("[c]", "[x]", "[z]", "[p]", "[r]")


def note_code_text(code: str, lang: str = "en") -> str:
    """What a note code ('[c]' or 'c') means, in ``lang``."""
    return text(f"note_code.{code.strip('[]')}", lang)


def dimension_label(dimension: str, lang: str = "en") -> str:
    return text(f"dimension.{dimension}", lang)


def measure_label(measure: str, lang: str = "en") -> str:
    return text(f"measure.{measure}", lang)


def key_label(dimension: str, key: str, lang: str = "en") -> str:
    """The label of a dimension key in ``lang`` (MissingText when the catalogue has none)."""
    return text(f"lookup.{dimension}.{key}", lang)


@lru_cache(maxsize=1)
def dimension_keys() -> dict[str, list[dict[str, str]]]:
    """dimension -> its rows of dimension_keys.csv (dimension, key, sort_order, hierarchy), in sort order."""
    out: dict[str, list[dict[str, str]]] = {}
    with (MAPPING_SEEDS_DIR / "dimension_keys.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["dimension"], []).append(r)
    for rows in out.values():
        rows.sort(key=lambda r: int(r["sort_order"]))
    return out


def used_dimensions() -> list[str]:
    """Every dimension column of any published table, in first-use order."""
    out: list[str] = []
    for spec in TABLES.values():
        out.extend(d for d in spec.dimensions if d not in out)
    return out


def _row(code: str, en: str, cy: str, order: int, parent: str) -> dict[str, str]:
    return {"refcode": code, "description_en": en, "description_cy": cy, "sort": str(order), "hierarchy": parent}


def measure_rows(measures: "list[str] | None" = None) -> list[dict[str, str]]:
    rows = []
    for i, m in enumerate(MEASURE_ORDER):
        if measures is not None and m not in measures:
            continue
        fmt, decimals = MEASURE_FORMAT[m]
        row = _row(m, measure_label(m, "en"), measure_label(m, "cy"), i, "")
        note = text("lookup_note.rate_not_available", "en") if m == "rate_per_10000" else ""
        note_cy = text("lookup_note.rate_not_available", "cy") if m == "rate_per_10000" else ""
        row.update({"format": fmt, "decimals": str(decimals), "note_en": note, "note_cy": note_cy})
        rows.append(row)
    return rows


def lookup_rows(table_id: "str | None" = None) -> dict[str, list[dict[str, str]]]:
    """Lookup name (file stem) -> its rows, in sort order: every dimension of ``table_id`` (all
    published tables when None), the areas and the measures."""
    out: dict[str, list[dict[str, str]]] = {}
    seeded = dimension_keys()
    specs = [TABLES[table_id]] if table_id else list(TABLES.values())
    dims = [d for d in used_dimensions() if any(d in s.dimensions for s in specs)]
    for dim in dims:
        rows = seeded.get(dim, [])
        have = {r["key"] for r in rows}
        missing = sorted({k for spec in TABLES.values() for k in spec.keys.get(dim, [])} - have)
        if missing:
            raise KeyError(f"dimension_keys.csv has no row for {dim} keys {missing}")
        out[dim] = [
            _row(
                r["key"],
                key_label(dim, r["key"], "en"),
                key_label(dim, r["key"], "cy"),
                int(r["sort_order"]),
                r["hierarchy"],
            )  # fmt: skip
            for r in rows
        ]
    names = {r["gss_code"]: r for r in local_authorities()}
    out["area_code"] = [
        _row(code, names[code]["name_en"], names[code]["name_cy"], i, "" if code == WALES else WALES)
        for i, code in enumerate(area_order())
    ]
    measures = None
    if table_id:
        spec = TABLES[table_id]
        measures = sorted({m for ms in spec.measures_by_key.values() for m in ms})
    out["measure"] = measure_rows(measures)
    return out


def lookup_csv(rows: list[dict[str, str]]) -> bytes:
    columns = MEASURE_COLUMNS if rows and "format" in rows[0] else LOOKUP_COLUMNS
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=columns, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: neutralise(r[k]) for k in columns})
    return buf.getvalue().encode("utf-8")


def write_lookups(lookup_dir: Path, table_id: "str | None" = None) -> list[Path]:
    """Write every lookup CSV into ``lookup_dir`` (e.g. ``<year>/statswales/lookups``); return the paths."""
    paths = []
    for name, rows in lookup_rows(table_id).items():
        path = lookup_dir / f"{name}.csv"
        write_bytes_atomic(path, lookup_csv(rows))
        paths.append(path)
    return paths
