"""Dagster on PostgreSQL: with CSSD_DAGSTER_STORAGE=postgres, orchestration/instance.py writes a
dagster.yaml whose run, event log and schedule storage are dagster-postgres; a run materialised on
that instance is recorded in the database and read back from it by a second instance."""

import pytest
from dagster import DagsterInstance, DagsterRunStatus, asset, materialize

from orchestration.instance import dagster_yaml, ensure_dagster_home
from orchestration.settings import load_settings
from tests.postgres.conftest import pg_environment


def _settings(pg_server, database, tmp_path):
    env = {
        "CSSD_DATA_DIR": str(tmp_path / "data"),
        "CSSD_DAGSTER_STORAGE": "postgres",
        "CSSD_PG_PASSWORD": pg_server.password,
        **pg_environment(pg_server, "warehouse_db_not_used_here"),
        "CSSD_DAGSTER_PG_DATABASE": database,
    }
    return load_settings(env)


def test_default_instance_is_unchanged_sqlite(tmp_path):
    settings = load_settings({"CSSD_DATA_DIR": str(tmp_path)})
    text = dagster_yaml(settings)
    assert "storage:" not in text and "postgres" not in text
    assert "max_concurrent_runs: 1" in text and "dequeue_interval_seconds: 1" in text


def test_password_is_read_from_the_environment_not_written(tmp_path):
    settings = load_settings(
        {"CSSD_DATA_DIR": str(tmp_path), "CSSD_DAGSTER_STORAGE": "postgres", "CSSD_PG_PASSWORD": "s3cret"}
    )
    text = dagster_yaml(settings)
    assert "s3cret" not in text and "env: CSSD_PG_PASSWORD" in text
    with pytest.raises(ValueError, match="CSSD_DAGSTER_STORAGE"):
        load_settings({"CSSD_DAGSTER_STORAGE": "mysql"})


@asset
def cssd_probe() -> int:
    return 1


def test_a_run_is_recorded_in_postgres_and_read_back(pg_server, pg_database, tmp_path):
    import psycopg2

    settings = _settings(pg_server, pg_database, tmp_path)
    home = ensure_dagster_home(settings.dagster_home, settings)
    text = (home / "dagster.yaml").read_text(encoding="utf-8")
    assert "storage:\n  postgres:" in text and f"db_name: '{pg_database}'" in text

    with DagsterInstance.from_config(str(home)) as instance:
        assert type(instance.run_storage).__name__ == "PostgresRunStorage"
        assert type(instance.event_log_storage).__name__ == "PostgresEventLogStorage"
        assert type(instance.schedule_storage).__name__ == "PostgresScheduleStorage"
        result = materialize([cssd_probe], instance=instance)
        assert result.success
        run_id = result.run_id

    with DagsterInstance.from_config(str(home)) as again:  # a new instance: nothing held in memory
        run = again.get_run_by_id(run_id)
        assert run is not None and run.status == DagsterRunStatus.SUCCESS
        assert again.get_latest_materialization_event(cssd_probe.key) is not None

    con = psycopg2.connect(connect_timeout=3, **pg_server.connect_kwargs(pg_database))
    try:
        with con.cursor() as cur:
            cur.execute("select status from runs where run_id = %s", [run_id])
            assert cur.fetchall() == [("SUCCESS",)]
    finally:
        con.close()
    assert not list(home.glob("**/*.db"))  # no SQLite storage beside it
