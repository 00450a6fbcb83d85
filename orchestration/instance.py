"""The Dagster instance cssd runs on: DAGSTER_HOME under the data folder, telemetry off,
a run queue, and the warehouse pool limited to one run step at a time.

Storage is SQLite files under DAGSTER_HOME by default; with CSSD_DAGSTER_STORAGE=postgres it is
PostgreSQL (dagster-postgres) on the CSSD_PG_* server. The password is never written to
dagster.yaml: when CSSD_PG_PASSWORD is set, the file reads it from that variable at start-up.
"""

from pathlib import Path

DAGSTER_YAML = """\
# Written by cssd (orchestration/instance.py). Not committed: it lives under the data folder.
telemetry:
  enabled: false
concurrency:
  runs:
    max_concurrent_runs: 1
  pools:
    default_limit: 1
"""


def _postgres_storage(pg) -> str:
    password = "\n      password:\n        env: CSSD_PG_PASSWORD" if pg.password else ""
    return (
        "storage:\n"
        "  postgres:\n"
        "    postgres_db:\n"
        f"      hostname: {pg.host!r}\n"
        f"      port: {pg.port}\n"
        f"      username: {pg.user!r}{password}\n"
        f"      db_name: {pg.dagster_database!r}\n"
        # SQLAlchemy 2.1 defaults to psycopg 3; the lock installs psycopg2 (as dbt-postgres does)
        "      scheme: postgresql+psycopg2\n"
    )


def dagster_yaml(settings=None) -> str:
    """The instance configuration for these settings (None: SQLite)."""
    if settings is None or settings.dagster_storage != "postgres":
        return DAGSTER_YAML
    return DAGSTER_YAML + _postgres_storage(settings.postgres)


def ensure_dagster_home(home: Path, settings=None) -> Path:
    """Write <home>/dagster.yaml for ``settings`` (None: the settings of the environment)."""
    if settings is None:
        from orchestration.settings import load_settings

        settings = load_settings()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    text = dagster_yaml(settings)
    if not config.exists() or config.read_text(encoding="utf-8") != text:
        config.write_text(text, encoding="utf-8")
    return home
