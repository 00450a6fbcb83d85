"""Settings resolved once for the Dagster definitions (the environment is read in settings.py)."""

from orchestration.settings import load_settings

SETTINGS = load_settings()

# Everything that writes the DuckDB warehouse shares this pool; the instance limits it to 1.
WAREHOUSE_POOL = "duckdb_warehouse"
