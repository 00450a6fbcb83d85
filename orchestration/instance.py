"""The Dagster instance cssd runs on: DAGSTER_HOME under the data folder, telemetry off,
a run queue, and the warehouse pool limited to one run step at a time."""

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


def ensure_dagster_home(home: Path) -> Path:
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists() or config.read_text(encoding="utf-8") != DAGSTER_YAML:
        config.write_text(DAGSTER_YAML, encoding="utf-8")
    return home
