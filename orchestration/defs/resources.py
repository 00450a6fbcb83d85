"""Resources: the DuckDB warehouse and the dbt CLI."""

import os
import sys
from pathlib import Path

import duckdb
from dagster import ConfigurableResource
from dagster_dbt import DbtCliResource

from orchestration.defs.context import SETTINGS
from orchestration.defs.dbt_project import cssd_dbt_project


class WarehouseResource(ConfigurableResource):
    """The DuckDB warehouse file. Writers hold the duckdb_warehouse pool (limit 1) within Dagster, and
    every connection holds the warehouse's file lock across processes (orchestration/lib/lock.py)."""

    path: str

    def connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
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
        from orchestration.lib.lock import warehouse_lock

        return warehouse_lock(Path(self.path))


def build_resources() -> dict:
    return {
        "warehouse": WarehouseResource(path=str(SETTINGS.warehouse)),
        "dbt": DbtCliResource(
            project_dir=cssd_dbt_project,
            profiles_dir=str(cssd_dbt_project.profiles_dir),
            dbt_executable=str(Path(sys.executable).with_name("dbt")),
        ),
    }


def export_dbt_environment(warehouse: WarehouseResource) -> None:
    """dbt runs as a subprocess that inherits the environment: point its profile at this warehouse."""
    os.environ["CSSD_WAREHOUSE"] = warehouse.path
    os.environ["DO_NOT_TRACK"] = "1"
    os.environ["DBT_SEND_ANONYMOUS_USAGE_STATS"] = "false"
