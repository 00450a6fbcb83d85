"""`cssd retention`: the dry run lists and deletes nothing; `--apply` deletes what is due and logs each deletion
(no identifier); the published outputs are never touched; a year whose landing files are gone keeps its raw
rows (it can still be rebuilt); the weekly schedule runs it."""

import json
import shutil

import duckdb
import pandas as pd
import pytest
from dagster import DefaultScheduleStatus, build_schedule_context

import orchestration.defs.retention as retention_defs
from orchestration.cli import main
from orchestration.lib import retention
from tests.conftest import FIXTURES
from tests.security.helpers import folder_bytes, ingest_in_process, raw_state
from tests.security.research_data import identity_secret, private, settings_for

KEY = identity_secret()
BOTH_YEARS = ("2015-16|W06000001", "2016-17|W06000024")
# On 1 June 2018 the latest complete year is 2017-18, so 2016-17 is the last final year: 2015-16 has been
# final for one more year.
TODAY = "2018-06-01"


@pytest.fixture
def data(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    from orchestration.lib.keys import mark_synthetic

    mark_synthetic(data / "landing")
    result = ingest_in_process(
        monkeypatch, data, data / "warehouse.duckdb", BOTH_YEARS, identity_key=KEY.encode(), demo=True
    )
    assert result.success
    published = data / "output" / "2015-16" / "cla_children_looked_after.csv"
    published.parent.mkdir(parents=True, exist_ok=True)
    published.write_text("published figures\n")
    monkeypatch.setenv("CSSD_DATA_DIR", str(data))
    monkeypatch.setenv("CSSD_TODAY", TODAY)
    monkeypatch.setenv("CSSD_DEMO", "1")
    for name in ("CSSD_RETAIN_LANDING", "CSSD_RETAIN_IDENTITY", "CSSD_RETAIN_RAW", "CSSD_FINAL_THROUGH"):
        monkeypatch.delenv(name, raising=False)
    return data


def _ingest(monkeypatch, data):
    return ingest_in_process(
        monkeypatch, data, data / "warehouse.duckdb", BOTH_YEARS, identity_key=KEY.encode(), demo=True
    )


def _personal(data) -> set[str]:
    out = set()
    for path in (data / "landing").rglob("*.csv"):
        frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        for column in frame.columns:
            if column.lower() in ("child_id", "child", "upn", "date_of_birth", "dob", "pl_post", "placement_postcode"):
                out |= {v for v in frame[column] if v}
    return out


def test_the_periods_and_their_defaults():
    s = settings_for(FIXTURES)
    assert (s.retain_landing, s.retain_identity, s.retain_raw) == (1, 2, None)
    s = settings_for(FIXTURES, CSSD_RETAIN_LANDING="0", CSSD_RETAIN_RAW="5", CSSD_RETAIN_IDENTITY="forever")
    assert (s.retain_landing, s.retain_identity, s.retain_raw) == (0, None, 5)
    with pytest.raises(ValueError, match="CSSD_RETAIN_LANDING"):
        settings_for(FIXTURES, CSSD_RETAIN_LANDING="a year")
    with pytest.raises(ValueError, match="negative"):
        settings_for(FIXTURES, CSSD_RETAIN_RAW="-1")
    # a provisional year is never due; a final one when enough later years are final too
    s = settings_for(FIXTURES, CSSD_TODAY=TODAY)
    assert retention.due(s, "landing", "2017-18") is None  # provisional
    assert retention.due(s, "landing", "2016-17") is None  # final, no later year final yet
    assert "CSSD_RETAIN_LANDING=1" in retention.due(s, "landing", "2015-16")
    assert retention.due(s, "identity", "2015-16") is None  # kept 2 years
    assert retention.due(s, "raw", "2002-03") is None  # forever


def test_dry_run_lists_and_deletes_nothing_apply_deletes_and_logs_each_deletion(data, capsys, monkeypatch):
    monkeypatch.setenv("CSSD_RETAIN_IDENTITY", "1")
    before = folder_bytes(data)
    warehouse_before = raw_state(data / "warehouse.duckdb")
    assert main(["retention"]) == 0
    said = capsys.readouterr().out
    assert "landing 1, identity 1, raw forever" in said
    assert "would delete landing: cla 2015-16 W06000015: landing/cla/2015-16/W06000015" in said
    assert "would delete identity: cla 2015-16 W06000015: identity/cla/2015-16/W06000015.cssdid" in said
    assert "2016-17" not in said.replace("2016-17 final", "")  # the last final year is kept
    assert "nothing was deleted" in said
    assert folder_bytes(data) == before
    assert not (data / "retention").exists()

    assert main(["retention", "--apply"]) == 0
    said = capsys.readouterr().out
    assert "2 deletion(s) logged" in said
    assert not (data / "landing" / "cla" / "2015-16").exists()
    assert (data / "landing" / "cla" / "2016-17" / "W06000015").is_dir()
    assert not list((data / "identity" / "cla" / "2015-16").glob("*.cssdid"))
    assert list((data / "identity" / "cla" / "2016-17").glob("*.cssdid"))
    log = data / "retention" / "retention.log"
    entries = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(e["kind"], e["census"], e["year"], e["la_code"]) for e in entries] == [
        ("landing", "cla", "2015-16", "W06000015"),
        ("identity", "cla", "2015-16", "W06000015"),
    ]
    assert all(e["deleted"] and e["rule"] and e["target"] for e in entries)
    assert private(log)
    text = log.read_text()
    assert not [v for v in _fixture_personal() if v in text]
    # the published outputs untouched; the raw rows all there
    assert (data / "output" / "2015-16" / "cla_children_looked_after.csv").read_text() == "published figures\n"
    assert raw_state(data / "warehouse.duckdb") == warehouse_before
    # nothing is due any more
    assert main(["retention"]) == 0
    assert "nothing is due for deletion" in capsys.readouterr().out


