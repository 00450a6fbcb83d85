"""The published tables: their dimensions, where their files go, and how to read them back."""

import csv
from dataclasses import dataclass
from itertools import product
from pathlib import Path

import duckdb
import pandas as pd

from orchestration.lib.reference import WALES, area_order


@dataclass(frozen=True)
class PublishedTable:
    table_id: str
    census: str
    title: str
    dimensions: list[str]  # dimension columns of the long file, in order (may be empty: area only)
    keys: dict[str, list[str]]  # dimension -> keys in published order
    measures_by_key: dict[str, list[str]]  # key of the last dimension -> measures ("*" = any key)
    wales_only: bool = False  # only the Wales row is published (CLA3, CRCS3)

    def areas(self) -> list[str]:
        """The areas a file of the table holds, in published order."""
        return [WALES] if self.wales_only else area_order()

    def measures_for(self, key: str | None) -> list[str]:
        """Measures of a cell whose last dimension has ``key`` (None: a table without dimensions)."""
        if key is not None and key in self.measures_by_key:
            return self.measures_by_key[key]
        return self.measures_by_key.get("*", [])


AGE_GROUPS = ["total", "under_1", "1_to_4", "5_to_9", "10_to_15", "16_to_17"]

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
    "cla2": PublishedTable(
        table_id="cla2",
        census="cla",
        title="Children looked after at 31 March by local authority and placement type",
        dimensions=["placement_group"],
        keys={
            "placement_group": [
                "total",
                "foster_relative_friend",
                "foster_other",
                "placed_for_adoption",
                "placed_with_parents",
                "residential",
                "independent_living",
                "other",
            ]
        },
        measures_by_key={"*": ["count"]},
    ),
    "cla3": PublishedTable(
        table_id="cla3",
        census="cla",
        title="Children looked after at 31 March by sex and age group",
        dimensions=["sex", "age_group"],
        keys={
            "sex": ["total", "male", "female", "other"],
            "age_group": AGE_GROUPS,
        },
        measures_by_key={"*": ["count"]},
        wales_only=True,
    ),
    "cla4": PublishedTable(
        table_id="cla4",
        census="cla",
        title="Children who started to be looked after during the year by category of need",
        dimensions=["category_of_need"],
        keys={"category_of_need": ["total", "N1", "N2", "N3", "N4", "N5", "N6", "N7", "N8"]},
        measures_by_key={"*": ["count"]},
    ),
    "cla5": PublishedTable(
        table_id="cla5",
        census="cla",
        title="Children who ceased to be looked after during the year by reason",
        dimensions=["ceased_group"],
        keys={
            "ceased_group": [
                "total",
                "returned_home",
                "adopted",
                "special_guardianship",
                "child_arrangements_order",
                "independent_living",
                "when_i_am_ready",
                "transferred",
                "other",
            ]
        },
        measures_by_key={"*": ["count"]},
    ),
    "cla6": PublishedTable(
        table_id="cla6",
        census="cla",
        title="Children adopted from care during the year by age at adoption",
        dimensions=["age_group"],
        keys={"age_group": AGE_GROUPS},
        measures_by_key={"total": ["count", "median_age"], "*": ["count"]},
    ),
    "cla7": PublishedTable(
        table_id="cla7",
        census="cla",
        title="Care leavers who reached 19 during the year",
        dimensions=["outcome"],
        keys={"outcome": ["total", "in_touch", "suitable_accommodation", "education_training_employment"]},
        measures_by_key={"total": ["count"], "*": ["count", "percent"]},
    ),
    "cla8": PublishedTable(
        table_id="cla8",
        census="cla",
        title="Placement stability: children looked after at 31 March with three or more placements during the year",
        dimensions=["placements"],
        keys={"placements": ["total", "3_or_more"]},
        measures_by_key={"total": ["count"], "3_or_more": ["count", "percent"]},
    ),
    "cla9": PublishedTable(
        table_id="cla9",
        census="cla",
        title="Children receiving short breaks during the year",
        dimensions=[],
        keys={},
        measures_by_key={"*": ["count"]},
    ),
    "crcs1": PublishedTable(
        table_id="crcs1",
        census="crcs",
        title="Children receiving care and support at 31 March by local authority and status",
        dimensions=["status"],
        keys={"status": ["total", "looked_after", "child_protection_register", "neither", "unborn"]},
        measures_by_key={"total": ["count", "rate_per_10000"], "*": ["count"]},
    ),
    "crcs2": PublishedTable(
        table_id="crcs2",
        census="crcs",
        title="Children receiving care and support at 31 March by category of need",
        dimensions=["category_of_need"],
        keys={"category_of_need": ["total", *(f"N{i}" for i in range(1, 10))]},
        measures_by_key={"total": ["count"], "*": ["count", "percent"]},
    ),
    "crcs3": PublishedTable(
        table_id="crcs3",
        census="crcs",
        title="Children receiving care and support at 31 March by sex and age group",
        dimensions=["sex", "age_group"],
        keys={"sex": ["total", "male", "female", "other"], "age_group": AGE_GROUPS},
        measures_by_key={"*": ["count"]},
        wales_only=True,
    ),
    "crcs4": PublishedTable(
        table_id="crcs4",
        census="crcs",
        title="Children receiving care and support at 31 March with a disability, by type",
        dimensions=["disability_type"],
        keys={
            "disability_type": [
                "total",
                "MOB",
                "HAND",
                "PC",
                "INC",
                "COMM",
                "LD",
                "HEAR",
                "VIS",
                "BEH",
                "CON",
                "AUT",
                "OTH",
            ]
        },
        measures_by_key={"*": ["count", "percent"]},
    ),
    "crcs5": PublishedTable(
        table_id="crcs5",
        census="crcs",
        title="Children receiving care and support at 31 March by parental factor",
        dimensions=["parental_factor"],
        keys={"parental_factor": ["total", "PMH", "PSM", "DA", "PLD", "PPH"]},
        measures_by_key={"*": ["count", "percent"]},
    ),
    "crcs6": PublishedTable(
        table_id="crcs6",
        census="crcs",
        title=(
            "Children receiving care and support at 31 March with mental health, substance misuse "
            "or youth offending recorded"
        ),
        dimensions=["factor"],
        keys={"factor": ["total", "mental_health", "substance_misuse", "youth_offending"]},
        measures_by_key={"*": ["count", "percent"]},
    ),
    "crcs7": PublishedTable(
        table_id="crcs7",
        census="crcs",
        title="Children receiving care and support at 31 March: immunisations up to date and dental check",
        dimensions=["health_item", "health_status"],
        keys={
            "health_item": ["immunisations_up_to_date", "dental_check"],
            "health_status": ["total", "yes", "no", "not_recorded"],
        },
        measures_by_key={"total": ["count"], "*": ["count", "percent"]},
    ),
    "crcs8": PublishedTable(
        table_id="crcs8",
        census="crcs",
        title="Care and support plans during the year: started, and closed by reason",
        dimensions=["flow", "reason_for_closure"],
        keys={
            "flow": ["started", "closed"],
            "reason_for_closure": ["total", *(f"RC{i}" for i in range(1, 9))],
        },
        measures_by_key={"*": ["count"]},
    ),
    "rec1": PublishedTable(
        table_id="rec1",
        census="crcs",
        title="Reconciliation: looked-after children in CRCS vs CLA at 31 March",
        dimensions=[],
        keys={},
        measures_by_key={"*": ["crcs_count", "cla_count", "difference"]},
    ),
}

MEASURE_ORDER = ["count", "rate_per_10000", "percent", "median_age", "crcs_count", "cla_count", "difference"]


def statswales_path(output_dir: Path, year: str, table_id: str) -> Path:
    return output_dir / year / "statswales" / f"{table_id}.csv"


def read_publication_table(con: duckdb.DuckDBPyConnection, table_id: str, years: list[str]) -> pd.DataFrame:
    """pub_<table> rows for the years, in published order: Wales then LAs, keys, measures."""
    spec = TABLES[table_id]
    columns = ", ".join(["year", "area_code", *spec.dimensions, "measure", "value", "note_codes"])
    frame = con.execute(
        f"select {columns} from publication.pub_{table_id} where year in (select unnest(?))",
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
    for area in spec.areas():
        for combo in product(*(spec.keys[d] for d in spec.dimensions)):
            for m in spec.measures_for(combo[-1] if combo else None):
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
