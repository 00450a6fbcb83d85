"""`cssd-dbt` keeps dbt's partial parsing from one invocation to the next (orchestration/dbt_child.py):
each dagster-dbt invocation has a new target folder, and the years of a build are in the environment,
not in --vars, so only the first invocation on a warehouse parses the whole project."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from orchestration.dbt_child import PARTIAL_PARSE, parse_state_file
from orchestration.paths import DBT_PROJECT_DIR

FULL_PARSE = "Unable to do partial parsing"
PARTIAL = "Partial parsing enabled"


def cssd_dbt(args: list[str], target: Path, warehouse: Path, **env) -> str:
    """Run cssd-dbt as dagster-dbt does (working directory the project, a target folder of its own);
    the invocation's dbt.log."""
    full = {
        **os.environ,
        "CSSD_WAREHOUSE": str(warehouse),
        "CSSD_DBT_TARGET": "duckdb",
        "DBT_TARGET_PATH": str(target),
        "DBT_LOG_PATH": str(target),
        "DBT_PROFILES_DIR": str(DBT_PROJECT_DIR),
        **env,
    }
    full.pop("CSSD_DBT_PARENT_PID", None)
    wrapper = Path(sys.executable).with_name("cssd-dbt")
    result = subprocess.run([str(wrapper), *args], cwd=DBT_PROJECT_DIR, env=full, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    return (target / "dbt.log").read_text(encoding="utf-8")


def test_the_parse_state_is_kept_per_warehouse(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    state = parse_state_file({"CSSD_WAREHOUSE": str(warehouse)})
    assert state == tmp_path / "warehouse.duckdb.dbt-parse.msgpack"
    pg = {"CSSD_DBT_TARGET": "postgres", "DBT_PROJECT_DIR": str(tmp_path), "CSSD_PG_DATABASE": "a"}
    a, b = parse_state_file(pg), parse_state_file({**pg, "CSSD_PG_DATABASE": "b"})
    assert a.parent == tmp_path / "target" and a != b and "postgres" in a.name
    assert parse_state_file({}) is None


@pytest.mark.integration
def test_a_new_range_of_years_does_not_parse_the_project_again(tmp_path):
    warehouse = tmp_path / "warehouse.duckdb"
    first = cssd_dbt(["parse"], tmp_path / "t1", warehouse, CSSD_YEAR_FROM="2016-17", CSSD_YEAR_TO="2016-17")
    state = parse_state_file({"CSSD_WAREHOUSE": str(warehouse)})
    assert state.is_file() and state.read_bytes() == (tmp_path / "t1" / PARTIAL_PARSE).read_bytes()
    # another warehouse than the project's own parse: the first invocation parses in full
    assert FULL_PARSE in first
    second = cssd_dbt(["parse"], tmp_path / "t2", warehouse, CSSD_YEAR_FROM="2014-15", CSSD_YEAR_TO="2015-16")
    assert FULL_PARSE not in second and PARTIAL in second
    # a damaged saved state costs a full parse, not a failure, and is replaced by a good one
    state.write_bytes(b"not msgpack")
    third = cssd_dbt(["parse"], tmp_path / "t3", warehouse)
    assert "Failed to load parsed file from disk" in third and PARTIAL not in third
    assert state.read_bytes() != b"not msgpack"
