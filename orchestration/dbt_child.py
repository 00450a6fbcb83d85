"""`cssd-dbt`: the dbt that dagster-dbt starts, tied to the process that started it.

dagster-dbt runs ``dbt build`` as a subprocess. If the process that started it dies (SIGKILL, the
out-of-memory killer, a lost terminal), that dbt would carry on as an orphan: holding DuckDB's own
lock on the warehouse file (so the next build fails to open it) and writing models on its own. This
wrapper (``DbtCliResource(dbt_executable=…/cssd-dbt)``, orchestration/defs/resources.py) makes that
impossible, then runs dbt's own command line in the same process (same pid, nothing in between;
``dbt --version``, and an invocation with no warehouse to key its parse state on, exec the real
``dbt`` instead):

1. **Linux**: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills dbt the moment its parent dies;
   if the parent died before that was set, the wrapper exits without running dbt.
2. **Everywhere**: dbt holds ``<warehouse>.dbt.lock`` for as long as it runs (the process that
   runs it holds the descriptor, inheritable through an exec). A process that takes the warehouse
   lock waits for that lock too (orchestration/lib/lock.py), so even where (1) is not available the
   next build waits for an orphaned dbt to end instead of colliding with it.

tests/security/test_crash_safety.py kills a build while dbt runs and checks both.

It also keeps dbt's **partial parsing** working from one invocation to the next (issue 7: a full parse
of the project costs about 3 s an invocation on 2 cores). dagster-dbt gives every invocation a new
target folder, so dbt's ``partial_parse.msgpack`` from the last one is lost, and the copy it puts in
is the project's, written by a parse for another warehouse (the profile is part of dbt's check). So
the wrapper keeps the file per warehouse (next to a DuckDB warehouse; in the project's target
folder for PostgreSQL), puts it into the invocation's target folder, runs dbt in this process (same
pid), and keeps the file dbt leaves. dbt checks the file itself (its version, the
profile, the vars, every file's checksum) and parses in full if it does not match, so a stale or
damaged copy costs time, never correctness.

And it keeps the project's ``target/`` folder from growing without bound (issue 15): every dagster-dbt
invocation leaves a folder of 6-9 MB there (dbt.log, manifest, compiled SQL, partial-parse copy) that
nothing removes. Before dbt starts, the wrapper prunes the folders of finished invocations
(``prune_target``): the newest ``KEEP_WHOLE`` stay as they are, the next ``KEEP_LOGS`` keep only their
``dbt.log`` and ``run_results.json`` (what a user reads about a past run), older ones go. The parse
state is kept apart (above), so nothing dbt needs is lost. An invocation marks its folder as running
with a lock (``RUNNING_MARK``) for as long as it runs, so a build on another warehouse never prunes
the folder of a dbt that is still running.
"""

import contextlib
import ctypes
import fcntl
import hashlib
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path

PARENT_ENV = "CSSD_DBT_PARENT_PID"  # set by orchestration/defs/resources.py to the pid that starts dbt
PR_SET_PDEATHSIG = 1
PARTIAL_PARSE = "partial_parse.msgpack"

# Pruning target/: dagster-dbt names an invocation's folder <op>-<run id[:7]>-<uuid[:7]> (or <uuid[:7]>).
INVOCATION_FOLDER = re.compile(r"^(?:.+-[0-9a-f]{7}-)?[0-9a-f]{7}$")
RUNNING_MARK = ".cssd-dbt-running"  # locked (flock) by the invocation while it runs
KEEP_WHOLE = 3  # the newest finished invocations kept whole (about the last build: seeds, CLA, CRCS)
KEEP_LOGS = 12  # the next ones keep their log and run results (about the last few builds)
LOG_FILES = frozenset({"dbt.log", "run_results.json"})
# A folder without a running mark newer than this may be one dagster-dbt has just made (it copies the
# parse state in before it starts dbt, which then marks it): left alone.
UNMARKED_GRACE_SECONDS = 3600


def die_with_parent(expected_parent: "int | None") -> bool:
    """Ask the kernel to SIGKILL this process when its parent dies; False where that is not available.

    Exits at once if the parent is already gone (this process was re-parented before the call)."""
    armed = False
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        if libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
        armed = True
    if expected_parent and os.getppid() != expected_parent:
        sys.stderr.write(f"cssd-dbt: the process that started dbt ({expected_parent}) is gone: not running dbt\n")
        os._exit(1)
    return armed


def tie_to_parent(warehouse: "str | None") -> None:
    """Die with the parent (or exit if it is gone), and hold the warehouse's dbt lock until exit."""
    parent = os.environ.get(PARENT_ENV, "")
    die_with_parent(int(parent) if parent.isdigit() else None)
    if warehouse:
        from orchestration.lib.lock import hold_for_exec

        hold_for_exec(Path(warehouse))


def exec_tied(executable: str, args: list[str], warehouse: "str | None") -> None:
    """Tie this process to its parent, hold the warehouse's dbt lock, then exec ``executable``."""
    tie_to_parent(warehouse)
    os.execv(executable, [executable, *args])


