"""The dbt project as Dagster sees it (its own module, as dagster-dbt advises)."""

from dagster_dbt import DbtProject

from orchestration.dbt_manifest import ensure_manifest
from orchestration.paths import DBT_PROJECT_DIR

cssd_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# The asset definitions read target/manifest.json when they are imported: build it (`dbt parse`,
# offline, a few seconds) when it is missing or older than the project's files. Under
# `dagster dev` dagster-dbt also rebuilds it when models change.
ensure_manifest()
cssd_dbt_project.prepare_if_dev()
