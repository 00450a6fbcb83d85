"""The bench's own machinery (benchmarks/run.py): the ×120 returns copied with new child ids are
valid returns whose figures are exactly the copies times the original's; a disagreement between the
pipeline and the plain SQL stops the bench; RESULTS.md marks each target met or not met."""

import csv
import shutil
from decimal import Decimal

import pytest

from benchmarks.plain_sql import plain_cells
from benchmarks.run import BenchError, agree, markdown, replicate
from tests.conftest import FIXTURES


def _ids(path):
    with path.open(encoding="utf-8", newline="") as f:
        return [r["child_id"] for r in csv.DictReader(f)]


def test_copies_have_new_ids_linked_across_censuses_and_multiply_every_count(tmp_path):
    source = tmp_path / "source"
    for census in ("cla", "crcs"):  # 2024-25 of crcs_known: all 22 LAs, both censuses
        shutil.copytree(FIXTURES / "crcs_known" / "landing" / census / "2024-25", source / census / "2024-25")
    crcs_file = source / "crcs" / "2024-25" / "W06000015" / "children.csv"
    lines = crcs_file.read_text(encoding="utf-8").splitlines()
    cla_child = _ids(source / "cla" / "2024-25" / "W06000015" / "children.csv")[0]
    lines.append(cla_child + "," + lines[1].split(",", 1)[1])  # a child in both censuses, as in real returns
    crcs_file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    replicate(source, tmp_path / "copied", 3)

    folder = tmp_path / "copied" / "cla" / "2024-25" / "W06000015"
    children = _ids(folder / "children.csv")
    assert len(children) == 3 * len(_ids(source / "cla" / "2024-25" / "W06000015" / "children.csv"))
    assert len(set(children)) == len(children) and max(map(len, children)) <= 10
    assert set(_ids(folder / "episodes.csv")) == set(children)
    crcs = set(_ids(tmp_path / "copied" / "crcs" / "2024-25" / "W06000015" / "children.csv"))
    before = set(_ids(source / "crcs" / "2024-25" / "W06000015" / "children.csv"))
    linked = before & set(_ids(source / "cla" / "2024-25" / "W06000015" / "children.csv"))
    assert linked == {cla_child} and len(crcs & set(children)) == 3  # a child keeps one id in both censuses

    original = {tuple(c[:5]): Decimal(c[5]) for c in plain_cells(source)[0] if c[4] == "count"}
    copied = {tuple(c[:5]): Decimal(c[5]) for c in plain_cells(tmp_path / "copied")[0] if c[4] == "count"}
    assert copied == {k: 3 * v for k, v in original.items()}
    assert copied[("crcs1", "2024-25", "W92000004", "total", "count")] == 3 * 27  # 26 (expected.csv) and one more


def test_a_disagreement_stops_the_bench():
    cell = ("cla1", "2025-26", "W06000015", "total", "count")
    assert agree({cell: Decimal(4)}, {cell: Decimal("4.0")}, "same")["cells"] == 1
    with pytest.raises(BenchError, match=r"DISAGREE(.|\n)*differ: .*pipeline 4, plain SQL 5"):
        agree({cell: Decimal(4)}, {cell: Decimal(5)}, "x")
    with pytest.raises(BenchError, match="only in the plain SQL"):
        agree({cell: Decimal(4)}, {cell: Decimal(4), (*cell[:3], "care_order", "count"): Decimal(1)}, "x")
    with pytest.raises(BenchError, match="no cell to compare"):
        agree({}, {}, "x")


def _results(rebuild_s: float, x120_ratio: float, peak: float) -> dict:
    def r(step, kind, seconds, plain_s=None, **extra):
        return {
            "step": step, "kind": kind, "pipeline_s": seconds, "plain_s": plain_s,
            "ratio": seconds / plain_s if plain_s else None, "peak_mib": peak, "plain_peak_mib": 90.0,
            "agreement": {"cells": 10} if plain_s else None, "cla_episodes": 5, "crcs_rows": 7, **extra,
        }  # fmt: skip

    return {
        "mode": "full",
        "command": "python -m benchmarks.run",
        "date": "2026-12-05 08:00 UTC",
        "latest_year": "2025-26",
        "load": [0.1, 0.2],
        "total_s": 600.0,
        "machine": {
            "cpu": "CPU",
            "cores": 2,
            "ram_gib": 8.0,
            "os": "Linux",
            "python": "3.11.7",
            "packages": {"duckdb": "2.0.1"},
            "ingest_workers": "default",
        },  # fmt: skip
        "rows": [
            r("full demo: generate", "generate", 40.0),
            r("full demo: build", "demo_build", 50.0, 5.0),
            r("one-year rebuild", "rebuild", rebuild_s, 1.0),
            r("×120: build", "ladder_build", x120_ratio * 10.0, 10.0, scale=120),
        ],
    }


