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
"""

import ctypes
import hashlib
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

PARENT_ENV = "CSSD_DBT_PARENT_PID"  # set by orchestration/defs/resources.py to the pid that starts dbt
PR_SET_PDEATHSIG = 1
PARTIAL_PARSE = "partial_parse.msgpack"


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
