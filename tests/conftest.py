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
# Ingestion refuses to run without a key outside demo mode (orchestration/lib/keys.py): the tests'
# builds (in process, and the cssd and dagster processes they start) use this one unless they say
# otherwise; tests/security/test_pseudonym_key.py takes it away to test the refusals.
os.environ.setdefault("CSSD_PSEUDONYM_KEY", TEST_KEY.decode())


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config, items):
    """Make ``--dist loadgroup`` work on pytest 9: pytest-xdist 3.8 tags a grouped test by setting
    ``item._nodeid``, which pytest 9 no longer reads (the node id comes from ``item._id``), so every
    group was spread over both workers and the shared builds ran twice. Set the id pytest reads."""
    if not getattr(config.option, "loadgroup", False) or not hasattr(config, "workerinput"):
        return
    from _pytest.nodeid import NodeId

    for item in items:
        marks = item.iter_markers("xdist_group")
        names = sorted({str(m.args[0] if m.args else m.kwargs.get("name", "default")) for m in marks})
        # A module without a group of its own is one group: its module-scoped fixtures (a dbt build,
        # a generated Wales, a Dagster UI) are then set up once, not once on each worker.
        names = names or [item.nodeid.split("::")[0]]
        if "@" not in item.nodeid:
            item._id = NodeId.parse(f"{item.nodeid}@{'_'.join(names)}")


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
