"""The published tables: their dimensions, where their files go, and how to read them back."""

import csv
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib.reference import area_order


@dataclass(frozen=True)
class PublishedTable:
    table_id: str
    census: str
    title: str
    dimensions: list[str]  # dimension columns of the long file, in order
    keys: dict[str, list[str]]  # dimension -> keys in published order
    measures_by_key: dict[str, list[str]]  # key of the last dimension -> measures ("*" = any key)


TABLES = {
    "cla1": PublishedTable(
        table_id="cla1",
        census="cla",
        title="Children looked after at 31 March by local authority and legal status",
        dimensions=["legal_status_group"],
        keys={
            "legal_status_group": [
                "total",
                "care_order",
                "placement_order",
                "voluntary_accommodation",
                "youth_justice",
                "emergency_protection",
            ]
        },
        measures_by_key={"total": ["count", "rate_per_10000"], "*": ["count"]},
    ),
}

MEASURE_ORDER = ["count", "rate_per_10000", "percent", "median_age"]


def statswales_path(output_dir: Path, year: str, table_id: str) -> Path:
    return output_dir / year / "statswales" / f"{table_id}.csv"


def read_publication_table(con: duckdb.DuckDBPyConnection, table_id: str, years: list[str]) -> pd.DataFrame:
    """pub_<table> rows for the years, in published order: Wales then LAs, keys, measures."""
    spec = TABLES[table_id]
    dims = ", ".join(spec.dimensions)
    frame = con.execute(
        f"select year, area_code, {dims}, measure, value, note_codes from publication.pub_{table_id} "
        "where year in (select unnest(?))",
        [years],
    ).df()
    order = {a: i for i, a in enumerate(area_order())}
    frame["_area"] = frame["area_code"].map(order)
    sort_cols = ["year", "_area"]
    for d in spec.dimensions:
        frame[f"_{d}"] = frame[d].map({k: i for i, k in enumerate(spec.keys[d])})
        sort_cols.append(f"_{d}")
    frame["_measure"] = frame["measure"].map({m: i for i, m in enumerate(MEASURE_ORDER)})
    sort_cols.append("_measure")
    frame = frame.sort_values(sort_cols, kind="stable").reset_index(drop=True)
    return frame.drop(columns=[c for c in frame.columns if c.startswith("_")])


def expected_cells(table_id: str) -> set[tuple[str, ...]]:
    """Every (area, keys..., measure) a file of the table must hold."""
    spec = TABLES[table_id]
    cells: set[tuple[str, ...]] = set()
    last = spec.dimensions[-1]
    from itertools import product

    for area in area_order():
        for combo in product(*(spec.keys[d] for d in spec.dimensions)):
            key = dict(zip(spec.dimensions, combo, strict=True))[last]
            for m in spec.measures_by_key.get(key, spec.measures_by_key.get("*", [])):
                cells.add((area, *combo, m))
    return cells


def verify_statswales_file(path: Path, table_id: str, year: str) -> list[str]:
    """Read a written file back; return what is wrong with it (empty = fine)."""
    spec = TABLES[table_id]
    header = ["year", "area_code", *spec.dimensions, "measure", "value", "note_codes"]
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    if not rows or rows[0] != header:
        return [f"{path.name}: header is {rows[0] if rows else 'missing'}, expected {header}"]
    problems = []
    seen: set[tuple[str, ...]] = set()
    for i, r in enumerate(rows[1:], start=2):
        if r[0] != year:
            problems.append(f"{path.name} row {i}: year {r[0]!r}, expected {year}")
        value, notes = r[-2], r[-1]
        if value == "" and not notes:
            problems.append(f"{path.name} row {i}: no value and no note code")
        seen.add(tuple(r[1:-2]))
    missing = expected_cells(table_id) - seen
    extra = seen - expected_cells(table_id)
    if missing:
        problems.append(f"{path.name}: {len(missing)} cells missing, e.g. {sorted(missing)[0]}")
    if extra:
        problems.append(f"{path.name}: {len(extra)} unexpected cells, e.g. {sorted(extra)[0]}")
    if len(rows) - 1 != len(seen):
        problems.append(f"{path.name}: duplicate cells")
    return problems
