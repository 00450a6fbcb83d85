"""The pseudonymisation key is required outside demo mode, and demo mode only takes synthetic data.

Refused without a key; accepted with one; accepted in demo mode on a landing folder that `cssd
generate` marked synthetic; refused in demo mode on one it did not mark. Checked where the key is
decided (orchestration/lib/keys.py), at `cssd build` (before any run starts) and in the raw asset
itself (what the UI, sensors and schedules run). `cssd validate` and the validation sweep store
nothing and need no key. A warehouse built with one key refuses returns pseudonymised with another."""

import dataclasses
import shutil

import pytest

from orchestration.cli import main
from orchestration.lib.keys import (
    SYNTHETIC_MARKER,
    KeyRefused,
    ingest_key,
    is_marked_synthetic,
    key_fingerprint,
    mark_synthetic,
)
from orchestration.lib.pseudonymise import pseudonym
from orchestration.settings import DEMO_PSEUDONYM_KEY, load_settings
from tests.conftest import FIXTURES
from tests.security.helpers import failure_messages, ingest_in_process, raw_state

KEY = "a-real-key-0123456789abcdef"


@pytest.fixture
def landing(tmp_path):
    """An unmarked copy of the hand-built CLA fixture (as real returns would be)."""
    data = tmp_path / "data"
    shutil.copytree(FIXTURES / "cla_small", data)
    return data


def settings_for(data, **env):
    return load_settings({"CSSD_DATA_DIR": str(data), **env})


def test_ingest_key_refused_without_a_key_says_how_to_set_one(landing):
    with pytest.raises(KeyRefused) as exc:
        ingest_key(settings_for(landing))
    text = str(exc.value)
    assert "CSSD_PSEUDONYM_KEY is not set" in text and "secrets.token_hex(32)" in text
    assert "CSSD_DEMO=1" in text and "docs/security.md" in text


def test_ingest_key_accepted_with_a_key(landing):
    assert ingest_key(settings_for(landing, CSSD_PSEUDONYM_KEY=KEY)) == KEY.encode()


def test_demo_mode_accepted_on_synthetic_data_refused_on_unmarked(landing):
    with pytest.raises(KeyRefused, match="not marked synthetic"):
        ingest_key(settings_for(landing, CSSD_DEMO="1"))
    # a key does not make demo mode acceptable on data that is not marked synthetic
    with pytest.raises(KeyRefused, match="not marked synthetic"):
        ingest_key(settings_for(landing, CSSD_DEMO="1", CSSD_PSEUDONYM_KEY=KEY))
    mark_synthetic(landing / "landing")
    assert is_marked_synthetic(landing / "landing")
    assert ingest_key(settings_for(landing, CSSD_DEMO="1")) == DEMO_PSEUDONYM_KEY.encode()
    assert ingest_key(settings_for(landing, CSSD_DEMO="1", CSSD_PSEUDONYM_KEY=KEY)) == KEY.encode()
    # a marker is not demo mode: without CSSD_DEMO the key is still required
    with pytest.raises(KeyRefused, match="not set"):
        ingest_key(settings_for(landing))
    # a file of that name that does not say so is no marker
    (landing / "landing" / SYNTHETIC_MARKER).write_text("real returns\n")
    with pytest.raises(KeyRefused, match="not marked synthetic"):
        ingest_key(settings_for(landing, CSSD_DEMO="1"))


def test_a_short_key_or_the_public_demo_key_is_refused_outside_demo_mode(landing):
    with pytest.raises(KeyRefused, match="5 characters long"):
        ingest_key(settings_for(landing, CSSD_PSEUDONYM_KEY="short"))
    with pytest.raises(KeyRefused, match="public demo key"):
        ingest_key(settings_for(landing, CSSD_PSEUDONYM_KEY=DEMO_PSEUDONYM_KEY))


def test_cssd_build_refuses_before_starting_anything(landing, monkeypatch, capsys):
    monkeypatch.setenv("CSSD_DATA_DIR", str(landing))
    monkeypatch.delenv("CSSD_PSEUDONYM_KEY", raising=False)
    monkeypatch.delenv("CSSD_DEMO", raising=False)
    assert main(["build", "--census", "cla", "--years", "2016-17"]) == 2
    assert "cssd build: CSSD_PSEUDONYM_KEY is not set" in capsys.readouterr().err
    monkeypatch.setenv("CSSD_DEMO", "1")
    assert main(["build", "--census", "cla", "--years", "2016-17"]) == 2
    assert "is not marked synthetic" in capsys.readouterr().err
    # nothing was started: no warehouse, no Dagster home, no outputs
    assert sorted(p.name for p in landing.iterdir()) == ["README.md", "landing"]


def test_the_raw_asset_refuses_without_a_key_and_stores_nothing(landing, monkeypatch):
    warehouse = landing / "wh.duckdb"
    result = ingest_in_process(monkeypatch, landing, warehouse, pseudonym_key=None, demo=False)
    assert not result.success
    assert "CLA returns not ingested: CSSD_PSEUDONYM_KEY is not set" in failure_messages(result)
    assert not warehouse.exists()


