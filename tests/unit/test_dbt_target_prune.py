"""dbt_project/target/ does not grow without bound (issue 15): `cssd-dbt` prunes the folders that
finished dagster-dbt invocations leave there, keeping the last runs whole, the logs of the ones before,
and never touching a folder whose dbt is still running (orchestration/dbt_child.py)."""

import fcntl
import os
import subprocess
import sys
import time
from pathlib import Path

from orchestration.dbt_child import (
    KEEP_LOGS,
    KEEP_WHOLE,
    LOG_FILES,
    RUNNING_MARK,
    UNMARKED_GRACE_SECONDS,
    prune_target,
)
from orchestration.paths import DBT_PROJECT_DIR


def _invocation(root: Path, name: str, age_s: float, running: bool = False) -> Path:
    """A folder as a finished dagster-dbt invocation leaves it (about its files, not their sizes)."""
    folder = root / name
    (folder / "compiled" / "cssd").mkdir(parents=True)
    (folder / "compiled" / "cssd" / "model.sql").write_text("select 1")
    for f in ("dbt.log", "run_results.json", "manifest.json", "partial_parse.msgpack", "graph.gpickle"):
        (folder / f).write_text(f)
    (folder / RUNNING_MARK).touch()
    stamp = time.time() - age_s
    for p in [*folder.rglob("*"), folder]:
        os.utime(p, (stamp, stamp))
    return folder


def test_prune_keeps_the_last_runs_whole_their_logs_before_and_drops_the_rest(tmp_path):
    total = KEEP_WHOLE + KEEP_LOGS + 5
    # newest first: dbt_cla_models-<run>-<uuid>, ages 1 min, 2 min, ...
    folders = [_invocation(tmp_path, f"dbt_cla_models-{i:07x}-abcdef{i % 10}", 60 * (i + 1)) for i in range(total)]
    (tmp_path / "manifest.json").write_text("{}")  # the project's own parse, not an invocation's
    (tmp_path / "partial_parse-postgres-0123456789abcdef.msgpack").write_text("state")
    (tmp_path / "notes").mkdir()  # not named like an invocation's folder

    prune_target(tmp_path)

    for folder in folders[:KEEP_WHOLE]:
        assert (folder / "manifest.json").exists() and (folder / "compiled").is_dir()
    for folder in folders[KEEP_WHOLE : KEEP_WHOLE + KEEP_LOGS]:
        assert {p.name for p in folder.iterdir()} == LOG_FILES | {RUNNING_MARK}
    for folder in folders[KEEP_WHOLE + KEEP_LOGS :]:
        assert not folder.exists()
    assert (tmp_path / "manifest.json").exists()
    assert (tmp_path / "partial_parse-postgres-0123456789abcdef.msgpack").exists()
    assert (tmp_path / "notes").is_dir()
    # bounded: pruning again after more runs keeps the same number of folders
    for i in range(5):
        _invocation(tmp_path, f"dbt_crcs_models-{i:07x}-fedcba{i}", 1 + i)
    prune_target(tmp_path)
    kept = [p for p in tmp_path.iterdir() if p.name.startswith("dbt_")]
    assert len(kept) == KEEP_WHOLE + KEEP_LOGS


def test_a_running_or_just_made_folder_is_never_pruned(tmp_path):
    old = 10 * UNMARKED_GRACE_SECONDS
    running = _invocation(tmp_path, "dbt_cla_models-0000001-aaaaaaa", old)
    fd = os.open(running / RUNNING_MARK, os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as cssd-dbt holds it while its dbt runs
    fresh = tmp_path / "dbt_cla_models-0000002-bbbbbbb"  # dagster-dbt has made it, dbt not yet started
    fresh.mkdir()
    (fresh / "partial_parse.msgpack").write_text("state")
    current = _invocation(tmp_path, "dbt_cla_models-0000003-ccccccc", old)
    for i in range(KEEP_WHOLE + KEEP_LOGS + 3):
        _invocation(tmp_path, f"dbt_cla_models-{i + 16:07x}-ddddddd", 60 + i)
    try:
        prune_target(tmp_path, current=current)
        assert (running / "manifest.json").exists()
        assert (fresh / "partial_parse.msgpack").exists()
        assert (current / "manifest.json").exists()
    finally:
        os.close(fd)
    prune_target(tmp_path)  # once its dbt has ended, the old folder goes like any other
    assert not running.exists()


def test_cssd_dbt_prunes_before_it_runs_dbt(tmp_path):
    """The wrapper itself prunes the target folder of the invocation's parent (here `dbt --help`-free:
    `dbt debug --config-dir` prints and exits without touching a warehouse)."""
    root = tmp_path / "target"
    stale = [_invocation(root, f"dbt_cla_models-{i:07x}-eeeeeee", 3600 + i) for i in range(KEEP_WHOLE + KEEP_LOGS + 2)]
    env = {
        **os.environ,
        "CSSD_WAREHOUSE": str(tmp_path / "warehouse.duckdb"),
        "CSSD_DBT_TARGET": "duckdb",
        "DBT_TARGET_PATH": str(root / "dbt_cla_models-1234567-fffffff"),
        "DBT_LOG_PATH": str(root / "dbt_cla_models-1234567-fffffff"),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
    }
    env.pop("CSSD_DBT_PARENT_PID", None)
    wrapper = Path(sys.executable).with_name("cssd-dbt")
    result = subprocess.run(
        [str(wrapper), "debug", "--config-dir"], cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert not stale[-1].exists() and not stale[-2].exists()
    assert (root / "dbt_cla_models-1234567-fffffff" / RUNNING_MARK).exists()
