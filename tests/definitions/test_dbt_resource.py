"""The dbt resource skips dagster-dbt's `dbt --version` subprocess and in-process adapter: prove
that the private hooks it overrides still exist and are still what `cli()` calls, and that the
version it reports is the dbt it runs."""

import inspect
import re
import subprocess
import sys
from pathlib import Path

from dagster_dbt import DbtCliResource

from orchestration.defs.resources import CssdDbtCliResource, build_resources


def test_the_overridden_hooks_are_the_ones_cli_calls():
    source = inspect.getsource(DbtCliResource.cli)
    assert "self._cli_version" in source
    assert "self._initialize_dbt_core_adapter(" in source
    assert isinstance(build_resources()["dbt"], CssdDbtCliResource)


def test_version_without_a_subprocess_is_the_version_of_the_dbt_executable():
    resource = build_resources()["dbt"]
    out = subprocess.run(
        [str(Path(sys.executable).with_name("dbt")), "--version"], capture_output=True, text=True, check=True
    ).stdout
    core = re.search(r"installed:\s*(\d+\.\d+\.\d+)", out)
    assert core, out
    assert str(resource._cli_version) == core.group(1)
    assert resource._initialize_dbt_core_adapter(["build"]) is None