def test_results_md_marks_each_target():
    text = markdown(_results(rebuild_s=12.0, x120_ratio=1.5, peak=1500.0))
    assert "| full demo: build | 50.0 | 5.00 | 10.0× | 1500 / 90 |" in text
    assert "| full demo < 60 s (the build) | build 50.0 s (generation apart: 40.0 s) | met |" in text
    assert "| one-year rebuild < 15 s | 12.0 s | met |" in text
    assert "| ×120 ≤ 2× plain SQL | 1.5× (15 s against 10.0 s) | met |" in text
    assert "CPU, 2 cores, 8.0 GiB RAM; Linux; Python 3.11.7" in text and "2026-12-05" in text
    text = markdown(_results(rebuild_s=16.0, x120_ratio=2.5, peak=2100.0))
    assert "| one-year rebuild < 15 s | 16.0 s | **not met** |" in text
    assert "| ×120 ≤ 2× plain SQL | 2.5× (25 s against 10.0 s) | **not met** |" in text
    assert "| peak memory < 2 GiB (cssd builds and validation) | 2100 MiB" in text and text.count("not met") == 3


def test_results_md_marks_the_postgres_target():
    results = _results(rebuild_s=12.0, x120_ratio=1.5, peak=1500.0)
    assert "| PostgreSQL build ≤ 2× the DuckDB build | not run | not measured |" in markdown(results)
    pg = {"step": "PostgreSQL: build", "kind": "pg_build", "pipeline_s": 90.0, "plain_s": 1.0, "ratio": 90.0,
          "peak_mib": 900.0, "plain_peak_mib": 90.0, "agreement": {"cells": 10}, "duckdb_s": 60.0}  # fmt: skip
    results["rows"].append(pg)
    assert "| PostgreSQL build ≤ 2× the DuckDB build | 1.5× (90 s against 60 s) | met |" in markdown(results)
    pg["pipeline_s"] = 130.0
    assert "| PostgreSQL build ≤ 2× the DuckDB build | 2.2× (130 s against 60 s) | **not met** |" in markdown(results)
    results["rows"][-1] = {"step": "PostgreSQL: build", "kind": "pg_build", "pipeline_s": None, "plain_s": None,
                           "ratio": None, "peak_mib": None, "plain_peak_mib": None, "skipped": True}  # fmt: skip
    assert "| PostgreSQL build ≤ 2× the DuckDB build | no PostgreSQL server | not measured |" in markdown(results)


def test_the_profile_accounts_for_every_second():
    from benchmarks.profile import profile_lines

    runs = [
        {"job": "cla_ingest", "seconds": 30.0, "steps": [{"step": "raw_cla", "seconds": 29.0}]},
        {
            "job": "cla_transform",
            "seconds": 20.0,
            "steps": [
                {"step": "dbt_cla_models", "seconds": 12.0,
                 "dbt": {"elapsed_s": 9.0, "nodes": 3, "by_type_s": {"model": 6.0, "test": 2.5},
                         "slowest": [("model.cssd.int_cla_periods", 3.0)]}},
                {"step": "published_cla1", "seconds": 5.0},
            ],
        },
    ]  # fmt: skip
    lines = dict(profile_lines(60.0, runs))
    top = {k: v for k, v in lines.items() if not k.startswith(" ")}
    assert sum(top.values()) == pytest.approx(60.0)  # every second of the build on one top line
    assert top["outside the runs: process start, imports, planning, between runs"] == pytest.approx(10.0)
    assert lines["        dbt start and parse (step minus dbt's run)"] == pytest.approx(3.0)
    assert lines["        dbt run of 3 nodes"] == pytest.approx(9.0)
    run_overheads = [v for k, v in profile_lines(60.0, runs) if k.strip().startswith("run start and end")]
    assert run_overheads == [pytest.approx(1.0), pytest.approx(3.0)]
