"""The annual publication schedules, the chain that follows them, and the daily validation sweep."""

import dataclasses
import shutil
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest
from dagster import DefaultScheduleStatus, build_schedule_context

import orchestration.defs.schedules as schedules
from orchestration.settings import load_settings, parse_publication_dates
from tests.conftest import FIXTURES


def test_annual_schedules_default_to_september_and_october_and_start_off():
    assert schedules.cla_annual_publication.cron_schedule == "0 6 1 9 *"
    assert schedules.crcs_annual_publication.cron_schedule == "0 6 1 10 *"
    for s in schedules.SCHEDULES:
        assert s.default_status == DefaultScheduleStatus.STOPPED


def test_publication_dates_are_configurable_and_checked():
    assert parse_publication_dates("cla=08-15") == {"cla": (8, 15), "crcs": (10, 1)}
    with pytest.raises(ValueError, match="census=MM-DD"):
        parse_publication_dates("cla=13-01")
    with pytest.raises(ValueError, match="not cla or crcs"):
        parse_publication_dates("cin=09-01")
    s = load_settings({"CSSD_DATA_DIR": "/tmp/x", "CSSD_SCHEDULES": "on", "CSSD_PSEUDONYM_KEY": "k"})
    assert s.schedules_on


def test_the_annual_schedule_ingests_the_latest_year_for_every_la():
    when = datetime(2026, 9, 1, 6, 0, tzinfo=ZoneInfo("Europe/London"))
    request = schedules.cla_annual_publication(build_schedule_context(scheduled_execution_time=when))
    assert request.tags["dagster/asset_partition_range_start"] == "2025-26|W06000001"
    assert request.tags["dagster/asset_partition_range_end"] == "2025-26|W06000024"
    assert request.tags[schedules.ANNUAL_TAG] == "cla" and request.run_key == "annual-cla-2025-26"


def test_the_chain_runs_transform_after_ingest_then_the_release():
    tags = {schedules.ANNUAL_TAG: "crcs", schedules.YEAR_TAG: "2025-26"}
    job, request = schedules.next_step("crcs_ingest", tags)
    assert job == "crcs_transform" and request.tags["dagster/asset_partition_range_start"] == "2025-26"
    job, _ = schedules.next_step("crcs_transform", tags)
    assert job == "release"
    assert schedules.next_step("release", tags) is None
    # the annual build stops at the release, awaiting sign-off
    waiting = schedules.awaiting_signoff("release", tags)
    assert waiting.startswith("CRCS 2025-26: released, awaiting sign-off") and "cssd signoff 2025-26" in waiting
    assert schedules.awaiting_signoff("crcs_transform", tags) is None
    assert schedules.awaiting_signoff("release", {}) is None  # a release that is not an annual build
    assert schedules.next_step("cla_ingest", {}) is None  # a run that is not an annual build


def test_the_sweep_validates_new_and_changed_returns_only(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    monkeypatch.setattr(schedules, "SETTINGS", dataclasses.replace(schedules.SETTINGS, data_dir=data))
    import orchestration.defs.ingest as ingest

    monkeypatch.setattr(ingest, "SETTINGS", schedules.SETTINGS)
    first = schedules.validate_new_returns()
    assert first["validated"] == 3 and first["unchanged"] == 0
    assert (data / "output" / "2016-17" / "validation" / "cla" / "W06000015.html").exists()
    assert schedules.validate_new_returns() == {"validated": 0, "unchanged": 3, "with_errors": 0}
    eps = data / "landing/cla/2016-17/W06000015/episodes.csv"
    eps.write_text(eps.read_text().replace("C001,2014-06-15,S,C2", "C001,2014-06-15,S,ZZ"))
    third = schedules.validate_new_returns()
    assert third == {"validated": 1, "unchanged": 2, "with_errors": 1}