def parse_state_file(environ: "dict[str, str]") -> "Path | None":
    """Where dbt's partial-parse state is kept for the warehouse of this invocation: beside a DuckDB
    warehouse file; for PostgreSQL, in the project's target folder, one per server and database."""
    if environ.get("CSSD_DBT_TARGET", "duckdb") == "duckdb":
        warehouse = environ.get("CSSD_WAREHOUSE")
        return Path(warehouse + ".dbt-parse.msgpack") if warehouse else None
    project = environ.get("DBT_PROJECT_DIR")
    if not project:
        return None
    server = "|".join(environ.get(k, "") for k in ("CSSD_PG_HOST", "CSSD_PG_PORT", "CSSD_PG_USER", "CSSD_PG_DATABASE"))
    digest = hashlib.sha256(server.encode()).hexdigest()[:16]
    return Path(project) / "target" / f"partial_parse-postgres-{digest}.msgpack"


def _copy_atomically(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.")
    os.close(fd)
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def mark_running(target: Path) -> "int | None":
    """Lock ``target``'s running mark until this process (or the dbt it execs into) exits."""
    try:
        target.mkdir(parents=True, exist_ok=True)
        fd = os.open(target / RUNNING_MARK, os.O_RDWR | os.O_CREAT, 0o644)
    except OSError:
        return None
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.set_inheritable(fd, True)
    return fd


def _running(folder: Path, now: float) -> bool:
    mark = folder / RUNNING_MARK
    if not mark.exists():
        return now - folder.stat().st_mtime < UNMARKED_GRACE_SECONDS
    try:
        fd = os.open(mark, os.O_RDWR)
    except OSError:
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)  # closing drops the lock if we took it
    return False


def prune_target(target_root: Path, current: "Path | None" = None) -> list[Path]:
    """Prune the folders of finished dbt invocations under ``target_root`` (the project's target/):
    the newest ``KEEP_WHOLE`` stay whole, the next ``KEEP_LOGS`` keep only ``LOG_FILES``, the rest are
    removed. Folders of running invocations, ``current`` and anything not named like an invocation's
    folder are left alone. Returns the folders removed or thinned."""
    if not target_root.is_dir():
        return []
    now = time.time()
    finished = []
    for folder in target_root.iterdir():
        try:
            if not folder.is_dir() or not INVOCATION_FOLDER.match(folder.name) or folder.is_symlink():
                continue
            if current is not None and folder.resolve() == current.resolve():
                continue
            if _running(folder, now):
                continue
            finished.append((_last_written(folder), folder))
        except OSError:
            continue  # removed meanwhile by another process
    finished.sort(reverse=True)
    changed = []
    for rank, (_, folder) in enumerate(finished):
        if rank < KEEP_WHOLE:
            continue
        if rank < KEEP_WHOLE + KEEP_LOGS:
            extra = [p for p in folder.iterdir() if p.name not in LOG_FILES and p.name != RUNNING_MARK]
            if extra:
                for p in extra:
                    if p.is_dir() and not p.is_symlink():
                        shutil.rmtree(p, ignore_errors=True)
                    else:
                        p.unlink(missing_ok=True)
                changed.append(folder)
            continue
        shutil.rmtree(folder, ignore_errors=True)
        changed.append(folder)
    return changed


def _last_written(folder: Path) -> float:
    """When the invocation last wrote its log (the folder's own time changes when it is thinned)."""
    try:
        return (folder / "dbt.log").stat().st_mtime
    except OSError:
        return folder.stat().st_mtime


def _prune_before_run() -> None:
    """Mark this invocation's folder running and prune the others (never fails the invocation)."""
    target = os.environ.get("DBT_TARGET_PATH")
    if not target:
        return
    project = Path(os.environ.get("DBT_PROJECT_DIR") or os.getcwd())
    current = Path(target) if Path(target).is_absolute() else project / target
    mark_running(current)
    with contextlib.suppress(OSError):
        prune_target(current.parent, current)


def run_dbt_here(args: list[str]) -> int:
    """dbt's own command line, in this process: its exit code."""
    from dbt.cli.main import cli

    try:
        cli.main(args=args, prog_name="dbt")
    except SystemExit as done:
        code = done.code
        return code if isinstance(code, int) else (0 if code is None else 1)
    return 0


def main() -> None:
    args = sys.argv[1:]
    dbt = str(Path(sys.executable).with_name("dbt"))
    # Only a DuckDB warehouse has a lock file; `dbt --version` (asked by dagster-dbt) touches nothing.
    duckdb = os.environ.get("CSSD_DBT_TARGET", "duckdb") == "duckdb"
    warehouse = os.environ.get("CSSD_WAREHOUSE") if duckdb and "--version" not in args else None
    state = parse_state_file(dict(os.environ)) if "--version" not in args else None
    if "--version" not in args:
        _prune_before_run()
    if state is None:
        exec_tied(dbt, args, warehouse)
    tie_to_parent(warehouse)
    # dagster-dbt sets DBT_TARGET_PATH (relative to the project folder, dbt's working directory)
    target = Path(os.environ.get("DBT_TARGET_PATH") or "target") / PARTIAL_PARSE
    try:
        if state.is_file():
            _copy_atomically(state, target)
    except OSError:
        pass  # no saved state: dbt parses in full
    code = run_dbt_here(args)
    try:
        if code in (0, 1) and target.is_file():  # 1: a model or test failed, the parse was good
            _copy_atomically(target, state)
    except OSError:
        pass
    sys.exit(code)


if __name__ == "__main__":
    main()
