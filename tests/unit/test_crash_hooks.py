"""The pieces that make a killed build safe to rerun, each on its own (the whole is in
tests/security/test_crash_safety.py): the fault-injection hook, the dbt wrapper that dies with its
parent and holds the warehouse's dbt lock, the lock that waits for an orphaned dbt, and the failing of
Dagster runs whose process is gone (which would otherwise hold the warehouse pool for ever)."""

import fcntl
import os
import signal
import subprocess
import sys
import time

import pytest

from orchestration.instance import (
    HOST_TAG,
    PID_TAG,
    ensure_dagster_home,
    open_instance,
    process_alive,
    reap_dead_runs,
    runner_tags,
)
from orchestration.lib import lock
from orchestration.lib.crash import crash_point
from tests.conftest import REPO


def _python(code: str, **env) -> subprocess.CompletedProcess:
    full = {**os.environ, **env}
    return subprocess.run([sys.executable, "-c", code], cwd=REPO, env=full, capture_output=True, text=True, timeout=60)


def test_crash_point_kills_the_process_at_the_nth_time_only_when_asked():
    code = "from orchestration.lib.crash import crash_point\nfor i in range(3):\n    crash_point('ingest'); print(i)"
    assert _python(code, CSSD_CRASH_AT="").stdout.split() == ["0", "1", "2"]
    assert _python(code, CSSD_CRASH_AT="dbt").stdout.split() == ["0", "1", "2"]
    killed = _python(code, CSSD_CRASH_AT="ingest:2")
    assert killed.returncode == -signal.SIGKILL and killed.stdout.split() == ["0"]
    assert "crash point ingest reached" in killed.stderr
    assert _python(code, CSSD_CRASH_AT="ingest").stdout == ""
    with pytest.raises(ValueError, match="CSSD_CRASH_AT"):
        os.environ["CSSD_CRASH_AT"] = "somewhere"
        try:
            crash_point("ingest")
        finally:
            del os.environ["CSSD_CRASH_AT"]


PARENT = """
import os, subprocess, sys, time
env = {**os.environ, "CSSD_DBT_PARENT_PID": str(os.getpid())}
code = "from orchestration.dbt_child import exec_tied; exec_tied('/bin/sleep', ['60'], sys.argv[1])"
child = subprocess.Popen([sys.executable, "-c", "import sys; " + code, sys.argv[1]], env=env)
print(child.pid, flush=True)
time.sleep(60)
"""


def _dbt_lock_free(warehouse) -> bool:
    fd = os.open(lock.dbt_lock_path(warehouse), os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except BlockingIOError:
        return False
    finally:
        os.close(fd)


def _wait_dead(pid: int, seconds: float = 10) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process_alive(pid):
            return True
        time.sleep(0.1)
    return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="PR_SET_PDEATHSIG is Linux's")
def test_the_dbt_wrapper_dies_with_its_parent_and_holds_the_dbt_lock(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    parent = subprocess.Popen(
        [sys.executable, "-c", PARENT, str(warehouse)], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    try:
        child = int(parent.stdout.readline())
        deadline = time.monotonic() + 20
        while _dbt_lock_free(warehouse) and time.monotonic() < deadline:
            time.sleep(0.1)  # the wrapper takes the lock, then becomes `sleep`
        assert not _dbt_lock_free(warehouse), "the wrapped process holds the dbt lock"
        assert process_alive(child)
        os.kill(parent.pid, signal.SIGKILL)
        parent.wait(timeout=10)
        assert _wait_dead(child), "the wrapped process outlived its parent"
        assert _dbt_lock_free(warehouse)
    finally:
        if parent.poll() is None:
            parent.kill()


def test_the_wrapper_does_not_run_when_its_parent_is_already_gone(tmp_path):
    gone = _python(
        "from orchestration.dbt_child import exec_tied; exec_tied('/bin/echo', ['ran'], None)",
        CSSD_DBT_PARENT_PID="1",  # not this process's parent
    )
    assert gone.returncode == 1 and "ran" not in gone.stdout and "is gone: not running dbt" in gone.stderr


def test_the_warehouse_lock_waits_for_an_orphaned_dbt(tmp_path, caplog):
    warehouse = tmp_path / "warehouse.duckdb"
    orphan = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from orchestration.lib.lock import hold_for_exec; "
            "hold_for_exec(Path(sys.argv[1])); import os; os.execv('/bin/sleep', ['sleep', '2'])",
            str(warehouse),
        ],
        cwd=REPO,
    )
    try:
        deadline = time.monotonic() + 20
        while _dbt_lock_free(warehouse) and time.monotonic() < deadline:
            time.sleep(0.05)
        started = time.monotonic()
        with caplog.at_level("WARNING", logger="cssd.lock"), lock.warehouse_lock(warehouse):
            waited = time.monotonic() - started
            # the lock is released as the orphan exits, a moment before it can be reaped: allow that moment
            reaped = time.monotonic() + 0.5
            while orphan.poll() is None and time.monotonic() < reaped:
                time.sleep(0.01)
            assert orphan.poll() is not None, "the lock was taken while the orphaned dbt still ran"
        assert waited > 0.5 and "still running" in caplog.text
    finally:
        orphan.wait(timeout=10)


def test_runs_left_by_a_dead_process_are_failed_and_free_the_warehouse_pool(tmp_path):
    from dagster import DagsterRunStatus
    from dagster._core.storage.dagster_run import DagsterRun

    instance = open_instance(ensure_dagster_home(tmp_path / "home"))
    instance.event_log_storage.set_concurrency_slots("duckdb_warehouse", 1)
    dead = subprocess.Popen(["true"])
    dead.wait()
    mine = runner_tags()
    runs = {
        "dead": {**mine, PID_TAG: str(dead.pid)},
        "alive": mine,
        "ui": {},  # launched by the UI: not cssd's to judge
        "other_host": {**mine, PID_TAG: str(dead.pid), HOST_TAG: "another-machine"},
    }
    ids = {}
    for name, tags in runs.items():
        run = instance.add_run(DagsterRun(job_name="cla_ingest", tags=tags, status=DagsterRunStatus.STARTED))
        ids[name] = run.run_id
    instance.event_log_storage.claim_concurrency_slot("duckdb_warehouse", ids["dead"], "raw_cla")
    assert instance.event_log_storage.get_concurrency_info("duckdb_warehouse").active_slot_count == 1

    assert reap_dead_runs(instance) == [ids["dead"]]
    status = {name: instance.get_run_by_id(run_id).status for name, run_id in ids.items()}
    assert status == {
        "dead": DagsterRunStatus.FAILURE,
        "alive": DagsterRunStatus.STARTED,
        "ui": DagsterRunStatus.STARTED,
        "other_host": DagsterRunStatus.STARTED,
    }
    assert instance.event_log_storage.get_concurrency_info("duckdb_warehouse").active_slot_count == 0
    assert reap_dead_runs(instance) == []
