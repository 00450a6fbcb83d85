"""Two builds started at once on the same data folder both succeed, one after the other: the
second waits for the warehouse lock instead of failing on DuckDB's single writer."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FIXTURES
from tests.integration.helpers import REPO

pytestmark = pytest.mark.integration


def _start(data: Path) -> subprocess.Popen:
    cssd = Path(sys.executable).with_name("cssd")
    env = {**os.environ, "CSSD_DATA_DIR": str(data), "DO_NOT_TRACK": "1"}
    env.pop("CSSD_WAREHOUSE", None)
    return subprocess.Popen(
        [str(cssd), "build", "--census", "cla", "--years", "2016-17"],
        cwd=REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_two_builds_at_once_both_succeed(tmp_path, seeded_warehouse):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    seeded_warehouse(data)  # the Dagster storage is new: both processes create it at once
    first, second = _start(data), _start(data)
    results = [p.communicate(timeout=600) for p in (first, second)]
    for p, (out, err) in zip((first, second), results, strict=True):
        assert p.returncode == 0, err[-3000:]
        assert "built CLA 2016-17" in out
    assert any("waiting for it to finish" in err for _, err in results), "the second build waited for the first"
    assert (data / "output" / "2016-17" / "manifest.json").exists()
