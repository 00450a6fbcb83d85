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


class CssdDbtCliResource(DbtCliResource):
    """dagster-dbt's dbt CLI resource without two costs it adds to every invocation (issue 7):

    - it runs ``dbt --version`` in a subprocess (a full dbt import, ~3 s) to learn the version of
      the dbt it is about to run: the lock pins dbt-core, so the installed package's version is it;
    - it builds a dbt adapter in this process (load the project and profile, parse every macro,
      ~2-6 s) that only ``fetch_column_metadata``/``fetch_row_counts`` use; cssd uses neither.

    Both are private methods of dagster-dbt 0.29 (pinned); tests/definitions/test_dbt_resource.py
    fails if they stop existing or if a dbt invocation stops streaming its events.
    """

    @property
    def _cli_version(self):
        from importlib.metadata import version as installed

        from packaging import version

        return version.parse(installed("dbt-core"))

    def _initialize_dbt_core_adapter(self, args):
        return None


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(path=str(SETTINGS.warehouse), target=SETTINGS.warehouse_target),
        "dbt": CssdDbtCliResource(
            project_dir=cssd_dbt_project,
            profiles_dir=str(cssd_dbt_project.profiles_dir),
            # dbt through the cssd-dbt wrapper: it dies with the process that starts it, and holds the
            # warehouse's dbt lock while it runs (orchestration/dbt_child.py)
            dbt_executable=str(Path(sys.executable).with_name("cssd-dbt")),
        ),
    }


@contextmanager
def dbt_environment(values: dict[str, str]):
    """``values`` in the environment of the dbt invocations started inside the block (dagster-dbt
    copies os.environ when it starts dbt), restored after it."""
    before = {k: os.environ.get(k) for k in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for k, v in before.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def export_dbt_environment(warehouse: WarehouseResource) -> None:
    """dbt runs as a subprocess that inherits the environment: point its profile at this warehouse."""
    os.environ["CSSD_WAREHOUSE"] = warehouse.path
    os.environ["CSSD_DBT_TARGET"] = warehouse.target
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
    os.environ[PARENT_ENV] = str(os.getpid())  # cssd-dbt checks that its parent is still this process
