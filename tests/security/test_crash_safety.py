"""A build killed with SIGKILL during ingestion, while dbt runs, and while it writes the release:
each time the year's outputs are still the old complete set, the warehouse opens and holds each
year × LA once, and the rerun completes with the new complete set.

One data folder (the hand-checked CLA fixture, 2016-17, two LAs), in order:

1. a clean build with 2016-17 provisional: the **old** set (every cell [p]);
2. with 2016-17 made final (the **new** set differs in every table), ``CSSD_CRASH_AT`` kills the
   build inside the ingestion run's raw transaction, after the second LA's rows are written into it
   (``ingest:2``), then while ``dbt build`` runs
   (``dbt``), then half-way through the release (``outputs``): after each, the outputs are the old
   set byte for byte and agree with their manifest, no dbt process survives, the warehouse opens
   and its raw tables are those of the clean build;
3. the rerun completes: the new set, complete (every file listed in the manifest with its hash,
   nothing else), equal to the old one with [p] taken off; the raw tables, the published tables and
   the validation reports are those of the clean build; no run is left 'started' and the
   warehouse pool is free (a killed run holds it, which would stop every later run);
4. the test itself kills a build (with 2016-17 provisional again) at a random moment: the outputs
   are the old or the new complete set, and the warehouse is consistent.

"Old or new" is checked on ``output/2016-17`` as a reader sees it: the SHA-256 of every output
file and of the manifest equal to one set's, and the manifest listing exactly the files present."""

import csv
import io
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.instance import process_alive
from orchestration.lib.publication import TABLES, read_publication_table
from tests.conftest import FIXTURES, REPO
from tests.dbt.test_dbt_build import EXPECTED
from tests.integration.helpers import read_pub, run_cssd
from tests.security.helpers import folder_bytes, raw_state, release_is_complete, year_outputs

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("crash")]

YEAR = "2016-17"
KEY = "crash-safety-test-key-0123"
OLD = {"CSSD_FINAL_THROUGH": "2015-16"}  # 2016-17 provisional: every cell [p]
NEW = {"CSSD_FINAL_THROUGH": "2016-17"}  # 2016-17 final
BUILD = ["build", "--census", "cla", "--years", YEAR]
CLA_TABLES = sorted(t for t, spec in TABLES.items() if spec.census == "cla")


def build(data: Path, crash: str = "", **env) -> subprocess.CompletedProcess:
    return run_cssd(BUILD, data, CSSD_PSEUDONYM_KEY=KEY, CSSD_CRASH_AT=crash, **env)


def consistent_raw(data: Path) -> dict[str, list[tuple]]:
    """The raw tables, after checking that the warehouse opens (no process holds it) and that each
    year × LA is there once: every source line once, and as many rows as its ingested files say."""
    state = raw_state(data / "warehouse.duckdb")
    files = {(r[1], r[2], r[3]): r[6] for r in state["ingested_files"]}  # (year, la, table) -> rows
    assert len(files) == len(state["ingested_files"]), "a file recorded twice"
    for table in ("children", "episodes", "adoptions", "care_leavers"):
        rows = state[f"cla_{table}"]
        keys = [(r[0], r[1], r[-1]) for r in rows]  # year, la_code, source_line
        assert len(keys) == len(set(keys)), f"cla_{table}: a source line stored twice"
        for year, la in {(r[0], r[1]) for r in rows}:
            assert sum(1 for r in rows if (r[0], r[1]) == (year, la)) == files[(year, la, table)], (table, year, la)
    return state


