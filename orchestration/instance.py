"""The Dagster instance cssd runs on: DAGSTER_HOME under the data folder, telemetry off,
a run queue, and the warehouse pool limited to one run step at a time.

Storage is SQLite files under DAGSTER_HOME by default; with CSSD_DAGSTER_STORAGE=postgres it is
PostgreSQL (dagster-postgres) on the CSSD_PG_* server. The password is never written to
dagster.yaml: when CSSD_PG_PASSWORD is set, the file reads it from that variable at start-up.
"""

from pathlib import Path

DAGSTER_YAML = """\
# Written by cssd (orchestration/instance.py). Not committed: it lives under the data folder.
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    default_limit: 1
# The queue is looked at every second, not every 5 s: a run launched from the UI, or queued behind
# another, starts at once (a query on the run storage a second while the daemon runs).
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
  config:
    dequeue_interval_seconds: 1
"""


def _postgres_storage(pg) -> str:
    password = "\n      password:\n        env: CSSD_PG_PASSWORD" if pg.password else ""
    return (
        "storage:\n"
        "  postgres:\n"
        "    postgres_db:\n"
        f"      hostname: {pg.host!r}\n"
        f"      port: {pg.port}\n"
        f"      username: {pg.user!r}{password}\n"
        f"      db_name: {pg.dagster_database!r}\n"
        # SQLAlchemy 2.1 defaults to psycopg 3; the lock installs psycopg2 (as dbt-postgres does)
        "      scheme: postgresql+psycopg2\n"
    )


def dagster_yaml(settings=None) -> str:
    """The instance configuration for these settings (None: SQLite)."""
    if settings is None or settings.dagster_storage != "postgres":
        return DAGSTER_YAML
    return DAGSTER_YAML + _postgres_storage(settings.postgres)


def ensure_dagster_home(home: Path, settings=None) -> Path:
    """Write <home>/dagster.yaml for ``settings`` (None: the settings of the environment)."""
    if settings is None:
        from orchestration.settings import load_settings

        settings = load_settings()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    text = dagster_yaml(settings)
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        # atomically: a second cssd process starting now must never read half a file
        import os
        import tempfile

        fd, tmp = tempfile.mkstemp(dir=home, prefix=".dagster.yaml.")
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
        os.chmod(tmp, 0o644)
        os.replace(tmp, config)
    return home


def open_instance(home: Path):
    """The Dagster instance at ``home``, its storage created under a lock.

    Two cssd processes started at once on a new data folder would both create the SQLite run,
    event and schedule databases, and one fails with "table alembic_version already exists". The
    first process to take ``<home>/instance.lock`` creates them; the other waits and opens them.
    """
    import fcntl
    import os

    from dagster import DagsterInstance

    os.environ["DAGSTER_HOME"] = str(home)
    fd = os.open(home / "instance.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        instance = DagsterInstance.get()
        # touch every storage, so each creates its tables now, under the lock
        instance.get_runs_count()
        instance.event_log_storage.get_asset_records()
        if instance.schedule_storage is not None:
            instance.schedule_storage.all_instigator_state()
        return instance
    finally:
        fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)


# ---------------------------------------------------------------------------------------------
# Runs whose process died

PID_TAG = "cssd/pid"
HOST_TAG = "cssd/host"
PROCESS_START_TAG = "cssd/process_start"


def _process_start(pid: int) -> str:
    """When the process started (clock ticks since boot, /proc/<pid>/stat), '' where unknown: with the
    pid, it tells a process from a later one that reused its pid."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            fields = f.read().rpartition(")")[2].split()
    except OSError:
        return ""
    return fields[19] if len(fields) > 19 else ""


def runner_tags() -> dict[str, str]:
    """Tags for a run executed in this process (`cssd build`): which process ran it."""
    import os
    import socket

    pid = os.getpid()
    return {PID_TAG: str(pid), HOST_TAG: socket.gethostname(), PROCESS_START_TAG: _process_start(pid)}


def process_alive(pid: int, started: str = "") -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's process with that pid
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as f:
            state = f.read().rpartition(")")[2].split()[0]
        if state in ("Z", "X"):
            return False  # dead, not yet reaped by its parent
    except (OSError, IndexError):
        pass
    return not (started and _process_start(pid) != started)


def reap_dead_runs(instance) -> list[str]:
    """Mark failed every run that a cssd process on this machine was executing when it died.

    A `cssd build` runs its Dagster runs in its own process. If that process is killed (SIGKILL, the
    out-of-memory killer), the run stays 'started' for ever and keeps its slot of the warehouse pool,
    so the next run that needs the pool would wait for ever, and the UI's run queue (one run at a
    time) would never start another. Each such run is reported failed, saying why, and its slots are
    freed. Runs launched from the UI carry no cssd/pid tag and are not touched: if the process of one
    of those dies, terminate the run in the UI (which marks it failed and frees its slots).
    """
    import socket

    from dagster import DagsterRunStatus, RunsFilter

    host = socket.gethostname()
    running = [DagsterRunStatus.STARTING, DagsterRunStatus.STARTED, DagsterRunStatus.CANCELING]
    reaped = []
    for run in instance.get_runs(RunsFilter(statuses=running, tags={HOST_TAG: host})):
        pid_text = run.tags.get(PID_TAG, "")
        if not pid_text.isdigit() or process_alive(int(pid_text), run.tags.get(PROCESS_START_TAG, "")):
            continue
        instance.report_run_failed(
            run,
            f"the cssd process ({pid_text}) that was executing this run is gone (killed or crashed); "
            "marked failed by the next cssd command on this machine",
        )
        instance.event_log_storage.free_concurrency_slots_for_run(run.run_id)
        reaped.append(run.run_id)
    return reaped


# The code location `make dev` loads (workspace.yaml: python_module orchestration.definitions): its
# name is the module's, its one repository Dagster's default for a Definitions object.
CODE_LOCATION = "orchestration.definitions"
REPOSITORY = "__repository__"


def remote_job_origin(job_name: str):
    """Where the UI finds ``job_name``: the origin `dagster dev` gives the runs it launches. A run
    created with it carries its code location (GraphQL ``repositoryOrigin``), so it is listed on the
    job's page, in Overview › Timeline and on the asset pages like a run launched from the UI."""
    import sys

    from dagster._core.remote_origin import ManagedGrpcPythonEnvCodeLocationOrigin, RemoteRepositoryOrigin
    from dagster._core.types.loadable_target_origin import LoadableTargetOrigin

    from orchestration.paths import REPO_ROOT

    location = ManagedGrpcPythonEnvCodeLocationOrigin(
        loadable_target_origin=LoadableTargetOrigin(
            executable_path=sys.executable, module_name=CODE_LOCATION, working_directory=str(REPO_ROOT)
        ),
        location_name=CODE_LOCATION,
    )
    return RemoteRepositoryOrigin(code_location_origin=location, repository_name=REPOSITORY).get_job_origin(job_name)


def execute_with_origin(job, instance, **kwargs):
    """``job.execute_in_process(instance=instance, **kwargs)``, the run created with the job's code
    location origin (``remote_job_origin``); execute_in_process itself has no way to pass one."""
    create = instance.create_run_for_job

    def create_with_origin(*args, **kw):
        kw.setdefault("remote_job_origin", remote_job_origin(job.name))
        return create(*args, **kw)

    instance.create_run_for_job = create_with_origin
    try:
        return job.execute_in_process(instance=instance, **kwargs)
    finally:
        del instance.create_run_for_job  # back to the class's method
