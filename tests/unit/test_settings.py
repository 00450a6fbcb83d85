from datetime import date
from pathlib import Path

import pytest

from orchestration.settings import load_settings


def test_defaults_put_everything_under_the_data_dir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = load_settings({})
    assert s.data_dir == tmp_path / "data"
    assert s.warehouse == tmp_path / "data" / "warehouse.duckdb"
    assert s.landing_dir == tmp_path / "data" / "landing"
    assert s.dagster_home == tmp_path / "data" / "dagster_home"


def test_environment_overrides(tmp_path):
    s = load_settings(
        {
            "CSSD_DATA_DIR": str(tmp_path / "d"),
            "CSSD_WAREHOUSE": str(tmp_path / "w.duckdb"),
            "CSSD_PSEUDONYM_KEY": "s3cret",
            "CSSD_TODAY": "2026-03-31",
        }
    )
    assert s.data_dir == tmp_path / "d"
    assert s.warehouse == tmp_path / "w.duckdb"
    assert s.pseudonym_key == b"s3cret" and not s.demo
    assert s.today == date(2026, 3, 31)
    assert s.latest_year.label == "2024-25"


def test_no_key_is_none_and_demo_mode_is_explicit():
    s = load_settings({"CSSD_DATA_DIR": "/tmp/x"})
    assert s.pseudonym_key is None and not s.demo
    assert load_settings({"CSSD_DEMO": "1"}).demo and load_settings({"CSSD_DEMO": "on"}).demo
    assert not load_settings({"CSSD_DEMO": "0"}).demo


def test_the_key_never_appears_in_the_settings_repr():
    s = load_settings({"CSSD_PSEUDONYM_KEY": "very-secret-value"})
    assert "very-secret-value" not in repr(s)


def test_bad_today_is_a_clear_error():
    with pytest.raises(ValueError, match="CSSD_TODAY"):
        load_settings({"CSSD_TODAY": "31/03/2026"})


def test_data_dir_is_resolved_to_an_absolute_path():
    assert load_settings({"CSSD_DATA_DIR": "relative/dir"}).data_dir.is_absolute()
    assert isinstance(load_settings({}).warehouse, Path)


def test_contact_from_cssd_contact():
    from orchestration.settings import load_settings

    assert load_settings({}).contact == ""
    assert load_settings({"CSSD_CONTACT": "  Stats team, stats@example.gov.wales "}).contact == (
        "Stats team, stats@example.gov.wales"
    )
