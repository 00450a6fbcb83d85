"""Resources: the warehouse (DuckDB by default, PostgreSQL with CSSD_DBT_TARGET=postgres) and the dbt CLI."""

import os
import sys
from contextlib import contextmanager
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource

from orchestration.dbt_child import PARENT_ENV
from orchestration.defs.context import SETTINGS
from orchestration.defs.dbt_project import cssd_dbt_project

# Key of the PostgreSQL advisory lock that one dbt invocation at a time holds (any bigint will do;
# this is "cssd" in ASCII).
PG_LOCK_KEY = 0x63737364


class WarehouseResource(ConfigurableResource):
    """The warehouse. DuckDB (``target`` duckdb, the default): the file at ``path``; writers hold the
    duckdb_warehouse pool (limit 1) within Dagster, and every connection holds the warehouse's file
    lock across processes (orchestration/lib/lock.py). PostgreSQL (``target`` postgres): the
    CSSD_PG_* database of the settings; transactions keep readers and writers apart, and dbt
    invocations hold an advisory lock so that two processes do not build the same tables at once."""

    path: str
    target: str = "duckdb"

    def connect(self, read_only: bool = False):
        if self.target == "postgres":
            from orchestration.lib.warehouse import connect_postgres

            return connect_postgres(SETTINGS.postgres.connect_kwargs())

        from orchestration.lib.lock import LockedConnection, acquire, release
        from orchestration.lib.warehouse import connect

        acquire(Path(self.path))
        try:
            con = duckdb.connect(self.path, read_only=True) if read_only else connect(Path(self.path))
        except BaseException:
            release(Path(self.path))
            raise
        return LockedConnection(con, Path(self.path))

    def lock(self):
        """Hold the warehouse for a block (a dbt invocation)."""
        if self.target == "postgres":
            return _pg_advisory_lock()

        from orchestration.lib.lock import warehouse_lock

        return warehouse_lock(Path(self.path))


@contextmanager
def _pg_advisory_lock():
    from orchestration.lib.warehouse import connect_postgres

    con = connect_postgres(SETTINGS.postgres.connect_kwargs())
    try:
        con.execute("select pg_advisory_lock(?)", [PG_LOCK_KEY])
        yield
    finally:
        con.close()  # ends the session, which releases the lock


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(path=str(SETTINGS.warehouse), target=SETTINGS.warehouse_target),
        "dbt": DbtCliResource(
            project_dir=cssd_dbt_project,
            profiles_dir=str(cssd_dbt_project.profiles_dir),
            # dbt through the cssd-dbt wrapper: it dies with the process that starts it, and holds the
            # warehouse's dbt lock while it runs (orchestration/dbt_child.py)
            dbt_executable=str(Path(sys.executable).with_name("cssd-dbt")),
        ),
    }


def export_dbt_environment(warehouse: WarehouseResource) -> None:
    """dbt runs as a subprocess that inherits the environment: point its profile at this warehouse."""
    os.environ["CSSD_WAREHOUSE"] = warehouse.path
    os.environ["CSSD_DBT_TARGET"] = warehouse.target
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ[PARENT_ENV] = str(os.getpid())  # cssd-dbt checks that its parent is still this process
