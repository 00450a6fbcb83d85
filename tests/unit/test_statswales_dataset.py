"""The all-years StatsWales dataset of a table (output/statswales/<table>/): data.csv holds every
released year as published; update_<year>.csv the year's rows (add); revise_<year>.csv the earlier
rows that changed (revise), with the reason in both languages; metadata and translations bilingual."""

import csv
import json
from pathlib import Path

from orchestration.lib.outputs.lookups import write_lookups
from orchestration.lib.outputs.statswales import to_long_csv
from orchestration.lib.outputs.statswales_dataset import write_dataset
from orchestration.lib.publication import TABLES
from orchestration.lib.statswales_check import check_dataset, errors
from tests.unit.test_release_workbook import make_frame


def _release(out: Path, year: str, notes: str = "") -> Path:
    folder = out / year / "statswales"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "cla1.csv"
    path.write_bytes(to_long_csv(make_frame("cla1", year, notes), TABLES["cla1"].dimensions))
    write_lookups(folder / "lookups")
    return path


def _rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8", newline="") as f:
        return list(csv.reader(f))


def test_add_then_revise(tmp_path):
    out = tmp_path / "output"
    first = _release(out, "2023-24", "[p]")
    ds = write_dataset(out, "cla1", "2023-24", "rounding", "")
    assert [p.name for p in sorted(ds.glob("*.csv"))] == ["data.csv", "translations.csv", "update_2023-24.csv"]

    _release(out, "2024-25", "[p]")
    # 2023-24 is now final: its [p] goes, and one cell is revised by a late return
    first.write_bytes(to_long_csv(make_frame("cla1", "2023-24"), TABLES["cla1"].dimensions))
    text = first.read_text()
    first.write_text(text.replace("2023-24,W06000002,total,count,12,t", "2023-24,W06000002,total,count,15,t"))
    write_dataset(out, "cla1", "2024-25", "rounding", "")

    data, update, revise = (_rows(ds / n) for n in ("data.csv", "update_2024-25.csv", "revise_2024-25.csv"))
    assert data[0] == update[0] == revise[0] == _rows(first)[0]  # every column kept
    assert {r[0] for r in data[1:]} == {"2023-24", "2024-25"}
    assert data[1:] == _rows(first)[1:] + update[1:]  # the published rows, as written
    assert {r[0] for r in update[1:]} == {"2024-25"}
    assert {r[0] for r in revise[1:]} == {"2023-24"}
    assert ["2023-24", "W06000002", "total", "count", "15", "t"] in revise
    # every 2023-24 row that carried p lost it: revised; the [c] cells (no p) did not change
    assert len(revise) - 1 == sum(1 for r in _rows(first)[1:] if r[-1] != "c")

    meta = json.loads((ds / "metadata.json").read_text())
    assert [f["action"] for f in meta["update"]["files"]] == ["add", "revise"]
    assert "2024-25" in meta["update"]["reason"]["en"] and meta["update"]["reason"]["cy"]
    assert meta["contact"]["configured"] is False and meta["contact"]["cy"]
    findings = check_dataset(ds)
    assert errors(findings) == [], [str(f) for f in findings]
    assert [f.field for f in findings] == ["contact"]  # no contact: a warning

    # a rewrite with nothing changed leaves no revise file behind
    write_dataset(out, "cla1", "2024-25", "rounding", "")
    assert not (ds / "revise_2024-25.csv").exists()
