"""Shared test set-up: telemetry off, a fixed 'today', the dbt manifest built once."""

import os
import shutil
from pathlib import Path

import pytest

os.environ.setdefault("DO_NOT_TRACK", "1")
os.environ.setdefault("DBT_SEND_ANONYMOUS_USAGE_STATS", "false")
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
os.environ.setdefault("CSSD_TODAY", "2026-11-25")

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"
TEST_KEY = b"test-key-not-secret"


@pytest.fixture(scope="session", autouse=True)
def dbt_manifest():
    from orchestration.dbt_manifest import ensure_manifest

    return ensure_manifest()


@pytest.fixture
def small_landing(tmp_path: Path) -> Path:
    """A copy of the hand-built CLA fixture (2 LAs in 2016-17, Cardiff in 2015-16)."""
    target = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", target)
    return target
