"""cssd's published Wales figures set against the figures Welsh Government published
(reference/published_headlines.csv): which cell of which table each published measure is, read from
the written StatsWales files (so after disclosure control: counts rounded to 5)."""

import csv
from dataclasses import dataclass
from pathlib import Path

from orchestration.lib.outputs.statswales import bracketed_notes
from orchestration.lib.publication import statswales_path
from orchestration.lib.reference import WALES, published_headlines


@dataclass(frozen=True)
class Headline:
    census: str  # cssd census whose table holds the figure
    table: str
    dimension: str
    keys: tuple[str, ...]  # keys of the dimension whose cells add up to the figure
    measure: str  # measure in the StatsWales file
    note: str = ""


# Published census/measure (published_headlines.csv) -> the cells of cssd's tables that are that figure.
HEADLINES: dict[tuple[str, str], Headline] = {
    ("CLA", "children_looked_after_31_march"): Headline("cla", "cla1", "legal_status_group", ("total",), "count"),
    ("CLA", "rate_looked_after_per_10000_under_18"): Headline(
        "cla", "cla1", "legal_status_group", ("total",), "rate_per_10000"
    ),
    ("CLA", "children_looked_after_under_care_order_31_march"): Headline(
        "cla", "cla1", "legal_status_group", ("care_order",), "count"
    ),
    ("CLA", "children_looked_after_in_foster_placements_31_march"): Headline(
        "cla", "cla2", "placement_group", ("foster_relative_friend", "foster_other"), "count", "two foster groups added"
    ),
    ("CLA", "children_started_to_be_looked_after"): Headline("cla", "cla4", "category_of_need", ("total",), "count"),
    ("CLA", "children_ceased_to_be_looked_after"): Headline("cla", "cla5", "ceased_group", ("total",), "count"),
    ("CLA", "children_left_care_special_guardianship_order"): Headline(
        "cla", "cla5", "ceased_group", ("special_guardianship",), "count"
    ),
    ("CLA", "children_adopted_from_care"): Headline("cla", "cla6", "age_group", ("total",), "count"),
    # The CIN-era totals published include unborn children, which CRCS1 keeps apart (publication.md).
    ("CIN", "total_children_in_need"): Headline(
        "crcs", "crcs1", "status", ("total", "unborn"), "count", "total + unborn, as CIN published it"
    ),
    ("CIN", "rate_in_need_per_10000_under_18"): Headline("crcs", "crcs1", "status", ("total",), "rate_per_10000"),
    ("CIN", "unborn_children_in_need"): Headline("crcs", "crcs1", "status", ("unborn",), "count"),
    ("CIN", "looked_after_or_on_child_protection_register"): Headline(
        "crcs", "crcs1", "status", ("looked_after", "child_protection_register"), "count", "looked after + register"
    ),
    ("CRCS", "total_children_receiving_care_and_support"): Headline("crcs", "crcs1", "status", ("total",), "count"),
    ("CRCS", "rate_receiving_care_and_support_per_10000_under_18"): Headline(
        "crcs", "crcs1", "status", ("total",), "rate_per_10000"
    ),
    ("CRCS", "looked_after"): Headline("crcs", "crcs1", "status", ("looked_after",), "count"),
    ("CRCS", "on_child_protection_register_not_looked_after"): Headline(
        "crcs", "crcs1", "status", ("child_protection_register",), "count"
    ),
    ("CRCS", "neither_looked_after_nor_on_child_protection_register"): Headline(
        "crcs", "crcs1", "status", ("neither",), "count"
    ),
}

# Published measures that are no cell of a cssd table, and why (`cssd headlines` lists them).
NOT_PUBLISHED_BY_CSSD = {
    ("CRCS", "looked_after_and_on_child_protection_register"): (
        "a subset of looked_after: CRCS1's status precedence counts these children as looked after"
    ),
    ("CLA", "children_looked_after_31_march_as_first_published"): "the first estimate; compared: the revised figure",
}

# The suffix of a published revision: the revised figure replaces the first one.
REVISED = "_revised"


@dataclass(frozen=True)
class Comparison:
    census: str  # published census (CLA, CIN, CRCS)
    measure: str
    year: str
    ours: str  # cssd's figure, or its note codes when it is not published
    published: float
    diff_percent: float | None  # None when cssd has no figure
    note: str


def published_figures() -> dict[tuple[str, str, str], float]:
    """(census, measure, year) -> the latest published figure (the revised one where there is one)."""
    out: dict[tuple[str, str, str], float] = {}
    for r in published_headlines():
        if not r["measure"].endswith(REVISED):
            out.setdefault((r["census"], r["measure"], r["year"]), float(r["value"]))
    for r in published_headlines():
        if r["measure"].endswith(REVISED):
            out[(r["census"], r["measure"].removesuffix(REVISED), r["year"])] = float(r["value"])
    return out


def _wales_cells(path: Path, dimension: str, measure: str) -> dict[str, tuple[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return {
            r[dimension]: (r["value"], bracketed_notes(r["note_codes"]))  # shown the GSS way: [x] [p]
            for r in csv.DictReader(f)
            if r["area_code"] == WALES and r["measure"] == measure
        }


def compare(output_dir: Path, censuses: set[str]) -> tuple[list[Comparison], list[tuple[str, str, str]]]:
    """Every published figure of ``censuses`` (cssd's: cla, crcs) whose year has a written table,
    set against cssd's figure; and the published measures that are no cssd figure, with the reason."""
    rows: list[Comparison] = []
    unmatched: list[tuple[str, str, str]] = []
    for (pub_census, measure, year), value in sorted(published_figures().items()):
        spec = HEADLINES.get((pub_census, measure))
        if spec is None:
            reason = NOT_PUBLISHED_BY_CSSD.get((pub_census, measure))
            if reason is None:
                raise KeyError(f"published measure {pub_census} {measure} has no cssd figure: add it to HEADLINES")
            if ("cla" if pub_census == "CLA" else "crcs") in censuses:
                unmatched.append((pub_census, measure, reason))
            continue
        if spec.census not in censuses:
            continue
        path = statswales_path(output_dir, year, spec.table)
        if not path.exists():
            continue
        cells = _wales_cells(path, spec.dimension, spec.measure)
        found = [cells.get(k, ("", "-")) for k in spec.keys]
        hidden = [notes for v, notes in found if v == ""]
        if hidden:
            rows.append(Comparison(pub_census, measure, year, " ".join(hidden), value, None, spec.note))
            continue
        figure = sum(float(v) for v, _ in found)
        ours = found[0][0] if len(found) == 1 else f"{figure:g}"
        rows.append(Comparison(pub_census, measure, year, ours, value, (figure - value) / value * 100, spec.note))
    return rows, sorted(set(unmatched))
