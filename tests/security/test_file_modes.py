"""Who can read what cssd writes, as docs/security.md states it: published files and the warehouse
follow the umask (0644 under the usual 022, 0600 under 077); lock files are 0600 whatever the umask;
the key's fingerprint reveals neither the key nor any pseudonym."""

import os
import stat
from contextlib import contextmanager

from orchestration.lib import lock
from orchestration.lib.keys import key_fingerprint
from orchestration.lib.outputs.atomic import write_bytes_atomic
from orchestration.lib.outputs.release_store import ensure_year_view, output_lock
from orchestration.lib.pseudonymise import pseudonym
from orchestration.lib.warehouse import connect


@contextmanager
def umask(mask: int):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


def mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_outputs_and_the_warehouse_follow_the_umask(tmp_path):
    for mask, file_mode, folder_mode in ((0o022, 0o644, 0o755), (0o077, 0o600, 0o700)):
        folder = tmp_path / f"umask{mask:o}"
        with umask(mask):
            write_bytes_atomic(folder / "output" / "cla1.csv", b"a,b\n")
            con = connect(folder / "warehouse.duckdb")
            con.execute("create table t (x int)")
            con.close()
            view = ensure_year_view(folder / "output", "2016-17")
        assert mode(folder / "output" / "cla1.csv") == file_mode
        assert mode(folder / "warehouse.duckdb") == file_mode
        assert mode(view.resolve()) == folder_mode and mode(folder / "output" / ".validation") == folder_mode


def test_lock_files_are_private_whatever_the_umask(tmp_path):
    with umask(0o022):
        with lock.warehouse_lock(tmp_path / "warehouse.duckdb"), output_lock(tmp_path / "output"):
            pass
        lock.wait_for_orphaned_dbt(tmp_path / "warehouse.duckdb")
    for path in ("warehouse.duckdb.lock", "warehouse.duckdb.dbt.lock", "output/.lock"):
        assert mode(tmp_path / path) == 0o600, path


def test_the_fingerprint_says_which_key_and_nothing_else():
    key = b"a-secret-key-0123456789"
    fp = key_fingerprint(key)
    assert len(fp) == 16 and fp == key_fingerprint(key) and fp != key_fingerprint(b"another-key-0123456789")
    assert key.hex()[:16] != fp and fp not in pseudonym(key, "W06000015", "C001")