def published(data: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    try:
        return {
            t: sorted(read_publication_table(con, t, [YEAR]).astype(str).itertuples(index=False)) for t in CLA_TABLES
        }
    finally:
        con.close()


def instance_state(data: Path) -> tuple[list[str], int]:
    """Jobs of the runs still 'started', and the slots of the warehouse pool in use."""
    from dagster import DagsterInstance, DagsterRunStatus, RunsFilter

    instance = DagsterInstance.from_config(str(data / "dagster_home"))
    started = instance.get_runs(RunsFilter(statuses=[DagsterRunStatus.STARTED]))
    slots = instance.event_log_storage.get_concurrency_info("duckdb_warehouse").active_slot_count
    return sorted(r.job_name for r in started), slots


def without_p(text: str) -> str:
    """A published CSV with p taken off every cell (the last column holds the note codes, written the
    StatsWales way: bare and comma-separated)."""
    rows = list(csv.reader(io.StringIO(text)))
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(rows[0])
    for row in rows[1:]:
        w.writerow([*row[:-1], ",".join(c for c in row[-1].split(",") if c and c != "p")])
    return out.getvalue()


def has_p(text: str) -> bool:
    """Whether any cell of a published CSV carries p (provisional)."""
    return any("p" in row[-1].split(",") for row in list(csv.reader(io.StringIO(text)))[1:])


class Lab:
    data: Path
    view: Path
    old: dict[str, str]
    new: dict[str, str]
    raw: dict
    pub: dict
    reports: dict[str, str]
    build_seconds: float


@pytest.fixture(scope="module")
def lab(tmp_path_factory, seeded_warehouse) -> Lab:
    lab = Lab()
    lab.data = tmp_path_factory.mktemp("crash") / "data"
    shutil.copytree(FIXTURES / "cla_small", lab.data)
    seeded_warehouse(lab.data)
    result = build(lab.data, **OLD)
    assert result.returncode == 0, result.stderr[-4000:]
    lab.view = lab.data / "output" / YEAR
    assert release_is_complete(lab.view) == []
    lab.old = year_outputs(lab.view)
    assert has_p((lab.view / "statswales" / "cla1.csv").read_text())
    lab.raw = consistent_raw(lab.data)
    lab.pub = published(lab.data)
    lab.reports = folder_bytes(lab.view / "validation")
    # the clean build's published tables are the hand-checked answers
    cells = read_pub(lab.data, "cla1", YEAR)
    for (year, area), groups in EXPECTED.items():
        for group, n in groups.items():
            if year == YEAR:
                assert cells[(area, group, "count")] == (str(n), "")
    return lab


def assert_old_set(lab: Lab) -> None:
    assert release_is_complete(lab.view) == []
    assert year_outputs(lab.view) == lab.old, "the outputs changed: not the old complete set"


def _without_digests(raw: dict) -> dict:
    return {t: rows for t, rows in raw.items() if t != "validated_returns"}


def test_killed_inside_an_ingestion_transaction(lab):
    # Unchanged returns are not ingested again: make both look validated by an earlier version of
    # the rules, so that this build stores both again (the data unchanged) and is killed in the second.
    con = duckdb.connect(str(lab.data / "warehouse.duckdb"))
    con.execute("update raw.validated_returns set digest = 'validated by an earlier version of the rules'")
    con.close()
    result = build(lab.data, "ingest:2", **NEW)  # the run's transaction, once the second LA's rows are in it
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    assert "crash point ingest reached" in result.stderr
    assert_old_set(lab)
    # the run's transaction rolled back: both LAs' rows as they were (their digests still the earlier ones)
    assert _without_digests(consistent_raw(lab.data)) == _without_digests(lab.raw)
    # the killed run is left 'started', holding the one slot of the warehouse pool
    assert instance_state(lab.data) == (["cla_ingest"], 1)


def test_killed_while_dbt_runs(lab):
    result = build(lab.data, "dbt", **NEW)
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    found = re.search(r"crash point dbt reached .* while dbt \(pid (\d+)\) is running", result.stderr)
    assert found, result.stderr[-3000:]
    dbt = int(found.group(1))
    deadline = time.monotonic() + 10
    while process_alive(dbt) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not process_alive(dbt), "dbt outlived the build that started it"
    # the rerun found the ingest run killed before, failed it and freed the pool, then got as far as dbt
    assert "was left running by a cssd process that is gone: marked failed" in result.stderr
    assert_old_set(lab)
    assert consistent_raw(lab.data) == lab.raw  # opens: no orphaned dbt holds DuckDB's lock
    assert instance_state(lab.data) == (["cla_transform"], 1)


def test_killed_while_writing_the_release(lab):
    result = build(lab.data, "outputs", **NEW)
    assert result.returncode == -signal.SIGKILL, result.stderr[-3000:]
    assert "crash point outputs reached" in result.stderr
    assert_old_set(lab)
    releases = lab.data / "output" / ".releases" / YEAR
    assert [p.name for p in releases.iterdir() if p.name.endswith(".partial")], "the half-written release"
    # the new set was made (staged, half released) but is not what readers see
    staged = (lab.data / "output" / ".staging" / YEAR / "statswales" / "cla1.csv").read_text()
    assert not has_p(staged) and has_p((lab.view / "statswales" / "cla1.csv").read_text())
    assert instance_state(lab.data) == (["release"], 0)


def test_the_rerun_completes_with_the_new_complete_set(lab):
    previous = lab.view.resolve()
    started = time.monotonic()
    result = build(lab.data, **NEW)
    lab.build_seconds = time.monotonic() - started
    assert result.returncode == 0, result.stderr[-4000:]
    assert "marked failed" in result.stderr
    assert release_is_complete(lab.view) == []
    lab.new = year_outputs(lab.view)
    assert lab.new != lab.old
    manifest = (lab.view / "manifest.json").read_text()
    assert '"status": "final"' in manifest and '"all_gates_passed": true' in manifest
    old_dir = previous
    for table_id in CLA_TABLES:
        old_text = (old_dir / "statswales" / f"{table_id}.csv").read_text()
        new_text = (lab.view / "statswales" / f"{table_id}.csv").read_text()
        assert has_p(old_text) and new_text == without_p(old_text), table_id
    # the previous release is kept as it was (for readers still in it); no leftover
    releases = lab.data / "output" / ".releases" / YEAR
    assert sorted(p.resolve() for p in releases.iterdir()) == sorted([previous, lab.view.resolve()])
    assert year_outputs(previous) == lab.old
    assert not list((lab.data / "output").glob(".*.swap"))
    # the warehouse is the clean build's: re-ingesting unchanged files changed nothing
    assert consistent_raw(lab.data) == lab.raw
    assert published(lab.data) == lab.pub
    assert folder_bytes(lab.view / "validation") == lab.reports
    assert instance_state(lab.data) == ([], 0)


def _descendants(pid: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rpartition(")")[2].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


@pytest.mark.skipif(not Path("/proc").is_dir(), reason="finds the build's child processes in /proc")
def test_killed_from_outside_at_a_random_moment(lab):
    seed = int(os.environ.get("CSSD_TEST_KILL_SEED") or time.time_ns() % 100_000)
    delay = random.Random(seed).uniform(2.0, 0.9 * lab.build_seconds)
    env = {**os.environ, "CSSD_DATA_DIR": str(lab.data), "CSSD_PSEUDONYM_KEY": KEY, "DO_NOT_TRACK": "1", **OLD}
    env.pop("CSSD_WAREHOUSE", None)
    env.pop("CSSD_CRASH_AT", None)
    cssd = Path(sys.executable).with_name("cssd")
    proc = subprocess.Popen(
        [str(cssd), *BUILD], cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    time.sleep(delay)
    children = _descendants(proc.pid)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    where = f"CSSD_TEST_KILL_SEED={seed}: killed after {delay:.1f}s of a {lab.build_seconds:.0f}s build"
    deadline = time.monotonic() + 10
    while any(process_alive(c) for c in children) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(process_alive(c) for c in children), f"{where}: a child of the build outlived it"
    assert release_is_complete(lab.view) == [], where
    # the old set of this build is the new set of the last one, and the other way round
    assert year_outputs(lab.view) in (lab.new, lab.old), f"{where}: neither complete set"
    assert consistent_raw(lab.data) == lab.raw, where
