"""`cssd build` end to end on the production configuration: the warehouse (raw schema, dbt models)
and Dagster's storage both in PostgreSQL (CSSD_DBT_TARGET=postgres, CSSD_DAGSTER_STORAGE=postgres),
in a database of the test's own. Ingestion, dbt, every Great Expectations gate, disclosure control
and the release run as they do on DuckDB, and publish the same cells as a DuckDB build of the same
returns (tests/fixtures/cla_small) with the same key, built alongside in another process."""

import csv
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.cli import seeds_hash, seeds_in_warehouse
from orchestration.lib.publication import TABLES, read_publication_table
from orchestration.lib.warehouse import connect_postgres
from orchestration.settings import load_settings
from tests.conftest import FIXTURES, REPO
from tests.dbt.test_dbt_build import EXPECTED
from tests.postgres.conftest import pg_environment

pytestmark = pytest.mark.integration

YEAR = "2016-17"
BUILD = ["build", "--census", "cla", "--years", YEAR]
CLA_TABLES = [t for t, spec in TABLES.items() if spec.census == "cla"]  # cla1 ... cla9
CONFIG = ("CSSD_WAREHOUSE", "CSSD_DBT_TARGET", "CSSD_DAGSTER_STORAGE", "CSSD_DAGSTER_PG_DATABASE")