def test_the_raw_asset_in_demo_mode_refuses_unmarked_data(landing, monkeypatch):
    warehouse = landing / "wh.duckdb"
    result = ingest_in_process(monkeypatch, landing, warehouse, pseudonym_key=None, demo=True)
    assert not result.success and "is not marked synthetic" in failure_messages(result)
    assert not warehouse.exists()


def _stored_pids(warehouse):
    return {r[2] for r in raw_state(warehouse)["cla_children"]}


def test_the_raw_asset_accepts_a_key_and_demo_mode_on_synthetic_data(landing, monkeypatch):
    with_key = landing / "with_key.duckdb"
    result = ingest_in_process(monkeypatch, landing, with_key, pseudonym_key=KEY.encode(), demo=False)
    assert result.success, failure_messages(result)
    assert pseudonym(KEY.encode(), "W06000015", "C001") in _stored_pids(with_key)

    mark_synthetic(landing / "landing")
    demo = landing / "demo.duckdb"
    result = ingest_in_process(monkeypatch, landing, demo, pseudonym_key=None, demo=True)
    assert result.success, failure_messages(result)
    pids = _stored_pids(demo)
    assert pseudonym(DEMO_PSEUDONYM_KEY.encode(), "W06000015", "C001") in pids
    assert not pids & _stored_pids(with_key)
    files = raw_state(demo)["ingested_files"]
    assert {f[-1] for f in files} == {key_fingerprint(DEMO_PSEUDONYM_KEY.encode())}


def test_a_warehouse_refuses_returns_under_another_key(landing, monkeypatch):
    warehouse = landing / "wh.duckdb"
    assert ingest_in_process(monkeypatch, landing, warehouse, pseudonym_key=KEY.encode()).success
    before = raw_state(warehouse)
    result = ingest_in_process(monkeypatch, landing, warehouse, pseudonym_key=b"another-key-0123456789")
    assert not result.success
    message = failure_messages(result)
    assert "not made with the key in CSSD_PSEUDONYM_KEY (cla 2016-17 W06000001" in message
    assert "run `cssd rekey`" in message and "C001" not in message
    assert raw_state(warehouse) == before
    # a re-key run (cssd rekey) may replace them
    result = ingest_in_process(
        monkeypatch, landing, warehouse, tags={"cssd/rekey": "1"}, pseudonym_key=b"another-key-0123456789"
    )
    assert result.success, failure_messages(result)
    assert {f[-1] for f in raw_state(warehouse)["ingested_files"]} == {key_fingerprint(b"another-key-0123456789")}


def test_returns_stored_before_keys_were_recorded_count_as_another_key(landing, monkeypatch):
    import duckdb

    warehouse = landing / "wh.duckdb"
    assert ingest_in_process(monkeypatch, landing, warehouse, pseudonym_key=KEY.encode()).success
    con = duckdb.connect(str(warehouse))
    con.execute("update raw.ingested_files set key_fingerprint = null where la_code = 'W06000001'")
    con.close()
    result = ingest_in_process(monkeypatch, landing, warehouse, pseudonym_key=KEY.encode())
    assert not result.success
    assert "1 of them stored before cssd recorded which key made them" in failure_messages(result)


def test_validate_and_the_sweep_need_no_key(landing, monkeypatch, capsys):
    monkeypatch.delenv("CSSD_PSEUDONYM_KEY", raising=False)
    assert main(["validate", str(landing / "landing/cla/2016-17/W06000015")]) == 0
    assert "0 error(s)" in capsys.readouterr().out

    import orchestration.defs.ingest as ingest
    import orchestration.defs.schedules as schedules

    settings = dataclasses.replace(schedules.SETTINGS, data_dir=landing, pseudonym_key=None, demo=False)
    monkeypatch.setattr(schedules, "SETTINGS", settings)
    monkeypatch.setattr(ingest, "SETTINGS", settings)
    assert schedules.validate_new_returns()["validated"] == 3
    assert (landing / "output/2016-17/validation/cla/W06000015.html").exists()


def test_generate_marks_its_folder_and_will_not_mix_into_real_returns(landing, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("CSSD_DATA_DIR", str(landing))
    before = sorted(str(p) for p in (landing / "landing").rglob("*"))
    args = ["generate", "--census", "cla", "--years", "2016-17", "--las", "W06000002", "--scale", "0.05"]
    assert main(args) == 2
    assert "refusing to put synthetic returns beside them" in capsys.readouterr().err
    assert sorted(str(p) for p in (landing / "landing").rglob("*")) == before

    fresh = tmp_path / "fresh"
    monkeypatch.setenv("CSSD_DATA_DIR", str(fresh))
    assert main(args) == 0
    assert is_marked_synthetic(fresh / "landing")
    assert main([*args, "--faults-only", "--faults", "W06000002:CLA-027"]) == 0  # its own folder: allowed
