"""Copy the contract's code lists and reference data into dbt seeds.

Run by a maintainer when ../shared/spec or ../shared/reference is sharpened:

    uv run python tools/refresh_seeds.py ../shared

Nothing reads ../shared at run time: the platform uses the copies under
dbt_project/seeds/reference/. Code lists gain an empty ``label_cy`` column
(the spec holds no Welsh labels yet) so that every code list has the
``code, label_en, label_cy, era_from, era_to`` shape of STYLE.md.
tests/unit/test_seeds.py fails when the copies drift from the source.
"""

import csv
import sys
from pathlib import Path

SEEDS = Path(__file__).resolve().parents[1] / "dbt_project" / "seeds" / "reference"
REFERENCE_FILES = ["local_authorities.csv", "population_0_17.csv", "published_headlines.csv"]


def code_list_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    return [
        {
            "code": r["code"],
            "label_en": r["label_en"],
            "label_cy": r.get("label_cy", ""),
            "era_from": r["era_from"],
            "era_to": r["era_to"],
        }
        for r in rows
    ]


def write_rows(path: Path, rows: list[dict[str, str]]) -> None:
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]), lineterminator="\n")
        w.writeheader()
        w.writerows(rows)


def expected_seeds(shared: Path) -> dict[str, bytes | list[dict[str, str]]]:
    """Seed file name -> content it should hold (rows for code lists, bytes for reference)."""
    out: dict[str, bytes | list[dict[str, str]]] = {}
    for census in ("cla", "crcs"):
        for src in sorted((shared / "spec" / "codes" / census).glob("*.csv")):
            out[f"{census}_{src.stem}.csv"] = code_list_rows(src)
    for name in REFERENCE_FILES:
        out[name] = (shared / "reference" / name).read_bytes()
    return out


def main(argv: list[str]) -> int:
    shared = Path(argv[1] if len(argv) > 1 else "../shared").resolve()
    SEEDS.mkdir(parents=True, exist_ok=True)
    for name, content in expected_seeds(shared).items():
        target = SEEDS / name
        if isinstance(content, bytes):
            target.write_bytes(content)
        else:
            write_rows(target, content)
        print(f"wrote {target.relative_to(SEEDS.parents[2])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
