"""The landing sensor launches only new or changed returns; `cssd validate` exits 1 on errors."""

import dataclasses
import json
import shutil

from dagster import DagsterInstance, build_sensor_context

import orchestration.defs.sensors as sensors
from orchestration.cli import main
from tests.conftest import FIXTURES


def test_sensor_launches_only_new_or_changed_returns(tmp_path, monkeypatch):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    monkeypatch.setattr(sensors, "SETTINGS", dataclasses.replace(sensors.SETTINGS, data_dir=data))
    instance = DagsterInstance.ephemeral()

    first = sensors.cla_landing_sensor(build_sensor_context(instance=instance, cursor=None))
    assert "recorded 3 returns" in first.skip_message
    cursor = json.dumps(
        sensors.landing_digests(data / "landing", "cla", ["2015-16", "2016-17"], ["W06000001", "W06000015"])
    )

    unchanged = sensors.cla_landing_sensor(build_sensor_context(instance=instance, cursor=cursor))
    assert unchanged.skip_message == "no new or changed returns"

    eps = data / "landing/cla/2016-17/W06000001/episodes.csv"
    eps.write_text(eps.read_text() + "A1,2017-03-01,P,E1,N1,A6,LL77,W06000001,,\n")
    shutil.copytree(data / "landing/cla/2016-17/W06000015", data / "landing/cla/2016-17/W06000011")
    requests = sensors.cla_landing_sensor(build_sensor_context(instance=instance, cursor=cursor))
    keys = sorted(str(r.partition_key) for r in requests)
    assert keys == ["2016-17|W06000001", "2016-17|W06000011"]
    assert all(r.run_key.startswith(str(r.partition_key)) for r in requests)


def test_cssd_validate_exit_codes_and_report(tmp_path, capsys):
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    folder = data / "landing/cla/2016-17/W06000015"
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "CLA return 2016-17 (LAC era), W06000015: 0 error(s)" in out

    eps = folder / "episodes.csv"
    eps.write_text(eps.read_text().replace("C001,2014-06-15,S,C2", "C001,2014-06-15,S,ZZ"))
    assert main(["validate", str(folder), "--report-dir", str(tmp_path / "r")]) == 1
    out = capsys.readouterr().out
    assert "ERROR   CLA-027" in out and "row 2, field legal_status" in out and "C001" not in out
    assert (tmp_path / "r" / "W06000015.csv").exists() and (tmp_path / "r" / "W06000015.html").exists()
    assert main(["validate", str(tmp_path / "nowhere")]) == 2


def test_cssd_validate_a_crcs_return_with_its_cross_census_warning(tmp_path, capsys):
    """A generated CRCS return validates clean but for the deliberate cross-census warning; a
    fault injected by the CRCS injector makes it fail with exit 1, naming row, field and rule."""
    from orchestration.lib.synthetic import generate_cla, generate_crcs
    from orchestration.lib.synthetic.crcs_faults import inject_crcs_faults
    from orchestration.lib.years import CollectionYear

    year = CollectionYear.parse("2024-25")
    landing = tmp_path / "landing"
    generate_cla(landing, [year], seed=5, scale=0.2, la_codes=["W06000015"])
    generate_crcs(landing, [year], seed=5, scale=0.2, las=["W06000015"])
    folder = landing / "crcs" / year.label / "W06000015"
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "CRCS return 2024-25 (CRCS_ALL_YEAR era), W06000015: 0 error(s), 1 warning(s)" in out
    assert "WARNING CRCS-063" in out

    (description,) = inject_crcs_faults(landing, year, "W06000015", ["CRCS-013"], 5)
    assert main(["validate", str(folder)]) == 1
    out = capsys.readouterr().out
    assert "ERROR   CRCS-013" in out and "children.csv row " in out and ", field " in out
