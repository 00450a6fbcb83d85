"""`cssd-dbt`: the dbt that dagster-dbt starts, tied to the process that started it.

dagster-dbt runs ``dbt build`` as a subprocess. If the process that started it dies (SIGKILL, the
out-of-memory killer, a lost terminal), that dbt would carry on as an orphan: holding DuckDB's own
lock on the warehouse file (so the next build fails to open it) and writing models on its own. This
wrapper (``DbtCliResource(dbt_executable=…/cssd-dbt)``, orchestration/defs/resources.py) makes that
impossible, then replaces itself with the real ``dbt`` (exec: same pid, nothing in between):

1. **Linux**: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``: the kernel kills dbt the moment its parent dies;
   if the parent died before that was set, the wrapper exits without running dbt.
2. **Everywhere**: dbt holds ``<warehouse>.dbt.lock`` for as long as it runs (the descriptor is
   inherited through exec). A process that takes the warehouse lock waits for that lock too
   (orchestration/lib/lock.py), so even where (1) is not available the next build waits for an
   orphaned dbt to end instead of colliding with it.

tests/security/test_crash_safety.py kills a build while dbt runs and checks both.
"""

import ctypes
import os
import signal
import sys
from pathlib import Path

PARENT_ENV = "CSSD_DBT_PARENT_PID"  # set by orchestration/defs/resources.py to the pid that starts dbt
PR_SET_PDEATHSIG = 1


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


def exec_tied(executable: str, args: list[str], warehouse: "str | None") -> None:
    """Tie this process to its parent, hold the warehouse's dbt lock, then exec ``executable``."""
    parent = os.environ.get(PARENT_ENV, "")
    die_with_parent(int(parent) if parent.isdigit() else None)
    if warehouse:
        from orchestration.lib.lock import hold_for_exec

        hold_for_exec(Path(warehouse))
    os.execv(executable, [executable, *args])


def main() -> None:
    args = sys.argv[1:]
    dbt = str(Path(sys.executable).with_name("dbt"))
    # Only a DuckDB warehouse has a lock file; `dbt --version` (asked by dagster-dbt) touches nothing.
    duckdb = os.environ.get("CSSD_DBT_TARGET", "duckdb") == "duckdb"
    warehouse = os.environ.get("CSSD_WAREHOUSE") if duckdb and "--version" not in args else None
    exec_tied(dbt, args, warehouse)


if __name__ == "__main__":
    main()
