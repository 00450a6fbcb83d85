"""Disclosure control over a real demo year of every table, under both policies (the demo warehouse)."""

import shutil
import time
from pathlib import Path

import duckdb
import pytest

from orchestration.lib.disclosure import POLICIES, apply_policy, audit, check_publishable
from orchestration.lib.publication import TABLES, read_publication_table

WAREHOUSE = Path(__file__).resolve().parents[2] / "data" / "warehouse.duckdb"  # where `make demo` builds
YEAR = "2024-25"


@pytest.fixture(scope="module")
def frames(tmp_path_factory):
    if not WAREHOUSE.exists():
        pytest.skip(f"no demo warehouse at {WAREHOUSE} (build the demo first)")
    copy = tmp_path_factory.mktemp("wh") / "warehouse.duckdb"
    shutil.copy(WAREHOUSE, copy)
    con = duckdb.connect(str(copy), read_only=True)
    try:
        held = {r[0] for r in con.execute("select table_name from duckdb_tables() where schema_name = 'publication'")}
        missing = sorted(f"pub_{t}" for t in TABLES if f"pub_{t}" not in held)
        if missing:
            pytest.skip(f"{WAREHOUSE} is not a whole demo build (no {', '.join(missing)}): run make demo")
        return {t: read_publication_table(con, t, [YEAR]) for t in TABLES}
    finally:
        con.close()


@pytest.mark.parametrize("policy", POLICIES)
def test_every_table_of_a_demo_year_passes(frames, policy):
    seconds = 0.0
    for table_id, frame in frames.items():
        assert len(frame), table_id
        result = apply_policy(frame, table_id, policy)
        assert result.audit.passed, result.audit.summary()
        assert check_publishable(result.frame, table_id, policy) == []
        assert list(result.frame.columns) == list(frame.columns)
        assert (result.frame[["area_code", "measure"]].values == frame[["area_code", "measure"]].values).all()
        started = time.perf_counter()
        again = audit(result.frame.astype(str), table_id, policy)  # as read back from a CSV
        seconds += time.perf_counter() - started
        assert again.passed and again.suppressed == result.audit.suppressed
    print(f"\naudit of {YEAR}, all {len(frames)} tables, {policy}: {seconds:.2f}s")
