"""Landing folders that no build reads are reported, not skipped without a word: a year folder that is
not a collection year of the series (misnamed, or too early or late), a GSS code that is not a Welsh
LA's, a stray file. `cssd build` prints them, the raw asset logs them and records them in its
metadata, the landing sensor logs each once and says how many in its skip reason."""

import dataclasses
import json
import shutil

import pytest
from dagster import DagsterInstance, build_sensor_context

from orchestration.lib.landing import census_problems, root_problems
from orchestration.lib.reference import welsh_la_codes
from tests.conftest import FIXTURES
from tests.security.helpers import failure_messages, ingest_in_process, raw_state

SERIES = ["2015-16", "2016-17"]


@pytest.fixture
def data(tmp_path):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    landing = data / "landing"
    shutil.copytree(landing / "cla/2016-17/W06000015", landing / "cla/2016-17/E09000001")  # London's City
    shutil.copytree(landing / "cla/2016-17/W06000015", landing / "cla/2016-2O/W06000015")  # letter O for zero
    shutil.copytree(landing / "cla/2016-17/W06000015", landing / "cla/2016-2017/W06000015")
    shutil.copytree(landing / "cla/2016-17/W06000015", landing / "cla/2030-31/W06000015")
    (landing / "cla/2016-17/notes.txt").write_text("not a return\n")
    (landing / "cin").mkdir()
    (landing / ".hidden").mkdir()
    return data


def test_every_unread_folder_is_named_with_its_reason(data):
    landing = data / "landing"
    lines = root_problems(landing) + census_problems(landing, "cla", SERIES, welsh_la_codes())
    assert lines == [
        "landing/cin: not a census folder (cla or crcs); nothing in it is read",
        "cla/2016-17/E09000001: not the GSS code of a Welsh local authority (W06…); the return is not read",
        "cla/2016-17/notes.txt: a file where LA folders are expected; not read",
        "cla/2016-2017: name the folder 2016-17; the returns in it are not read",
        "cla/2016-2O: not a collection year (name it like 2019-20); the returns in it are not read",
        "cla/2030-31: not a year of the CLA series (2015-16 to 2016-17, the latest being the last whose 31 March "
        "has passed); the returns in it are not read",
    ]
    # the fixture as it is: nothing to report
    clean = FIXTURES / "cla_small" / "landing"
    assert root_problems(clean) + census_problems(clean, "cla", SERIES, welsh_la_codes()) == []


def test_cssd_build_prints_them(data, capsys):
    from orchestration.cli import _landing_warnings
    from orchestration.lib.years import CollectionYear
    from orchestration.settings import load_settings

    settings = load_settings({"CSSD_DATA_DIR": str(data), "CSSD_TODAY": "2026-11-25"})
    _landing_warnings(settings, [("cla", [CollectionYear.parse("2016-17")])])
    err = capsys.readouterr().err
    assert "WARNING landing folder not read: cla/2016-17/E09000001: not the GSS code" in err
    assert "WARNING landing folder not read: cla/2016-2O: not a collection year" in err
    assert "cla/2030-31: not a year of the CLA series (2002-03 to 2025-26" in err


def test_the_raw_asset_logs_and_records_them(data, monkeypatch):
    result = ingest_in_process(monkeypatch, data, data / "wh.duckdb")
    assert result.success, failure_messages(result)
    materialization = result.asset_materializations_for_node("raw_cla")[0]
    recorded = materialization.metadata["landing_folders_not_read"].value
    assert "cla/2016-17/E09000001: not the GSS code of a Welsh local authority" in recorded
    assert "cla/2016-2O: not a collection year" in recorded
    assert "landing/cin: not a census folder" in recorded
    # the Welsh returns of the year are stored as usual, not held up by the stray folders
    stored = {(r[0], r[1]) for r in raw_state(data / "wh.duckdb")["cla_children"]}
    assert stored == {("2016-17", "W06000001"), ("2016-17", "W06000015")}


def test_the_landing_sensor_logs_each_once_and_counts_them(data, monkeypatch):
    import orchestration.defs.sensors as sensors

    monkeypatch.setattr(sensors, "SETTINGS", dataclasses.replace(sensors.SETTINGS, data_dir=data))
    instance = DagsterInstance.ephemeral()
    context = build_sensor_context(instance=instance, cursor=None)
    first = sensors.cla_landing_sensor(context)
    assert "recorded 3 returns" in first.skip_message and "6 landing folder(s) not read" in first.skip_message
    cursor = json.loads(context.cursor)
    assert (
        "cla/2016-17/E09000001: not the GSS code of a Welsh local authority (W06…); the return is not read"
        in (cursor["ignored"])
    )
    second = sensors.cla_landing_sensor(build_sensor_context(instance=instance, cursor=context.cursor))
    assert second.skip_message == "no new or changed returns; 6 landing folder(s) not read (see the sensor's log)"