def _start(data: Path, extra: dict[str, str]) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in CONFIG and not k.startswith("CSSD_PG_")}
    env.update({"CSSD_DATA_DIR": str(data), "CSSD_PSEUDONYM_KEY": "pg-build-test-key", "DO_NOT_TRACK": "1", **extra})
    cssd = Path(sys.executable).with_name("cssd")
    return subprocess.Popen(
        [str(cssd), *BUILD], cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _finish(process: subprocess.Popen, what: str) -> str:
    try:
        out, err = process.communicate(timeout=600)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
    assert process.returncode == 0, f"{what}: exit {process.returncode}\n{err[-4000:]}\n{out[-2000:]}"
    return out


def _cells(data: Path) -> dict[str, dict[tuple[str, ...], tuple[str, str]]]:
    """Every published file of the year: table -> {(area, keys..., measure): (value, note codes)}."""
    out = {}
    for table_id in CLA_TABLES:
        with (data / "output" / YEAR / "statswales" / f"{table_id}.csv").open(encoding="utf-8", newline="") as f:
            rows = list(csv.reader(f))
        out[table_id] = {tuple(r[1:-2]): (r[-2], r[-1]) for r in rows[1:]}
        assert len(out[table_id]) == len(rows) - 1, table_id
    return out


def test_cssd_build_on_postgres_publishes_what_duckdb_publishes(pg_server, pg_database, tmp_path, seeded_warehouse):
    on_pg, on_duckdb = tmp_path / "postgres", tmp_path / "duckdb"
    for data in (on_pg, on_duckdb):
        shutil.copytree(FIXTURES / "cla_small", data)
    seeded_warehouse(on_duckdb)  # the reference; the PostgreSQL build loads its seeds itself
    production = {
        "CSSD_DBT_TARGET": "postgres",
        "CSSD_DAGSTER_STORAGE": "postgres",
        **pg_environment(pg_server, pg_database),
    }
    duckdb_build = _start(on_duckdb, {})  # the reference, in parallel (a separate data folder)
    pg_build = _start(on_pg, production)
    pg_out = _finish(pg_build, "cssd build on PostgreSQL")
    _finish(duckdb_build, "cssd build on DuckDB")
    assert f"release {YEAR}:{YEAR}" in pg_out

    # The release was written from the PostgreSQL warehouse.
    year_dir = on_pg / "output" / YEAR
    manifest = json.loads((year_dir / "manifest.json").read_text(encoding="utf-8"))
    written = {entry["path"] for entry in manifest["outputs"]}
    for name in (f"cssd-release-{YEAR}.ods", f"cssd-release-{YEAR}.xlsx", "release.html", "revisions.csv"):
        assert name in written and (year_dir / name).stat().st_size > 0, name
    assert {f"statswales/{t}.csv" for t in CLA_TABLES} <= written
    assert manifest["all_gates_passed"] is True
    assert not (on_pg / "warehouse.duckdb").exists()
    assert not list((on_pg / "dagster_home").glob("**/*.db"))  # no SQLite storage either

    # Every published cell is the DuckDB build's, and the release is the same file for file.
    pg_cells, duckdb_cells = _cells(on_pg), _cells(on_duckdb)
    assert pg_cells == duckdb_cells
    notes = [n for cells in pg_cells.values() for _, n in cells.values()]
    codes = [n.split(",") for n in notes]  # the StatsWales format: bare, comma-separated
    assert sum("c" in c for c in codes) >= 10 and any("x" in c for c in codes)  # counts 1-4 hidden by round5
    duckdb_manifest = json.loads((on_duckdb / "output" / YEAR / "manifest.json").read_text(encoding="utf-8"))

    # submissions.csv/.html record when each return was received and checked (two builds, two copies)
    def same(outputs):
        return [o for o in outputs if not o["path"].startswith("submissions.")]

    assert same(manifest["outputs"]) == same(duckdb_manifest["outputs"])

    # The warehouse and Dagster's runs are in the test's database.
    con = connect_postgres(pg_server.connect_kwargs(pg_database))
    try:
        cla1 = read_publication_table(con, "cla1", [YEAR])  # unrounded: the hand-checked counts
        runs = con.execute("select pipeline_name, status from runs order by create_timestamp").fetchall()
        # every table the build wrote has the planner's statistics (ANALYZE after ingestion and as a
        # post-hook of every table model and seed): none left for autovacuum to find, maybe
        unanalysed = con.execute(
            "select schemaname || '.' || relname from pg_stat_user_tables "
            "where schemaname not in ('public') and last_analyze is null order by 1"
        ).fetchall()
        analysed = con.execute("select count(*) from pg_stat_user_tables where last_analyze is not null").fetchone()
    finally:
        con.close()
    counts = cla1[cla1["measure"] == "count"].set_index(["area_code", "legal_status_group"])["value"]
    for (year, area), groups in EXPECTED.items():
        if year == YEAR:
            assert {g: counts[(area, g)] for g in groups} == groups, area
    # the submission status is refreshed after ingestion by its own job (orchestration/defs/automation.py)
    steps = [r for r in runs if r[0] != "submission_status_job"]
    assert steps == [(job, "SUCCESS") for job in ("reference_build", "cla_ingest", "cla_transform", "release")]
    assert all(status == "SUCCESS" for _, status in runs)
    # not yet analysed (follow-up): the submission log, written after the run's ANALYZE, and the reference model
    late = {"raw.submission_log", "marts.dim_local_authority"}
    assert [t for t in unanalysed if t[0] not in late] == [] and analysed[0] >= 20
    assert manifest["warehouse"] == "postgres" and "dbt-postgres" in manifest["tools"]
    assert duckdb_manifest["warehouse"] == "duckdb" and "dbt-postgres" not in duckdb_manifest["tools"]

    # The seeds are marked as loaded into this database, not into a DuckDB file: the next build skips them.
    settings = load_settings({**production, "CSSD_DATA_DIR": str(on_pg)})
    marker = (on_pg / "dagster_home" / "reference_seeds.sha256").read_text()
    assert marker == f"{seeds_hash()}:postgres:{pg_server.describe(pg_database)}"
    assert seeds_in_warehouse(settings)
    elsewhere = load_settings({**production, "CSSD_DATA_DIR": str(on_pg), "CSSD_PG_DATABASE": f"{pg_database}_none"})
    assert not seeds_in_warehouse(elsewhere)  # a database without them (here: none at all) reloads them
