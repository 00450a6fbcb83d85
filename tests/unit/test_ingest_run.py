"""A whole ingestion run (orchestration/lib/ingest_run.py): every return validated, the passing ones
stored in one transaction; a failed return is not stored and the others are; unchanged returns are
skipped; an error while storing leaves the warehouse as it was before the run."""

import pandas as pd
import pytest

from orchestration.lib import warehouse as warehouse_mod
from orchestration.lib.ingest_run import FAILED, STORED, UNCHANGED, ingest_run
from orchestration.lib.warehouse import connect
from orchestration.lib.years import CollectionYear
from tests.conftest import TEST_KEY

Y16, Y15 = CollectionYear.parse("2016-17"), CollectionYear.parse("2015-16")


def _returns(landing):
    return [
        (landing / "cla" / y.label / la, y, la)
        for y in (Y15, Y16)
        for la in sorted(p.name for p in (landing / "cla" / y.label).iterdir())
    ]


def _raw(con):
    return {
        t: con.execute(f"select * from raw.{t} order by all").fetchall()
        for t in ("cla_children", "cla_episodes", "ingested_files", "validated_returns")
    }


def test_a_run_stores_the_passing_returns_and_not_the_failed_one(small_landing, tmp_path):
    landing = small_landing / "landing"
    con = connect(tmp_path / "w.duckdb")
    returns = _returns(landing)
    first = ingest_run(con, "cla", returns, TEST_KEY, workers=1)
    assert [o.status for o in first] == [STORED] * len(returns)
    stored = _raw(con)
    counts = dict(con.execute("select year, count(*) from raw.cla_children group by year").fetchall())
    assert counts == {"2015-16": 2, "2016-17": 10}
    assert len(stored["validated_returns"]) == len(returns)

    # unchanged: skipped, with what is stored
    again = ingest_run(con, "cla", returns, TEST_KEY, workers=1)
    assert [o.status for o in again] == [UNCHANGED] * len(returns)
    assert [o.rows for o in again] == [o.rows for o in first]
    assert _raw(con) == stored

    # one LA resubmits a broken return: it fails, its stored data stays; the other LA's new return is stored
    la_bad, la_good = sorted(p.name for p in (landing / "cla" / Y16.label).iterdir())
    children = landing / "cla" / Y16.label / la_bad / "children.csv"
    children.write_text(children.read_text().replace("\n", "\nbroken,row,,\n", 1))
    # the good LA's return was validated by an earlier version of the rules: validated and stored again
    con.execute(
        "update raw.validated_returns set digest = 'earlier' where year = ? and la_code = ?", [Y16.label, la_good]
    )
    third = {(o.year.label, o.la_code): o for o in ingest_run(con, "cla", returns, TEST_KEY, workers=1)}
    assert third[(Y16.label, la_bad)].status == FAILED and third[(Y16.label, la_bad)].result.errors
    assert third[(Y16.label, la_good)].status == STORED
    assert third[(Y15.label, "W06000015")].status == UNCHANGED
    after = _raw(con)
    # the failed LA's rows and records are those stored before; the others stored again as they were
    assert after["cla_children"] == stored["cla_children"] and after["cla_episodes"] == stored["cla_episodes"]
    assert after["ingested_files"] == stored["ingested_files"]
    # the failed LA keeps its digest (validated again next time); the good one stored again under its own
    assert after["validated_returns"] == stored["validated_returns"]


def test_an_error_while_storing_leaves_the_warehouse_as_before_the_run(small_landing, tmp_path, monkeypatch):
    landing = small_landing / "landing"
    con = connect(tmp_path / "w.duckdb")
    returns = _returns(landing)
    ingest_run(con, "cla", returns, TEST_KEY, workers=1)
    before = _raw(con)
    con.execute("update raw.validated_returns set digest = 'an earlier version of the rules'")
    before = _raw(con)
    real_insert = warehouse_mod._insert
    calls = []

    def failing_insert(con, target, names, frame: pd.DataFrame):
        calls.append(target)
        if target == "raw.cla_episodes":
            raise RuntimeError("disk full")
        real_insert(con, target, names, frame)

    monkeypatch.setattr(warehouse_mod, "_insert", failing_insert)
    with pytest.raises(RuntimeError, match="disk full"):
        ingest_run(con, "cla", returns, TEST_KEY, workers=1, flush_rows=1)  # a batch per return
    assert "raw.cla_children" in calls  # written before the failure, then rolled back with the rest
    assert _raw(con) == before
