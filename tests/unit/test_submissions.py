"""Submission status (orchestration/lib/submissions.py): each return's status from the submission log
and the stored returns, and the note saying which return each LA's figures come from."""

import csv
import io

import duckdb
import pytest

from orchestration.lib import submissions as sub

YEAR = "2025-26"


@pytest.fixture
def con():
    c = duckdb.connect()
    c.execute("create schema raw")
    c.execute(
        "create table raw.validated_returns "
        "(census varchar, year varchar, la_code varchar, digest varchar, warnings integer)"
    )
    yield c
    c.close()


def attempt(la, digest, outcome, received, checked, errors=0, warnings=0):
    return {
        "census": "cla",
        "year": YEAR,
        "la_code": la,
        "digest": digest,
        "received_at": received,
        "checked_at": checked,
        "outcome": outcome,
        "errors": errors,
        "warnings": warnings,
        "run_id": "r",
    }


def store(con, la, digest, warnings=0):
    con.execute("delete from raw.validated_returns where la_code = ?", [la])
    con.execute("insert into raw.validated_returns values ('cla', ?, ?, ?, ?)", [YEAR, la, digest, warnings])


def by_la(rows):
    out = {}
    for r in rows:
        out.setdefault(r["la_code"], []).append(r)
    return out


def test_every_status_and_where_the_figures_come_from(con, tmp_path):
    (tmp_path / "cla" / YEAR / "W06000004").mkdir(parents=True)  # landed, not yet validated
    sub.record_attempts(
        con,
        [
            attempt("W06000008", "a", "accepted", "2025-10-14T09:00:00+00:00", "2025-10-14T10:00:00+00:00"),
            attempt("W06000008", "b", "failed", "2025-12-01T09:00:00+00:00", "2025-12-01T10:00:00+00:00", errors=3),
            attempt("W06000015", "c", "accepted", "2025-10-01T09:00:00+00:00", "2025-10-01T10:00:00+00:00"),
            attempt("W06000015", "d", "accepted", "2025-11-02T09:00:00+00:00", "2025-11-02T10:00:00+00:00", warnings=2),
            attempt("W06000011", "e", "failed", "2025-11-05T09:00:00+00:00", "2025-11-05T10:00:00+00:00", errors=1),
        ],
    )
    store(con, "W06000008", "a")
    store(con, "W06000015", "d", warnings=2)
    store(con, "W06000001", "old")  # stored before the log existed
    las = ["W06000001", "W06000002", "W06000004", "W06000008", "W06000011", "W06000015"]
    rows = by_la(sub.status_rows(con, "cla", [YEAR], las, tmp_path))

    assert [r["status"] for r in rows["W06000008"]] == ["failed_validation", "accepted"]
    assert rows["W06000008"][0]["figures_from_en"] == (
        "the resubmission of 2025-12-01 failed validation; figures use the return accepted on 2025-10-14"
    )
    assert rows["W06000008"][0]["errors"] == 3
    assert [r["status"] for r in rows["W06000015"]] == ["accepted_with_warnings", "superseded"]
    assert rows["W06000015"][0]["figures_from_en"] == "figures use the return accepted on 2025-11-02"
    assert [r["status"] for r in rows["W06000011"]] == ["failed_validation"]
    assert rows["W06000011"][0]["figures_from_en"].endswith("no return has been accepted: figures [x]")
    assert [r["status"] for r in rows["W06000001"]] == ["accepted"]
    assert rows["W06000001"][0]["checked"] == ""
    assert [r["status"] for r in rows["W06000002"]] == ["not_received"]
    assert [r["status"] for r in rows["W06000004"]] == ["received"]
    for r in (r for rs in rows.values() for r in rs):  # both languages, never blank
        assert r["status_en"] and r["status_cy"] and r["figures_from_en"] and r["figures_from_cy"]

    failed = sub.failed_returns([r for rs in rows.values() for r in rs])
    assert sorted(r["la_code"] for r in failed) == ["W06000008", "W06000011"]


def test_the_same_return_read_again_is_logged_once(con):
    row = attempt("W06000008", "b", "failed", "2025-12-01T09:00:00+00:00", "2025-12-01T10:00:00+00:00", errors=3)
    sub.record_attempts(con, [row])
    sub.record_attempts(con, [{**row, "checked_at": "2025-12-02T10:00:00+00:00"}])  # a rebuild reads it again
    assert con.execute(f"select count(*) from {sub.LOG_TABLE}").fetchone()[0] == 1
    sub.record_attempts(con, [{**row, "digest": "c", "checked_at": "2025-12-03T10:00:00+00:00"}])
    assert con.execute(f"select count(*) from {sub.LOG_TABLE}").fetchone()[0] == 2


def test_a_read_only_warehouse_without_the_log_has_statuses(tmp_path):
    path = tmp_path / "w.duckdb"
    duckdb.connect(str(path)).close()
    ro = duckdb.connect(str(path), read_only=True)
    try:
        rows = sub.status_rows(ro, "cla", [YEAR], ["W06000001"], tmp_path)
    finally:
        ro.close()
    assert [r["status"] for r in rows] == ["not_received"]


def test_files_read_back_and_page_is_bilingual_and_escaped(con, tmp_path):
    sub.record_attempts(
        con, [attempt("W06000008", "a", "accepted", "2025-10-14T09:00:00+00:00", "2025-10-14T10:00:00+00:00")]
    )
    store(con, "W06000008", "a")
    rows = sub.status_rows(con, "cla", [YEAR], ["W06000008", "W06000002"], tmp_path)
    rows[0]["la_name"] = "<b>Cardiff</b>"  # anything from data is escaped
    csv_path, html_path = sub.write_status_files(tmp_path / "out", rows, YEAR)
    back = list(csv.DictReader(io.StringIO(csv_path.read_text(encoding="utf-8"))))
    assert [r["status"] for r in back] == ["accepted", "not_received"]
    assert list(back[0]) == sub.CSV_COLUMNS
    page = html_path.read_text(encoding="utf-8")
    assert "<b>Cardiff</b>" not in page and "&lt;b&gt;Cardiff&lt;/b&gt;" in page
    assert "Derbyniwyd" in page and "Accepted" in page and 'lang="cy"' in page


def test_the_read_back_check_fails_on_a_damaged_file(con, tmp_path):
    las = ["W06000008", "W06000002"]
    rows = sub.status_rows(con, "cla", [YEAR], las, tmp_path)
    csv_path, _ = sub.write_status_files(tmp_path / "out", rows, YEAR)
    assert sub.read_back_problems(csv_path, rows, las) == []
    lines = csv_path.read_text(encoding="utf-8").splitlines(keepends=True)
    csv_path.write_text("".join(lines[:-1]), encoding="utf-8")  # a row lost
    problems = sub.read_back_problems(csv_path, rows, las)
    assert any("without a status" in p for p in problems) and any("1 rows read back, 2 written" in p for p in problems)