def _fixture_personal() -> set[str]:
    """The personal values of the fixture's landing files (read from the fixture: some were deleted)."""
    return _personal(FIXTURES / "cla_small")


def test_a_year_whose_landing_files_are_gone_keeps_its_raw_rows_when_ingested_again(data, monkeypatch):
    assert main(["retention", "--apply"]) == 0
    state = raw_state(data / "warehouse.duckdb")
    assert [r for r in state["cla_children"] if r[0] == "2015-16"]
    result = ingest_in_process(
        monkeypatch, data, data / "warehouse.duckdb", BOTH_YEARS, identity_key=KEY.encode(), demo=True
    )
    assert result.success
    after = raw_state(data / "warehouse.duckdb")
    # Every stored row as it was. The next year's return is validated again (its continuity checks read
    # last year's landing files, now gone), so only its validation digest differs, and the submission
    # log gains that validation's row (a log of attempts, not stored data).
    bookkeeping = ("validated_returns", "submission_log")
    assert {t: rows for t, rows in after.items() if t not in bookkeeping} == {
        t: rows for t, rows in state.items() if t not in bookkeeping
    }
    assert [r[:3] for r in after["validated_returns"]] == [r[:3] for r in state["validated_returns"]]


def test_raw_rows_are_deleted_only_with_a_raw_period(data, capsys, monkeypatch):
    monkeypatch.setenv("CSSD_RETAIN_RAW", "1")
    assert main(["retention"]) == 0
    assert "would delete raw: cla 2015-16: raw rows of 1 stored return(s)" in capsys.readouterr().out
    assert main(["retention", "--apply"]) == 0
    con = duckdb.connect(str(data / "warehouse.duckdb"), read_only=True)
    years = {r[0] for r in con.execute("select distinct year from raw.cla_episodes").fetchall()}
    files = {r[0] for r in con.execute("select distinct year from raw.ingested_files").fetchall()}
    con.close()
    assert years == files == {"2016-17"}
    kinds = [json.loads(line)["kind"] for line in (data / "retention" / "retention.log").read_text().splitlines()]
    assert kinds == ["landing", "raw"]


def test_nothing_outside_the_landing_and_identity_folders_is_deleted(data):
    s = settings_for(data, CSSD_TODAY=TODAY)
    forged = retention.Deletion("landing", "cla", "2015-16", None, "output/2015-16", "a forged rule")
    with pytest.raises(ValueError, match="refusing to delete"):
        retention.apply(s, [forged])
    assert (data / "output" / "2015-16" / "cla_children_looked_after.csv").exists()


def test_the_weekly_schedule_runs_it_with_apply(data, monkeypatch):
    from orchestration.definitions import defs

    schedule = defs.get_schedule_def("weekly_retention")
    assert schedule.cron_schedule == "0 5 * * 0" and schedule.default_status == DefaultScheduleStatus.STOPPED
    assert schedule.job_name == "retention"
    assert retention_defs.weekly_retention(build_schedule_context()).run_key is None
    monkeypatch.setattr(retention_defs, "SETTINGS", settings_for(data, CSSD_TODAY=TODAY))
    result = retention_defs.retention.execute_in_process()
    assert result.success
    assert not (data / "landing" / "cla" / "2015-16").exists()
    assert (data / "retention" / "retention.log").exists()
