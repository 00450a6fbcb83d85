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
    # The longest groups first, so that the two workers finish together (xdist hands out groups in
    # collection order); the order within a group is kept.
    rank = {group: i for i, group in enumerate(LONGEST_GROUPS_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.rsplit("@", 1)[-1], len(rank)))


# Groups (xdist_group names, or the module of a module without one) by their time on 2 cores, the
# longest first (`pytest --durations`, 2026-12-05): ~165 s each, then ~130, ~85, ~70, ~60, ~50, ~40.
LONGEST_GROUPS_FIRST = [
    "tests/integration/test_ui_smoke.py",
    "crash",
    "built",
    "rekey",
    "tests/postgres/test_same_publication.py",
    "scan",
    "tests/integration/test_concurrent_builds.py",
    "tests/postgres/test_cssd_build.py",
    "tests/dbt/test_dbt_build.py",
    "tests/dbt/test_crcs_tables.py",
    "tests/dbt/test_cla_tables.py",
    "tests/unit/test_dbt_parse_state.py",
]


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


@pytest.fixture(scope="session")
def seeded_warehouse(tmp_path_factory):
    """``seed(data_dir)``: put a warehouse that already holds the reference seeds into a new data
    folder, with the marker `cssd build` reads, so the build skips its `reference_build` run (a
    Dagster run and a dbt invocation, about 9 s a build on 2 cores). The seeds are loaded once per test
    session, by the same dbt command reference_build runs (seeds and their tests), under a lock that
    the xdist workers share. The builds that test loading the seeds (tests/integration's shared
    build, the demo, PostgreSQL) do not use it."""
    import fcntl
    import subprocess
    import sys

    from orchestration.cli import seed_marker, seeds_hash
    from orchestration.paths import DBT_PROJECT_DIR
    from orchestration.settings import load_settings

    root = tmp_path_factory.getbasetemp().parent / "seeded-warehouse"
    root.mkdir(exist_ok=True)
    template = root / f"{seeds_hash()[:16]}.duckdb"
    with (root / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not template.exists():
            partial = root / "partial.duckdb"
            partial.unlink(missing_ok=True)
            dbt = Path(sys.executable).with_name("dbt")
            env = {**os.environ, "CSSD_WAREHOUSE": str(partial), "CSSD_DBT_TARGET": "duckdb"}
            args = ["build", "--indirect-selection", "cautious", "--select", "resource_type:seed tag:reference"]
            args += ["--target-path", str(root / "target"), "--project-dir", str(DBT_PROJECT_DIR)]
            args += ["--profiles-dir", str(DBT_PROJECT_DIR)]
            result = subprocess.run([str(dbt), *args], cwd=DBT_PROJECT_DIR, env=env, capture_output=True, text=True)
            assert result.returncode == 0, result.stdout[-3000:]
            assert not partial.with_name(partial.name + ".wal").exists()
            partial.rename(template)

    def seed(data_dir: Path) -> None:
        settings = load_settings({"CSSD_DATA_DIR": str(data_dir)})
        assert not settings.warehouse.exists(), f"{settings.warehouse} exists: seed a new data folder only"
        settings.warehouse.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(template, settings.warehouse)
        settings.dagster_home.mkdir(parents=True, exist_ok=True)
        marker, text = seed_marker(settings)
        marker.write_text(text)

    return seed
