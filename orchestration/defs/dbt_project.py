"""The dbt project as Dagster sees it (its own module, as dagster-dbt advises)."""

from dagster_dbt import DbtProject

from orchestration.paths import DBT_PROJECT_DIR

cssd_dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
# Under `dagster dev` the manifest is rebuilt when models change; elsewhere `cssd` and the
# Makefile run `dbt parse` first (orchestration.dbt_manifest.ensure_manifest).
cssd_dbt_project.prepare_if_dev()
