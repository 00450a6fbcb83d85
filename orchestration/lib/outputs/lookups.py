"""StatsWales lookup CSVs: a code list for every dimension column of the published tables.

``statswales/lookups/<dimension>.csv`` holds ``code, description_en, description_cy, sort_order,
hierarchy`` (publication.md, Files). ``hierarchy`` is the parent code (``total`` for the keys under
it, ``W92000004`` for a local authority) and empty at the top. Besides one file per dimension column
there are ``area_code.csv`` (22 LAs and Wales, English and Welsh names from the reference seed),
``measure.csv`` and ``note_codes.csv``.

Labels come from the seeds (``mappings/dimension_keys.csv``, ``reference/local_authorities.csv``)
and from the constants below. ``description_cy`` is left empty where no Welsh translation is held:
nothing is machine translated. ``docs/translations.md`` lists the labels still waiting for one and is
generated here:

    python -m orchestration.lib.outputs.lookups          # write docs/translations.md
    python -m orchestration.lib.outputs.lookups --check  # exit 1 if docs/translations.md is stale
"""

import csv
import io
import sys
from functools import lru_cache
from pathlib import Path

from orchestration.lib.outputs.atomic import neutralise, write_bytes_atomic
from orchestration.lib.publication import MEASURE_ORDER, TABLES
from orchestration.lib.reference import WALES, area_order, local_authorities
from orchestration.paths import MAPPING_SEEDS_DIR, REPO_ROOT

LOOKUP_COLUMNS = ["code", "description_en", "description_cy", "sort_order", "hierarchy"]
TRANSLATIONS_DOC = REPO_ROOT / "docs" / "translations.md"

# Plain-English names of the dimension columns (column headings of the workbook and the HTML tables).
DIMENSION_LABELS = {
    "legal_status_group": "Legal status",
    "placement_group": "Placement type",
    "ceased_group": "Reason for ceasing to be looked after",
    "age_group": "Age group",
    "sex": "Sex",
    "category_of_need": "Category of need",
    "outcome": "Care leaver outcome",
    "placements": "Placements during the year",
    "status": "Status",
    "disability_type": "Type of disability",
    "parental_factor": "Parental factor",
    "factor": "Factor recorded",
    "health_item": "Health check",
    "health_status": "Health check recorded",
    "flow": "Plans started or closed",
    "reason_for_closure": "Reason for closure",
}

MEASURE_LABELS = {
    "count": "Number",
    "rate_per_10000": "Rate per 10,000 children aged 0 to 17",
    "percent": "Percentage",
    "median_age": "Median age in years",
    "crcs_count": "Looked after in the CRCS return",
    "cla_count": "Looked after in the CLA return",
    "difference": "Difference (CRCS minus CLA)",
}

# The note codes of the GSS guidance, in the order the Notes sheet lists them.
NOTE_CODES = {
    "[c]": "Confidential: a count of 1 to 4, or a figure derived from one, is withheld to protect the children",
    "[x]": "Not available: a local authority did not submit a return, so its figures and the Wales figure "
    "are not published",
    "[z]": "Not applicable: the figure does not exist for this year or this cell (for example a percentage "
    "of zero children)",
    "[p]": "Provisional: the figure may be revised in a later release",
    "[r]": "Revised since the last release",
}


