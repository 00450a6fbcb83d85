"""One process at a time on the DuckDB warehouse, across processes (the CLI, the Dagster UI's runs,
a schedule): DuckDB allows one writing process, and a reader cannot open the file while another
process writes it. Every warehouse connection and every dbt invocation holds an exclusive lock on
``<warehouse>.lock`` (fcntl.flock); a second build waits for the first instead of failing.

The lock is re-entrant within a process, and the operating system releases it if the process dies.

A dbt subprocess holds a second lock, ``<warehouse>.dbt.lock``, for as long as it runs
(orchestration/dbt_child.py). Whoever takes the warehouse lock first waits for that one to be free:
if a process died while its dbt was running and the dbt outlived it (where the kernel cannot kill
it with its parent), the next build waits for that dbt to end instead of failing on DuckDB's own
file lock or racing it.
"""

import fcntl
import logging
import os
import threading
import time
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger("cssd.lock")

_HELD: dict[str, list] = {}  # lock path -> [fd, depth]
_GUARD = threading.RLock()


def lock_path(warehouse: Path) -> Path:
    return Path(f"{warehouse}.lock")


def dbt_lock_path(warehouse: Path) -> Path:
    return Path(f"{warehouse}.dbt.lock")


def _open_lock_file(path: Path) -> int:
    path.parent.mkdir(parents=True, exist_ok=True)
    return os.open(path, os.O_RDWR | os.O_CREAT, 0o600)


def wait_for_orphaned_dbt(warehouse: Path) -> None:
    """Block until no dbt process holds the warehouse's dbt lock (one that outlived its parent)."""
    fd = _open_lock_file(dbt_lock_path(warehouse))
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            log.warning(
                "a dbt process started by a cssd process that is gone is still running on %s: waiting for it to end",
                warehouse,
            )
            fcntl.flock(fd, fcntl.LOCK_EX)
        fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def hold_for_exec(warehouse: Path) -> int:
    """Take the warehouse's dbt lock and keep it across exec: the dbt that this process becomes holds
    it until it exits (orchestration/dbt_child.py)."""
    fd = _open_lock_file(dbt_lock_path(warehouse))
    fcntl.flock(fd, fcntl.LOCK_EX)
    os.set_inheritable(fd, True)
    return fd


def acquire(warehouse: Path, wait_message: bool = True) -> None:
    path = str(lock_path(warehouse))
    with _GUARD:
        if path in _HELD:
            _HELD[path][1] += 1
            return
        fd = _open_lock_file(Path(path))
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if wait_message:
                log.warning("another cssd process is using the warehouse %s: waiting for it to finish", warehouse)
            started = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            log.warning("warehouse free after %.0fs", time.monotonic() - started)
        try:
            wait_for_orphaned_dbt(Path(warehouse))
        except BaseException:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)
            raise
        _HELD[path] = [fd, 1]


def release(warehouse: Path) -> None:
    path = str(lock_path(warehouse))
    with _GUARD:
        entry = _HELD.get(path)
        if entry is None:
            return
        entry[1] -= 1
        if entry[1] == 0:
            fcntl.flock(entry[0], fcntl.LOCK_UN)
            os.close(entry[0])
            del _HELD[path]


@contextmanager
def warehouse_lock(warehouse: Path):
    acquire(warehouse)
    try:
        yield
    finally:
        release(warehouse)


class LockedConnection:
    """A DuckDB connection that holds the warehouse lock until it is closed."""

    def __init__(self, con, warehouse: Path):
        self._con = con
        self._warehouse = warehouse
        self._open = True

    def __getattr__(self, name):
        return getattr(self._con, name)

    def close(self) -> None:
        try:
            self._con.close()
        finally:
            if self._open:
                self._open = False
                release(self._warehouse)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
