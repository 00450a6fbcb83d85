"""The marker that lets `cssd build` skip reloading the seeds names the warehouse they were loaded
into: the DuckDB file, or the PostgreSQL server and database (never the password)."""

from orchestration.cli import seeds_in_warehouse, warehouse_identity
from orchestration.settings import load_settings


def test_the_marker_names_the_duckdb_file_or_the_postgres_database(tmp_path):
    duck = load_settings({"CSSD_DATA_DIR": str(tmp_path)})
    assert warehouse_identity(duck) == f"duckdb:{tmp_path.resolve() / 'warehouse.duckdb'}"
    pg = load_settings(
        {
            "CSSD_DATA_DIR": str(tmp_path),
            "CSSD_DBT_TARGET": "postgres",
            "CSSD_PG_HOST": "db.internal",
            "CSSD_PG_DATABASE": "cssd_warehouse",
            "CSSD_PG_PASSWORD": "s3cret",
        }
    )
    assert warehouse_identity(pg) == "postgres:postgresql://postgres@db.internal:5432/cssd_warehouse"
    other = load_settings({"CSSD_DATA_DIR": str(tmp_path), "CSSD_DBT_TARGET": "postgres", "CSSD_PG_DATABASE": "b"})
    assert warehouse_identity(other) != warehouse_identity(pg)


def test_seeds_are_reloaded_when_the_warehouse_is_not_there(tmp_path):
    duck = load_settings({"CSSD_DATA_DIR": str(tmp_path)})
    assert not seeds_in_warehouse(duck)
    duck.warehouse.write_bytes(b"")
    assert seeds_in_warehouse(duck)
    # a server that cannot be reached: not known to hold them (the build's own connection says why)
    pg = load_settings({"CSSD_DATA_DIR": str(tmp_path), "CSSD_DBT_TARGET": "postgres", "CSSD_PG_PORT": "1"})
    assert not seeds_in_warehouse(pg)