@lru_cache(maxsize=1)
def dimension_keys() -> dict[str, list[dict[str, str]]]:
    """dimension -> its rows of dimension_keys.csv, in sort order."""
    out: dict[str, list[dict[str, str]]] = {}
    with (MAPPING_SEEDS_DIR / "dimension_keys.csv").open(encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            out.setdefault(r["dimension"], []).append(r)
    for rows in out.values():
        rows.sort(key=lambda r: int(r["sort_order"]))
    return out


def key_label(dimension: str, key: str) -> str:
    """The English label of a dimension key (raises KeyError when the seed has none)."""
    for r in dimension_keys().get(dimension, []):
        if r["key"] == key:
            return r["description_en"]
    raise KeyError(f"dimension_keys.csv has no label for {dimension}={key}")


def used_dimensions() -> list[str]:
    """Every dimension column of any published table, in first-use order."""
    out: list[str] = []
    for spec in TABLES.values():
        out.extend(d for d in spec.dimensions if d not in out)
    return out


def _row(code: str, en: str, cy: str, order: int, parent: str) -> dict[str, str]:
    return {"code": code, "description_en": en, "description_cy": cy, "sort_order": str(order), "hierarchy": parent}


def lookup_rows() -> dict[str, list[dict[str, str]]]:
    """Lookup name (file stem) -> its rows, in sort order."""
    out: dict[str, list[dict[str, str]]] = {}
    seeded = dimension_keys()
    for dim in used_dimensions():
        rows = seeded.get(dim, [])
        have = {r["key"] for r in rows}
        missing = sorted({k for spec in TABLES.values() for k in spec.keys.get(dim, [])} - have)
        if missing:
            raise KeyError(f"dimension_keys.csv has no label for {dim} keys {missing}")
        out[dim] = [
            _row(r["key"], r["description_en"], r["description_cy"], int(r["sort_order"]), r["hierarchy"]) for r in rows
        ]
    names = {r["gss_code"]: r for r in local_authorities()}
    out["area_code"] = [
        _row(code, names[code]["name_en"], names[code]["name_cy"], i, "" if code == WALES else WALES)
        for i, code in enumerate(area_order())
    ]
    out["measure"] = [_row(m, MEASURE_LABELS[m], "", i, "") for i, m in enumerate(MEASURE_ORDER)]
    out["note_codes"] = [_row(c, text, "", i, "") for i, (c, text) in enumerate(NOTE_CODES.items())]
    return out


def lookup_csv(rows: list[dict[str, str]]) -> bytes:
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=LOOKUP_COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: neutralise(r[k]) for k in LOOKUP_COLUMNS})
    return buf.getvalue().encode("utf-8")


def write_lookups(lookup_dir: Path) -> list[Path]:
    """Write every lookup CSV into ``lookup_dir`` (e.g. ``<year>/statswales/lookups``); return the paths."""
    paths = []
    for name, rows in lookup_rows().items():
        path = lookup_dir / f"{name}.csv"
        write_bytes_atomic(path, lookup_csv(rows))
        paths.append(path)
    return paths


def render_translations_doc() -> str:
    """docs/translations.md: every lookup label without a Welsh translation."""
    lines = [
        "# Welsh translations still needed",
        "",
        "Generated by `python -m orchestration.lib.outputs.lookups` from the lookup CSVs it writes",
        "(`statswales/lookups/*.csv`); `tests/unit/test_lookups.py` fails when this file is stale.",
        "",
        "`description_cy` is left empty wherever no Welsh translation is held: cssd does not machine",
        "translate. Dimension labels come from `dbt_project/seeds/mappings/dimension_keys.csv` (fill its",
        "`description_cy` column), area names from `dbt_project/seeds/reference/local_authorities.csv`,",
        "measure and note code labels from `orchestration/lib/outputs/lookups.py`. The workbook and",
        "`release.html` are written in English only for now.",
        "",
    ]
    total = 0
    for name, rows in lookup_rows().items():
        todo = [r for r in rows if not r["description_cy"]]
        if not todo:
            continue
        total += len(todo)
        lines += [f"## {name}.csv ({len(todo)})", "", "| code | description_en |", "|---|---|"]
        lines += [f"| {r['code']} | {r['description_en'].replace('|', chr(92) + '|')} |" for r in todo]
        lines.append("")
    lines.insert(2, f"{total} labels have no Welsh translation.")
    lines.insert(3, "")
    return "\n".join(lines)


def main(argv: list[str]) -> int:
    text = render_translations_doc()
    if "--check" in argv:
        current = TRANSLATIONS_DOC.read_text(encoding="utf-8") if TRANSLATIONS_DOC.exists() else ""
        if current != text:
            print(
                f"{TRANSLATIONS_DOC} is out of date: run python -m orchestration.lib.outputs.lookups", file=sys.stderr
            )
            return 1
        return 0
    TRANSLATIONS_DOC.write_text(text, encoding="utf-8")
    print(f"wrote {TRANSLATIONS_DOC}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
